from datetime import date, datetime
from uuid import UUID

from ninja import Field, Schema

from opencxm.insights.choices import (
    ActionCategory,
    ActionStatus,
    InsightKind,
    InsightStatus,
    Track,
    ValidationMethod,
)


class Ref(Schema):
    code: str
    name: str


class EvidenceQuery(Schema):
    metric: str
    days: int = Field(90, ge=1, le=730)


class InsightIn(Schema):
    kind: InsightKind = InsightKind.PAIN_POINT
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    owner_department: str = Field(description="Department code")
    impact: int = Field(3, ge=1, le=5)
    effort: int = Field(3, ge=1, le=5)
    touchpoints: list[str] = Field([], description="Touchpoint codes")
    steps: list[UUID] = Field([], description="Journey step public ids")
    segments: list[str] = Field([], description="Segment codes")
    feedback: list[UUID] = Field([], description="Feedback public ids (evidence)")
    evidence_query: EvidenceQuery | None = None
    evidence_note: str = ""


class InsightOut(Schema):
    public_id: UUID
    kind: str
    title: str
    description: str
    owner_department: Ref
    impact: int
    effort: int
    priority: float
    status: str
    validation_method: str
    validation_note: str
    validated_at: datetime | None
    touchpoints: list[str]
    steps: list[UUID]
    segments: list[str]
    feedback: list[UUID]
    evidence_query: dict
    evidence_note: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_touchpoints(obj):
        return [t.code for t in obj.touchpoints.all()]

    @staticmethod
    def resolve_steps(obj):
        return [s.public_id for s in obj.steps.all()]

    @staticmethod
    def resolve_segments(obj):
        return [s.code for s in obj.segments.all()]

    @staticmethod
    def resolve_feedback(obj):
        return [f.public_id for f in obj.feedback.all()]


class InsightTransitionIn(Schema):
    status: InsightStatus
    note: str = Field("", max_length=1000)
    validation_method: ValidationMethod = Field(
        ValidationMethod.NONE, description="Required when status is 'validated'"
    )


class Reference(Schema):
    label: str = Field(max_length=200)
    url: str = Field("", max_length=500, pattern=r"^(https?://\S+)?$")


class ActionIn(Schema):
    insight: UUID = Field(description="Public id of the insight (ignored on update)")
    track: Track
    category: ActionCategory
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    owner_department: str = Field(description="Department code")
    owner_user: str | None = Field(None, description="Username")
    due_date: date | None = None
    references: list[Reference] = []
    metric: str = ""
    expected_change: float | None = None
    touchpoints: list[str] = Field([], description="Touchpoint codes")


class ActionOut(Schema):
    public_id: UUID
    insight: UUID
    track: str
    category: str
    title: str
    description: str
    owner_department: Ref
    owner_user: str | None
    due_date: date | None
    status: str
    references: list[dict]
    metric: str
    expected_change: float | None
    touchpoints: list[str]
    done_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_insight(obj):
        return obj.insight.public_id

    @staticmethod
    def resolve_owner_user(obj):
        return obj.owner_user.username if obj.owner_user else None

    @staticmethod
    def resolve_touchpoints(obj):
        return [t.code for t in obj.touchpoints.all()]


class ActionTransitionIn(Schema):
    status: ActionStatus
    note: str = Field("", max_length=1000)
