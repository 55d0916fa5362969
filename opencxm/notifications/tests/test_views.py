import pytest
from django.test import Client

from opencxm.notifications import services
from opencxm.notifications.models import Notification, NotificationPreference, WebhookDelivery, WebhookEndpoint
from tests import factories as f
from tests.factories_notifications import NotificationFactory, WebhookEndpointFactory


@pytest.fixture
def anna(db):
    return f.UserFactory(username="anna")


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("rows", [5, 50])
def test_inbox_queries_are_bounded(anna, rows, django_assert_num_queries):
    NotificationFactory.create_batch(rows, user=anna)
    client = _client(anna)
    with django_assert_num_queries(6):  # session, user, memberships, unread count, page count, page rows
        response = client.get("/notifications/")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(rows, 25)


def test_inbox_shows_only_own_notifications_newest_first(anna):
    NotificationFactory(user=anna, subject="Älter")
    NotificationFactory(user=anna, subject="Neuer")
    NotificationFactory(subject="Fremd")
    response = _client(anna).get("/notifications/")
    assert [row.subject for row in response.context["page"]] == ["Neuer", "Älter"]
    assert response.context["inbox_unread"] == 2
    assert b"Fremd" not in response.content


def test_unread_filter_and_badge(anna):
    NotificationFactory(user=anna, subject="Offen")
    read = NotificationFactory(user=anna, subject="Gelesen")
    Notification.objects.filter(pk=read.pk).update(read_at="2026-01-01T00:00:00Z")
    client = _client(anna)
    response = client.get("/notifications/?show=unread")
    assert [row.subject for row in response.context["page"]] == ["Offen"]
    badge = client.get("/notifications/unread/", headers={"HX-Request": "true"})
    assert badge.content.decode().split() == ['<span', 'class="badge', 'bg-red', 'text-red-fg', 'ms-1">1<span',
                                              'class="visually-hidden">', 'ungelesen</span></span>']  # fmt: skip


def test_mark_read_opens_the_link_and_mark_all_read(anna):
    first = NotificationFactory(user=anna, link="/touchpoints/")
    NotificationFactory(user=anna)
    client = _client(anna)
    response = client.post(f"/notifications/{first.public_id}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/touchpoints/"
    first.refresh_from_db()
    assert first.read_at is not None
    client.post("/notifications/read-all/")
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_mark_read_does_not_redirect_elsewhere(anna):
    notification = NotificationFactory(user=anna, link="https://evil.example.com/")
    response = _client(anna).post(f"/notifications/{notification.public_id}/read/", {"open": "1"})
    assert response["Location"] == "/notifications/"


def test_preferences_page_saves_the_default_and_each_kind(anna):
    NotificationPreference.objects.create(user=anna, event="alert_raised", mode="off")
    client = _client(anna)
    response = client.get("/notifications/preferences/")
    form = response.context["form"]
    assert (form["*"].value(), form["case_created"].value(), form["alert_raised"].value()) == ("immediate", "", "off")
    data = {field.name: "" for field in form}
    data.update({"*": "digest", "case_sla_breached": "immediate"})
    assert client.post("/notifications/preferences/", data).status_code == 302
    modes = dict(NotificationPreference.objects.filter(user=anna).values_list("event", "mode"))
    assert modes == {"*": "digest", "case_sla_breached": "immediate"}  # alert_raised follows the default again
    assert services.delivery_modes([anna], "alert_raised") == {anna.pk: "digest"}
    assert services.delivery_modes([anna], "case_sla_breached") == {anna.pk: "immediate"}


def test_webhook_create_edit_test_and_delete(world, immediate_tasks, django_capture_on_commit_callbacks):
    client = _client(world.users["admin"])
    data = {"name": "CRM", "url": "http://127.0.0.1:9/hook", "events": ["case_created"], "active": "on"}
    response = client.post("/notifications/webhooks/new/", data)
    endpoint = WebhookEndpoint.objects.get()
    assert response["Location"] == f"/notifications/webhooks/{endpoint.public_id}/"
    assert (endpoint.events, endpoint.created_by, endpoint.secret.startswith("whsec_")) == (
        ["case_created"], world.users["admin"], True
    )  # fmt: skip
    detail = client.get(f"/notifications/webhooks/{endpoint.public_id}/")
    assert endpoint.secret in detail.content.decode()
    client.post(f"/notifications/webhooks/{endpoint.public_id}/edit/", {**data, "events": ["case_closed"]})
    endpoint.refresh_from_db()
    assert endpoint.events == ["case_closed"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/notifications/webhooks/{endpoint.public_id}/test/")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.attempts, delivery.status) == ("ping", 1, "pending")
    log = client.get(f"/notifications/webhooks/{endpoint.public_id}/").content.decode()
    assert "#1" in log and "URLError" in log
    old_secret = endpoint.secret
    client.post(f"/notifications/webhooks/{endpoint.public_id}/secret/")
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret
    client.post(f"/notifications/webhooks/{endpoint.public_id}/delete/")
    assert WebhookEndpoint.objects.count() == 0


def test_webhook_url_must_be_http(world):
    data = {"name": "Datei", "url": "ftp://example.com/hook", "events": ["case_created"]}
    response = _client(world.users["admin"]).post("/notifications/webhooks/new/", data)
    assert response.status_code == 200
    assert "url" in response.context["form"].errors
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.parametrize("endpoints", [3, 30])
def test_webhook_list_and_log_queries_are_bounded(world, endpoints, django_assert_num_queries):
    made = WebhookEndpointFactory.create_batch(endpoints)
    for endpoint in made:
        endpoint.deliveries.create(event="case_created", payload={})
    client = _client(world.users["admin"])
    with django_assert_num_queries(4):  # session, user, memberships, endpoints with counts
        assert client.get("/notifications/webhooks/").status_code == 200
    with django_assert_num_queries(7):  # session, user, memberships, endpoint, count, deliveries, attempts
        assert client.get(f"/notifications/webhooks/{made[0].public_id}/").status_code == 200
