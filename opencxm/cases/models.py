"""Closed-loop cases: rules that open them from feedback, the case itself and its append-only timeline."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opencxm.accounts.models import Department
from opencxm.cases.choices import EventKind, Priority, RootCause, Status, Trigger
from opencxm.core.models import PublicModel
from opencxm.feedback.models import Customer, DataSource, Feedback
from opencxm.journeys.models import Segment
from opencxm.touchpoints.models import Touchpoint


class CaseRule(PublicModel):
    """Opens a case for feedback that meets the trigger; empty filters mean "any"."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    active = models.BooleanField(_("active"), default=True)
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices, default=Trigger.NPS_MAX)
    threshold = models.SmallIntegerField(_("threshold"), null=True, blank=True)
    sources = models.ManyToManyField(DataSource, blank=True, related_name="+", verbose_name=_("data sources"))
    touchpoints = models.ManyToManyField(Touchpoint, blank=True, related_name="+", verbose_name=_("touchpoints"))
    segments = models.ManyToManyField(Segment, blank=True, related_name="+", verbose_name=_("segments"))
    # negative_topic: a negative comment on one of these topics (a main topic includes its subtopics)
    topics = models.ManyToManyField(
        "textanalytics.Topic", blank=True, related_name="case_rules", verbose_name=_("topics")
    )
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    sla_hours = models.PositiveIntegerField(_("SLA (hours)"), default=48)

    class Meta:
        ordering = ["name"]
        verbose_name = _("case rule")
        verbose_name_plural = _("case rules")

    def __str__(self):
        return self.name


class Case(PublicModel):
    """One customer's problem, owned by one department at a time. `version` grows with every change, so a
    client that acted on an older version is told someone else changed the case."""

    number = models.CharField(_("number"), max_length=20, unique=True, null=True, blank=True)
    feedback = models.OneToOneField(Feedback, on_delete=models.PROTECT, related_name="case")
    rule = models.ForeignKey(CaseRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    touchpoint = models.ForeignKey(
        Touchpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases", verbose_name=_("touchpoint")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="cases", verbose_name=_("department")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        verbose_name=_("assignee"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    sla_due_at = models.DateTimeField(_("due"), db_index=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    root_cause = models.CharField(_("root cause"), max_length=16, choices=RootCause.choices, blank=True)
    root_cause_detail = models.TextField(_("root cause details"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["sla_due_at", "id"]
        indexes = [models.Index(fields=["department", "status", "sla_due_at"])]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self):
        return self.number or str(self.public_id)

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED

    @property
    def is_overdue(self) -> bool:
        return not self.is_closed and self.sla_due_at <= timezone.now()


class AppendOnly(Exception):
    """Timeline events are never changed or deleted."""


class CaseEvent(models.Model):
    """One change of a case. Append-only: the timeline and the handover view read these rows."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=12, choices=EventKind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")  # owner after the event
    from_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # handovers only
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self):
        return f"{self.case} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("case events are append-only")
