"""The demo company in a real browser: journey map and organisation page, no CSP errors."""

import pytest
from django.urls import reverse

from opencxm.accounts.models import User
from opencxm.demo.journeys import GLASFASER
from opencxm.demo.loader import load_demo
from opencxm.journeys.models import Journey
from tests.browser import screenshot


@pytest.mark.browser
def test_demo_journey_map_and_organisation(signed_in_page):
    load_demo(log=lambda *args: None)
    lead = User.objects.get(username="lead")
    lead.set_password("correct-horse-battery")  # the browser fixture's password
    lead.save()
    page = signed_in_page(lead)
    journey = Journey.objects.get(name=GLASFASER, kind="current")
    page.goto(page.base_url + reverse("journeys:detail", args=[journey.public_id]))
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Warum weiß der Techniker nichts von meinem Auftrag?").count() >= 1
    screenshot(page, "demo-journey-glasfaser-current")
    page.goto(page.base_url + reverse("accounts:organisation"))
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Logistik (Router-Versand)").count() >= 1
    screenshot(page, "demo-organisation")
    # favicon.ico is not served yet (a 404 console error); only policy violations count here.
    assert [error for error in page.csp_errors if "Content Security Policy" in error] == []
