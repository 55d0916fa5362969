"""The goal pages in a real browser: list with status badges, the scope field switching over HTMX, the inbox."""

from datetime import timedelta

import pytest
from django.utils import timezone

from opencxm.analytics import alerts
from opencxm.analytics.tests.test_targets import add_feedback, make_target
from opencxm.feedback.models import DataSource
from tests.browser import screenshot

pytestmark = pytest.mark.browser


def test_goal_pages_in_the_browser(world, signed_in_page):
    source = DataSource.objects.create(name="Umfrage")
    add_feedback(source, world.touchpoint, [10, 3, 3, 3], day=timezone.localdate() - timedelta(days=2))
    make_target(world)
    make_target(world, scope_type="company", touchpoint=None, metric="csat", target_value=80, warning_value=70)
    alerts.evaluate()
    page = signed_in_page(world.users["cx_team"])
    page.goto(f"{page.base_url}/goals/")
    assert page.locator(".badge.bg-red-lt").first.inner_text() == "verfehlt"
    screenshot(page, "goals-list")
    page.goto(f"{page.base_url}/goals/new/")
    page.select_option("#id_scope_type", "stage")
    page.wait_for_selector("#id_stage")
    assert page.locator("#id_touchpoint").count() == 0
    screenshot(page, "goals-form")
    page.goto(f"{page.base_url}/goals/alerts/")
    assert "1 offener Alarm" in page.content()
    screenshot(page, "goals-inbox")
    assert page.csp_errors == []
