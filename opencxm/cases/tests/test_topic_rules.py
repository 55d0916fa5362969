"""Case rules on a negative comment about a chosen topic: decided when enrichment writes the comment's analysis
or a user corrects it, with the rule's filters, and never a second case for one record (analysed again, edited,
imported again, corrected, or two writers at once). The rule's form and API choose the topics."""

import json
import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections

from opencxm.accounts.models import ApiToken
from opencxm.cases import services
from opencxm.cases.forms import CaseRuleForm
from opencxm.cases.models import Case, CaseRule
from opencxm.core.api_auth import token_digest
from opencxm.core.models import AuditEntry
from opencxm.feedback import services as feedback_services
from opencxm.textanalytics import services as text_services
from opencxm.textanalytics.models import CommentAnalysis
from tests.factories_cases import CaseRuleFactory, DataSourceFactory, FeedbackFactory
from tests.factories_textanalytics import TopicFactory

WHEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
WRONG_BILL = "Die Rechnung ist falsch und doppelt abgebucht, eine Frechheit."
PRAISE_APP = "Die App ist super, sehr freundlich und schnell!"
ANGRY_APP = "Die App stürzt ständig ab, furchtbar."


@pytest.fixture
def topics(db):
    billing = TopicFactory(key="billing", name_de="Rechnung", name_en="Billing")
    wrong = TopicFactory(
        key="billing.wrong", parent=billing, name_de="Falsche Rechnung", name_en="Wrong invoice",
        rules={"de": ["rechnung* AND (falsch* OR doppelt*)"]},
    )  # fmt: skip
    app = TopicFactory(key="app", name_de="App", name_en="App", rules={"de": ["app*"]})
    return {"billing": billing, "wrong": wrong, "app": app}


@pytest.fixture
def source(world):
    return DataSourceFactory(name="Umfrage", owner_department=world.other)


def topic_rule(*topics, **values):
    rule = CaseRuleFactory(trigger="negative_topic", threshold=None, **values)
    rule.topics.set(topics)
    return rule


def comment(source, world, text, external_id, **values):
    values = {"touchpoint": world.touchpoint, "nps": 9, "language": "de"} | values
    return FeedbackFactory(source=source, comment=text, external_id=external_id, **values)


def cased() -> set:
    return set(Case.objects.values_list("feedback__external_id", flat=True))


def test_enrichment_opens_a_case_for_a_negative_comment_on_a_chosen_topic(world, source, topics):
    rule = topic_rule(topics["billing"], priority="high", sla_hours=8)  # the main topic covers its subtopics
    comment(source, world, WRONG_BILL, "bill")
    comment(source, world, PRAISE_APP, "praise")
    comment(source, world, ANGRY_APP, "app")  # negative, but not on a chosen topic
    comment(source, world, "Alles in Ordnung.", "plain")
    assert Case.objects.count() == 0  # not analysed yet: the rule cannot decide at import
    text_services.enrich_pending()
    assert cased() == {"bill"}
    case = Case.objects.get()
    assert (case.rule, case.priority, case.department) == (rule, "high", world.own)
    assert CommentAnalysis.objects.get(feedback__external_id="bill").sentiment == "negative"


def test_a_subtopic_rule_ignores_negative_comments_on_its_siblings_and_its_main_topic(world, source, topics):
    topic_rule(topics["app"])
    comment(source, world, WRONG_BILL, "bill")
    comment(source, world, ANGRY_APP, "app")
    text_services.enrich_pending()
    assert cased() == {"app"}


def test_source_touchpoint_and_segment_filters_still_apply(world, source, topics):
    rule = topic_rule(topics["billing"])
    rule.touchpoints.set([world.other_touchpoint])
    comment(source, world, WRONG_BILL, "own-touchpoint")
    comment(source, world, WRONG_BILL, "other-touchpoint", touchpoint=world.other_touchpoint)
    rule_by_source = topic_rule(topics["app"])
    rule_by_source.sources.set([DataSourceFactory(name="Beschwerden")])
    comment(source, world, ANGRY_APP, "app-wrong-source")
    text_services.enrich_pending()
    assert cased() == {"other-touchpoint"}


def test_analysed_again_edited_or_imported_again_the_record_keeps_one_case(
    world, source, topics, django_capture_on_commit_callbacks
):
    topic_rule(topics["billing"])
    record = {"external_id": "a", "responded_at": WHEN, "touchpoint": "TP-OWN", "nps": 9, "language": "de"}
    with django_capture_on_commit_callbacks(execute=False):  # the worker is not running: enrichment by hand
        feedback_services.feedback_upsert_batch(source=source, records=[record | {"comment": WRONG_BILL}])
    text_services.enrich_pending()
    assert cased() == {"a"}
    text_services.enrich_pending(rescan_all=True)
    with django_capture_on_commit_callbacks(execute=False):  # imported again, then edited (still negative)
        feedback_services.feedback_upsert_batch(source=source, records=[record | {"comment": WRONG_BILL}])
        feedback_services.feedback_upsert_batch(source=source, records=[record | {"comment": "Rechnung falsch!"}])
    text_services.enrich_pending()
    services.cases_from_feedback(feedback_ids=[Case.objects.get().feedback_id])
    assert Case.objects.count() == 1
    assert CommentAnalysis.objects.get().text_hash  # analysed again after the edit


