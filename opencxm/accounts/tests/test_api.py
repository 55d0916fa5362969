"""The organisation API: departments (list, create, read, replace, delete) and /users/me."""

import json

import pytest

from opencxm.accounts.models import ApiToken, Department
from opencxm.core.api_auth import token_digest
from opencxm.core.models import AuditEntry
from tests import factories as f


def _bearer(user, scope="write"):
    raw = f"ocx_test_{user.username}_{scope}"
    ApiToken.objects.create(user=user, name="t", prefix=raw[:12], digest=token_digest(raw), scope=scope)
    return {"Authorization": f"Bearer {raw}"}


def _send(client, method, path, headers, body=None):
    return getattr(client, method)(path, json.dumps(body or {}), content_type="application/json", headers=headers)


@pytest.fixture
def lead(cx_lead):
    return _bearer(cx_lead)


def test_list_departments_is_paginated(client, lead):
    for number in range(3):
        f.DepartmentFactory(code=f"d{number}", name=f"Abteilung {number}")
    response = client.get("/api/v1/departments?limit=2&offset=1", headers=lead)
    assert response.status_code == 200
    payload = response.json()
    assert payload["count"] == 4
    assert [d["code"] for d in payload["items"]] == ["d1", "d2"]
    assert set(payload["items"][0]) == {
        "public_id",
        "code",
        "name",
        "description",
        "customer_facing",
        "created_at",
        "updated_at",
    }


def test_create_read_replace_delete(client, lead, cx_lead):
    created = _send(client, "post", "/api/v1/departments", lead, {"code": "technik", "name": "Technik"})
    assert created.status_code == 201
    body = created.json()
    assert (body["code"], body["name"], body["description"], body["customer_facing"]) == (
        "technik",
        "Technik",
        "",
        True,
    )
    url = f"/api/v1/departments/{body['public_id']}"
    assert client.get(url, headers=lead).json()["name"] == "Technik"
    replaced = _send(client, "put", url, lead, {"code": "technik", "name": "Außendienst", "customer_facing": False})
    assert replaced.status_code == 200
    assert (replaced.json()["name"], replaced.json()["customer_facing"]) == ("Außendienst", False)
    deleted = client.delete(url, headers=lead)
    assert deleted.status_code == 204
    assert client.get(url, headers=lead).status_code == 404
    actions = AuditEntry.objects.filter(object_id=body["public_id"]).order_by("at", "id").values_list("action", "actor")
    assert list(actions) == [("create", cx_lead.pk), ("update", cx_lead.pk), ("delete", cx_lead.pk)]


def test_validation_errors_are_422(client, lead):
    f.DepartmentFactory(code="vertrieb", name="Vertrieb")
    bad_slug = _send(client, "post", "/api/v1/departments", lead, {"code": "with space", "name": "X"})
    assert bad_slug.status_code == 422
    duplicate = _send(client, "post", "/api/v1/departments", lead, {"code": "vertrieb", "name": "Anders"})
    assert duplicate.status_code == 422
    assert [e["loc"][-1] for e in duplicate.json()["detail"]] == ["code"]
    assert Department.objects.count() == 2


def test_delete_of_a_department_owning_touchpoints_is_409(client, lead):
    touchpoint = f.TouchpointFactory()
    url = f"/api/v1/departments/{touchpoint.owner_department.public_id}"
    response = client.delete(url, headers=lead)
    assert response.status_code == 409
    assert "1 touchpoints" in response.json()["detail"].lower()
    assert Department.objects.filter(pk=touchpoint.owner_department_id).exists()


def test_writes_need_the_cx_lead(client, world):
    headers = _bearer(world.users["cx_team"])
    response = _send(client, "post", "/api/v1/departments", headers, {"code": "neu", "name": "Neu"})
    assert response.status_code == 403
    response = client.delete(f"/api/v1/departments/{world.own.public_id}", headers=headers)
    assert response.status_code == 403
    assert Department.objects.count() == 2


def test_unknown_department_is_404(client, lead):
    response = client.get("/api/v1/departments/7f0c6b9e-8a55-4b1e-9a57-0d5a4f3b2c10", headers=lead)
    assert response.status_code == 404


def test_anonymous_is_401(client, db):
    assert client.get("/api/v1/departments").status_code == 401
    assert client.get("/api/v1/users/me").status_code == 401


def test_users_me(client, world):
    user = world.users["ambassador"]
    response = client.get("/api/v1/users/me", headers=_bearer(user, scope="read"))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "p_ambassador"
    assert [(m["department"]["code"], m["role"]) for m in body["memberships"]] == [("kundenservice", "ambassador")]
    assert body["permissions"] == {"can_read": True, "can_edit_all": False, "can_manage_org": False}


def test_session_write_needs_csrf(client, cx_lead):
    csrf_client = client.__class__(enforce_csrf_checks=True)
    csrf_client.force_login(cx_lead)
    response = csrf_client.post(
        "/api/v1/departments", json.dumps({"code": "x", "name": "X"}), content_type="application/json"
    )
    assert response.status_code == 403
    assert not Department.objects.filter(code="x").exists()
