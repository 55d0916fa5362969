"""Pages: event logs and upload, the activity mapping table, discovery of actual journeys."""

import os
import tempfile

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from opencxm.core.permissions import access_for, require
from opencxm.events import selectors, services
from opencxm.events.forms import DiscoverForm, UploadForm
from opencxm.events.records import EventError
from opencxm.touchpoints.models import Touchpoint

VARIANTS_SHOWN = 50


def event_message(error: EventError) -> str:
    """The error in the user's language (the templates are listed in texts.py for translation)."""
    return _(error.template) % error.params


@require_GET
def log_list(request):
    access = access_for(request.user)
    require(access.can_read)
    context = {"logs": selectors.log_list(), "form": UploadForm(), "can_upload": access.can_edit_all}
    return render(request, "events/log_list.html", context)


@require_POST
def log_upload(request):
    access = access_for(request.user)
    require(access.can_edit_all)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "events/log_list.html", {"logs": selectors.log_list(), "form": form, "can_upload": True})
    upload = form.cleaned_data["file"]
    try:
        result = _import_upload(request.user, upload, form.cleaned_data["log"] or upload.name)
    except EventError as error:
        form.add_error("file", event_message(error))
        return render(request, "events/log_list.html", {"logs": selectors.log_list(), "form": form, "can_upload": True})
    messages.success(request, _("%(created)s of %(received)s events imported into “%(log)s”.") % {
        "created": result.created, "received": result.received, "log": result.log.name})  # fmt: skip
    return redirect("events:logs")


def _import_upload(user, upload, log_name: str):
    suffix = ".gz" if upload.name.lower().endswith(".gz") else os.path.splitext(upload.name)[1]
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        return services.events_import_file(actor=user, path=copy.name, filename=upload.name, log_name=log_name)


@require_GET
def activity_list(request):
    access = access_for(request.user)
    require(access.can_read)
    context = {
        "activities": selectors.activity_list(),
        "touchpoints": Touchpoint.objects.order_by("code").only("public_id", "code", "name"),
        "can_map": access.can_edit_all,
    }
    return render(request, "events/activity_list.html", context)


@require_POST
def activity_map(request, public_id):
    require(access_for(request.user).can_edit_all)
    activity = selectors.activity_get(public_id)
    chosen = request.POST.get("touchpoint", "")
    touchpoint = get_object_or_404(Touchpoint, public_id=chosen) if chosen else None
    services.activity_map(actor=request.user, activity=activity, touchpoint=touchpoint)
    if request.headers.get("HX-Request"):
        activity = selectors.activity_list().get(pk=activity.pk)
        context = {"activity": activity, "touchpoints": Touchpoint.objects.order_by("code"), "can_map": True,
                   "saved": True}  # fmt: skip
        return render(request, "events/activity_list.html#activity_row", context)
    messages.success(request, _("Mapping saved."))
    return redirect("events:activities")


@require_GET
def discover(request):
    require(access_for(request.user).can_read)
    logs = list(selectors.log_list())
    form = DiscoverForm(request.GET or None, logs=logs)
    result = selectors.discover(_filters(form))
    context = {"form": form, "result": result, "variants": result.variants[:VARIANTS_SHOWN], "logs": logs}
    return render(request, "events/discover.html", context)


def _filters(form: DiscoverForm) -> selectors.Filters:
    if not form.is_bound or not form.is_valid():
        return selectors.Filters()
    data = form.cleaned_data
    text = {key: data[key] or "" for key in ("log", "activity", "channel", "segment")}
    return selectors.Filters(start=data["start"], end=data["end"], **text)
