"""Text analytics in a real browser: the taxonomy editor's live preview and the correction flow.
Screenshots go to test-artifacts/."""

import pytest
from playwright.sync_api import expect

from opencxm.textanalytics import services
from tests.browser import screenshot


@pytest.mark.browser
def test_taxonomy_editor_live_preview(signed_in_page, world, taxonomy, comments):
    page = signed_in_page(world.users["cx_team"], language="en")
    page.goto(f"{page.base_url}/topics/topics/new/")
    page.fill("#id_name_de", "Doppelte Abbuchung")
    page.fill("#id_name_en", "Double debit")
    page.locator("#id_rules_de").press_sequentially("doppelt*", delay=30)
    expect(page.locator("#preview-count")).to_have_text("2", timeout=30000)
    marks = page.locator("#rule-preview mark").all_inner_texts()
    assert marks == ["doppelt", "doppelt"]
    screenshot(page, "textanalytics-preview")
    page.locator("#id_rules_de").press_sequentially(" AND rechnung*", delay=30)
    expect(page.locator("#preview-count")).to_have_text("1", timeout=30000)
    page.click("#topic-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    screenshot(page, "textanalytics-after-save")
    expect(page.locator("h1.page-title")).to_have_text("Double debit")
    assert page.csp_errors == []


@pytest.mark.browser
def test_correction_flow(signed_in_page, world, taxonomy, comments):
    services.enrich_pending()
    page = signed_in_page(world.users["cx_team"], language="de")
    page.goto(f"{page.base_url}/topics/comments/{comments[2].public_id}/")
    assert page.locator("#corrected-badge").count() == 0
    page.select_option("#id_sentiment", "neutral")
    page.select_option("#id_add", label="Rechnung › Zahlung")
    page.check("#correction-form input[name=remove]")
    page.click("#correction-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#corrected-badge").count() == 1
    assert "Zahlung" in page.inner_text("#comment-topics")
    screenshot(page, "textanalytics-correction")
    # the viewer sees the correction but no form
    viewer = signed_in_page(world.users["viewer"], language="de")
    viewer.goto(f"{viewer.base_url}/topics/comments/{comments[2].public_id}/")
    assert viewer.locator("#corrected-badge").count() == 1
    assert viewer.locator("#correction-form").count() == 0
    assert page.csp_errors == [] and viewer.csp_errors == []
