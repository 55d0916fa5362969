import pytest

from opencxm.core.models import AuditEntry
from opencxm.insights import services
from opencxm.insights.models import Action, Insight
from tests import factories as f
from tests.factories_insights import ActionFactory, InsightFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(world):
    return world.users["cx_team"]


def test_insight_create_links_relations_writes_event_and_audit(world, lead):
    insight = services.insight_create(
        actor=lead,
        data={"kind": "pain_point", "title": "Warteschleife", "owner_department": world.own, "impact": 5, "effort": 2},
        relations={"touchpoints": [world.touchpoint], "steps": [world.step], "segments": [world.segment]},
    )
    assert insight.status == "new" and insight.created_by == lead and insight.priority == 2.5
    assert list(insight.touchpoints.all()) == [world.touchpoint]
    assert list(insight.events.values_list("type", flat=True)) == ["created"]
    entry = AuditEntry.objects.get(object_id=insight.public_id)
    assert entry.action == "create" and entry.changes["touchpoints"] == [str(world.touchpoint.public_id)]


def test_insight_update_records_changed_fields_and_added_evidence(world, lead):
    from opencxm.analytics.tests.cockpit_data import at, make_feedback, store
    from opencxm.feedback.models import DataSource

    source = DataSource.objects.create(name="Umfrage")
    [record] = store([make_feedback(source, at("2026-01-15"), world.touchpoint, nps=2, comment="zu lange")])
    insight = InsightFactory(owner_department=world.own)
    services.insight_update(
        actor=lead, insight=insight, data={"title": "Neu", "impact": 4}, relations={"feedback": [record]}
    )
    insight.refresh_from_db()
    assert (insight.title, insight.impact) == ("Neu", 4)
    types = list(insight.events.values_list("type", "parameters"))
    assert types == [
        ("updated", {"fields": ["feedback", "impact", "title"]}),
        ("evidence_added", {"feedback": [str(record.public_id)]}),
    ]


def test_insight_update_without_change_writes_nothing(world, lead):
    insight = InsightFactory(owner_department=world.own, title="Gleich")
    services.insight_update(actor=lead, insight=insight, data={"title": "Gleich"})
    assert insight.events.count() == 0
    assert AuditEntry.objects.filter(object_id=insight.public_id).count() == 0


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        ("new", "in_progress", True),
        ("new", "rejected", True),
        ("new", "done", False),
        ("new", "validated", False),  # only through insight_validate
        ("validated", "in_progress", True),
        ("in_progress", "done", True),
        ("in_progress", "new", False),
        ("done", "in_progress", False),
        ("rejected", "new", True),
        ("rejected", "done", False),
    ],
)
def test_insight_transitions(world, lead, old, new, allowed):
    insight = InsightFactory(owner_department=world.own, status=old)
    if allowed:
        services.insight_transition(actor=lead, insight=insight, status=new, note="ok")
        insight.refresh_from_db()
        assert insight.status == new
        event = insight.events.get()
        assert (event.type, event.parameters) == ("status_changed", {"from": old, "to": new, "note": "ok"})
    else:
        with pytest.raises(services.TransitionError):
            services.insight_transition(actor=lead, insight=insight, status=new)
        insight.refresh_from_db()
        assert insight.status == old and insight.events.count() == 0


def test_concurrent_transition_from_the_same_state_only_one_wins(world, lead):
    insight = InsightFactory(owner_department=world.own, status="new")
    stale = Insight.objects.get(pk=insight.pk)  # a second request that loaded the insight at the same time
    services.insight_transition(actor=lead, insight=insight, status="rejected")
    with pytest.raises(services.TransitionError):
        services.insight_transition(actor=lead, insight=stale, status="in_progress")
    insight.refresh_from_db()
    assert insight.status == "rejected"
    assert list(insight.events.values_list("parameters__to", flat=True)) == ["rejected"]


