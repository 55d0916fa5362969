"""Permission matrix for insights and actions. The world's insight and action are owned by `own`
(the ambassador's department); the viewer belongs to `own` too, `other_department` does not."""

from opencxm.insights.models import Action, Insight
from tests.factories_insights import ActionFactory, InsightFactory
from tests.permissions import ALL, OWN_DEPARTMENT, Case

OWN_MEMBERS = frozenset({"viewer", "ambassador", "cx_team", "admin"})  # see `own`'s actions


def _insight(w, status="new"):
    key = f"insight-{status}"
    if key not in w.extra:
        w.extra[key] = InsightFactory(title="Warteschleife", owner_department=w.own, status=status)
        w.extra[key].touchpoints.set([w.touchpoint])
    return w.extra[key]


def _action(w, status="planned"):
    key = f"action-{status}"
    if key not in w.extra:
        w.extra[key] = ActionFactory(insight=_insight(w), owner_department=w.own, status=status, title="Rückruf")
    return w.extra[key]


def _insight_state(status="new"):
    def state(w):
        i = Insight.objects.get(pk=_insight(w, status).pk)
        return (i.title, i.status, i.validation_method, i.owner_department_id, i.events.count(), i.actions.count())

    return state


def _action_state(status="planned"):
    def state(w):
        a = Action.objects.get(pk=_action(w, status).pk)
        return (a.title, a.status, a.done_at, a.owner_department_id, a.events.count())

    return state


def _insights(w):
    _insight(w)
    return sorted(Insight.objects.values_list("title", "status"))


def _actions(w):
    _action(w)
    return sorted(Action.objects.values_list("title", "status"))


def _insight_form(w):
    return {"kind": "idea", "title": "Geändert", "description": "", "owner_department": w.own.pk, "impact": 4,
            "effort": 2, "evidence_note": "", "evidence_metric": "", "evidence_days": "90"}  # fmt: skip


def _action_form(w):
    return {"track": "roadmap", "category": "tools", "title": "Geändert", "description": "",
            "owner_department": w.own.pk, "owner_user": "", "due_date": "2026-06-30", "metric": "nps",
            "expected_change": "5", "references_text": "Projekt X | https://example.com/x"}  # fmt: skip


def _insight_json(w):
    return {"kind": "idea", "title": "Geändert", "owner_department": "kundenservice", "touchpoints": ["TP-OWN"]}


def _action_json(w):
    return {"insight": str(_insight(w).public_id), "track": "playbook", "category": "communication",
            "title": "Geändert", "owner_department": "kundenservice", "metric": "nps",
            "expected_change": 5}  # fmt: skip


def _ip(w, status="new", suffix=""):
    return f"/insights/{_insight(w, status).public_id}/{suffix}"


def _ap(w, status="planned", suffix=""):
    return f"/insights/actions/{_action(w, status).public_id}/{suffix}"


def _api_i(w, status="new", suffix=""):
    return f"/api/v1/insights/{_insight(w, status).public_id}{suffix}"


def _api_a(w, status="planned", suffix=""):
    return f"/api/v1/actions/{_action(w, status).public_id}{suffix}"


