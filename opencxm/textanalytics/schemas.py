"""API schemas of text analytics."""

from datetime import datetime
from uuid import UUID

from ninja import Schema


class TopicOut(Schema):
    id: UUID
    key: str
    parent: str | None
    name_de: str
    name_en: str
    description: str
    rules: dict
    touchpoints: list[str]
    active: bool

    @staticmethod
    def resolve_id(obj) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_parent(obj) -> str | None:
        return obj.parent.key if obj.parent_id else None

    @staticmethod
    def resolve_touchpoints(obj) -> list[str]:
        return [touchpoint.code for touchpoint in obj.touchpoints.all()]


class TopicLinkOut(Schema):
    key: str
    matched_terms: list[str]
    source: str


class AnalysisOut(Schema):
    feedback: UUID
    language: str
    sentiment: str
    sentiment_predicted: str
    sentiment_score: float
    corrected: bool
    topics: list[TopicLinkOut]
    comment: str
    analysed_at: datetime
    engine: str
