"""REST API of the cases app: cases (list, detail, create, update, transitions) and case rules, with the
permissions of the pages. Transitions carry the version the client saw; a conflict answers 409."""

from uuid import UUID

from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as ApiValidationError
from ninja.pagination import LimitOffsetPagination, paginate

from opencxm.accounts.models import Department, User
from opencxm.cases import selectors, services
from opencxm.cases.forms import CaseRuleForm
from opencxm.cases.models import Case, CaseRule
from opencxm.cases.permissions import case_access_for
from opencxm.cases.schemas import (
    CaseDetailOut,
    CaseIn,
    CaseOut,
    CaseQuery,
    CaseRuleIn,
    CaseRuleOut,
    CaseUpdateIn,
    TransitionIn,
)
from opencxm.feedback.models import DataSource, Feedback
from opencxm.journeys.models import Segment
from opencxm.textanalytics.models import Topic
from opencxm.touchpoints.models import Touchpoint

router = Router(tags=["Cases"])


def _access(request):
    case_access = case_access_for(request.auth)
    if not case_access.access.can_read:
        raise HttpError(403, "Not allowed")
    return case_access


def _case(case_access, public_id: UUID) -> Case:
    try:
        return selectors.case_get(case_access, public_id)
    except Exception as error:  # Http404 from the selector
        raise HttpError(404, "Case not found") from error


def _require_work(case_access, case: Case) -> None:
    if not case_access.can_work(case.department_id):
        raise HttpError(403, "You may not work on this case")


def _user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise HttpError(422, f"Unknown user: {username}")
    return user


def _write(call):
    try:
        return call()
    except services.CaseConflict as error:
        raise HttpError(409, str(error.message)) from error
    except services.CaseInvalid as error:
        raise HttpError(422, str(error.message)) from error


@router.get("/cases", response=list[CaseOut])
@paginate(LimitOffsetPagination)
def list_cases(request, filters: Query[CaseQuery]):
    case_access = _access(request)
    department = Department.objects.filter(code=filters.department).first() if filters.department else None
    spec = selectors.CaseFilters(
        status=filters.status, assignee=filters.assignee, overdue=filters.overdue, escalated=filters.escalated,
        department=department.public_id if department else None,
    )  # fmt: skip
    if filters.department and department is None:
        return Case.objects.none()
    return selectors.case_list(case_access, spec, user=request.auth).select_related("rule")


@router.get("/cases/{public_id}", response=CaseDetailOut)
def get_case(request, public_id: UUID):
    return _case(_access(request), public_id)


@router.post("/cases", response={201: CaseDetailOut})
def create_case(request, payload: CaseIn):
    """Open a case by hand for a feedback record (routed to the department owning its touchpoint)."""
    case_access = _access(request)
    feedback = Feedback.objects.select_related("touchpoint", "source").filter(public_id=payload.feedback).first()
    if feedback is None:
        raise HttpError(422, "Unknown feedback record")
    department_id = services.owner_department_id(feedback)
    if not (case_access.works_all or (department_id is not None and case_access.can_work(department_id))):
        raise HttpError(403, "You may not open cases for this department")
    try:
        case = _write(lambda: services.case_create(actor=request.auth, feedback=feedback, priority=payload.priority,
                                                   sla_hours=payload.sla_hours))  # fmt: skip
    except services.CaseExists as error:
        raise HttpError(409, "This feedback record already has a case") from error
    return Status(201, _case(case_access, case.public_id))


@router.put("/cases/{public_id}", response=CaseDetailOut)
def update_case(request, public_id: UUID, payload: CaseUpdateIn):
    """Change priority and/or assignee."""
    case_access = _access(request)
    case = _case(case_access, public_id)
    _require_work(case_access, case)
    fields = payload.model_fields_set
    assignee = False
    if "assignee" in fields:
        assignee = _user(payload.assignee) if payload.assignee else None
    _write(lambda: services.case_update(actor=request.auth, case=case, priority=payload.priority, assignee=assignee,
                                        expected_version=payload.expected_version))  # fmt: skip
    return _case(case_access, public_id)


@router.post("/cases/{public_id}/transition", response=CaseDetailOut)
def transition_case(request, public_id: UUID, payload: TransitionIn):
    """assign (assignee), comment (text), handover (to_department, note), escalate (text), close (root_cause,
    resolution). 409 when the case changed since `expected_version` or is closed."""
    case_access = _access(request)
    case = _case(case_access, public_id)
    _require_work(case_access, case)
    case = _write(lambda: _transition(request.auth, case, payload))
    if not case_access.can_read(case.department_id):
        case = Case.objects.select_related(*CASE_RELATED).get(pk=case.pk)  # handed out of the caller's sight
        return case
    return _case(case_access, public_id)


