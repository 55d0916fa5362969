"""Reads: logs, activities with their volume, and discovery of actual journeys from the per-case aggregates."""

import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    Value,
    Window,
)
from django.db.models.functions import FirstValue
from django.db.models.lookups import LessThan
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from opencxm.accounts.models import Department
from opencxm.events import aggregates, bulk, casefacts, durations
from opencxm.events.models import (
    Activity,
    Case,
    CaseChannel,
    CaseStep,
    DayEdge,
    DayVariant,
    EdgeSummary,
    EventLog,
    MonthEdge,
    MonthVariant,
    Transition,
    Variant,
    VariantStep,
    VariantSummary,
)
from opencxm.feedback.models import Customer, Feedback
from opencxm.journeys.models import Segment
from opencxm.textanalytics.models import CommentTopic, Topic
from opencxm.touchpoints.models import Channel

NPS_BANDS = {"promoter": (9, 10), "passive": (7, 8), "detractor": (0, 6)}


class FilterError(ValueError):
    """A filter names something that does not exist (a topic, a department) or is malformed."""


@dataclass(frozen=True)
class Filters:
    """Which cases discovery looks at. Period: cases that started within [start, end] (local days).

    Feedback filters (NPS band, topic) look at the case's customer and at feedback given within the same
    period when one is set (all feedback otherwise); cases without a linked customer never match them."""

    log: str = ""  # EventLog public id
    start: date | None = None
    end: date | None = None
    activity: str = ""  # cases that contain this activity (by name)
    channel: str = ""  # cases with an event in this channel (code)
    segment: str = ""  # cases of customers in this segment (code)
    nps_band: str = ""  # promoter | passive | detractor: the customer's latest NPS rating
    topic: str = ""  # topic key: the customer wrote a comment on this topic (or one of its subtopics)
    handover: str = ""  # "A:B" department codes: the case steps directly from department A to department B


FILTER_FIELDS = [item.name for item in fields(Filters)]


def parse_handover(text: str) -> tuple[str, str]:
    """Split "sales:field-service" into ("sales", "field-service"); FilterError unless two different codes."""
    source, sep, target = (text or "").partition(":")
    source, target = source.strip(), target.strip()
    if not sep or not source or not target:
        raise FilterError(_("A handover is written FROM:TO with two department codes, e.g. sales:service."))
    if source == target:
        raise FilterError(_("A handover needs two different departments."))
    return source, target


@dataclass
class Edge:
    source: str
    target: str
    count: int
    median_seconds: float | None
    p90_seconds: float | None


@dataclass
class Discovery:
    cases: int = 0
    events: int = 0
    activities: list = field(default_factory=list)  # [{"name", "count", "cases", "position"}]
    edges: list = field(default_factory=list)  # [Edge]
    variants: list = field(default_factory=list)  # [{"path", "count", "share"}]
    starts: list = field(default_factory=list)  # [{"name", "count"}]
    ends: list = field(default_factory=list)
    loops: list = field(default_factory=list)  # [{"name", "cases", "second", "third", "most"}]
    approximate: bool = False  # median/p90 from duration histograms: within aggregates.ALPHA of the exact value
    sampled_cases: int = 0  # > 0: median/p90 of frequent edges estimated from this many of the cases (a sample)

    def as_json(self) -> dict:
        """The documented JSON shape of `opencxm journeys discover` (plus starts, ends, loops, p90)."""
        edges = [
            {"from": e.source, "to": e.target, "count": e.count, "median_seconds": e.median_seconds,
             "p90_seconds": e.p90_seconds}
            for e in self.edges
        ]  # fmt: skip
        return {
            "activities": [{"name": a["name"], "count": a["count"]} for a in self.activities],
            "edges": edges,
            "variants": [{"path": v["path"], "count": v["count"]} for v in self.variants],
            "starts": self.starts,
            "ends": self.ends,
            "loops": self.loops,
            "cases": self.cases,
            "events": self.events,
        } | ({"duration_sample_cases": self.sampled_cases} if self.sampled_cases else {})


def log_list():
    return EventLog.objects.annotate(case_total=Count("cases")).order_by("name")


def log_get(public_id) -> EventLog:
    return get_object_or_404(EventLog, public_id=public_id)


def activity_list():
    """Every activity with its event volume, unmapped first, then by volume."""
    return (
        Activity.objects.select_related("touchpoint")
        .annotate(volume=Count("events"))
        .annotate(mapped=ExpressionWrapper(Q(touchpoint__isnull=False), output_field=BooleanField()))
        .order_by("mapped", "-volume", "name")
    )


