"""REST API for segments and journey maps (journeys with stages and steps)."""

from datetime import date
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from opencxm.core.permissions import access_for
from opencxm.events.conformance import journey_conformance
from opencxm.events.models import EventLog
from opencxm.events.selectors import Filters
from opencxm.journeys import selectors, services
from opencxm.journeys.choices import JourneyKind
from opencxm.journeys.models import Segment
from opencxm.journeys.overlay import overlay_json
from opencxm.journeys.schemas import (
    ConformanceOut,
    JourneyDetailOut,
    JourneyIn,
    JourneyOut,
    SegmentIn,
    SegmentOut,
    StageIn,
    StageOut,
    StepIn,
    StepOut,
)
from opencxm.touchpoints.models import Channel, Touchpoint

router = Router(tags=["Journeys"])


def _require(allowed: bool) -> None:
    if not allowed:
        raise HttpError(403, "You may not do this.")


def _editor(request) -> None:
    _require(access_for(request.auth).can_edit_all)


# Segments -----------------------------------------------------------------------------------------


def _segment(public_id) -> Segment:
    return get_object_or_404(selectors.segment_list().prefetch_related("preferred_channels"), public_id=public_id)


def _segment_fields(payload: SegmentIn, *, exclude_pk=None) -> dict:
    clash = Segment.objects.filter(Q(code=payload.code) | Q(name=payload.name)).exclude(pk=exclude_pk)
    if clash.exists():
        raise HttpError(422, "A segment with this code or name exists already.")
    channels = list(Channel.objects.filter(code__in=payload.preferred_channels))
    unknown = set(payload.preferred_channels) - {channel.code for channel in channels}
    if unknown:
        raise HttpError(422, f"Unknown channel codes: {', '.join(sorted(unknown))}")
    return {**payload.dict(), "preferred_channels": channels}


@router.get("/segments", response=list[SegmentOut])
@paginate(LimitOffsetPagination)
def list_segments(request):
    _require(access_for(request.auth).can_read)
    return selectors.segment_list().prefetch_related("preferred_channels")


@router.post("/segments", response={201: SegmentOut})
def create_segment(request, payload: SegmentIn):
    _editor(request)
    segment = services.segment_create(actor=request.auth, **_segment_fields(payload))
    return Status(201, _segment(segment.public_id))


@router.get("/segments/{public_id}", response=SegmentOut)
def get_segment(request, public_id: UUID):
    _require(access_for(request.auth).can_read)
    return _segment(public_id)


@router.put("/segments/{public_id}", response=SegmentOut)
def update_segment(request, public_id: UUID, payload: SegmentIn):
    _editor(request)
    segment = _segment(public_id)
    services.segment_update(actor=request.auth, segment=segment, **_segment_fields(payload, exclude_pk=segment.pk))
    return _segment(segment.public_id)


@router.delete("/segments/{public_id}", response={204: None})
def delete_segment(request, public_id: UUID):
    _editor(request)
    try:
        services.segment_delete(actor=request.auth, segment=_segment(public_id))
    except ValidationError as error:
        raise HttpError(409, error.messages[0]) from error
    return Status(204, None)


# Journeys -----------------------------------------------------------------------------------------


def _journey_fields(payload: JourneyIn) -> dict:
    segment = Segment.objects.filter(code=payload.segment).first()
    if segment is None:
        raise HttpError(422, f"Unknown segment code: {payload.segment}")
    return {**payload.dict(), "segment": segment}


def _journey_detail(journey) -> dict:
    journey_map = selectors.journey_map(journey)
    return {
        "public_id": journey.public_id,
        "name": journey.name,
        "segment": journey.segment.code,
        "kind": journey.kind,
        "description": journey.description,
        "stage_count": len(journey_map.stages),
        "step_count": len(journey_map.steps),
        "stages": [{**_stage_dict(entry.stage), "steps": entry.steps} for entry in journey_map.stages],
        "handovers": [
            {
                "from_step": handover.from_step.public_id,
                "to_step": handover.to_step.public_id,
                "from_department": handover.from_department.code,
                "to_department": handover.to_department.code,
            }
            for handover in journey_map.handovers
        ],
    }


def _stage_dict(stage) -> dict:
    return {
        "public_id": stage.public_id,
        "position": stage.position,
        "name": stage.name,
        "description": stage.description,
    }


@router.get("/journeys", response=list[JourneyOut])
@paginate(LimitOffsetPagination)
def list_journeys(request, segment: str | None = None, kind: JourneyKind | None = None):
    """Journeys with stage and step counts; filter by segment (code or public id) and kind."""
    _require(access_for(request.auth).can_read)
    return selectors.journey_list(segment=segment, kind=kind)


@router.post("/journeys", response={201: JourneyDetailOut})
def create_journey(request, payload: JourneyIn):
    _editor(request)
    journey = services.journey_create(actor=request.auth, **_journey_fields(payload))
    return Status(201, _journey_detail(journey))