CASES = [
    # pages: insights
    Case("insights:list", lambda w: "/insights/", ALL),
    Case("insights:create", lambda w: "/insights/new/", ALL),
    Case("insights:create", lambda w: "/insights/new/", ALL, method="POST", data=_insight_form, state=_insights),
    Case("insights:detail", lambda w: _ip(w), ALL),
    Case("insights:edit", lambda w: _ip(w, suffix="edit/"), OWN_DEPARTMENT),
    Case(
        "insights:edit",
        lambda w: _ip(w, suffix="edit/"),
        OWN_DEPARTMENT,
        method="POST",
        data=_insight_form,
        state=_insight_state(),
    ),  # fmt: skip
    Case(
        "insights:transition",
        lambda w: _ip(w, suffix="transition/"),
        OWN_DEPARTMENT,
        method="POST",
        data=lambda w: {"status": "in_progress"},
        state=_insight_state(),
    ),  # fmt: skip
    Case(
        "insights:transition",
        lambda w: _ip(w, "in_progress", "transition/"),
        OWN_DEPARTMENT,
        method="POST",
        data=lambda w: {"status": "done"},
        state=_insight_state("in_progress"),
    ),  # fmt: skip
    Case(
        "insights:transition",
        lambda w: _ip(w, "validated", "transition/"),
        OWN_DEPARTMENT,
        method="POST",
        data=lambda w: {"status": "rejected"},
        state=_insight_state("validated"),
    ),  # fmt: skip
    Case(
        "insights:transition",
        lambda w: _ip(w, "rejected", "transition/"),
        OWN_DEPARTMENT,
        method="POST",
        data=lambda w: {"status": "new"},
        state=_insight_state("rejected"),
    ),  # fmt: skip
    Case("insights:validate", lambda w: _ip(w, suffix="validate/"), OWN_DEPARTMENT),
    Case(
        "insights:validate",
        lambda w: _ip(w, suffix="validate/"),
        OWN_DEPARTMENT,
        method="POST",
        data=lambda w: {"method": "focus_customers", "note": "5 Interviews"},
        state=_insight_state(),
    ),  # fmt: skip
    Case("insights:action_create", lambda w: _ip(w, suffix="actions/new/"), OWN_DEPARTMENT),
    Case(
        "insights:action_create",
        lambda w: _ip(w, suffix="actions/new/"),
        OWN_DEPARTMENT,
        method="POST",
        data=_action_form,
        state=_actions,
    ),  # fmt: skip
    # pages: actions (visible to own department's members, CX team and admins)
    Case("insights:actions", lambda w: "/insights/actions/", ALL),
    Case("insights:board", lambda w: "/insights/actions/board/", ALL),
    Case("insights:board", lambda w: "/insights/actions/board/?by=month", ALL),
    Case("insights:action_detail", lambda w: _ap(w), OWN_MEMBERS),
    Case("insights:action_edit", lambda w: _ap(w, suffix="edit/"), OWN_DEPARTMENT),
    Case(
        "insights:action_edit",
        lambda w: _ap(w, suffix="edit/"),
        OWN_DEPARTMENT,
        method="POST",
        data=_action_form,
        state=_action_state(),
    ),  # fmt: skip
    Case(
        "insights:action_transition",
        lambda w: _ap(w, suffix="transition/"),
        OWN_DEPARTMENT,
        method="POST",
        data=lambda w: {"status": "in_progress"},
        state=_action_state(),
    ),  # fmt: skip
    Case(
        "insights:action_transition",
        lambda w: _ap(w, suffix="transition/"),
        OWN_DEPARTMENT,
        method="POST",
        data=lambda w: {"status": "cancelled"},
        state=_action_state(),
    ),  # fmt: skip
    Case(
        "insights:action_transition",
        lambda w: _ap(w, "in_progress", "transition/"),
        OWN_DEPARTMENT,
        method="POST",
        data=lambda w: {"status": "done"},
        state=_action_state("in_progress"),
    ),  # fmt: skip
    Case(
        "insights:action_transition",
        lambda w: _ap(w, "done", "transition/"),
        OWN_DEPARTMENT,
        method="POST",
        data=lambda w: {"status": "in_progress"},
        state=_action_state("done"),
    ),  # fmt: skip
    Case(
        "insights:action_transition",
        lambda w: _ap(w, "cancelled", "transition/"),
        OWN_DEPARTMENT,
        method="POST",
        data=lambda w: {"status": "planned"},
        state=_action_state("cancelled"),
    ),  # fmt: skip
    # API
    Case("GET /api/v1/insights", lambda w: "/api/v1/insights", ALL),
    Case(
        "POST /api/v1/insights", lambda w: "/api/v1/insights", ALL, method="POST", data=_insight_json, state=_insights
    ),  # fmt: skip
    Case("GET /api/v1/insights/{public_id}", lambda w: _api_i(w), ALL),
    Case(
        "PUT /api/v1/insights/{public_id}",
        lambda w: _api_i(w),
        OWN_DEPARTMENT,
        method="PUT",
        data=_insight_json,
        state=_insight_state(),
    ),  # fmt: skip
    Case(
        "POST /api/v1/insights/{public_id}/transition",
        lambda w: _api_i(w, suffix="/transition"),
        OWN_DEPARTMENT,
        method="POST",
        data=lambda w: {"status": "in_progress"},
        state=_insight_state(),
    ),  # fmt: skip
    Case(
        "POST /api/v1/insights/{public_id}/transition",
        lambda w: _api_i(w, suffix="/transition"),
        OWN_DEPARTMENT,
        method="POST",
        data=lambda w: {"status": "validated", "validation_method": "sample"},
        state=_insight_state(),
    ),  # fmt: skip
    Case(
        "POST /api/v1/insights/{public_id}/transition",
        lambda w: _api_i(w, "in_progress", "/transition"),
        OWN_DEPARTMENT,
        method="POST",
        data=lambda w: {"status": "done"},
        state=_insight_state("in_progress"),
    ),  # fmt: skip
    Case("GET /api/v1/actions", lambda w: "/api/v1/actions", ALL),
    Case(
        "POST /api/v1/actions",
        lambda w: "/api/v1/actions",
        OWN_DEPARTMENT,
        method="POST",
        data=_action_json,
        state=_actions,
    ),  # fmt: skip
    Case("GET /api/v1/actions/{public_id}", lambda w: _api_a(w), OWN_MEMBERS),
    Case(
        "PUT /api/v1/actions/{public_id}",
        lambda w: _api_a(w),
        OWN_DEPARTMENT,
        method="PUT",
        data=_action_json,
        state=_action_state(),
    ),  # fmt: skip
    Case(
        "POST /api/v1/actions/{public_id}/transition",
        lambda w: _api_a(w, suffix="/transition"),
        OWN_DEPARTMENT,
        method="POST",
        data=lambda w: {"status": "in_progress"},
        state=_action_state(),
    ),  # fmt: skip
    Case(
        "POST /api/v1/actions/{public_id}/transition",
        lambda w: _api_a(w, "in_progress", "/transition"),
        OWN_DEPARTMENT,
        method="POST",
        data=lambda w: {"status": "done"},
        state=_action_state("in_progress"),
    ),  # fmt: skip
    Case(
        "POST /api/v1/actions/{public_id}/transition",
        lambda w: _api_a(w, "done", "/transition"),
        OWN_DEPARTMENT,
        method="POST",
        data=lambda w: {"status": "in_progress"},
        state=_action_state("done"),
    ),  # fmt: skip
]
