from django.db import models
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    """How a user receives a kind of notification (besides the in-app inbox, which always shows it)."""

    IMMEDIATE = "immediate", _("E-mail immediately")
    DIGEST = "digest", _("Daily digest e-mail")
    OFF = "off", _("Inbox only, no e-mail")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SUCCEEDED = "succeeded", _("delivered")
    FAILED = "failed", _("failed")