CASE_RELATED = ("department", "assignee", "touchpoint", "feedback__source", "rule")


def _transition(actor, case: Case, payload: TransitionIn) -> Case:
    version = payload.expected_version
    if payload.action == "assign":
        assignee = _user(payload.assignee or "")
        return services.case_assign(actor=actor, case=case, assignee=assignee, expected_version=version)
    if payload.action == "comment":
        return services.case_comment(actor=actor, case=case, text=payload.text, expected_version=version)
    if payload.action == "handover":
        department = Department.objects.filter(code=payload.to_department or "").first()
        if department is None:
            raise HttpError(422, "Unknown department code")
        return services.case_handover(actor=actor, case=case, to_department=department, note=payload.note,
                                      expected_version=version)  # fmt: skip
    if payload.action == "escalate":
        return services.case_escalate(actor=actor, case=case, reason=payload.text, expected_version=version)
    return services.case_close(actor=actor, case=case, root_cause=payload.root_cause or "",
                               resolution=payload.resolution, root_cause_detail=payload.root_cause_detail,
                               expected_version=version)  # fmt: skip


# --- rules --------------------------------------------------------------------------------------------------


def _manage_rules(request) -> None:
    if not case_access_for(request.auth).manages_rules:
        raise HttpError(403, "Only the CX team manages case rules")


RULE_KEYS = {"sources": (DataSource, "name"), "touchpoints": (Touchpoint, "code"), "segments": (Segment, "code"),
             "topics": (Topic, "key")}  # fmt: skip


def _field_errors(errors: dict) -> ApiValidationError:
    """Field errors as a 422 in ninja's error format."""
    return ApiValidationError(
        [
            {"loc": ["body", "payload", field], "msg": str(message), "type": "value_error"}
            for field, messages in errors.items()
            for message in messages
        ]
    )


def _rule_data(payload: CaseRuleIn, rule: CaseRule | None = None) -> dict:
    """The payload checked by the form the rule pages use (same rules, same messages); 422 with field errors."""
    data, errors = payload.dict(exclude=set(RULE_KEYS)), {}
    for name, (model, field) in RULE_KEYS.items():
        keys = getattr(payload, name)
        found = {getattr(obj, field): obj.pk for obj in model.objects.filter(**{f"{field}__in": keys})}
        missing = sorted(set(keys) - set(found))
        if missing:
            errors[name] = [f"Unknown: {', '.join(missing)}"]
        data[name] = sorted(set(found.values()))
    form = CaseRuleForm({k: v for k, v in data.items() if v is not None}, instance=rule)
    if errors or not form.is_valid():
        raise _field_errors({**{k: list(v) for k, v in form.errors.items()}, **errors})
    return form.cleaned_data


@router.get("/case-rules", response=list[CaseRuleOut])
@paginate(LimitOffsetPagination)
def list_case_rules(request):
    _manage_rules(request)
    return CaseRule.objects.prefetch_related("sources", "touchpoints", "segments", "topics").order_by("name")


@router.post("/case-rules", response={201: CaseRuleOut})
def create_case_rule(request, payload: CaseRuleIn):
    """Create a rule. 422 lists field errors (e.g. a taken name, a threshold out of range, topics missing for
    negative_topic, an unknown source, touchpoint, segment or topic)."""
    _manage_rules(request)
    rule = services.rule_create(actor=request.auth, data=_rule_data(payload))
    return Status(201, rule)


@router.get("/case-rules/{public_id}", response=CaseRuleOut)
def get_case_rule(request, public_id: UUID):
    _manage_rules(request)
    return _rule(public_id)


@router.put("/case-rules/{public_id}", response=CaseRuleOut)
def update_case_rule(request, public_id: UUID, payload: CaseRuleIn):
    """Replace a rule (omitted lists become empty); cases it opened stay as they are. 422 lists field errors."""
    _manage_rules(request)
    data = _rule_data(payload, _rule(public_id))  # the form writes the values into the instance it checks
    services.rule_update(actor=request.auth, rule=_rule(public_id), data=data)
    return _rule(public_id)


def _rule(public_id: UUID) -> CaseRule:
    rule = CaseRule.objects.prefetch_related("sources", "touchpoints", "segments", "topics")
    rule = rule.filter(public_id=public_id).first()
    if rule is None:
        raise HttpError(404, "Case rule not found")
    return rule
