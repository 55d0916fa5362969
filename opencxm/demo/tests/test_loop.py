"""Closing the loop at the demo company (demo.loop): insights with real evidence, a roadmap and a playbook,
case rules, cases with handovers (among them the seed 002 technician story), overdue cases, idempotency.

The demo is loaded once for the module at feedback scale 0.1 (5,200 survey responses) with the loop
switched on (the test settings switch it off for the feedback tests), inside a transaction rolled back at
the end. The scale-change test makes its own loads.
"""

from datetime import date
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opencxm.analytics.rollups import local_day
from opencxm.cases.choices import OPEN_STATUSES, EventKind, RootCause, Status
from opencxm.cases.models import Case, CaseEvent, CaseRule
from opencxm.cases.services import RULE_RELATIONS, owner_department_id, rule_matches
from opencxm.core.models import AuditEntry
from opencxm.demo import feedback as demo
from opencxm.demo import loop
from opencxm.demo.loader import load_demo
from opencxm.feedback.models import Feedback
from opencxm.insights.choices import TRACK_CATEGORIES, ActionStatus, InsightKind, InsightStatus, Track
from opencxm.insights.models import Action, ActionEvent, Insight, InsightEvent
from opencxm.insights.selectors import action_effect

SCALE = 0.1
WRITES = {"INSERT", "UPDATE", "DELETE"}
TECHNICIAN = "Installationsauftrag erreicht den Außendienst nicht"


def _load(scale=SCALE):
    lines = []
    with override_settings(OPENCXM_DEMO_LOOP=True):
        load_demo(log=lines.append, feedback_scale=scale)
    return lines


