"""Reads of the notifications app: a user's inbox and unread count, webhook endpoints and their log."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from opencxm.notifications.choices import Delivery, DeliveryStatus
from opencxm.notifications.events import NOTIFICATION_EVENTS
from opencxm.notifications.models import (
    Notification,
    NotificationPreference,
    WebhookDelivery,
    WebhookEndpoint,
)


def inbox(user, *, unread_only: bool = False):
    """The user's notifications, newest first."""
    rows = Notification.objects.filter(user=user)
    return rows.filter(read_at__isnull=True) if unread_only else rows


def unread_count(user) -> int:
    """How many of the user's notifications are unread (one COUNT query)."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_for(user, public_id) -> Notification:
    """One of the user's own notifications (404 for anyone else's: they are private)."""
    return get_object_or_404(Notification, public_id=public_id, user=user)


def preference_modes(user) -> dict[str, str]:
    """The user's default ("*", immediate unless chosen) and their own choice per event kind of the
    registry ("" where the kind follows the default)."""
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("event", "mode"))
    modes = {event: stored.get(event, "") for event in NOTIFICATION_EVENTS}
    return {
        NotificationPreference.ALL_EVENTS: stored.get(NotificationPreference.ALL_EVENTS, Delivery.IMMEDIATE),
        **modes,
    }


def endpoint_list():
    """Webhook endpoints with their count of failed and pending deliveries."""
    return WebhookEndpoint.objects.annotate(
        failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        pending_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
    ).select_related("created_by")


def endpoint_get(public_id) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint, public_id=public_id)


def deliveries_of(endpoint: WebhookEndpoint):
    """The endpoint's deliveries, newest first, with their attempts (one extra query per page)."""
    return WebhookDelivery.objects.filter(endpoint=endpoint).prefetch_related("attempt_log")
