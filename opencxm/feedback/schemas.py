"""API schemas of the feedback app: data sources, feedback records, measurements, import jobs."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import field_validator

from opencxm.feedback.choices import FeedbackKind, SourceKind

MAX_BATCH = 10_000
METRIC_KEY = r"^[a-z][a-z0-9_]{0,59}$"


class ContactIn(Schema):
    """Contact details for a follow-up; stored (in a separate, guarded record) only when `consent` is true."""

    consent: bool = False
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)


class FeedbackIn(Schema):
    source: str = Field(min_length=1, description="Data source name")
    external_id: str = Field(min_length=1, max_length=120, description="Id in the source; a repeat updates")
    responded_at: datetime = Field(description="ISO 8601; without offset the installation's time zone")
    customer_ref: str | None = Field(None, max_length=200, description="Customer reference; stored pseudonymised")
    touchpoint: str | None = Field(None, description="Touchpoint code or name")
    channel: str | None = Field(None, description="Channel code or name")
    segment: str | None = Field(None, description="Segment code or name")
    nps: int | None = Field(None, ge=0, le=10)
    csat: int | None = Field(None, ge=1, le=5)
    ces: int | None = Field(None, ge=1, le=7)
    scores: dict[str, float] = Field(default_factory=dict, description="Custom metric key -> number")
    comment: str = Field("", max_length=20_000)
    language: str = Field("", max_length=8)
    kind: FeedbackKind | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    contact: ContactIn | None = None

    @field_validator("scores")
    @classmethod
    def _metric_keys(cls, value: dict[str, float]) -> dict[str, float]:
        import re

        for key in value:
            if not re.match(METRIC_KEY, key) or key in ("nps", "csat", "ces"):
                raise ValueError(f"'{key}' is not a custom metric key (lower-case letters, digits and _)")
        return value


class FeedbackBatchIn(Schema):
    records: list[FeedbackIn] = Field(max_length=MAX_BATCH)


class MeasurementIn(Schema):
    source: str = Field(min_length=1, description="Data source name")
    touchpoint: str = Field(min_length=1, description="Touchpoint code")
    metric: str = Field(pattern=METRIC_KEY, description="e.g. contacts, handling_time, first_contact_resolution")
    day: date
    value: float
    count: int = Field(1, ge=0)


class MeasurementBatchIn(Schema):
    records: list[MeasurementIn] = Field(max_length=MAX_BATCH)


class RecordProblem(Schema):
    index: int
    field: str
    message: str


class BatchProblems(Schema):
    detail: list[RecordProblem]


class WriteCounts(Schema):
    imported: int
    updated: int
    unchanged: int


class FeedbackOut(Schema):
    public_id: UUID
    source: str
    external_id: str
    kind: str
    responded_at: datetime
    customer: UUID | None
    touchpoint: str | None
    channel: str | None
    segment: str | None
    nps: int | None
    csat: int | None
    ces: int | None
    scores: dict
    comment: str
    language: str
    attributes: dict

    @staticmethod
    def resolve_source(obj) -> str:
        return obj.source.name

    @staticmethod
    def resolve_comment(obj, context) -> str:
        """Redacted unless the caller may read original comments (text analytics)."""
        from opencxm.core.permissions import access_for
        from opencxm.textanalytics.selectors import comment_for

        return comment_for(access_for(context["request"].auth), obj)

    @staticmethod
    def resolve_customer(obj) -> UUID | None:
        return obj.customer.public_id if obj.customer_id else None

    @staticmethod
    def resolve_touchpoint(obj) -> str | None:
        return obj.touchpoint.code if obj.touchpoint_id else None

    @staticmethod
    def resolve_channel(obj) -> str | None:
        return obj.channel.code if obj.channel_id else None

    @staticmethod
    def resolve_segment(obj) -> str | None:
        return obj.segment.code if obj.segment_id else None


class SourceIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    kind: SourceKind = SourceKind.SURVEY
    owner_department: str | None = Field(None, description="Department code")
    description: str = ""
    layout: str = Field("", max_length=40)
    mapping: dict = Field(default_factory=dict, description="Column mapping (see docs/ingest-formats.md)")
    fixed_touchpoint: str | None = Field(None, description="Touchpoint code used for every record without one")


class SourceOut(Schema):
    public_id: UUID
    name: str
    kind: str
    owner_department: str | None
    description: str
    layout: str
    mapping: dict
    fixed_touchpoint: str | None
    created_at: datetime

    @staticmethod
    def resolve_owner_department(obj) -> str | None:
        return obj.owner_department.code if obj.owner_department_id else None

    @staticmethod
    def resolve_fixed_touchpoint(obj) -> str | None:
        return obj.fixed_touchpoint.code if obj.fixed_touchpoint_id else None


class ImportJobOut(Schema):
    public_id: UUID
    source: str
    filename: str
    status: str
    phase: str
    dry_run: bool
    partial: bool
    rows_read: int
    rows_total: int
    imported: int
    updated: int
    unchanged: int
    rejected: int
    errors: list
    message: str
    detected: dict
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @staticmethod
    def resolve_source(obj) -> str:
        return obj.source.name
