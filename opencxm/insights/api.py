"""REST API for insights and actions, with the same permissions as the pages."""

from uuid import UUID

from django.contrib.auth import get_user_model
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from opencxm.accounts.models import Department
from opencxm.analytics.metrics import REGISTRY
from opencxm.core.permissions import access_for
from opencxm.feedback.models import Feedback
from opencxm.insights import rules, selectors, services
from opencxm.insights.choices import TRACK_CATEGORIES, ActionStatus, InsightKind, InsightStatus, Track
from opencxm.insights.models import Action, Insight
from opencxm.insights.schemas import (
    ActionIn,
    ActionOut,
    ActionTransitionIn,
    InsightIn,
    InsightOut,
    InsightTransitionIn,
)
from opencxm.journeys.models import JourneyStep, Segment
from opencxm.touchpoints.models import Touchpoint

router = Router(tags=["Insights"])


class InsightQuery(Schema):
    kind: InsightKind | None = None
    status: InsightStatus | None = None
    department: str = ""
    touchpoint: str = ""
    order: str = "impact"


class ActionQuery(Schema):
    track: Track | None = None
    status: ActionStatus | None = None
    department: str = ""


def _read(request):
    if not access_for(request.auth).can_read:
        raise HttpError(403, "Not allowed")


def _edit(request, department_id):
    if not rules.can_edit_owned(request.auth, department_id):
        raise HttpError(403, "You may only change insights and actions of your own department")


def _department(code: str) -> Department:
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise HttpError(422, f"Unknown department code: {code}")
    return department


def _all(model, field, values, label):
    objects = list(model.objects.filter(**{f"{field}__in": values}))
    if len(objects) != len(set(values)):
        raise HttpError(422, f"Unknown {label} in {sorted(map(str, values))}")
    return objects


def _insight_data(payload: InsightIn) -> tuple[dict, dict]:
    query = payload.evidence_query
    if query and query.metric not in REGISTRY:
        raise HttpError(422, f"Unknown metric: {query.metric}")
    data = payload.dict(include={"kind", "title", "description", "impact", "effort", "evidence_note"})
    data |= {"owner_department": _department(payload.owner_department), "evidence_query": query.dict() if query else {}}
    relations = {
        "touchpoints": _all(Touchpoint, "code", payload.touchpoints, "touchpoint"),
        "steps": _all(JourneyStep, "public_id", payload.steps, "journey step"),
        "segments": _all(Segment, "code", payload.segments, "segment"),
        "feedback": _all(Feedback, "public_id", payload.feedback, "feedback"),
    }
    return data, relations


def _insight(public_id: UUID) -> Insight:
    insight = (
        Insight.objects.select_related("owner_department")
        .prefetch_related("touchpoints", "steps", "segments", "feedback")
        .filter(public_id=public_id)
        .first()
    )
    if insight is None:
        raise HttpError(404, "Insight not found")
    return insight


@router.get("/insights", response=list[InsightOut])
@paginate(LimitOffsetPagination)
def list_insights(request, filters: Query[InsightQuery]):
    _read(request)
    department = Department.objects.filter(code=filters.department).first() if filters.department else None
    touchpoint = Touchpoint.objects.filter(code=filters.touchpoint).first() if filters.touchpoint else None
    queryset = selectors.insight_list(
        selectors.InsightFilters(
            kind=filters.kind or "", status=filters.status or "", order=filters.order, department=department,
            touchpoint=touchpoint,
        )
    )  # fmt: skip
    if (filters.department and department is None) or (filters.touchpoint and touchpoint is None):
        return Insight.objects.none()
    return queryset.prefetch_related("steps", "segments", "feedback")


@router.post("/insights", response={201: InsightOut})
def create_insight(request, payload: InsightIn):
    if not rules.can_create(request.auth):
        raise HttpError(403, "Not allowed")
    data, relations = _insight_data(payload)
    insight = services.insight_create(actor=request.auth, data=data, relations=relations)
    return Status(201, _insight(insight.public_id))


@router.get("/insights/{public_id}", response=InsightOut)
def get_insight(request, public_id: UUID):
    _read(request)
    return _insight(public_id)


