"""The one query runner: a typed query spec in, metric estimates per dimension group out.

Feedback metrics are computed from `FeedbackRollup` sums and operational metrics from `Measurement`
rows; never from a scan of raw feedback. Stage and journey are derived from the touchpoints' places
in the journey maps (a touchpoint counts once per stage or journey it appears in).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import F, FloatField, Q, Sum
from django.db.models.functions import Cast, TruncDay, TruncMonth, TruncWeek

from opencxm.analytics.metrics import FEEDBACK_SUMS, TOPIC_SUMS, Metric, metric
from opencxm.analytics.models import FeedbackRollup, FeedbackRollupMonth
from opencxm.analytics.rollups import month_start, next_month
from opencxm.analytics.stats import Estimate

DIMENSIONS = ("time", "touchpoint", "department", "channel", "segment", "source", "stage", "journey", "kind", "topic")
GRAINS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
ROLLUP_FIELDS = {
    "touchpoint": "touchpoint_id",
    "department": "touchpoint__owner_department_id",
    "channel": "channel_id",
    "segment": "segment_id",
    "source": "source_id",
    "kind": "kind",
}
TOPIC_FIELDS = {**ROLLUP_FIELDS, "topic": "topic_id"}  # topic metrics (text analytics topic rollups)
MEASUREMENT_FIELDS = {
    "touchpoint": "touchpoint_id",
    "department": "touchpoint__owner_department_id",
    "source": "source_id",
}


class QueryError(ValueError):
    pass


@dataclass(frozen=True)
class QuerySpec:
    metric: str
    group_by: tuple[str, ...] = ()
    grain: str = "month"
    start: date | None = None
    end: date | None = None  # inclusive
    touchpoints: tuple[int, ...] = ()
    departments: tuple[int, ...] = ()
    channels: tuple[int, ...] = ()
    segments: tuple[int, ...] = ()
    sources: tuple[int, ...] = ()
    stages: tuple[int, ...] = ()
    journeys: tuple[int, ...] = ()
    topics: tuple[int, ...] = ()  # topic metrics only

    def validate(self) -> None:
        unknown = [d for d in self.group_by if d not in DIMENSIONS]
        if unknown:
            raise QueryError(f"unknown dimension {unknown[0]!r}; expected one of {', '.join(DIMENSIONS)}")
        if self.grain not in GRAINS:
            raise QueryError(f"unknown grain {self.grain!r}; expected day, week or month")
        if self.start and self.end and self.start > self.end:
            raise QueryError("start date is after end date")


@dataclass
class ResultRow:
    key: dict
    estimate: Estimate
    sums: dict = field(default_factory=dict, repr=False)


def run(spec: QuerySpec) -> list[ResultRow]:
    """Compute `spec.metric` for every group of `spec.group_by` (sorted by key)."""
    spec.validate()
    definition = metric(spec.metric)
    mapped = _touchpoint_groups(spec)
    if definition.key == "complaint_rate":
        groups = _merge(_feedback_groups(spec, definition, mapped), _measurement_groups(spec, definition, mapped))
    elif definition.needs_measurements:
        groups = _measurement_groups(spec, definition, mapped)
    elif definition.table == "topics":
        groups = _topic_groups(spec, definition, mapped)
    else:
        groups = _feedback_groups(spec, definition, mapped)
    rows = [
        ResultRow(dict(zip(spec.group_by, key, strict=True)), definition.compute(s), s) for key, s in groups.items()
    ]
    return sorted(rows, key=lambda row: tuple(_sortable(v) for v in row.key.values()))


def run_one(spec: QuerySpec) -> Estimate:
    """The metric over everything the spec selects (no grouping)."""
    rows = run(QuerySpec(**{**spec.__dict__, "group_by": ()}))
    return rows[0].estimate if rows else Estimate(None, 0)


def _sortable(value):
    return (value is None, value if value is not None else 0)


def _touchpoint_groups(spec: QuerySpec) -> dict | None:
    """touchpoint id -> stage or journey ids, when the spec groups or filters by stage or journey."""
    wants = [d for d in ("stage", "journey") if d in spec.group_by]
    if not wants and not spec.stages and not spec.journeys:
        return None
    from opencxm.journeys.models import JourneyStep

    steps = JourneyStep.objects.all()
    if spec.stages:
        steps = steps.filter(stage_id__in=spec.stages)
    if spec.journeys:
        steps = steps.filter(stage__journey_id__in=spec.journeys)
    mapping: dict = defaultdict(lambda: {"stage": set(), "journey": set()})
    for touchpoint_id, stage_id, journey_id in steps.values_list("touchpoint_id", "stage_id", "stage__journey_id"):
        mapping[touchpoint_id]["stage"].add(stage_id)
        mapping[touchpoint_id]["journey"].add(journey_id)
    return dict(mapping)


def _filtered(queryset, spec: QuerySpec, mapped: dict | None, *, has_dimensions: bool, dates: bool = True):
    if dates and spec.start:
        queryset = queryset.filter(day__gte=spec.start)
    if dates and spec.end:
        queryset = queryset.filter(day__lte=spec.end)
    if spec.touchpoints:
        queryset = queryset.filter(touchpoint_id__in=spec.touchpoints)
    if spec.departments:
        queryset = queryset.filter(touchpoint__owner_department_id__in=spec.departments)
    if spec.sources:
        queryset = queryset.filter(source_id__in=spec.sources)
    if has_dimensions:
        if spec.channels:
            queryset = queryset.filter(channel_id__in=spec.channels)
        if spec.segments:
            queryset = queryset.filter(segment_id__in=spec.segments)
    if spec.stages or spec.journeys:
        queryset = queryset.filter(touchpoint_id__in=list(mapped or {}))
    return queryset


def _group_fields(spec: QuerySpec, field_map: dict, mapped: dict | None, *, time=None) -> dict:
    fields = {}
    for dimension in spec.group_by:
        if dimension == "time":
            fields["g_time"] = time if time is not None else GRAINS[spec.grain]("day")
        elif dimension in ("stage", "journey"):
            fields["g_touchpoint_for_map"] = F("touchpoint_id")
        elif dimension in field_map:
            fields[f"g_{dimension}"] = F(field_map[dimension])
        else:
            fields[f"g_{dimension}"] = None  # dimension not carried by this table: one group
    return {name: value for name, value in fields.items() if value is not None}


def _expand(spec: QuerySpec, row: dict, mapped: dict | None):
    """The group keys a result row contributes to (several when a touchpoint sits in several stages)."""
    keys = [()]
    for dimension in spec.group_by:
        if dimension in ("stage", "journey"):
            targets = sorted((mapped or {}).get(row.get("g_touchpoint_for_map"), {}).get(dimension, ()))
            keys = [key + (target,) for key in keys for target in targets]
        else:
            value = row.get(f"g_{dimension}")
            if isinstance(value, datetime):
                value = value.date()
            keys = [key + (value,) for key in keys]
    return keys


def _accumulate(spec, rows, mapped, names):
    """Add up the `s_<name>` sums of query rows into their groups (sufficient statistics are additive)."""
    groups: dict = {}
    for row in rows:
        for key in _expand(spec, row, mapped):
            target = groups.setdefault(key, dict.fromkeys(names, 0))
            for name in names:
                target[name] += row[f"s_{name}"] or 0
    return groups


def _feedback_groups(spec: QuerySpec, definition: Metric, mapped: dict | None) -> dict:
    """Sums from the monthly rollup for the whole months of the period and from the daily rollup for the rest
    (the partial months at its edges, or everything when grouping by day or week)."""
    sums = {f"s_{name}": Sum(name) for name in FEEDBACK_SUMS}
    sums["s_complaints"] = Sum("records", filter=Q(kind="complaint"))
    rows = []
    for model, period, time in _rollup_parts(spec):
        queryset = _filtered(model.objects.filter(**period), spec, mapped, has_dimensions=True, dates=False)
        if definition.kind:
            queryset = queryset.filter(kind=definition.kind)
        fields = _group_fields(spec, ROLLUP_FIELDS, mapped, time=time)
        if fields:
            rows.extend(queryset.values(**fields).annotate(**sums).order_by())
        else:
            total = queryset.aggregate(**sums)
            if total["s_records"]:
                rows.append(total)
    return _accumulate(spec, rows, mapped, (*FEEDBACK_SUMS, "complaints"))


def _rollup_parts(spec: QuerySpec) -> list[tuple]:
    """(rollup model, period filter, time grouping expression) for each part of the period the runner reads.

    Whole calendar months come from `FeedbackRollupMonth`, the days before the first and after the last whole
    month from `FeedbackRollup`; grouping by day or week reads the daily rows only."""
    start, end = spec.start, spec.end
    if "time" in spec.group_by and spec.grain != "month":
        return [(FeedbackRollup, _day_period(start, end), None)]
    first = None if start is None else (start if start.day == 1 else next_month(start))
    last = None if end is None else (month_start(end) if next_month(end) - timedelta(days=1) == end
                                     else month_start(month_start(end) - timedelta(days=1)))  # fmt: skip
    if first is not None and last is not None and first > last:
        return [(FeedbackRollup, _day_period(start, end), None)]
    months = {}
    if first is not None:
        months["month__gte"] = first
    if last is not None:
        months["month__lte"] = last
    parts = [(FeedbackRollupMonth, months, F("month"))]
    if first is not None and start < first:
        parts.append((FeedbackRollup, _day_period(start, first - timedelta(days=1)), None))
    if last is not None and end >= next_month(last):
        parts.append((FeedbackRollup, _day_period(next_month(last), end), None))
    return parts


def _day_period(start: date | None, end: date | None) -> dict:
    period = {}
    if start is not None:
        period["day__gte"] = start
    if end is not None:
        period["day__lte"] = end
    return period


def _topic_groups(spec: QuerySpec, definition: Metric, mapped: dict | None) -> dict:
    """Topic metrics from the topic rollups: rows of the filtered topics, of every topic when grouping by
    topic, else the rows of all analysed comments (topic empty)."""
    from opencxm.textanalytics.models import TopicRollup

    queryset = _filtered(TopicRollup.objects.all(), spec, mapped, has_dimensions=True)
    if spec.topics:
        queryset = queryset.filter(topic_id__in=spec.topics)
    else:
        queryset = queryset.filter(topic_id__isnull="topic" not in spec.group_by)
    if definition.kind:
        queryset = queryset.filter(kind=definition.kind)
    fields = _group_fields(spec, TOPIC_FIELDS, mapped)
    sums = {f"s_{name}": Sum(name) for name in TOPIC_SUMS}
    rows = queryset.values(**fields).annotate(**sums).order_by() if fields else [queryset.aggregate(**sums)]
    if not fields and not rows[0]["s_analysed"]:
        return {}
    return _accumulate(spec, rows, mapped, TOPIC_SUMS)


def _measurement_groups(spec: QuerySpec, definition: Metric, mapped: dict | None) -> dict:
    from opencxm.feedback.models import Measurement

    key = "contacts" if definition.key == "complaint_rate" else definition.measurement
    queryset = _filtered(Measurement.objects.filter(metric=key), spec, mapped, has_dimensions=False)
    fields = _group_fields(spec, MEASUREMENT_FIELDS, mapped)
    weighted = Cast(F("value"), FloatField()) * F("count")
    sums = {"s_m_value": Sum("value"), "s_m_weighted": Sum(weighted), "s_count": Sum("count")}
    rows = queryset.values(**fields).annotate(**sums).order_by() if fields else [queryset.aggregate(**sums)]
    if not fields and not rows[0]["s_count"]:
        return {}
    groups = _accumulate(spec, rows, mapped, ("m_value", "m_weighted", "count"))
    for sums_of_group in groups.values():
        if definition.aggregate == "mean":
            sums_of_group["value"] = (
                sums_of_group["m_weighted"] / sums_of_group["count"] if sums_of_group["count"] else None
            )
        else:
            sums_of_group["value"] = sums_of_group["m_value"]
        sums_of_group["contacts"] = sums_of_group["m_value"]
    return groups


def _merge(feedback: dict, measurements: dict) -> dict:
    merged = {}
    for key in set(feedback) | set(measurements):
        merged[key] = {
            "complaints": feedback.get(key, {}).get("complaints", 0),
            "contacts": measurements.get(key, {}).get("contacts", 0),
        }
    return merged


# Shared scans -----------------------------------------------------------------------------------------------


class _AnyKind:
    kind = None


def plain_feedback_metric(key: str) -> bool:
    """A metric computed from the feedback rollup sums alone (not operational, topic or complaint-rate metrics)."""
    definition = metric(key)
    return definition.table == "feedback" and not definition.needs_measurements and definition.key != "complaint_rate"


@dataclass
class SumsTable:
    """The rollup sums of one selection grouped by some dimensions and by kind, fetched once; every plain feedback
    metric over the same selection and any coarser grouping is then computed from it without another query
    (sufficient statistics add up), exactly as `run` would compute it."""

    spec: QuerySpec
    groups: dict

    @classmethod
    def fetch(cls, spec: QuerySpec) -> "SumsTable":
        spec = QuerySpec(**{**spec.__dict__, "group_by": (*spec.group_by, "kind")})
        spec.validate()
        return cls(spec, _feedback_groups(spec, _AnyKind, _touchpoint_groups(spec)))

    def run(self, metric_key: str, group_by: tuple = (), touchpoints: tuple = ()) -> list[ResultRow]:
        if not plain_feedback_metric(metric_key):
            raise QueryError(f"{metric_key} is not computed from the feedback sums alone")
        definition = metric(metric_key)
        merged = self._merged(definition.kind, tuple(group_by), tuple(touchpoints))
        rows = [ResultRow(dict(zip(group_by, key, strict=True)), definition.compute(s), s) for key, s in merged.items()]
        return sorted(rows, key=lambda row: tuple(_sortable(v) for v in row.key.values()))

    def _merged(self, kind: str | None, group_by: tuple, touchpoints: tuple) -> dict:
        """The sums added up to `group_by` (memoised: metrics of the same kind share them)."""
        memo = self.__dict__.setdefault("_memo", {})
        if (kind, group_by, touchpoints) in memo:
            return memo[(kind, group_by, touchpoints)]
        dims = self.spec.group_by
        positions = [dims.index(name) for name in group_by]
        kind_at = dims.index("kind")
        touchpoint_at = dims.index("touchpoint") if touchpoints else None
        wanted = set(touchpoints)
        merged: dict = {}
        for key, sums in self.groups.items():
            if kind and key[kind_at] != kind:
                continue
            if touchpoint_at is not None and key[touchpoint_at] not in wanted:
                continue
            target = merged.setdefault(tuple(key[i] for i in positions), dict.fromkeys(sums, 0))
            for name, value in sums.items():
                target[name] += value
        memo[(kind, group_by, touchpoints)] = merged
        return merged

    def run_one(self, metric_key: str) -> Estimate:
        rows = self.run(metric_key)
        return rows[0].estimate if rows else Estimate(None, 0)
