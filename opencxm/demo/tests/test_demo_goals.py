"""The demo company's goals: created with the feedback, evaluated as of the day after the demo year without
e-mail, the degrading technician visit's alert open in the Außendienst inbox, a second load idempotent.

Feedback scales: at 0.4 a touchpoint has enough responses in 28 days (the technician visit: 38 of at least
30) for the degradation to show; at the 0.02 of the feedback tests it has 3, too few to judge. The tests
with their own loads (0.02 and the full year) come first; the 0.4 demo is loaded once for the rest of the
module by the `small` fixture, inside a transaction that is rolled back at the end.
"""

from datetime import date
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from opencxm.accounts.models import Department, User
from opencxm.analytics import alerts, targets
from opencxm.analytics.models import Alert, Target
from opencxm.core.models import AuditEntry
from opencxm.demo import feedback as demo
from opencxm.demo import goals
from opencxm.demo.loader import load_demo

SMALL = 0.4  # the smallest scale at which the technician visit's 28-day window holds enough responses
WRITES = {"INSERT", "UPDATE", "DELETE"}
UNCHANGED = "Demo feedback for 2025-11-01 to 2026-10-31 unchanged."
BREACHES = [("first_contact_resolution", "TP-HOT-08"), ("nps", "TP-TECH-02")]
STATUSES = {  # as of 2026-11-01 with the full year
    ("nps", None): "warning", ("csat", None): "warning", ("ces", None): "ok", ("complaint_rate", None): "warning",
    ("nps", "kundenservice"): "warning", ("handling_time", "kundenservice"): "ok", ("nps", "aussendienst"): "warning",
    ("first_contact_resolution", "TP-HOT-02"): "warning", ("nps", "TP-WEB-04"): "ok", ("nps", "TP-HOT-03"): "warning",
    ("nps", "TP-HOT-06"): "warning", ("nps", "TP-HOT-08"): "warning",
    ("first_contact_resolution", "TP-HOT-08"): "breach", ("nps", "TP-TECH-02"): "breach",
    ("nps", "TP-TECH-03"): "warning", ("nps", "TP-TECH-04"): "ok", ("nps", "TP-BRIEF-02"): "warning",
}  # fmt: skip


def _quiet(scale):
    lines = []
    load_demo(log=lines.append, feedback_scale=scale)
    return lines


def _scope_code(target):
    scope = target.scope_object
    return None if scope is None else scope.code


def _open_alerts():
    return sorted(
        (alert.target.metric, _scope_code(alert.target), alert.department.code)
        for alert in Alert.objects.filter(closed_at__isnull=True).select_related("department", "target__touchpoint")
    )


def _statuses():
    demo_targets = list(targets.active_targets(goals.EVALUATED_ON))
    values = targets.current_values(demo_targets, goals.EVALUATED_ON)
    return {
        (target.metric, _scope_code(target)): targets.status(target, values[target.pk].value, values[target.pk].n)
        for target in demo_targets
    }


def _goals_line(lines):
    return next(line for line in lines if line.startswith("Demo goals"))


def _writes(queries):
    return [query["sql"] for query in queries if query["sql"].split(None, 1)[0].upper() in WRITES]


