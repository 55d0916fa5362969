"""REST API of the personal inbox: the caller's own notifications, marked read one by one or all at once."""

from uuid import UUID

from django.http import Http404
from ninja import Router
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from opencxm.core.permissions import access_for
from opencxm.notifications import selectors, services
from opencxm.notifications.schemas import MarkedOut, NotificationOut, UnreadOut

router = Router(tags=["Notifications"])


def _read(request):
    if not access_for(request.auth).can_read:
        raise HttpError(403, "Not allowed")


@router.get("/notifications", response=list[NotificationOut])
@paginate(LimitOffsetPagination)
def list_notifications(request, unread: bool = False):
    """The caller's notifications, newest first (`unread=true`: only those not read yet)."""
    _read(request)
    return selectors.inbox(request.auth, unread_only=unread)


@router.get("/notifications/unread", response=UnreadOut)
def unread_count(request):
    _read(request)
    return {"unread": selectors.unread_count(request.auth)}


@router.post("/notifications/read-all", response=MarkedOut)
def mark_all_read(request):
    _read(request)
    return {"marked": services.notifications_mark_all_read(actor=request.auth)}


@router.post("/notifications/{public_id}/read", response=NotificationOut)
def mark_read(request, public_id: UUID):
    """Mark one of the caller's notifications read (404 for anyone else's)."""
    _read(request)
    try:
        notification = selectors.notification_for(request.auth, public_id)
    except Http404:
        raise HttpError(404, "Not found") from None
    return services.notification_mark_read(actor=request.auth, notification=notification)
