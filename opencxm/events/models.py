"""Event logs: what customers did (case, activity, time), and the per-case aggregates discovery reads.

Events are the raw rows. Each case keeps its ordered activity path as a `Variant` and its directly-follows
pairs as `Transition` rows (with the seconds between them); both are recomputed for the touched cases on
every write, so discovery never orders or scans raw events (see docs/journey-analytics.md).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opencxm.accounts.models import Department
from opencxm.core.models import PublicModel
from opencxm.feedback.models import Customer
from opencxm.touchpoints.models import Channel, Touchpoint


class EventLog(PublicModel):
    """One source of events (a file name or an API feed)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    imported_at = models.DateTimeField(_("last import"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("event log")
        verbose_name_plural = _("event logs")

    def __str__(self):
        return self.name


class Activity(PublicModel):
    """An activity name as it appears in the logs, optionally mapped to a touchpoint (the mapping table)."""

    name = models.CharField(_("name"), max_length=300, unique=True)
    touchpoint = models.ForeignKey(
        Touchpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self):
        return self.name


# Foreign keys of derived rows (transitions, summaries, per-day/month rows, per-variant durations, a case's
# variant): written only by this app's services from rows the database has already checked (the events and
# cases keep their checks: those are the primary data), so they carry no check of their own. The checks ran
# at COMMIT for every derived row: ~0.3 s of a 21k-event import on PostgreSQL (bench/README, XES import).
# Deleting still cascades / sets NULL through Django (on_delete), and a write that races a deletion of its log
# fails on the cases' and events' own checks, so no derived row outlives its log.
DERIVED = {"db_constraint": False}


class Variant(models.Model):
    """A whole path (activity ids in order), shared by every case that took exactly this path."""

    key = models.CharField(max_length=64, unique=True)  # sha256 of the path
    path = models.JSONField(default=list)
    length = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.key[:12]


class VariantStep(models.Model):
    """One directly-follows pair of a variant's path (`to_activity` 0: the path ends with `from_activity`), once
    per variant. Case-level filters on an activity ("cases that contain X") or on a handover between two
    departments (through the touchpoints' owners) select the variants by these rows, so they never scan the
    cases' transitions (docs/journey-analytics.md "Filtered discovery at scale"). Written with the variant
    (services._store_cases); plain ids, no foreign keys: variants are never deleted while cases use them, and
    an activity that is part of a path has events, which protect it."""

    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, related_name="steps", db_index=False, db_constraint=False
    )
    from_activity = models.PositiveIntegerField()
    to_activity = models.PositiveIntegerField()  # 0: the end of the path

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "from_activity", "to_activity"], name="events_variantstep_unique"
            )
        ]
        indexes = [models.Index(fields=["from_activity", "to_activity", "variant"], name="events_variantstep_pair")]

    def __str__(self):
        return f"{self.variant_id}: {self.from_activity} -> {self.to_activity}"


class Case(models.Model):
    """One case of a log (a customer's journey or a ticket); the reference is stored only as a pseudonym."""

    # not indexed alone: the unique (log, key) index serves lookups by log, (variant, log) those by variant
    log = models.ForeignKey(EventLog, on_delete=models.CASCADE, related_name="cases", db_index=False)
    key = models.CharField(_("case"), max_length=64)  # pseudonymise(reference)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # derived from the events (services._store_cases): no database check of its own (DERIVED below)
    variant = models.ForeignKey(
        Variant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        db_constraint=False,
        db_index=False,
    )
    started_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    event_count = models.PositiveIntegerField(default=0)
    # the case has CaseStep rows (an event of a directly-follows step records its department): the handover
    # filter reads those; every other case hands over where its variant does (selectors._with_handover)
    recorded_department = models.BooleanField(default=False, db_default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["log", "key"], name="events_case_unique_key")]
        # counting a variant's cases per log reads this index alone (variant-level filters, durations.py)
        indexes = [models.Index(fields=["variant", "log"], name="events_case_variant_log")]

    def __str__(self):
        return self.key[:12]


