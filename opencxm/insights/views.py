"""Pages for insights and actions: list, detail, create/edit, transitions, validation, board."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opencxm.core.permissions import access_for, require
from opencxm.insights import rules, selectors, services
from opencxm.insights.choices import ACTION_TRANSITIONS, INSIGHT_TRANSITIONS, VALIDATE_FROM, ActionStatus, Track
from opencxm.insights.forms import (
    ActionFilterForm,
    ActionForm,
    ActionTransitionForm,
    InsightFilterForm,
    InsightForm,
    InsightTransitionForm,
    ValidateForm,
)

PAGE_SIZE = 25


def _next_statuses(transitions, current):
    return [target for target, sources in transitions.items() if current in sources]


@require_GET
def insight_list(request):
    require(access_for(request.user).can_read)
    form = InsightFilterForm(request.GET)
    filters = form.filters()
    page = Paginator(selectors.insight_list(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "insights": list(page.object_list),
        "counts": selectors.insight_counts_by_department(filters),
        "query": query.urlencode(),
    }
    return render(request, "insights/list.html", context)


@require_GET
def insight_detail(request, public_id):
    access = access_for(request.user)
    require(access.can_read)
    insight = selectors.insight_get(public_id)
    can_edit = rules.can_edit_owned(request.user, insight.owner_department_id)
    context = {
        "insight": insight,
        "feedback": selectors.insight_feedback(insight),
        "evidence": selectors.evidence_figure(insight),
        "timeline": selectors.insight_timeline(insight),
        "actions": selectors.insight_actions(insight, access),
        "can_edit": can_edit,
        "can_add_action": can_edit,
        "next_statuses": _next_statuses(INSIGHT_TRANSITIONS, insight.status) if can_edit else [],
        "can_validate": can_edit and insight.status in VALIDATE_FROM,
        "validate_form": ValidateForm(),
    }
    return render(request, "insights/detail.html", context)


def _render_insight_form(request, form, insight=None):
    feedback = form["feedback"].value() or []
    selected = form.fields["feedback"].queryset.filter(public_id__in=_uuids(feedback)).select_related("touchpoint")
    context = {"form": form, "insight": insight, "selected_feedback": selected}
    return render(request, "insights/form.html", context)


def _uuids(values):
    import uuid

    result = []
    for value in values:
        try:
            result.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return result


def _initial_from_feedback(request) -> dict:
    """Prefill from `?feedback=<uuid>&feedback=<uuid>...` (the explorer's 'Create insight' links)."""
    from opencxm.feedback.models import Feedback

    records = list(
        Feedback.objects.filter(public_id__in=_uuids(request.GET.getlist("feedback")))
        .select_related("touchpoint", "segment")
        .order_by("-responded_at")
    )
    if not records:
        return {}
    touchpoints = {r.touchpoint for r in records if r.touchpoint}
    first = next((r.touchpoint for r in records if r.touchpoint), None)
    initial = {
        "feedback": [r.public_id for r in records],
        "touchpoints": list(touchpoints),
        "segments": list({r.segment for r in records if r.segment}),
    }
    if first is not None:
        initial["owner_department"] = first.owner_department_id
    return initial


@require_http_methods(["GET", "POST"])
def insight_create(request):
    require(rules.can_create(request.user))
    if request.method == "GET":
        return _render_insight_form(request, InsightForm(initial=_initial_from_feedback(request)))
    form = InsightForm(request.POST)
    if not form.is_valid():
        return _render_insight_form(request, form)
    insight = services.insight_create(actor=request.user, data=form.service_data(), relations=form.relations())
    messages.success(request, _("Insight recorded."))
    return redirect("insights:detail", public_id=insight.public_id)


@require_http_methods(["GET", "POST"])
def insight_edit(request, public_id):
    insight = selectors.insight_get(public_id)
    require(rules.can_edit_owned(request.user, insight.owner_department_id))
    if request.method == "GET":
        return _render_insight_form(request, InsightForm(instance=insight), insight)
    form = InsightForm(request.POST, instance=insight)
    if not form.is_valid():
        return _render_insight_form(request, form, insight)
    require(rules.can_edit_owned(request.user, form.cleaned_data["owner_department"].id))
    insight = selectors.insight_get(
        public_id
    )  # the form changed the instance; the service compares with the stored one
    services.insight_update(actor=request.user, insight=insight, data=form.service_data(), relations=form.relations())
    messages.success(request, _("Insight saved."))
    return redirect("insights:detail", public_id=insight.public_id)


@require_POST
def insight_transition(request, public_id):
    insight = selectors.insight_get(public_id)
    require(rules.can_edit_owned(request.user, insight.owner_department_id))
    form = InsightTransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown status."))
        return redirect("insights:detail", public_id=insight.public_id)
    try:
        services.insight_transition(actor=request.user, insight=insight, **form.cleaned_data)
        messages.success(request, _("Status changed to %(status)s.") % {"status": insight.get_status_display()})
    except services.TransitionError as error:
        messages.error(request, str(error))
    return redirect("insights:detail", public_id=insight.public_id)


@require_http_methods(["GET", "POST"])
def insight_validate(request, public_id):
    insight = selectors.insight_get(public_id)
    require(rules.can_edit_owned(request.user, insight.owner_department_id))
    form = ValidateForm(request.POST or None)
    if request.method == "GET" or not form.is_valid():
        return render(request, "insights/validate.html", {"insight": insight, "form": form})
    try:
        services.insight_validate(actor=request.user, insight=insight, **form.cleaned_data)
        messages.success(request, _("Validation recorded."))
    except services.TransitionError as error:
        messages.error(request, str(error))
    return redirect("insights:detail", public_id=insight.public_id)


# --- actions -----------------------------------------------------------------------------------------


def _action_departments(request):
    """Departments the user may assign actions to (None = all)."""
    return None if access_for(request.user).can_edit_all else rules.editor_departments(request.user)


@require_http_methods(["GET", "POST"])
def action_create(request, public_id):
    insight = selectors.insight_get(public_id)
    require(rules.can_edit_owned(request.user, insight.owner_department_id))
    departments = _action_departments(request)
    if request.method == "GET":
        initial = {"owner_department": insight.owner_department_id, "touchpoints": list(insight.touchpoints.all())}
        initial["track"] = request.GET.get("track") if request.GET.get("track") in Track.values else Track.ROADMAP
        form = ActionForm(initial=initial, departments=departments)
        return render(request, "insights/action_form.html", {"form": form, "insight": insight})
    form = ActionForm(request.POST, departments=departments)
    if not form.is_valid():
        return render(request, "insights/action_form.html", {"form": form, "insight": insight})
    action = services.action_create(
        actor=request.user, insight=insight, data=form.service_data(), touchpoints=form.cleaned_data["touchpoints"]
    )
    messages.success(request, _("Action planned."))
    return redirect("insights:action_detail", public_id=action.public_id)


@require_GET
def action_list(request):
    access = access_for(request.user)
    require(access.can_read)
    form = ActionFilterForm(request.GET)
    page = Paginator(selectors.action_list(access, form.filters()), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "actions": list(page.object_list), "all": rules.reads_all_actions(access)}
    return render(request, "insights/action_list.html", context)


@require_GET
def action_board(request):
    access = access_for(request.user)
    require(access.can_read)
    form = ActionFilterForm(request.GET)
    by = form.value("by") or "stage"
    board = selectors.action_board(access, by=by, department=form.value("department"))
    return render(request, "insights/board.html", {"form": form, "board": board, "by": by})


@require_GET
def action_detail(request, public_id):
    access = access_for(request.user)
    require(access.can_read)
    action = selectors.action_get(access, public_id)
    can_edit = rules.can_edit_owned(request.user, action.owner_department_id)
    context = {
        "action": action,
        "effect": selectors.action_effect(action),
        "timeline": selectors.action_timeline(action),
        "can_edit": can_edit,
        "next_statuses": _next_statuses(ACTION_TRANSITIONS, action.status) if can_edit else [],
        "done": action.status == ActionStatus.DONE,
    }
    return render(request, "insights/action_detail.html", context)


@require_http_methods(["GET", "POST"])
def action_edit(request, public_id):
    access = access_for(request.user)
    action = selectors.action_get(access, public_id)
    require(rules.can_edit_owned(request.user, action.owner_department_id))
    departments = _action_departments(request)
    if departments is not None:
        departments = departments | {action.owner_department_id}
    form = ActionForm(request.POST or None, instance=action, departments=departments)
    context = {"form": form, "insight": action.insight, "action": action}
    if request.method == "GET" or not form.is_valid():
        return render(request, "insights/action_form.html", context)
    require(rules.can_edit_owned(request.user, form.cleaned_data["owner_department"].id))
    action = selectors.action_get(access, public_id)
    services.action_update(
        actor=request.user, action=action, data=form.service_data(), touchpoints=form.cleaned_data["touchpoints"]
    )
    messages.success(request, _("Action saved."))
    return redirect("insights:action_detail", public_id=action.public_id)


@require_POST
def action_transition(request, public_id):
    action = selectors.action_get(access_for(request.user), public_id)
    require(rules.can_edit_owned(request.user, action.owner_department_id))
    form = ActionTransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown status."))
        return redirect("insights:action_detail", public_id=action.public_id)
    try:
        services.action_transition(actor=request.user, action=action, **form.cleaned_data)
        messages.success(request, _("Status changed to %(status)s.") % {"status": action.get_status_display()})
    except services.TransitionError as error:
        messages.error(request, str(error))
    return redirect("insights:action_detail", public_id=action.public_id)
