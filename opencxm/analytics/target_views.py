"""Pages for goals and alerts: the target list with current figures, create/edit/delete, alert inboxes."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from opencxm.analytics import alerts, targets
from opencxm.analytics.metrics import metric
from opencxm.analytics.models import Target
from opencxm.analytics.selectors import latest_data_day
from opencxm.analytics.target_forms import TargetForm
from opencxm.core.permissions import access_for, require

PAGE_SIZE = 25


@require_GET
def target_list(request):
    access = access_for(request.user)
    require(access.can_read)
    page = Paginator(targets.target_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    real_today = targets.local_today()
    today = _as_of(request.GET.get("on"), real_today)
    values = targets.current_values(page.object_list, today)
    rows = [_row(target, values[target.pk], access, today) for target in page.object_list]
    context = {"page": page, "rows": rows, "today": today, "real_today": real_today, "as_of": today != real_today}
    if rows and not any(row["n"] for row in rows):
        # Nothing in the trailing windows (e.g. a data source stopped, or the demo year ended): offer the
        # figures as of the day after the latest feedback instead of a table of dashes.
        latest = latest_data_day()
        if latest is not None and latest + timedelta(days=1) < today:
            context["latest"], context["latest_as_of"] = latest, latest + timedelta(days=1)
    return render(request, "analytics/targets/list.html", context)


def _as_of(value: str | None, today: date) -> date:
    """The day the windows end before: `?on=YYYY-MM-DD` (not after today), else today."""
    try:
        chosen = date.fromisoformat(value) if value else today
    except ValueError:
        return today
    return min(chosen, today)


def _row(target: Target, estimate, access, today) -> dict:
    start, end = targets.window(target, today)
    return {
        "target": target,
        "metric_label": metric(target.metric).label,
        "value": targets.format_value(target.metric, estimate.value),
        "n": estimate.n,
        "status": targets.status(target, estimate.value, estimate.n),
        "target_value": targets.format_value(target.metric, target.target_value),
        "warning_value": targets.format_value(target.metric, target.warning_value),
        "window_start": start,
        "window_end": end,
        "active": (target.valid_from or today) <= today <= (target.valid_until or today),
        "can_edit": targets.can_edit_target(access, target),
    }


def _render_form(request, form, target=None):
    form.limit_choices(access_for(request.user))
    if request.htmx and request.htmx.target == "scope-fields":
        return render(request, "analytics/targets/form.html#scope_fields", {"form": form})
    return render(request, "analytics/targets/form.html", {"form": form, "target": target})


def _candidate(form, target=None) -> Target:
    """The target as the form would save it, to check permission before anything is written."""
    candidate = Target(pk=target.pk if target else None, scope_type=form.cleaned_data["scope_type"])
    for name in targets.SCOPE_FKS:
        setattr(candidate, name, form.cleaned_data.get(name))
    return candidate


def _allowed(access, form, target=None) -> bool:
    candidate = _candidate(form, target)
    owner = form.cleaned_data.get("owner_department")
    owner_ok = access.can_edit_all or owner is None or owner.pk in access.ambassador_of
    return owner_ok and targets.can_edit_target(access, candidate)


@require_http_methods(["GET", "POST"])
def target_create(request):
    access = access_for(request.user)
    require(access.can_edit_some)
    if request.method == "GET":
        return _render_form(request, TargetForm(initial=request.GET.dict()))
    form = TargetForm(request.POST)
    if not form.is_valid():
        return _render_form(request, form)
    require(_allowed(access, form))
    try:
        targets.target_create(actor=request.user, data=form.service_data())
    except ValidationError as error:
        form.add_error(None, error)
        return _render_form(request, form)
    messages.success(request, _("Target saved."))
    return redirect("targets:list")


@require_http_methods(["GET", "POST"])
def target_edit(request, public_id):
    access = access_for(request.user)
    target = targets.target_get(public_id)
    require(targets.can_edit_target(access, target))
    if request.method == "GET":
        form = TargetForm(instance=target, initial=request.GET.dict())
        return _render_form(request, form, target)
    form = TargetForm(request.POST, instance=targets.target_get(public_id))
    if not form.is_valid():
        return _render_form(request, form, target)
    require(_allowed(access, form, target))
    try:
        targets.target_update(actor=request.user, target=targets.target_get(public_id), data=form.service_data())
    except ValidationError as error:
        form.add_error(None, error)
        return _render_form(request, form, target)
    messages.success(request, _("Target saved."))
    return redirect("targets:list")


@require_http_methods(["GET", "POST"])
def target_delete(request, public_id):
    target = targets.target_get(public_id)
    require(targets.can_edit_target(access_for(request.user), target))
    if request.method == "GET":
        context = {"target": target, "metric_label": metric(target.metric).label}
        return render(request, "analytics/targets/delete.html", context)
    targets.target_delete(actor=request.user, target=target)
    messages.success(request, _("Target deleted."))
    return redirect("targets:list")


@require_GET
def inbox(request):
    access = access_for(request.user)
    require(access.can_read)
    context = {**alerts.alert_inbox(access), "department": None, "sees_all": alerts.sees_all_alerts(access)}
    return render(request, "analytics/alerts/inbox.html", context)


@require_GET
def department_inbox(request, public_id):
    access = access_for(request.user)
    department = alerts.department_get(public_id)
    require(alerts.can_read_department_inbox(access, department))
    context = {**alerts.alert_inbox(access, department), "department": department, "sees_all": False}
    return render(request, "analytics/alerts/inbox.html", context)
