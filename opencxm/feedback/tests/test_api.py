"""The feedback API: batch upsert (idempotent, all or nothing, 422 per record), limits, measurements, sources."""

import json

import pytest

from opencxm.accounts.models import ApiToken
from opencxm.analytics.runner import QuerySpec, run_one
from opencxm.core.api_auth import token_digest
from opencxm.feedback.models import Customer, DataSource, Feedback, Measurement


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def source(world):
    return DataSource.objects.create(name="Umfrage", owner_department=world.own)


@pytest.fixture
def api(client, world):
    raw = "ocx_feedback_test"
    ApiToken.objects.create(
        user=world.users["cx_team"], name="t", prefix=raw[:8], digest=token_digest(raw), scope="write"
    )

    def call(method, path, body=None):
        data = json.dumps(body) if body is not None else None
        kwargs = {"content_type": "application/json"} if data is not None else {}
        response = getattr(client, method)(f"/api/v1{path}", data, headers={"Authorization": f"Bearer {raw}"}, **kwargs)
        return response.status_code, response.json() if response.content else None

    return call


def rec(external_id, **values):
    return {"source": "Umfrage", "external_id": external_id, "responded_at": "2026-03-02T10:00:00+01:00", **values}


def test_single_record_and_repeat_updates_never_duplicates(api, source, world):
    assert api("post", "/feedback", rec("A1", nps=9, touchpoint="TP-OWN")) == (
        200, {"imported": 1, "updated": 0, "unchanged": 0}
    )  # fmt: skip
    assert api("post", "/feedback", rec("A1", nps=9, touchpoint="TP-OWN"))[1] == {
        "imported": 0,
        "updated": 0,
        "unchanged": 1,
    }
    assert api("post", "/feedback", {"records": [rec("A1", nps=3, touchpoint="TP-OWN"), rec("A2")]})[1] == {
        "imported": 1, "updated": 1, "unchanged": 0,
    }  # fmt: skip
    assert sorted(Feedback.objects.values_list("external_id", "nps")) == [("A1", 3), ("A2", None)]
    assert run_one(QuerySpec("nps", touchpoints=(world.touchpoint.pk,))).value == -100.0  # rollups follow


def test_naive_times_are_installation_local(api, source):
    api("post", "/feedback", rec("A1", responded_at="2026-07-01T10:00:00"))
    assert Feedback.objects.get().responded_at.isoformat() == "2026-07-01T08:00:00+00:00"


def test_invalid_batch_answers_422_for_every_bad_record_and_stores_nothing(api, source):
    body = {
        "records": [
            rec("ok"),
            rec("b1", nps=11),
            rec("b2", touchpoint="nope"),
            {"external_id": "b3"},
            rec("b4", source="fremd"),
        ]
    }
    status, answer = api("post", "/feedback", body)
    assert status == 422
    assert [(d["index"], d["field"]) for d in answer["detail"]] == [(1, "nps"), (3, "source"), (3, "responded_at")]
    assert answer["detail"][0]["message"] == "Input should be less than or equal to 10"
    assert Feedback.objects.count() == 0
    status, answer = api("post", "/feedback", {"records": [rec("ok"), rec("b4", source="fremd")]})
    assert answer == {"detail": [{"index": 1, "field": "source", "message": "Unknown data source 'fremd'"}]}
    status, answer = api("post", "/feedback", {"records": [rec("ok"), rec("b2", touchpoint="nope")]})
    assert answer["detail"] == [
        {"index": 1, "field": "touchpoint", "message": "'nope' is not a touchpoint code or name from the registry"}
    ]
    assert Feedback.objects.count() == 0


def test_batch_limit(api, source):
    status, answer = api("post", "/feedback", {"records": [rec(f"x{i}") for i in range(10_001)]})
    assert status == 413 and "at most 10000" in answer["detail"]
    assert Feedback.objects.count() == 0


def test_batch_of_ten_thousand_is_stored(api, source):
    status, answer = api("post", "/feedback", {"records": [rec(f"x{i}", nps=i % 11) for i in range(10_000)]})
    assert (status, answer["imported"]) == (200, 10_000)
    assert Feedback.objects.count() == 10_000


def test_customer_reference_is_pseudonymised_and_contact_kept_apart(api, source):
    api("post", "/feedback", rec("A1", customer_ref="KD-99", contact={"consent": True, "email": "k@example.com"}))
    feedback = Feedback.objects.select_related("customer").get()
    assert "KD-99" not in json.dumps(list(Customer.objects.values_list("pseudonym", flat=True)))
    status, answer = api("get", f"/feedback/{feedback.public_id}")
    assert answer["customer"] == str(feedback.customer.public_id) and "k@example.com" not in json.dumps(answer)


def test_list_filters(api, source, world):
    api(
        "post",
        "/feedback",
        {"records": [rec("A1", touchpoint="TP-OWN"), rec("A2", responded_at="2026-04-01T10:00:00Z")]},
    )
    assert api("get", "/feedback?touchpoint=TP-OWN")[1]["count"] == 1
    assert api("get", "/feedback?start=2026-03-15")[1]["count"] == 1
    assert api("get", "/feedback?source=Umfrage&end=2026-03-02")[1]["items"][0]["external_id"] == "A1"


def test_measurements_upsert(api, source):
    row = {
        "source": "Umfrage",
        "touchpoint": "TP-OWN",
        "metric": "handling_time",
        "day": "2026-03-02",
        "value": 310.5,
        "count": 80,
    }
    assert api("post", "/measurements", {"records": [row]})[1] == {"imported": 1, "updated": 0, "unchanged": 0}
    assert api("post", "/measurements", {"records": [row | {"value": 300}]})[1] == {
        "imported": 0,
        "updated": 1,
        "unchanged": 0,
    }
    status, answer = api(
        "post", "/measurements", {"records": [row, row | {"touchpoint": "TP-NO", "metric": "Bad Key"}]}
    )
    assert status == 422 and [(d["index"], d["field"]) for d in answer["detail"]] == [(1, "metric")]
    assert list(Measurement.objects.values_list("value", "count")) == [(300.0, 80)]


def test_sources_crud(api, world):
    status, created = api(
        "post", "/sources", {"name": "Beschwerden", "kind": "complaints", "owner_department": "vertrieb"}
    )
    assert (status, created["owner_department"], created["kind"]) == (201, "vertrieb", "complaints")
    assert api("post", "/sources", {"name": "Beschwerden"})[0] == 409
    bad = api("put", f"/sources/{created['public_id']}", {"name": "B", "mapping": {"nonsense": 1}})
    assert bad == (422, {"detail": "Unknown key in the mapping: nonsense."})
    status, updated = api("put", f"/sources/{created['public_id']}", {"name": "B", "mapping": {"time": "Datum"}})
    assert (status, updated["mapping"]["time"], updated["owner_department"]) == (200, "Datum", None)
    api("post", "/feedback", {"source": "B", "external_id": "1", "responded_at": "2026-03-02T10:00:00Z"})
    assert api("delete", f"/sources/{created['public_id']}")[0] == 409
    Feedback.objects.all().delete()
    assert api("delete", f"/sources/{created['public_id']}")[0] == 204
    assert api("get", "/sources")[1]["count"] == 0
