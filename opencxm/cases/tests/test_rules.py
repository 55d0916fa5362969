"""Case rules: each trigger and filter, routing to the touchpoint's owner, the SLA due time, and never two
cases for one feedback record (imported again, edited, applied twice)."""

from datetime import UTC, datetime, timedelta

import pytest

from opencxm.cases import services
from opencxm.cases.models import Case, CaseEvent
from opencxm.core.models import AuditEntry
from opencxm.feedback import services as feedback_services
from opencxm.feedback.models import Feedback
from tests import factories as f
from tests.factories_cases import CaseRuleFactory, CustomerFactory, DataSourceFactory, FeedbackFactory

WHEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def opened(*feedback) -> set:
    services.cases_from_feedback(feedback_ids=[item.pk for item in feedback])
    return set(Case.objects.values_list("feedback__external_id", flat=True))


@pytest.fixture
def source(world):
    return DataSourceFactory(name="Umfrage", owner_department=world.other)


def test_nps_rule_opens_cases_for_detractors_at_or_below_the_threshold(world, source):
    CaseRuleFactory(trigger="nps_max", threshold=6)
    rows = [FeedbackFactory(source=source, touchpoint=world.touchpoint, external_id=str(n), nps=n) for n in (0, 6, 7)]
    rows.append(FeedbackFactory(source=source, touchpoint=world.touchpoint, external_id="none", nps=None, csat=1))
    assert opened(*rows) == {"0", "6"}


def test_default_thresholds_are_nps_6_and_csat_2(world, source):
    CaseRuleFactory(trigger="csat_max", threshold=None)
    rows = [FeedbackFactory(source=source, touchpoint=world.touchpoint, external_id=str(n), nps=None, csat=n)
            for n in (1, 2, 3)]  # fmt: skip
    assert opened(*rows) == {"1", "2"}


def test_complaint_rule_opens_a_case_for_every_complaint(world, source):
    CaseRuleFactory(trigger="complaint", threshold=None)
    complaint = FeedbackFactory(source=source, touchpoint=world.touchpoint, kind="complaint", nps=None)
    response = FeedbackFactory(source=source, touchpoint=world.touchpoint, kind="response", nps=0)
    assert opened(complaint, response) == {complaint.external_id}


def test_inactive_rules_open_nothing(world, source):
    CaseRuleFactory(active=False)
    assert opened(FeedbackFactory(source=source, touchpoint=world.touchpoint, nps=0)) == set()


def test_source_filter(world, source):
    other_source = DataSourceFactory(name="Beschwerden")
    CaseRuleFactory().sources.set([other_source])
    inside = FeedbackFactory(source=other_source, touchpoint=world.touchpoint, external_id="in")
    outside = FeedbackFactory(source=source, touchpoint=world.touchpoint, external_id="out")
    assert opened(inside, outside) == {"in"}


def test_touchpoint_filter(world, source):
    CaseRuleFactory().touchpoints.set([world.other_touchpoint])
    inside = FeedbackFactory(source=source, touchpoint=world.other_touchpoint, external_id="in")
    outside = FeedbackFactory(source=source, touchpoint=world.touchpoint, external_id="out")
    assert opened(inside, outside) == {"in"}


def test_segment_filter_uses_the_record_or_the_customers_segment(world, source):
    business = f.SegmentFactory(code="business", name="Geschäftskunden")
    CaseRuleFactory().segments.set([business])
    direct = FeedbackFactory(source=source, touchpoint=world.touchpoint, external_id="direct", segment=business)
    customer = CustomerFactory(segment=business)
    via_customer = FeedbackFactory(source=source, touchpoint=world.touchpoint, external_id="cust", customer=customer)
    outside = FeedbackFactory(source=source, touchpoint=world.touchpoint, external_id="out", segment=world.segment)
    assert opened(direct, via_customer, outside) == {"direct", "cust"}


def test_the_most_urgent_matching_rule_wins(world, source):
    CaseRuleFactory(name="Normal", priority="normal", sla_hours=72)
    CaseRuleFactory(name="Dringend", priority="urgent", sla_hours=4, threshold=3)
    opened(FeedbackFactory(source=source, touchpoint=world.touchpoint, external_id="a", nps=2))
    opened(FeedbackFactory(source=source, touchpoint=world.touchpoint, external_id="b", nps=5))
    cases = {c.feedback.external_id: (c.rule.name, c.priority) for c in Case.objects.select_related("rule", "feedback")}
    assert cases == {"a": ("Dringend", "urgent"), "b": ("Normal", "normal")}


