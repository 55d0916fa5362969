"""Per-log discovery aggregates: the directly-follows map (count, exact median and p90 seconds per edge) and
the variant counts of each whole log, plus one row set (log NULL) for all logs together, because quantiles of
several logs cannot be merged from per-log values.

`refresh` recomputes them from the per-case transitions and variants for the touched logs and the all-logs set;
services.cases_refresh calls it in the same transaction that rewrites the cases, and migration 0004 fills them
for data that existed before. Discovery reads them when no filter other than the log is set (selectors.discover).

Per-day aggregates (DayVariant, DayEdge) answer a period (with or without a log): per log and local start day
of the case, the cases per variant (exact) and per directly-follows pair a histogram of the durations in
log-spaced buckets (count, shortest, longest per bucket): summed over the days, counts are exact and
median/p90 lie within ALPHA (relative) of the exact values. `refresh_days` rewrites the rows of the days a write
touched (the days its cases started on before and after it), in the same transaction; they are computed in the
database (INSERT ... SELECT ... GROUP BY), never by reading transitions into Python. Case-level filters
(segment, NPS band, topic, ...) group the transitions of the selected cases into the same histograms in SQL
(`histogram_rows`). See docs/journey-analytics.md "Filtered discovery at scale".
"""

import math
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Case as CaseWhen
from django.db.models import Count, DateField, F, Func, IntegerField, Max, Min, Q, Sum, Value, When
from django.db.models.functions import Cast, Ceil, Ln, TruncDate

from opencxm.events import bulk, selectors

ALPHA = 0.025  # relative error bound of a median or p90 read from the histograms
GAMMA = (1 + ALPHA) / (1 - ALPHA)  # bucket i holds durations in (GAMMA**(i-1), GAMMA**i] seconds
ZERO_BUCKET = -1_000_000  # durations of 0 seconds (events at the same time)
WHOLE_LOG_DAYS = 62  # a write touching more days than this rewrites all day rows of its log
CASE_CHUNK = 5000


def refresh(log_ids: Iterable[int], *, apps=None) -> None:
    """Recompute the summaries of these logs. `apps`: a migration's historical models (the migration that fills
    the tables for existing data). All logs together keep no summary (log NULL): ranking the steps of every log
    again on each write of one grew with all data; discovery of all logs reads the per-variant durations
    (selectors._discover_whole)."""
    models = _models(apps)
    for log_id in sorted(set(log_ids)):
        _refresh_one(models, log_id, bounded=apps is None)


def _models(apps):
    if apps is None:
        from opencxm.events import models

        return models.Case, models.Transition, models.EdgeSummary, models.VariantSummary
    return tuple(apps.get_model("events", name) for name in ("Case", "Transition", "EdgeSummary", "VariantSummary"))


# Whole-log summaries with exact percentiles are kept for logs (and all logs together) of at most this many
# directly-follows steps: ranking every step of the log on each write costs ~12 s at 8.2M steps (SQLite). A
# larger log keeps no summary rows and is read from its month rows like a period (counts exact, median/p90
# within ALPHA); selectors._discover_whole falls back when it finds no summary.
SUMMARY_MAX_TRANSITIONS = 250_000


def _refresh_one(models, log_id: int, *, bounded: bool = True) -> None:
    """`bounded`: skip logs beyond SUMMARY_MAX_TRANSITIONS (not in the migration that first fills the summaries,
    which runs before the month rows exist)."""
    case_model, transition_model, edge_model, variant_model = models
    cases = case_model.objects.filter(variant__isnull=False, log_id=log_id)
    edge_model.objects.filter(log_id=log_id).delete()
    variant_model.objects.filter(log_id=log_id).delete()
    if bounded and _steps_beyond_summary(log_id):
        return
    variants = cases.values("variant_id").annotate(n=Count("id")).order_by("variant_id")
    variant_model.objects.bulk_create(
        [variant_model(log_id=log_id, variant_id=row["variant_id"], cases=row["n"]) for row in variants],
        batch_size=5000,
    )
    edge_model.objects.bulk_create(
        [
            edge_model(log_id=log_id, from_activity_id=a, to_activity_id=b, count=n, median_seconds=median,
                       p90_seconds=p90)
            for a, b, n, median, p90 in selectors.edge_stats(transition_model.objects.filter(case__in=cases))
        ],
        batch_size=5000,
    )  # fmt: skip


