from django.db import models
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    NPS_MAX = "nps_max", _("NPS rating at most")
    CSAT_MAX = "csat_max", _("CSAT at most")
    COMPLAINT = "complaint", _("Complaint")
    NEGATIVE_TOPIC = "negative_topic", _("Negative comment on a topic")


DEFAULT_THRESHOLD = {Trigger.NPS_MAX: 6, Trigger.CSAT_MAX: 2}
THRESHOLD_RANGE = {Trigger.NPS_MAX: (0, 10), Trigger.CSAT_MAX: (1, 5)}
TOPIC_TRIGGERS = frozenset({Trigger.NEGATIVE_TOPIC})  # rules of these triggers choose topics (and no threshold)


class Priority(models.TextChoices):
    LOW = "low", _("low")
    NORMAL = "normal", _("normal")
    HIGH = "high", _("high")
    URGENT = "urgent", _("urgent")


class Status(models.TextChoices):
    OPEN = "open", _("open")
    IN_PROGRESS = "in_progress", _("in progress")
    HANDED_OVER = "handed_over", _("handed over")
    CLOSED = "closed", _("closed")


OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.HANDED_OVER)


class RootCause(models.TextChoices):
    PROCESS = "process", _("Process")
    PRODUCT = "product", _("Product")
    COMMUNICATION = "communication", _("Communication")
    EMPLOYEE = "employee", _("Employee behaviour")
    SYSTEM = "system", _("IT system")
    PARTNER = "partner", _("Partner or supplier")
    CUSTOMER = "customer", _("Customer expectation")
    OTHER = "other", _("Other")


class EventKind(models.TextChoices):
    CREATED = "created", _("created")
    ASSIGNED = "assigned", _("assigned")
    COMMENTED = "commented", _("commented")
    HANDED_OVER = "handed_over", _("handed over")
    ESCALATED = "escalated", _("escalated")
    UPDATED = "updated", _("changed")
    CLOSED = "closed", _("closed")