def activity_get(public_id) -> Activity:
    return get_object_or_404(Activity.objects.select_related("touchpoint"), public_id=public_id)


def check_names(filters: Filters) -> None:
    """FilterError for an activity, channel or segment that does not exist (rather than an empty result: a
    mistyped name in the API or on the command line would look like "no such journeys"). Topics, departments
    and NPS bands are checked where they are resolved."""
    checks = (
        (filters.activity, Activity.objects.filter(name=filters.activity), _("Unknown activity “%(name)s”.")),
        (filters.channel, Channel.objects.filter(code=filters.channel), _("Unknown channel “%(name)s”.")),
        (filters.segment, Segment.objects.filter(code=filters.segment), _("Unknown segment “%(name)s”.")),
    )
    for value, found, message in checks:
        if value and not found.exists():
            raise FilterError(message % {"name": value})


def cases_for(filters: Filters):
    check_names(filters)
    cases = _cases().filter(path__isnull=False)
    if filters.log:
        cases = cases.filter(log__public_id=filters.log)
    if filters.start:
        cases = cases.filter(started_at__gte=_day_start(filters.start))
    if filters.end:
        cases = cases.filter(started_at__lt=_day_start(filters.end + timedelta(days=1)))
    # activity, channel and handover select cases through the variants' steps and the cases' channels
    # (casefacts.py), never by scanning events or transitions
    if filters.activity:
        activity = Activity.objects.filter(name=filters.activity).values("id")
        cases = cases.filter(path__in=VariantStep.objects.filter(from_activity__in=activity).values("variant_id"))
    if filters.channel:
        # ids looked up first: the database then plans with the channel's own row estimate
        channel_ids = list(Channel.objects.filter(code=filters.channel).values_list("id", flat=True))
        cases = cases.filter(id__in=CaseChannel.objects.filter(channel_id__in=channel_ids).values("case_id"))
    if filters.segment:
        # the segment's customers as one set (a join looks up each case's customer: 8x slower on SQLite)
        segment = Customer.objects.filter(segment__in=Segment.objects.filter(code=filters.segment).values("id"))
        cases = cases.filter(customer_id__in=segment.values("id"))
    if filters.nps_band:
        cases = _with_nps_band(cases, filters)
    if filters.topic:
        cases = cases.filter(customer_id__in=_topic_customers(filters))
    if filters.handover:
        cases = _with_handover(cases, filters.handover)
    return cases


def _feedback_in_period(filters: Filters, *, correlated: bool = True):
    """Feedback in the filters' period; `correlated`: of the outer query's customer."""
    feedback = Feedback.objects.filter(customer_id=OuterRef("customer_id")) if correlated else Feedback.objects.all()
    if filters.start:
        feedback = feedback.filter(responded_at__gte=_day_start(filters.start))
    if filters.end:
        feedback = feedback.filter(responded_at__lt=_day_start(filters.end + timedelta(days=1)))
    return feedback


def _with_nps_band(cases, filters: Filters):
    """The customer's latest NPS rating (in the period) falls in the band: promoter 9–10, passive 7–8,
    detractor 0–6. The latest answer per customer is ranked once over the answers (a window function), not
    looked up per case."""
    if filters.nps_band not in NPS_BANDS:
        raise FilterError(_("Unknown NPS band “%(band)s”: use promoter, passive or detractor.")
                          % {"band": filters.nps_band})  # fmt: skip
    low, high = NPS_BANDS[filters.nps_band]
    answers = _feedback_in_period(filters, correlated=False).filter(nps__isnull=False, customer__isnull=False)
    order = [F("responded_at").desc(), F("id").desc()]
    latest = (
        answers.annotate(latest=Window(FirstValue("nps"), partition_by=F("customer_id"), order_by=order))
        .filter(latest__gte=low, latest__lte=high)  # on the window's value: applied after the ranking
        .values("customer_id")
    )
    return _where_in(cases.filter(customer__isnull=False), "customer_id", latest)


def _topic_customers(filters: Filters):
    """The customers with feedback (in the period) whose comment carries the topic or one of its subtopics;
    topics a user removed do not count, topics a user added do. One set of customers (not a lookup per case)."""
    topic = Topic.objects.filter(key=filters.topic).first()
    if topic is None:
        raise FilterError(_("Unknown topic “%(topic)s”.") % {"topic": filters.topic})
    topic_ids = [topic.id, *topic.children.values_list("id", flat=True)]
    feedback = _feedback_in_period(filters, correlated=False).filter(customer__isnull=False)
    tagged = CommentTopic.objects.filter(topic_id__in=topic_ids, removed=False, analysis__feedback__in=feedback)
    return tagged.values("analysis__feedback__customer_id")


