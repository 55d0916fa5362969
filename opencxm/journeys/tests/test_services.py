import pytest
from django.core.exceptions import ValidationError

from opencxm.core.models import AuditEntry
from opencxm.journeys import services
from opencxm.journeys.models import JourneyStep, Segment, Stage
from opencxm.journeys.tests.helpers import build_journey
from tests import factories as f


@pytest.fixture
def actor(db):
    return f.UserFactory()


def _stages(journey):
    return list(journey.stages.order_by("position").values_list("name", "position"))


def _steps(stage):
    return list(stage.steps.order_by("position").values_list("touchpoint__name", "position"))


def test_segment_create_keeps_needs_in_rank_order_and_audits(actor):
    channel = f.ChannelFactory(code="web")
    segment = services.segment_create(
        actor=actor,
        code="privat",
        name="Privatkunden",
        needs=["Erreichbarkeit", " ", "Transparente Rechnung"],
        decision_drivers=["Preis", ""],
        preferred_channels=[channel],
        is_target=True,
    )

    assert list(segment.needs.values_list("position", "text")) == [(1, "Erreichbarkeit"), (2, "Transparente Rechnung")]
    assert segment.decision_drivers == ["Preis"]
    entry = AuditEntry.objects.get(object_id=segment.public_id)
    assert entry.action == "create"
    assert entry.changes["needs"] == ["Erreichbarkeit", "Transparente Rechnung"]
    assert entry.changes["preferred_channels"] == ["web"]


def test_segment_update_replaces_needs_and_records_diff(actor):
    segment = f.SegmentFactory(name="Alt")
    f.CustomerNeedFactory(segment=segment, position=1, text="A")

    services.segment_update(actor=actor, segment=segment, name="Neu", needs=["B", "A"])

    assert list(segment.needs.values_list("text", flat=True)) == ["B", "A"]
    entry = AuditEntry.objects.get(object_id=segment.public_id, action="update")
    assert entry.changes == {"name": ["Alt", "Neu"], "needs": [["A"], ["B", "A"]]}


def test_segment_delete_refused_while_journeys_exist(actor):
    segment = f.SegmentFactory()
    f.JourneyFactory(segment=segment)

    with pytest.raises(ValidationError):
        services.segment_delete(actor=actor, segment=segment)
    assert Segment.objects.filter(pk=segment.pk).exists()


def test_stage_create_at_position_renumbers(actor):
    journey = build_journey([[], []])

    services.stage_create(actor=actor, journey=journey, name="Neu", position=1)
    services.stage_create(actor=actor, journey=journey, name="Ende")

    assert _stages(journey) == [("Neu", 1), ("Phase 1", 2), ("Phase 2", 3), ("Ende", 4)]


def test_stage_move_and_shift_keep_positions_dense(actor):
    journey = build_journey([[], [], []])
    third = journey.stages.get(position=3)

    services.stage_move(actor=actor, stage=third, position=1)
    assert _stages(journey) == [("Phase 3", 1), ("Phase 1", 2), ("Phase 2", 3)]

    services.stage_shift(actor=actor, stage=Stage.objects.get(pk=third.pk), direction="right")
    assert _stages(journey) == [("Phase 1", 1), ("Phase 3", 2), ("Phase 2", 3)]

    services.stage_move(actor=actor, stage=Stage.objects.get(pk=third.pk), position=99)
    assert _stages(journey) == [("Phase 1", 1), ("Phase 2", 2), ("Phase 3", 3)]
    assert AuditEntry.objects.filter(object_id=third.public_id, action="update").count() == 3


def test_stage_delete_removes_its_steps_and_renumbers(actor):
    department = f.DepartmentFactory()
    journey = build_journey([[department], [department, department], [department]])

    services.stage_delete(actor=actor, stage=journey.stages.get(position=2))

    assert _stages(journey) == [("Phase 1", 1), ("Phase 3", 2)]
    assert JourneyStep.objects.filter(stage__journey=journey).count() == 2
    assert AuditEntry.objects.filter(action="delete", object_type="journeys.stage").count() == 1


def test_step_create_at_position_and_delete_renumber(actor):
    department = f.DepartmentFactory()
    journey = build_journey([[department, department]])
    stage = journey.stages.get()
    touchpoint = f.TouchpointFactory(name="Neu")

    step = services.step_create(actor=actor, stage=stage, touchpoint=touchpoint, position=2, emotion=-2)
    assert _steps(stage) == [("TP 1.1", 1), ("Neu", 2), ("TP 1.2", 3)]

    services.step_delete(actor=actor, step=stage.steps.get(position=1))
    assert _steps(stage) == [("Neu", 1), ("TP 1.2", 2)]
    assert AuditEntry.objects.get(object_id=step.public_id, action="create").changes["touchpoint"] == touchpoint.code


def test_step_create_rejects_emotion_out_of_range(actor):
    stage = f.StageFactory()
    with pytest.raises(ValidationError):
        services.step_create(actor=actor, stage=stage, touchpoint=f.TouchpointFactory(), emotion=3)
    assert stage.steps.count() == 0


def test_step_shift_moves_within_stage_then_into_neighbouring_stage(actor):
    department = f.DepartmentFactory()
    journey = build_journey([[department], [department, department]])
    first, second = journey.stages.order_by("position")
    step = second.steps.get(position=2)  # TP 2.2

    services.step_shift(actor=actor, step=step, direction="left")
    assert _steps(second) == [("TP 2.2", 1), ("TP 2.1", 2)]

    services.step_shift(actor=actor, step=JourneyStep.objects.get(pk=step.pk), direction="left")
    assert _steps(first) == [("TP 1.1", 1), ("TP 2.2", 2)]
    assert _steps(second) == [("TP 2.1", 1)]

    services.step_shift(actor=actor, step=JourneyStep.objects.get(pk=step.pk), direction="right")
    assert _steps(first) == [("TP 1.1", 1)]
    assert _steps(second) == [("TP 2.2", 1), ("TP 2.1", 2)]


def test_step_shift_at_the_ends_of_the_journey_changes_nothing(actor):
    department = f.DepartmentFactory()
    journey = build_journey([[department, department]])
    stage = journey.stages.get()

    services.step_shift(actor=actor, step=stage.steps.get(position=1), direction="left")
    services.step_shift(actor=actor, step=stage.steps.get(position=2), direction="right")

    assert _steps(stage) == [("TP 1.1", 1), ("TP 1.2", 2)]
    assert AuditEntry.objects.count() == 0


def test_step_move_refuses_another_journey(actor):
    department = f.DepartmentFactory()
    step = build_journey([[department]]).stages.get().steps.get()

    with pytest.raises(ValidationError):
        services.step_move(actor=actor, step=step, stage=f.StageFactory(), position=1)