def _steps_beyond_summary(log_id: int) -> bool:
    """More steps than SUMMARY_MAX_TRANSITIONS in this log, counted on the month rows (written before the
    summaries on every write, services.cases_refresh)."""
    from opencxm.events.models import MonthEdge

    steps = MonthEdge.objects.filter(log_id=log_id).aggregate(n=Sum("count"))
    return (steps["n"] or 0) > SUMMARY_MAX_TRANSITIONS


def bucket_of(seconds: float) -> int:
    """The histogram bucket of a duration (as the database computes it with `bucket_expression`)."""
    if seconds <= 0:
        return ZERO_BUCKET
    return math.ceil(math.log(seconds) / math.log(GAMMA))


def bucket_expression(field: str = "seconds"):
    """SQL (SQLite >= 3.35 and PostgreSQL): CEIL(LN(seconds) / LN(GAMMA)) as an integer, ZERO_BUCKET for 0."""
    index = Cast(Ceil(Ln(F(field)) / Value(math.log(GAMMA))), IntegerField())
    return CaseWhen(When(**{f"{field}__gt": 0}, then=index), default=Value(ZERO_BUCKET), output_field=IntegerField())


def histogram_rows(transitions, *, by: tuple[str, ...] = ()):
    """(from id, to id, bucket, count, low, high) grouped in the database from these transitions; `by`: more
    annotated columns to group by, which follow the bucket in each row."""
    return (
        transitions.annotate(bucket=bucket_expression())
        .values("from_activity_id", "to_activity_id", "bucket", *by)
        .annotate(n=Count("id"), low=Min("seconds"), high=Max("seconds"))
        .order_by()
        .values_list("from_activity_id", "to_activity_id", "bucket", *by, "n", "low", "high")
    )


def edges_from_histograms(rows: Iterable[tuple]) -> list[tuple]:
    """(from id, to id, count, median, p90) per edge from (from, to, bucket, count, low, high) rows (several rows
    per bucket, e.g. one per day, are merged)."""
    edges: dict[tuple, dict[int, list]] = {}
    for a, b, bucket, n, low, high in rows:
        buckets = edges.setdefault((a, b), {})
        if bucket in buckets:
            merged = buckets[bucket]
            merged[0] += n
            merged[1], merged[2] = min(merged[1], low), max(merged[2], high)
        else:
            buckets[bucket] = [n, low, high]
    result = []
    for (a, b), buckets in edges.items():
        ordered = [(bucket, *buckets[bucket]) for bucket in sorted(buckets)]
        total = sum(item[1] for item in ordered)
        result.append((a, b, total, histogram_quantile(ordered, total, 0.5), histogram_quantile(ordered, total, 0.9)))
    return result


def histogram_quantile(ordered: list[tuple], total: int, q: float) -> float:
    """numpy's linear quantile of the durations in the histogram (bucket, count, low, high) sorted by bucket.
    The value at a rank is the bucket's shortest (lowest rank in it) or longest (highest rank) exactly, else the
    bucket's centre 2·GAMMA**i/(GAMMA+1) clamped to [shortest, longest]: within ALPHA of the true value, and so
    is the interpolation between two such values."""
    rank = q * (total - 1)
    low, high = math.floor(rank), math.ceil(rank)
    at_low = _value_at(ordered, low)
    at_high = at_low if high == low else _value_at(ordered, high)
    return at_low + (at_high - at_low) * (rank - low)


def _value_at(ordered: list[tuple], rank: int) -> float:
    below = 0
    for bucket, n, low, high in ordered:
        if rank < below + n:
            if rank == below:
                return low
            if rank == below + n - 1:
                return high
            centre = 0.0 if bucket == ZERO_BUCKET else 2 * GAMMA**bucket / (GAMMA + 1)
            return min(max(centre, low), high)
        below += n
    raise IndexError(rank)


def zone() -> ZoneInfo:
    """The zone whose local dates key the day rows (and period filters): OPENCXM_TIME_ZONE."""
    return ZoneInfo(settings.TIME_ZONE)