def _with_handover(cases, text: str):
    """A directly-follows step of the case goes from a step of department A to a step of department B. A
    step's department is the one recorded on its event, else the owner of the activity's touchpoint.

    Never by scanning transitions (casefacts.py): a case none of whose events records a department hands over
    where its variant has a step from an activity owned by A to one owned by B (VariantStep); a case with a
    recorded department has its steps as CaseStep codes. Owners are read now, so a remapped activity or a new
    owner counts at once."""
    parties = source, target, owned = _handover_parties(text)
    # cases without a recorded department: through their variant's steps (activities owned by A then by B)
    by_path = _handover_variant_steps(parties)
    unrecorded = Q(path__in=by_path.values("variant_id"))
    if not CaseStep.objects.exists():  # no event records a department anywhere: the variants tell it all
        return cases.filter(unrecorded)
    # (a flag on the case, not an anti-join over all CaseStep rows: 2.9 s at 8M rows on PostgreSQL)
    without_steps = _cases().filter(unrecorded, recorded_department=False)
    # cases with one: their steps as codes, a recorded department (-id) or an activity owned by it (+id)
    by_steps = CaseStep.objects.filter(
        from_code__in=[casefacts.code(source, 0), *owned[source]],
        to_code__in=[casefacts.code(target, 0), *owned[target]],
    )
    # one set of ids (a UNION), not an OR per case: PostgreSQL turned the OR into nested loops (minutes)
    return cases.filter(id__in=without_steps.values("id").union(by_steps.values("case_id")))


def _handover_parties(text: str) -> tuple[int, int, dict[int, list[int]]]:
    """The two departments' ids of "A:B" and the activities each owns (through the touchpoints)."""
    codes = parse_handover(text)
    found = dict(Department.objects.filter(code__in=codes).values_list("code", "id"))
    for code in codes:
        if code not in found:
            raise FilterError(_("Unknown department “%(code)s”.") % {"code": code})
    source, target = found[codes[0]], found[codes[1]]
    owned = {d: list(Activity.objects.filter(touchpoint__owner_department_id=d).values_list("id", flat=True))
             for d in (source, target)}  # fmt: skip
    return source, target, owned


def _handover_variant_steps(parties: tuple[int, int, dict]):
    """The variants' steps from an activity owned by A to one owned by B (parties: _handover_parties)."""
    source, target, owned = parties
    return VariantStep.objects.filter(from_activity__in=owned[source], to_activity__in=owned[target])


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def discover(filters: Filters, *, summaries: bool = True) -> Discovery:
    """Directly-follows map, variants, starts/ends and loops of the cases the filters select.

    A whole log or all logs are read from the summaries kept on every write (exact). A period, with or without
    a log, is read from the per-day rows kept on every write; any other filter groups the selected cases'
    variants and transitions in the database. Both give exact counts and variants, and median/p90 from duration
    histograms, within aggregates.ALPHA (`approximate`). `summaries=False` computes everything from the per-case
    transitions with exact percentiles (the tests' reference)."""
    if summaries and _whole_logs(filters):
        return _discover_whole(filters)
    if summaries and _period_only(filters):
        return _discover_days(filters)
    if summaries and _variants_only(filters):
        found = _discover_variants(filters)
        if found is not None:
            return found
    cases = cases_for(filters)
    if not summaries:
        rows = list(cases.values("variant_id").annotate(n=Count("id")).order_by("-n", "variant_id"))
        names, result = _tally(rows)
        result.edges = _edges(cases, names) if rows else []
        return result
    # the exact variant counts and, in the same pass, how many of the cases fall in each sample size
    slot = _sample_slot()
    samples = {f"s{k}": Count("id", filter=LessThan(slot, k)) for k in SAMPLE_SLOTS}
    grouped = cases.annotate(path_id=_variant_id()).values("path_id")
    rows = [
        {"variant_id": row.pop("path_id"), **row}
        for row in grouped.annotate(n=Count("id"), **samples).order_by("-n", "path_id")
    ]
    paths = variant_paths([row["variant_id"] for row in rows])
    names, result = _tally(rows, paths)
    if not rows:
        return result
    result.approximate = True
    if result.cases <= SAMPLE_ABOVE:
        transitions = _transitions_of(cases.values("id"))
        histograms = _raw_rows(aggregates.histogram_rows(transitions))
        result.edges = _named_edges(aggregates.edges_from_histograms(histograms), names)
        return result
    result.edges, result.sampled_cases = _sampled_edges(cases, rows, paths, names)
    return result


