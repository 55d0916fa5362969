"""Who may use which page and API operation of the journeys app (see tests/permissions.py)."""

from opencxm.journeys.models import CustomerNeed, Journey, JourneyStep, Segment, Stage
from tests import factories as f
from tests.permissions import ALL, EDITORS, OWN_DEPARTMENT, Case

STEP_AUTHORS = frozenset({"other_department", "ambassador", "cx_team", "admin"})  # every ambassador and editors
OTHER_OWNERS = EDITORS | {"other_department"}  # may edit world.other_step (touchpoint of `other`); not our ambassador


def _segments(w):
    return (
        list(
            Segment.objects.order_by("pk").values_list("code", "name", "description", "is_target", "decision_drivers")
        ),
        list(CustomerNeed.objects.order_by("pk").values_list("segment_id", "position", "text")),
    )


def _journeys(w):
    return list(Journey.objects.order_by("pk").values_list("name", "segment_id", "kind", "description"))


def _stages(w):
    return list(Stage.objects.order_by("pk").values_list("journey_id", "position", "name", "description"))


def _steps(w):
    return list(
        JourneyStep.objects.order_by("pk").values_list(
            "stage_id", "position", "touchpoint_id", "customer_action", "emotion", "pain_points"
        )
    )


def _map(w):
    return _journeys(w), _stages(w), _steps(w)


def _empty_segment(w):
    return f.SegmentFactory(code="leer", name="Leeres Segment")


def _compare(w):
    target = f.JourneyFactory(name="Störung beheben (Soll)", segment=w.segment, kind="target")
    return f"/journeys/compare/?current={w.journey.public_id}&target={target.public_id}"


def _second_stage(w):
    return f.StageFactory(journey=w.journey, position=2, name="Abschluss")


SEGMENT_FORM = {
    "code": "geschaeft",
    "name": "Geschäftskunden",
    "description": "",
    "needs": "Erreichbarkeit\nSchnelle Entstörung",
    "decision_drivers": "Preis",
    "preferred_channels": ["hotline"],
}
SEGMENT_JSON = {
    "code": "geschaeft",
    "name": "Geschäftskunden",
    "needs": ["Erreichbarkeit"],
    "decision_drivers": ["Preis"],
    "preferred_channels": ["hotline"],
    "is_target": True,
}


def _journey_form(w):
    return {"name": "Umzug", "segment": str(w.segment.public_id), "kind": "target", "description": ""}


def _step_form(w, touchpoint=None):
    touchpoint = touchpoint or w.touchpoint
    return {
        "touchpoint": str(touchpoint.public_id),
        "customer_action": "ruft an",
        "customer_thoughts": "",
        "emotion": "-1",
        "target_score": "",
        "pain_points": "",
    }


def _step_json(w, code="TP-OWN"):
    return {"touchpoint": code, "customer_action": "ruft an", "emotion": -1}


