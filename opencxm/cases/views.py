"""Pages of the cases app: the department inbox, the case page with its actions, case rules and the
handover view. Permission checks come first; a denied write changes nothing."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opencxm.accounts.models import Department
from opencxm.cases import selectors, services
from opencxm.cases.forms import ACTION_FORMS, CaseFilterForm, CaseRuleForm, action_form
from opencxm.cases.permissions import case_access_for
from opencxm.core.permissions import require

PAGE_SIZE = 25


@require_GET
def inbox(request):
    """My departments' open cases, most urgent first (CX team and board: every department)."""
    case_access = case_access_for(request.user)
    require(case_access.access.can_read)
    departments = Department.objects.order_by("name")
    if not case_access.reads_all:
        departments = departments.filter(pk__in=case_access.access.member_of)
    form = CaseFilterForm(request.GET, departments=departments)
    cases = selectors.case_list(case_access, form.filters(), user=request.user)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "cases": list(page.object_list),
               "counts": selectors.inbox_counts(case_access)}  # fmt: skip
    if request.htmx and request.htmx.target == "case-results":
        return render(request, "cases/inbox.html#results", context)
    return render(request, "cases/inbox.html", context)


def _detail_context(request, case, forms=None, conflict=None) -> dict:
    case_access = case_access_for(request.user)
    can_work = case_access.can_work(case.department_id) and not case.is_closed
    forms = forms or {}
    context = {
        "case": case,
        "timeline": selectors.case_timeline(case),
        "journeys": selectors.case_journeys(case),
        "can_work": can_work,
        "conflict": conflict,
    }
    if can_work:
        context["forms"] = {name: forms.get(name) or action_form(name, case) for name in ACTION_FORMS}
    return context


@require_GET
def case_detail(request, public_id):
    case_access = case_access_for(request.user)
    require(case_access.access.can_read)
    case = selectors.case_get(case_access, public_id)
    return render(request, "cases/detail.html", _detail_context(request, case))


@require_POST
def case_action(request, public_id, action):
    """One of the case actions (assign, comment, handover, escalate, close) from the case page."""
    case_access = case_access_for(request.user)
    require(case_access.access.can_read)
    if action not in ACTION_FORMS:
        raise Http404
    case = selectors.case_get(case_access, public_id)
    require(case_access.can_work(case.department_id))
    form = action_form(action, case, request.POST)
    if not form.is_valid():
        return _render_panel(request, case, forms={action: form}, status=422)
    try:
        case = _perform(request.user, case, action, form.cleaned_data)
    except (services.CaseConflict, services.CaseInvalid) as error:
        case = selectors.case_get(case_access, public_id)
        status = 409 if isinstance(error, services.CaseConflict) else 422
        return _render_panel(request, case, conflict=error.message, status=status)
    return _after_action(request, case, case_access)


def _perform(actor, case, action: str, data: dict):
    version = data["version"]
    if action == "assign":
        return services.case_assign(actor=actor, case=case, assignee=data["assignee"], expected_version=version)
    if action == "comment":
        return services.case_comment(actor=actor, case=case, text=data["text"], expected_version=version)
    if action == "handover":
        return services.case_handover(actor=actor, case=case, to_department=data["to_department"],
                                      note=data["note"], expected_version=version)  # fmt: skip
    if action == "escalate":
        return services.case_escalate(actor=actor, case=case, reason=data["reason"], expected_version=version)
    return services.case_close(actor=actor, case=case, root_cause=data["root_cause"], resolution=data["resolution"],
                               root_cause_detail=data["root_cause_detail"], expected_version=version)  # fmt: skip


def _after_action(request, case, case_access):
    """Back to the case; to the inbox when the user no longer sees it (handed to a department they are not in)."""
    if not case_access.can_read(case.department_id):
        messages.success(request, _("Case %(number)s was handed over.") % {"number": case.number})
        target = reverse("cases:inbox")
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
    if request.htmx:
        fresh = selectors.case_get(case_access, case.public_id)
        return render(request, "cases/detail.html#panel", _detail_context(request, fresh))
    return redirect("cases:detail", public_id=case.public_id)


def _render_panel(request, case, *, forms=None, conflict=None, status=200):
    context = _detail_context(request, case, forms=forms, conflict=conflict)
    if request.htmx:  # htmx swaps only 2xx answers: the panel carries the errors itself
        return render(request, "cases/detail.html#panel", context)
    return render(request, "cases/detail.html", context, status=status)


# --- rules --------------------------------------------------------------------------------------------------


@require_GET
def rule_list(request):
    require(case_access_for(request.user).manages_rules)
    return render(request, "cases/rules.html", {"rules": list(selectors.rule_list())})


@require_http_methods(["GET", "POST"])
def rule_create(request):
    require(case_access_for(request.user).manages_rules)
    form = CaseRuleForm(request.POST or None, initial={"sla_hours": 48, "threshold": 6})
    if request.method == "POST" and form.is_valid():
        services.rule_create(actor=request.user, data=form.cleaned_data)
        messages.success(request, _("Case rule saved."))
        return redirect("cases:rules")
    return render(request, "cases/rule_form.html", {"form": form}, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def rule_edit(request, public_id):
    require(case_access_for(request.user).manages_rules)
    rule = selectors.rule_get(public_id)
    form = CaseRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        services.rule_update(actor=request.user, rule=selectors.rule_get(public_id), data=data)
        messages.success(request, _("Case rule saved."))
        return redirect("cases:rules")
    return render(request, "cases/rule_form.html", {"form": form, "rule": rule}, status=422 if form.errors else 200)


# --- handovers ----------------------------------------------------------------------------------------------


@require_GET
def handovers(request):
    """Per journey: the designed handovers between departments, with cases, waits and satisfaction."""
    require(case_access_for(request.user).access.can_read)
    journeys = selectors.journeys_for_handovers()
    wanted = request.GET.get("journey")
    journey = next((j for j in journeys if str(j.public_id) == wanted), journeys[0] if journeys else None)
    figures = selectors.journey_handover_figures(journey) if journey else []
    return render(request, "cases/handovers.html", {"journeys": journeys, "journey": journey, "figures": figures})
