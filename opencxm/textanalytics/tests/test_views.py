"""Pages: taxonomy, topic editor and live preview, topic detail, matrix, emerging topics, corrections, classifier."""

import re

import pytest
from django.test import Client

from opencxm.core.models import AuditEntry
from opencxm.textanalytics import services
from opencxm.textanalytics.models import ClassifierModel, CommentAnalysis, Topic
from tests.factories_textanalytics import FeedbackFactory, SourceFactory


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def enriched(taxonomy, comments):
    services.enrich_pending()
    return comments


def test_preview_counts_matches_and_marks_words_escaped(world, taxonomy, comments):
    FeedbackFactory(source=comments[0].source, comment="<b>Rechnung</b> falsch")
    response = _client(world.users["cx_team"]).get(
        "/topics/topics/preview/", {"rules_de": "rechnung* AND falsch*"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<strong id="preview-count">3</strong>' in html
    assert "unter den 7 neuesten Kommentaren" in html
    assert "<mark>Rechnung</mark> ist <mark>falsch</mark>" in html
    assert "&lt;b&gt;<mark>Rechnung</mark>&lt;/b&gt; <mark>falsch</mark>" in html
    assert "<html" not in html  # a fragment


def test_preview_shows_a_rule_error(world, comments):
    response = _client(world.users["cx_team"]).get("/topics/topics/preview/", {"rules_de": "(rechnung"})
    assert response.status_code == 200
    assert 'class="alert alert-danger"' in response.content.decode()


def test_topic_create_and_edit(world, taxonomy):
    client = _client(world.users["cx_team"])
    data = {"name_de": "Lieferung", "name_en": "Delivery", "rules_de": "liefer*\npaket*", "rules_en": "deliver*",
            "parent": taxonomy["billing"].pk, "active": "on"}  # fmt: skip
    response = client.post("/topics/topics/new/", data)
    topic = Topic.objects.get(name_de="Lieferung")
    assert response.status_code == 302
    assert (topic.key, topic.parent, topic.rules) == (
        "billing.delivery", taxonomy["billing"], {"de": ["liefer*", "paket*"], "en": ["deliver*"]},
    )  # fmt: skip
    assert AuditEntry.objects.filter(object_id=topic.public_id, action="create").count() == 1
    response = client.post(f"/topics/topics/{topic.public_id}/edit/", {**data, "rules_de": "(liefer"})
    assert response.status_code == 200
    assert "Zeile 1:" in response.content.decode()
    topic.refresh_from_db()
    assert topic.rules["de"] == ["liefer*", "paket*"]


def test_topic_form_prefilled_from_an_emerging_cluster(world):
    response = _client(world.users["cx_team"]).get("/topics/topics/new/", {"name_de": "wlan", "rules_de": "wlan*"})
    html = response.content.decode()
    assert 'value="wlan"' in html
    assert "wlan*</textarea>" in html


def test_topic_page_shows_runner_figures_and_quotes(world, taxonomy, enriched):
    response = _client(world.users["viewer"]).get(f"/topics/topics/{taxonomy['billing'].public_id}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="h1 mb-0" id="topic-volume">4</div>' in html  # 4 comments on billing (sub)topics
    # NPS of these comments: ratings 2, 3, 6 (detractors), 4 -> -100
    assert '<div class="h1 mb-0" id="topic-nps">-100</div>' in html
    assert "<mark>Rechnung</mark>" in html


def test_matrix_page(world, taxonomy, enriched, django_assert_max_num_queries):
    client = _client(world.users["viewer"])
    with django_assert_max_num_queries(12):
        response = client.get("/topics/matrix/", {"by": "touchpoint", "days": 365})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Hotline Störung" in html
    assert "100 % neg." in html
    # one row per touchpoint, one column per main topic, so that dozens of touchpoints still fit the screen
    assert re.search(r'<th scope="row"[^>]*>[^<]*Hotline Störung', html)
    assert re.search(r'<th scope="col"[^>]*><a href="/topics/[^"]+/">[^<]+</a></th>', html)
    assert "matrix-neg-high" in html


def test_matrix_page_selects_show_the_applied_choice(world, taxonomy, enriched):
    client = _client(world.users["viewer"])
    html = client.get("/topics/matrix/").content.decode()
    assert re.search(r'<option value="365" selected>', html)  # the default period is the year, and says so
    assert re.search(r'<option value="touchpoint" selected>', html)
    html = client.get("/topics/matrix/", {"by": "department", "days": 90}).content.decode()
    assert re.search(r'<option value="90" selected>', html)
    assert re.search(r'<option value="department" selected>', html)


def test_taxonomy_list_queries_are_bounded(world, taxonomy, django_assert_num_queries, django_assert_max_num_queries):
    client = _client(world.users["viewer"])
    client.get("/topics/")
    for index in range(10):
        Topic.objects.create(key=f"extra-{index}", name_de=f"X{index}", name_en=f"X{index}", parent=taxonomy["billing"])
    with django_assert_max_num_queries(10) as first:
        client.get("/topics/")
    for index in range(30):
        Topic.objects.create(key=f"more-{index}", name_de=f"Y{index}", name_en=f"Y{index}")
    with django_assert_num_queries(len(first.captured_queries)):
        client.get("/topics/")


def test_emerging_topics_cluster_unmatched_comments(world, taxonomy, enriched):
    from django.utils import timezone

    source = SourceFactory()
    texts = ["Das WLAN im Shop ist ständig weg", "WLAN im Shop funktioniert nicht, ständig weg",
             "Kein WLAN im Shop, ständig Abbrüche", "WLAN Shop schlecht und ständig weg"]  # fmt: skip
    for text in texts:
        FeedbackFactory(source=source, comment=text, responded_at=timezone.now())
    services.enrich_pending()
    response = _client(world.users["cx_team"]).get("/topics/emerging/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<span class="badge bg-blue-lt me-1">wlan</span>' in html
    assert "wlan%2A" in html  # the prefilled rule is made of the key terms
    assert "Thema aus dieser Gruppe anlegen" in html


def test_correction_flow(world, taxonomy, enriched):
    analysis = CommentAnalysis.objects.get(feedback=enriched[2])
    client = _client(world.users["cx_team"])
    response = client.post(
        f"/topics/comments/{enriched[2].public_id}/",
        {
            "sentiment": "neutral",
            "add": [str(taxonomy["payment"].public_id)],
            "remove": [str(taxonomy["app"].public_id)],
        },
    )
    assert response.status_code == 302
    analysis.refresh_from_db()
    assert (analysis.sentiment, analysis.corrected_by) == ("neutral", world.users["cx_team"])
    html = client.get(f"/topics/comments/{enriched[2].public_id}/").content.decode()
    assert 'id="corrected-badge"' in html
    assert "Zahlung · corrected" in html or "Zahlung · korrigiert" in html


def test_viewer_sees_no_correction_form(world, taxonomy, enriched):
    html = _client(world.users["viewer"]).get(f"/topics/comments/{enriched[1].public_id}/").content.decode()
    assert 'id="correction-form"' not in html
    assert "mueller@example.com" not in html


def test_classifier_training_needs_corrections_and_reports_quality(world, taxonomy, comments):
    services.enrich_pending()
    client = _client(world.users["cx_team"])
    client.post("/topics/classifier/train/")
    assert ClassifierModel.objects.count() == 0
    source = comments[0].source
    for index in range(36):
        label = ["negative", "positive", "neutral"][index % 3]
        text = {"negative": "Katastrophe, Ärger", "positive": "Prima, danke", "neutral": "Adresse geändert"}[label]
        feedback = FeedbackFactory(source=source, comment=f"{text} {index}")
        services.enrich_feedback(feedback_ids=[feedback.pk])
        analysis = CommentAnalysis.objects.get(feedback=feedback)
        services.analysis_correct(actor=world.users["cx_team"], analysis=analysis, sentiment=label)
    response = client.post("/topics/classifier/train/")
    assert response.status_code == 302
    model = ClassifierModel.objects.get()
    assert (model.n_train, model.n_test, model.accuracy, model.macro_f1) == (29, 7, 1.0, 1.0)
    html = client.get("/topics/classifier/").content.decode()
    assert "100 %" in html
    # later predictions use the classifier; corrections stay
    new = FeedbackFactory(source=source, comment="Adresse geändert bitte")
    services.enrich_pending()
    assert CommentAnalysis.objects.get(feedback=new).sentiment_label == "neutral"
