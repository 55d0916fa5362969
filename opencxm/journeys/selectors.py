"""Reads for segments and journey maps. Every function runs a fixed number of queries."""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404

from opencxm.core.permissions import Access
from opencxm.journeys.choices import Emotion, JourneyKind
from opencxm.journeys.models import CustomerNeed, Journey, JourneyStep, Segment, Stage
from opencxm.touchpoints.choices import TouchpointStatus
from opencxm.touchpoints.models import Touchpoint

EMOJI = {-2: "😠", -1: "😟", 0: "😐", 1: "😊", 2: "😄"}  # U+1F600 block: also in DejaVu Sans


@dataclass(frozen=True)
class Handover:
    """Two consecutive steps whose touchpoints belong to different departments."""

    from_step: JourneyStep
    to_step: JourneyStep
    from_department: object
    to_department: object


@dataclass
class MapColumn:
    """One column of the map: a step, or an empty placeholder for a stage without steps."""

    stage: Stage
    step: JourneyStep | None
    first_in_stage: bool
    handover: Handover | None = None
    editable: bool = False
    can_move_left: bool = False
    can_move_right: bool = False

    @property
    def emoji(self) -> str:
        return EMOJI[self.step.emotion] if self.step else ""


@dataclass
class MapStage:
    stage: Stage
    steps: list
    span: int

    @property
    def average_emotion(self) -> float | None:
        values = [step.emotion for step in self.steps]
        return round(sum(values) / len(values), 2) if values else None


@dataclass
class JourneyMap:
    journey: Journey
    stages: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    steps: list = field(default_factory=list)
    handovers: list = field(default_factory=list)

    @property
    def chart(self) -> dict:
        """The spec charts.js draws: one point per column (None for empty stages)."""
        return {
            "type": "emotion",
            "labels": [column.step.touchpoint.name if column.step else column.stage.name for column in self.columns],
            "values": [column.step.emotion if column.step else None for column in self.columns],
            "stages": [column.stage.name for column in self.columns],
            "emotionLabels": {str(value): str(label) for value, label in Emotion.choices},
        }


# Segments -----------------------------------------------------------------------------------------


def segment_list():
    """All segments with their needs (prefetched) and the number of journeys."""
    return Segment.objects.annotate(journey_count=Count("journeys")).prefetch_related(
        Prefetch("needs", queryset=CustomerNeed.objects.order_by("position"))
    )


def segment_get(public_id) -> Segment:
    return get_object_or_404(segment_list().prefetch_related("preferred_channels"), public_id=public_id)


def segment_journeys(segment: Segment):
    return journey_list().filter(segment=segment)


# Journeys -----------------------------------------------------------------------------------------


def journey_list(*, segment: str | None = None, kind: str | None = None):
    """Journeys with stage and step counts, optionally filtered by segment public id or code, and kind."""
    journeys = Journey.objects.select_related("segment").annotate(
        stage_count=Count("stages", distinct=True), step_count=Count("stages__steps")
    )
    if segment:
        journeys = journeys.filter(_segment_filter(segment))
    if kind:
        journeys = journeys.filter(kind=kind)
    return journeys.order_by("segment__name", "kind", "name")


def _segment_filter(value: str) -> Q:
    try:
        return Q(segment__public_id=uuid.UUID(str(value)))
    except ValueError:
        return Q(segment__code=value)


def compare_pairs() -> dict:
    """segment id -> (first current journey public id, first target journey public id), where both exist."""
    found = defaultdict(dict)
    for segment_id, kind, public_id in Journey.objects.order_by("name").values_list("segment_id", "kind", "public_id"):
        found[segment_id].setdefault(kind, public_id)
    return {
        segment_id: (kinds[JourneyKind.CURRENT], kinds[JourneyKind.TARGET])
        for segment_id, kinds in found.items()
        if len(kinds) == 2
    }


def with_compare_pairs(journeys) -> list:
    """The journeys as a list, each with `compare_pair` (current id, target id) when its segment has both."""
    pairs = compare_pairs()
    journeys = list(journeys)
    for journey in journeys:
        journey.compare_pair = pairs.get(journey.segment_id)
    return journeys


def journey_get(public_id) -> Journey:
    return get_object_or_404(Journey.objects.select_related("segment"), public_id=public_id)


def journey_counterpart(journey: Journey) -> Journey | None:
    """The first journey of the same segment with the other kind (Ist for Soll and vice versa)."""
    other = JourneyKind.TARGET if journey.kind == JourneyKind.CURRENT else JourneyKind.CURRENT
    return Journey.objects.filter(segment_id=journey.segment_id, kind=other).order_by("name").first()


def stage_get(public_id) -> Stage:
    return get_object_or_404(Stage.objects.select_related("journey__segment"), public_id=public_id)


def step_get(public_id) -> JourneyStep:
    return get_object_or_404(
        JourneyStep.objects.select_related("stage__journey__segment", "touchpoint__owner_department"),
        public_id=public_id,
    )


def journey_steps(journey: Journey) -> list:
    """All steps of the journey in map order (stage position, then step position)."""
    return list(
        JourneyStep.objects.filter(stage__journey=journey)
        .select_related("stage", "touchpoint__channel", "touchpoint__owner_department")
        .order_by("stage__position", "position")
    )


