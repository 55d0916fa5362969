"""A case in a real browser: the service ambassador opens it from the inbox, hands it over to sales with a
note; the sales ambassador sees the whole history and the customer's words and closes it with a root cause
and a resolution. Screenshots go to test-artifacts/."""

import pytest

from opencxm.cases import services
from opencxm.cases.models import Case
from tests import factories as f
from tests.browser import screenshot
from tests.factories_cases import CustomerFactory, DataSourceFactory, FeedbackFactory


def _member(username, department, role, first_name, last_name):
    user = f.UserFactory(username=username, first_name=first_name, last_name=last_name)
    f.MembershipFactory(user=user, department=department, role=role)
    return user


def _case_world():
    service = f.DepartmentFactory(code="kundenservice", name="Kundenservice")
    sales = f.DepartmentFactory(code="vertrieb", name="Vertrieb")
    anna = _member("anna", service, "ambassador", "Anna", "Service")
    bernd = _member("bernd", sales, "ambassador", "Bernd", "Vertrieb")
    hotline = f.ChannelFactory(code="hotline", name="Hotline")
    touchpoint = f.TouchpointFactory(code="TP-HOT", name="Hotline Störung", channel=hotline, owner_department=service)
    contract = f.TouchpointFactory(code="TP-VTG", name="Vertragsänderung", channel=hotline, owner_department=sales)
    journey = f.JourneyFactory(name="Störung beheben", segment=f.SegmentFactory(code="privat", name="Privatkunden"))
    stage = f.StageFactory(journey=journey, position=1, name="Service")
    f.JourneyStepFactory(stage=stage, position=1, touchpoint=touchpoint)
    f.JourneyStepFactory(stage=stage, position=2, touchpoint=contract)
    feedback = FeedbackFactory(
        source=DataSourceFactory(name="Umfrage Hotline"), touchpoint=touchpoint, customer=CustomerFactory(), nps=1,
        csat=1, comment="Seit drei Wochen kein Internet, und die Rechnung ist trotzdem doppelt so hoch.",
    )  # fmt: skip
    case = services.case_create(actor=None, feedback=feedback)
    return anna, bernd, case


@pytest.mark.browser
def test_hand_a_case_over_and_close_it(signed_in_page):
    anna, bernd, case = _case_world()
    page = signed_in_page(anna)
    page.goto(f"{page.base_url}/cases/")
    page.wait_for_load_state("networkidle")
    screenshot(page, "cases-inbox")
    page.click(f"text={case.number}")
    page.wait_for_load_state("networkidle")
    assert "Seit drei Wochen kein Internet" in page.inner_text("#customer-words")
    page.fill("#id_comment-text", "Kunde angerufen, Störung ist behoben; Rechnung muss der Vertrieb prüfen.")
    page.click("button:has-text('Kommentar hinzufügen')")
    page.wait_for_selector("#case-timeline >> text=Kunde angerufen")
    page.select_option("#id_handover-to_department", label="Vertrieb")
    page.fill("#id_handover-note", "Doppelte Rechnung im März: bitte Gutschrift prüfen.")
    screenshot(page, "cases-detail-before-handover")
    page.click("#handover-form button[type=submit]")
    page.wait_for_url(f"{page.base_url}/cases/")
    assert Case.objects.get(pk=case.pk).department.code == "vertrieb"
    assert page.csp_errors == []

    page = signed_in_page(bernd)
    page.goto(f"{page.base_url}/cases/")
    page.wait_for_load_state("networkidle")
    page.click(f"text={case.number}")
    page.wait_for_load_state("networkidle")
    timeline = page.inner_text("#case-timeline")
    assert "Kunde angerufen" in timeline and "Doppelte Rechnung im März" in timeline
    assert "von Kundenservice an Vertrieb" in timeline
    assert "Seit drei Wochen kein Internet" in page.inner_text("#customer-words")
    screenshot(page, "cases-detail-received")
    page.click("#close-form button[type=submit]")  # without root cause and resolution: the browser refuses
    assert page.eval_on_selector("#id_close-resolution", "el => el.validity.valueMissing") is True
    assert page.eval_on_selector("#id_close-root_cause", "el => el.validity.valueMissing") is True
    assert Case.objects.get(pk=case.pk).status == "handed_over"
    page.select_option("#id_close-root_cause", value="process")
    page.fill("#id_close-resolution", "Gutschrift über 39,90 € erteilt, Kunde informiert.")
    page.click("#close-form button[type=submit]")
    page.wait_for_selector("text=Gutschrift über 39,90 € erteilt")
    screenshot(page, "cases-detail-closed")
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.root_cause) == ("closed", "process")
    assert page.csp_errors == []


@pytest.mark.browser
def test_a_rule_on_negative_comments_about_chosen_topics(signed_in_page):
    """The CX team picks the trigger: the threshold gives way to the topics, which the rule then keeps."""
    from opencxm.cases.models import CaseRule
    from tests.factories_textanalytics import TopicFactory

    lead = _member("carla", f.DepartmentFactory(code="cx", name="CX-Team"), "cx_team", "Carla", "CX")
    billing = TopicFactory(key="billing", name_de="Rechnung", name_en="Billing")
    TopicFactory(key="billing.wrong", parent=billing, name_de="Falsche Rechnung", name_en="Wrong invoice")
    TopicFactory(key="app", name_de="App", name_en="App")
    page = signed_in_page(lead)
    page.goto(f"{page.base_url}/cases/rules/new/")
    page.wait_for_load_state("networkidle")
    assert page.is_visible("#id_threshold") and not page.is_visible("#id_topics")
    page.fill("#id_name", "Rechnungsärger")
    page.select_option("#id_trigger", value="negative_topic")
    assert page.is_visible("#id_topics") and not page.is_visible("#id_threshold")
    page.select_option("#id_topics", label=["Rechnung", "Rechnung › Falsche Rechnung"])
    screenshot(page, "cases-rule-topics")
    page.click("button[type=submit]:has-text('Speichern')")
    page.wait_for_url(f"{page.base_url}/cases/rules/")
    assert "Negativer Kommentar zu einem Thema" in page.inner_text("table")
    screenshot(page, "cases-rules-list")
    rule = CaseRule.objects.get()
    assert (rule.trigger, rule.threshold) == ("negative_topic", None)
    assert sorted(rule.topics.values_list("key", flat=True)) == ["billing", "billing.wrong"]
    assert page.csp_errors == []
