"""In-app notifications, each user's delivery preferences, and outgoing webhooks with their delivery log."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opencxm.core.models import PublicModel
from opencxm.notifications.choices import Delivery, DeliveryStatus
from opencxm.notifications.events import event_label


class Notification(PublicModel):
    """One message in one user's inbox. `delivery` is the user's preference when it was created: it decides
    whether it goes out by e-mail at once (`emailed_at`) or in the next daily digest (`digested_at`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    event = models.CharField(_("event"), max_length=64)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.UUIDField(_("object id"), null=True, blank=True)
    delivery = models.CharField(_("delivery"), max_length=16, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    digested_at = models.DateTimeField(_("sent in digest"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            models.Index(fields=["delivery", "digested_at"], name="notification_digest_due"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return self.subject

    @property
    def event_label(self) -> str:
        return event_label(self.event)


class NotificationPreference(models.Model):
    """A user's choice for one event kind, or for every kind without its own choice (event "*")."""

    ALL_EVENTS = "*"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    event = models.CharField(_("event"), max_length=64)
    mode = models.CharField(_("delivery"), max_length=16, choices=Delivery.choices, default=Delivery.IMMEDIATE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="notification_preference_unique")]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user} · {self.event} · {self.mode}"


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


class WebhookEndpoint(PublicModel):
    """An address that receives signed POST requests for the events it subscribes to."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=80, default=new_secret)
    events = models.JSONField(_("events"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.name

    @property
    def event_labels(self) -> list[str]:
        return [event_label(event) for event in self.events]


class WebhookDelivery(PublicModel):
    """One event for one endpoint: retried with growing pauses until it succeeds or runs out of attempts."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    event = models.CharField(_("event"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self):
        return f"{self.event} → {self.endpoint}"

    @property
    def event_label(self) -> str:
        return event_label(self.event)


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: when, the answer's status code or the error, how long it took."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    at = models.DateTimeField(_("time"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    succeeded = models.BooleanField(_("succeeded"), default=False)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_unique")]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self):
        return f"{self.delivery} #{self.number}"