CASES = [
    # Segment pages
    Case("segments:list", lambda w: "/segments/", ALL),
    Case("segments:detail", lambda w: f"/segments/{w.segment.public_id}/", ALL),
    Case("segments:create", lambda w: "/segments/new/", EDITORS),
    Case("segments:create", lambda w: "/segments/new/", EDITORS, "POST", lambda w: SEGMENT_FORM, _segments),
    Case("segments:edit", lambda w: f"/segments/{w.segment.public_id}/edit/", EDITORS),
    Case(
        "segments:edit",
        lambda w: f"/segments/{w.segment.public_id}/edit/",
        EDITORS,
        "POST",
        lambda w: {**SEGMENT_FORM, "code": "privat"},
        _segments,
    ),
    Case("segments:delete", lambda w: f"/segments/{w.segment.public_id}/delete/", EDITORS),
    Case(
        "segments:delete",
        lambda w: f"/segments/{_empty_segment(w).public_id}/delete/",
        EDITORS,
        "POST",
        None,
        _segments,
    ),
    # Journey pages
    Case("journeys:list", lambda w: "/journeys/", ALL),
    Case("journeys:detail", lambda w: f"/journeys/{w.journey.public_id}/", ALL),
    Case("journeys:detail", lambda w: f"/journeys/{w.journey.public_id}/", ALL, htmx=True),
    Case("journeys:compare", _compare, ALL),
    Case("journeys:conformance", lambda w: f"/journeys/{w.journey.public_id}/conformance/", ALL),
    Case("journeys:conformance", lambda w: f"/journeys/{w.journey.public_id}/conformance/", ALL, htmx=True),
    Case("journeys:create", lambda w: "/journeys/new/", EDITORS),
    Case("journeys:create", lambda w: "/journeys/new/", EDITORS, "POST", _journey_form, _journeys),
    Case("journeys:edit", lambda w: f"/journeys/{w.journey.public_id}/edit/", EDITORS),
    Case(
        "journeys:edit", lambda w: f"/journeys/{w.journey.public_id}/edit/", EDITORS, "POST", _journey_form, _journeys
    ),
    Case("journeys:delete", lambda w: f"/journeys/{w.journey.public_id}/delete/", EDITORS),
    Case("journeys:delete", lambda w: f"/journeys/{w.journey.public_id}/delete/", EDITORS, "POST", None, _map),
    # Stages (editors only), as HTMX fragments
    Case("journeys:stage_create", lambda w: f"/journeys/{w.journey.public_id}/stages/new/", EDITORS, htmx=True),
    Case(
        "journeys:stage_create",
        lambda w: f"/journeys/{w.journey.public_id}/stages/new/",
        EDITORS,
        "POST",
        lambda w: {"name": "Kündigung", "description": ""},
        _stages,
        htmx=True,
    ),
    Case("journeys:stage_edit", lambda w: f"/journeys/stages/{w.stage.public_id}/edit/", EDITORS, htmx=True),
    Case(
        "journeys:stage_edit",
        lambda w: f"/journeys/stages/{w.stage.public_id}/edit/",
        EDITORS,
        "POST",
        lambda w: {"name": "Umbenannt", "description": ""},
        _stages,
        htmx=True,
    ),
    Case(
        "journeys:stage_move",
        lambda w: f"/journeys/stages/{_second_stage(w).public_id}/move/",
        EDITORS,
        "POST",
        lambda w: {"direction": "left"},
        _stages,
        htmx=True,
    ),
    Case(
        "journeys:stage_delete",
        lambda w: f"/journeys/stages/{w.stage.public_id}/delete/",
        EDITORS,
        "POST",
        None,
        _map,
        htmx=True,
    ),
    # Steps: ambassadors for their own department's touchpoints
    Case("journeys:step_create", lambda w: f"/journeys/stages/{w.stage.public_id}/steps/new/", STEP_AUTHORS, htmx=True),
    Case(
        "journeys:step_create",
        lambda w: f"/journeys/stages/{w.stage.public_id}/steps/new/",
        OWN_DEPARTMENT,
        "POST",
        _step_form,
        _steps,
        htmx=True,
    ),
    Case("journeys:step_edit", lambda w: f"/journeys/steps/{w.step.public_id}/edit/", OWN_DEPARTMENT, htmx=True),
    Case(
        "journeys:step_edit",
        lambda w: f"/journeys/steps/{w.step.public_id}/edit/",
        OWN_DEPARTMENT,
        "POST",
        _step_form,
        _steps,
        htmx=True,
    ),
    Case(
        "journeys:step_edit",
        lambda w: f"/journeys/steps/{w.other_step.public_id}/edit/",
        OTHER_OWNERS,
        "POST",
        lambda w: _step_form(w, w.other_touchpoint),
        _steps,
        htmx=True,
    ),
    Case(
        "journeys:step_move",
        lambda w: f"/journeys/steps/{w.step.public_id}/move/",
        OWN_DEPARTMENT,
        "POST",
        lambda w: {"direction": "right"},
        _steps,
        htmx=True,
    ),
    Case(
        "journeys:step_move",
        lambda w: f"/journeys/steps/{w.other_step.public_id}/move/",
        OTHER_OWNERS,
        "POST",
        lambda w: {"direction": "left"},
        _steps,
        htmx=True,
    ),
    Case(
        "journeys:step_delete",
        lambda w: f"/journeys/steps/{w.step.public_id}/delete/",
        OWN_DEPARTMENT,
        "POST",
        None,
        _steps,
        htmx=True,
    ),
    Case(
        "journeys:step_delete",
        lambda w: f"/journeys/steps/{w.other_step.public_id}/delete/",
        OTHER_OWNERS,
        "POST",
        None,
        _steps,
        htmx=True,
    ),
    # API
    Case("GET /api/v1/segments", lambda w: "/api/v1/segments", ALL),
    Case("POST /api/v1/segments", lambda w: "/api/v1/segments", EDITORS, "POST", lambda w: SEGMENT_JSON, _segments),
    Case("GET /api/v1/segments/{public_id}", lambda w: f"/api/v1/segments/{w.segment.public_id}", ALL),
    Case(
        "PUT /api/v1/segments/{public_id}",
        lambda w: f"/api/v1/segments/{w.segment.public_id}",
        EDITORS,
        "PUT",
        lambda w: {**SEGMENT_JSON, "code": "privat"},
        _segments,
    ),
    Case(
        "DELETE /api/v1/segments/{public_id}",
        lambda w: f"/api/v1/segments/{_empty_segment(w).public_id}",
        EDITORS,
        "DELETE",
        None,
        _segments,
    ),
    Case("GET /api/v1/journeys", lambda w: "/api/v1/journeys", ALL),
    Case(
        "POST /api/v1/journeys",
        lambda w: "/api/v1/journeys",
        EDITORS,
        "POST",
        lambda w: {"name": "Umzug", "segment": "privat", "kind": "target"},
        _journeys,
    ),
    Case("GET /api/v1/journeys/{public_id}", lambda w: f"/api/v1/journeys/{w.journey.public_id}", ALL),
    Case(
        "GET /api/v1/journeys/{public_id}/conformance",
        lambda w: f"/api/v1/journeys/{w.journey.public_id}/conformance",
        ALL,
    ),
    Case(
        "PUT /api/v1/journeys/{public_id}",
        lambda w: f"/api/v1/journeys/{w.journey.public_id}",
        EDITORS,
        "PUT",
        lambda w: {"name": "Umbenannt", "segment": "privat", "kind": "current"},
        _journeys,
    ),
    Case(
        "DELETE /api/v1/journeys/{public_id}",
        lambda w: f"/api/v1/journeys/{w.journey.public_id}",
        EDITORS,
        "DELETE",
        None,
        _map,
    ),
    Case(
        "POST /api/v1/journeys/{public_id}/stages",
        lambda w: f"/api/v1/journeys/{w.journey.public_id}/stages",
        EDITORS,
        "POST",
        lambda w: {"name": "Kündigung"},
        _stages,
    ),
    Case(
        "PUT /api/v1/stages/{public_id}",
        lambda w: f"/api/v1/stages/{w.stage.public_id}",
        EDITORS,
        "PUT",
        lambda w: {"name": "Umbenannt"},
        _stages,
    ),
    Case(
        "DELETE /api/v1/stages/{public_id}",
        lambda w: f"/api/v1/stages/{w.stage.public_id}",
        EDITORS,
        "DELETE",
        None,
        _map,
    ),
    Case(
        "POST /api/v1/stages/{public_id}/steps",
        lambda w: f"/api/v1/stages/{w.stage.public_id}/steps",
        OWN_DEPARTMENT,
        "POST",
        _step_json,
        _steps,
    ),
    Case(
        "POST /api/v1/stages/{public_id}/steps",
        lambda w: f"/api/v1/stages/{w.stage.public_id}/steps",
        OTHER_OWNERS,
        "POST",
        lambda w: _step_json(w, "TP-OTHER"),
        _steps,
    ),
    Case(
        "PUT /api/v1/steps/{public_id}",
        lambda w: f"/api/v1/steps/{w.step.public_id}",
        OWN_DEPARTMENT,
        "PUT",
        _step_json,
        _steps,
    ),
    Case(
        "PUT /api/v1/steps/{public_id}",
        lambda w: f"/api/v1/steps/{w.other_step.public_id}",
        OTHER_OWNERS,
        "PUT",
        lambda w: _step_json(w, "TP-OTHER"),
        _steps,
    ),
    Case(
        "DELETE /api/v1/steps/{public_id}",
        lambda w: f"/api/v1/steps/{w.step.public_id}",
        OWN_DEPARTMENT,
        "DELETE",
        None,
        _steps,
    ),
    Case(
        "DELETE /api/v1/steps/{public_id}",
        lambda w: f"/api/v1/steps/{w.other_step.public_id}",
        OTHER_OWNERS,
        "DELETE",
        None,
        _steps,
    ),
]
