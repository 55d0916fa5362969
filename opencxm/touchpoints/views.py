"""Pages of the touchpoint registry: list, detail, create/edit/retire, import, export, channels."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from opencxm.accounts.models import Department
from opencxm.core.permissions import access_for, require
from opencxm.touchpoints import exporting, selectors, services
from opencxm.touchpoints.forms import (
    ChannelForm,
    ContributionFormSet,
    ImportForm,
    TouchpointFilterForm,
    TouchpointForm,
    contribution_initial,
)
from opencxm.touchpoints.importing import ImportRejected, read_touchpoint_file
from opencxm.touchpoints.models import Channel

PAGE_SIZE = 25


def _filter_form(request) -> TouchpointFilterForm:
    return TouchpointFilterForm(
        request.GET,
        channels=Channel.objects.order_by("name"),
        departments=Department.objects.order_by("name"),
        stages=selectors.stage_names(),
    )


@require_GET
def touchpoint_list(request):
    require(access_for(request.user).can_read)
    form = _filter_form(request)
    page = Paginator(selectors.touchpoint_list(form.filters()), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "touchpoints": list(page.object_list)}
    if request.htmx and request.htmx.target == "touchpoint-results":
        return render(request, "touchpoints/list.html#results", context)
    return render(request, "touchpoints/list.html", context)


@require_GET
def touchpoint_detail(request, public_id):
    access = access_for(request.user)
    require(access.can_read)
    touchpoint = selectors.touchpoint_get(public_id)
    context = {
        "touchpoint": touchpoint,
        "appearances": selectors.touchpoint_appearances(touchpoint),
        "history": selectors.touchpoint_history(touchpoint),
        "can_edit": access.can_edit_department(touchpoint.owner_department_id),
    }
    return render(request, "touchpoints/detail.html", context)


def _render_form(request, form, formset, touchpoint=None):
    access = access_for(request.user)
    if not access.can_edit_all:
        form.limit_owner_choices(access.ambassador_of)
    return render(request, "touchpoints/form.html", {"form": form, "formset": formset, "touchpoint": touchpoint})


@require_http_methods(["GET", "POST"])
def touchpoint_create(request):
    access = access_for(request.user)
    require(access.can_edit_some)
    if request.method == "GET":
        return _render_form(request, TouchpointForm(), ContributionFormSet(prefix="contrib"))
    form = TouchpointForm(request.POST)
    formset = ContributionFormSet(request.POST, prefix="contrib")
    if not (form.is_valid() and formset.is_valid()):
        return _render_form(request, form, formset)
    require(access.can_edit_department(form.cleaned_data["owner_department"].id))
    touchpoint = services.touchpoint_create(
        actor=request.user, data=form.service_data(), contributions=formset.contributions()
    )
    messages.success(request, _("Touchpoint %(code)s created.") % {"code": touchpoint.code})
    return redirect("touchpoints:detail", public_id=touchpoint.public_id)


@require_http_methods(["GET", "POST"])
def touchpoint_edit(request, public_id):
    access = access_for(request.user)
    touchpoint = selectors.touchpoint_get(public_id)
    require(access.can_edit_department(touchpoint.owner_department_id))
    if request.method == "GET":
        formset = ContributionFormSet(prefix="contrib", initial=contribution_initial(touchpoint))
        return _render_form(request, TouchpointForm(instance=touchpoint), formset, touchpoint)
    form = TouchpointForm(request.POST, instance=touchpoint)
    formset = ContributionFormSet(request.POST, prefix="contrib", initial=contribution_initial(touchpoint))
    if not (form.is_valid() and formset.is_valid()):
        return _render_form(request, form, formset, touchpoint)
    require(access.can_edit_department(form.cleaned_data["owner_department"].id))
    # the form has already set the new values on the instance; the service compares with the stored state
    touchpoint = selectors.touchpoint_get(public_id)
    services.touchpoint_update(
        actor=request.user, touchpoint=touchpoint, data=form.service_data(), contributions=formset.contributions()
    )
    messages.success(request, _("Touchpoint %(code)s saved.") % {"code": touchpoint.code})
    return redirect("touchpoints:detail", public_id=touchpoint.public_id)


@require_http_methods(["GET", "POST"])
def touchpoint_retire(request, public_id):
    touchpoint = selectors.touchpoint_get(public_id)
    require(access_for(request.user).can_edit_department(touchpoint.owner_department_id))
    if request.method == "GET":
        return render(request, "touchpoints/retire.html", {"touchpoint": touchpoint})
    services.touchpoint_retire(actor=request.user, touchpoint=touchpoint)
    messages.success(request, _("Touchpoint %(code)s retired.") % {"code": touchpoint.code})
    return redirect("touchpoints:detail", public_id=touchpoint.public_id)


@require_http_methods(["GET", "POST"])
def touchpoint_import(request):
    access = access_for(request.user)
    require(access.can_edit_some)
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "max_bytes": settings.OPENCXM_UPLOAD_MAX_BYTES, "problems": []}
    if request.method == "GET" or not form.is_valid():
        return render(request, "touchpoints/import.html", context)
    data = form.cleaned_data["file"].read()
    try:
        rows = read_touchpoint_file(
            data, selectors.import_references(access=access), max_bytes=settings.OPENCXM_UPLOAD_MAX_BYTES
        )
    except ImportRejected as rejected:
        context["problems"] = [str(problem) for problem in rejected.problems]
        return render(request, "touchpoints/import.html", context)
    dry_run = form.cleaned_data["dry_run"]
    counts = services.touchpoints_import(actor=request.user, rows=rows, dry_run=dry_run)
    text = _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged.") % counts.__dict__
    if dry_run:
        context["checked"] = _("The file is valid. Importing it would give: %(counts)s") % {"counts": text}
        return render(request, "touchpoints/import.html", context)
    messages.success(request, _("Import finished: %(counts)s") % {"counts": text})
    return redirect("touchpoints:list")


@require_GET
def touchpoint_export(request):
    require(access_for(request.user).can_read)
    touchpoints = selectors.touchpoints_for_export(_filter_form(request).filters())
    if request.GET.get("format") == "xlsx":
        content = exporting.export_xlsx(touchpoints)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        filename = "touchpoints.xlsx"
    else:
        content = exporting.export_csv(touchpoints)
        content_type = "text/csv; charset=utf-8"
        filename = "touchpoints.csv"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
def channel_list(request):
    access = access_for(request.user)
    require(access.can_read)
    form = ChannelForm(request.POST or None)
    if request.method == "POST":
        require(access.can_edit_all)
        if form.is_valid():
            services.channel_create(actor=request.user, data=form.cleaned_data)
            messages.success(request, _("Channel created."))
            return redirect("touchpoints:channels")
    return render(request, "touchpoints/channels.html", {"channels": selectors.channel_list(), "form": form})


@require_http_methods(["GET", "POST"])
def channel_edit(request, public_id):
    require(access_for(request.user).can_edit_all)
    channel = selectors.channel_get(public_id)
    form = ChannelForm(request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():
        services.channel_update(actor=request.user, channel=selectors.channel_get(public_id), data=form.cleaned_data)
        messages.success(request, _("Channel saved."))
        return redirect("touchpoints:channels")
    return render(request, "touchpoints/channel_form.html", {"form": form, "channel": channel})
