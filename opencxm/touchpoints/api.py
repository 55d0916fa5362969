"""REST API of the touchpoint registry: touchpoints and channels, addressed by public id."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from opencxm.accounts.models import Department
from opencxm.core.permissions import access_for
from opencxm.touchpoints import selectors, services
from opencxm.touchpoints.choices import TouchpointStatus
from opencxm.touchpoints.models import Channel, Touchpoint, TouchpointContribution
from opencxm.touchpoints.schemas import ChannelIn, ChannelOut, TouchpointIn, TouchpointOut

router = Router(tags=["Touchpoints"])


class TouchpointQuery(Schema):
    channel: str = ""
    department: str = ""
    status: TouchpointStatus | None = None
    q: str = ""


def _with_contributions(queryset):
    contributions = TouchpointContribution.objects.select_related("department")
    return queryset.prefetch_related(Prefetch("contributions", queryset=contributions))


def _read(request):
    if not access_for(request.auth).can_read:
        raise HttpError(403, "Not allowed")


def _touchpoint(public_id: UUID) -> Touchpoint:
    touchpoint = (
        _with_contributions(Touchpoint.objects.select_related("channel", "owner_department"))
        .filter(public_id=public_id)
        .first()
    )
    if touchpoint is None:
        raise HttpError(404, "Touchpoint not found")
    return touchpoint


def _require_department(request, department_id) -> None:
    if not access_for(request.auth).can_edit_department(department_id):
        raise HttpError(403, "You may only change touchpoints of your own department")


def _resolve(payload: TouchpointIn) -> tuple[dict, list]:
    """Codes in the payload to objects; 422 for unknown codes."""
    channel = Channel.objects.filter(code=payload.channel).first()
    if channel is None:
        raise HttpError(422, f"Unknown channel code: {payload.channel}")
    codes = {payload.owner_department, *(c.department for c in payload.contributors)}
    departments = {d.code: d for d in Department.objects.filter(code__in=codes)}
    unknown = sorted(codes - set(departments))
    if unknown:
        raise HttpError(422, f"Unknown department code: {', '.join(unknown)}")
    if len({c.department for c in payload.contributors}) != len(payload.contributors):
        raise HttpError(422, "A department is listed twice in contributors")
    data = payload.dict(exclude={"contributors"}) | {
        "channel": channel,
        "owner_department": departments[payload.owner_department],
    }
    contributions = [(departments[c.department], c.raci) for c in payload.contributors]
    return data, contributions


@router.get("/touchpoints", response=list[TouchpointOut])
@paginate(LimitOffsetPagination)
def list_touchpoints(request, filters: Query[TouchpointQuery]):
    _read(request)
    return _with_contributions(
        selectors.touchpoint_list(
            selectors.TouchpointFilters(
                channel=filters.channel,
                department=filters.department,
                status=filters.status or "",
                q=filters.q.strip(),
            )
        )
    )


@router.post("/touchpoints", response={201: TouchpointOut})
def create_touchpoint(request, payload: TouchpointIn):
    access = access_for(request.auth)
    if not access.can_edit_some:
        raise HttpError(403, "Not allowed")
    data, contributions = _resolve(payload)
    _require_department(request, data["owner_department"].id)
    if Touchpoint.objects.filter(code=payload.code).exists():
        raise HttpError(409, f"A touchpoint with code {payload.code} exists already")
    touchpoint = services.touchpoint_create(actor=request.auth, data=data, contributions=contributions)
    return Status(201, _touchpoint(touchpoint.public_id))


@router.get("/touchpoints/{public_id}", response=TouchpointOut)
def get_touchpoint(request, public_id: UUID):
    _read(request)
    return _touchpoint(public_id)


@router.put("/touchpoints/{public_id}", response=TouchpointOut)
def update_touchpoint(request, public_id: UUID, payload: TouchpointIn):
    _read(request)
    touchpoint = _touchpoint(public_id)
    _require_department(request, touchpoint.owner_department_id)
    data, contributions = _resolve(payload)
    _require_department(request, data["owner_department"].id)
    if Touchpoint.objects.filter(code=payload.code).exclude(pk=touchpoint.pk).exists():
        raise HttpError(409, f"A touchpoint with code {payload.code} exists already")
    services.touchpoint_update(actor=request.auth, touchpoint=touchpoint, data=data, contributions=contributions)
    return _touchpoint(public_id)


@router.delete("/touchpoints/{public_id}", response={204: None})
def delete_touchpoint(request, public_id: UUID):
    _read(request)
    touchpoint = _touchpoint(public_id)
    _require_department(request, touchpoint.owner_department_id)
    try:
        services.touchpoint_delete(actor=request.auth, touchpoint=touchpoint)
    except services.TouchpointInUse:
        raise HttpError(409, "The touchpoint is used in journey steps; retire it instead (status: retired)") from None
    return Status(204, None)


def _require_edit_all(request) -> None:
    if not access_for(request.auth).can_edit_all:
        raise HttpError(403, "Only the CX team may change channels")


def _channel(public_id: UUID) -> Channel:
    channel = Channel.objects.filter(public_id=public_id).first()
    if channel is None:
        raise HttpError(404, "Channel not found")
    return channel


def _channel_write(write):
    try:
        return write()
    except ValidationError as error:
        raise HttpError(422, "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from None


@router.get("/channels", response=list[ChannelOut])
@paginate(LimitOffsetPagination)
def list_channels(request):
    _read(request)
    return Channel.objects.order_by("name")


@router.post("/channels", response={201: ChannelOut})
def create_channel(request, payload: ChannelIn):
    _require_edit_all(request)
    return Status(201, _channel_write(lambda: services.channel_create(actor=request.auth, data=payload.dict())))


@router.get("/channels/{public_id}", response=ChannelOut)
def get_channel(request, public_id: UUID):
    _read(request)
    return _channel(public_id)


@router.put("/channels/{public_id}", response=ChannelOut)
def update_channel(request, public_id: UUID, payload: ChannelIn):
    _require_edit_all(request)
    channel = _channel(public_id)
    return _channel_write(lambda: services.channel_update(actor=request.auth, channel=channel, data=payload.dict()))


@router.delete("/channels/{public_id}", response={204: None})
def delete_channel(request, public_id: UUID):
    _require_edit_all(request)
    channel = _channel(public_id)
    try:
        services.channel_delete(actor=request.auth, channel=channel)
    except services.ChannelInUse:
        raise HttpError(409, "Touchpoints use this channel; it cannot be deleted") from None
    return Status(204, None)
