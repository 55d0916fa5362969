"""The demo CX team's corrections of comment analyses and the classifiers trained on them (demo.corrections).

The demo is loaded once for the module at feedback scale 0.1 (5,200 survey responses), inside a
transaction rolled back at the end.
"""

from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from opencxm.analytics.rollups import local_zone
from opencxm.core.models import AuditEntry
from opencxm.core.permissions import access_for
from opencxm.demo import corrections
from opencxm.demo import feedback as demo_feedback
from opencxm.demo.loader import load_demo
from opencxm.feedback.models import Feedback
from opencxm.textanalytics import services
from opencxm.textanalytics.models import ClassifierModel, CommentAnalysis, CommentTopic

SCALE = 0.1
WRITES = {"INSERT", "UPDATE", "DELETE"}


def _load():
    lines = []
    load_demo(log=lines.append, feedback_scale=SCALE)
    return lines


@pytest.fixture(scope="module")
def demo_corrections(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        lines = _load()
        connection.check_constraints()
        line = next(line for line in lines if line.startswith("Text analytics: "))
        seconds = float(line.rsplit(" in ", 1)[1].split()[0])
        print(f"\ndemo corrections at scale {SCALE} ({connection.vendor}): {line}")
        yield SimpleNamespace(lines=lines, line=line, seconds=seconds)
        transaction.set_rollback(True)


def _corrected():
    return CommentAnalysis.objects.exclude(corrected_by=None).select_related("feedback", "corrected_by")


# -- reading the demo comments (no database) ---------------------------------------------------------------


def test_reading_a_demo_comment_finds_its_topic_and_sentiment():
    reading = corrections.read("Leider schlecht. Der Techniker kam nicht, Hotline wusste von nichts. Danke!")
    assert reading.topics == {"techniker_kam_nicht"} and reading.sentiment == "neg"
    assert reading.truth == {"technician.missed_appointment"}
    lowered = corrections.read("naja. die wartezeit war mit 45 minuten zu lang, aber dann wurde mir geholfen!!!")
    assert lowered.topics == {"wartezeit"} and lowered.sentiment == "mix"
    assert corrections.read("Alles super, danke!") is None


# -- the corrections ---------------------------------------------------------------------------------------


def test_the_team_corrected_a_realistic_number_of_comments(demo_corrections, db):
    corrected = _corrected()
    assert 150 <= corrected.count() <= 300
    assert corrected.exclude(corrected_sentiment="").count() >= services.MIN_CORRECTIONS
    fixed = [a for a in corrected if a.corrected_sentiment != a.sentiment_label]
    assert len(fixed) >= 60 and {a.corrected_sentiment for a in fixed} >= {"negative", "neutral"}
    assert {a.corrected_sentiment for a in corrected} == {"negative", "neutral", "positive"}
    topic_corrected = corrected.filter(topic_links__source=CommentTopic.Source.CORRECTION).distinct().count()
    assert topic_corrected >= 100
    assert demo_corrections.seconds < 30


def test_corrections_are_by_users_who_may_correct_in_the_demo_year(demo_corrections, db):
    users = set()
    zone = local_zone()
    for analysis in _corrected():
        users.add(analysis.corrected_by.username)
        assert access_for(analysis.corrected_by).can_edit_all
        assert analysis.corrected_at > analysis.feedback.responded_at
        assert analysis.corrected_at.astimezone(zone).date() <= demo_feedback.END_DATE
        assert analysis.feedback.external_id.startswith(demo_feedback.PREFIX)
    assert users == {"team", "lead"}
    months = {a.corrected_at.astimezone(zone).strftime("%Y-%m") for a in _corrected()}
    assert len(months) >= 10  # spread over the demo year


def test_corrections_are_stored_as_such_and_audited(demo_corrections, db):
    for analysis in _corrected()[:40]:
        links = analysis.topic_links.filter(source=CommentTopic.Source.CORRECTION)
        assert analysis.corrected_sentiment
        assert analysis.corrected_sentiment != analysis.sentiment_label or links.exists()  # a real mistake
        entry = AuditEntry.objects.filter(object_id=analysis.feedback.public_id, changes__has_key="correction")
        assert entry.exists()


def test_corrections_fix_what_the_rules_really_got_wrong(demo_corrections, db):
    missed = CommentTopic.objects.filter(
        source=CommentTopic.Source.CORRECTION, removed=False, topic__key="technician.missed_appointment"
    ).select_related("analysis__feedback")
    assert missed.count() >= 8
    for link in missed:
        text = link.analysis.feedback.comment.lower()
        assert "techniker" in text or "termin" in text or "technician" in text
    removed = CommentTopic.objects.filter(source=CommentTopic.Source.CORRECTION, removed=True)
    assert removed.exists()
    for link in removed.select_related("topic", "analysis__feedback")[:30]:
        reading = corrections.read(link.analysis.feedback.comment)
        assert link.topic.key not in reading.truth


def test_the_comment_page_shows_the_correction(demo_corrections, db, client):
    from opencxm.accounts.models import User

    analysis = (
        _corrected().filter(topic_links__topic__key="technician.missed_appointment").exclude(corrected_sentiment="")
    ).first() or _corrected().first()
    client.force_login(User.objects.get(username="viewer"))
    page = client.get(f"/topics/comments/{analysis.feedback.public_id}/")
    assert page.status_code == 200
    content = page.content.decode()
    if analysis.corrected_sentiment:
        assert 'id="corrected-badge"' in content and analysis.corrected_by.username in content
    assert content.count(" · corrected") + content.count(" · korrigiert") >= min(
        1, analysis.topic_links.filter(source=CommentTopic.Source.CORRECTION, removed=False).count()
    )


# -- the classifiers ---------------------------------------------------------------------------------------


def test_both_classifiers_were_trained_once_with_held_back_figures(demo_corrections, db, client):
    from opencxm.accounts.models import User

    sentiment = ClassifierModel.objects.filter(kind="sentiment")
    topics = ClassifierModel.objects.filter(kind="topics")
    assert sentiment.count() == 1 and topics.count() == 1
    model, topic_model = sentiment.get(), topics.get()
    assert model.trained_by.username == "lead" and topic_model.trained_by.username == "lead"
    assert model.n_test > 0 and model.accuracy is not None and model.macro_f1 is not None
    assert topic_model.n_test > 0 and len(topic_model.metrics["topics"]) >= 4
    pooled = topic_model.metrics["pooled"]
    assert pooled["model"]["f1"] >= pooled["rules"]["f1"]
    assert model.trained_at.astimezone(local_zone()).date() == demo_feedback.END_DATE
    client.force_login(User.objects.get(username="viewer"))
    page = client.get("/topics/classifier/").content.decode()
    assert 'id="model-quality"' in page and 'id="topic-model-table"' in page
    assert "technician.missed_appointment" in page


# -- idempotency and re-enrichment -------------------------------------------------------------------------


def test_a_second_load_writes_nothing(demo_corrections, db):
    before = (_corrected().count(), ClassifierModel.objects.count(), CommentTopic.objects.count())
    with CaptureQueriesContext(connection) as queries:
        lines = _load()
    assert [q["sql"] for q in queries if q["sql"].split(None, 1)[0].upper() in WRITES] == []
    assert not any(line.startswith("Text analytics: ") for line in lines)
    assert (_corrected().count(), ClassifierModel.objects.count(), CommentTopic.objects.count()) == before


def test_re_enrichment_with_the_classifiers_keeps_the_corrections(demo_corrections, db):
    def state():
        links = CommentTopic.objects.filter(source=CommentTopic.Source.CORRECTION)
        return (
            sorted(_corrected().values_list("pk", "corrected_sentiment", "corrected_by", "corrected_at")),
            sorted(links.values_list("analysis_id", "topic_id", "removed")),
        )

    before = state()
    services.enrich_pending()
    assert state() == before
    commented = Feedback.objects.exclude(comment="").count()
    assert CommentAnalysis.objects.count() == commented
    assert CommentTopic.objects.filter(source=CommentTopic.Source.CLASSIFIER).exists()  # the learnt topics add some
