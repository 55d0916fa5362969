"""API: handover friction between departments (`GET /api/v1/journeys/handovers`), added to the events router."""

from datetime import date
from uuid import UUID

from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from opencxm.core.permissions import access_for
from opencxm.events import selectors
from opencxm.events.handovers import DEFAULT_MIN_N, DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS, HandoverQuery, handover_report

router = Router(tags=["events"])


class HandoverQueryIn(Schema):
    log: UUID | None = None
    start: date | None = None
    end: date | None = None
    window: int = Field(DEFAULT_WINDOW_DAYS, ge=1, le=MAX_WINDOW_DAYS, description="re-contact window in days")
    min_n: int = Field(DEFAULT_MIN_N, ge=1, le=100000, description="NPS answers needed per group to rank")


class EstimateOut(Schema):
    value: float | None
    low: float | None
    high: float | None
    n: int


class DepartmentRef(Schema):
    id: UUID
    code: str
    name: str


class HandoverOut(Schema):
    handover: str = Field(description="FROM:TO department codes (the discovery filter's form)")
    from_: DepartmentRef = Field(alias="from")
    to: DepartmentRef
    transitions: int
    cases: int
    median_seconds: float | None
    p90_seconds: float | None
    recontacted_cases: int
    recontact_rate: EstimateOut = Field(description="share of crossing cases in %, Wilson 95 % interval")
    nps_crossed: EstimateOut
    nps_rest: EstimateOut
    nps_difference: EstimateOut = Field(description="NPS crossed minus NPS rest, points, 95 % interval")
    net_promoters_lost: float | None
    case_handovers: int
    rank: int | None
    sufficient: bool


class HandoverReportOut(Schema):
    window_days: int
    min_n: int
    transitions: int
    transitions_without_department: int
    nps_all: EstimateOut
    handovers: list[HandoverOut]


@router.get("/journeys/handovers", response=HandoverReportOut, by_alias=True)
def journeys_handovers(request, query: Query[HandoverQueryIn]):
    """Every department-to-department handover of the selected cases: volume, waits, re-contacts within the
    window, NPS of crossing customers against the others with 95 % intervals; ranked by net promoters lost."""
    if not access_for(request.auth).can_read:
        raise HttpError(403, "You may not do this.")
    if query.start and query.end and query.start > query.end:
        raise HttpError(422, "The end of the period lies before its start.")
    filters = selectors.Filters(log=str(query.log or ""), start=query.start, end=query.end)
    report = handover_report(HandoverQuery(filters, query.window, query.min_n))
    return report.as_json()