class Event(models.Model):
    """One thing a customer did. `dedup_key` makes re-imports and repeated API batches idempotent.

    Indexes are kept to what is read, since each one is written for every imported event: (case, time) also
    serves lookups by case; channel and department are indexed only where set (deleting one sets them NULL);
    the dedup key is unique through a constraint, which has no second (LIKE pattern) index as `unique=True` has
    on PostgreSQL."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="events")
    timestamp = models.DateTimeField(_("time"))
    lifecycle = models.CharField(_("lifecycle"), max_length=40, blank=True)
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    resource = models.CharField(_("resource"), max_length=200, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    dedup_key = models.CharField(max_length=64)

    class Meta:
        indexes = [
            models.Index(fields=["case", "timestamp"]),
            models.Index(fields=["channel"], name="events_event_channel", condition=Q(channel__isnull=False)),
            models.Index(fields=["department"], name="events_event_department", condition=Q(department__isnull=False)),
        ]
        constraints = [models.UniqueConstraint(fields=["dedup_key"], name="events_event_unique_dedup_key")]

    def __str__(self):
        return f"{self.activity_id} {self.timestamp:%Y-%m-%d %H:%M}"


class CaseChannel(models.Model):
    """A channel a case has at least one event in, once per case and channel: the channel filter of discovery
    selects cases by these rows instead of scanning events. Rewritten with the case's transitions on every write
    (services._store_cases); deleting a case or a channel deletes its rows (through Django, like transitions:
    no database foreign keys of their own, the ids are copies of checked event columns)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "channel"], name="events_casechannel_unique")]
        indexes = [models.Index(fields=["channel", "case"], name="events_casechannel_channel")]

    def __str__(self):
        return f"{self.case_id}: {self.channel_id}"


class CaseStep(models.Model):
    """For a case with at least one event that records its department: the distinct directly-follows steps of
    the case as department sources, each side either the recorded department (-id) or the activity (+id) whose
    touchpoint owner stands in for it when the event records none. Read at request time against the current
    touchpoint owners, these give the handover filter exactly without scanning transitions; a case with no
    recorded department has no rows (its handovers follow from its variant, VariantStep). Rewritten with the
    case's transitions (services._store_cases); deleting a department rewrites the rows that name it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    from_code = models.IntegerField()
    to_code = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "from_code", "to_code"], name="events_casestep_unique"),
        ]
        indexes = [models.Index(fields=["from_code", "to_code", "case"], name="events_casestep_codes")]

    def __str__(self):
        return f"{self.case_id}: {self.from_code} -> {self.to_code}"


class Transition(models.Model):
    """A directly-follows pair within one case: `to_activity` came right after `from_activity`."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions", db_constraint=False)
    # Activities and departments are copies of the two events' own columns (which the database checks), written
    # only by services.cases_refresh: no foreign-key check of their own (it cost more than writing the rows,
    # ~4 checks per step of every import); deletions still cascade / set NULL through Django (on_delete). Not
    # indexed by activity: nothing looks transitions up by it (an activity with transitions has events, which
    # protect it from deletion); departments only where set (deleting one sets them NULL).
    from_activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    to_activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    seconds = models.FloatField()
    # The departments recorded on the two events themselves (None when the event names none); the department
    # of a step is this, else the owning department of the activity's touchpoint (resolved when read, so a
    # remapped activity needs no recomputation).
    from_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    to_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    # When the second event happened (for handovers: when the receiving department took over); the re-contact
    # window of the handover view starts here.
    at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["from_department"], name="events_trans_from_dept", condition=Q(from_department__isnull=False)
            ),
            models.Index(
                fields=["to_department"], name="events_trans_to_dept", condition=Q(to_department__isnull=False)
            ),
        ]

    def __str__(self):
        return f"{self.from_activity_id} -> {self.to_activity_id}"


