"""Permission cases for the inbox, the notification settings and the webhook pages (loaded by
tests/test_permission_matrix.py). Notifications are private: only the recipient may mark one read."""

from opencxm.notifications.models import Notification, NotificationPreference, WebhookDelivery, WebhookEndpoint
from tests.permissions import ALL, ORG_MANAGERS, Case


def _notification(w):
    if "notification" not in w.extra:
        w.extra["notification"] = Notification.objects.create(
            user=w.users["ambassador"], event="case_created", subject="Neuer Fall", link="/"
        )
    return w.extra["notification"]


def _endpoint(w):
    if "endpoint" not in w.extra:
        w.extra["endpoint"] = WebhookEndpoint.objects.create(
            name="CRM", url="http://127.0.0.1:9/hook", events=["case_created"]
        )
    return w.extra["endpoint"]


def _read_state(w):
    _notification(w)
    return sorted(str(at) for at in Notification.objects.values_list("read_at", flat=True))


def _preferences(w):
    return sorted(NotificationPreference.objects.values_list("user_id", "event", "mode"))


def _preferences_form(w):
    return {"*": "digest", "case_created": "off", "case_assigned": "immediate", "case_handed_over": "immediate",
            "case_sla_breached": "immediate", "case_closed": "digest", "alert_raised": "immediate",
            "alert_closed": "immediate", "insight_created": "digest", "action_assigned": "immediate",
            "action_due": "immediate"}  # fmt: skip


def _endpoints(w):
    _endpoint(w)
    return sorted(WebhookEndpoint.objects.values_list("name", "url", "secret", "active", "events"))


def _deliveries(w):
    _endpoint(w)
    return list(WebhookDelivery.objects.values_list("event", "status"))


def _endpoint_form(w, name="CRM neu"):
    return {"name": name, "url": "https://crm.example.com/hook", "events": ["case_created", "case_closed"],
            "active": "on"}  # fmt: skip


def _endpoint_path(w, suffix=""):
    return f"/notifications/webhooks/{_endpoint(w).public_id}/{suffix}"


CASES = [
    Case("notifications:inbox", lambda w: "/notifications/", ALL),
    Case("notifications:inbox", lambda w: "/notifications/?show=unread", ALL),
    Case("notifications:unread_badge", lambda w: "/notifications/unread/", ALL, htmx=True),
    Case(
        "notifications:mark_read",
        lambda w: f"/notifications/{_notification(w).public_id}/read/",
        frozenset({"ambassador"}),
        "POST",
        state=_read_state,
    ),  # fmt: skip
    Case("notifications:mark_all_read", lambda w: "/notifications/read-all/", ALL, "POST", state=_read_state),
    Case("notifications:preferences", lambda w: "/notifications/preferences/", ALL),
    Case(
        "notifications:preferences",
        lambda w: "/notifications/preferences/",
        ALL,
        "POST",
        _preferences_form,
        _preferences,
    ),  # fmt: skip
    Case("notifications:webhooks", lambda w: "/notifications/webhooks/", ORG_MANAGERS),
    Case("notifications:webhook_create", lambda w: "/notifications/webhooks/new/", ORG_MANAGERS),
    Case(
        "notifications:webhook_create",
        lambda w: "/notifications/webhooks/new/",
        ORG_MANAGERS,
        "POST",
        _endpoint_form,
        _endpoints,
    ),  # fmt: skip
    Case("notifications:webhook_detail", _endpoint_path, ORG_MANAGERS),
    Case("notifications:webhook_edit", lambda w: _endpoint_path(w, "edit/"), ORG_MANAGERS),
    Case(
        "notifications:webhook_edit",
        lambda w: _endpoint_path(w, "edit/"),
        ORG_MANAGERS,
        "POST",
        _endpoint_form,
        _endpoints,
    ),  # fmt: skip
    Case("notifications:webhook_delete", lambda w: _endpoint_path(w, "delete/"), ORG_MANAGERS),
    Case(
        "notifications:webhook_delete", lambda w: _endpoint_path(w, "delete/"), ORG_MANAGERS, "POST", state=_endpoints
    ),  # fmt: skip
    Case(
        "notifications:webhook_rotate_secret",
        lambda w: _endpoint_path(w, "secret/"),
        ORG_MANAGERS,
        "POST",
        state=_endpoints,
    ),  # fmt: skip
    Case(
        "notifications:webhook_test", lambda w: _endpoint_path(w, "test/"), ORG_MANAGERS, "POST", state=_deliveries
    ),  # fmt: skip
    Case("GET /api/v1/notifications", lambda w: "/api/v1/notifications", ALL),
    Case("GET /api/v1/notifications/unread", lambda w: "/api/v1/notifications/unread", ALL),
    Case(
        "POST /api/v1/notifications/read-all",
        lambda w: "/api/v1/notifications/read-all",
        ALL,
        "POST",
        state=_read_state,
    ),  # fmt: skip
    Case(
        "POST /api/v1/notifications/{public_id}/read",
        lambda w: f"/api/v1/notifications/{_notification(w).public_id}/read",
        frozenset({"ambassador"}),
        "POST",
        state=_read_state,
    ),  # fmt: skip
]
