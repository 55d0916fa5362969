"""Cases API: list (scoped, filtered, bounded queries), detail with timeline, manual create, update,
transitions with 409 on a stale version, case rules."""

import json

import pytest

from opencxm.accounts.models import ApiToken
from opencxm.cases import services
from opencxm.cases.models import Case, CaseRule
from opencxm.core.api_auth import token_digest
from tests.factories_cases import DataSourceFactory, FeedbackFactory


@pytest.fixture
def api(client):
    def call(user, method, path, body=None):
        raw = f"ocx_test_{user.username}"
        ApiToken.objects.get_or_create(
            digest=token_digest(raw), defaults={"user": user, "name": "t", "prefix": raw[:8], "scope": "write"}
        )
        headers = {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}
        if method == "get":
            return client.get(f"/api/v1{path}", body or {}, headers=headers)
        return getattr(client, method)(
            f"/api/v1{path}", json.dumps(body or {}), content_type="application/json", headers=headers
        )

    return call


def open_case(world, touchpoint=None, **values):
    record = FeedbackFactory(source=DataSourceFactory(name="Umfrage"), touchpoint=touchpoint or world.touchpoint,
                             **values)  # fmt: skip
    return services.case_create(actor=None, feedback=record)


def test_list_is_scoped_to_the_users_departments(api, world):
    own = open_case(world)
    open_case(world, touchpoint=world.other_touchpoint)
    body = api(world.users["viewer"], "get", "/cases").json()
    assert body["count"] == 1 and body["items"][0]["id"] == str(own.public_id)
    item = body["items"][0]
    assert (item["department"], item["status"], item["version"], item["touchpoint"]) == ("kundenservice", "open", 1,
                                                                                        "TP-OWN")  # fmt: skip
    assert item["feedback"]["nps"] == 3 and item["feedback"]["comment"] == "Niemand hat mich zurückgerufen."
    assert api(world.users["cx_team"], "get", "/cases").json()["count"] == 2
    assert api(world.users["cx_team"], "get", "/cases", {"department": "vertrieb"}).json()["count"] == 1
    assert api(world.users["cx_team"], "get", "/cases", {"department": "nope"}).json()["count"] == 0


@pytest.mark.parametrize("size", [3, 20])
def test_list_queries_are_bounded(api, world, django_assert_max_num_queries, size):
    for _ in range(size):
        open_case(world)
    api(world.users["ambassador"], "get", "/cases")  # token row exists
    with django_assert_max_num_queries(6):
        assert api(world.users["ambassador"], "get", "/cases").json()["count"] == size


def test_detail_has_the_timeline_and_other_departments_get_404(api, world):
    case = open_case(world)
    services.case_comment(actor=world.users["ambassador"], case=case, text="Rückruf", expected_version=1)
    body = api(world.users["viewer"], "get", f"/cases/{case.public_id}").json()
    assert [(e["kind"], e["actor"], e["note"]) for e in body["timeline"]] == [
        ("created", None, ""),
        ("commented", "p_ambassador", "Rückruf"),
    ]
    assert api(world.users["other_department"], "get", f"/cases/{case.public_id}").status_code == 404


def test_transitions_and_conflict(api, world):
    case = open_case(world)
    path = f"/cases/{case.public_id}/transition"
    user = world.users["ambassador"]
    response = api(user, "post", path, {"action": "assign", "assignee": "p_ambassador", "expected_version": 1})
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    stale = api(user, "post", path, {"action": "comment", "text": "x", "expected_version": 1})
    assert stale.status_code == 409 and "Someone else changed this case" in stale.json()["detail"]
    invalid = api(user, "post", path, {"action": "close", "root_cause": "process", "expected_version": 2})
    assert invalid.status_code == 422
    handed = api(user, "post", path, {"action": "handover", "to_department": "vertrieb", "note": "Vertrag",
                                      "expected_version": 2})  # fmt: skip
    assert handed.status_code == 200 and handed.json()["department"] == "vertrieb"
    assert api(user, "get", f"/cases/{case.public_id}").status_code == 404  # out of the ambassador's sight now
    closing = {"action": "close", "root_cause": "process", "resolution": "Gutschrift", "expected_version": 3}
    closed = api(world.users["other_department"], "post", path, closing)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = api(world.users["cx_team"], "post", path, {"action": "comment", "text": "x", "expected_version": 4})
    assert again.status_code == 409
    assert Case.objects.get(pk=case.pk).version == 4


def test_unknown_references_are_422(api, world):
    case = open_case(world)
    path = f"/cases/{case.public_id}/transition"
    user = world.users["cx_team"]
    assert api(user, "post", path, {"action": "assign", "assignee": "ghost", "expected_version": 1}).status_code == 422
    body = {"action": "handover", "to_department": "ghost", "note": "n", "expected_version": 1}
    assert api(user, "post", path, body).status_code == 422
    assert api(user, "post", path, {"action": "reopen", "expected_version": 1}).status_code == 422
    assert Case.objects.get(pk=case.pk).version == 1


def test_update_priority_and_assignee(api, world):
    case = open_case(world)
    user = world.users["ambassador"]
    body = api(user, "put", f"/cases/{case.public_id}", {"priority": "urgent", "assignee": "p_ambassador"}).json()
    assert (body["priority"], body["assignee"], body["version"]) == ("urgent", "p_ambassador", 2)
    body = api(user, "put", f"/cases/{case.public_id}", {"assignee": ""}).json()
    assert (body["priority"], body["assignee"]) == ("urgent", None)
    stale = api(user, "put", f"/cases/{case.public_id}", {"priority": "low", "expected_version": 1})
    assert stale.status_code == 409


def test_create_by_hand_and_no_second_case(api, world):
    record = FeedbackFactory(source=DataSourceFactory(name="Umfrage"), touchpoint=world.touchpoint, nps=8)
    user = world.users["ambassador"]
    response = api(user, "post", "/cases", {"feedback": str(record.public_id), "priority": "high", "sla_hours": 4})
    assert response.status_code == 201
    body = response.json()
    assert (body["priority"], body["rule"], body["timeline"][0]["actor"]) == ("high", None, "p_ambassador")
    assert api(user, "post", "/cases", {"feedback": str(record.public_id)}).status_code == 409
    foreign = FeedbackFactory(source=DataSourceFactory(name="Umfrage"), touchpoint=world.other_touchpoint)
    assert api(user, "post", "/cases", {"feedback": str(foreign.public_id)}).status_code == 403
    assert Case.objects.count() == 1


def test_case_rules_api(api, world):
    DataSourceFactory(name="Umfrage")
    user = world.users["cx_team"]
    body = {"name": "Hotline", "trigger": "csat_max", "threshold": 2, "sources": ["Umfrage"], "touchpoints": ["TP-OWN"],
            "segments": ["privat"], "sla_hours": 12}  # fmt: skip
    response = api(user, "post", "/case-rules", body)
    assert response.status_code == 201
    assert response.json() | {"id": None} == {
        "id": None, "name": "Hotline", "active": True, "trigger": "csat_max", "threshold": 2, "priority": "normal",
        "sla_hours": 12, "sources": ["Umfrage"], "touchpoints": ["TP-OWN"], "segments": ["privat"], "topics": [],
    }  # fmt: skip
    assert api(user, "post", "/case-rules", body).status_code == 422  # name taken
    assert api(user, "post", "/case-rules", body | {"name": "X", "threshold": 7}).status_code == 422
    assert api(user, "post", "/case-rules", body | {"name": "Y", "touchpoints": ["NOPE"]}).status_code == 422
    assert api(user, "get", "/case-rules").json()["count"] == 1 == CaseRule.objects.count()