def test_an_edited_comment_waiting_for_enrichment_does_not_count(world, source, topics):
    """At import the stored analysis belongs to the old comment: the rule waits for the new analysis."""
    feedback = comment(source, world, "Die App ist ok.", "a")
    text_services.enrich_pending()
    topic_rule(topics["app"])
    feedback.comment = ANGRY_APP
    feedback.save()
    analysis = CommentAnalysis.objects.get()
    text_services.analysis_correct(actor=None, analysis=analysis, sentiment="negative")  # of the old analysis
    assert services.cases_from_feedback(feedback_ids=[feedback.pk]) == 0
    text_services.enrich_pending()
    assert cased() == {"a"}


def test_a_correction_that_makes_a_comment_negative_on_the_topic_opens_the_case(world, source, topics):
    topic_rule(topics["app"])
    feedback = comment(source, world, PRAISE_APP, "praise")
    bill = comment(source, world, WRONG_BILL, "bill")
    text_services.enrich_pending()
    assert cased() == set()
    actor = world.users["cx_team"]
    analysis = CommentAnalysis.objects.get(feedback=feedback)
    text_services.analysis_correct(actor=actor, analysis=analysis, sentiment="negative")
    assert cased() == {"praise"}
    text_services.analysis_correct(actor=actor, analysis=analysis, sentiment="negative")  # again: no second case
    bill_analysis = CommentAnalysis.objects.get(feedback=bill)
    text_services.analysis_correct(actor=actor, analysis=bill_analysis, add=[topics["app"]])  # topic added
    assert cased() == {"praise", "bill"}
    assert Case.objects.count() == 2


def test_a_topic_removed_by_correction_does_not_count(world, source, topics):
    feedback = comment(source, world, ANGRY_APP, "app")
    text_services.enrich_pending()
    text_services.analysis_correct(actor=None, analysis=CommentAnalysis.objects.get(), remove=[topics["app"]])
    topic_rule(topics["app"])
    assert services.cases_from_feedback(feedback_ids=[feedback.pk]) == 0


def test_the_most_urgent_rule_wins_across_triggers_and_an_nps_case_is_not_doubled(world, source, topics):
    CaseRuleFactory(name="Detraktoren", trigger="nps_max", threshold=6, priority="normal")
    topic_rule(topics["billing"], name="Rechnung", priority="urgent")
    feedback = comment(source, world, WRONG_BILL, "a", nps=2)
    services.cases_from_feedback(feedback_ids=[feedback.pk])  # at import: only the NPS rule can decide
    assert Case.objects.get().rule.name == "Detraktoren"
    text_services.enrich_pending()
    assert Case.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_open_one_case(world, source, topics):
    """Enrichment and a correction (or two workers) decide the same record at the same moment: one case."""
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL")
    topic_rule(topics["billing"])
    feedback = comment(source, world, WRONG_BILL, "a")
    text_services.enrich_feedback(feedback_ids=[feedback.pk])
    Case.objects.all().delete()
    barrier, results = threading.Barrier(2), []

    def decide():
        try:
            barrier.wait()
            results.append(services.cases_from_comment_analysis(feedback_ids=[feedback.pk]))
        except Exception as error:  # reported by the assertion below
            results.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 1]
    assert Case.objects.count() == 1


# --- form and API ---------------------------------------------------------------------------------------------


def test_the_form_requires_topics_for_the_topic_trigger_and_drops_the_threshold(world, topics):
    base = {"name": "Themen", "active": "on", "priority": "normal", "sla_hours": "24"}
    form = CaseRuleForm(base | {"trigger": "negative_topic", "threshold": "3"})
    assert not form.is_valid()
    assert form.errors == {"topics": ["Choose at least one topic for this trigger."]}
    form = CaseRuleForm(base | {"trigger": "negative_topic", "threshold": "3", "topics": [topics["app"].pk]})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["threshold"] is None and list(form.cleaned_data["topics"]) == [topics["app"]]
    form = CaseRuleForm(base | {"trigger": "nps_max", "threshold": "6", "topics": [topics["app"].pk]})
    assert form.is_valid() and form.cleaned_data["topics"] == []  # only the topic trigger uses topics


