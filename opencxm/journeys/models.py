"""Segments (personas) with their needs, and journey maps: journeys, stages, steps."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from opencxm.core.models import PublicModel
from opencxm.journeys.choices import Emotion, JourneyKind
from opencxm.touchpoints.models import Channel, Touchpoint


class Segment(PublicModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    decision_drivers = models.JSONField(_("decision drivers"), default=list, blank=True)
    preferred_channels = models.ManyToManyField(
        Channel, blank=True, related_name="preferred_by_segments", verbose_name=_("touchpoint preferences")
    )
    is_target = models.BooleanField(_("target segment"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self):
        return self.name


class CustomerNeed(models.Model):
    """One need of a segment; `position` orders them by importance (1 = most important)."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="needs")
    position = models.PositiveSmallIntegerField(_("rank"))
    text = models.CharField(_("need"), max_length=300)

    class Meta:
        ordering = ["segment", "position"]
        verbose_name = _("customer need")
        verbose_name_plural = _("customer needs")

    def __str__(self):
        return self.text


class Journey(PublicModel):
    name = models.CharField(_("name"), max_length=200)
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="journeys", verbose_name=_("segment"))
    kind = models.CharField(_("kind"), max_length=10, choices=JourneyKind.choices, default=JourneyKind.CURRENT)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["segment__name", "name"]
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")

    def __str__(self):
        return self.name


class Stage(PublicModel):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["journey", "position"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self):
        return self.name


class JourneyStep(PublicModel):
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.PROTECT, related_name="journey_steps", verbose_name=_("touchpoint")
    )
    customer_action = models.TextField(_("customer action"), blank=True)
    customer_thoughts = models.TextField(_("customer thoughts"), blank=True)
    emotion = models.SmallIntegerField(_("expected emotion"), choices=Emotion.choices, default=Emotion.NEUTRAL)
    target_score = models.DecimalField(_("target score"), max_digits=6, decimal_places=2, null=True, blank=True)
    pain_points = models.TextField(_("pain points"), blank=True)

    class Meta:
        ordering = ["stage", "position"]
        constraints = [
            models.CheckConstraint(condition=models.Q(emotion__gte=-2, emotion__lte=2), name="step_emotion_range"),
        ]
        verbose_name = _("journey step")
        verbose_name_plural = _("journey steps")

    def __str__(self):
        return f"{self.stage} · {self.touchpoint.name}"