# A case-level filter that selects more than SAMPLE_ABOVE cases reads the durations (median, p90) of its
# frequent edges from a fixed random sample of at least SAMPLE_AT_LEAST of them: case i is in sample slot
# (i * 2246822519 mod 2^32) >> 22, one of 1024 (a multiplicative hash: uniform, and the same case always in the
# same slot, so a request repeats its answer); the sample is the cases in slots below k, for the smallest k of
# SAMPLE_SLOTS that gives enough cases. Counts, variants, starts, ends and loops stay exact (from the variant
# counts of all selected cases), and so do the durations of edges taken at most RARE_EDGE times (up to
# RARE_TOTAL steps and RARE_EDGES edges): those are read from all their cases (docs/journey-analytics.md).
SAMPLE_ABOVE = 100_000
SAMPLE_AT_LEAST = 25_000
SAMPLE_SLOTS = (1, 4, 16, 64, 256)
RARE_EDGE = 5_000
RARE_TOTAL = 50_000
RARE_EDGES = 200
RARE_VARIANTS = 5_000


def _transitions_of(case_ids):
    """The transitions of the cases this subquery selects (see _where_in: PostgreSQL cannot estimate how many
    cases the sample slot keeps and would scan all transitions, 1.3 s at 8.2M, instead of using the case index)."""
    return _where_in(Transition.objects.all(), "case_id", case_ids)


def _where_in(queryset, column: str, ids):
    """`queryset` where `column` is one of the ids the subquery `ids` selects. SQLite: as a subquery. PostgreSQL:
    the ids are read first and given as one array literal, because the planner misjudges how many ids such
    subqueries return (a ranked window, a hash slot: estimates of 1/100 of the real count), then picks per-row
    nested loops; with the array it knows the count and hashes it. A cap keeps the array bounded."""
    if connection.vendor != "postgresql":
        return queryset.filter(**{f"{column}__in": ids})
    values = list(ids.values_list(ids.query.values_select[0], flat=True)[: WHERE_IN_CAP + 1])
    if len(values) > WHERE_IN_CAP:
        return queryset.filter(**{f"{column}__in": ids})
    return queryset.filter(_AnyOf(column, values))


class _AnyOf(Func):
    """`column = ANY(%s::bigint[])` with the values as one array literal parameter (PostgreSQL)."""

    output_field = BooleanField()

    def __init__(self, column: str, values: list):
        super().__init__(F(column))
        self.array, self.cast = bulk._array_literal(values)

    def as_sql(self, compiler, connection, **extra):
        column_sql, params = compiler.compile(self.source_expressions[0])
        return f"{column_sql} = ANY(%s::{self.cast})", [*params, self.array]


WHERE_IN_CAP = 2_000_000


def _cases():
    """Cases with `path`, the variant id plus 0: the same value, but SQLite then scans the cases instead of
    walking the variant index and looking up every case it lists (2.3 s against 0.5 s for 1.8M cases)."""
    return Case.objects.alias(path=_variant_id())


def _variant_id():
    return ExpressionWrapper(F("variant_id") + 0, output_field=BigIntegerField())


def _sample_slot(column: str = "id"):
    mixed = ExpressionWrapper(F(column) * Value(2246822519), output_field=BigIntegerField())
    wrapped = ExpressionWrapper(mixed % Value(2**32), output_field=BigIntegerField())
    return ExpressionWrapper(wrapped / Value(2**22), output_field=BigIntegerField())