@router.put("/insights/{public_id}", response=InsightOut)
def update_insight(request, public_id: UUID, payload: InsightIn):
    _read(request)
    insight = _insight(public_id)
    _edit(request, insight.owner_department_id)
    data, relations = _insight_data(payload)
    _edit(request, data["owner_department"].id)
    services.insight_update(actor=request.auth, insight=insight, data=data, relations=relations)
    return _insight(public_id)


@router.post("/insights/{public_id}/transition", response=InsightOut)
def transition_insight(request, public_id: UUID, payload: InsightTransitionIn):
    _read(request)
    insight = _insight(public_id)
    _edit(request, insight.owner_department_id)
    try:
        if payload.status == InsightStatus.VALIDATED:
            services.insight_validate(
                actor=request.auth, insight=insight, method=payload.validation_method, note=payload.note
            )
        else:
            services.insight_transition(actor=request.auth, insight=insight, status=payload.status, note=payload.note)
    except services.TransitionError as error:
        raise HttpError(409, str(error)) from None
    return _insight(public_id)


# --- actions -----------------------------------------------------------------------------------------


def _action(request, public_id: UUID) -> Action:
    action = (
        selectors.actions_visible_to(access_for(request.auth))
        .select_related("owner_department", "owner_user", "insight")
        .prefetch_related("touchpoints")
        .filter(public_id=public_id)
        .first()
    )
    if action is None:
        raise HttpError(404, "Action not found")
    return action


def _action_data(payload: ActionIn) -> tuple[dict, list]:
    if payload.category not in TRACK_CATEGORIES[payload.track]:
        raise HttpError(422, f"Category {payload.category} does not belong to track {payload.track}")
    if payload.metric and payload.metric not in REGISTRY:
        raise HttpError(422, f"Unknown metric: {payload.metric}")
    owner_user = None
    if payload.owner_user:
        owner_user = get_user_model().objects.filter(username=payload.owner_user, is_active=True).first()
        if owner_user is None:
            raise HttpError(422, f"Unknown user: {payload.owner_user}")
    data = payload.dict(include={"track", "category", "title", "description", "due_date", "metric", "expected_change"})
    data |= {
        "owner_department": _department(payload.owner_department),
        "owner_user": owner_user,
        "references": [r.dict() for r in payload.references],
    }
    return data, _all(Touchpoint, "code", payload.touchpoints, "touchpoint")


@router.get("/actions", response=list[ActionOut])
@paginate(LimitOffsetPagination)
def list_actions(request, filters: Query[ActionQuery]):
    access = access_for(request.auth)
    _read(request)
    department = Department.objects.filter(code=filters.department).first() if filters.department else None
    if filters.department and department is None:
        return Action.objects.none()
    chosen = selectors.ActionFilters(track=filters.track or "", status=filters.status or "", department=department)
    return selectors.action_list(access, chosen).prefetch_related("touchpoints")


@router.post("/actions", response={201: ActionOut})
def create_action(request, payload: ActionIn):
    _read(request)
    insight = Insight.objects.filter(public_id=payload.insight).first()
    if insight is None:
        raise HttpError(422, "Unknown insight")
    _edit(request, insight.owner_department_id)
    data, touchpoints = _action_data(payload)
    _edit(request, data["owner_department"].id)
    action = services.action_create(actor=request.auth, insight=insight, data=data, touchpoints=touchpoints)
    return Status(201, _action(request, action.public_id))


@router.get("/actions/{public_id}", response=ActionOut)
def get_action(request, public_id: UUID):
    _read(request)
    return _action(request, public_id)


@router.put("/actions/{public_id}", response=ActionOut)
def update_action(request, public_id: UUID, payload: ActionIn):
    _read(request)
    action = _action(request, public_id)
    _edit(request, action.owner_department_id)
    data, touchpoints = _action_data(payload)
    _edit(request, data["owner_department"].id)
    services.action_update(actor=request.auth, action=action, data=data, touchpoints=touchpoints)
    return _action(request, public_id)


@router.post("/actions/{public_id}/transition", response=ActionOut)
def transition_action(request, public_id: UUID, payload: ActionTransitionIn):
    _read(request)
    action = _action(request, public_id)
    _edit(request, action.owner_department_id)
    try:
        services.action_transition(actor=request.auth, action=action, status=payload.status, note=payload.note)
    except services.TransitionError as error:
        raise HttpError(409, str(error)) from None
    return _action(request, public_id)
