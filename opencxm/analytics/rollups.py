"""Keeping `FeedbackRollup` (and the key drivers' `DriverDay`) in step with feedback: refresh the (source, day)
slices a write touched, or rebuild everything (resumable). Days are local days in the installation's time zone."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, DateField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from opencxm.analytics.metrics import FEEDBACK_SUMS
from opencxm.analytics.models import DriverDay, FeedbackRollup, FeedbackRollupMonth, RollupState


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day(moment: datetime) -> date:
    """The installation-local calendar day of an aware datetime."""
    return moment.astimezone(local_zone()).date()


def _day_range(days: list[date]) -> tuple[datetime, datetime]:
    zone = local_zone()
    return (
        datetime.combine(min(days), time.min, tzinfo=zone),
        datetime.combine(max(days) + timedelta(days=1), time.min, tzinfo=zone),
    )


def _aggregates() -> dict:
    return {
        "records": Count("id"),
        "comments": Count("id", filter=~Q(comment="")),
        "nps_n": Count("nps"),
        "nps_promoters": Count("id", filter=Q(nps__gte=9)),
        "nps_detractors": Count("id", filter=Q(nps__lte=6)),
        "csat_n": Count("csat"),
        "csat_sum": Sum("csat"),
        "csat_sumsq": Sum(F("csat") * F("csat")),
        "csat_top2": Count("id", filter=Q(csat__gte=4)),
        "ces_n": Count("ces"),
        "ces_sum": Sum("ces"),
        "ces_sumsq": Sum(F("ces") * F("ces")),
    }


def _chunks(days: list[date], size: int = 31):
    """Sorted days in runs that span at most `size` calendar days (scattered days are not scanned together
    with the days between them)."""
    chunk: list[date] = []
    for day in days:
        if chunk and (day - chunk[0]).days >= size:
            yield chunk
            chunk = []
        chunk.append(day)
    if chunk:
        yield chunk


def _local_day(chunk: list[date]):
    """The local day of `responded_at` for rows inside the chunk's time range. PostgreSQL: the ORM's TruncDate
    (AT TIME ZONE). SQLite: Django's TruncDate with a time zone calls a Python function for every row, so the
    day is found by comparing the stored UTC time with the chunk's local midnights in a CASE instead (the same
    result, evaluated by SQLite itself)."""
    if connection.vendor != "sqlite":
        return TruncDate("responded_at", tzinfo=local_zone())
    zone, whens, day = local_zone(), [], chunk[0]
    while day <= chunk[-1]:
        next_midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
        whens.append(When(responded_at__lt=next_midnight, then=Value(day)))
        day += timedelta(days=1)
    return Case(*whens, output_field=DateField())


def rollup_refresh(*, source_id: int, days: Iterable[date]) -> int:
    """Rebuild the rollup rows of one source for the given local days from the feedback; returns rows written.

    Refreshes of one source are serialised by locking its DataSource row, so concurrent imports never
    interleave a delete and an insert of the same slice.
    """
    from opencxm.analytics.drivers import driver_days_refresh
    from opencxm.feedback.models import DataSource, Feedback

    wanted = sorted(set(days))
    written = 0
    with transaction.atomic():
        DataSource.objects.select_for_update().filter(pk=source_id).first()
        for chunk in _chunks(wanted):
            FeedbackRollup.objects.filter(source_id=source_id, day__in=chunk).delete()
            start, end = _day_range(chunk)
            slices = (
                Feedback.objects.filter(source_id=source_id, responded_at__gte=start, responded_at__lt=end)
                .annotate(local_day=_local_day(chunk))
                .filter(local_day__in=chunk)
                .values("local_day", "source_id", "touchpoint_id", "channel_id", "segment_id", "kind")
                .annotate(**{name: Coalesce(total, 0) for name, total in _aggregates().items()})
                .order_by()
            )
            written += _insert_select(slices)
            driver_days_refresh(source_id=source_id, chunk=chunk, start=start, end=end, local_day=_local_day(chunk))
        month_rollup_refresh(source_id=source_id, months={day.replace(day=1) for day in wanted})
    return written


MONTH_KEYS = ("source_id", "touchpoint_id", "channel_id", "segment_id", "kind")


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_rollup_refresh(*, source_id: int, months: Iterable[date]) -> int:
    """Recompute the monthly rows of one source for the given months (first days) by adding up its daily rows,
    inside the database; called by `rollup_refresh` in its transaction. Returns rows written."""
    quote = connection.ops.quote_name
    monthly, daily = quote(FeedbackRollupMonth._meta.db_table), quote(FeedbackRollup._meta.db_table)
    keys = ", ".join(quote(name) for name in MONTH_KEYS)
    sums = ", ".join(f"SUM({quote(name)})" for name in FEEDBACK_SUMS)
    columns = ", ".join([quote("month"), keys, *(quote(name) for name in FEEDBACK_SUMS)])
    sql = (
        f"INSERT INTO {monthly} ({columns}) SELECT %s, {keys}, {sums} FROM {daily} "  # noqa: S608 (constants)
        f"WHERE {quote('source_id')} = %s AND {quote('day')} >= %s AND {quote('day')} < %s GROUP BY {keys}"
    )
    written = 0
    wanted = sorted({month_start(month) for month in months})
    FeedbackRollupMonth.objects.filter(source_id=source_id, month__in=wanted).delete()
    with connection.cursor() as cursor:
        for month in wanted:
            cursor.execute(sql, [month, source_id, month, next_month(month)])
            written += cursor.rowcount
    return written


def month_rollup_rebuild() -> int:
    """Recompute every monthly row from the daily rows (after a migration or a bulk load of daily rows)."""
    from django.db.models.functions import TruncMonth

    written = 0
    with transaction.atomic():
        FeedbackRollupMonth.objects.all().delete()
        pairs = FeedbackRollup.objects.annotate(m=TruncMonth("day")).values_list("source_id", "m").distinct()
        by_source: dict[int, set] = {}
        for source_id, month in pairs:
            by_source.setdefault(source_id, set()).add(month)
        for source_id, months in by_source.items():
            written += month_rollup_refresh(source_id=source_id, months=months)
    return written


def _insert_select(queryset) -> int:
    """INSERT INTO the rollup table the rows of an aggregate queryset, inside the database (no round trip).

    The SELECT is the ORM's own SQL for this database (SQLite or PostgreSQL), so the local-day conversion is
    exactly the one the ORM uses everywhere else; its column aliases name the rollup columns.
    """
    compiler = queryset.query.get_compiler(connection=connection)
    select_sql, params = compiler.as_sql()
    aliases = [alias for _expression, _sql, alias in compiler.select]
    columns = ", ".join(connection.ops.quote_name("day" if alias == "local_day" else alias) for alias in aliases)
    table = connection.ops.quote_name(FeedbackRollup._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select_sql}", params)  # noqa: S608 (ORM-built SQL)
        return cursor.rowcount


def rollup_rebuild(*, resume: bool = True, log=None) -> int:
    """Recompute every rollup from all feedback, month by month per source; resumes after an interruption."""
    from opencxm.feedback.models import DataSource, Feedback

    state, _ = RollupState.objects.get_or_create(name="feedback")
    bounds = Feedback.objects.order_by("responded_at").values_list("responded_at", flat=True)
    first, last = bounds.first(), bounds.last()
    if first is None:
        FeedbackRollup.objects.all().delete()
        FeedbackRollupMonth.objects.all().delete()
        DriverDay.objects.all().delete()
        return 0
    day = local_day(first)
    if resume and state.done_until and state.finished_at is None:
        day = max(day, state.done_until + timedelta(days=1))
    else:
        state.started_at, state.finished_at, state.done_until = timezone.now(), None, None
        state.save()
    end, written = local_day(last), 0
    source_ids = list(DataSource.objects.values_list("id", flat=True))
    while day <= end:
        month_days = [day + timedelta(days=i) for i in range(31) if day + timedelta(days=i) <= end]
        for source_id in source_ids:
            written += rollup_refresh(source_id=source_id, days=month_days)
        state.done_until = month_days[-1]
        state.save(update_fields=["done_until"])
        if log:
            log(f"rollups rebuilt until {state.done_until}")
        day = month_days[-1] + timedelta(days=1)
    state.finished_at = timezone.now()
    state.save(update_fields=["finished_at"])
    return written
