from datetime import datetime
from uuid import UUID

from ninja import Field, Schema


class EventIn(Schema):
    case: str = Field(min_length=1, max_length=200)
    activity: str = Field(min_length=1, max_length=300)
    timestamp: datetime
    lifecycle: str = ""
    resource: str = ""
    channel: str = ""
    department: str = ""
    attributes: dict = {}


class EventBatchIn(Schema):
    log: str = Field(min_length=1, max_length=200)
    events: list[EventIn] = Field(max_length=10_000)


class EventBatchOut(Schema):
    log: UUID
    received: int
    created: int
    already_present: int  # events of the batch the log already held (a repeated batch)
    repeats_in_batch: int  # identical events within the batch, kept as repeats (not already present)


class ActivityOut(Schema):
    id: UUID
    name: str
    touchpoint: UUID | None
    volume: int


class ActivityMapIn(Schema):
    touchpoint: UUID | None = None


class NameCount(Schema):
    name: str
    count: int


class VariantOut(Schema):
    path: list[str]
    count: int
    share: float


class LoopOut(Schema):
    name: str
    cases: int
    second: int
    third: int
    most: int


class DiscoveryOut(Schema):
    cases: int
    events: int
    activities: list[NameCount]
    edges: list[dict]
    variants: list[VariantOut]
    starts: list[NameCount]
    ends: list[NameCount]
    loops: list[LoopOut]
    # when set: median/p90 of the frequent edges were estimated from this many of the selected cases (a fixed
    # random sample; counts are exact), see docs/journey-analytics.md
    duration_sample_cases: int | None = None
