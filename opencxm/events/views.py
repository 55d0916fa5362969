"""Pages: event logs and upload, the activity mapping table, discovery of actual journeys."""

import os
import tempfile
from collections import Counter

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from opencxm.core.permissions import access_for, require
from opencxm.events import charts, selectors, services
from opencxm.events.forms import DiscoverForm, UploadForm
from opencxm.events.records import EventError
from opencxm.touchpoints.models import Touchpoint

VARIANTS_SHOWN = 50
MAP_EDGES_ALL = 25  # a map with more directly-follows edges starts with only the busiest shown
MAP_COVERAGE = 95  # ... those covering this percentage of all steps
MAP_ACTIVITIES = 20  # a map with more activities starts with the busiest ones, at most this many


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
    messages.success(request, import_summary(result))
    return redirect("events:logs")


def import_summary(result: services.ImportResult) -> str:
    """What an import did, for the upload message and the command: new events, events the log already held
    (a re-import), identical events within the file kept as repeats."""
    text = _("%(created)s of %(received)s events imported into “%(log)s”; %(present)s were already present.") % {
        "created": result.created, "received": result.received, "log": result.log.name,
        "present": result.already_present}  # fmt: skip
    if result.duplicates_in_file:
        text += " " + ngettext(
            "%(repeats)s event appeared more than once in the file with the same case, activity and time; the "
            "repeat is kept, as process-mining tools keep it.",
            "%(repeats)s events appeared more than once in the file with the same case, activity and time; the "
            "repeats are kept, as process-mining tools keep them.",
            result.duplicates_in_file,
        ) % {"repeats": result.duplicates_in_file}
    return text


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
    try:
        result = selectors.discover(_filters(form))
    except selectors.FilterError as error:  # a topic or department deleted since the form was drawn
        form.add_error(None, str(error))
        result = selectors.Discovery()
    process_map = charts.process_map(result)
    step_edges = len(result.edges)
    context = {
        "form": form,
        "result": result,
        "variants": result.variants[:VARIANTS_SHOWN],
        "logs": logs,
        "edges": charts.edge_rows(result),
        "process_map": process_map,
        "sankey": charts.path_sankey(result),
        "sankey_steps": charts.SANKEY_STEPS,
        "coverage": MAP_COVERAGE if step_edges > MAP_EDGES_ALL else 100,
        "activity_coverage": activity_coverage([a["count"] for a in result.activities]),
        "map_size": _map_size(process_map),
    }
    return render(request, "events/discover.html", context)


def activity_coverage(counts: list[int], most: int = MAP_ACTIVITIES) -> int:
    """The share of events (a multiple of 5 %) whose busiest activities the map shows at first: 100 when there
    are at most `most` activities, else the largest share that the busiest `most` activities still cover."""
    if len(counts) <= most:
        return 100
    ordered = sorted(counts, reverse=True)
    covered = 100 * sum(ordered[:most]) / (sum(ordered) or 1)
    return max(5, int(covered // 5) * 5)


def _map_size(spec: dict) -> str:
    """The map's height class by the most nodes in one column (CSS, no inline style under the CSP)."""
    per_column = Counter(node["column"] for node in spec["nodes"])
    most = max(per_column.values(), default=1)
    return "small" if most <= 3 else "medium" if most <= 6 else "large"


def _filters(form: DiscoverForm) -> selectors.Filters:
    if not form.is_bound or not form.is_valid():
        return selectors.Filters()
    data = form.cleaned_data
    text = {key: data[key] or "" for key in ("log", "activity", "channel", "segment", "nps_band", "topic")}
    return selectors.Filters(start=data["start"], end=data["end"], handover=form.handover(), **text)
