"""Goals: targets for a metric at a scope and period, with a warning band; their status and current figures.

Reads (`target_for`, `active_targets`, `target_list`, `current_values`) and writes (`target_create`,
`target_update`, `target_delete`) of targets live here. Figures come from the one query runner.
"""

import re
from collections import defaultdict
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from opencxm.analytics.metrics import metric
from opencxm.analytics.models import Target
from opencxm.analytics.runner import QuerySpec, run
from opencxm.analytics.stats import Estimate
from opencxm.core.audit import audit_record, diff, snapshot

OK, WARNING, BREACH, NO_DATA, TOO_FEW = "ok", "warning", "breach", "no_data", "too_few"
STATUS_LABELS = {
    OK: _("on target"),
    WARNING: _("warning"),
    BREACH: _("breach"),
    NO_DATA: _("no data"),
    TOO_FEW: _("too few responses"),
}
UNDECIDED = (NO_DATA, TOO_FEW)  # no figure to judge by: an alert is neither raised nor closed
# scope type -> (QuerySpec filter, runner dimension); the company scope filters nothing
SCOPE_QUERY = {
    Target.Scope.JOURNEY: ("journeys", "journey"),
    Target.Scope.STAGE: ("stages", "stage"),
    Target.Scope.TOUCHPOINT: ("touchpoints", "touchpoint"),
    Target.Scope.DEPARTMENT: ("departments", "department"),
}
SCOPE_FKS = ("journey", "stage", "touchpoint", "department")
AUDIT_FIELDS = [
    "metric", "scope_type", "journey", "stage", "touchpoint", "department", "valid_from", "valid_until",
    "target_value", "warning_value", "window_days", "min_responses", "goal_type", "owner_department", "note",
]  # fmt: skip
METRIC_KEY = re.compile(r"[a-z0-9_-]{1,60}")  # registry keys and custom measurement keys
RELATED = ("journey", "stage__journey", "touchpoint", "department", "owner_department")


def local_today() -> date:
    return timezone.localdate()


def status(target: Target, value: float | None, n: int | None = None) -> str:
    """ "ok" at or beyond the target, "warning" between target and warning value, "breach" beyond the
    warning value on the bad side (given the metric's direction), "no_data" without a figure, "too_few"
    when the figure rests on `n` responses, fewer than the target's `min_responses` (not checked without `n`)."""
    if value is None:
        return NO_DATA
    if n is not None and n < target.min_responses:
        return TOO_FEW
    if metric(target.metric).higher_is_better:
        return OK if value >= target.target_value else WARNING if value >= target.warning_value else BREACH
    return OK if value <= target.target_value else WARNING if value <= target.warning_value else BREACH


def window(target: Target, today: date) -> tuple[date, date]:
    """The trailing evaluation window: the `window_days` complete days before `today`."""
    end = today - timedelta(days=1)
    return end - timedelta(days=target.window_days - 1), end


def active_targets(on: date | None = None):
    """Targets whose period contains the day `on` (default: today), with their scope objects loaded."""
    on = on or local_today()
    started = Q(valid_from__isnull=True) | Q(valid_from__lte=on)
    not_ended = Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    return Target.objects.filter(started & not_ended).select_related(*RELATED)


def target_for(metric_key: str, *, scope_type: str, scope_id: int | None = None, on: date | None = None):
    """The active target for a metric at a scope on a day (the one with the latest start), or None."""
    queryset = active_targets(on).filter(metric=metric_key, scope_type=scope_type)
    if scope_type != Target.Scope.COMPANY:
        queryset = queryset.filter(**{f"{scope_type}_id": scope_id})
    return queryset.order_by("-valid_from", "-id").first()


def target_get(public_id) -> Target:
    return get_object_or_404(Target.objects.select_related(*RELATED), public_id=public_id)


def target_list():
    """All targets, current ones first, with everything the list page shows loaded in one query."""
    return Target.objects.select_related(*RELATED).order_by("metric", "scope_type", "-valid_from", "id")


def current_values(targets, today: date | None = None) -> dict[int, Estimate]:
    """Each target's figure over its trailing window, as {target pk: Estimate}.

    Targets of the same metric, scope type and window share one grouped runner query, so the number of
    queries depends on the variety of targets, not on their number.
    """
    today = today or local_today()
    batches = defaultdict(list)
    for target in targets:
        batches[(target.metric, target.scope_type, target.window_days)].append(target)
    values = {}
    for (metric_key, scope_type, _days), members in batches.items():
        start, end = window(members[0], today)
        values.update(_batch_values(metric_key, scope_type, members, start, end))
    return values


