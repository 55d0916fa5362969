import json

import pytest
from django.test import Client

from opencxm.journeys.models import JourneyStep, Segment, Stage
from opencxm.journeys.tests.helpers import build_journey
from tests import factories as f


def _api(user):
    client = Client()
    client.force_login(user)
    return client


def _send(client, method, path, body):
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def editor(world):
    return _api(world.users["cx_team"])


def test_segment_create_and_read_back(world, editor):
    body = {
        "code": "geschaeft",
        "name": "Geschäftskunden",
        "needs": ["Erreichbarkeit", "Schnelle Entstörung"],
        "decision_drivers": ["Preis"],
        "preferred_channels": ["hotline"],
        "is_target": True,
    }
    created = _send(editor, "post", "/api/v1/segments", body)
    assert created.status_code == 201
    data = editor.get(f"/api/v1/segments/{created.json()['public_id']}").json()
    assert {key: data[key] for key in body} == body
    assert data["description"] == ""


def test_segment_rejects_unknown_channel_and_duplicate_code(world, editor):
    unknown = _send(editor, "post", "/api/v1/segments", {"code": "x", "name": "X", "preferred_channels": ["fax"]})
    duplicate = _send(editor, "post", "/api/v1/segments", {"code": "privat", "name": "Anders"})

    assert unknown.status_code == 422
    assert duplicate.status_code == 422
    assert Segment.objects.count() == 1


def test_segment_delete_with_journeys_is_a_conflict(world, editor):
    assert editor.delete(f"/api/v1/segments/{world.segment.public_id}").status_code == 409
    assert Segment.objects.filter(pk=world.segment.pk).exists()


def test_segment_list_is_paginated(world, editor):
    data = editor.get("/api/v1/segments").json()
    assert data["count"] == 1
    assert data["items"][0]["code"] == "privat"


def test_journey_detail_nests_stages_steps_and_handovers(world, editor):
    data = editor.get(f"/api/v1/journeys/{world.journey.public_id}").json()

    assert data["segment"] == "privat"
    assert [stage["name"] for stage in data["stages"]] == ["Service"]
    steps = data["stages"][0]["steps"]
    assert [(step["position"], step["touchpoint"], step["owner_department"]) for step in steps] == [
        (1, "TP-OWN", "kundenservice"),
        (2, "TP-OTHER", "vertrieb"),
    ]
    assert data["handovers"] == [
        {
            "from_step": str(world.step.public_id),
            "to_step": str(world.other_step.public_id),
            "from_department": "kundenservice",
            "to_department": "vertrieb",
        }
    ]


def test_journey_list_filters_by_segment_and_kind(world, editor):
    f.JourneyFactory(kind="target")

    data = editor.get("/api/v1/journeys", {"segment": "privat", "kind": "current"}).json()

    assert [(item["name"], item["stage_count"], item["step_count"]) for item in data["items"]] == [
        ("Störung beheben", 1, 2)
    ]


def test_journey_create_stage_and_step(world, editor):
    journey = _send(editor, "post", "/api/v1/journeys", {"name": "Umzug", "segment": "privat", "kind": "target"})
    assert journey.status_code == 201
    stage = _send(editor, "post", f"/api/v1/journeys/{journey.json()['public_id']}/stages", {"name": "Kauf"})
    assert stage.status_code == 201 and stage.json()["position"] == 1
    step = _send(
        editor,
        "post",
        f"/api/v1/stages/{stage.json()['public_id']}/steps",
        {"touchpoint": "TP-OWN", "emotion": 2, "target_score": "9.5", "pain_points": "Wartezeit"},
    )
    assert step.status_code == 201
    assert (step.json()["touchpoint"], step.json()["emotion"], step.json()["target_score"]) == ("TP-OWN", 2, "9.50")


def test_step_validation_errors_are_422(world, editor):
    path = f"/api/v1/stages/{world.stage.public_id}/steps"
    assert _send(editor, "post", path, {"touchpoint": "TP-OWN", "emotion": 3}).status_code == 422
    assert _send(editor, "post", path, {"touchpoint": "NOPE"}).status_code == 422
    assert JourneyStep.objects.count() == 2


def test_stage_and_step_position_updates_renumber(world, editor):
    second = f.StageFactory(journey=world.journey, position=2, name="Abschluss")

    _send(editor, "put", f"/api/v1/stages/{second.public_id}", {"name": "Abschluss", "position": 1})
    _send(editor, "put", f"/api/v1/steps/{world.other_step.public_id}", {"touchpoint": "TP-OTHER", "position": 1})

    assert list(Stage.objects.order_by("position").values_list("name", flat=True)) == ["Abschluss", "Service"]
    assert list(world.stage.steps.values_list("touchpoint__code", flat=True)) == ["TP-OTHER", "TP-OWN"]


def test_ambassador_edits_own_step_only_and_denied_changes_nothing(world):
    client = _api(world.users["ambassador"])

    own = _send(client, "put", f"/api/v1/steps/{world.step.public_id}", {"touchpoint": "TP-OWN", "emotion": -2})
    other = _send(client, "put", f"/api/v1/steps/{world.other_step.public_id}", {"touchpoint": "TP-OTHER"})
    swap = _send(client, "put", f"/api/v1/steps/{world.step.public_id}", {"touchpoint": "TP-OTHER"})
    stage = _send(client, "put", f"/api/v1/stages/{world.stage.public_id}", {"name": "Neu"})

    assert (own.status_code, other.status_code, swap.status_code, stage.status_code) == (200, 403, 403, 403)
    world.step.refresh_from_db()
    assert (world.step.emotion, world.step.touchpoint_id) == (-2, world.touchpoint.pk)
    assert Stage.objects.get(pk=world.stage.pk).name == "Service"


def test_journey_detail_api_runs_a_bounded_number_of_queries(world, editor, django_assert_max_num_queries):
    journey = build_journey([[world.own, world.other] * 5] * 3, segment=world.segment)
    with django_assert_max_num_queries(8):
        assert editor.get(f"/api/v1/journeys/{journey.public_id}").status_code == 200