def handovers_between(steps: list) -> list:
    """Handovers along ordered steps: each pair of consecutive steps owned by different departments."""
    handovers = []
    for before, after in zip(steps, steps[1:], strict=False):
        if before.touchpoint.owner_department_id != after.touchpoint.owner_department_id:
            handovers.append(
                Handover(before, after, before.touchpoint.owner_department, after.touchpoint.owner_department)
            )
    return handovers


def journey_handovers(journey: Journey) -> list:
    """Handovers of a journey, across stage borders too."""
    return handovers_between(journey_steps(journey))


def journey_map(journey: Journey, *, access: Access | None = None) -> JourneyMap:
    """The journey map as plain data: stages, one column per step, handovers. Three queries at most."""
    stages = list(journey.stages.order_by("position"))
    steps = journey_steps(journey)
    by_stage = defaultdict(list)
    for step in steps:
        by_stage[step.stage_id].append(step)
    result = JourneyMap(journey=journey, steps=steps, handovers=handovers_between(steps))
    for stage in stages:
        stage_steps = by_stage[stage.pk]
        result.stages.append(MapStage(stage, stage_steps, max(1, len(stage_steps))))
        result.columns.extend(_columns(stage, stage_steps))
    _mark(result, access)
    return result


def _columns(stage, steps) -> list:
    if not steps:
        return [MapColumn(stage=stage, step=None, first_in_stage=True)]
    return [MapColumn(stage=stage, step=step, first_in_stage=index == 0) for index, step in enumerate(steps)]


def _mark(result: JourneyMap, access: Access | None) -> None:
    into = {handover.to_step.pk: handover for handover in result.handovers}
    last = len(result.steps) - 1
    index = {step.pk: position for position, step in enumerate(result.steps)}
    for column in result.columns:
        if column.step is None:
            continue
        column.handover = into.get(column.step.pk)
        column.editable = bool(access and access.can_edit_department(column.step.touchpoint.owner_department_id))
        column.can_move_left = _can_shift(result, column, index[column.step.pk] > 0, "left")
        column.can_move_right = _can_shift(result, column, index[column.step.pk] < last, "right")


def _can_shift(result, column, has_step_beyond: bool, direction: str) -> bool:
    """A step can move while a step or a neighbouring stage lies in that direction."""
    stages = [entry.stage.pk for entry in result.stages]
    position = stages.index(column.stage.pk)
    neighbour = position - 1 >= 0 if direction == "left" else position + 1 < len(stages)
    return has_step_beyond or neighbour


def touchpoint_choices(access: Access, *, include=None):
    """Touchpoints a user may place in a step: all (editors) or their department's (ambassadors)."""
    touchpoints = Touchpoint.objects.exclude(status=TouchpointStatus.RETIRED)
    if not access.can_edit_all:
        touchpoints = touchpoints.filter(owner_department_id__in=access.ambassador_of)
    if include is not None:
        touchpoints = touchpoints | Touchpoint.objects.filter(pk=include.pk)
    return touchpoints.order_by("code")


def touchpoint_by_public_id(value) -> Touchpoint | None:
    try:
        return Touchpoint.objects.filter(public_id=uuid.UUID(str(value))).first()
    except ValueError:
        return None


# Compare ------------------------------------------------------------------------------------------


@dataclass
class EmotionRow:
    stage: str
    current: float | None
    target: float | None

    @property
    def delta(self) -> float | None:
        if self.current is None or self.target is None:
            return None
        return round(self.target - self.current, 2)


def journey_compare(current: Journey, target: Journey) -> dict:
    """Ist and Soll side by side: both maps, stages and touchpoints only in one or in both, emotion per stage."""
    maps = {"current": journey_map(current), "target": journey_map(target)}
    stages = {key: [entry.stage.name for entry in value.stages] for key, value in maps.items()}
    touchpoints = {key: _unique([step.touchpoint for step in value.steps]) for key, value in maps.items()}
    return {
        "current_map": maps["current"],
        "target_map": maps["target"],
        "stages": _split(stages["current"], stages["target"], key=str.casefold),
        "touchpoints": _split(touchpoints["current"], touchpoints["target"], key=lambda tp: tp.pk),
        "emotion_rows": _emotion_rows(maps["current"], maps["target"]),
    }


def _unique(items: list) -> list:
    seen, result = set(), []
    for item in items:
        if item.pk not in seen:
            seen.add(item.pk)
            result.append(item)
    return result


def _split(current: list, target: list, *, key) -> dict:
    current_keys, target_keys = {key(item) for item in current}, {key(item) for item in target}
    return {
        "only_current": [item for item in current if key(item) not in target_keys],
        "only_target": [item for item in target if key(item) not in current_keys],
        "both": [item for item in current if key(item) in target_keys],
    }


def _stage_averages(journey_map_: JourneyMap) -> dict:
    return {entry.stage.name.casefold(): (entry.stage.name, entry.average_emotion) for entry in journey_map_.stages}


def _emotion_rows(current: JourneyMap, target: JourneyMap) -> list:
    ist, soll = _stage_averages(current), _stage_averages(target)
    order = list(ist) + [name for name in soll if name not in ist]
    return [
        EmotionRow(
            stage=(ist.get(name) or soll.get(name))[0],
            current=ist[name][1] if name in ist else None,
            target=soll[name][1] if name in soll else None,
        )
        for name in order
    ]