def test_case_goes_to_the_touchpoint_owner_with_the_rules_sla(world, source):
    CaseRuleFactory(sla_hours=24, priority="high")
    before = datetime.now(UTC)
    opened(FeedbackFactory(source=source, touchpoint=world.touchpoint, nps=1))
    case = Case.objects.get()
    assert case.department == world.own  # owner of the touchpoint, not of the source
    assert case.touchpoint == world.touchpoint and case.priority == "high" and case.status == "open"
    assert before + timedelta(hours=24) <= case.sla_due_at <= datetime.now(UTC) + timedelta(hours=24)
    assert case.number == f"C-{case.created_at.year}-{case.pk:06d}"
    assert list(CaseEvent.objects.values_list("kind", "department_id", "actor")) == [("created", world.own.pk, None)]
    assert AuditEntry.objects.filter(object_id=case.public_id, action="create").count() == 1


def test_without_a_touchpoint_the_source_owner_gets_the_case_and_without_owner_nobody(world, source):
    CaseRuleFactory()
    ownerless = DataSourceFactory(name="Ohne Eigentümer")
    routed = FeedbackFactory(source=source, touchpoint=None, external_id="routed")
    unrouted = FeedbackFactory(source=ownerless, touchpoint=None, external_id="unrouted")
    assert opened(routed, unrouted) == {"routed"}
    assert Case.objects.get().department == world.other


def test_applying_rules_twice_opens_one_case(world, source):
    CaseRuleFactory()
    feedback = FeedbackFactory(source=source, touchpoint=world.touchpoint)
    assert services.cases_from_feedback(feedback_ids=[feedback.pk]) == 1
    assert services.cases_from_feedback(feedback_ids=[feedback.pk, feedback.pk]) == 0
    assert Case.objects.count() == 1


def test_the_database_refuses_a_second_case_for_one_record(world, source):
    feedback = FeedbackFactory(source=source, touchpoint=world.touchpoint)
    services.case_create(actor=None, feedback=feedback)
    with pytest.raises(services.CaseExists):
        services.case_create(actor=None, feedback=Feedback.objects.get(pk=feedback.pk))
    assert Case.objects.count() == 1


def _record(external_id, **values):
    return {"external_id": external_id, "responded_at": WHEN, "touchpoint": "TP-OWN", **values}


def test_import_opens_cases_after_commit_and_reimport_or_edit_opens_no_second(
    world, source, immediate_tasks, django_capture_on_commit_callbacks
):
    CaseRuleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        feedback_services.feedback_upsert_batch(source=source, records=[_record("a", nps=2), _record("b", nps=9)])
    assert list(Case.objects.values_list("feedback__external_id", flat=True)) == ["a"]
    with django_capture_on_commit_callbacks(execute=True):  # imported again, unchanged
        feedback_services.feedback_upsert_batch(source=source, records=[_record("a", nps=2), _record("b", nps=9)])
    with django_capture_on_commit_callbacks(execute=True):  # edited: still a detractor, new comment
        feedback_services.feedback_upsert_batch(source=source, records=[_record("a", nps=1, comment="Immer noch")])
    with django_capture_on_commit_callbacks(execute=True):  # b edited into a detractor: its first case
        feedback_services.feedback_upsert_batch(source=source, records=[_record("b", nps=3)])
    assert sorted(Case.objects.values_list("feedback__external_id", flat=True)) == ["a", "b"]
    assert Case.objects.get(feedback__external_id="a").feedback.comment == "Immer noch"


def test_import_without_active_rules_queues_nothing(world, source, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        feedback_services.feedback_upsert_batch(source=source, records=[_record("a", nps=2)])
    queued = DBTaskResult.objects.filter(task_path="opencxm.cases.tasks.create_cases")
    assert queued.count() == 0
    CaseRuleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        feedback_services.feedback_upsert_batch(source=source, records=[_record("b", nps=2)])
    assert queued.count() == 1
    assert Case.objects.count() == 0  # queued for the worker