@router.get("/journeys/{public_id}", response=JourneyDetailOut)
def get_journey(request, public_id: UUID):
    """The journey with its stages and steps (in map order) and the handovers between departments."""
    _require(access_for(request.auth).can_read)
    return _journey_detail(selectors.journey_get(public_id))


class ConformanceQuery(Schema):
    log: UUID | None = None
    start: date | None = None
    end: date | None = None


@router.get("/journeys/{public_id}/conformance", response=ConformanceOut)
def get_journey_conformance(request, public_id: UUID, query: Query[ConformanceQuery]):
    """Designed against actual: of the cases in the event data (one log or all; cases started in the period)
    that touch at least one of the journey's touchpoints (`relevant`), how many follow the design, and per step
    how many reached, skipped, left at or went back to it; touchpoints they add, and after which step."""
    _require(access_for(request.auth).can_read)
    journey = selectors.journey_get(public_id)
    if query.start and query.end and query.start > query.end:
        raise HttpError(422, "The period ends before it starts (start is after end).")
    if query.log and not EventLog.objects.filter(public_id=query.log).exists():
        raise HttpError(404, "Unknown event log.")
    journey_map = selectors.journey_map(journey)
    filters = Filters(log=str(query.log or ""), start=query.start, end=query.end)
    result = journey_conformance(design=[step.touchpoint_id for step in journey_map.steps], filters=filters)
    return overlay_json(journey, journey_map, result)


@router.put("/journeys/{public_id}", response=JourneyDetailOut)
def update_journey(request, public_id: UUID, payload: JourneyIn):
    _editor(request)
    journey = selectors.journey_get(public_id)
    services.journey_update(actor=request.auth, journey=journey, **_journey_fields(payload))
    return _journey_detail(journey)


@router.delete("/journeys/{public_id}", response={204: None})
def delete_journey(request, public_id: UUID):
    _editor(request)
    services.journey_delete(actor=request.auth, journey=selectors.journey_get(public_id))
    return Status(204, None)


# Stages -------------------------------------------------------------------------------------------


@router.post("/journeys/{public_id}/stages", response={201: StageOut})
def create_stage(request, public_id: UUID, payload: StageIn):
    _editor(request)
    journey = selectors.journey_get(public_id)
    stage = services.stage_create(actor=request.auth, journey=journey, **payload.dict())
    return Status(201, stage)


@router.put("/stages/{public_id}", response=StageOut)
def update_stage(request, public_id: UUID, payload: StageIn):
    _editor(request)
    stage = selectors.stage_get(public_id)
    services.stage_update(actor=request.auth, stage=stage, name=payload.name, description=payload.description)
    if payload.position is not None and payload.position != stage.position:
        services.stage_move(actor=request.auth, stage=stage, position=payload.position)
    return stage


@router.delete("/stages/{public_id}", response={204: None})
def delete_stage(request, public_id: UUID):
    _editor(request)
    services.stage_delete(actor=request.auth, stage=selectors.stage_get(public_id))
    return Status(204, None)


# Steps --------------------------------------------------------------------------------------------


def _step_touchpoint(request, code: str) -> Touchpoint:
    """The touchpoint named by code; 403 unless the user edits its department (checked before any write)."""
    touchpoint = Touchpoint.objects.select_related("owner_department").filter(code=code).first()
    if touchpoint is None:
        raise HttpError(422, f"Unknown touchpoint code: {code}")
    _require(access_for(request.auth).can_edit_department(touchpoint.owner_department_id))
    return touchpoint


@router.post("/stages/{public_id}/steps", response={201: StepOut})
def create_step(request, public_id: UUID, payload: StepIn):
    """Add a step. Ambassadors may add steps with their own department's touchpoints."""
    _require(access_for(request.auth).can_edit_some)
    stage = selectors.stage_get(public_id)
    touchpoint = _step_touchpoint(request, payload.touchpoint)
    step = services.step_create(
        actor=request.auth, stage=stage, **{**payload.dict(exclude={"touchpoint"}), "touchpoint": touchpoint}
    )
    return Status(201, selectors.step_get(step.public_id))


@router.put("/steps/{public_id}", response=StepOut)
def update_step(request, public_id: UUID, payload: StepIn):
    """Change a step. Ambassadors may change the steps of their department's touchpoints."""
    step = selectors.step_get(public_id)
    _require(access_for(request.auth).can_edit_department(step.touchpoint.owner_department_id))
    touchpoint = _step_touchpoint(request, payload.touchpoint)
    fields = payload.dict(exclude={"touchpoint", "position"})
    services.step_update(actor=request.auth, step=step, touchpoint=touchpoint, **fields)
    if payload.position is not None and payload.position != step.position:
        services.step_move(actor=request.auth, step=step, stage=step.stage, position=payload.position)
    return selectors.step_get(step.public_id)


@router.delete("/steps/{public_id}", response={204: None})
def delete_step(request, public_id: UUID):
    step = selectors.step_get(public_id)
    _require(access_for(request.auth).can_edit_department(step.touchpoint.owner_department_id))
    services.step_delete(actor=request.auth, step=step)
    return Status(204, None)
