from datetime import UTC, datetime

from opencxm.feedback.models import DataSource, Feedback
from opencxm.textanalytics.models import ClassifierModel, CommentAnalysis, CommentTopic, Topic
from tests.permissions import ALL, EDITORS, Case


def _topic(w):
    if "ta_topic" not in w.extra:
        main = Topic.objects.create(key="billing", name_de="Rechnung", name_en="Billing")
        w.extra["ta_topic"] = Topic.objects.create(
            key="billing.wrong", parent=main, name_de="Falsche Rechnung", name_en="Wrong invoice",
            rules={"de": ["rechnung* AND falsch*"]},
        )  # fmt: skip
    return w.extra["ta_topic"]


def _analysis(w):
    if "ta_analysis" not in w.extra:
        source = DataSource.objects.create(name="Umfrage TA")
        feedback = Feedback.objects.create(
            source=source, external_id="TA1", responded_at=datetime(2026, 3, 2, tzinfo=UTC),
            comment="Rechnung falsch, Herr Müller", touchpoint=w.touchpoint,
        )  # fmt: skip
        analysis = CommentAnalysis.objects.create(
            feedback=feedback, sentiment_label="negative", redacted_text="Rechnung falsch, Herr [NAME]",
            engine="fast", engine_version="1", analysed_at=datetime(2026, 3, 2, tzinfo=UTC), text_hash="x",
        )  # fmt: skip
        CommentTopic.objects.create(analysis=analysis, topic=_topic(w), matched_terms=["rechnung", "falsch"])
        w.extra["ta_analysis"] = analysis
    return w.extra["ta_analysis"]


def _topics_state(w):
    _topic(w)
    return sorted(Topic.objects.values_list("key", "name_de", "rules"), key=str)


def _correction_state(w):
    analysis = _analysis(w)
    analysis.refresh_from_db()
    links = sorted(analysis.topic_links.values_list("topic__key", "source", "removed"))
    return analysis.corrected_sentiment, links


def _training_state(w):
    """Enough sentiment corrections (30) and topic corrections (8 with, 8 without a topic) that training would
    happen: a persona that must not train leaves the models (and queued training tasks) as they were."""
    if "ta_training" not in w.extra:
        from django_tasks_db.models import DBTaskResult

        topic, source = _topic(w), DataSource.objects.create(name="Umfrage Training")
        for index in range(30):
            feedback = Feedback.objects.create(
                source=source, external_id=f"TR{index}", responded_at=datetime(2026, 3, 2, tzinfo=UTC),
                comment=f"Kommentar {index}", touchpoint=w.touchpoint,
            )  # fmt: skip
            analysis = CommentAnalysis.objects.create(
                feedback=feedback, sentiment_label="neutral", corrected_sentiment=["negative", "positive"][index % 2],
                engine="fast", engine_version="1", analysed_at=datetime(2026, 3, 2, tzinfo=UTC), text_hash="x",
            )  # fmt: skip
            CommentTopic.objects.create(analysis=analysis, topic=topic, source="correction", removed=index % 2 == 0)
        w.extra["ta_training"] = DBTaskResult
    return ClassifierModel.objects.count(), w.extra["ta_training"].objects.count()


def _topic_form(w):
    return {"name_de": "Neu", "name_en": "New", "rules_de": "neu*", "rules_en": "", "active": "on"}


def _edit_form(w):
    return {"name_de": "Geändert", "name_en": "Changed", "rules_de": "rechnung*", "parent": str(_topic(w).parent_id)}


CASES = [
    Case("textanalytics:taxonomy", lambda w: "/topics/", ALL),
    Case(
        "textanalytics:load_default",
        lambda w: "/topics/load-default/",
        EDITORS,
        method="POST",
        state=lambda w: Topic.objects.count(),
    ),  # fmt: skip
    Case("textanalytics:topic_create", lambda w: "/topics/topics/new/", EDITORS),
    Case(
        "textanalytics:topic_create",
        lambda w: "/topics/topics/new/",
        EDITORS,
        method="POST",
        data=_topic_form,
        state=_topics_state,
    ),  # fmt: skip
    Case("textanalytics:preview", lambda w: "/topics/topics/preview/?rules_de=rechnung*", EDITORS, htmx=True),
    Case("textanalytics:topic", lambda w: f"/topics/topics/{_topic(w).public_id}/", ALL),
    Case("textanalytics:topic_edit", lambda w: f"/topics/topics/{_topic(w).public_id}/edit/", EDITORS),
    Case(
        "textanalytics:topic_edit",
        lambda w: f"/topics/topics/{_topic(w).public_id}/edit/",
        EDITORS,
        method="POST",
        data=_edit_form,
        state=_topics_state,
    ),  # fmt: skip
    Case("textanalytics:matrix", lambda w: "/topics/matrix/", ALL),
    Case("textanalytics:emerging", lambda w: "/topics/emerging/", ALL),
    Case("textanalytics:comment", lambda w: f"/topics/comments/{_analysis(w).feedback.public_id}/", ALL),
    Case(
        "textanalytics:comment",
        lambda w: f"/topics/comments/{_analysis(w).feedback.public_id}/",
        EDITORS,
        method="POST",
        data=lambda w: {"sentiment": "positive"},
        state=_correction_state,
    ),  # fmt: skip
    Case("textanalytics:classifier", lambda w: "/topics/classifier/", ALL),
    Case(
        "textanalytics:classifier_train",
        lambda w: "/topics/classifier/train/",
        EDITORS,
        method="POST",
        state=_training_state,
    ),  # fmt: skip
    Case("GET /api/v1/topics", lambda w: f"/api/v1/topics?x={_topic(w).pk}", ALL),
    Case(
        "GET /api/v1/feedback/{public_id}/analysis",
        lambda w: f"/api/v1/feedback/{_analysis(w).feedback.public_id}/analysis",
        ALL,
    ),
]