def case_days(case_ids: Iterable[int], *, apps=None) -> set[tuple[int, date]]:
    """(log id, local start day) of these cases as they are now (cases without events yet have none)."""
    case_model = _day_models(apps)[0]
    found: set[tuple[int, date]] = set()
    ids = sorted(set(case_ids))
    for start in range(0, len(ids), CASE_CHUNK):
        chunk = case_model.objects.filter(id__in=ids[start : start + CASE_CHUNK], started_at__isnull=False)
        found.update(chunk.annotate(day=TruncDate("started_at", tzinfo=zone())).values_list("log_id", "day").distinct())
    return found


def refresh_days(log_days: Iterable[tuple[int, date]], *, apps=None) -> None:
    """Rewrite the day rows of these (log, day) pairs from the cases and transitions as they are now; a log with
    more than WHOLE_LOG_DAYS touched days is rewritten whole."""
    by_log: dict[int, set[date]] = {}
    for log_id, day in log_days:
        by_log.setdefault(log_id, set()).add(day)
    for log_id, days in sorted(by_log.items()):
        _refresh_log_days(apps, log_id, None if len(days) > WHOLE_LOG_DAYS else days)
        _refresh_months(apps, log_id, {day.replace(day=1) for day in days})


def refresh_logs_days(log_ids: Iterable[int], *, apps=None) -> None:
    """Rewrite all day rows of these logs (the migration that fills them for existing data)."""
    months = _day_models(apps)[4] is not None
    for log_id in sorted(set(log_ids)):
        _refresh_log_days(apps, log_id, None)
        if months:
            _refresh_months(apps, log_id, None)


def refresh_logs_months(log_ids: Iterable[int], *, apps=None) -> None:
    """Rewrite all month rows of these logs from their day rows (the migration that adds them)."""
    for log_id in sorted(set(log_ids)):
        _refresh_months(apps, log_id, None)


def event_models(apps, names: tuple[str, ...]) -> tuple:
    """The events models of these names: the current ones (`apps` None) or a migration's historical ones, None
    for those that do not exist yet at that migration."""
    if apps is None:
        from opencxm.events import models

        return tuple(getattr(models, name) for name in names)
    found = []
    for name in names:
        try:
            found.append(apps.get_model("events", name))
        except LookupError:
            found.append(None)
    return tuple(found)


def _day_models(apps):
    """Case, Transition, DayVariant, DayEdge, MonthVariant, MonthEdge (None: not yet at a migration's state; the
    month rows come with 0007)."""
    return event_models(apps, ("Case", "Transition", "DayVariant", "DayEdge", "MonthVariant", "MonthEdge"))


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone())


def _ranges(days: set[date]) -> list[tuple[date, date]]:
    """Consecutive days merged into (first, last) ranges."""
    ranges: list[list[date]] = []
    for day in sorted(days):
        if ranges and ranges[-1][1] + timedelta(days=1) == day:
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return [(first, last) for first, last in ranges]


def _refresh_log_days(apps, log_id: int, days: set[date] | None) -> None:
    case_model, transition_model, variant_model, edge_model, _month_variant, _month_edge = _day_models(apps)
    cases = case_model.objects.filter(log_id=log_id, variant__isnull=False, started_at__isnull=False)
    old_variants, old_edges = variant_model.objects.filter(log_id=log_id), edge_model.objects.filter(log_id=log_id)
    if days is not None:
        within = Q()
        for first, last in _ranges(days):
            within |= Q(
                started_at__gte=_local_midnight(first), started_at__lt=_local_midnight(last + timedelta(days=1))
            )
        cases = cases.filter(within)
        old_variants, old_edges = old_variants.filter(day__in=days), old_edges.filter(day__in=days)
    old_variants.delete()
    old_edges.delete()
    selected = cases.annotate(day=TruncDate("started_at", tzinfo=zone())).values_list("id", "variant_id", "day")
    case_sql, params = selected.query.sql_with_params()
    variant_table, edge_table = bulk.table_name(variant_model), bulk.table_name(edge_model)
    transition_table = bulk.table_name(transition_model)
    bucket = (
        f"CASE WHEN t.seconds > 0 THEN CAST(CEILING(LN(t.seconds) / {math.log(GAMMA)!r}) AS INTEGER) "
        f"ELSE {ZERO_BUCKET} END"
    )
    with connection.cursor() as cursor:
        # the selected cases with their local start day, computed once per case (not per transition)
        cursor.execute(f"CREATE TEMPORARY TABLE opencxm_case_day AS SELECT * FROM ({case_sql}) selected", params)  # noqa: S608
        try:
            if connection.vendor == "postgresql":  # its size, so that a few days' cases join by the case index
                cursor.execute("ANALYZE opencxm_case_day")
            cursor.execute(
                f"INSERT INTO {variant_table} (log_id, day, variant_id, cases) "  # noqa: S608 - names from the models
                f"SELECT %s, day, variant_id, COUNT(*) FROM opencxm_case_day GROUP BY day, variant_id",
                [log_id],
            )
            cursor.execute(
                f"INSERT INTO {edge_table} (log_id, day, from_activity_id, to_activity_id, bucket, count, low, high) "  # noqa: S608
                f"SELECT %s, c.day, t.from_activity_id, t.to_activity_id, {bucket}, COUNT(*), MIN(t.seconds), "
                f"MAX(t.seconds) FROM {transition_table} t JOIN opencxm_case_day c ON c.id = t.case_id "
                f"GROUP BY c.day, t.from_activity_id, t.to_activity_id, {bucket}",
                [log_id],
            )
        finally:
            cursor.execute("DROP TABLE opencxm_case_day")


