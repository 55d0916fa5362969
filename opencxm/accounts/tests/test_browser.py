"""The organisation pages in a real browser: they render without CSP errors and look right (screenshots)."""

import pytest

from tests import factories as f
from tests.browser import screenshot


def _demo_organisation():
    cx = f.DepartmentFactory(code="cx", name="CX-Team", customer_facing=False)
    lead = f.UserFactory(username="lead", first_name="Lena", last_name="Leitner")
    f.MembershipFactory(user=lead, department=cx, role="cx_lead")
    f.MembershipFactory(user=f.UserFactory(first_name="Tim", last_name="Team"), department=cx, role="cx_team")
    for code, name, ambassador in [("service", "Kundenservice", "Anna"), ("vertrieb", "Vertrieb", None)]:
        department = f.DepartmentFactory(code=code, name=name)
        if ambassador:
            f.MembershipFactory(user=f.UserFactory(first_name=ambassador), department=department, role="ambassador")
        f.MembershipFactory(user=f.UserFactory(first_name="Bert"), department=department, role="board_member")
    return lead


@pytest.mark.browser
def test_login_page_in_the_browser(chromium, live_server, transactional_db):
    context = chromium.new_context(locale="de", viewport={"width": 1200, "height": 800})
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("nav, .navbar").count() == 0
    assert page.get_by_label("Benutzername").is_visible()
    screenshot(page, "accounts-login")
    page.fill("input[name=username]", "nobody")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert page.locator(".alert-danger").is_visible()
    screenshot(page, "accounts-login-error")
    assert [e for e in errors if "Content Security Policy" in e] == []
    context.close()


@pytest.mark.browser
def test_organisation_and_tokens_pages_in_the_browser(signed_in_page):
    page = signed_in_page(_demo_organisation())
    page.goto(f"{page.base_url}/organisation/")
    assert page.get_by_role("heading", name="CX-Organisation").is_visible()
    assert "Vertrieb" in page.locator(".org-missing").inner_text()
    screenshot(page, "accounts-organisation")
    page.goto(f"{page.base_url}/organisation/departments/")
    screenshot(page, "accounts-departments")
    page.goto(f"{page.base_url}/organisation/users/")
    screenshot(page, "accounts-users")
    page.get_by_role("link", name="Lena Leitner").click()
    screenshot(page, "accounts-user-edit")
    page.goto(f"{page.base_url}/organisation/tokens/")
    page.fill("input[name=name]", "NPS-Import")
    page.click("form[action$='/tokens/'] button[type=submit]")
    assert page.locator("#new-token").input_value().startswith("ocx_")
    screenshot(page, "accounts-tokens")
    assert page.csp_errors == []
