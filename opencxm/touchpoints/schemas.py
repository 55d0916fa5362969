from datetime import datetime
from uuid import UUID

from ninja import Field, Schema

from opencxm.touchpoints.choices import ChannelKind, Raci, TouchpointStatus


class Ref(Schema):
    code: str
    name: str


class ContributionIn(Schema):
    department: str = Field(description="Department code")
    raci: Raci


class ContributionOut(Schema):
    department: Ref
    raci: str


class TouchpointIn(Schema):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    channel: str = Field(description="Channel code")
    owner_department: str = Field(description="Department code")
    status: TouchpointStatus = TouchpointStatus.ACTIVE
    moment_of_truth: bool = False
    processes: list[str] = []
    systems: list[str] = []
    contributors: list[ContributionIn] = []


class TouchpointOut(Schema):
    public_id: UUID
    code: str
    name: str
    description: str
    channel: Ref
    owner_department: Ref
    status: str
    moment_of_truth: bool
    processes: list[str]
    systems: list[str]
    contributors: list[ContributionOut] = Field(alias="contributions")
    retired_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_contributions(obj):
        return list(obj.contributions.all())


class ChannelIn(Schema):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(min_length=1, max_length=100)
    kind: ChannelKind = ChannelKind.OTHER
    description: str = ""


class ChannelOut(Schema):
    public_id: UUID
    code: str
    name: str
    kind: str
    description: str
