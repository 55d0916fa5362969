"""Reads for the cockpit, the feedback explorer and the metric API: periods, public-id filters, feedback lists.

Aggregates always come from the query runner (rollups); only the explorer lists raw feedback rows.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db.models import Max, Q

from opencxm.analytics.metrics import REGISTRY
from opencxm.analytics.models import FeedbackRollup
from opencxm.analytics.rollups import local_zone

# dimension -> (model path, field of Feedback); used to turn public ids into internal ids and back
FILTER_MODELS = {
    "touchpoint": "touchpoints.Touchpoint",
    "department": "accounts.Department",
    "channel": "touchpoints.Channel",
    "segment": "journeys.Segment",
    "source": "feedback.DataSource",
    "stage": "journeys.Stage",
    "journey": "journeys.Journey",
}
NPS_BANDS = {"promoter": Q(nps__gte=9), "passive": Q(nps__gte=7, nps__lte=8), "detractor": Q(nps__lte=6)}


@dataclass(frozen=True)
class Period:
    """An inclusive range of local days, with the period of the same length just before it."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)


def latest_data_day() -> date:
    """The newest local day with feedback in the rollups (today when there is none)."""
    from django.utils import timezone

    latest = FeedbackRollup.objects.aggregate(latest=Max("day"))["latest"]
    return latest or timezone.localdate()


def months_back(end: date, months: int) -> date:
    """First day of the month `months - 1` months before `end`'s month (12 -> the last 12 calendar months)."""
    index = end.year * 12 + end.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def period_for(choice: str, *, end: date, start: date | None = None) -> Period:
    """The period for a selector choice: "30d", "90d", "365d", "12m" or "custom" (with start)."""
    if choice == "custom" and start:
        return Period(start, end)
    if choice.endswith("d") and choice[:-1].isdigit():
        return Period(end - timedelta(days=int(choice[:-1]) - 1), end)
    return Period(months_back(end, 12), end)


def month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def model_for(dimension: str):
    from django.apps import apps

    return apps.get_model(FILTER_MODELS[dimension])


def ids_for(dimension: str, public_ids) -> tuple[int, ...] | None:
    """Internal ids for public ids of a dimension; None when any of them is unknown."""
    wanted = {UUID(str(value)) for value in public_ids}
    if not wanted:
        return ()
    found = dict(model_for(dimension).objects.filter(public_id__in=wanted).values_list("public_id", "id"))
    return tuple(found.values()) if len(found) == len(wanted) else None


def public_ids_for(dimension: str, ids) -> dict:
    """Internal id -> public id (string) of a dimension's objects."""
    ids = {value for value in ids if value is not None}
    if not ids:
        return {}
    rows = model_for(dimension).objects.filter(id__in=ids).values_list("id", "public_id")
    return {pk: str(public_id) for pk, public_id in rows}


def metric_list() -> list:
    """The metric registry in its defined order (for the definitions page and the API)."""
    return list(REGISTRY.values())


# Feedback explorer -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackFilters:
    start: date | None = None
    end: date | None = None
    sources: tuple = ()  # public ids
    touchpoints: tuple = ()
    departments: tuple = ()
    stages: tuple = ()
    journeys: tuple = ()
    segments: tuple = ()
    channels: tuple = ()
    kind: str = ""
    nps_band: str = ""
    has_comment: bool | None = None
    q: str = ""
    search_raw: bool = True  # False: `q` searches the redacted text only (readers without raw-comment permission)
    language: str = ""  # text analytics: language, sentiment and topic (public id) of the analysed comment
    sentiment: str = ""
    topic: str = ""

    def with_changes(self, **changes) -> "FeedbackFilters":
        return replace(self, **changes)


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone())


def _steps_touchpoints(**lookup):
    from opencxm.journeys.models import JourneyStep

    return JourneyStep.objects.filter(**lookup).values("touchpoint_id")