def test_validate_records_method_note_and_who(world, lead):
    insight = InsightFactory(owner_department=world.own)
    services.insight_validate(actor=lead, insight=insight, method="focus_customers", note="6 Interviews")
    insight.refresh_from_db()
    assert (insight.status, insight.validation_method, insight.validation_note) == (
        "validated", "focus_customers", "6 Interviews",
    )  # fmt: skip
    assert insight.validated_by == lead and insight.validated_at is not None
    assert insight.events.get().type == "validated"


def test_validate_needs_a_method_and_a_new_insight(world, lead):
    insight = InsightFactory(owner_department=world.own)
    with pytest.raises(services.TransitionError):
        services.insight_validate(actor=lead, insight=insight, method="none", note="")
    done = InsightFactory(owner_department=world.own, status="done")
    with pytest.raises(services.TransitionError):
        services.insight_validate(actor=lead, insight=done, method="data", note="")
    assert Insight.objects.filter(validation_method="none").count() == 2


def test_action_create_writes_events_on_action_and_insight(world, lead):
    insight = InsightFactory(owner_department=world.own)
    action = services.action_create(
        actor=lead,
        insight=insight,
        data={"track": "playbook", "category": "communication", "title": "SMS bei Störung",
              "owner_department": world.own, "metric": "nps", "expected_change": 5.0,
              "references": [{"label": "Projekt", "url": "https://example.com"}]},
        touchpoints=[world.touchpoint],
    )  # fmt: skip
    assert action.status == "planned" and list(action.touchpoints.all()) == [world.touchpoint]
    assert list(action.events.values_list("type", flat=True)) == ["created"]
    assert insight.events.get().parameters == {"action": str(action.public_id), "title": "SMS bei Störung"}


def test_action_create_rejects_unknown_category(world, lead):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.action_create(
            actor=lead, insight=InsightFactory(owner_department=world.own),
            data={"track": "roadmap", "category": "bogus", "title": "x", "owner_department": world.own},
        )  # fmt: skip
    assert Action.objects.count() == 0


def test_action_done_sets_done_at_and_reopening_clears_it(world, lead):
    action = ActionFactory(insight=InsightFactory(owner_department=world.own), status="in_progress")
    services.action_transition(actor=lead, action=action, status="done")
    action.refresh_from_db()
    assert action.status == "done" and action.done_at is not None
    services.action_transition(actor=lead, action=action, status="in_progress")
    action.refresh_from_db()
    assert action.status == "in_progress" and action.done_at is None
    assert [p["to"] for p in action.events.values_list("parameters", flat=True)] == ["done", "in_progress"]


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        ("planned", "in_progress", True),
        ("planned", "done", True),
        ("planned", "cancelled", True),
        ("in_progress", "planned", False),
        ("done", "cancelled", False),
        ("cancelled", "planned", True),
        ("cancelled", "done", False),
    ],
)
def test_action_transitions(world, lead, old, new, allowed):
    action = ActionFactory(insight=InsightFactory(owner_department=world.own), status=old)
    if allowed:
        services.action_transition(actor=lead, action=action, status=new)
        action.refresh_from_db()
        assert action.status == new and action.events.count() == 1
    else:
        with pytest.raises(services.TransitionError):
            services.action_transition(actor=lead, action=action, status=new)
        action.refresh_from_db()
        assert action.status == old and action.events.count() == 0


def test_concurrent_action_transition_only_one_wins(world, lead):
    action = ActionFactory(insight=InsightFactory(owner_department=world.own), status="in_progress")
    stale = Action.objects.get(pk=action.pk)
    services.action_transition(actor=lead, action=action, status="done")
    with pytest.raises(services.TransitionError):
        services.action_transition(actor=lead, action=stale, status="cancelled")
    action.refresh_from_db()
    assert action.status == "done" and action.events.count() == 1


def test_insight_and_action_factories_make_valid_objects():
    department = f.DepartmentFactory()
    action = ActionFactory(insight=InsightFactory(owner_department=department))
    action.full_clean()
    assert action.owner_department == department
