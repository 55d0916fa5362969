"""The key-driver page in a real browser: the priority matrix drawn by ECharts under the strict CSP, the table,
the reading per segment and the switch to one segment's matrix. Screenshots go to test-artifacts/."""

import pytest

from opencxm.analytics.tests.driver_data import driver_company
from tests import factories as f
from tests.browser import screenshot

WINDOW = "period=custom&start=2026-01-01&end=2026-03-31"


def _lead():
    lead = f.UserFactory(username="lead", first_name="Lena", last_name="Leitner")
    f.MembershipFactory(user=lead, department=f.DepartmentFactory(), role="cx_lead")
    return lead


@pytest.mark.browser
def test_priority_matrix_table_and_readings(signed_in_page):
    driver_company()
    page = signed_in_page(_lead())
    page.goto(f"{page.base_url}/cockpit/drivers/?{WINDOW}")
    page.wait_for_selector("#priority-matrix[data-chart-ready] canvas")
    assert page.csp_errors == []
    assert page.locator("#driver-readings li").count() == 3
    first_reading = page.locator("#driver-readings li").nth(1).inner_text()
    assert "Familien" in first_reading and "TP-INST" in first_reading
    assert page.locator("#driver-table tbody tr").count() == 4
    assert page.locator("#driver-table tbody tr").first.get_attribute("data-touchpoint") == "TP-INST"
    option = page.evaluate(
        """() => {
            const chart = echarts.getInstanceByDom(document.querySelector('#priority-matrix'));
            const series = chart.getOption().series[0];
            return {names: series.data.map((point) => point.name), lines: series.markLine.data.length};
        }"""
    )
    assert set(option["names"]) == {"TP-INST", "TP-BILL", "TP-WEB", "TP-APP"} and option["lines"] == 2
    screenshot(page, "analytics-drivers")

    page.locator("#driver-readings a", has_text="Prioritätenmatrix von Gewerbe").click()
    page.wait_for_selector("#priority-matrix[data-chart-ready] canvas")
    assert "Gewerbe" in page.locator("h2.card-title", has_text="Prioritätenmatrix").inner_text()
    assert page.locator("#driver-table tbody tr").first.get_attribute("data-touchpoint") == "TP-BILL"
    assert page.locator("#driver-readings li").count() == 1
    screenshot(page, "analytics-drivers-segment")


@pytest.mark.browser
def test_driver_page_in_english_with_score_drivers(signed_in_page):
    driver_company()
    page = signed_in_page(_lead(), language="en")
    page.goto(f"{page.base_url}/cockpit/drivers/?{WINDOW}&driver=score&outcome=detractor")
    page.wait_for_selector("#priority-matrix[data-chart-ready] canvas")
    assert page.csp_errors == []
    assert "Priority matrix: All customers" in page.content()
    assert page.locator("#driver-table thead").text_content().count("Correlation") == 1
    screenshot(page, "analytics-drivers-en")
