"""The central reference database of all touchpoints, and the channels they live in."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from opencxm.accounts.models import Department
from opencxm.core.models import PublicModel
from opencxm.touchpoints.choices import ChannelKind, Raci, TouchpointStatus


class Channel(PublicModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices, default=ChannelKind.OTHER)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self):
        return self.name


class Touchpoint(PublicModel):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="touchpoints", verbose_name=_("channel")
    )
    owner_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="owned_touchpoints", verbose_name=_("owning department")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TouchpointStatus.choices, default=TouchpointStatus.ACTIVE, db_index=True
    )
    moment_of_truth = models.BooleanField(_("moment of truth"), default=False, db_index=True)
    processes = models.JSONField(_("linked processes"), default=list, blank=True)
    systems = models.JSONField(_("linked systems"), default=list, blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")

    def __str__(self):
        return f"{self.code} {self.name}"


class TouchpointContribution(models.Model):
    """A department that contributes to a touchpoint, with its RACI role."""

    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="contributions")
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="touchpoint_contributions", verbose_name=_("department")
    )
    raci = models.CharField(_("RACI role"), max_length=1, choices=Raci.choices)

    class Meta:
        ordering = ["raci", "department__name"]
        constraints = [
            models.UniqueConstraint(fields=["touchpoint", "department"], name="contribution_unique_department"),
        ]
        verbose_name = _("contributing department")
        verbose_name_plural = _("contributing departments")

    def __str__(self):
        return f"{self.department} ({self.raci})"
