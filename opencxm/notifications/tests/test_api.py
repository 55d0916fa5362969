import pytest
from django.test import Client

from opencxm.accounts.models import ApiToken
from opencxm.core.api_auth import token_digest
from opencxm.notifications.models import Notification
from tests import factories as f
from tests.factories_notifications import NotificationFactory


@pytest.fixture
def anna(db):
    return f.UserFactory(username="anna")


def _api(user, scope="write"):
    raw = f"ocx_test_{user.username}_{scope}"
    ApiToken.objects.create(user=user, name="t", prefix=raw[:8], digest=token_digest(raw), scope=scope)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_list_own_notifications_newest_first_and_unread_filter(anna):
    NotificationFactory(user=anna, subject="Eins")
    second = NotificationFactory(user=anna, subject="Zwei", event="alert_raised")
    NotificationFactory(subject="Fremd")
    Notification.objects.filter(pk=second.pk).update(read_at="2026-01-01T00:00:00Z")
    client = _api(anna)
    body = client.get("/api/v1/notifications").json()
    assert body["count"] == 2
    assert [item["subject"] for item in body["items"]] == ["Zwei", "Eins"]
    assert body["items"][0]["event"] == "alert_raised"
    unread = client.get("/api/v1/notifications?unread=true").json()
    assert [item["subject"] for item in unread["items"]] == ["Eins"]
    assert client.get("/api/v1/notifications/unread").json() == {"unread": 1}


def test_mark_read_and_all_read(anna):
    first, _ = NotificationFactory(user=anna), NotificationFactory(user=anna)
    client = _api(anna)
    response = client.post(f"/api/v1/notifications/{first.public_id}/read")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 1}
    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 0}


def test_someone_elses_notification_is_not_found(anna):
    other = NotificationFactory()
    response = _api(anna).post(f"/api/v1/notifications/{other.public_id}/read")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_read_only_token_cannot_mark_read(anna):
    notification = NotificationFactory(user=anna)
    assert _api(anna, scope="read").post(f"/api/v1/notifications/{notification.public_id}/read").status_code == 403
    notification.refresh_from_db()
    assert notification.read_at is None
