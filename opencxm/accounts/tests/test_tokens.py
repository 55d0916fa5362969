"""Personal API tokens: created in the UI, shown once, stored hashed, read or read-write, revocable."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from opencxm.accounts.models import ApiToken
from opencxm.core.api_auth import token_digest
from tests import factories as f


@pytest.fixture
def lead_client(client, cx_lead):
    client.force_login(cx_lead)
    return client


def _create(client, name="Import", scope="read", days=""):
    response = client.post("/organisation/tokens/", {"name": name, "scope": scope, "expires_in_days": days})
    assert response.status_code == 200
    return response, response.context["created"]["raw"]


def test_token_is_shown_once_and_stored_hashed(lead_client, cx_lead):
    response, raw = _create(lead_client)
    assert raw.startswith("ocx_") and len(raw) == 4 + 43
    assert raw in response.content.decode()
    token = ApiToken.objects.get(user=cx_lead)
    assert token.digest == token_digest(raw)
    assert token.prefix == raw[:12]
    assert token.scope == "read" and token.expires_at is None
    stored = json.dumps(list(ApiToken.objects.values()), default=str)
    assert raw not in stored
    again = lead_client.get("/organisation/tokens/")
    assert raw not in again.content.decode()
    assert token.prefix in again.content.decode()


def test_token_works_against_the_api(lead_client, client):
    _, raw = _create(lead_client)
    api = client.__class__()
    response = api.get("/api/v1/departments", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert [d["code"] for d in response.json()["items"]] == ["cx"]
    assert ApiToken.objects.get().last_used_at is not None


def test_read_token_cannot_write(lead_client, client):
    _, raw = _create(lead_client, scope="read")
    api = client.__class__()
    body = json.dumps({"code": "neu", "name": "Neu"})
    response = api.post(
        "/api/v1/departments", body, content_type="application/json", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 403


def test_write_token_of_the_cx_lead_can_write(lead_client, client):
    _, raw = _create(lead_client, scope="write")
    api = client.__class__()
    body = json.dumps({"code": "neu", "name": "Neu"})
    response = api.post(
        "/api/v1/departments", body, content_type="application/json", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 201


def test_revoked_token_is_rejected(lead_client, client):
    _, raw = _create(lead_client)
    token = ApiToken.objects.get()
    response = lead_client.post(f"/organisation/tokens/{token.public_id}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = client.__class__()
    assert api.get("/api/v1/departments", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_expired_token_is_rejected(lead_client, client):
    _, raw = _create(lead_client, days="30")
    token = ApiToken.objects.get()
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    api = client.__class__()
    assert api.get("/api/v1/departments", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_tokens_of_others_are_invisible_and_cannot_be_revoked(lead_client, cx_lead):
    other = f.UserFactory(username="other")
    theirs = ApiToken.objects.create(user=other, name="Theirs", prefix="ocx_abcdefgh", digest="x" * 64)
    page = lead_client.get("/organisation/tokens/")
    assert list(page.context["tokens"]) == []
    assert lead_client.post(f"/organisation/tokens/{theirs.public_id}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_token_form_validation(lead_client):
    response = lead_client.post("/organisation/tokens/", {"name": "", "scope": "admin", "expires_in_days": "0"})
    assert response.status_code == 200
    assert response.context["created"] is None
    assert sorted(response.context["form"].errors) == ["expires_in_days", "name", "scope"]
    assert not ApiToken.objects.exists()