@pytest.fixture(scope="module")
def demo_loop(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        lines = _load()
        connection.check_constraints()  # once, not at every test's teardown (PostgreSQL, deferred keys)
        line = next(line for line in lines if line.startswith("Closing the loop: "))
        seconds = float(line.rsplit(" in ", 1)[1].split()[0])
        print(f"\ndemo loop at scale {SCALE} ({connection.vendor}): {seconds:.1f} s")
        yield SimpleNamespace(lines=lines, line=line, seconds=seconds)
        transaction.set_rollback(True)


def test_the_load_reports_what_it_created(demo_loop, db):
    assert "19 insights, 21 actions, 5 case rules and " in demo_loop.line
    assert demo_loop.seconds < 15


# -- insights ------------------------------------------------------------------------------------------------


def test_insights_cover_every_kind_and_status(demo_loop, db):
    assert Insight.objects.count() == len(loop.INSIGHTS) == 19
    assert set(Insight.objects.values_list("kind", flat=True)) == set(InsightKind.values)
    statuses = {status: Insight.objects.filter(status=status).count() for status in InsightStatus.values}
    assert statuses == {"new": 5, "validated": 5, "in_progress": 4, "done": 3, "rejected": 2}
    assert Insight.objects.values("owner_department").distinct().count() >= 8


def test_validated_insights_record_how_and_when(demo_loop, db):
    checked = Insight.objects.exclude(validation_method="none")
    assert checked.count() == 10  # validated, and the in-progress and done ones that were validated first
    assert set(checked.values_list("validation_method", flat=True)) == {"focus_customers", "sample", "data"}
    for insight in checked:
        assert insight.validation_note and insight.validated_by is not None
        assert date(2025, 11, 1) <= local_day(insight.validated_at) <= date(2026, 10, 31)
        event = insight.events.get(type="validated")
        assert event.at == insight.validated_at and event.parameters["method"] == insight.validation_method


def test_insight_timelines_carry_the_demo_year_not_today(demo_loop, db):
    today = local_day(timezone.now())
    assert not InsightEvent.objects.filter(at__date__gte=today).exists()
    assert not ActionEvent.objects.filter(at__date__gte=today).exists()
    technician = Insight.objects.get(title=TECHNICIAN)
    assert [(e.type, local_day(e.at)) for e in technician.events.all()][:3] == [
        ("created", date(2026, 6, 30)),
        ("validated", date(2026, 7, 14)),
        ("status_changed", date(2026, 7, 20)),
    ]
    audit = AuditEntry.objects.filter(object_id=technician.public_id).order_by("at").first()
    assert audit.action == "create" and local_day(audit.at) == date(2026, 6, 30)


def test_evidence_is_demo_feedback_that_says_what_the_insight_says(demo_loop, db):
    linked = 0
    for spec in loop.INSIGHTS:
        insight = Insight.objects.get(title=spec.title)
        for record in insight.feedback.select_related("touchpoint"):
            if record.external_id == loop.STORY_EXTERNAL_ID:
                assert spec.story
                continue
            linked += 1
            assert record.touchpoint.code in spec.evidence.touchpoints
            assert any(word.lower() in record.comment.lower() for word in spec.evidence.words)
            assert (record.nps is not None and record.nps <= 6) or record.kind == "complaint" or record.csat <= 2
    assert linked >= 40
    technician = Insight.objects.get(title=TECHNICIAN)
    records = list(technician.feedback.all())
    assert len(records) >= 4
    assert all(local_day(r.responded_at) >= demo.DEGRADES_FROM for r in records)
    assert {r.touchpoint.code for r in records} >= {"TP-TECH-02", "TP-SHOP-02"}  # detractors and the story
    assert technician.evidence_query == {"metric": "nps", "days": 90} and technician.evidence_note
    assert technician.steps.filter(touchpoint__code="TP-TECH-02").exists()


# -- actions: roadmap and playbook ---------------------------------------------------------------------------


def test_roadmap_and_playbook_with_owners_due_dates_and_references(demo_loop, db):
    actions = Action.objects.all()
    assert actions.count() == 21
    for action in actions:
        assert action.category in TRACK_CATEGORIES[Track(action.track)]
        assert action.owner_department_id is not None
        for reference in action.references:
            assert reference["label"] and reference["url"].startswith("https://")
    assert actions.filter(track="roadmap").count() >= 10 and actions.filter(track="playbook").count() >= 10
    assert set(actions.values_list("status", flat=True)) == set(ActionStatus.values)
    assert actions.filter(owner_user__isnull=False).count() >= 20
    assert actions.filter(due_date__gt=date(2026, 11, 30)).count() >= 8  # the coming months
    assert actions.exclude(references=[]).count() >= 12


def test_done_actions_show_their_metric_before_and_after_on_demo_data(demo_loop, db):
    done = Action.objects.filter(status=ActionStatus.DONE).exclude(metric="")
    assert done.count() == 6
    outcomes = []
    for action in done:
        assert date(2025, 11, 1) <= local_day(action.done_at) <= date(2026, 7, 31)
        effect = action_effect(action)
        assert effect.before.n > 0 and effect.after.n > 0
        assert effect.after_end <= date(2026, 10, 31)
        outcomes.append(effect.met)
    assert True in outcomes and False in outcomes  # some worked, some did not
    partners = Action.objects.get(title__startswith="Partnerfirmen")
    assert action_effect(partners).change < 0  # the technician visit fell anyway: the cause is the handover


# -- case rules and cases ------------------------------------------------------------------------------------


def test_rules_and_the_cases_they_opened(demo_loop, db):
    assert CaseRule.objects.count() == 5 and CaseRule.objects.filter(active=False).count() == 1
    window = Case.objects.filter(rule__isnull=False).exclude(feedback__external_id=loop.STORY_EXTERNAL_ID)
    assert 20 <= window.count() <= 120  # a few hundred at the full year
    rules = {
        rule.pk: {name: {o.pk for o in getattr(rule, name).all()} for name in RULE_RELATIONS}
        for rule in CaseRule.objects.all()
    }
    for case in window.select_related("feedback__customer", "rule"):
        assert local_day(case.feedback.responded_at) >= loop.WINDOW_START
        assert rule_matches(case.rule, case.feedback, rules[case.rule_id])
        first = case.events.first()
        assert first.kind == EventKind.CREATED and first.department_id == owner_department_id(case.feedback)
    assert set(window.values_list("rule__name", flat=True)) == {spec.name for spec in loop.RULES if spec.active}


def test_cases_in_every_state_and_closed_ones_have_root_cause_and_resolution(demo_loop, db):
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
    closed = Case.objects.filter(status=Status.CLOSED)
    assert closed.count() >= 10
    assert not closed.filter(root_cause="").exists() and not closed.filter(resolution="").exists()
    assert closed.filter(assignee__isnull=False).count() == closed.count()
    assert Case.objects.filter(events__kind=EventKind.HANDED_OVER).distinct().count() >= 5
    assert not CaseEvent.objects.filter(kind=EventKind.HANDED_OVER, note="").exists()


def test_overdue_and_escalated_open_cases_and_some_within_their_sla(demo_loop, db):
    now = timezone.now()
    open_cases = Case.objects.filter(status__in=OPEN_STATUSES)
    overdue = open_cases.filter(sla_due_at__lte=now)
    assert overdue.count() >= 10
    assert overdue.filter(escalated_at__isnull=False).count() >= 5
    fresh = Case.objects.filter(rule__isnull=True)  # opened by hand at load time: within their SLA
    assert 1 <= fresh.count() <= loop.FRESH_CASES
    assert set(open_cases.filter(sla_due_at__gt=now)) == set(fresh)
    for case in Case.objects.filter(escalated_at__isnull=False):
        escalation = case.events.get(kind=EventKind.ESCALATED)
        assert escalation.at == case.escalated_at > case.sla_due_at


def test_timelines_are_consistent_with_the_case(demo_loop, db):
    cutoff = loop._cutoff()
    for case in Case.objects.filter(rule__isnull=False).prefetch_related("events"):
        events = list(case.events.all())
        assert case.version == len(events)  # every change after creation counts, like the services
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert events[-1].at < cutoff and case.created_at == events[0].at and case.updated_at == events[-1].at
        assert events[-1].department_id == case.department_id
        assert (events[-1].kind == EventKind.CLOSED) == (case.status == Status.CLOSED)
        assert case.number == f"C-{events[0].at.year}-{case.pk:06d}"
    audits = AuditEntry.objects.filter(object_type="cases.case")
    assert audits.filter(action="create").count() == Case.objects.count()
    assert not audits.filter(at__gte=cutoff).exclude(object_id__in=_fresh_ids()).exists()


def _fresh_ids():
    return Case.objects.filter(rule__isnull=True).values_list("public_id", flat=True)


def test_the_seed_002_technician_story(demo_loop, db):
    case = Case.objects.get(feedback__external_id=loop.STORY_EXTERNAL_ID)
    assert case.feedback.kind == "complaint" and case.feedback.touchpoint.code == "TP-SHOP-02"
    assert "wusste der Techniker nichts von meinem Auftrag" in case.feedback.comment
    assert case.status == Status.CLOSED and case.root_cause == RootCause.PROCESS
    assert "Übergabe Vertrieb → Außendienst" in case.root_cause_detail
    assert case.department.code == "aussendienst" and case.assignee.username == "contributor"
    events = list(case.events.select_related("department", "from_department", "actor"))
    assert [e.kind for e in events] == [
        "created", "assigned", "commented", "commented", "handed_over", "assigned", "commented", "escalated",
        "commented", "closed",
    ]  # fmt: skip
    assert events[0].department.code == "vertrieb"
    handover = events[4]
    assert (handover.from_department.code, handover.department.code) == ("vertrieb", "aussendienst")
    assert handover.actor.username == "ambassador.vertrieb" and "Installationstermin" in handover.note
    assert local_day(events[0].at) == date(2026, 10, 20) and local_day(events[-1].at) == date(2026, 10, 22)
    assert case.feedback.insights.filter(title=TECHNICIAN).exists()


def test_the_case_inbox_and_the_story_page_show_the_demo_cases(demo_loop, db, client):
    from opencxm.accounts.models import User

    client.force_login(User.objects.get(username="ambassador.aussendienst"))
    inbox = client.get("/cases/?overdue=1")
    assert inbox.status_code == 200
    case = Case.objects.get(feedback__external_id=loop.STORY_EXTERNAL_ID)
    page = client.get(f"/cases/{case.public_id}/")
    assert page.status_code == 200
    assert "Installationstermin direkt mit der Kundin" in page.content.decode()


# -- idempotency ---------------------------------------------------------------------------------------------


def test_a_second_load_writes_nothing(demo_loop, db):
    counts = (Insight.objects.count(), Action.objects.count(), CaseRule.objects.count(), Case.objects.count())
    with CaptureQueriesContext(connection) as queries:
        lines = _load()
    assert [q["sql"] for q in queries if q["sql"].split(None, 1)[0].upper() in WRITES] == []
    assert not any(line.startswith("Closing the loop") for line in lines)
    assert (Insight.objects.count(), Action.objects.count(), CaseRule.objects.count(), Case.objects.count()) == counts


def test_another_feedback_scale_reopens_the_cases_and_relinks_the_evidence(db):
    _load(0.02)
    story = Case.objects.get(feedback__external_id=loop.STORY_EXTERNAL_ID)
    before = Case.objects.count()
    assert before > 1
    _load(0.03)  # the demo rows are replaced: their cases are removed first, then opened again
    assert Feedback.objects.filter(source__name=demo.SOURCES[demo.SURVEY][0]).count() == 1560
    assert Case.objects.filter(pk=story.pk).exists()  # the story's record is not a generated demo row
    assert Case.objects.count() > 1 and Insight.objects.count() == 19 and Action.objects.count() == 21
    technician = Insight.objects.get(title=TECHNICIAN)
    spec = next(spec for spec in loop.INSIGHTS if spec.title == TECHNICIAN)
    expected = set(loop._evidence(None, spec.evidence)) | {story.feedback}
    assert set(technician.feedback.all()) == expected and len(expected) > 1
