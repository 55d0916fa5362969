import pytest
from django.utils import timezone
from playwright.sync_api import expect

from opencxm.analytics.tests.cockpit_data import make_feedback, store
from opencxm.feedback.models import DataSource
from opencxm.insights.models import Action, Insight
from tests.browser import screenshot

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # the CI machine may be busy


def test_from_feedback_record_to_insight_to_action(signed_in_page, world):
    source = DataSource.objects.create(name="Umfrage")
    now = timezone.now()
    store([
        make_feedback(source, now, world.touchpoint, nps=2, comment="Zwanzig Minuten in der Warteschleife"),
        make_feedback(source, now, world.touchpoint, nps=3, comment="Niemand ruft zurück"),
    ])  # fmt: skip
    page = signed_in_page(world.users["ambassador"], language="en")
    page.goto(f"{page.base_url}/cockpit/feedback/")
    row = page.locator("tr.feedback-row", has_text="Zwanzig Minuten")
    screenshot(page, "insights-explorer")
    row.locator("a.create-insight").click()

    expect(page.locator("#selected-feedback")).to_contain_text("Zwanzig Minuten in der Warteschleife")
    page.fill("#id_title", "Lange Wartezeit an der Störungshotline")
    page.fill("#id_impact", "5")
    page.fill("#id_effort", "2")
    page.select_option("#id_evidence_metric", "nps")
    page.fill("#id_evidence_note", "Bestätigt im Gespräch mit drei Kundinnen")
    screenshot(page, "insights-form")
    page.click("button:has-text('Save')")

    expect(page.locator("h1.page-title")).to_have_text("Lange Wartezeit an der Störungshotline")
    expect(page.locator("#linked-feedback")).to_contain_text("Zwanzig Minuten in der Warteschleife")
    expect(page.locator("#evidence-query")).to_contain_text("n = 2")
    screenshot(page, "insights-detail")

    page.click("text=Add playbook action")
    page.select_option("#id_category", "communication")
    page.fill("#id_title", "Rückruf statt Warteschleife")
    page.fill("#id_due_date", "2026-12-31")
    page.select_option("#id_metric", "nps")
    page.fill("#id_expected_change", "10")
    page.fill("#id_references_text", "Projekt Rückrufservice | https://example.com/rueckruf")
    page.click("button:has-text('Save')")

    expect(page.locator("h1.page-title")).to_have_text("Rückruf statt Warteschleife")
    page.click("button:has-text('Mark as In progress')")
    expect(page.locator(".card-actions .badge")).to_have_text("In progress")
    screenshot(page, "insights-action")
    page.click("button:has-text('Mark as Done')")
    expect(page.locator("#action-effect .effect-after")).to_have_text("-100.0")  # the two detractors of today
    screenshot(page, "insights-action-done")

    page.goto(f"{page.base_url}/insights/actions/board/")
    expect(page.locator(".board-playbook")).to_contain_text("Rückruf statt Warteschleife")
    expect(page.locator(".board-playbook")).to_contain_text("Done")
    screenshot(page, "insights-board")

    insight = Insight.objects.get()
    assert insight.feedback.count() == 1 and insight.touchpoints.get() == world.touchpoint
    assert Action.objects.get().status == "done"
    assert [e for e in page.csp_errors if "Content Security Policy" in e] == []


def test_insight_from_a_selection_of_feedback_records(signed_in_page, world):
    source = DataSource.objects.create(name="Umfrage")
    now = timezone.now()
    store([
        make_feedback(source, now, world.touchpoint, nps=1, comment="Rechnung doppelt"),
        make_feedback(source, now, world.other_touchpoint, nps=2, comment="Vertrag unklar"),
        make_feedback(source, now, world.touchpoint, nps=9, comment="Alles gut"),
    ])  # fmt: skip
    page = signed_in_page(world.users["viewer"])
    page.goto(f"{page.base_url}/cockpit/feedback/")
    for text in ("Rechnung doppelt", "Vertrag unklar"):
        page.locator("tr.feedback-row", has_text=text).locator("input[type=checkbox]").check()
    page.click("#insight-selection button")
    selected = page.locator("#selected-feedback li")
    expect(selected).to_have_count(2)
    expect(page.locator("#selected-feedback")).not_to_contain_text("Alles gut")
    page.fill("#id_title", "Unklare Verträge und Rechnungen")
    screenshot(page, "insights-form-selection-de")
    page.click("button:has-text('Speichern')")
    expect(page.locator("#linked-feedback li")).to_have_count(2)
    screenshot(page, "insights-detail-de")
    page.goto(f"{page.base_url}/insights/")
    expect(page.locator("tr.insight-row")).to_have_count(1)
    screenshot(page, "insights-list-de")
    assert Insight.objects.get().feedback.count() == 2
