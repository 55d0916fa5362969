"""The demo company's closed loop in a real browser: insights, the roadmap/playbook board, a done action's
before/after figure, the overdue case inbox, the seed 002 story case and the handover page; no CSP errors.

A module of its own: the module-scoped demo of test_loop.py holds a transaction that a live server would
wait for."""

import pytest
from django.test import override_settings
from django.urls import reverse

from opencxm.accounts.models import User
from opencxm.cases.models import Case
from opencxm.demo import loop
from opencxm.demo.journeys import GLASFASER
from opencxm.demo.loader import load_demo
from opencxm.insights.models import Action, Insight
from opencxm.journeys.models import Journey
from tests.browser import screenshot

TECHNICIAN = "Installationsauftrag erreicht den Außendienst nicht"


@pytest.mark.browser
def test_insights_board_inbox_story_and_handovers_in_the_browser(signed_in_page):
    with override_settings(OPENCXM_DEMO_LOOP=True):
        load_demo(log=lambda *args: None, feedback_scale=0.05)
    lead = User.objects.get(username="lead")
    lead.set_password("correct-horse-battery")  # the browser fixture's password
    lead.save()
    page = signed_in_page(lead)

    def visit(url, name, *texts):
        page.goto(page.base_url + url)
        page.wait_for_load_state("networkidle")
        for text in texts:
            assert page.get_by_text(text).count() >= 1, (name, text)
        screenshot(page, name)

    technician = Insight.objects.get(title=TECHNICIAN)
    visit(reverse("insights:list"), "demo-loop-insights", TECHNICIAN, "Newsletter nur noch monatlich")
    visit(reverse("insights:detail", args=[technician.public_id]), "demo-loop-insight-technician",
          TECHNICIAN, "Schnittstelle SAP CRM → Einsatzplanung (Field Service)")  # fmt: skip
    visit(reverse("insights:board"), "demo-loop-board", "Technikertermin online selbst buchen")
    capacity = Action.objects.get(title__startswith="Zusatzkapazität")
    visit(reverse("insights:action_detail", args=[capacity.public_id]), "demo-loop-action-done", capacity.title)
    visit(reverse("cases:inbox") + "?overdue=1", "demo-loop-inbox-overdue")
    story = Case.objects.get(feedback__external_id=loop.STORY_EXTERNAL_ID)
    visit(reverse("cases:detail", args=[story.public_id]), "demo-loop-story-case", story.number,
          "wusste der Techniker nichts von meinem Auftrag")  # fmt: skip
    journey = Journey.objects.get(name=GLASFASER, kind="current")
    visit(reverse("cases:handovers") + f"?journey={journey.public_id}", "demo-loop-handovers")
    assert [error for error in page.csp_errors if "Content Security Policy" in error] == []
