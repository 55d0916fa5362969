"""Pages for segments and journey maps. The map's editing actions answer HTMX with the map partial."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opencxm.core.forms import tabler_classes
from opencxm.core.permissions import access_for, require
from opencxm.journeys import overlay, selectors, services
from opencxm.journeys.choices import JourneyKind
from opencxm.journeys.forms import JourneyForm, SegmentForm, StageForm, StepForm
from opencxm.journeys.models import Segment

MAP_PARTIAL = "journeys/journey_detail.html#journey_map"


# Segments -----------------------------------------------------------------------------------------


@require_GET
def segment_list(request):
    require(access_for(request.user).can_read)
    return render(request, "journeys/segment_list.html", {"segments": selectors.segment_list()})


@require_GET
def segment_detail(request, public_id):
    require(access_for(request.user).can_read)
    segment = selectors.segment_get(public_id)
    context = {"segment": segment, "journeys": selectors.with_compare_pairs(selectors.segment_journeys(segment))}
    return render(request, "journeys/segment_detail.html", context)


@require_http_methods(["GET", "POST"])
def segment_create(request):
    require(access_for(request.user).can_edit_all)
    form = tabler_classes(SegmentForm(request.POST or None), mark_invalid=True)
    if request.method == "POST" and form.is_valid():
        segment = services.segment_create(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Segment “%(name)s” created.") % {"name": segment.name})
        return redirect("segments:detail", segment.public_id)
    return render(request, "journeys/segment_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def segment_edit(request, public_id):
    require(access_for(request.user).can_edit_all)
    segment = selectors.segment_get(public_id)
    form = tabler_classes(SegmentForm(request.POST or None, instance=segment), mark_invalid=True)
    if request.method == "POST" and form.is_valid():
        services.segment_update(actor=request.user, segment=segment, **form.cleaned_data)
        messages.success(request, _("Segment saved."))
        return redirect("segments:detail", segment.public_id)
    return render(request, "journeys/segment_form.html", {"form": form, "segment": segment})


@require_http_methods(["GET", "POST"])
def segment_delete(request, public_id):
    require(access_for(request.user).can_edit_all)
    segment = selectors.segment_get(public_id)
    if request.method == "GET":
        return render(
            request,
            "journeys/confirm_delete.html",
            {"object": segment, "cancel_url": reverse("segments:detail", args=[segment.public_id])},
        )
    try:
        services.segment_delete(actor=request.user, segment=segment)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("segments:detail", segment.public_id)
    messages.success(request, _("Segment “%(name)s” deleted.") % {"name": segment.name})
    return redirect("segments:list")


# Journeys -----------------------------------------------------------------------------------------


@require_GET
def journey_list(request):
    require(access_for(request.user).can_read)
    segment, kind = request.GET.get("segment", ""), request.GET.get("kind", "")
    context = {
        "journeys": selectors.with_compare_pairs(
            selectors.journey_list(segment=segment, kind=kind if kind in JourneyKind.values else None)
        ),
        "segments": Segment.objects.order_by("name"),
        "kinds": JourneyKind.choices,
        "selected_segment": segment,
        "selected_kind": kind,
    }
    return render(request, "journeys/journey_list.html", context)


@require_http_methods(["GET", "POST"])
def journey_create(request):
    require(access_for(request.user).can_edit_all)
    initial = {"segment": Segment.objects.filter(public_id=request.GET.get("segment") or None).first()}
    form = tabler_classes(JourneyForm(request.POST or None, initial=initial), mark_invalid=True)
    if request.method == "POST" and form.is_valid():
        journey = services.journey_create(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Journey “%(name)s” created.") % {"name": journey.name})
        return redirect("journeys:detail", journey.public_id)
    return render(request, "journeys/journey_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def journey_edit(request, public_id):
    require(access_for(request.user).can_edit_all)
    journey = selectors.journey_get(public_id)
    form = tabler_classes(JourneyForm(request.POST or None, instance=journey), mark_invalid=True)
    if request.method == "POST" and form.is_valid():
        services.journey_update(actor=request.user, journey=journey, **form.cleaned_data)
        messages.success(request, _("Journey saved."))
        return redirect("journeys:detail", journey.public_id)
    return render(request, "journeys/journey_form.html", {"form": form, "journey": journey})


@require_http_methods(["GET", "POST"])
def journey_delete(request, public_id):
    require(access_for(request.user).can_edit_all)
    journey = selectors.journey_get(public_id)
    if request.method == "GET":
        return render(
            request,
            "journeys/confirm_delete.html",
            {"object": journey, "cancel_url": reverse("journeys:detail", args=[journey.public_id])},
        )
    services.journey_delete(actor=request.user, journey=journey)
    messages.success(request, _("Journey “%(name)s” deleted.") % {"name": journey.name})
    return redirect("journeys:list")


@require_GET
def journey_detail(request, public_id):
    require(access_for(request.user).can_read)
    return _map_response(request, selectors.journey_get(public_id))


@require_GET
def journey_compare(request):
    require(access_for(request.user).can_read)
    current = _journey_param(request, "current", JourneyKind.CURRENT)
    target = _journey_param(request, "target", JourneyKind.TARGET)
    if current.segment_id != target.segment_id:
        raise Http404(_("Only journeys of the same segment can be compared."))
    context = {"current": current, "target": target, **selectors.journey_compare(current, target)}
    return render(request, "journeys/journey_compare.html", context)


def _journey_param(request, name, kind):
    try:
        journey = selectors.journey_get(request.GET.get(name, ""))
    except ValidationError as error:
        raise Http404 from error
    if journey.kind != kind:
        raise Http404
    return journey


# The journey map and its in-place editing ---------------------------------------------------------


def _map_response(request, journey, *, panel=None, with_overlay=False):
    """The map: its partial for HTMX, else the whole page (with an open form panel if given). The designed-against-
    actual overlay is computed here only when asked (its own URL without HTMX); else the map loads it lazily."""
    access = access_for(request.user)
    journey_map = selectors.journey_map(journey, access=access)
    context = {
        "journey": journey,
        "map": journey_map,
        "panel": panel,
        "counterpart": selectors.journey_counterpart(journey),
        "chart_id": "journey-emotion",
    }
    if with_overlay:
        form = overlay.conformance_form(request.GET)
        context |= {"overlay": overlay.journey_overlay(journey_map, form), "overlay_form": form}
    elif overlay.overlay_available(journey_map):
        query = f"?{request.GET.urlencode()}" if request.GET and not request.htmx else ""
        context["overlay_url"] = reverse("journeys:conformance", args=[journey.public_id]) + query
    template = MAP_PARTIAL if request.htmx else "journeys/journey_detail.html"
    return render(request, template, context)


@require_GET
def journey_conformance(request, public_id):
    """Designed against actual: the overlay fragments for HTMX (lazily loaded by the map, or re-filtered), else
    the whole map page with the overlay in place (works without JavaScript)."""
    require(access_for(request.user).can_read)
    journey = selectors.journey_get(public_id)
    if not request.htmx:
        return _map_response(request, journey, with_overlay=True)
    journey_map = selectors.journey_map(journey)
    form = overlay.conformance_form(request.GET)
    context = {"journey": journey, "map": journey_map, "overlay": overlay.journey_overlay(journey_map, form),
               "overlay_form": form}  # fmt: skip
    return render(request, "journeys/conformance.html", context)


def _done(request, journey):
    """After a successful editing action: the fresh map for HTMX, a redirect to the page otherwise."""
    if request.htmx:
        return _map_response(request, journey)
    return redirect("journeys:detail", journey.public_id)


def _panel(kind, form, action, title):
    return {"kind": kind, "form": tabler_classes(form, mark_invalid=True), "action": action, "title": title}


@require_http_methods(["GET", "POST"])
def stage_create(request, public_id):
    require(access_for(request.user).can_edit_all)
    journey = selectors.journey_get(public_id)
    form = StageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.stage_create(actor=request.user, journey=journey, **form.cleaned_data)
        return _done(request, journey)
    action = request.path
    return _map_response(request, journey, panel=_panel("stage", form, action, _("Add stage")))


@require_http_methods(["GET", "POST"])
def stage_edit(request, public_id):
    require(access_for(request.user).can_edit_all)
    stage = selectors.stage_get(public_id)
    form = StageForm(request.POST or None, instance=stage)
    if request.method == "POST" and form.is_valid():
        services.stage_update(actor=request.user, stage=stage, **form.cleaned_data)
        return _done(request, stage.journey)
    title = _("Edit stage “%(name)s”") % {"name": stage.name}
    return _map_response(request, stage.journey, panel=_panel("stage", form, request.path, title))


@require_POST
def stage_move(request, public_id):
    require(access_for(request.user).can_edit_all)
    stage = selectors.stage_get(public_id)
    services.stage_shift(actor=request.user, stage=stage, direction=_direction(request))
    return _done(request, stage.journey)


@require_POST
def stage_delete(request, public_id):
    require(access_for(request.user).can_edit_all)
    stage = selectors.stage_get(public_id)
    services.stage_delete(actor=request.user, stage=stage)
    return _done(request, stage.journey)


def _direction(request) -> str:
    direction = request.POST.get("direction")
    if direction not in ("left", "right"):
        raise Http404
    return direction


@require_http_methods(["GET", "POST"])
def step_create(request, public_id):
    access = access_for(request.user)
    require(access.can_edit_some)
    stage = selectors.stage_get(public_id)
    _require_posted_touchpoint(request, access)
    form = StepForm(request.POST or None, touchpoints=selectors.touchpoint_choices(access))
    if request.method == "POST" and form.is_valid():
        services.step_create(actor=request.user, stage=stage, **form.cleaned_data)
        return _done(request, stage.journey)
    title = _("Add step to “%(stage)s”") % {"stage": stage.name}
    return _map_response(request, stage.journey, panel=_panel("step", form, request.path, title))


@require_http_methods(["GET", "POST"])
def step_edit(request, public_id):
    access = access_for(request.user)
    step = selectors.step_get(public_id)
    require(access.can_edit_department(step.touchpoint.owner_department_id))
    touchpoints = selectors.touchpoint_choices(access, include=step.touchpoint)
    _require_posted_touchpoint(request, access)
    form = StepForm(request.POST or None, instance=step, touchpoints=touchpoints)
    if request.method == "POST" and form.is_valid():
        services.step_update(actor=request.user, step=step, **form.cleaned_data)
        return _done(request, step.stage.journey)
    title = _("Edit step “%(touchpoint)s”") % {"touchpoint": step.touchpoint.name}
    return _map_response(request, step.stage.journey, panel=_panel("step", form, request.path, title))


def _require_posted_touchpoint(request, access) -> None:
    """A step may only get a touchpoint of a department the user edits (checked before any validation)."""
    touchpoint = selectors.touchpoint_by_public_id(request.POST.get("touchpoint"))
    if touchpoint is not None:
        require(access.can_edit_department(touchpoint.owner_department_id))


@require_POST
def step_move(request, public_id):
    step = selectors.step_get(public_id)
    require(access_for(request.user).can_edit_department(step.touchpoint.owner_department_id))
    services.step_shift(actor=request.user, step=step, direction=_direction(request))
    return _done(request, step.stage.journey)


@require_POST
def step_delete(request, public_id):
    step = selectors.step_get(public_id)
    require(access_for(request.user).can_edit_department(step.touchpoint.owner_department_id))
    services.step_delete(actor=request.user, step=step)
    return _done(request, step.stage.journey)
