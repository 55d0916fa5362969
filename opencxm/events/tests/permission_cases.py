from django.core.files.uploadedfile import SimpleUploadedFile

from opencxm.events.models import Activity, Event, EventLog
from tests.factories_events import write_events
from tests.permissions import ALL, EDITORS, Case

CSV = b"case,activity,timestamp\nK1,Call hotline,2026-03-02T10:00:00Z\n"


def _activity(w):
    if "activity" not in w.extra:
        write_events([("K0", "Visit page", 0), ("K0", "Call hotline", 5)], log="perm")
        w.extra["activity"] = Activity.objects.get(name="Visit page")
    return w.extra["activity"]


def _events_state(w):
    return (EventLog.objects.count(), Event.objects.count())


def _mapping_state(w):
    return Activity.objects.get(pk=_activity(w).pk).touchpoint_id


def _upload(w):
    return {"file": SimpleUploadedFile("e.csv", CSV, content_type="text/csv"), "log": "upload"}


def _map(w):
    return {"touchpoint": str(w.touchpoint.public_id)}


def _batch(w):
    return {"log": "api", "events": [{"case": "K1", "activity": "Visit", "timestamp": "2026-03-02T10:00:00Z"}]}


CASES = [
    Case("events:logs", lambda w: "/events/", ALL),
    Case("events:upload", lambda w: "/events/upload/", EDITORS, "POST", _upload, _events_state),
    Case("events:activities", lambda w: (_activity(w), "/events/activities/")[1], ALL),
    Case(
        "events:activity_map",
        lambda w: f"/events/activities/{_activity(w).public_id}/map/",
        EDITORS,
        "POST",
        _map,
        _mapping_state,
    ),  # fmt: skip
    Case(
        "events:activity_map",
        lambda w: f"/events/activities/{_activity(w).public_id}/map/",
        EDITORS,
        "POST",
        _map,
        _mapping_state,
        htmx=True,
    ),  # fmt: skip
    Case("events:discover", lambda w: (_activity(w), "/events/discover/?activity=Visit+page")[1], ALL),
    Case("POST /api/v1/events", lambda w: "/api/v1/events", EDITORS, "POST", _batch, _events_state),
    Case("GET /api/v1/activities", lambda w: (_activity(w), "/api/v1/activities")[1], ALL),
    Case(
        "PUT /api/v1/activities/{public_id}",
        lambda w: f"/api/v1/activities/{_activity(w).public_id}",
        EDITORS,
        "PUT",
        _map,
        _mapping_state,
    ),  # fmt: skip
    Case("GET /api/v1/journeys/discover", lambda w: (_activity(w), "/api/v1/journeys/discover")[1], ALL),
    Case("events:handovers", lambda w: (_activity(w), "/events/handovers/?window=3")[1], ALL),
    Case("GET /api/v1/journeys/handovers", lambda w: (_activity(w), "/api/v1/journeys/handovers?window=3")[1], ALL),
]
