"""The cockpit in a real browser: tiles, the trend chart, the Soll-Ist journey map, and the drill-down from a
heatmap cell to the feedback behind it. Screenshots go to test-artifacts/."""

import random
from datetime import date, datetime, timedelta

import pytest

from opencxm.analytics.rollups import local_zone
from opencxm.analytics.tests.cockpit_data import make_feedback, store
from opencxm.feedback.models import DataSource
from tests import factories as f
from tests.browser import screenshot

COMMENTS = ["Schnell und freundlich", "Warteschleife viel zu lang", "Techniker kam nicht", "", "", "Alles gut"]


def _company():
    """Four touchpoints along a journey with target scores, and a year of feedback with a dip at the hotline."""
    service = f.DepartmentFactory(code="service", name="Kundenservice")
    sales = f.DepartmentFactory(code="vertrieb", name="Vertrieb")
    web = f.ChannelFactory(code="web", name="Web")
    phone = f.ChannelFactory(code="hotline", name="Hotline", kind="hotline")
    touchpoints = [
        f.TouchpointFactory(code="TP-WEB", name="Tarifrechner", channel=web, owner_department=sales),
        f.TouchpointFactory(code="TP-SHOP", name="Online-Bestellung", channel=web, owner_department=sales),
        f.TouchpointFactory(code="TP-HOT", name="Störungshotline", channel=phone, owner_department=service),
        f.TouchpointFactory(code="TP-INV", name="Erste Rechnung", channel=web, owner_department=service),
    ]
    journey = f.JourneyFactory(name="Neukunde Glasfaser")
    stages = [f.StageFactory(journey=journey, position=i, name=name) for i, name in enumerate(["Kauf", "Service"], 1)]
    for index, touchpoint in enumerate(touchpoints):
        f.JourneyStepFactory(stage=stages[index // 2], position=index, touchpoint=touchpoint, target_score="4.00")
    source = DataSource.objects.create(name="NPS-Umfrage")
    rng = random.Random(7)
    rows = []
    quality = {"TP-WEB": 0.8, "TP-SHOP": 0.7, "TP-HOT": 0.45, "TP-INV": 0.6}
    for day in range(365):
        moment = datetime(2025, 4, 1, 10, tzinfo=local_zone()) + timedelta(days=day)
        for touchpoint in touchpoints:
            for _ in range(rng.randint(0, 3)):
                dip = 0.25 if touchpoint.code == "TP-HOT" and day > 300 else 0
                good = rng.random() < quality[touchpoint.code] - dip
                nps = rng.randint(8, 10) if good else rng.randint(0, 7)
                csat = rng.randint(4, 5) if good else rng.randint(1, 4)
                rows.append(make_feedback(source, moment, touchpoint, nps=nps, csat=csat, comment=rng.choice(COMMENTS)))
    store(rows)
    lead = f.UserFactory(username="lead", first_name="Lena", last_name="Leitner")
    f.MembershipFactory(user=lead, department=service, role="cx_lead")
    return lead, touchpoints


def _cell_position(page, x, y):
    return page.evaluate(
        """([x, y]) => {
            const element = document.querySelector('#heatmap');
            const point = echarts.getInstanceByDom(element).convertToPixel({seriesIndex: 0}, [x, y]);
            const box = element.getBoundingClientRect();
            return [box.left + point[0], box.top + point[1]];
        }""",
        [x, y],
    )


@pytest.mark.browser
def test_cockpit_tiles_trend_soll_ist_and_heatmap_drill_down(signed_in_page):
    lead, touchpoints = _company()
    page = signed_in_page(lead)
    page.goto(f"{page.base_url}/")
    page.wait_for_selector("#trend[data-chart-ready] canvas")
    page.wait_for_selector("#heatmap[data-chart-ready] canvas")
    assert page.locator(".kpi-tile").count() == 5
    assert page.locator(".kpi-tile[data-metric=nps] .kpi-value").inner_text() not in ("", "–")
    assert page.locator("#soll-ist .soll-ist-step").count() == 4
    assert page.locator("#soll-ist .soll-ist-step.status-breach").count() >= 1
    screenshot(page, "analytics-cockpit")

    heatmap = page.evaluate("JSON.parse(document.getElementById('heatmap-chart').textContent)")
    x, y, _value, n = heatmap["cells"][-1]  # the last month of the least busy row
    target = heatmap["links"][f"{x},{y}"]
    page.locator("#heatmap").scroll_into_view_if_needed()
    page.mouse.move(*_cell_position(page, x, y))
    page.locator("#heatmap div", has_text=heatmap["y"][y]).first.wait_for()  # the tooltip names the touchpoint
    screenshot(page, "analytics-heatmap-hover")
    page.mouse.click(*_cell_position(page, x, y))
    page.wait_for_url("**/cockpit/feedback/**")
    assert page.url.endswith(target)
    code = heatmap["y"][y].split()[0]
    touchpoint = next(t for t in touchpoints if t.code == code)
    assert page.locator("#id_touchpoint").input_value() == str(touchpoint.public_id)
    header = page.locator("#explorer-results .card-title").inner_text()
    assert header.startswith(f"{n} ")  # exactly the responses counted in the cell
    assert {cell.strip() for cell in page.locator(".feedback-row .touchpoint-cell a").all_inner_texts()} == {
        touchpoint.name
    }
    month = date.fromisoformat(page.locator("#id_start").input_value())
    assert month.day == 1
    screenshot(page, "analytics-explorer")

    page.goto(f"{page.base_url}/cockpit/department/{touchpoints[2].owner_department.public_id}/?grain=week")
    page.wait_for_selector("#trend[data-chart-ready] canvas")
    assert page.locator("#soll-ist .soll-ist-step").count() == 2
    page.locator("#trend").hover()  # the trend tooltip (n and interval) must not break the CSP either
    page.locator("#trend div", has_text="n = ").first.wait_for()
    screenshot(page, "analytics-department")
    page.goto(f"{page.base_url}/cockpit/metrics/")
    screenshot(page, "analytics-metrics")
    assert page.csp_errors == []
