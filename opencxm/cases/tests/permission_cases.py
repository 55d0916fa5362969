"""Permission matrix of the cases app: every page and API operation, every transition, for every persona.
The case belongs to `own` (the ambassador's, viewer's and CX team member's department); `other_department`
must not even see it (404)."""

from opencxm.cases import services
from opencxm.cases.models import Case, CaseEvent, CaseRule
from tests.factories_cases import CaseRuleFactory, DataSourceFactory, FeedbackFactory
from tests.permissions import ALL, EDITORS
from tests.permissions import Case as C

READERS = frozenset({"viewer", "ambassador", "cx_team", "admin"})  # members of the owning department and editors
WORKERS = frozenset({"ambassador", "cx_team", "admin"})  # ambassadors/contributors of the department and editors


def _case(world) -> Case:
    if "case" not in world.extra:
        feedback = FeedbackFactory(source=DataSourceFactory(name="Umfrage"), touchpoint=world.touchpoint, nps=2)
        world.extra["case"] = services.case_create(actor=None, feedback=feedback)
    return world.extra["case"]


def _rule(world) -> CaseRule:
    if "rule" not in world.extra:
        world.extra["rule"] = CaseRuleFactory(name="Detraktoren")
    return world.extra["rule"]


def _spare_feedback(world):
    if "feedback" not in world.extra:
        world.extra["feedback"] = FeedbackFactory(source=DataSourceFactory(name="Umfrage"), touchpoint=world.touchpoint)
    return world.extra["feedback"]


def case_state(world) -> tuple:
    case = Case.objects.get(pk=_case(world).pk)
    events = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    return (case.status, case.version, case.department_id, case.assignee_id, case.escalated_at, case.priority,
            case.root_cause, case.resolution, events)  # fmt: skip


def cases_state(world) -> list:
    _spare_feedback(world)
    return list(Case.objects.order_by("pk").values_list("pk", "feedback_id"))


def rules_state(world) -> list:
    _rule(world)
    return list(CaseRule.objects.order_by("pk").values_list("name", "trigger", "threshold", "active", "sla_hours"))


def _detail(world) -> str:
    return f"/cases/{_case(world).public_id}/"


def _action(name):
    return lambda world: f"/cases/{_case(world).public_id}/{name}/"


PAGE_ACTIONS = {
    "assign": lambda w: {"assign-version": _case(w).version, "assign-assignee": str(w.users["ambassador"].public_id)},
    "comment": lambda w: {"comment-version": _case(w).version, "comment-text": "Rückruf vereinbart"},
    "handover": lambda w: {
        "handover-version": _case(w).version,
        "handover-to_department": str(w.other.public_id),
        "handover-note": "Vertrag betroffen",
    },  # fmt: skip
    "escalate": lambda w: {"escalate-version": _case(w).version, "escalate-reason": "dringend"},
    "close": lambda w: {
        "close-version": _case(w).version,
        "close-root_cause": "process",
        "close-resolution": "Gutschrift erteilt",
    },  # fmt: skip
}

API_ACTIONS = {
    "assign": lambda w: {"action": "assign", "expected_version": _case(w).version, "assignee": "p_ambassador"},
    "comment": lambda w: {"action": "comment", "expected_version": _case(w).version, "text": "Rückruf"},
    "handover": lambda w: {
        "action": "handover",
        "expected_version": _case(w).version,
        "to_department": "vertrieb",
        "note": "Vertrag betroffen",
    },  # fmt: skip
    "escalate": lambda w: {"action": "escalate", "expected_version": _case(w).version, "text": "dringend"},
    "close": lambda w: {
        "action": "close",
        "expected_version": _case(w).version,
        "root_cause": "process",
        "resolution": "Gutschrift erteilt",
    },  # fmt: skip
}

RULE_FORM = {"name": "Beschwerden", "active": "on", "trigger": "complaint", "priority": "high", "sla_hours": "24"}

CASES = [
    C("cases:inbox", lambda w: "/cases/", ALL),
    C("cases:inbox", lambda w: "/cases/?status=all&overdue=on", ALL, htmx=True),
    C("cases:detail", _detail, READERS),
    *[
        C("cases:action", _action(name), WORKERS, method="POST", data=data, state=case_state)
        for name, data in PAGE_ACTIONS.items()
    ],
    C(
        "cases:action",
        _action("comment"),
        WORKERS,
        method="POST",
        data=PAGE_ACTIONS["comment"],
        state=case_state,
        htmx=True,
    ),  # fmt: skip
    C("cases:handovers", lambda w: "/cases/handovers/", ALL),
    C("cases:rules", lambda w: "/cases/rules/", EDITORS),
    C("cases:rule_create", lambda w: "/cases/rules/new/", EDITORS),
    C(
        "cases:rule_create",
        lambda w: "/cases/rules/new/",
        EDITORS,
        method="POST",
        data=lambda w: RULE_FORM,
        state=rules_state,
    ),  # fmt: skip
    C("cases:rule_edit", lambda w: f"/cases/rules/{_rule(w).public_id}/", EDITORS),
    C(
        "cases:rule_edit",
        lambda w: f"/cases/rules/{_rule(w).public_id}/",
        EDITORS,
        method="POST",
        data=lambda w: RULE_FORM,
        state=rules_state,
    ),  # fmt: skip
    C("GET /api/v1/cases", lambda w: "/api/v1/cases", ALL),
    C("GET /api/v1/cases/{public_id}", lambda w: f"/api/v1/cases/{_case(w).public_id}", READERS),
    C(
        "POST /api/v1/cases",
        lambda w: "/api/v1/cases",
        WORKERS,
        method="POST",
        data=lambda w: {"feedback": str(_spare_feedback(w).public_id)},
        state=cases_state,
    ),  # fmt: skip
    C(
        "PUT /api/v1/cases/{public_id}",
        lambda w: f"/api/v1/cases/{_case(w).public_id}",
        WORKERS,
        method="PUT",
        data=lambda w: {"priority": "urgent", "assignee": "p_ambassador"},
        state=case_state,
    ),  # fmt: skip
    *[
        C(
            "POST /api/v1/cases/{public_id}/transition",
            lambda w: f"/api/v1/cases/{_case(w).public_id}/transition",
            WORKERS,
            method="POST",
            data=data,
            state=case_state,
        )  # fmt: skip
        for data in API_ACTIONS.values()
    ],
    C("GET /api/v1/case-rules", lambda w: "/api/v1/case-rules", EDITORS),
    C(
        "POST /api/v1/case-rules",
        lambda w: "/api/v1/case-rules",
        EDITORS,
        method="POST",
        data=lambda w: {"name": "Beschwerden", "trigger": "complaint"},
        state=rules_state,
    ),  # fmt: skip
    C("GET /api/v1/case-rules/{public_id}", lambda w: f"/api/v1/case-rules/{_rule(w).public_id}", EDITORS),
    C(
        "PUT /api/v1/case-rules/{public_id}",
        lambda w: f"/api/v1/case-rules/{_rule(w).public_id}",
        EDITORS,
        method="PUT",
        data=lambda w: {"name": "Beschwerden", "trigger": "complaint", "priority": "high", "sla_hours": 24},
        state=rules_state,
    ),  # fmt: skip
]