def _refresh_months(apps, log_id: int, months: set[date] | None) -> None:
    """Rewrite the month rows of these months (first days; None: all) of a log from its day rows."""
    _case, _transition, variant_model, edge_model, month_variant, month_edge = _day_models(apps)
    days_v, days_e = variant_model.objects.filter(log_id=log_id), edge_model.objects.filter(log_id=log_id)
    old_v, old_e = month_variant.objects.filter(log_id=log_id), month_edge.objects.filter(log_id=log_id)
    if months is not None:
        within = Q()
        for month in months:
            within |= Q(day__gte=month, day__lt=next_month(month))
        days_v, days_e = days_v.filter(within), days_e.filter(within)
        old_v, old_e = old_v.filter(month__in=months), old_e.filter(month__in=months)
    old_v.delete()
    old_e.delete()
    month = _MonthStart("day")
    variants = (
        days_v.annotate(month=month).values("log_id", "month", "variant_id").annotate(n=Sum("cases")).order_by()
        .values_list("log_id", "month", "variant_id", "n")
    )  # fmt: skip
    _insert_select(month_variant, ["log", "month", "variant", "cases"], variants)
    edges = (
        days_e.annotate(month=month)
        .values("log_id", "month", "from_activity_id", "to_activity_id", "bucket")
        .annotate(n=Sum("count"), shortest=Min("low"), longest=Max("high"))
        .order_by()
        .values_list("log_id", "month", "from_activity_id", "to_activity_id", "bucket", "n", "shortest", "longest")
    )
    fields = ["log", "month", "from_activity", "to_activity", "bucket", "count", "low", "high"]
    _insert_select(month_edge, fields, edges)


class _MonthStart(Func):
    """The first day of a date's month, natively on both databases (Django's TruncMonth calls back into Python
    for every row on SQLite: ~28k calls per helpdesk import)."""

    output_field = DateField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra):
        inner, params = compiler.compile(self.source_expressions[0])
        return f"strftime('%%Y-%%m-01', {inner})", params

    def as_sql(self, compiler, connection, **extra):
        inner, params = compiler.compile(self.source_expressions[0])
        return f"CAST(DATE_TRUNC('month', CAST({inner} AS timestamp)) AS date)", params


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def period_split(start: date | None, end: date | None) -> tuple[tuple, list[tuple]]:
    """A period as whole calendar months (first, last month's first day; None: none) and the day ranges around
    them ((first, last) days, either end None when open)."""
    first_full = start if start is None or start.day == 1 else next_month(start)
    last_full = None if end is None else (end.replace(day=1) if next_month(end) - timedelta(days=1) == end
                                           else (end.replace(day=1) - timedelta(days=1)).replace(day=1))  # fmt: skip
    if first_full is not None and last_full is not None and first_full > last_full:
        return (), [(start, end)]
    days = []
    if start is not None and start < first_full:
        days.append((start, first_full - timedelta(days=1)))
    if end is not None and next_month(last_full) <= end:
        days.append((next_month(last_full), end))
    return (first_full, last_full), days


def _insert_select(model, fields: list[str], queryset) -> None:
    """INSERT INTO the model's table the rows the queryset selects (columns in `fields` order), in the database."""
    table = bulk.table_name(model)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in fields)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)  # noqa: S608 - names from the model
