"""API schemas of the cases app."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from opencxm.cases.choices import Priority, RootCause, Status, Trigger


class FeedbackRef(Schema):
    id: UUID = Field(alias="public_id")
    source: str
    external_id: str
    responded_at: datetime
    nps: int | None
    csat: int | None
    ces: int | None
    comment: str

    @staticmethod
    def resolve_source(obj) -> str:
        return obj.source.name


class CaseEventOut(Schema):
    kind: str
    at: datetime
    actor: str | None
    department: str
    from_department: str | None
    note: str
    data: dict

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.username if obj.actor else None

    @staticmethod
    def resolve_department(obj) -> str:
        return obj.department.code

    @staticmethod
    def resolve_from_department(obj) -> str | None:
        return obj.from_department.code if obj.from_department else None


class CaseOut(Schema):
    id: UUID = Field(alias="public_id")
    number: str | None
    status: Status
    priority: Priority
    department: str = Field(description="Code of the department that owns the case")
    assignee: str | None = Field(description="Username")
    touchpoint: str | None = Field(description="Touchpoint code")
    sla_due_at: datetime
    overdue: bool
    escalated_at: datetime | None
    root_cause: str
    root_cause_detail: str
    resolution: str
    closed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
    rule: str | None
    feedback: FeedbackRef

    @staticmethod
    def resolve_department(obj) -> str:
        return obj.department.code

    @staticmethod
    def resolve_assignee(obj) -> str | None:
        return obj.assignee.username if obj.assignee else None

    @staticmethod
    def resolve_touchpoint(obj) -> str | None:
        return obj.touchpoint.code if obj.touchpoint else None

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue

    @staticmethod
    def resolve_rule(obj) -> str | None:
        return obj.rule.name if obj.rule else None


class CaseDetailOut(CaseOut):
    timeline: list[CaseEventOut]

    @staticmethod
    def resolve_timeline(obj) -> list:
        return list(obj.events.select_related("actor", "department", "from_department").order_by("at", "pk"))


class CaseIn(Schema):
    feedback: UUID = Field(description="Public id of the feedback record")
    priority: Priority | None = None
    sla_hours: int | None = Field(None, ge=1, le=24 * 365)


class CaseUpdateIn(Schema):
    priority: Priority | None = None
    assignee: str | None = Field(None, description="Username; empty string unassigns; omit to leave it")
    expected_version: int | None = Field(None, ge=1)


class TransitionIn(Schema):
    action: Literal["assign", "comment", "handover", "escalate", "close"]
    expected_version: int = Field(ge=1, description="The version the client saw; 409 when the case changed since")
    assignee: str | None = Field(None, description="assign: username")
    text: str = Field("", max_length=5000, description="comment: the text; escalate: the reason")
    to_department: str | None = Field(None, description="handover: department code")
    note: str = Field("", max_length=5000, description="handover: note for the receiving department")
    root_cause: RootCause | None = Field(None, description="close: required")
    root_cause_detail: str = Field("", max_length=5000)
    resolution: str = Field("", max_length=5000, description="close: required")


class CaseQuery(Schema):
    status: str = Field("active", description="active (every open state), all, or a status")
    department: str = Field("", description="department code")
    assignee: str = Field("", description="'me', 'none' or empty")
    overdue: bool = False
    escalated: bool = False


class CaseRuleIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    active: bool = True
    trigger: Trigger
    threshold: int | None = Field(
        None, ge=0, le=10, description="nps_max: 0-10 (default 6); csat_max: 1-5 (default 2); otherwise not used"
    )
    priority: Priority = Priority.NORMAL
    sla_hours: int = Field(48, ge=1, le=24 * 365)
    sources: list[str] = Field(default_factory=list, description="data source names")
    touchpoints: list[str] = Field(default_factory=list, description="touchpoint codes")
    segments: list[str] = Field(default_factory=list, description="segment codes")
    topics: list[str] = Field(
        default_factory=list,
        description="negative_topic (required there): text-analytics topic keys; a main topic includes its subtopics",
    )


class CaseRuleOut(Schema):
    id: UUID
    name: str
    active: bool
    trigger: Trigger
    threshold: int | None
    priority: Priority
    sla_hours: int
    sources: list[str]
    touchpoints: list[str]
    segments: list[str]
    topics: list[str] = Field(description="topic keys (negative_topic)")

    @staticmethod
    def resolve_id(obj):
        return obj.public_id

    @staticmethod
    def resolve_sources(obj) -> list[str]:
        return sorted(source.name for source in obj.sources.all())

    @staticmethod
    def resolve_touchpoints(obj) -> list[str]:
        return sorted(touchpoint.code for touchpoint in obj.touchpoints.all())

    @staticmethod
    def resolve_segments(obj) -> list[str]:
        return sorted(segment.code for segment in obj.segments.all())

    @staticmethod
    def resolve_topics(obj) -> list[str]:
        return sorted(topic.key for topic in obj.topics.all())
