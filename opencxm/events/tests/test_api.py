"""The events API: batches in (idempotent, all or nothing, 422), the mapping table, discovery."""

import json

import pytest

from opencxm.accounts.models import ApiToken
from opencxm.core.api_auth import token_digest
from opencxm.events.models import Activity, Event, EventLog


@pytest.fixture
def api(client, world):
    raw = "ocx_events_test"
    ApiToken.objects.create(
        user=world.users["cx_team"], name="t", prefix=raw[:8], digest=token_digest(raw), scope="write"
    )

    def call(method, path, body=None):
        data = json.dumps(body) if body is not None else None
        kwargs = {"content_type": "application/json"} if data is not None else {}
        response = getattr(client, method)(f"/api/v1{path}", data, headers={"Authorization": f"Bearer {raw}"}, **kwargs)
        return response.status_code, response.json() if response.content else None

    return call


def event(case, activity, time, **values):
    return {"case": case, "activity": activity, "timestamp": time, **values}


BATCH = {
    "log": "web",
    "events": [
        event("K1", "Visit page", "2026-03-02T10:00:00+01:00", channel="hotline"),
        event("K1", "Call hotline", "2026-03-02T10:30:00+01:00", attributes={"topic": "bill"}),
        event("K2", "Visit page", "2026-03-02T11:00:00Z"),
    ],
}


def test_batch_is_written_once_whatever_the_repeats(api, world):
    status, body = api("post", "/events", BATCH)
    assert status == 200
    log = EventLog.objects.get(name="web")
    assert body == {"log": str(log.public_id), "received": 3, "created": 3, "already_present": 0,
                    "repeats_in_batch": 0}  # fmt: skip
    assert api("post", "/events", BATCH)[1]["created"] == 0
    assert Event.objects.count() == 3
    assert Event.objects.get(activity__name="Call hotline").attributes == {"topic": "bill"}


def test_bad_records_write_nothing(api, world):
    bad = {"log": "web", "events": [*BATCH["events"], event("K3", "Visit page", "2026-03-02T11:00:00")]}
    assert api("post", "/events", bad) == (
        422,
        {"detail": [{"index": 3, "message": "The time has no time-zone offset."}]},
    )
    missing = {"log": "web", "events": [{"case": "K1", "timestamp": "2026-03-02T11:00:00Z"}]}
    assert api("post", "/events", missing)[0] == 422
    unknown = {"log": "web", "events": [event("K1", "Visit", "2026-03-02T11:00:00Z", channel="fax")]}
    assert api("post", "/events", unknown) == (422, {"detail": [{"message": "Event 1: unknown channel 'fax'."}]})
    assert (Event.objects.count(), EventLog.objects.count()) == (0, 0)


def test_batch_limit(api, world):
    many = {"log": "web", "events": [event(f"K{i}", "Visit", "2026-03-02T11:00:00Z") for i in range(10_001)]}
    assert api("post", "/events", many)[0] == 422
    assert Event.objects.count() == 0


def test_activities_unmapped_first_and_mapping(api, world):
    api("post", "/events", BATCH)
    status, body = api("get", "/activities")
    assert status == 200
    assert [(a["name"], a["volume"], a["touchpoint"]) for a in body["items"]] == [
        ("Visit page", 2, None), ("Call hotline", 1, None)]  # fmt: skip
    visit = Activity.objects.get(name="Visit page")
    status, body = api("put", f"/activities/{visit.public_id}", {"touchpoint": str(world.touchpoint.public_id)})
    assert (status, body["touchpoint"], body["volume"]) == (200, str(world.touchpoint.public_id), 2)
    assert [a["name"] for a in api("get", "/activities")[1]["items"]] == ["Call hotline", "Visit page"]
    assert api("put", f"/activities/{visit.public_id}", {"touchpoint": None})[1]["touchpoint"] is None


def test_discover(api, world):
    api("post", "/events", BATCH)
    status, body = api("get", "/journeys/discover")
    assert status == 200
    assert (body["cases"], body["events"]) == (2, 3)
    assert body["edges"] == [{"from": "Visit page", "to": "Call hotline", "count": 1, "median_seconds": 1800.0,
                              "p90_seconds": 1800.0}]  # fmt: skip
    assert body["variants"] == [
        {"path": ["Visit page"], "count": 1, "share": 0.5},
        {"path": ["Visit page", "Call hotline"], "count": 1, "share": 0.5},
    ]
    log = EventLog.objects.get().public_id
    assert api("get", f"/journeys/discover?log={log}&activity=Call%20hotline")[1]["cases"] == 1
