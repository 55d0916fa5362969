"""The handover friction page in a real browser (German): ranked table, bar chart drawn under the strict CSP."""

from datetime import timedelta

import pytest

from opencxm.events import services
from opencxm.events.models import Activity
from opencxm.events.records import EventRecord
from opencxm.feedback.pseudonyms import pseudonymise
from tests import factories as f
from tests.browser import screenshot
from tests.factories_cases import CustomerFactory, FeedbackFactory
from tests.factories_events import T0

PATHS = {  # minutes after the case start; the scores of the customers taking each path
    0: ([("Online bestellt", 0), ("Techniker vor Ort", 2 * 1440), ("Hotline angerufen", 4 * 1440),
         ("Rechnung erhalten", 9 * 1440)], [0, 2, 3, 5, 6, 7, 9]),
    1: ([("Online bestellt", 0), ("Techniker vor Ort", 1440), ("Rechnung erhalten", 6 * 1440)], [3, 5, 6, 7, 8, 9, 10]),
    2: ([("Online bestellt", 0), ("Rechnung erhalten", 3 * 1440)], [8, 9, 9, 10, 10]),
    3: ([("Online bestellt", 0), ("Hotline angerufen", 90), ("Rechnung erhalten", 4 * 1440)], [7, 8, 9, 10, 10]),
}  # fmt: skip


def _company():
    departments = {code: f.DepartmentFactory(code=code, name=name) for code, name in
                   [("sales", "Vertrieb"), ("field", "Außendienst"), ("service", "Kundenservice"),
                    ("billing", "Abrechnung")]}  # fmt: skip
    channels = {kind: f.ChannelFactory(code=kind, name=kind.title(), kind=kind)
                for kind in ("web", "field_service", "hotline", "letter")}  # fmt: skip
    mapping = {"Online bestellt": ("web", "sales"), "Techniker vor Ort": ("field_service", "field"),
               "Hotline angerufen": ("hotline", "service"), "Rechnung erhalten": ("letter", "billing")}  # fmt: skip
    records = []
    for i in range(200):
        steps, scores = PATHS[i % 4]
        reference = f"K{i}"
        customer = CustomerFactory(pseudonym=pseudonymise(reference))
        FeedbackFactory(customer=customer, nps=scores[(i // 4) % len(scores)])
        records += [EventRecord(case=reference, activity=name, timestamp=T0 + timedelta(minutes=m + i))
                    for name, m in steps]  # fmt: skip
    services.events_write(actor=None, log_name="Bestellungen", records=records)
    for name, (kind, code) in mapping.items():
        touchpoint = f.TouchpointFactory(name=name, channel=channels[kind], owner_department=departments[code])
        Activity.objects.filter(name=name).update(touchpoint=touchpoint)
    return departments


@pytest.mark.browser
def test_handover_page_in_the_browser(signed_in_page):
    _company()
    lead = f.UserFactory(username="lead")
    f.MembershipFactory(user=lead, department=f.DepartmentFactory(code="cx", name="CX-Team"), role="cx_lead")
    page = signed_in_page(lead)
    page.goto(f"{page.base_url}/events/handovers/?window=7")
    page.locator("#harm-chart[data-chart-ready=true]").wait_for()
    rows = page.locator("#handover-table tbody tr")
    assert rows.count() == 6
    first = rows.nth(0)
    assert first.locator("td").nth(0).inner_text() == "1"
    assert "Vertrieb → Außendienst" in first.inner_text()
    assert "Übergaben, die am meisten schaden" in page.content()
    screenshot(page, "events-handovers")
    first.get_by_role("link", name="Journeys").click()
    page.wait_for_load_state("networkidle")
    assert "handover_from=sales" in page.url and "handover_to=field" in page.url
    assert page.csp_errors == []
