"""API shapes for the CX organisation."""

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema


class DepartmentIn(Schema):
    code: str = Field(..., min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(..., min_length=1, max_length=120)
    description: str = ""
    customer_facing: bool = True


class DepartmentOut(Schema):
    public_id: UUID
    code: str
    name: str
    description: str
    customer_facing: bool
    created_at: datetime
    updated_at: datetime


class DepartmentRef(Schema):
    public_id: UUID
    code: str
    name: str


class MembershipOut(Schema):
    public_id: UUID
    department: DepartmentRef
    role: str


class PermissionsOut(Schema):
    can_read: bool
    can_edit_all: bool
    can_manage_org: bool


class MeOut(Schema):
    public_id: UUID
    username: str
    first_name: str
    last_name: str
    email: str
    is_superuser: bool
    memberships: list[MembershipOut]
    permissions: PermissionsOut


class ErrorOut(Schema):
    detail: str
