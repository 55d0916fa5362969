"""Incrementally maintained rollups (sufficient statistics per day and dimension) and targets."""

from django.db import models


class FeedbackRollup(models.Model):
    """Sums over feedback per local day × source × touchpoint × channel × segment × kind.

    Every metric in the registry is computed from these sums, so dashboards never scan raw feedback.
    Rows for a (source, day) are rebuilt whenever feedback of that source and day is written.
    """

    day = models.DateField()
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
        indexes = [
            models.Index(fields=["source", "day"]),
            models.Index(fields=["day"]),
            models.Index(fields=["touchpoint", "day"]),
        ]

    def __str__(self):
        return f"{self.day} source={self.source_id} touchpoint={self.touchpoint_id} ({self.records})"


class RollupState(models.Model):
    """Fill state of a full rebuild, so an interrupted `opencxm rollups rebuild` resumes where it stopped."""

    name = models.CharField(max_length=40, unique=True)
    done_until = models.DateField(null=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    def __str__(self):
        return f"{self.name} until {self.done_until}"
