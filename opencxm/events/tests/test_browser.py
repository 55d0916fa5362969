"""Event pages in a real browser: discovery tables and mapping an activity in place (HTMX), German."""

import pytest

from tests import factories as f
from tests.browser import screenshot
from tests.factories_events import write_events

ROWS = [
    ("K1", "Website besucht", 0), ("K1", "Hotline angerufen", 30), ("K1", "Hotline angerufen", 90),
    ("K1", "Techniker beauftragt", 200), ("K2", "Website besucht", 0), ("K2", "Online bestellt", 12),
    ("K3", "Website besucht", 5), ("K3", "Hotline angerufen", 40), ("K3", "Techniker beauftragt", 300),
]  # fmt: skip


@pytest.mark.browser
def test_discovery_and_mapping_in_the_browser(signed_in_page):
    lead = f.UserFactory(username="lead")
    department = f.DepartmentFactory(code="service", name="Service")
    f.MembershipFactory(user=lead, department=department, role="cx_lead")
    hotline = f.TouchpointFactory(code="TP-HOT", name="Hotline Störung", owner_department=department)
    write_events(ROWS, log="Störungen")
    page = signed_in_page(lead)
    page.goto(f"{page.base_url}/events/discover/")
    assert page.locator("#case-count").inner_text() == "3"
    assert page.locator("#variants tbody tr").count() == 3
    assert "Schleifen" in page.content()
    screenshot(page, "events-discover")
    page.goto(f"{page.base_url}/events/activities/")
    row = page.locator("tr", has_text="Hotline angerufen")
    row.locator("select").select_option(label=f"{hotline.code} · {hotline.name}")
    row.locator("button").click()
    page.locator("tr", has_text="Hotline angerufen").locator("[role=status]").wait_for()
    screenshot(page, "events-activities")
    assert page.csp_errors == []
