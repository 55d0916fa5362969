"""The journey map in a real browser: stages, emotion chart, handovers, adding a step in place, compare view."""

import pytest

from tests import factories as f
from tests.browser import screenshot


def _journey_world():
    sales = f.DepartmentFactory(code="vertrieb", name="Vertrieb")
    tech = f.DepartmentFactory(code="technik", name="Technik")
    lead = f.UserFactory(username="lead")
    f.MembershipFactory(user=lead, department=sales, role="cx_lead")
    web = f.ChannelFactory(code="web", name="Website")
    hotline = f.ChannelFactory(code="hotline", name="Hotline")
    segment = f.SegmentFactory(code="privat", name="Privatkunden", is_target=True)
    rows = [
        ("Information", [("Tarifrechner", web, sales, 1, "Vergleicht Tarife"), ("Beratung", hotline, sales, 0, "")]),
        ("Kauf", [("Online-Bestellung", web, sales, 1, "Bestellt online")]),
        ("Installation", [("Technikertermin", hotline, tech, -2, "Wartet auf den Techniker")]),
    ]
    journey = f.JourneyFactory(name="Neukunde DSL", segment=segment, kind="current")
    for position, (stage_name, steps) in enumerate(rows, start=1):
        stage = f.StageFactory(journey=journey, position=position, name=stage_name)
        for step_position, (name, channel, department, emotion, action) in enumerate(steps, start=1):
            touchpoint = f.TouchpointFactory(
                name=name, channel=channel, owner_department=department, moment_of_truth=emotion < 0
            )
            f.JourneyStepFactory(
                stage=stage,
                position=step_position,
                touchpoint=touchpoint,
                emotion=emotion,
                customer_action=action,
                customer_thoughts="Hoffentlich klappt das" if emotion < 0 else "",
                pain_points="Termin nur vormittags" if emotion < 0 else "",
            )
    target = f.JourneyFactory(name="Neukunde DSL (Soll)", segment=segment, kind="target")
    stage = f.StageFactory(journey=target, position=1, name="Kauf")
    f.JourneyStepFactory(
        stage=stage,
        position=1,
        touchpoint=f.TouchpointFactory(name="Ein-Klick-Bestellung", channel=web, owner_department=sales),
        emotion=2,
    )
    stage = f.StageFactory(journey=target, position=2, name="Installation")
    f.JourneyStepFactory(
        stage=stage,
        position=1,
        touchpoint=f.TouchpointFactory(name="Selbstinstallation", channel=web, owner_department=tech),
        emotion=1,
    )
    return lead, journey, target


@pytest.mark.browser
def test_journey_map_in_the_browser(signed_in_page):
    lead, journey, target = _journey_world()
    page = signed_in_page(lead)

    page.goto(f"{page.base_url}/journeys/{journey.public_id}/")
    headers = page.locator("th.jm-stage .jm-stage-name").all_inner_texts()
    assert headers == ["Information", "Kauf", "Installation"]
    page.wait_for_selector(".jm-chart canvas")
    assert page.locator(".jm-chart canvas").count() == 1
    assert page.locator(".jm-lane-departments .handover-badge").all_inner_texts() == ["Übergabe Vertrieb → Technik"]
    page.wait_for_timeout(600)  # let the chart animation finish before the screenshot
    screenshot(page, "journeys-map")

    page.locator("th.jm-stage").filter(has_text="Information").get_by_role("link", name="Schritt hinzufügen").click()
    page.wait_for_selector(".jm-panel form")
    screenshot(page, "journeys-step-form")
    page.select_option(
        "#id_touchpoint", label=page.locator("#id_touchpoint option", has_text="Technikertermin").inner_text()
    )
    page.fill("#id_customer_action", "Erhält Auftragsbestätigung")
    page.select_option("#id_emotion", "2")
    marker = page.evaluate("() => { window.__noReload = true; return true; }")
    assert marker
    page.locator(".jm-panel").get_by_role("button", name="Speichern").click()
    page.wait_for_selector("text=Erhält Auftragsbestätigung")
    assert page.evaluate("() => window.__noReload === true")  # swapped in place, no full reload
    assert page.locator(".jm-panel").count() == 0
    page.wait_for_selector(".jm-chart canvas")
    assert page.locator(".jm-lane-departments .handover-badge").count() == 3
    page.wait_for_timeout(600)
    screenshot(page, "journeys-map-after-add")

    page.goto(f"{page.base_url}/journeys/compare/?current={journey.public_id}&target={target.public_id}")
    page.wait_for_selector('[data-chart="emotion-target"] canvas')
    assert page.locator(".compare-grid canvas").count() == 2
    page.wait_for_timeout(600)
    screenshot(page, "journeys-compare")

    page.goto(f"{page.base_url}/journeys/")
    assert page.get_by_role("link", name="Ist/Soll vergleichen").count() == 2
    screenshot(page, "journeys-list")
    page.goto(f"{page.base_url}/segments/")
    screenshot(page, "journeys-segments")
    assert [error for error in page.csp_errors if "Content Security Policy" in error or "Refused" in error] == []
    assert page.csp_errors == []
