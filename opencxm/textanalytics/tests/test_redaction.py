"""Who reads original comments: CX lead/team/admin; everyone else the redacted text, in the explorer, the feedback
API, exports and text analytics pages."""

import pytest
from django.test import Client

from opencxm.accounts.models import ApiToken
from opencxm.core.api_auth import token_digest
from opencxm.core.permissions import access_for
from opencxm.textanalytics import services
from opencxm.textanalytics.selectors import comment_for

RAW = "mueller@example.com"


@pytest.fixture
def enriched(taxonomy, comments):
    services.enrich_pending()
    return comments


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _api(user):
    raw = f"ocx_ta_{user.username}"
    ApiToken.objects.create(user=user, name="t", prefix=raw[:8], digest=token_digest(raw), scope="read")
    return {"Authorization": f"Bearer {raw}"}


@pytest.mark.parametrize(("persona", "raw"), [("viewer", False), ("ambassador", False), ("other_department", False),
                                              ("cx_team", True), ("admin", True)])  # fmt: skip
def test_explorer_shows_redacted_comments_unless_allowed(world, enriched, persona, raw):
    html = _client(world.users[persona]).get("/cockpit/feedback/").content.decode()
    assert (RAW in html) is raw
    assert "Herr [NAME]" in html or raw


@pytest.mark.parametrize(("persona", "raw"), [("viewer", False), ("cx_team", True)])
def test_feedback_api_redacts(world, enriched, persona, raw):
    client = Client()
    headers = _api(world.users[persona])
    listed = client.get("/api/v1/feedback", headers=headers).json()["items"]
    single = client.get(f"/api/v1/feedback/{enriched[1].public_id}", headers=headers).json()
    analysis = client.get(f"/api/v1/feedback/{enriched[1].public_id}/analysis", headers=headers).json()
    comments = [item["comment"] for item in listed]
    assert any(RAW in c for c in comments) is raw
    assert (RAW in single["comment"]) is raw
    assert (RAW in analysis["comment"]) is raw
    assert [topic["key"] for topic in analysis["topics"]] == ["billing.wrong"]


@pytest.mark.parametrize(("persona", "raw"), [("viewer", False), ("cx_team", True)])
def test_export_redacts(world, enriched, persona, raw):
    response = _client(world.users[persona]).get("/cockpit/feedback/export/", {"format": "csv"})
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert (RAW.encode() in content) is raw


def test_unanalysed_comment_is_redacted_on_the_fly(world, comments):
    assert RAW not in comment_for(access_for(world.users["viewer"]), comments[1])
    assert RAW in comment_for(access_for(world.users["cx_team"]), comments[1])


def test_explorer_filters_by_language_sentiment_and_topic_and_marks_words(world, taxonomy, enriched):
    client = _client(world.users["cx_team"])
    html = client.get("/cockpit/feedback/", {"topic": str(taxonomy["billing"].public_id)}).content.decode()
    assert html.count('class="feedback-row"') == 4
    assert "<mark>Rechnung</mark>" in html
    html = client.get("/cockpit/feedback/", {"language": "en"}).content.decode()
    assert html.count('class="feedback-row"') == 1
    html = client.get("/cockpit/feedback/", {"sentiment": "positive"}).content.decode()
    assert html.count('class="feedback-row"') == 1
    assert "Super Service" in html


def test_explorer_queries_stay_bounded(world, taxonomy, enriched, django_assert_max_num_queries):
    from tests.factories_textanalytics import FeedbackFactory

    client = _client(world.users["viewer"])
    client.get("/cockpit/feedback/")
    for index in range(20):
        FeedbackFactory(source=enriched[0].source, comment=f"Rechnung falsch {index}")
    services.enrich_pending()
    with django_assert_max_num_queries(30) as first:
        client.get("/cockpit/feedback/")
    count = len(first.captured_queries)
    for index in range(20):
        FeedbackFactory(source=enriched[0].source, comment=f"Die App {index}")
    services.enrich_pending()
    with django_assert_max_num_queries(count):
        client.get("/cockpit/feedback/")


@pytest.mark.parametrize(
    ("persona", "query", "found"),
    [
        ("viewer", "mueller@example", 0),  # redacted away: a reader of redacted text cannot find the comment by it
        ("viewer", "Müller", 0),
        ("viewer", "korrigieren", 1),  # words that stay are found
        ("cx_team", "mueller@example", 1),
        ("cx_team", "Müller", 1),
    ],
)
def test_explorer_search_matches_only_the_text_the_reader_may_see(world, enriched, persona, query, found):
    client = _client(world.users[persona])
    html = client.get("/cockpit/feedback/", {"q": query}).content.decode()
    assert html.count('class="feedback-row"') == found
    export = client.get("/cockpit/feedback/export/", {"format": "csv", "q": query})
    content = b"".join(export.streaming_content) if export.streaming else export.content
    assert content.decode("utf-8-sig").count("korrigieren") == found