def _inbox(username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    response = client.get("/goals/alerts/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


# -- the goal catalogue (no database) ------------------------------------------------------------------------


def test_the_catalogue_covers_company_departments_moments_of_truth_and_an_economic_goal():
    scopes = {(goal.metric, goal.scope) for goal in goals.GOALS}
    assert len(scopes) == len(goals.GOALS) == 17  # natural keys are unique
    assert set(scopes) == set(STATUSES)
    company = {goal.metric: (goal.target, goal.warning) for goal in goals.GOALS if goal.scope is None}
    assert company == {"nps": (15, 5), "csat": (75, 65), "ces": (5.0, 4.7), "complaint_rate": (0.5, 0.65)}
    technician = next(goal for goal in goals.GOALS if goal.scope == demo.DEGRADING_TOUCHPOINT)
    assert (technician.metric, technician.target, technician.warning, technician.window_days) == ("nps", 10, 0, 28)
    assert [goal.metric for goal in goals.GOALS if goal.goal_type == "economic"] == ["first_contact_resolution"]
    assert {goal.scope for goal in goals.GOALS if goal.scope_type == "department"} == {"kundenservice", "aussendienst"}
    assert goals.EVALUATED_ON.isoformat() == "2026-11-01"  # the day after the demo data ends


# -- tests with their own load -------------------------------------------------------------------------------


def test_demo_command_at_the_feedback_tests_scale_prints_no_mail(db, settings, capsys):
    settings.OPENCXM_DEMO_FEEDBACK_SCALE = 0.02
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    printed = out.getvalue() + capsys.readouterr().out
    assert (
        "Demo goals: 17 targets (17 created, 0 updated), evaluated as of 2026-11-01: "
        "1 alerts raised, 0 still open, 0 closed." in printed
    )
    assert "Subject:" not in printed and "@musterfrau.example" not in printed
    assert _open_alerts() == [("first_contact_resolution", "TP-HOT-08", "aussendienst")]  # measurements do not scale
    statuses = _statuses()
    assert statuses[("nps", "TP-TECH-02")] == "too_few"  # 3 responses in 28 days
    assert statuses[("nps", None)] == "too_few"  # 88 responses, the company targets ask for 200
    assert Alert.objects.get().raise_notified_at is not None


def test_full_year_goals_alerts_and_second_load(db, mailoutbox):
    with transaction.atomic():
        lines = _quiet(1)
        connection.check_constraints()  # once here rather than at teardown (PostgreSQL, deferred keys)
        assert _goals_line(lines) == (
            "Demo goals: 17 targets (17 created, 0 updated), evaluated as of 2026-11-01: "
            "2 alerts raised, 0 still open, 0 closed."
        )
        assert _statuses() == STATUSES
        assert _open_alerts() == [(metric, code, "aussendienst") for metric, code in BREACHES]
        technician = Alert.objects.get(target__touchpoint__code=demo.DEGRADING_TOUCHPOINT)
        assert technician.raised_value == pytest.approx(-23.6, abs=0.1)
        assert "TP-TECH-02 Technikerbesuch: Installation beim Kunden" in _inbox("ambassador.aussendienst")
        with CaptureQueriesContext(connection) as queries:
            assert UNCHANGED in _quiet(1)
        assert _writes(queries) == []
        assert Alert.objects.count() == 2
        assert mailoutbox == []
        transaction.set_rollback(True)


# -- the demo at 0.4 (loaded once for the module) ------------------------------------------------------------


@pytest.fixture(scope="module")
def small(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        lines = _quiet(SMALL)
        connection.check_constraints()  # once, not at every test's teardown (PostgreSQL, deferred keys)
        yield SimpleNamespace(lines=lines)
        transaction.set_rollback(True)


def test_small_demo_opens_the_technician_alert_in_the_field_service_inbox(small, db, mailoutbox):
    assert _goals_line(small.lines) == (
        "Demo goals: 17 targets (17 created, 0 updated), evaluated as of 2026-11-01: "
        "2 alerts raised, 0 still open, 0 closed."
    )
    assert _open_alerts() == [(metric, code, "aussendienst") for metric, code in BREACHES]
    alert = Alert.objects.get(target__touchpoint__code=demo.DEGRADING_TOUCHPOINT)
    assert (alert.window_start, alert.window_end) == (date(2026, 10, 4), date(2026, 10, 31))
    assert alert.raised_value == pytest.approx(-42.1, abs=0.1)  # the touchpoint started the year near +20
    html = _inbox("ambassador.aussendienst")
    assert "2 open alerts" in html
    assert "TP-TECH-02 Technikerbesuch: Installation beim Kunden" in html
    assert "TP-TECH-02" not in _inbox("ambassador.service")
    assert "TP-TECH-02" in _inbox("lead")
    alerts.evaluate(goals.EVALUATED_ON)  # a regular evaluation later on: the demo alerts count as mailed
    assert mailoutbox == []
    assert Alert.objects.count() == 2


def test_goals_are_created_through_the_services_and_audited(small, db):
    assert Target.objects.count() == 17
    entries = AuditEntry.objects.filter(object_type="analytics.target")
    assert entries.count() == 17
    assert set(entries.values_list("action", flat=True)) == {"create"}
    technician = Target.objects.get(touchpoint__code=demo.DEGRADING_TOUCHPOINT)
    assert technician.owner_department.code == "aussendienst"
    assert (technician.valid_from, technician.valid_until, technician.min_responses) == (date(2025, 11, 1), None, 30)
    company = Target.objects.get(metric="nps", scope_type="company")
    assert company.owner_department.code == "cx-team"


def test_second_load_writes_nothing_and_raises_no_second_alert(small, db):
    with CaptureQueriesContext(connection) as queries:
        lines = _quiet(SMALL)
    assert _writes(queries) == []
    assert UNCHANGED in lines
    assert not [line for line in lines if line.startswith("Demo goals")]
    assert Alert.objects.count() == 2


def test_reload_restores_a_changed_goal_and_keeps_the_open_alert(small, db):
    technician = Target.objects.get(touchpoint__code=demo.DEGRADING_TOUCHPOINT)
    Target.objects.filter(pk=technician.pk).update(target_value=-50, warning_value=-60)
    owner = Department.objects.get(code="cx-team")
    added = Target.objects.create(metric="csat", scope_type="company", target_value=99, warning_value=98,
                                  valid_from=date(2026, 11, 1), owner_department=owner)  # fmt: skip
    lines = _quiet(SMALL)
    assert _goals_line(lines) == (
        "Demo goals: 17 targets (0 created, 1 updated), evaluated as of 2026-11-01: "
        "0 alerts raised, 2 still open, 0 closed."
    )
    technician.refresh_from_db()
    assert (technician.target_value, technician.warning_value) == (10, 0)
    assert Alert.objects.count() == 2
    assert not Alert.objects.filter(target=added).exists()  # targets users added are not evaluated by the demo
