"""Incrementally maintained rollups (sufficient statistics per day and dimension) and targets."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opencxm.core.models import PublicModel


class RollupSums(models.Model):
    """The dimensions and additive sums shared by the daily and the monthly feedback rollup."""

    source = models.ForeignKey("feedback.DataSource", on_delete=models.CASCADE, related_name="+")
    touchpoint = models.ForeignKey("touchpoints.Touchpoint", null=True, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey("touchpoints.Channel", null=True, on_delete=models.CASCADE, related_name="+")
    segment = models.ForeignKey("journeys.Segment", null=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10)
    records = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    nps_n = models.PositiveIntegerField(default=0)
    nps_promoters = models.PositiveIntegerField(default=0)
    nps_detractors = models.PositiveIntegerField(default=0)
    csat_n = models.PositiveIntegerField(default=0)
    csat_sum = models.FloatField(default=0)
    csat_sumsq = models.FloatField(default=0)
    csat_top2 = models.PositiveIntegerField(default=0)
    ces_n = models.PositiveIntegerField(default=0)
    ces_sum = models.FloatField(default=0)
    ces_sumsq = models.FloatField(default=0)

    class Meta:
        abstract = True


class FeedbackRollup(RollupSums):
    """Sums over feedback per local day × source × touchpoint × channel × segment × kind.

    Every metric in the registry is computed from these sums, so dashboards never scan raw feedback.
    Rows for a (source, day) are rebuilt whenever feedback of that source and day is written.
    """

    day = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["source", "day"]),
            models.Index(fields=["day"]),
            models.Index(fields=["touchpoint", "day"]),
        ]

    def __str__(self):
        return f"{self.day} source={self.source_id} touchpoint={self.touchpoint_id} ({self.records})"


class FeedbackRollupMonth(RollupSums):
    """The same sums per local month (first day) × source × touchpoint × channel × segment × kind.

    Summed from the daily rows of the months a refresh touched, in the same transaction, so it always equals the
    daily rows added up. The runner reads it for the whole months of a period (the daily rows only for partial
    months at its edges and for day and week grains): ~30× fewer rows for a cockpit over twelve months.
    """

    month = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["source", "month"]),
            models.Index(fields=["month"]),
            models.Index(fields=["touchpoint", "month"]),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} source={self.source_id} touchpoint={self.touchpoint_id} ({self.records})"


class DriverDay(models.Model):
    """The answers the key-driver analysis reads (drivers.py), per source × local day, as packed numpy arrays.

    One row per (source, day) with answers: every answer with a customer at a touchpoint, or a relationship
    NPS rating (no touchpoint), as three little-endian arrays one after the other: customer id (int64),
    touchpoint id (int32, -1: relationship rating) and (value + 1) * 2 + bad (int16; value: NPS rating or
    satisfaction 0..100, -1 without a score). Rebuilt with the rollups of the (source, day) on every write, so a
    year of answers is read as a few hundred rows instead of scanning a million feedback rows.
    """

    source = models.ForeignKey("feedback.DataSource", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    answers = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "day"], name="driverday_source_day")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self):
        return f"{self.day} source={self.source_id} ({self.answers} answers)"


class RollupState(models.Model):
    """Fill state of a full rebuild, so an interrupted `opencxm rollups rebuild` resumes where it stopped."""

    name = models.CharField(max_length=40, unique=True)
    done_until = models.DateField(null=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    def __str__(self):
        return f"{self.name} until {self.done_until}"


# --- Goals and alerts (targets.py, alerts.py) ---------------------------------------------------------------


class Target(PublicModel):
    """A goal for one metric at one scope and period, with a warning band.

    `target_value` separates green from amber, `warning_value` amber from red: for a metric where higher is
    better the figure is ok at or above the target, a warning between warning value and target, and a
    breach below the warning value (mirrored when lower is better). A figure from fewer than `min_responses`
    responses in the window counts as no figure.
    """

    class Scope(models.TextChoices):
        COMPANY = "company", _("Company")
        JOURNEY = "journey", _("Journey")
        STAGE = "stage", _("Stage")
        TOUCHPOINT = "touchpoint", _("Touchpoint")
        DEPARTMENT = "department", _("Department")

    class GoalType(models.TextChoices):
        BEHAVIOURAL = "behavioural", _("Behavioural (loyalty, satisfaction, recommendation)")
        ECONOMIC = "economic", _("Economic (revenue, cost, margin)")
        OPERATIONAL = "operational", _("Operational (process figures)")

    metric = models.CharField(_("metric"), max_length=60)
    scope_type = models.CharField(
        pgettext_lazy("goal", "scope"), max_length=12, choices=Scope.choices, default=Scope.COMPANY
    )
    journey = models.ForeignKey(
        "journeys.Journey", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("journey")
    )
    stage = models.ForeignKey(
        "journeys.Stage", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("stage")
    )
    touchpoint = models.ForeignKey(
        "touchpoints.Touchpoint",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("touchpoint"),
    )
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("department"),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    target_value = models.FloatField(_("target"))
    warning_value = models.FloatField(_("warning threshold"))
    window_days = models.PositiveSmallIntegerField(_("evaluation window (days)"), default=28)
    # fewer responses (contacts, for operational figures) than this in the window: no figure, no alert decision
    min_responses = models.PositiveIntegerField(_("minimum responses"), default=30)
    goal_type = models.CharField(_("goal type"), max_length=12, choices=GoalType.choices, default=GoalType.BEHAVIOURAL)
    owner_department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("owning department")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["metric", "scope_type", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        scope_type="company",
                        journey__isnull=True,
                        stage__isnull=True,
                        touchpoint__isnull=True,
                        department__isnull=True,
                    )
                    | models.Q(
                        scope_type="journey",
                        journey__isnull=False,
                        stage__isnull=True,
                        touchpoint__isnull=True,
                        department__isnull=True,
                    )
                    | models.Q(
                        scope_type="stage",
                        journey__isnull=True,
                        stage__isnull=False,
                        touchpoint__isnull=True,
                        department__isnull=True,
                    )
                    | models.Q(
                        scope_type="touchpoint",
                        journey__isnull=True,
                        stage__isnull=True,
                        touchpoint__isnull=False,
                        department__isnull=True,
                    )
                    | models.Q(
                        scope_type="department",
                        journey__isnull=True,
                        stage__isnull=True,
                        touchpoint__isnull=True,
                        department__isnull=False,
                    )
                ),
                name="target_scope_matches_type",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_from__lte=models.F("valid_until")),
                name="target_period_ordered",
            ),
            models.CheckConstraint(condition=models.Q(window_days__gte=1), name="target_window_positive"),
        ]
        indexes = [models.Index(fields=["metric", "scope_type"])]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self):
        return f"{self.metric} · {self.scope_object or self.get_scope_type_display()}"

    @property
    def scope_object(self):
        """The journey, stage, touchpoint or department the target is set for (None for the company)."""
        return getattr(self, self.scope_type) if self.scope_type != self.Scope.COMPANY else None

    @property
    def scope_id(self) -> int | None:
        return getattr(self, f"{self.scope_type}_id") if self.scope_type != self.Scope.COMPANY else None


class Alert(PublicModel):
    """A target's figure left its band (a breach) over the target's window; open until the figure recovers.

    At most one open alert per target: a partial unique constraint makes a second, concurrent raise fail.
    """

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("target"))
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("department"),
    )
    raised_at = models.DateTimeField(_("raised"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    raised_value = models.FloatField(_("value when raised"))
    last_value = models.FloatField(_("latest value"), null=True, blank=True)
    window_start = models.DateField(_("window start"))
    window_end = models.DateField(_("window end"))
    evaluated_at = models.DateTimeField(_("last evaluated"))
    raise_notified_at = models.DateTimeField(_("raise e-mail sent"), null=True, blank=True)
    close_notified_at = models.DateTimeField(_("close e-mail sent"), null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target"], condition=models.Q(closed_at__isnull=True), name="alert_one_open_per_target"
            ),
        ]
        indexes = [models.Index(fields=["department", "closed_at"])]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self):
        return f"{self.target} raised {self.raised_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
