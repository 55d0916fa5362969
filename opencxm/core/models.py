"""Shared kernel: base model with a public UUID and timestamps, and the audit trail."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicModel(models.Model):
    """Integer primary key stays internal; URLs and the API use `public_id`."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """Who changed what, when. Append-only; written by services, read by change-history views."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        RETIRE = "retire", _("retired")
        IMPORT = "import", _("imported")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.UUIDField(_("object id"), db_index=True)
    object_repr = models.CharField(_("object"), max_length=300)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type} {self.object_repr}"


class ScheduledRun(models.Model):
    """One periodic job's slot, claimed by the worker whose insert won (the unique constraint makes the others
    skip it): the job runs once per slot however many workers run on however many machines."""

    job = models.CharField(_("job"), max_length=60)
    slot = models.DateTimeField(_("slot"))
    claimed_at = models.DateTimeField(_("claimed"), auto_now_add=True)
    worker = models.CharField(_("worker"), max_length=120, blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True)  # empty: an earlier run was still waiting

    class Meta:
        ordering = ["-slot", "job"]
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduled_run_once_per_slot")]
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")

    def __str__(self):
        return f"{self.job} {self.slot:%Y-%m-%d %H:%M}"
