"""Enrichment: results stored, idempotent, resumable after a crash, corrections never overwritten, policy."""

import pytest

from opencxm.core.models import AuditEntry
from opencxm.textanalytics import services
from opencxm.textanalytics.models import CommentAnalysis, CommentTopic, EnrichmentRun, TopicRollup


def _state():
    analyses = list(
        CommentAnalysis.objects.order_by("feedback_id").values(
            "feedback_id", "sentiment_label", "sentiment_score", "redacted_text", "engine_version", "analysed_at",
            "corrected_sentiment",
        )
    )  # fmt: skip
    links = sorted(CommentTopic.objects.values_list("analysis__feedback_id", "topic__key", "source", "removed"))
    rollups = sorted(TopicRollup.objects.values_list("day", "topic_id", "analysed", "negative", "positive"), key=str)
    return analyses, links, rollups


def test_enrichment_stores_language_sentiment_topics_and_redacted_text(taxonomy, comments):
    run = services.enrich_pending()
    assert (run.status, run.processed, run.changed) == ("done", 6, 6)
    first = CommentAnalysis.objects.get(feedback=comments[0])
    assert first.language == "de"
    assert first.sentiment_label == "negative"
    keys = sorted(first.topic_links.values_list("topic__key", flat=True))
    assert keys == ["billing.payment", "billing.wrong"]
    second = CommentAnalysis.objects.get(feedback=comments[1])
    assert "mueller@example.com" not in second.redacted_text
    assert "Müller" not in second.redacted_text
    assert CommentAnalysis.objects.get(feedback=comments[2]).topic_links.get().topic.key == "app"
    assert CommentAnalysis.objects.get(feedback=comments[3]).sentiment_label == "positive"
    assert CommentAnalysis.objects.get(feedback=comments[5]).topic_links.get().topic.key == "billing.wrong"


def test_enrichment_is_idempotent(taxonomy, comments):
    services.enrich_pending()
    before = _state()
    run = services.enrich_pending()
    assert (run.processed, run.changed) == (0, 0)
    rescan = services.enrich_pending(rescan_all=True)
    assert (rescan.processed, rescan.changed) == (6, 0)
    assert _state() == before