def feedback_list(filters: FeedbackFilters):
    """Feedback rows matching the filters, newest first, with what the list shows joined in (bounded queries)."""
    from opencxm.feedback.models import Feedback

    rows = Feedback.objects.select_related("source", "touchpoint", "channel", "segment", "analysis")
    if filters.start:
        rows = rows.filter(responded_at__gte=_local_start(filters.start))
    if filters.end:
        rows = rows.filter(responded_at__lt=_local_start(filters.end + timedelta(days=1)))
    by_public_id = {
        "source__public_id__in": filters.sources,
        "touchpoint__public_id__in": filters.touchpoints,
        "touchpoint__owner_department__public_id__in": filters.departments,
        "segment__public_id__in": filters.segments,
        "channel__public_id__in": filters.channels,
    }
    for lookup, values in by_public_id.items():
        if values:
            rows = rows.filter(**{lookup: values})
    if filters.stages:
        rows = rows.filter(touchpoint_id__in=_steps_touchpoints(stage__public_id__in=filters.stages))
    if filters.journeys:
        rows = rows.filter(touchpoint_id__in=_steps_touchpoints(stage__journey__public_id__in=filters.journeys))
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.nps_band in NPS_BANDS:
        rows = rows.filter(NPS_BANDS[filters.nps_band])
    if filters.has_comment is not None:
        rows = rows.exclude(comment="") if filters.has_comment else rows.filter(comment="")
    if filters.q:
        # A reader of redacted text must not find a comment by words that redaction hides (a name, an IBAN):
        # they search what they may read, so comments not yet analysed are found once enrichment has run.
        field = "comment__icontains" if filters.search_raw else "analysis__redacted_text__icontains"
        rows = rows.filter(**{field: filters.q})
    if filters.language or filters.sentiment or filters.topic:
        from opencxm.textanalytics.selectors import analysed_feedback

        rows = rows.filter(id__in=analysed_feedback(language=filters.language, sentiment=filters.sentiment,
                                                   topic=filters.topic))  # fmt: skip
    return rows.order_by("-responded_at", "-id")


def filter_choices() -> dict:
    """Querysets for the explorer's filter selects (one query each when rendered)."""
    from opencxm.accounts.models import Department
    from opencxm.feedback.models import DataSource
    from opencxm.journeys.models import Journey, Segment, Stage
    from opencxm.touchpoints.models import Channel, Touchpoint

    return {
        "sources": DataSource.objects.order_by("name"),
        "touchpoints": Touchpoint.objects.order_by("code"),
        "departments": Department.objects.order_by("name"),
        "stages": Stage.objects.select_related("journey").order_by("journey__name", "position"),
        "journeys": Journey.objects.order_by("name"),
        "segments": Segment.objects.order_by("name"),
        "channels": Channel.objects.order_by("name"),
    }


def department_get(public_id):
    from django.shortcuts import get_object_or_404

    from opencxm.accounts.models import Department

    return get_object_or_404(Department, public_id=public_id)


def department_choices():
    """Departments for the department-view switcher."""
    from opencxm.accounts.models import Department

    return list(Department.objects.order_by("name").only("public_id", "name"))


# Metric query API -------------------------------------------------------------------------------------------

SPEC_FILTERS = {
    "touchpoint": "touchpoints",
    "department": "departments",
    "segment": "segments",
    "channel": "channels",
    "source": "sources",
    "stage": "stages",
    "journey": "journeys",
}


class UnknownFilter(ValueError):
    pass


def metric_is_known(key: str) -> bool:
    """A registered metric, or a custom operational figure that has measurements."""
    from opencxm.feedback.models import Measurement

    return key in REGISTRY or Measurement.objects.filter(metric=key).exists()


def _spec_filters(params) -> dict:
    filters = {}
    for dimension, name in SPEC_FILTERS.items():
        values = [part.strip() for value in getattr(params, dimension) for part in value.split(",") if part.strip()]
        if not values:
            continue
        try:
            ids = ids_for(dimension, values)
        except ValueError:
            ids = None
        if ids is None:
            raise UnknownFilter(f"unknown {dimension} in {', '.join(values)}")
        filters[name] = ids
    return filters


def _public_key(key: dict, lookups: dict) -> dict:
    result = {}
    for dimension, value in key.items():
        if value is None:
            result[dimension] = None
        elif dimension in lookups:
            result[dimension] = lookups[dimension].get(value)
        else:
            result[dimension] = value.isoformat() if isinstance(value, date) else str(value)
    return result


def _estimate_fields(estimate) -> dict:
    return {"value": estimate.value, "n": estimate.n, "low": estimate.low, "high": estimate.high}


def metric_query(key: str, params) -> dict:
    """Run the metric query of the API: dimensions by name, filters by public id; keys answered in public ids.
    Raises UnknownFilter or runner.QueryError for unknown metrics, dimensions, grains or filter objects."""
    from opencxm.analytics.metrics import metric
    from opencxm.analytics.runner import QuerySpec, run
    from opencxm.analytics.schemas import MetricOut

    if not metric_is_known(key):
        raise UnknownFilter(f"unknown metric {key!r}")
    group_by = tuple(part.strip() for part in params.group_by.split(",") if part.strip())
    spec = QuerySpec(key, group_by=group_by, grain=params.grain, start=params.start, end=params.end)
    spec.validate()
    spec = QuerySpec(**{**spec.__dict__, **_spec_filters(params)})
    rows = run(spec)
    lookups = {
        dimension: public_ids_for(dimension, {row.key[dimension] for row in rows})
        for dimension in group_by
        if dimension in FILTER_MODELS
    }
    return {
        "metric": MetricOut.of(metric(key)),
        "group_by": list(group_by),
        "grain": spec.grain,
        "start": spec.start,
        "end": spec.end,
        "rows": [{"key": _public_key(row.key, lookups), **_estimate_fields(row.estimate)} for row in rows],
    }
