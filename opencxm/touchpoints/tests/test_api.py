import json

import pytest

from opencxm.accounts.models import ApiToken
from opencxm.core.api_auth import token_digest
from opencxm.core.models import AuditEntry
from opencxm.touchpoints.models import Channel, Touchpoint
from tests import factories as f

pytestmark = pytest.mark.django_db


def api(client, user):
    raw = f"ocx_test_{user.username}"
    ApiToken.objects.create(user=user, name="t", prefix=raw[:8], digest=token_digest(raw), scope="write")
    headers = {"Authorization": f"Bearer {raw}"}

    def call(method, path, body=None, **params):
        kwargs = {"headers": headers}
        if body is not None:
            return getattr(client, method)(
                f"/api/v1{path}", json.dumps(body), content_type="application/json", **kwargs
            )
        return getattr(client, method)(f"/api/v1{path}", params, **kwargs)

    return call


@pytest.fixture
def cx(client, world):
    return api(client, world.users["cx_team"])


@pytest.fixture
def ambassador(client, world):
    return api(client, world.users["ambassador"])


def payload(**changes):
    body = {
        "code": "TP-API",
        "name": "Über die API",
        "channel": "hotline",
        "owner_department": "kundenservice",
        "moment_of_truth": True,
        "processes": ["Wiki | https://wiki.example"],
        "contributors": [{"department": "vertrieb", "raci": "I"}],
    }
    return body | changes


def test_list_with_filters_and_pagination(cx, world):
    response = cx("get", "/touchpoints", department="vertrieb")
    data = response.json()
    assert data["count"] == 1
    (item,) = data["items"]
    assert item["code"] == "TP-OTHER"
    assert item["channel"] == {"code": "hotline", "name": "Hotline"}
    assert item["owner_department"] == {"code": "vertrieb", "name": "Vertrieb"}
    assert [i["code"] for i in cx("get", "/touchpoints", q="störung").json()["items"]] == ["TP-OWN"]
    assert cx("get", "/touchpoints", limit=1, offset=1).json()["items"][0]["code"] == "TP-OWN"
    assert cx("get", "/touchpoints", status="retired").json()["count"] == 0


def test_list_query_count_bounded(cx, world, django_assert_max_num_queries):
    for _ in range(20):
        touchpoint = f.TouchpointFactory(channel=world.channel, owner_department=world.own)
        f.ContributionFactory(touchpoint=touchpoint, department=world.other)
    with django_assert_max_num_queries(8):
        assert cx("get", "/touchpoints").json()["count"] == 22


def test_create_get_update(cx, world):
    response = cx("post", "/touchpoints", payload())
    assert response.status_code == 201
    data = response.json()
    assert data["contributors"] == [{"department": {"code": "vertrieb", "name": "Vertrieb"}, "raci": "I"}]
    assert data["processes"] == ["Wiki | https://wiki.example"]
    assert cx("get", f"/touchpoints/{data['public_id']}").json()["name"] == "Über die API"
    updated = cx("put", f"/touchpoints/{data['public_id']}", payload(name="Neu", status="retired", contributors=[]))
    assert updated.status_code == 200
    assert (updated.json()["name"], updated.json()["status"], updated.json()["contributors"]) == ("Neu", "retired", [])
    assert updated.json()["retired_at"] is not None
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == ["create", "update"]


def test_validation_errors(cx, world):
    assert cx("post", "/touchpoints", payload(channel="fax")).status_code == 422
    assert cx("post", "/touchpoints", payload(owner_department="nope")).status_code == 422
    assert cx("post", "/touchpoints", payload(status="kaputt")).status_code == 422
    assert cx("post", "/touchpoints", payload(code="")).status_code == 422
    response = cx("post", "/touchpoints", payload(code="TP-OWN"))
    assert response.status_code == 409
    assert Touchpoint.objects.count() == 2


def test_delete_refused_when_used_in_journey(cx, world):
    response = cx("delete", f"/touchpoints/{world.touchpoint.public_id}")
    assert response.status_code == 409
    assert "retire" in response.json()["detail"]
    assert Touchpoint.objects.filter(pk=world.touchpoint.pk).exists()
    spare = f.TouchpointFactory(channel=world.channel, owner_department=world.own)
    assert cx("delete", f"/touchpoints/{spare.public_id}").status_code == 204
    assert not Touchpoint.objects.filter(pk=spare.pk).exists()
    assert AuditEntry.objects.get().action == "delete"


def test_ambassador_writes_own_department_only(ambassador, world):
    assert ambassador("post", "/touchpoints", payload(owner_department="vertrieb")).status_code == 403
    assert ambassador("post", "/touchpoints", payload()).status_code == 201
    own = f"/touchpoints/{world.touchpoint.public_id}"
    assert ambassador("put", own, payload(code="TP-OWN", owner_department="vertrieb")).status_code == 403
    other = f"/touchpoints/{world.other_touchpoint.public_id}"
    assert ambassador("put", other, payload(code="TP-OTHER")).status_code == 403
    world.touchpoint.refresh_from_db()
    world.other_touchpoint.refresh_from_db()
    assert world.touchpoint.owner_department == world.own
    assert world.other_touchpoint.name == "Vertragsabschluss"


def test_channels(cx, ambassador, world):
    assert ambassador("post", "/channels", {"code": "fax", "name": "Fax"}).status_code == 403
    created = cx("post", "/channels", {"code": "fax", "name": "Fax", "kind": "letter"})
    assert created.status_code == 201
    public_id = created.json()["public_id"]
    assert cx("post", "/channels", {"code": "fax", "name": "Fax 2"}).status_code == 422
    assert cx("put", f"/channels/{public_id}", {"code": "fax", "name": "Telefax"}).json()["name"] == "Telefax"
    assert [c["code"] for c in cx("get", "/channels").json()["items"]] == ["hotline", "fax"]
    assert cx("delete", f"/channels/{world.channel.public_id}").status_code == 409
    assert cx("delete", f"/channels/{public_id}").status_code == 204
    assert list(Channel.objects.values_list("code", flat=True)) == ["hotline"]


def test_anonymous_is_refused(client, world):
    assert client.get("/api/v1/touchpoints").status_code == 401
