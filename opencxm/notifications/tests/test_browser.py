import pytest

from opencxm.notifications.models import Notification
from tests import factories as f
from tests.browser import screenshot
from tests.factories_notifications import NotificationFactory, WebhookEndpointFactory


@pytest.mark.browser
def test_inbox_badge_mark_read_and_webhook_log(signed_in_page):
    admin = f.UserFactory(username="chefin", is_superuser=True, is_staff=True)
    NotificationFactory(user=admin, subject="Neuer Fall: Rechnung doppelt", body="Kundin 4711 meldet eine Abbuchung.")
    NotificationFactory(user=admin, event="alert_raised", subject="OpenCXM-Alarm: NPS Hotline liegt bei -60")
    endpoint = WebhookEndpointFactory(name="CRM", url="http://127.0.0.1:9/hook")
    delivery = endpoint.deliveries.create(event="case_created", payload={}, attempts=1, last_status_code=500)
    delivery.attempt_log.create(
        number=1, at=delivery.created_at, status_code=500, error="HTTP 500 Internal Server Error"
    )
    page = signed_in_page(admin)
    page.wait_for_selector("header .nav-link .badge")
    assert page.inner_text("header .nav-link .badge").split()[0] == "2"
    page.click("header a.nav-link[href='/notifications/']")
    page.wait_for_load_state("networkidle")
    screenshot(page, "notifications-inbox")
    page.get_by_role("button", name="Als gelesen markieren", exact=True).first.click()
    page.wait_for_load_state("networkidle")
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    page.goto(f"{page.base_url}/notifications/preferences/")
    page.select_option("select[name=case_created]", "digest")
    page.click("button[type=submit].btn-primary")
    page.wait_for_load_state("networkidle")
    screenshot(page, "notifications-preferences")
    assert admin.notification_preferences.get(event="case_created").mode == "digest"
    page.goto(f"{page.base_url}/notifications/webhooks/{endpoint.public_id}/")
    assert "HTTP 500" in page.inner_text("table")
    screenshot(page, "notifications-webhook-log")
    assert page.csp_errors == []
