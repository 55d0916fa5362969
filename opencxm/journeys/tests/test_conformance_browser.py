"""Designed against actual on the journey map in a real browser: lazily loaded, swapped in place, re-filtered."""

import pytest

from opencxm.events.models import Activity
from tests import factories as f
from tests.browser import screenshot
from tests.factories_events import write_events

DESIGN = [  # stage, [(touchpoint, channel code, activity in the log)]
    ("Information", [("Tarifrechner", "web", "Tarif berechnet"), ("Beratung", "hotline", "Beratungsgespräch")]),
    ("Kauf", [("Online-Bestellung", "web", "Bestellung abgeschickt")]),
    ("Installation", [("Technikertermin", "field", "Techniker vor Ort")]),
]
PATHS = [  # (number of cases, activities in order)
    (14, ["Tarif berechnet", "Beratungsgespräch", "Bestellung abgeschickt", "Techniker vor Ort"]),
    (6, ["Tarif berechnet", "Bestellung abgeschickt", "Techniker vor Ort"]),
    (4, ["Tarif berechnet", "Beratungsgespräch", "Chat gestartet", "Bestellung abgeschickt", "Techniker vor Ort"]),
    (3, ["Tarif berechnet", "Beratungsgespräch", "Bestellung abgeschickt", "Störung gemeldet", "Techniker vor Ort"]),
    (5, ["Tarif berechnet", "Beratungsgespräch"]),
    (2, ["Tarif berechnet", "Bonitätsprüfung", "Beratungsgespräch", "Bestellung abgeschickt"]),
]


def _world():
    sales = f.DepartmentFactory(code="vertrieb", name="Vertrieb")
    tech = f.DepartmentFactory(code="technik", name="Technik")
    lead = f.UserFactory(username="lead")
    f.MembershipFactory(user=lead, department=sales, role="cx_lead")
    channels = {code: f.ChannelFactory(code=code, name=name) for code, name in
                (("web", "Website"), ("hotline", "Hotline"), ("field", "Außendienst"), ("chat", "Chat"))}  # fmt: skip
    journey = f.JourneyFactory(name="Neukunde DSL", segment=f.SegmentFactory(name="Privatkunden"), kind="current")
    mapping = {}
    for position, (stage_name, steps) in enumerate(DESIGN, start=1):
        stage = f.StageFactory(journey=journey, position=position, name=stage_name)
        for step_position, (name, channel, activity) in enumerate(steps, start=1):
            department = tech if channel == "field" else sales
            touchpoint = f.TouchpointFactory(name=name, channel=channels[channel], owner_department=department)
            f.JourneyStepFactory(stage=stage, position=step_position, touchpoint=touchpoint)
            mapping[activity] = touchpoint
    mapping["Chat gestartet"] = f.TouchpointFactory(name="Chat-Beratung", code="TP-CHAT", channel=channels["chat"])
    mapping["Störung gemeldet"] = f.TouchpointFactory(name="Störungshotline", code="TP-STOER",
                                                      channel=channels["hotline"], owner_department=tech)  # fmt: skip
    rows = []
    for variant, (count, path) in enumerate(PATHS):
        for number in range(count):
            rows += [(f"k{variant}-{number}", activity, 60 * minute) for minute, activity in enumerate(path)]
    write_events(rows, log="crm-2026")
    for activity, touchpoint in mapping.items():
        Activity.objects.filter(name=activity).update(touchpoint=touchpoint)
    return lead, journey


@pytest.mark.browser
def test_the_journey_map_shows_designed_against_actual(signed_in_page):
    lead, journey = _world()
    page = signed_in_page(lead)
    page.goto(f"{page.base_url}/journeys/{journey.public_id}/")
    page.wait_for_selector(".jm-headline-figure")
    assert page.locator(".jm-headline-figure").inner_text() == "41 %"  # 14 of 34
    assert "von 34 Kunden folgen dieser Journey wie geplant" in page.locator(".jm-headline").inner_text()
    lane = page.locator("#jm-conformance-lane td")
    assert lane.count() == 4
    assert lane.nth(1).locator(".jm-fit-row").first.inner_text().split() == ["Erreicht", "82", "%"]  # 28 of 34
    assert page.locator("#jm-added tbody tr th").all_inner_texts() == [
        "Chat-Beratung TP-CHAT",
        "Störungshotline TP-STOER",
    ]
    page.wait_for_selector(".jm-chart canvas")
    page.wait_for_timeout(600)
    screenshot(page, "journeys-map-designed-against-actual")

    page.fill("#id_end", "2025-01-01")
    page.locator(".jm-conformance-form").get_by_role("button", name="Vergleichen").click()
    page.wait_for_selector("text=Im gewählten Ereignisprotokoll und Zeitraum gibt es keine Fälle.")
    assert (
        page.locator("#jm-conformance-lane td").inner_text()
        == "Kein Fall der gewählten Ereignisdaten berührt diese Journey."
    )
    screenshot(page, "journeys-map-designed-against-actual-empty")
    assert page.csp_errors == []
