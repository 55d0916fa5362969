"""API shapes for segments and journeys. Related objects are referenced by code (segment, channel, touchpoint)."""

from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Field, Schema


class SegmentIn(Schema):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    needs: list[str] = Field(default_factory=list, description="Needs in rank order, the most important first.")
    decision_drivers: list[str] = Field(default_factory=list)
    preferred_channels: list[str] = Field(default_factory=list, description="Channel codes.")
    is_target: bool = False


class SegmentOut(Schema):
    public_id: UUID
    code: str
    name: str
    description: str
    needs: list[str]
    decision_drivers: list[str]
    preferred_channels: list[str]
    is_target: bool

    @staticmethod
    def resolve_needs(obj):
        return [need.text for need in obj.needs.all()]

    @staticmethod
    def resolve_preferred_channels(obj):
        return [channel.code for channel in obj.preferred_channels.all()]


class JourneyIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    segment: str = Field(description="Segment code.")
    kind: Literal["current", "target"] = "current"
    description: str = ""


class JourneyOut(Schema):
    public_id: UUID
    name: str
    segment: str
    kind: str
    description: str
    stage_count: int = 0
    step_count: int = 0

    @staticmethod
    def resolve_segment(obj):
        segment = obj["segment"] if isinstance(obj, dict) else obj.segment
        return segment if isinstance(segment, str) else segment.code


class StageIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    position: int | None = Field(default=None, ge=1, description="1-based; default: at the end (create) or unchanged.")


class StepIn(Schema):
    touchpoint: str = Field(description="Touchpoint code.")
    customer_action: str = ""
    customer_thoughts: str = ""
    emotion: int = Field(default=0, ge=-2, le=2)
    target_score: Decimal | None = Field(default=None, max_digits=6, decimal_places=2)
    pain_points: str = ""
    position: int | None = Field(default=None, ge=1, description="1-based within the stage.")


class StepOut(Schema):
    public_id: UUID
    position: int
    touchpoint: str
    touchpoint_name: str
    owner_department: str
    customer_action: str
    customer_thoughts: str
    emotion: int
    target_score: Decimal | None
    pain_points: str

    @staticmethod
    def resolve_touchpoint(obj):
        return obj.touchpoint.code

    @staticmethod
    def resolve_touchpoint_name(obj):
        return obj.touchpoint.name

    @staticmethod
    def resolve_owner_department(obj):
        return obj.touchpoint.owner_department.code


class StageOut(Schema):
    public_id: UUID
    position: int
    name: str
    description: str


class StageWithStepsOut(StageOut):
    steps: list[StepOut]


class HandoverOut(Schema):
    from_step: UUID
    to_step: UUID
    from_department: str
    to_department: str


class JourneyDetailOut(JourneyOut):
    stages: list[StageWithStepsOut]
    handovers: list[HandoverOut]


class ConformanceStepOut(Schema):
    step: UUID
    touchpoint: str = Field(description="Touchpoint code.")
    reached: int
    skipped: int = Field(description="Cases that reached a later step without this one.")
    left: int = Field(description="Cases whose last step reached was this one and that never reached the final step.")
    returned: int = Field(description="Cases that came back to this step after reaching a later one.")


class ConformancePlaceOut(Schema):
    step: UUID | None = Field(
        description="The last designed step reached before the touchpoint; null: before the first."
    )
    cases: int


class ConformanceAddedOut(Schema):
    touchpoint: str
    name: str
    cases: int
    after: list[ConformancePlaceOut]


class ConformanceUnmappedOut(Schema):
    activity: str
    cases: int


class ConformanceOut(Schema):
    journey: UUID
    cases: int = Field(description="Cases the filters select.")
    relevant: int = Field(description="Of those, cases that touch at least one of the journey's touchpoints.")
    follows: int = Field(description="Relevant cases that follow the design: every step in order, nothing skipped, "
                                     "added or gone back to.")  # fmt: skip
    follows_share: float | None
    skipping: int
    adding: int
    returning: int
    left_early: int
    steps: list[ConformanceStepOut]
    added: list[ConformanceAddedOut]
    unmapped: list[ConformanceUnmappedOut]
