"""REST API of the metrics: the registry and one query endpoint computing any metric by any dimension."""

from ninja import Query, Router
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from opencxm.analytics import drivers, selectors
from opencxm.analytics.driver_schemas import DriverQuery, DriverResult
from opencxm.analytics.runner import QueryError
from opencxm.analytics.schemas import MetricOut, MetricQuery, MetricResult
from opencxm.core.permissions import access_for

router = Router(tags=["Metrics"])


def _read(request):
    if not access_for(request.auth).can_read:
        raise HttpError(403, "Not allowed")


@router.get("/metrics", response=list[MetricOut])
@paginate(LimitOffsetPagination)
def list_metrics(request):
    _read(request)
    return [MetricOut.of(definition) for definition in selectors.metric_list()]


@router.get("/metrics/{key}", response=MetricResult, by_alias=True)
def query_metric(request, key: str, params: Query[MetricQuery]):
    """The metric per group of the `group_by` dimensions (time, touchpoint, stage, journey, department, segment,
    channel, source, kind), over `from`..`to` (inclusive local days), filtered by public ids."""
    _read(request)
    try:
        return selectors.metric_query(key, params)
    except (QueryError, selectors.UnknownFilter) as error:
        raise HttpError(422, str(error)) from None


@router.get("/analytics/drivers", response=DriverResult, by_alias=True, tags=["Key drivers"])
def key_drivers(request, params: Query[DriverQuery]):
    """Which touchpoints drive the relationship rating: relative importance (Johnson's relative weights) with 95 %
    bootstrap intervals, sample sizes, performance, the priority quadrant and a plain-language reading, for all
    customers and each segment (or one `segment`), over `from`..`to` (inclusive local days)."""
    _read(request)
    try:
        choice = drivers.driver_choice(start=params.start, end=params.end, segment=params.segment)
    except ValueError as error:
        raise HttpError(422, str(error)) from None
    report = drivers.drivers_compute(**choice, outcome=params.outcome, driver_type=params.driver)
    return DriverResult.of(report)