class VariantDurations(models.Model):
    """The seconds of every directly-follows step `from_activity` -> `to_activity` taken by the cases of a log
    whose variant is `variant`: a sorted array of float64 (little-endian) in `seconds`, `count` its length (the
    variant's cases in the log times how often its path takes the step). Discovery filters that select whole
    variants (an activity, a handover through the variants' steps, perhaps a log) read these rows instead of
    the selected cases' transitions, with exact median and p90 (selectors._discover_variants). Kept on every
    write by adding and removing the steps of the cases it recomputes (durations.py, in the same transaction;
    deleting a log deletes its rows); a row that does not match the cases is never used (the reader checks the
    counts) and is rebuilt on the next write of its variant."""

    log = models.ForeignKey(EventLog, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+", db_index=False,
                                db_constraint=False)  # fmt: skip
    from_activity = models.PositiveIntegerField()
    to_activity = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    seconds = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "log", "from_activity", "to_activity"], name="events_variantdurations_unique"
            )
        ]
        indexes = [models.Index(fields=["log"], name="events_variantdurations_log")]

    def __str__(self):
        return f"{self.log_id}/{self.variant_id}: {self.from_activity} -> {self.to_activity} ({self.count})"


class EdgeSummary(models.Model):
    """The directly-follows map of a whole log (`log` NULL: of all logs together): count and exact median and
    90th percentile of the seconds between the two steps. Recomputed with the cases on every write of the log
    (services.cases_refresh -> aggregates.refresh), read by discovery when no filter other than the log is set."""

    log = models.ForeignKey(EventLog, null=True, blank=True, on_delete=models.CASCADE, related_name="+", **DERIVED)
    from_activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+", **DERIVED)
    to_activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+", **DERIVED)
    count = models.PositiveIntegerField()
    median_seconds = models.FloatField()
    p90_seconds = models.FloatField()

    def __str__(self):
        return f"{self.from_activity_id} -> {self.to_activity_id}: {self.count}"


class VariantSummary(models.Model):
    """How many cases of a whole log (`log` NULL: of all logs) took each variant; maintained like EdgeSummary."""

    log = models.ForeignKey(EventLog, null=True, blank=True, on_delete=models.CASCADE, related_name="+", **DERIVED)
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+", **DERIVED)
    cases = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.variant_id}: {self.cases}"


class PeriodVariantCounts(models.Model):
    """How many cases of a log that started in a period took each variant (the period: DayVariant.day or
    MonthVariant.month)."""

    log = models.ForeignKey(EventLog, on_delete=models.CASCADE, related_name="+", **DERIVED)
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+", **DERIVED)
    cases = models.PositiveIntegerField()

    class Meta:
        abstract = True


class PeriodEdgeHistogram(models.Model):
    """A duration histogram of one directly-follows pair for the cases of a log that started in a period: per
    log-spaced bucket (aggregates.bucket_of) the count and the shortest and longest seconds in it. Summed over
    periods and buckets it gives exact edge counts and median/p90 within the bucket error (aggregates.ALPHA)."""

    log = models.ForeignKey(EventLog, on_delete=models.CASCADE, related_name="+", **DERIVED)
    from_activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+", **DERIVED)
    to_activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+", **DERIVED)
    bucket = models.IntegerField()
    count = models.PositiveIntegerField()
    low = models.FloatField()
    high = models.FloatField()

    class Meta:
        abstract = True


class DayVariant(PeriodVariantCounts):
    """Variant counts of the cases that started on `day` (local date, OPENCXM_TIME_ZONE). Kept for the touched
    days on every write (aggregates.refresh_days); discovery sums them for a period."""

    day = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["day", "log"], name="events_dayvariant_day_log")]

    def __str__(self):
        return f"{self.day} {self.variant_id}: {self.cases}"


class DayEdge(PeriodEdgeHistogram):
    """The duration histogram of an edge for the cases of a log that started on `day`."""

    day = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["day", "log"], name="events_dayedge_day_log")]

    def __str__(self):
        return f"{self.day} {self.from_activity_id} -> {self.to_activity_id} [{self.bucket}]: {self.count}"


class MonthVariant(PeriodVariantCounts):
    """DayVariant summed over a calendar month (`month`: its first day), so that long periods read few rows."""

    month = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["month", "log"], name="events_monthvariant_month_log")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.variant_id}: {self.cases}"


class MonthEdge(PeriodEdgeHistogram):
    """DayEdge summed over a calendar month (`month`: its first day): the same buckets, counts added, shortest
    and longest kept."""

    month = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["month", "log"], name="events_monthedge_month_log")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.from_activity_id} -> {self.to_activity_id} [{self.bucket}]: {self.count}"
