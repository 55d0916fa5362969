"""Writes for segments and journey maps. Each service runs in one transaction and records an audit entry.

Positions of stages (within a journey) and steps (within a stage) are kept dense: 1..n after every write.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from opencxm.core.audit import audit_record, diff, snapshot
from opencxm.journeys.models import CustomerNeed, Journey, JourneyStep, Segment, Stage

SEGMENT_FIELDS = ["code", "name", "description", "decision_drivers", "is_target"]
JOURNEY_FIELDS = ["name", "segment", "kind", "description"]
STAGE_FIELDS = ["name", "description", "position"]
STEP_FIELDS = [
    "stage",
    "position",
    "touchpoint",
    "customer_action",
    "customer_thoughts",
    "emotion",
    "target_score",
    "pain_points",
]


# Segments -----------------------------------------------------------------------------------------


def _segment_state(segment: Segment) -> dict:
    state = snapshot(segment, SEGMENT_FIELDS)
    state["needs"] = list(segment.needs.order_by("position").values_list("text", flat=True))
    state["preferred_channels"] = sorted(segment.preferred_channels.values_list("code", flat=True))
    return state


def _clean_lines(lines) -> list:
    return [line.strip() for line in lines or [] if line and line.strip()]


def _set_needs(segment: Segment, needs: list) -> None:
    segment.needs.all().delete()
    CustomerNeed.objects.bulk_create(
        CustomerNeed(segment=segment, position=rank, text=text[:300]) for rank, text in enumerate(needs, start=1)
    )


@transaction.atomic
def segment_create(
    *, actor, code, name, description="", needs=(), decision_drivers=(), preferred_channels=(), is_target=False
) -> Segment:
    """Create a segment with its needs (rank order) and preferred channels."""
    segment = Segment.objects.create(
        code=code,
        name=name,
        description=description,
        decision_drivers=_clean_lines(decision_drivers),
        is_target=is_target,
    )
    _set_needs(segment, _clean_lines(needs))
    segment.preferred_channels.set(preferred_channels)
    audit_record(actor=actor, action="create", instance=segment, changes=_segment_state(segment))
    return segment


@transaction.atomic
def segment_update(*, actor, segment: Segment, needs=None, preferred_channels=None, **fields) -> Segment:
    """Change a segment; `needs` (rank order) and `preferred_channels` replace the old ones when given."""
    before = _segment_state(segment)
    if "decision_drivers" in fields:
        fields["decision_drivers"] = _clean_lines(fields["decision_drivers"])
    for name, value in fields.items():
        setattr(segment, name, value)
    segment.save()
    if needs is not None:
        _set_needs(segment, _clean_lines(needs))
    if preferred_channels is not None:
        segment.preferred_channels.set(preferred_channels)
    audit_record(actor=actor, action="update", instance=segment, changes=diff(before, _segment_state(segment)))
    return segment


@transaction.atomic
def segment_delete(*, actor, segment: Segment) -> None:
    """Delete a segment. Refused (ValidationError) while journeys belong to it."""
    if segment.journeys.exists():
        raise ValidationError(_("This segment still has journeys. Delete or move them first."), code="in_use")
    audit_record(actor=actor, action="delete", instance=segment, changes=_segment_state(segment))
    segment.delete()


# Journeys -----------------------------------------------------------------------------------------


@transaction.atomic
def journey_create(*, actor, name, segment, kind, description="") -> Journey:
    """Create an empty journey for a segment."""
    journey = Journey.objects.create(name=name, segment=segment, kind=kind, description=description)
    audit_record(actor=actor, action="create", instance=journey, changes=snapshot(journey, JOURNEY_FIELDS))
    return journey


@transaction.atomic
def journey_update(*, actor, journey: Journey, **fields) -> Journey:
    """Change name, segment, kind or description of a journey."""
    before = snapshot(journey, JOURNEY_FIELDS)
    for name, value in fields.items():
        setattr(journey, name, value)
    journey.save()
    audit_record(
        actor=actor, action="update", instance=journey, changes=diff(before, snapshot(journey, JOURNEY_FIELDS))
    )
    return journey


@transaction.atomic
def journey_delete(*, actor, journey: Journey) -> None:
    """Delete a journey with its stages and steps."""
    audit_record(actor=actor, action="delete", instance=journey, changes=snapshot(journey, JOURNEY_FIELDS))
    journey.delete()


# Stages -------------------------------------------------------------------------------------------


def _renumber(items: list, model) -> None:
    """Give items the positions 1..n in list order (one UPDATE per changed row, done in bulk)."""
    changed = []
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position
            changed.append(item)
    model.objects.bulk_update(changed, ["position"])


def _stages_of(journey: Journey) -> list:
    return list(Stage.objects.select_for_update().filter(journey=journey).order_by("position", "id"))


@transaction.atomic
def stage_create(*, actor, journey: Journey, name, description="", position=None) -> Stage:
    """Add a stage at `position` (1-based; default: at the end)."""
    stages = _stages_of(journey)
    stage = Stage.objects.create(journey=journey, name=name, description=description, position=len(stages) + 1)
    _place(stages, stage, position)
    _renumber(stages, Stage)
    audit_record(actor=actor, action="create", instance=stage, changes=snapshot(stage, STAGE_FIELDS))
    return stage


def _place(items: list, item, position) -> None:
    index = len(items) if position is None else max(0, min(int(position) - 1, len(items)))
    items.insert(index, item)


@transaction.atomic
def stage_update(*, actor, stage: Stage, **fields) -> Stage:
    """Rename or describe a stage."""
    before = snapshot(stage, STAGE_FIELDS)
    for name, value in fields.items():
        setattr(stage, name, value)
    stage.save()
    audit_record(actor=actor, action="update", instance=stage, changes=diff(before, snapshot(stage, STAGE_FIELDS)))
    return stage


@transaction.atomic
def stage_move(*, actor, stage: Stage, position: int) -> Stage:
    """Move a stage to `position` (clamped to 1..n); the others close up."""
    before = snapshot(stage, STAGE_FIELDS)
    stages = [item for item in _stages_of(stage.journey) if item.pk != stage.pk]
    _place(stages, stage, position)
    _renumber(stages, Stage)
    audit_record(actor=actor, action="update", instance=stage, changes=diff(before, snapshot(stage, STAGE_FIELDS)))
    return stage


def stage_shift(*, actor, stage: Stage, direction: str) -> Stage:
    """Move a stage one place left or right."""
    return stage_move(actor=actor, stage=stage, position=stage.position + (-1 if direction == "left" else 1))


@transaction.atomic
def stage_delete(*, actor, stage: Stage) -> None:
    """Delete a stage with its steps; the following stages close up."""
    journey = stage.journey
    audit_record(actor=actor, action="delete", instance=stage, changes=snapshot(stage, STAGE_FIELDS))
    stage.delete()
    _renumber(_stages_of(journey), Stage)


# Steps --------------------------------------------------------------------------------------------


def _steps_of(stage: Stage) -> list:
    return list(JourneyStep.objects.select_for_update().filter(stage=stage).order_by("position", "id"))


def _step_state(step: JourneyStep) -> dict:
    state = snapshot(step, STEP_FIELDS)
    state["touchpoint"] = step.touchpoint.code
    return state


@transaction.atomic
def step_create(*, actor, stage: Stage, touchpoint, position=None, **fields) -> JourneyStep:
    """Add a step (a touchpoint with customer action, thoughts, emotion, target score, pain points) to a stage."""
    steps = _steps_of(stage)
    step = JourneyStep(stage=stage, touchpoint=touchpoint, position=len(steps) + 1, **fields)
    step.full_clean(exclude=["stage", "touchpoint"], validate_unique=False)
    step.save()
    _place(steps, step, position)
    _renumber(steps, JourneyStep)
    audit_record(actor=actor, action="create", instance=step, changes=_step_state(step))
    return step


@transaction.atomic
def step_update(*, actor, step: JourneyStep, **fields) -> JourneyStep:
    """Change a step's touchpoint or texts, emotion, target score."""
    before = _step_state(step)
    for name, value in fields.items():
        setattr(step, name, value)
    step.full_clean(exclude=["stage", "touchpoint"], validate_unique=False)
    step.save()
    audit_record(actor=actor, action="update", instance=step, changes=diff(before, _step_state(step)))
    return step


