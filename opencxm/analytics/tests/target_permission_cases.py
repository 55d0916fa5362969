"""Permission cases for the goal and alert pages (loaded by tests/test_permission_matrix.py)."""

from opencxm.analytics.models import Target
from tests.permissions import ALL, OWN_DEPARTMENT, Case

SOME_EDITORS = OWN_DEPARTMENT | {"other_department"}  # every ambassador (of any department) and the editors
OWN_MEMBERS = frozenset({"viewer", "ambassador", "cx_team", "admin"})  # members of world.own and who sees all


def _target(w):
    if "target" not in w.extra:
        w.extra["target"] = Target.objects.create(
            metric="nps", scope_type="touchpoint", touchpoint=w.touchpoint, target_value=30, warning_value=0,
            owner_department=w.own,
        )  # fmt: skip
    return w.extra["target"]


def _targets(w):
    return sorted(Target.objects.values_list("metric", "scope_type", "touchpoint_id", "target_value", "warning_value"))


def _form(w, target_value="35"):
    return {
        "metric": "nps", "scope_type": "touchpoint", "touchpoint": w.touchpoint.pk, "journey": "", "stage": "",
        "department": "", "valid_from": "", "valid_until": "", "target_value": target_value, "warning_value": "0",
        "window_days": "28", "min_responses": "30", "goal_type": "behavioural", "owner_department": "", "note": "",
    }  # fmt: skip


def _edit_path(w):
    return f"/goals/{_target(w).public_id}/edit/"


def _delete_path(w):
    return f"/goals/{_target(w).public_id}/delete/"


CASES = [
    Case("targets:list", lambda w: "/goals/", ALL),
    Case("targets:create", lambda w: "/goals/new/", SOME_EDITORS),
    Case("targets:create", lambda w: "/goals/new/?scope_type=stage", SOME_EDITORS, htmx=True),
    Case("targets:create", lambda w: "/goals/new/", OWN_DEPARTMENT, "POST", _form, _targets),
    Case("targets:edit", _edit_path, OWN_DEPARTMENT),
    Case("targets:edit", _edit_path, OWN_DEPARTMENT, "POST", lambda w: _form(w, "40"), _targets),
    Case("targets:delete", _delete_path, OWN_DEPARTMENT),
    Case("targets:delete", _delete_path, OWN_DEPARTMENT, "POST", state=_targets),
    Case("targets:inbox", lambda w: "/goals/alerts/", ALL),
    Case("targets:department_inbox", lambda w: f"/goals/alerts/{w.own.public_id}/", OWN_MEMBERS),
]