def test_crashed_run_resumes_where_it_stopped(taxonomy, comments, monkeypatch):
    calls = {"n": 0}
    original = services._enrich_batch

    def crash_on_second_batch(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return original(*args)

    monkeypatch.setattr(services, "_enrich_batch", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        services.enrich_pending(batch_size=2)
    crashed = EnrichmentRun.objects.get()
    assert (crashed.status, crashed.processed) == ("failed", 2)
    assert CommentAnalysis.objects.count() == 2
    # a crash that killed the process leaves the run "running": the next run continues from its cursor
    EnrichmentRun.objects.update(status="running")
    monkeypatch.setattr(services, "_enrich_batch", original)
    resumed = services.enrich_pending(batch_size=2)
    assert resumed.pk == crashed.pk
    assert (resumed.status, resumed.processed) == ("done", 6)
    assert CommentAnalysis.objects.count() == 6
    assert CommentTopic.objects.filter(analysis__feedback=comments[0]).count() == 2


def test_changed_comment_is_analysed_again(taxonomy, comments):
    services.enrich_pending()
    feedback = comments[3]
    feedback.comment = "Die App ist furchtbar langsam."
    feedback.save()
    run = services.enrich_pending()
    assert (run.processed, run.changed) == (1, 1)
    assert CommentAnalysis.objects.get(feedback=feedback).topic_links.get().topic.key == "app"


def test_corrections_survive_re_enrichment(taxonomy, comments, world):
    services.enrich_pending()
    analysis = CommentAnalysis.objects.get(feedback=comments[2])
    services.analysis_correct(
        actor=world.users["cx_team"], analysis=analysis, sentiment="neutral", add=[taxonomy["payment"]],
        remove=[taxonomy["app"]],
    )  # fmt: skip
    services.enrich_pending(rescan_all=True)
    services.enrich_feedback(feedback_ids=[comments[2].pk])
    analysis.refresh_from_db()
    assert (analysis.sentiment_label, analysis.corrected_sentiment, analysis.sentiment) == (
        "negative", "neutral", "neutral",
    )  # fmt: skip
    links = sorted(analysis.topic_links.values_list("topic__key", "source", "removed"))
    assert links == [("app", "correction", True), ("billing.payment", "correction", False)]
    entry = AuditEntry.objects.filter(object_id=comments[2].public_id).get()
    assert entry.changes == {
        "correction": {"sentiment": ["negative", "neutral"], "topics": [["app"], ["billing.payment"]]}
    }


def test_policy_without_raw_comments_replaces_the_comment(taxonomy, comments, settings):
    settings.OPENCXM_STORE_RAW_COMMENTS = False
    services.enrich_pending()
    comments[1].refresh_from_db()
    assert "mueller@example.com" not in comments[1].comment
    assert comments[1].comment == CommentAnalysis.objects.get(feedback=comments[1]).redacted_text
    assert services.enrich_pending().changed == 0


def test_taxonomy_edit_re_enriches(taxonomy, comments, world):
    services.enrich_pending()
    services.topic_update(actor=world.users["cx_team"], topic=taxonomy["app"], data={"rules": {"de": ["service*"]}})
    run = services.enrich_pending()
    assert run.processed == 6
    assert CommentAnalysis.objects.get(feedback=comments[3]).topic_links.get().topic.key == "app"
    assert not CommentAnalysis.objects.get(feedback=comments[2]).topic_links.exists()


def test_default_taxonomy_loads_once(db):
    created = services.taxonomy_load_default()
    assert created > 20
    assert services.taxonomy_load_default() == 0
    from opencxm.textanalytics.models import Topic

    assert Topic.objects.get(key="billing.wrong_invoice").parent.key == "billing"


IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def test_feedback_writes_enqueue_enrichment_after_commit(taxonomy, settings, django_capture_on_commit_callbacks):
    from datetime import UTC, datetime

    from opencxm.feedback.services import feedback_upsert_batch
    from tests.factories_textanalytics import SourceFactory

    settings.TASKS = IMMEDIATE
    source = SourceFactory()
    record = {"external_id": "A1", "responded_at": datetime(2026, 3, 2, tzinfo=UTC), "comment": "Die App hängt."}
    with django_capture_on_commit_callbacks(execute=True):
        feedback_upsert_batch(source=source, records=[record])
    analysis = CommentAnalysis.objects.get(feedback__external_id="A1")
    assert analysis.topic_links.get().topic.key == "app"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        feedback_upsert_batch(source=source, records=[record])  # unchanged: nothing to enrich
    assert [c.__name__ for c in callbacks if "enqueue_unless" in getattr(c, "__name__", "")] == []


def test_one_queued_enrichment_is_enough(db, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        services.enrichment_enqueue()
        services.enrichment_enqueue()
    assert DBTaskResult.objects.filter(task_path="opencxm.textanalytics.tasks.enrich_pending_task").count() == 1


def test_commands(taxonomy, comments):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("enrich", stdout=out)
    assert "6 comments checked, 6 changed (fast)." in out.getvalue()
    call_command("enrich", "--all", "--rebuild-rollups", stdout=out)
    assert "6 comments checked, 0 changed (fast)." in out.getvalue()
    call_command("taxonomy", "load-default", stdout=out)
    assert "topics created." in out.getvalue()


def test_erasing_a_customer_deletes_the_analyses_of_their_comments_and_refreshes_topic_rollups(world, taxonomy,
                                                                                                comments):  # fmt: skip
    from django.db.models import Sum

    from opencxm.feedback.models import Customer
    from opencxm.feedback.services import customer_erase

    customer = Customer.objects.create(pseudonym="p-erika")
    comments[1].customer = customer
    comments[1].save(update_fields=["customer"])
    services.enrich_pending()

    def totals():
        rows = TopicRollup.objects.all()
        return (rows.filter(topic=None).aggregate(n=Sum("analysed"))["n"],
                rows.filter(topic=taxonomy["wrong"]).aggregate(n=Sum("analysed"))["n"])  # fmt: skip

    assert totals() == (6, 3)
    assert CommentAnalysis.objects.filter(feedback=comments[1]).exists()
    customer_erase(actor=world.users["admin"], customer=customer)
    assert not CommentAnalysis.objects.filter(feedback=comments[1]).exists()
    assert not CommentTopic.objects.filter(analysis__feedback=comments[1]).exists()
    assert totals() == (5, 2)
    assert CommentAnalysis.objects.count() == 5
    assert services.enrich_pending().processed == 0  # the blanked comment has nothing left to analyse


def test_deferred_topic_rollups_equal_refreshing_after_each_correction(taxonomy, comments, world):
    """topic_rollups_deferred collects the refreshes of a batch of corrections and runs them once at its end:
    the same rows as refreshing after each correction (the demo corrects 240 comments this way)."""
    from django.db import transaction

    from opencxm.textanalytics.models import TopicRollup

    services.enrich_pending()
    app = taxonomy["app"]
    analyses = list(CommentAnalysis.objects.order_by("id")[:3])

    def rows():
        fields = [f.name for f in TopicRollup._meta.concrete_fields if f.name != "id"]
        return sorted(TopicRollup.objects.values_list(*fields), key=repr)

    with transaction.atomic():
        for analysis in analyses:
            services.analysis_correct(actor=world.users["cx_team"], analysis=analysis, sentiment="negative", add=[app])
        immediate = rows()
        transaction.set_rollback(True)
    with services.topic_rollups_deferred():
        for analysis in analyses:
            services.analysis_correct(actor=world.users["cx_team"], analysis=analysis, sentiment="negative", add=[app])
        assert rows() != immediate  # nothing refreshed yet
    assert rows() == immediate