def _sampled_edges(cases, rows: list[dict], paths: dict, names: dict) -> tuple[list[Edge], int]:
    counts: Counter = Counter()
    variants_with: dict[tuple, list[int]] = defaultdict(list)
    for row in rows:
        path = paths[row["variant_id"]]
        pairs = Counter(zip(path, path[1:], strict=False))
        for pair, k in pairs.items():
            counts[pair] += k * row["n"]
            variants_with[pair].append(row["variant_id"])
    rare, total = [], 0
    for pair, n in sorted(counts.items(), key=lambda item: (item[1], item[0])):
        if n > RARE_EDGE or total + n > RARE_TOTAL or len(rare) >= RARE_EDGES:
            break
        rare.append(pair)
        total += n
    rare_variants = sorted({variant for pair in rare for variant in variants_with[pair]})
    if len(rare_variants) > RARE_VARIANTS:  # a bounded IN list (SQLite's variable limit): all from the sample
        rare, rare_variants = [], []
    k = next((k for k in SAMPLE_SLOTS if sum(row[f"s{k}"] for row in rows) >= SAMPLE_AT_LEAST), SAMPLE_SLOTS[-1])
    sampled = sum(row[f"s{k}"] for row in rows)
    # one pass over the selection (evaluating it costs more than reading the steps): the sampled cases and the
    # cases of the variants with a rare step, each step marked whether its case is in the sample. A rare step
    # only occurs in the rare variants' cases, so all its rows are kept; every other step only from the sample.
    chosen = Q(LessThan(_sample_slot(), k))
    if rare:
        chosen |= Q(variant_id__in=rare_variants)
    transitions = _transitions_of(cases.filter(chosen).values("id"))
    marked = transitions.annotate(in_sample=LessThan(_sample_slot("case_id"), k))
    rare_pairs = set(rare)
    histograms = [
        (a, b, bucket, n, low, high)
        for a, b, bucket, in_sample, n, low, high in _raw_rows(aggregates.histogram_rows(marked, by=("in_sample",)))
        if (a, b) in rare_pairs or in_sample
    ]
    durations = {(a, b): (median, p90) for a, b, _n, median, p90 in aggregates.edges_from_histograms(histograms)}
    stats = [(a, b, n, *durations.get((a, b), (None, None))) for (a, b), n in counts.items()]
    return _named_edges(stats, names), sampled


def _variants_only(filters: Filters) -> bool:
    """Filters that select whole variants (every case of a chosen variant): an activity, a handover when no
    event records a department (it then follows from the variant's path), perhaps a log."""
    chosen = {name for name in FILTER_FIELDS if getattr(filters, name)}
    if not chosen & {"activity", "handover"} or chosen - {"log", "activity", "handover"}:
        return False
    return not filters.handover or not CaseStep.objects.exists()


def _discover_variants(filters: Filters, *, every: bool = False) -> Discovery | None:
    """Variant-level filters from the cases per (log, variant) and the step durations kept per log and variant
    (durations.py): exact counts, variants and median/p90, without reading the cases' transitions. None when
    those rows do not match the cases (or would be too many to read): the caller takes the general path."""
    counts, paths = _variant_counts(filters, every=every)
    if not counts and not every:
        check_names(filters)  # nothing selected: say so if the activity does not exist
    totals: Counter = Counter()
    for (_log, variant), n in counts.items():
        totals[variant] += n
    steps = durations.read(counts, paths)
    if steps is None:
        return None
    rows = [{"variant_id": variant, "n": n} for variant, n in sorted(totals.items(), key=lambda i: (-i[1], i[0]))]
    names, result = _tally(rows, paths)
    stats = [(a, b, len(values), *_median_p90(values)) for (a, b), values in steps.items()]
    result.edges = _named_edges(stats, names)
    return result


def _selected_variants(filters: Filters) -> tuple[str, list] | None:
    """The SQL (and parameters) of the ids of the variants an activity and/or a handover (through the variants'
    steps) select; None when nothing can match."""
    parts = []
    if filters.activity:
        parts.append((
            f"SELECT s.variant_id FROM {VariantStep._meta.db_table} s "  # noqa: S608 - names from the models
            f"JOIN {Activity._meta.db_table} a ON a.id = s.from_activity WHERE a.name = %s",
            [filters.activity],
        ))  # fmt: skip
    if filters.handover:
        steps = _handover_variant_steps(_handover_parties(filters.handover)).values("variant_id")
        try:
            parts.append(steps.query.sql_with_params())
        except EmptyResultSet:  # neither department owns an activity
            return None
    intersected = " INTERSECT ".join(f"SELECT * FROM ({sql}) p{i}" for i, (sql, _p) in enumerate(parts))  # noqa: S608
    return intersected, [value for _sql, params in parts for value in params]