def test_rule_pages_choose_topics(client, world, topics, settings):
    client.force_login(world.users["cx_team"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/cases/rules/new/")
    assert page.status_code == 200
    assert 'name="topics"' in page.content.decode() and "Billing › Wrong invoice" in page.content.decode()
    data = {"name": "Rechnung", "active": "on", "trigger": "negative_topic", "priority": "high", "sla_hours": "24"}
    response = client.post("/cases/rules/new/", data)
    assert response.status_code == 422 and CaseRule.objects.count() == 0
    response = client.post("/cases/rules/new/", data | {"topics": [topics["billing"].pk, topics["app"].pk]})
    assert response.status_code == 302
    rule = CaseRule.objects.get()
    assert sorted(rule.topics.values_list("key", flat=True)) == ["app", "billing"]
    listing = client.get("/cases/rules/").content.decode()
    assert "Negative comment on a topic" in listing and "Billing" in listing
    response = client.post(f"/cases/rules/{rule.public_id}/", data | {"topics": [topics["wrong"].pk]})
    assert response.status_code == 302
    assert list(rule.topics.values_list("key", flat=True)) == ["billing.wrong"]
    assert AuditEntry.objects.filter(object_id=rule.public_id, action="update").get().changes == {
        "topics": [["App", "Billing"], ["Wrong invoice"]]
    }


@pytest.fixture
def api(client):
    def call(user, method, path, body=None):
        raw = f"ocx_test_{user.username}"
        ApiToken.objects.get_or_create(
            digest=token_digest(raw), defaults={"user": user, "name": "t", "prefix": raw[:8], "scope": "write"}
        )
        headers = {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}
        if method == "get":
            return client.get(f"/api/v1{path}", headers=headers)
        return getattr(client, method)(f"/api/v1{path}", json.dumps(body), content_type="application/json",
                                       headers=headers)  # fmt: skip

    return call


def _errors(response) -> dict:
    return {tuple(item["loc"][2:]): item["msg"] for item in response.json()["detail"]}


def test_api_creates_reads_and_replaces_a_topic_rule(api, world, topics, source):
    user = world.users["cx_team"]
    body = {"name": "Rechnung", "trigger": "negative_topic", "topics": ["billing"], "sla_hours": 12}
    created = api(user, "post", "/case-rules", body)
    assert created.status_code == 201, created.content
    rule_id = created.json()["id"]
    expected = {
        "id": rule_id, "name": "Rechnung", "active": True, "trigger": "negative_topic", "threshold": None,
        "priority": "normal", "sla_hours": 12, "sources": [], "touchpoints": [], "segments": [], "topics": ["billing"],
    }  # fmt: skip
    assert api(user, "get", f"/case-rules/{rule_id}").json() == expected
    change = {"topics": ["app", "billing.wrong"], "sources": ["Umfrage"], "priority": "high"}
    replaced = api(user, "put", f"/case-rules/{rule_id}", body | change)
    assert replaced.status_code == 200, replaced.content
    expected |= change
    assert replaced.json() == expected
    entry = AuditEntry.objects.filter(object_id=rule_id, action="update").get()
    assert entry.actor == user
    assert entry.changes == {
        "priority": ["normal", "high"], "sources": [[], ["Umfrage"]], "topics": [["Billing"], ["App", "Wrong invoice"]]
    }  # fmt: skip


def test_api_rule_errors_are_422_by_field_and_change_nothing(api, world, topics):
    user = world.users["cx_team"]
    other = CaseRuleFactory(name="Detraktoren")
    rule = CaseRuleFactory(name="Hotline", trigger="csat_max", threshold=2)
    before = list(CaseRule.objects.order_by("pk").values())
    put = lambda body: api(user, "put", f"/case-rules/{rule.public_id}", body)  # noqa: E731
    response = put({"name": "Hotline", "trigger": "negative_topic"})
    assert response.status_code == 422
    assert _errors(response) == {("topics",): "Choose at least one topic for this trigger."}
    response = put({"name": "Detraktoren", "trigger": "csat_max", "threshold": 7, "topics": ["nope"]})
    assert _errors(response) == {
        ("name",): "Case rule with this Name already exists.",
        ("threshold",): "Between 1 and 5.",
        ("topics",): "Unknown: nope",
    }
    response = put({"name": "Hotline", "trigger": "nps_max", "touchpoints": ["NOPE"], "segments": ["x"]})
    assert _errors(response) == {("touchpoints",): "Unknown: NOPE", ("segments",): "Unknown: x"}
    assert put({"name": "Hotline", "trigger": "sometimes"}).status_code == 422
    assert list(CaseRule.objects.order_by("pk").values()) == before
    assert not AuditEntry.objects.filter(object_id__in=[rule.public_id, other.public_id]).exists()
    assert api(user, "put", "/case-rules/00000000-0000-0000-0000-000000000000", {"name": "X", "trigger": "complaint"})\
        .status_code == 404  # fmt: skip
    assert (
        api(user, "put", f"/case-rules/{rule.public_id}", {"name": "Hotline", "trigger": "complaint"}).json()[
            "threshold"
        ]
        is None
    )
