"""Event pages in a real browser: discovery tables and mapping an activity in place (HTMX), German."""

from pathlib import Path

import pytest

from opencxm.events import services
from tests import factories as f
from tests.browser import ARTIFACTS, screenshot
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
    _charts_drawn(page)
    screenshot(page, "events-discover")
    page.goto(f"{page.base_url}/events/activities/")
    row = page.locator("tr", has_text="Hotline angerufen")
    row.locator("select").select_option(label=f"{hotline.code} · {hotline.name}")
    row.locator("button").click()
    page.locator("tr", has_text="Hotline angerufen").locator("[role=status]").wait_for()
    screenshot(page, "events-activities")
    assert page.csp_errors == []


# A richer log: a designed order path, a hotline loop, a technician visit and a complaint; 12 cases.
JOURNEYS = [
    ["Website besucht", "Online bestellt", "Rechnung erhalten"],
    ["Website besucht", "Online bestellt", "Rechnung erhalten"],
    ["Website besucht", "Online bestellt", "Rechnung erhalten"],
    ["Website besucht", "Online bestellt", "Techniker-Termin", "Rechnung erhalten"],
    ["Website besucht", "Online bestellt", "Techniker-Termin", "Hotline angerufen", "Techniker-Termin"],
    ["Website besucht", "Hotline angerufen", "Online bestellt", "Rechnung erhalten"],
    ["Hotline angerufen", "Hotline angerufen", "Hotline angerufen", "Beschwerde"],
    ["Hotline angerufen", "Techniker-Termin", "Rechnung erhalten", "Beschwerde"],
    ["Shop besucht", "Online bestellt", "Rechnung erhalten"],
    ["Shop besucht", "Rechnung erhalten"],
    ["Website besucht"],
    ["Website besucht", "Hotline angerufen"],
]


def _charts_drawn(page):
    for selector in ("#process-map", "#path-sankey"):
        page.locator(f"{selector}[data-chart-ready] canvas").first.wait_for()
    page.wait_for_timeout(1200)  # the charts' entry animation


def _map_shot(page, name):
    """The process map alone, large enough to judge labels and edges."""
    page.locator("#process-map").screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _click_node(page, name):
    """Click the centre of a process-map node (its pixel position from the chart itself)."""
    page.locator("#process-map").scroll_into_view_if_needed()
    point = page.evaluate(
        """name => {
            const element = document.getElementById("process-map");
            const chart = echarts.getInstanceByDom(element);
            const node = chart.getOption().series[0].data.find(n => n.name === name);
            return chart.convertToPixel({seriesIndex: 0}, [node.x, node.y]);
        }""",
        name,
    )
    box = page.locator("#process-map").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])


@pytest.mark.browser
def test_process_map_sankey_and_tables_in_the_browser(signed_in_page):
    user = f.UserFactory(username="reader")
    rows = [(f"K{i}", activity, i * 5 + step * (30 + 7 * step)) for i, path in enumerate(JOURNEYS)
            for step, activity in enumerate(path)]  # fmt: skip
    write_events(rows, log="Kundenreisen")
    page = signed_in_page(user)
    page.goto(f"{page.base_url}/events/discover/")
    _charts_drawn(page)
    assert page.locator("#case-count").inner_text() == "12"
    # the map's details panel shows the numbers of a clicked activity
    _click_node(page, "Hotline angerufen")
    details = page.locator("#map-details")
    assert "Hotline angerufen" in details.inner_text()
    assert "Fälle mit dieser Aktivität" in details.inner_text()
    page.mouse.move(5, 5)  # no hover highlight in the picture
    page.wait_for_timeout(400)
    screenshot(page, "events-process-map")
    _map_shot(page, "events-map")
    # fewer edges: only the busiest steps covering half of all steps
    page.locator("#map-coverage").fill("50")
    shown, total = page.locator("[data-coverage-count=process-map]").inner_text().split(" / ")
    assert int(shown) < int(total)
    # fewer activities: only the busiest ones, covering half of all events
    assert page.locator("#map-activities").input_value() == "100"
    page.locator("#map-activities").fill("50")
    shown, total = page.locator("[data-activities-count=process-map]").inner_text().split(" / ")
    assert 0 < int(shown) < int(total)
    page.locator("#map-activities").fill("100")
    # the tables are one click away
    assert not page.locator("#edges").is_visible()
    page.get_by_role("tab", name="Schritte").click()
    assert page.locator("#edges").is_visible()
    assert page.locator("#edges tbody tr").first.inner_text().split("\t")[:3] == [
        "Online bestellt",
        "Rechnung erhalten",
        "5",
    ]
    page.get_by_role("tab", name="Schleifen").click()
    assert page.locator("#loops tbody tr", has_text="Hotline angerufen").is_visible()
    page.get_by_role("tab", name="Aktivitäten, Starts und Enden").click()
    assert page.locator("#ends").is_visible()
    assert page.csp_errors == []


HELPDESK = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "event-logs" / "helpdesk.xes.gz"


@pytest.mark.browser
def test_process_map_of_a_real_log_starts_with_the_busiest_edges(signed_in_page):
    if not HELPDESK.exists():
        pytest.skip("real event logs not available")
    services.events_import_file(actor=None, path=HELPDESK, filename=HELPDESK.name, log_name="helpdesk")
    page = signed_in_page(f.UserFactory(username="reader"))
    page.goto(f"{page.base_url}/events/discover/")
    _charts_drawn(page)
    shown, total = page.locator("[data-coverage-count=process-map]").inner_text().split(" / ")
    assert page.locator("#map-coverage").input_value() == "95"
    assert 0 < int(shown) < int(total)
    screenshot(page, "events-process-map-helpdesk")
    _map_shot(page, "events-map-helpdesk")
    assert page.csp_errors == []
