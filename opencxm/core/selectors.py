"""Reads for the overview page."""

from django.db.models import Count, Q

from opencxm.accounts.models import Department
from opencxm.core.models import AuditEntry
from opencxm.journeys.models import Journey
from opencxm.touchpoints.models import Touchpoint


def overview_figures() -> dict:
    """Registry and organisation figures shown on the start page (a fixed number of queries)."""
    touchpoints = Touchpoint.objects.aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(status="active")),
        planned=Count("id", filter=Q(status="planned")),
        moments_of_truth=Count("id", filter=Q(moment_of_truth=True, status="active")),
    )
    by_channel = list(
        Touchpoint.objects.exclude(status="retired")
        .values("channel__name")
        .annotate(count=Count("id"))
        .order_by("-count", "channel__name")
    )
    journeys = list(
        Journey.objects.select_related("segment").annotate(step_count=Count("stages__steps")).order_by("name")
    )
    without_ambassador = list(
        Department.objects.filter(customer_facing=True)
        .annotate(ambassadors=Count("memberships", filter=Q(memberships__role="ambassador")))
        .filter(ambassadors=0)
        .order_by("name")
    )
    recent_changes = list(AuditEntry.objects.select_related("actor")[:8])
    return {
        "touchpoints": touchpoints,
        "by_channel": by_channel,
        "journeys": journeys,
        "without_ambassador": without_ambassador,
        "recent_changes": recent_changes,
    }
