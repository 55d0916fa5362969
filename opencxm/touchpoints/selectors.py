"""Reads for the touchpoint registry: filtered lists, the detail page, reference data for imports."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from opencxm.accounts.models import Department
from opencxm.core.audit import audit_history
from opencxm.journeys.models import JourneyStep, Stage
from opencxm.touchpoints.importing import References
from opencxm.touchpoints.models import Channel, Touchpoint, TouchpointContribution


@dataclass(frozen=True)
class TouchpointFilters:
    channel: str = ""  # channel code
    department: str = ""  # owning department code
    stage: str = ""  # stage name
    status: str = ""
    moment_of_truth: bool | None = None
    q: str = ""


def touchpoint_list(filters: TouchpointFilters = TouchpointFilters()) -> QuerySet:  # noqa: B008
    """Touchpoints matching the filters, with channel, owner and the number of journey steps (one query)."""
    touchpoints = Touchpoint.objects.select_related("channel", "owner_department").annotate(
        step_count=Count("journey_steps", distinct=True)
    )
    if filters.channel:
        touchpoints = touchpoints.filter(channel__code=filters.channel)
    if filters.department:
        touchpoints = touchpoints.filter(owner_department__code=filters.department)
    if filters.stage:
        in_stage = JourneyStep.objects.filter(touchpoint=OuterRef("pk"), stage__name=filters.stage)
        touchpoints = touchpoints.filter(Exists(in_stage))
    if filters.status:
        touchpoints = touchpoints.filter(status=filters.status)
    if filters.moment_of_truth is not None:
        touchpoints = touchpoints.filter(moment_of_truth=filters.moment_of_truth)
    if filters.q:
        touchpoints = touchpoints.filter(
            Q(code__icontains=filters.q) | Q(name__icontains=filters.q) | Q(description__icontains=filters.q)
        )
    return touchpoints.order_by("code")


def touchpoints_for_export(filters: TouchpointFilters) -> QuerySet:
    """Like the list, with contributions prefetched (three queries whatever the size)."""
    return touchpoint_list(filters).prefetch_related(_contributions())


def _contributions():
    return Prefetch("contributions", queryset=TouchpointContribution.objects.select_related("department"))


def stage_names() -> list[str]:
    """Distinct stage names over all journeys, for the stage filter."""
    return list(Stage.objects.order_by("name").values_list("name", flat=True).distinct())


def touchpoint_get(public_id) -> Touchpoint:
    """One touchpoint with channel, owner and contributing departments, or 404."""
    queryset = Touchpoint.objects.select_related("channel", "owner_department").prefetch_related(_contributions())
    return get_object_or_404(queryset, public_id=public_id)


def channel_get(public_id) -> Channel:
    return get_object_or_404(Channel, public_id=public_id)


def channel_list() -> QuerySet:
    return Channel.objects.annotate(touchpoint_count=Count("touchpoints")).order_by("name")


def touchpoint_appearances(touchpoint: Touchpoint) -> list[JourneyStep]:
    """The journey steps that use the touchpoint, with stage and journey, in journey and stage order."""
    return list(
        JourneyStep.objects.filter(touchpoint=touchpoint)
        .select_related("stage__journey__segment")
        .order_by("stage__journey__name", "stage__position", "position")
    )


AUDIT_LABELS = {
    "contributors": _("contributing departments"),
}


def touchpoint_history(touchpoint: Touchpoint) -> list[dict]:
    """Audit entries with their changes as (field label, old, new), newest first."""
    history = []
    for entry in audit_history(touchpoint):
        changes = [
            (_field_label(name), _display(values[0]), _display(values[1]))
            for name, values in (entry.changes or {}).items()
            if isinstance(values, list) and len(values) == 2
        ]
        history.append({"entry": entry, "changes": changes})
    return history


def _field_label(name: str):
    if name in AUDIT_LABELS:
        return AUDIT_LABELS[name]
    try:
        return Touchpoint._meta.get_field(name).verbose_name
    except Exception:  # a field that no longer exists
        return name


def _display(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def import_references(*, access) -> References:
    """Departments and channels by code and name; for ambassadors also the departments they may import for."""
    departments, channels = {}, {}
    for code, name in Department.objects.values_list("code", "name"):
        departments[name.casefold()] = code
        departments[code.casefold()] = code
    for code, name in Channel.objects.values_list("code", "name"):
        channels[name.casefold()] = code
        channels[code.casefold()] = code
    if access.can_edit_all:
        return References(departments=departments, channels=channels)
    allowed = frozenset(Department.objects.filter(id__in=access.ambassador_of).values_list("code", flat=True))
    owners = dict(Touchpoint.objects.values_list("code", "owner_department__code"))
    return References(departments=departments, channels=channels, allowed_departments=allowed, existing_owners=owners)
