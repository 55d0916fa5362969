import json

import pytest

from opencxm.accounts.models import ApiToken
from opencxm.core.api_auth import token_digest
from opencxm.insights.models import Action, Insight
from tests.factories_insights import ActionFactory, InsightFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, world):
    def call(persona, method, path, body=None):
        raw = f"ocx_test_{persona}"
        ApiToken.objects.get_or_create(
            digest=token_digest(raw),
            defaults={"user": world.users[persona], "name": "t", "prefix": raw[:8], "scope": "write"},
        )
        headers = {"Authorization": f"Bearer {raw}"}
        kwargs = {"content_type": "application/json"} if body is not None else {}
        data = json.dumps(body) if body is not None else None
        return getattr(client, method)(f"/api/v1{path}", *([data] if data else []), headers=headers, **kwargs)

    return call


def test_create_insight_with_evidence(api, world):
    response = api("viewer", "post", "/insights", {
        "kind": "observation", "title": "Techniker ohne Info", "owner_department": "vertrieb", "impact": 4,
        "effort": 2, "touchpoints": ["TP-OWN"], "steps": [str(world.step.public_id)], "segments": ["privat"],
        "evidence_query": {"metric": "csat", "days": 60}, "evidence_note": "Außendienst berichtet",
    })  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["priority"], body["touchpoints"], body["segments"]) == (
        "new", 2.0, ["TP-OWN"], ["privat"],
    )  # fmt: skip
    assert body["evidence_query"] == {"metric": "csat", "days": 60} and body["owner_department"]["code"] == "vertrieb"
    assert Insight.objects.get().created_by == world.users["viewer"]


@pytest.mark.parametrize(
    "change",
    [
        {"owner_department": "nope"},
        {"touchpoints": ["TP-NOPE"]},
        {"evidence_query": {"metric": "bogus"}},
        {"impact": 6},
    ],
)
def test_create_insight_validation(api, change):
    body = {"title": "x", "owner_department": "kundenservice"} | change
    assert api("cx_team", "post", "/insights", body).status_code == 422
    assert Insight.objects.count() == 0


def test_list_insights_ranked_and_filtered(api, world):
    InsightFactory(title="klein", owner_department=world.own, impact=1)
    InsightFactory(title="groß", owner_department=world.other, impact=5, kind="idea")
    assert [i["title"] for i in api("viewer", "get", "/insights").json()["items"]] == ["groß", "klein"]
    assert [i["title"] for i in api("viewer", "get", "/insights?department=kundenservice").json()["items"]] == ["klein"]
    assert api("viewer", "get", "/insights?department=nope").json()["items"] == []
    assert [i["title"] for i in api("viewer", "get", "/insights?kind=idea").json()["items"]] == ["groß"]


def test_transition_insight_and_conflict(api, world):
    insight = InsightFactory(owner_department=world.own)
    path = f"/insights/{insight.public_id}/transition"
    response = api("ambassador", "post", path, {"status": "validated", "validation_method": "data", "note": "BI"})
    assert response.status_code == 200 and response.json()["validation_method"] == "data"
    assert api("ambassador", "post", path, {"status": "validated"}).status_code == 409
    assert api("ambassador", "post", path, {"status": "done"}).status_code == 409
    assert api("other_department", "post", path, {"status": "rejected"}).status_code == 403
    insight.refresh_from_db()
    assert insight.status == "validated" and insight.events.count() == 1


def test_validated_transition_needs_a_method(api, world):
    insight = InsightFactory(owner_department=world.own)
    response = api("cx_team", "post", f"/insights/{insight.public_id}/transition", {"status": "validated"})
    assert response.status_code == 409
    insight.refresh_from_db()
    assert insight.status == "new"


def _action_body(insight, **change):
    return {"insight": str(insight.public_id), "track": "roadmap", "category": "tools", "title": "Wissensdatenbank",
            "owner_department": "kundenservice", "owner_user": "p_ambassador", "due_date": "2026-09-30",
            "references": [{"label": "Projekt KB", "url": "https://example.com/kb"}], "metric": "csat",
            "expected_change": 10, "touchpoints": ["TP-OWN"]} | change  # fmt: skip


def test_create_update_and_finish_action(api, world):
    insight = InsightFactory(owner_department=world.own)
    response = api("ambassador", "post", "/actions", _action_body(insight))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["insight"], body["owner_user"], body["touchpoints"], body["status"]) == (
        str(insight.public_id), "p_ambassador", ["TP-OWN"], "planned",
    )  # fmt: skip
    path = f"/actions/{body['public_id']}"
    assert api("ambassador", "put", path, _action_body(insight, title="KB 2")).json()["title"] == "KB 2"
    assert api("ambassador", "post", f"{path}/transition", {"status": "done"}).json()["done_at"] is not None
    assert api("ambassador", "post", f"{path}/transition", {"status": "cancelled"}).status_code == 409


@pytest.mark.parametrize(
    "change",
    [
        {"category": "communication"},  # a playbook category on the roadmap
        {"metric": "bogus"},
        {"owner_user": "nobody"},
        {"references": [{"label": "x", "url": "javascript:alert(1)"}]},
        {"touchpoints": ["TP-NOPE"]},
    ],
)
def test_create_action_validation(api, world, change):
    insight = InsightFactory(owner_department=world.own)
    assert api("cx_team", "post", "/actions", _action_body(insight, **change)).status_code == 422
    assert Action.objects.count() == 0


def test_ambassador_cannot_assign_action_to_another_department(api, world):
    insight = InsightFactory(owner_department=world.own)
    response = api("ambassador", "post", "/actions", _action_body(insight, owner_department="vertrieb"))
    assert response.status_code == 403 and Action.objects.count() == 0


def test_action_list_and_detail_follow_visibility(api, world):
    own = ActionFactory(insight=InsightFactory(owner_department=world.own), owner_department=world.own, title="eigen")
    ActionFactory(insight=InsightFactory(owner_department=world.other), owner_department=world.other, title="fremd")
    assert [a["title"] for a in api("viewer", "get", "/actions").json()["items"]] == ["eigen"]
    assert sorted(a["title"] for a in api("admin", "get", "/actions").json()["items"]) == ["eigen", "fremd"]
    assert api("other_department", "get", f"/actions/{own.public_id}").status_code == 404
    assert api("viewer", "get", f"/actions/{own.public_id}").status_code == 200


def test_anonymous_gets_401(client):
    assert client.get("/api/v1/insights").status_code == 401
    assert client.get("/api/v1/actions").status_code == 401


@pytest.mark.parametrize("count", [3, 30])
def test_api_lists_need_a_bounded_number_of_queries(api, world, django_assert_max_num_queries, count):
    for n in range(count):
        insight = InsightFactory(owner_department=world.own, impact=1 + n % 5)
        insight.touchpoints.set([world.touchpoint])
        ActionFactory(insight=insight, owner_department=world.own).touchpoints.set([world.touchpoint])
    api("viewer", "get", "/actions")  # creates the token
    with django_assert_max_num_queries(12):
        assert len(api("viewer", "get", "/insights").json()["items"]) == count
    with django_assert_max_num_queries(10):
        assert len(api("viewer", "get", "/actions").json()["items"]) == count
