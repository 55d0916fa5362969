from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    SURVEY = "survey", _("Survey")
    COMPLAINTS = "complaints", _("Complaints")
    CALL_CENTRE = "call_centre", _("Call centre")
    WEB_ANALYTICS = "web_analytics", _("Web analytics")
    OPERATIONAL = "operational", _("Operational")
    OTHER = "other", _("Other")


class FeedbackKind(models.TextChoices):
    RESPONSE = "response", _("Survey response")
    COMPLAINT = "complaint", _("Complaint")
    CONTACT = "contact", _("Contact")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