def _variant_counts(filters: Filters, *, every: bool = False) -> tuple[dict[tuple[int, int], int], dict[int, list]]:
    """(log, variant) -> cases, for the selected variants (`every`: all of them) in the filters' log (or every
    log), and the variants' paths: from the log's summary rows when it keeps them
    (aggregates.SUMMARY_MAX_TRANSITIONS), else counted over the cases (from their (variant, log) index)."""
    if every:
        return _case_counts("variant_id IS NOT NULL", [])
    selected = _selected_variants(filters)
    if selected is None:
        return {}, {}
    variants, params = selected
    if not filters.log:
        return _case_counts(f"variant_id IN ({variants})", params)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.id, s.variant_id, s.cases, v.path FROM {EventLog._meta.db_table} l "  # noqa: S608
            f"LEFT JOIN {VariantSummary._meta.db_table} s ON s.log_id = l.id AND s.variant_id IN ({variants}) "
            f"LEFT JOIN {Variant._meta.db_table} v ON v.id = s.variant_id WHERE l.public_id = %s",
            [*params, _log_key(filters.log)],
        )
        found = cursor.fetchall()
    if not found:  # no such log
        return {}, {}
    log_id = found[0][0]
    counts = {(log_id, variant): n for _log, variant, n, _path in found if variant is not None}
    paths = {variant: decode_path(path) for _log, variant, _n, path in found if variant is not None}
    if counts or VariantSummary.objects.filter(log_id=log_id).exists():
        return counts, paths
    return _case_counts(f"variant_id IN ({variants}) AND log_id = %s", [*params, log_id])


def _case_counts(where: str, params: list) -> tuple[dict[tuple[int, int], int], dict[int, list]]:
    """(log, variant) -> cases of the cases `where` selects (read from the (variant, log) index), and the paths."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT log_id, variant_id, COUNT(*) FROM {Case._meta.db_table} WHERE {where} "  # noqa: S608
            "GROUP BY log_id, variant_id",
            params,
        )
        counts = {(log, variant): n for log, variant, n in cursor.fetchall()}
    return counts, variant_paths(sorted({variant for _log, variant in counts}))


def _log_key(public_id: str):
    """A log's public id as the database compares it in raw SQL (SQLite: hex text; PostgreSQL: uuid)."""
    return EventLog._meta.get_field("public_id").get_db_prep_value(public_id, connection)


def _median_p90(values) -> tuple[float, float]:
    """Exact median and 90th percentile of an array, as edge_stats computes them from the ranked durations."""
    total = len(values)
    ranks = sorted({rank for q in (0.5, 0.9) for rank in (math.floor(q * (total - 1)), math.ceil(q * (total - 1)))})
    chosen = np.partition(values, ranks)
    at_rank = {rank: float(chosen[rank]) for rank in ranks}
    return _quantile(at_rank, total, 0.5), _quantile(at_rank, total, 0.9)


def _period_only(filters: Filters) -> bool:
    """A period (and perhaps a log) and nothing else, with days in the zone the per-day rows are kept in."""
    others = [name for name in FILTER_FIELDS if name not in ("log", "start", "end")]
    return (
        not any(getattr(filters, name) for name in others)
        and timezone.get_current_timezone_name() == aggregates.zone().key
    )


def _discover_days(filters: Filters) -> Discovery:
    """A period (and perhaps a log) from the per-month and per-day variant counts and duration histograms
    (aggregates.py): whole calendar months from the month rows, the days before and after them from the day
    rows. Plain SQL: building the ORM's queries cost as much as running them on a small log."""
    months, day_ranges = aggregates.period_split(filters.start, filters.end)
    counts: Counter = Counter()
    paths: dict[int, list] = {}
    histograms: list[tuple] = []
    sources = [(MonthVariant, MonthEdge, "month", *months)] if months else []
    sources += [(DayVariant, DayEdge, "day", first, last) for first, last in day_ranges]
    with connection.cursor() as cursor:
        for variant_model, edge_model, column, first, last in sources:
            where, params = _period_where(column, first, last, filters.log)
            # the paths come with the counts (one query fewer than reading them afterwards)
            cursor.execute(
                f"SELECT v.id, v.path, s.n FROM (SELECT variant_id, SUM(cases) AS n FROM {variant_model._meta.db_table}"  # noqa: S608
                f" WHERE {where} GROUP BY variant_id) s JOIN {Variant._meta.db_table} v ON v.id = s.variant_id",
                params,
            )
            for variant_id, path, n in cursor.fetchall():
                counts[variant_id] += n
                paths[variant_id] = decode_path(path)
            cursor.execute(
                "SELECT from_activity_id, to_activity_id, bucket, SUM(count), MIN(low), MAX(high) "  # noqa: S608
                f"FROM {edge_model._meta.db_table} WHERE {where} GROUP BY from_activity_id, to_activity_id, bucket",
                params,
            )
            histograms += cursor.fetchall()
    rows = [{"variant_id": variant_id, "n": n} for variant_id, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]
    names, result = _tally(rows, paths)
    if not rows:
        return result
    result.edges = _named_edges(aggregates.edges_from_histograms(histograms), names)
    result.approximate = True
    return result