@transaction.atomic
def step_move(*, actor, step: JourneyStep, stage: Stage, position: int) -> JourneyStep:
    """Move a step to `position` in `stage` (same journey); both stages are renumbered densely."""
    if stage.journey_id != step.stage.journey_id:
        raise ValidationError(_("A step can only move within its journey."), code="other_journey")
    before = _step_state(step)
    old_stage = step.stage
    step.stage = stage
    step.save(update_fields=["stage"])
    if old_stage.pk != stage.pk:
        _renumber(_steps_of(old_stage), JourneyStep)
    steps = [item for item in _steps_of(stage) if item.pk != step.pk]
    _place(steps, step, position)
    _renumber(steps, JourneyStep)
    audit_record(actor=actor, action="update", instance=step, changes=diff(before, _step_state(step)))
    return step


def step_shift(*, actor, step: JourneyStep, direction: str) -> JourneyStep:
    """Move a step one place left or right; at the edge of its stage it moves into the neighbouring stage."""
    target = _shift_target(step, direction)
    if target is None:
        return step
    return step_move(actor=actor, step=step, stage=target[0], position=target[1])


def _shift_target(step: JourneyStep, direction: str):
    count = JourneyStep.objects.filter(stage=step.stage).count()
    if direction == "left" and step.position > 1:
        return step.stage, step.position - 1
    if direction == "right" and step.position < count:
        return step.stage, step.position + 1
    stages = Stage.objects.filter(journey_id=step.stage.journey_id)
    if direction == "left":
        neighbour = stages.filter(position__lt=step.stage.position).order_by("-position").first()
        return (neighbour, neighbour.steps.count() + 1) if neighbour else None
    neighbour = stages.filter(position__gt=step.stage.position).order_by("position").first()
    return (neighbour, 1) if neighbour else None


@transaction.atomic
def step_delete(*, actor, step: JourneyStep) -> None:
    """Delete a step; the following steps of its stage close up."""
    stage = step.stage
    audit_record(actor=actor, action="delete", instance=step, changes=_step_state(step))
    step.delete()
    _renumber(_steps_of(stage), JourneyStep)
