"""Insights (pain points, opportunities, ideas, observations) and the actions they lead to, each with an
append-only event timeline (Saleor's `<Entity>Event` pattern)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opencxm.analytics.metrics import metric
from opencxm.core.models import PublicModel
from opencxm.insights.choices import (
    ActionCategory,
    ActionEventType,
    ActionStatus,
    InsightEventType,
    InsightKind,
    InsightStatus,
    Track,
    ValidationMethod,
)

ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


class EventLabels:
    """Readable labels for the status values an event row keeps in its parameters."""

    statuses: type

    def _label(self, key):
        value = self.parameters.get(key)
        return self.statuses(value).label if value in self.statuses.values else value

    @property
    def from_label(self):
        return self._label("from")

    @property
    def to_label(self):
        return self._label("to")

    @property
    def method_label(self):
        value = self.parameters.get("method")
        return ValidationMethod(value).label if value in ValidationMethod.values else value


class Insight(PublicModel):
    kind = models.CharField(_("kind"), max_length=20, choices=InsightKind.choices, default=InsightKind.PAIN_POINT)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner_department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="insights", verbose_name=_("owning department")
    )
    impact = models.PositiveSmallIntegerField(_("impact (1–5)"), default=3, validators=ONE_TO_FIVE)
    effort = models.PositiveSmallIntegerField(_("effort (1–5)"), default=3, validators=ONE_TO_FIVE)
    status = models.CharField(_("status"), max_length=20, choices=InsightStatus.choices, default=InsightStatus.NEW)
    validation_method = models.CharField(
        _("validated with"), max_length=20, choices=ValidationMethod.choices, default=ValidationMethod.NONE
    )
    validation_note = models.TextField(_("validation note"), blank=True)
    validated_at = models.DateTimeField(_("validated"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    touchpoints = models.ManyToManyField(
        "touchpoints.Touchpoint", blank=True, related_name="insights", verbose_name=_("touchpoints")
    )
    steps = models.ManyToManyField(
        "journeys.JourneyStep", blank=True, related_name="insights", verbose_name=_("journey steps")
    )
    segments = models.ManyToManyField(
        "journeys.Segment", blank=True, related_name="insights", verbose_name=_("segments")
    )
    feedback = models.ManyToManyField(
        "feedback.Feedback", blank=True, related_name="insights", verbose_name=_("feedback records")
    )
    evidence_query = models.JSONField(_("saved metric query"), default=dict, blank=True)
    evidence_note = models.TextField(_("note from a conversation"), blank=True)

    class Meta:
        ordering = ["-impact", "effort", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(impact__gte=1, impact__lte=5), name="insight_impact_range"),
            models.CheckConstraint(condition=models.Q(effort__gte=1, effort__lte=5), name="insight_effort_range"),
        ]
        indexes = [models.Index(fields=["status", "-impact"]), models.Index(fields=["owner_department", "status"])]
        verbose_name = _("insight")
        verbose_name_plural = _("insights")

    def __str__(self):
        return self.title

    @property
    def priority(self) -> float:
        """Impact per unit of effort: a quick win (impact 5, effort 1) scores 5.0."""
        return round(self.impact / self.effort, 2)


class InsightEvent(EventLabels, models.Model):
    statuses = InsightStatus
    insight = models.ForeignKey(Insight, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    type = models.CharField(_("event"), max_length=20, choices=InsightEventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    parameters = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("insight event")
        verbose_name_plural = _("insight events")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.type}"


class Action(PublicModel):
    insight = models.ForeignKey(Insight, on_delete=models.CASCADE, related_name="actions", verbose_name=_("insight"))
    track = models.CharField(_("track"), max_length=10, choices=Track.choices)
    category = models.CharField(_("category"), max_length=20, choices=ActionCategory.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner_department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="actions", verbose_name=_("owning department")
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cx_actions",
        verbose_name=_("responsible person"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    references = models.JSONField(_("projects, processes and systems"), default=list, blank=True)
    metric = models.CharField(_("metric to move"), max_length=60, blank=True)
    expected_change = models.FloatField(_("expected change"), null=True, blank=True)
    touchpoints = models.ManyToManyField(
        "touchpoints.Touchpoint", blank=True, related_name="actions", verbose_name=_("affected touchpoints")
    )
    done_at = models.DateTimeField(pgettext_lazy("insights", "done"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "-created_at", "-id"]
        indexes = [models.Index(fields=["owner_department", "status"]), models.Index(fields=["track", "due_date"])]
        verbose_name = pgettext_lazy("insights", "action")
        verbose_name_plural = _("actions")

    def __str__(self):
        return self.title

    @property
    def metric_label(self):
        return metric(self.metric).label if self.metric else ""


class ActionEvent(EventLabels, models.Model):
    statuses = ActionStatus
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    type = models.CharField(_("event"), max_length=20, choices=ActionEventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    parameters = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("action event")
        verbose_name_plural = _("action events")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.type}"