def _period_where(column: str, first: date | None, last: date | None, log: str) -> tuple[str, list]:
    """The WHERE clause (and its parameters) of the day or month rows from `first` to `last` (either open), of
    the log with this public id (all logs: empty)."""
    conditions, params = ["1 = 1"], []
    for operator, day in ((">=", first), ("<=", last)):
        if day is not None:
            conditions.append(f"{column} {operator} %s")
            params.append(connection.ops.adapt_datefield_value(day))
    if log:  # + 0: SQLite would take the log's index (all its rows) over the (day, log) index
        conditions.append(f"log_id + 0 = (SELECT id FROM {EventLog._meta.db_table} WHERE public_id = %s)")  # noqa: S608
        params.append(_log_key(log))
    return " AND ".join(conditions), params


def _raw_rows(queryset) -> list[tuple]:
    """The rows of a values_list of plain numbers straight from the cursor: the ORM's per-value converters cost
    more than the query for the few hundred histogram rows of a request (ids, counts and seconds arrive as the
    driver's ints and floats either way)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a condition that matches nothing (an empty IN list)
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _named_edges(stats: list[tuple], names: dict) -> list[Edge]:
    edges = [Edge(names[a], names[b], n, median, p90) for a, b, n, median, p90 in stats]
    return sorted(edges, key=lambda e: (-e.count, e.source, e.target))


def _whole_logs(filters: Filters) -> bool:
    """The request is for one whole log or all logs: no filter but the log."""
    return not any(getattr(filters, name) for name in FILTER_FIELDS if name != "log")


def _discover_whole(filters: Filters) -> Discovery:
    """The same result as the general path: one log from the summaries maintained on every write
    (aggregates.py); all logs together from the cases per (log, variant) and the step durations kept per log and
    variant (exact, as for a variant-level filter; a summary of all logs would be ranked again on every write
    of any log)."""
    if not filters.log:
        found = _discover_variants(filters, every=True)
        return found if found is not None else _discover_days(filters)
    scope = Q(log__public_id=filters.log)
    variants = VariantSummary.objects.filter(scope).order_by("-cases", "variant_id")
    stored_paths = list(variants.values_list("variant_id", "cases", "variant__path"))
    if not stored_paths:  # a log beyond aggregates.SUMMARY_MAX_TRANSITIONS (or none): from its month rows
        return _discover_days(filters)
    rows = [{"variant_id": variant_id, "n": n} for variant_id, n, _path in stored_paths]
    names, result = _tally(rows, {variant_id: path for variant_id, _n, path in stored_paths})
    stored = EdgeSummary.objects.filter(scope).values_list(
        "from_activity_id", "to_activity_id", "count", "median_seconds", "p90_seconds"
    )
    edges = [Edge(names[a], names[b], n, median, p90) for a, b, n, median, p90 in stored] if rows else []
    result.edges = sorted(edges, key=lambda e: (-e.count, e.source, e.target))
    return result


def _tally(rows: list[dict], paths: dict | None = None) -> tuple[dict, Discovery]:
    """Variants, counts, activities, starts/ends and loops from (variant, cases) rows (and their paths when
    already read)."""
    if paths is None:
        paths = variant_paths([row["variant_id"] for row in rows])
    names = dict(bulk.select_in(Activity, ["id", "name"], "id", sorted({a for p in paths.values() for a in p})))
    result = Discovery()
    tallies = _Tallies()
    for row in rows:
        path = [names[a] for a in paths[row["variant_id"]]]
        tallies.add(path, row["n"])
        result.variants.append({"path": path, "count": row["n"]})
    result.variants.sort(key=lambda variant: (-variant["count"], variant["path"]))
    result.cases, result.events = tallies.cases, tallies.events
    for variant in result.variants:
        variant["share"] = variant["count"] / result.cases
    result.activities = _ranked(tallies.activities)
    for activity in result.activities:
        name = activity["name"]
        activity["cases"] = tallies.containing[name]
        activity["position"] = tallies.first_positions[name] / tallies.containing[name]
    result.starts, result.ends = _ranked(tallies.starts), _ranked(tallies.ends)
    result.loops = tallies.loops()
    return names, result


def variant_paths(variant_ids: list[int]) -> dict[int, list]:
    """Variant id -> path (activity ids). Raw rows: the ORM's JSON conversion per row cost more than the query."""
    return {
        variant_id: decode_path(path) for variant_id, path in bulk.select_in(Variant, ["id", "path"], "id", variant_ids)
    }


