"""API: event batches in, the activity mapping table, discovery of actual journeys."""

from datetime import date
from typing import Literal
from uuid import UUID

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from opencxm.core.permissions import access_for
from opencxm.events import selectors, services
from opencxm.events.handover_api import router as handover_router
from opencxm.events.records import EventError, EventRecord
from opencxm.events.schemas import ActivityMapIn, ActivityOut, DiscoveryOut, EventBatchIn, EventBatchOut
from opencxm.touchpoints.models import Touchpoint

router = Router(tags=["events"])
router.add_router("", handover_router)  # GET /journeys/handovers


class DiscoverQuery(Schema):
    log: UUID | None = None
    start: date | None = None
    end: date | None = None
    activity: str = ""
    channel: str = ""
    segment: str = ""
    nps_band: Literal["", "promoter", "passive", "detractor"] = ""
    topic: str = ""
    handover: str = Field("", description="FROM:TO department codes, e.g. sales:field-service")


def _require(allowed: bool) -> None:
    if not allowed:
        raise HttpError(403, "You may not do this.")


@router.post("/events", response={200: EventBatchOut, 422: dict})
def events_post(request, payload: EventBatchIn):
    """Add a batch of events (at most 10,000) to a log. Idempotent: events already present are skipped.
    All or nothing: if any event is invalid, nothing is written and 422 lists the bad events."""
    _require(access_for(request.auth).can_edit_all)
    errors = [
        {"index": i, "message": "The time has no time-zone offset."}
        for i, event in enumerate(payload.events)
        if event.timestamp.tzinfo is None
    ]
    if errors:
        return 422, {"detail": errors}
    records = [_record(i, event) for i, event in enumerate(payload.events)]
    try:
        result = services.events_write(actor=request.auth, log_name=payload.log, records=records)
    except EventError as error:
        return 422, {"detail": [{"message": error.message}]}
    return 200, {"log": result.log.public_id, "received": result.received, "created": result.created,
                 "already_present": result.already_present,
                 "repeats_in_batch": result.duplicates_in_file}  # fmt: skip


def _record(index: int, event) -> EventRecord:
    data = event.dict()
    return EventRecord(where={"index": index + 1}, **data)


@router.get("/activities", response=list[ActivityOut])
@paginate(LimitOffsetPagination)
def activities_list(request):
    """Every activity with its event volume; unmapped ones first."""
    _require(access_for(request.auth).can_read)
    return [
        {"id": a.public_id, "name": a.name, "touchpoint": a.touchpoint.public_id if a.touchpoint else None,
         "volume": a.volume}
        for a in selectors.activity_list()
    ]  # fmt: skip


@router.put("/activities/{public_id}", response=ActivityOut)
def activity_put(request, public_id: UUID, payload: ActivityMapIn):
    """Map an activity to a touchpoint (touchpoint null removes the mapping)."""
    _require(access_for(request.auth).can_edit_all)
    activity = selectors.activity_get(public_id)
    touchpoint = get_object_or_404(Touchpoint, public_id=payload.touchpoint) if payload.touchpoint else None
    services.activity_map(actor=request.auth, activity=activity, touchpoint=touchpoint)
    volume = activity.events.count()
    return {"id": activity.public_id, "name": activity.name, "touchpoint": payload.touchpoint, "volume": volume}


@router.get("/journeys/discover", response={200: DiscoveryOut, 422: dict})
def journeys_discover(request, query: Query[DiscoverQuery]):
    """Actual journeys of the selected cases: directly-follows edges with median and 90th-percentile
    seconds, variants ranked by share, starts, ends and loops. Filters: log, period of the case start,
    activity, channel, segment, `nps_band` (the customer's latest NPS rating in the period), `topic` (key;
    the customer commented on it) and `handover` (FROM:TO department codes: the case steps directly from
    one to the other)."""
    _require(access_for(request.auth).can_read)
    filters = selectors.Filters(**{**query.dict(), "log": str(query.log or "")})
    try:
        result = selectors.discover(filters)
    except selectors.FilterError as error:
        return 422, {"detail": [{"message": str(error)}]}
    return 200, result.as_json() | {"variants": result.variants}