def _batch_values(metric_key, scope_type, members, start, end) -> dict[int, Estimate]:
    if scope_type == Target.Scope.COMPANY:
        rows = run(QuerySpec(metric_key, start=start, end=end))
        estimate = rows[0].estimate if rows else Estimate(None, 0)
        return {target.pk: estimate for target in members}
    filter_name, dimension = SCOPE_QUERY[scope_type]
    ids = tuple(sorted({target.scope_id for target in members}))
    spec = QuerySpec(metric_key, group_by=(dimension,), start=start, end=end, **{filter_name: ids})
    by_scope = {row.key[dimension]: row.estimate for row in run(spec)}
    return {target.pk: by_scope.get(target.scope_id, Estimate(None, 0)) for target in members}


def scope_filters(target: Target) -> dict:
    """The QuerySpec filters selecting the target's scope."""
    if target.scope_type == Target.Scope.COMPANY:
        return {}
    return {SCOPE_QUERY[target.scope_type][0]: (target.scope_id,)}


# --- permissions ---------------------------------------------------------------------------------------------


def scope_department_id(target: Target) -> int | None:
    """The department that owns the scope itself (touchpoint owner or the department), if any."""
    if target.scope_type == Target.Scope.TOUCHPOINT and target.touchpoint_id:
        return target.touchpoint.owner_department_id
    if target.scope_type == Target.Scope.DEPARTMENT:
        return target.department_id
    return None


def can_edit_target(access, target: Target) -> bool:
    """CX lead/team and admins edit every target; an ambassador the targets of their department's
    touchpoints and of their department itself."""
    if access.can_edit_all:
        return True
    department_id = scope_department_id(target)
    return department_id is not None and access.can_edit_department(department_id)


# --- writes --------------------------------------------------------------------------------------------------


def _apply(target: Target, data: dict) -> None:
    for name, value in data.items():
        setattr(target, name, value)
    for name in SCOPE_FKS:  # only the FK matching the scope type is kept
        if name != target.scope_type:
            setattr(target, name, None)
    if target.owner_department_id is None:
        target.owner_department_id = scope_department_id(target)


def _validate(target: Target) -> None:
    errors = {}
    if not METRIC_KEY.fullmatch(target.metric or ""):
        errors["metric"] = _("Choose a metric.")
    elif metric(target.metric).higher_is_better and target.warning_value > target.target_value:
        errors["warning_value"] = _("Higher is better here: the warning threshold must not exceed the target.")
    elif not metric(target.metric).higher_is_better and target.warning_value < target.target_value:
        errors["warning_value"] = _("Lower is better here: the warning threshold must not be below the target.")
    if target.scope_type != Target.Scope.COMPANY and target.scope_id is None:
        errors[target.scope_type] = _("Required for this scope.")
    if target.owner_department_id is None:
        errors["owner_department"] = _("Choose the department that owns this target.")
    if target.valid_from and target.valid_until and target.valid_from > target.valid_until:
        errors["valid_until"] = _("The period ends before it starts.")
    if not errors and _overlapping(target).exists():
        errors["valid_from"] = _("Another target for this metric and scope overlaps this period.")
    if errors:
        raise ValidationError(errors)


def _overlapping(target: Target):
    others = Target.objects.filter(metric=target.metric, scope_type=target.scope_type).exclude(pk=target.pk)
    if target.scope_type != Target.Scope.COMPANY:
        others = others.filter(**{f"{target.scope_type}_id": target.scope_id})
    if target.valid_until:
        others = others.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=target.valid_until))
    if target.valid_from:
        others = others.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=target.valid_from))
    return others


def target_create(*, actor, data: dict) -> Target:
    """Create a target; the owner department defaults to the scope's owner. Raises ValidationError."""
    target = Target()
    _apply(target, data)
    _validate(target)
    with transaction.atomic():
        target.save()
        audit_record(actor=actor, action="create", instance=target, changes=snapshot(target, AUDIT_FIELDS))
    return target


def target_update(*, actor, target: Target, data: dict) -> Target:
    """Change a target (scope, period, values, window, owner). Raises ValidationError."""
    before = snapshot(target, AUDIT_FIELDS)
    _apply(target, data)
    _validate(target)
    with transaction.atomic():
        target.save()
        changes = diff(before, snapshot(target, AUDIT_FIELDS))
        audit_record(actor=actor, action="update", instance=target, changes=changes)
    return target


def target_delete(*, actor, target: Target) -> None:
    """Delete a target together with its alerts."""
    with transaction.atomic():
        audit_record(actor=actor, action="delete", instance=target, changes=snapshot(target, AUDIT_FIELDS))
        target.delete()


def format_value(metric_key: str, value: float | None) -> str:
    """A figure in the metric's decimals and unit, localised (decimal comma in German)."""
    if value is None:
        return "–"
    definition = metric(metric_key)
    text = number_format(round(value, definition.decimals) + 0.0, decimal_pos=definition.decimals, use_l10n=True)
    return f"{text} {definition.unit}".strip()
