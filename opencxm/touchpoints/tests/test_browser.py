import re

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.browser import screenshot

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # the CI machine may be busy


def test_filter_edit_and_see_on_detail(signed_in_page, world):
    web = f.ChannelFactory(code="web", name="Website")
    for number in range(3):
        f.TouchpointFactory(code=f"TP-W{number}", name=f"Online {number}", channel=web, owner_department=world.own)
    page = signed_in_page(world.users["cx_team"])
    page.goto(f"{page.base_url}/touchpoints/")
    expect(page.locator("#touchpoint-results tbody tr")).to_have_count(5)
    screenshot(page, "touchpoints-list")

    page.select_option("#id_channel", "hotline")  # HTMX swaps the results and pushes the URL
    expect(page.locator("#touchpoint-results tbody tr")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"channel=hotline"))
    screenshot(page, "touchpoints-list-filtered")

    page.click("text=TP-OWN")
    page.click("text=Bearbeiten")
    page.fill("#id_name", "Hotline Störung (neu)")
    screenshot(page, "touchpoints-form")
    page.click("button:has-text('Speichern')")
    expect(page.locator("h1.page-title")).to_have_text("Hotline Störung (neu)")
    expect(page.locator("li", has_text="Name: Hotline Störung → Hotline Störung (neu)")).to_have_count(1)
    screenshot(page, "touchpoints-detail")
    assert [e for e in page.csp_errors if "Content Security Policy" in e] == []


def test_import_shows_every_problem(signed_in_page, world, tmp_path):
    path = tmp_path / "touchpoints.csv"
    path.write_bytes(
        "Code;Name;Kanal;Abteilung\nTP-1;Rückruf;Hotline;Foo\nTP-1;Doppelt;Fax;vertrieb\n".encode("cp1252")
    )
    page = signed_in_page(world.users["cx_team"])
    page.goto(f"{page.base_url}/touchpoints/import/")
    page.set_input_files("#id_file", str(path))
    page.click("button:has-text('Importieren')")
    expect(page.locator(".import-problems li")).to_have_count(3)
    screenshot(page, "touchpoints-import-errors")
