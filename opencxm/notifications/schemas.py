from datetime import datetime
from uuid import UUID

from ninja import Schema


class NotificationOut(Schema):
    public_id: UUID
    event: str
    event_label: str
    subject: str
    body: str
    link: str
    object_type: str
    object_id: UUID | None
    created_at: datetime
    read_at: datetime | None


class UnreadOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int