def decode_path(value) -> list:
    """A variant's path as a raw query returns it: PostgreSQL's driver decodes jsonb itself, SQLite gives text."""
    return value if isinstance(value, list) else json.loads(value)


class _Tallies:
    def __init__(self):
        self.cases = self.events = 0
        self.activities, self.starts, self.ends = Counter(), Counter(), Counter()
        self.repeats: dict[str, Counter] = defaultdict(Counter)  # activity -> {occurrences: cases}
        self.first_positions: Counter = Counter()  # activity -> sum over cases of its first position (0-based)
        self.containing: Counter = Counter()  # activity -> cases that contain it

    def add(self, path: list[str], n: int) -> None:
        self.cases += n
        self.events += n * len(path)
        self.starts[path[0]] += n
        self.ends[path[-1]] += n
        first = {name: position for position, name in reversed(list(enumerate(path)))}  # the first one stays
        first_positions, containing, activities = self.first_positions, self.containing, self.activities
        occurrences = Counter(path) if len(first) < len(path) else None  # None: no activity repeats
        for name, position in first.items():
            first_positions[name] += n * position
            containing[name] += n
            k = occurrences[name] if occurrences else 1
            activities[name] += n * k
            if k > 1:
                self.repeats[name][k] += n

    def loops(self) -> list[dict]:
        loops = []
        for name, by_k in self.repeats.items():
            loops.append({
                "name": name,
                "cases": sum(by_k.values()),
                "second": sum(n for k, n in by_k.items() if k >= 2),
                "third": sum(n for k, n in by_k.items() if k >= 3),
                "most": max(by_k),
            })  # fmt: skip
        return sorted(loops, key=lambda loop: (-loop["cases"], loop["name"]))


def _ranked(counter: Counter) -> list[dict]:
    return [{"name": name, "count": n} for name, n in sorted(counter.items(), key=lambda item: (-item[1], item[0]))]


EDGE_RANKS = """
SELECT f, t, n, r, s FROM (
  SELECT from_activity_id AS f, to_activity_id AS t, seconds AS s,
         ROW_NUMBER() OVER (PARTITION BY from_activity_id, to_activity_id ORDER BY seconds) - 1 AS r,
         COUNT(*) OVER (PARTITION BY from_activity_id, to_activity_id) AS n
  FROM (%s) selected
) ranked
WHERE r IN ((n - 1) / 2, n / 2, (9 * (n - 1)) / 10, (9 * (n - 1) + 9) / 10)
"""


def _edges(cases, names: dict) -> list[Edge]:
    transitions = Transition.objects.filter(case__in=cases)
    edges = [Edge(names[a], names[b], n, median, p90) for a, b, n, median, p90 in edge_stats(transitions)]
    return sorted(edges, key=lambda e: (-e.count, e.source, e.target))


def edge_stats(transitions) -> list[tuple]:
    """(from id, to id, count, median, p90) per edge of these transitions: exact median and 90th percentile
    (numpy's linear method). The database ranks the durations of each edge (window functions, SQLite and
    PostgreSQL) and returns only the rows at the needed ranks."""
    selected = transitions.values("from_activity_id", "to_activity_id", "seconds")
    sql, params = selected.query.sql_with_params()
    ranked: dict[tuple, dict] = defaultdict(dict)
    totals: dict[tuple, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(EDGE_RANKS % sql, params)
        for a, b, n, rank, seconds in cursor.fetchall():
            ranked[(a, b)][rank] = seconds
            totals[(a, b)] = n
    return [
        (a, b, total, _quantile(ranked[(a, b)], total, 0.5), _quantile(ranked[(a, b)], total, 0.9))
        for (a, b), total in totals.items()
    ]


def _quantile(at_rank: dict[int, float], total: int, q: float) -> float:
    """numpy's default (linear) quantile from the values at the two ranks around q * (total - 1)."""
    rank = q * (total - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return at_rank[low] + (at_rank[high] - at_rank[low]) * (rank - low)
