"""Writes of the text analytics app: topics, enrichment (idempotent, resumable), corrections, classifier
training and the topic rollups that the analytics runner reads."""

import hashlib
import json
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.text import slugify

from opencxm.analytics.rollups import local_day, local_zone
from opencxm.core.audit import audit_record, diff, snapshot
from opencxm.textanalytics import classifier as nb
from opencxm.textanalytics import topiclearning
from opencxm.textanalytics.models import (
    ClassifierModel,
    CommentAnalysis,
    CommentTopic,
    EnrichmentRun,
    Sentiment,
    Topic,
    TopicRollup,
)

TOPIC_FIELDS = ["key", "parent", "name_de", "name_en", "description", "rules", "active"]
BATCH_SIZE = 500
MIN_CORRECTIONS = 30


# --- engine ------------------------------------------------------------------------------------------------


def rule_lines(rules: dict | None) -> dict[str, list[str]]:
    """Rules per language as lists of expressions (a text holds one expression per line)."""
    result = {}
    for language, value in (rules or {}).items():
        lines = value.splitlines() if isinstance(value, str) else list(value or [])
        lines = [line.strip() for line in lines if line and line.strip()]
        if lines:
            result[language] = lines
    return result


def taxonomy_for_engine(topics=None) -> dict:
    """The active topics in the engine's JSON form. The engine matches second-level topics; a main topic's own
    rules become a child with the main topic's key, so its matches count for the main topic."""
    topics = list(topics if topics is not None else Topic.objects.filter(active=True).order_by("key"))
    children: dict = {}
    for topic in topics:
        children.setdefault(topic.parent_id, []).append(topic)
    known = {t.pk for t in topics}
    roots = [t for t in topics if t.parent_id is None or t.parent_id not in known]
    return {"label_language": "de", "topics": [_engine_node(root, children.get(root.pk, [])) for root in roots]}


def _engine_node(topic: Topic, children: list[Topic]) -> dict:
    def leaf(node):
        label = {"de": node.name_de, "en": node.name_en}
        return {"key": node.key, "label": label, "rules": rule_lines(node.rules)}

    leaves = [leaf(child) for child in children]
    if rule_lines(topic.rules):
        leaves.insert(0, leaf(topic))
    return {"key": topic.key, "label": {"de": topic.name_de, "en": topic.name_en}, "children": leaves}


def engine_for(name: str | None = None, taxonomy: dict | None = None):
    from opencxm.textanalytics.engine import get_engine

    name = name or settings.OPENCXM_TEXT_ENGINE
    options = {}
    if name == "transformer":
        options = {"model_path": settings.OPENCXM_TRANSFORMER_MODEL, "device": settings.OPENCXM_TRANSFORMER_DEVICE}
    return get_engine(name, taxonomy=taxonomy or taxonomy_for_engine(), **options)


def engine_version(
    engine, taxonomy: dict, classifier: ClassifierModel | None = None, topic_model: ClassifierModel | None = None
) -> str:
    """Engine, its version and the taxonomy (and classifiers) it ran with: a change triggers re-enrichment."""
    digest = hashlib.sha256(json.dumps(taxonomy, sort_keys=True).encode()).hexdigest()[:10]
    version = f"{getattr(engine, 'version', '1')}+{digest}"
    version = f"{version}+c{classifier.pk}" if classifier else version
    version = f"{version}+t{topic_model.pk}" if topic_model else version
    if len(version) > 40:  # the stored field's length: a longer one would never compare equal
        version = f"{version[:29]}~{hashlib.sha256(version.encode()).hexdigest()[:10]}"
    return version


# --- topics ------------------------------------------------------------------------------------------------


def _unique_key(base: str) -> str:
    key, number = base or "topic", 2
    while Topic.objects.filter(key=key).exists():
        key, number = f"{base}-{number}", number + 1
    return key


def topic_create(*, actor, data: dict) -> Topic:
    """Create a topic from cleaned form data (keys of TOPIC_FIELDS except key, plus touchpoints)."""
    touchpoints = data.pop("touchpoints", [])
    with transaction.atomic():
        parent = data.get("parent")
        base = slugify(data.get("name_en") or data.get("name_de"))[:60]
        data["key"] = _unique_key(f"{parent.key}.{base}" if parent else base)
        topic = Topic.objects.create(**data)
        topic.touchpoints.set(touchpoints)
        audit_record(actor=actor, action="create", instance=topic, changes=snapshot(topic, TOPIC_FIELDS))
    return topic


def topic_update(*, actor, topic: Topic, data: dict) -> Topic:
    """Change a topic's names, rules, parent, touchpoints or active flag (its key stays)."""
    touchpoints = data.pop("touchpoints", None)
    with transaction.atomic():
        before = snapshot(topic, TOPIC_FIELDS)
        for name, value in data.items():
            setattr(topic, name, value)
        topic.save()
        if touchpoints is not None:
            topic.touchpoints.set(touchpoints)
        audit_record(actor=actor, action="update", instance=topic, changes=diff(before, snapshot(topic, TOPIC_FIELDS)))
    return topic


def taxonomy_load_default(*, actor=None) -> int:
    """Create the shipped default CX taxonomy (German and English) as topics; existing keys are kept."""
    from opencxm.textanalytics.engine import resources

    created, last = 0, None
    with transaction.atomic():
        for parent in resources.load_json("taxonomy_default.json")["topics"]:
            root, made = _default_topic(parent, None)
            created, last = created + made, root
            for child in parent.get("children", []):
                created += _default_topic(child, root)[1]
        if created and last is not None:
            audit_record(actor=actor, action="import", instance=last, changes={"default_taxonomy": created})
    return created


def _default_topic(node: dict, parent: Topic | None) -> tuple[Topic, int]:
    label = node.get("label") or {}
    label = label if isinstance(label, dict) else {"de": label, "en": label}
    description = node.get("description") or ""
    if isinstance(description, dict):
        description = description.get("de") or description.get("en") or ""
    topic, made = Topic.objects.get_or_create(
        key=node["key"],
        defaults={
            "parent": parent,
            "name_de": (label.get("de") or node["key"])[:120],
            "name_en": (label.get("en") or label.get("de") or node["key"])[:120],
            "description": description,
            "rules": rule_lines(node.get("rules")),
            "is_default": True,
        },
    )
    return topic, int(made)


# --- enrichment --------------------------------------------------------------------------------------------


def _text_hash(text: str, language: str) -> str:
    return hashlib.sha256(f"{language}\x00{text}".encode()).hexdigest()[:32]


def pending_feedback(version: str, *, after_id: int = 0):
    """Feedback with a comment that has no analysis, an analysis of another engine version, or changed since."""
    from opencxm.feedback.models import Feedback

    stale = Q(analysis__isnull=True) | ~Q(analysis__engine_version=version)
    stale |= Q(analysis__analysed_at__lt=F("updated_at"))
    return Feedback.objects.filter(id__gt=after_id).exclude(comment="").filter(stale).order_by("id")


def enrich_pending(*, engine_name: str | None = None, rescan_all: bool = False, batch_size: int = BATCH_SIZE, log=None):
    """Analyse every pending comment in id order. Resumable: a run that stopped (crash) is continued from its
    cursor; idempotent: an analysis whose input and engine are unchanged is not written again."""
    taxonomy = taxonomy_for_engine()
    engine = engine_for(engine_name, taxonomy)
    classifier = current_classifier()
    topic_model = current_topic_classifier()
    version = engine_version(engine, taxonomy, classifier, topic_model)
    run = EnrichmentRun.objects.filter(status=EnrichmentRun.Status.RUNNING, engine=engine.name).first()
    run = run or EnrichmentRun.objects.create(engine=engine.name, rescan_all=rescan_all)
    try:
        while True:
            if run.rescan_all:
                from opencxm.feedback.models import Feedback

                queryset = Feedback.objects.filter(id__gt=run.last_feedback_id).exclude(comment="").order_by("id")
            else:
                queryset = pending_feedback(version, after_id=run.last_feedback_id)
            batch = list(queryset.select_related("analysis")[:batch_size])
            if not batch:
                break
            changed = _enrich_batch(batch, engine, version, classifier, topic_model)
            EnrichmentRun.objects.filter(pk=run.pk).update(
                last_feedback_id=batch[-1].pk, processed=run.processed + len(batch), changed=run.changed + changed
            )
            run.refresh_from_db()
            if log:
                log(f"enriched {run.processed} comments ({run.changed} changed)")
    except Exception as error:
        run.status, run.error, run.finished_at = EnrichmentRun.Status.FAILED, repr(error)[:2000], timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    run.status, run.finished_at = EnrichmentRun.Status.DONE, timezone.now()
    run.save(update_fields=["status", "finished_at"])
    return run


def enrich_feedback(*, feedback_ids: list[int], engine_name: str | None = None) -> int:
    """Analyse the given feedback records now (skipping unchanged ones); returns the number changed."""
    from opencxm.feedback.models import Feedback

    taxonomy = taxonomy_for_engine()
    engine = engine_for(engine_name, taxonomy)
    classifier = current_classifier()
    topic_model = current_topic_classifier()
    version = engine_version(engine, taxonomy, classifier, topic_model)
    batch = list(Feedback.objects.filter(id__in=feedback_ids).exclude(comment="").select_related("analysis"))
    if not batch:
        return 0
    return _enrich_batch(sorted(batch, key=lambda f: f.pk), engine, version, classifier, topic_model)


def _enrich_batch(batch, engine, version, classifier, topic_model=None) -> int:
    """Analyse one batch and write what changed, with the topic rollups of the touched days, atomically."""
    results = engine.analyze_many([f.comment for f in batch], [f.language or None for f in batch])
    model = nb.load(classifier.blob) if classifier else None
    topics = {t.key: t for t in Topic.objects.filter(active=True)}
    if topic_model is not None:
        _apply_topic_classifier(results, [f.comment for f in batch], topic_model, topics)
    changed, slices = [], {}
    with transaction.atomic():
        for feedback, result in zip(batch, results, strict=True):
            if model is not None:
                _apply_classifier(result, model, feedback.comment)
            if _store(feedback, result, version, topics):
                changed.append(feedback.pk)
                slices.setdefault(feedback.source_id, set()).add(local_day(feedback.responded_at))
        for source_id, days in slices.items():
            topic_rollup_refresh(source_id=source_id, days=days)
        _open_cases(changed)
    return len(changed)


def _open_cases(feedback_ids: list[int]) -> None:
    """Case rules on negative comments about a topic can decide only now that the analysis exists; in the
    same transaction, so a batch that fails is analysed and checked again together."""
    from opencxm.cases.services import cases_from_comment_analysis

    cases_from_comment_analysis(feedback_ids=feedback_ids)


def _apply_classifier(result, model, text: str) -> None:
    label, confidence = nb.predict(model, text)
    if label and confidence >= 0.6:
        result.sentiment_label = label


def _store(feedback, result, version: str, topics: dict) -> bool:
    """Write one analysis unless identical to the stored one; corrections and removed topics are kept."""
    text_hash = _text_hash(feedback.comment, feedback.language)
    values = {
        "language": (result.language or "")[:8],
        "sentiment_label": result.sentiment_label,
        "sentiment_score": round(float(result.sentiment_score), 4),
        "sentences": [
            {"text": s.text, "label": s.label, "score": round(float(s.score), 4), "start": s.start, "end": s.end}
            for s in result.sentences
        ],
        "redacted_text": result.redacted_text,
        "truncated": bool(result.truncated),
        "engine": (result.engine or "")[:20],
        "engine_version": version[:40],
        "text_hash": text_hash,
    }
    predicted = {m.key: (sorted(m.matched_terms), m.source) for m in result.topics if m.key in topics}
    analysis = getattr(feedback, "analysis", None) if _has_analysis(feedback) else None
    if analysis is not None and _same(analysis, values, predicted):
        if analysis.analysed_at < feedback.updated_at:
            CommentAnalysis.objects.filter(pk=analysis.pk).update(analysed_at=timezone.now())
        return False
    values["embedding"] = _embedding_bytes(result.embedding)
    values["analysed_at"] = timezone.now()
    analysis, _ = CommentAnalysis.objects.update_or_create(feedback=feedback, defaults=values)
    _store_topics(analysis, predicted, topics)
    if not settings.OPENCXM_STORE_RAW_COMMENTS and feedback.comment != result.redacted_text:
        type(feedback).objects.filter(pk=feedback.pk).update(comment=result.redacted_text)
        CommentAnalysis.objects.filter(pk=analysis.pk).update(
            text_hash=_text_hash(result.redacted_text, feedback.language)
        )
    return True


def _has_analysis(feedback) -> bool:
    try:
        return feedback.analysis is not None
    except CommentAnalysis.DoesNotExist:
        return False


def _same(analysis: CommentAnalysis, values: dict, predicted: dict) -> bool:
    if any(getattr(analysis, name) != value for name, value in values.items()):
        return False
    stored = {
        link.topic.key: (sorted(link.matched_terms), link.source)
        for link in analysis.topic_links.select_related("topic").exclude(source=CommentTopic.Source.CORRECTION)
    }
    corrected = set(
        analysis.topic_links.filter(source=CommentTopic.Source.CORRECTION).values_list("topic__key", flat=True)
    )
    return stored == {key: value for key, value in predicted.items() if key not in corrected}


def _store_topics(analysis: CommentAnalysis, predicted: dict, topics: dict) -> None:
    corrected = set(
        analysis.topic_links.filter(source=CommentTopic.Source.CORRECTION).values_list("topic__key", flat=True)
    )
    analysis.topic_links.exclude(source=CommentTopic.Source.CORRECTION).delete()
    CommentTopic.objects.bulk_create(
        [
            CommentTopic(analysis=analysis, topic=topics[key], matched_terms=terms, source=source)
            for key, (terms, source) in sorted(predicted.items())
            if key not in corrected
        ]
    )


def _embedding_bytes(embedding) -> bytes | None:
    if embedding is None:
        return None
    import numpy

    return numpy.asarray(embedding, dtype="float32").tobytes()


def enrichment_enqueue() -> None:
    """After a feedback write commits: enrich the new and changed comments in the background (one queued run is
    enough: it picks up everything pending when it starts)."""
    transaction.on_commit(_enqueue_unless_queued)


def _enqueue_unless_queued() -> None:
    from opencxm.textanalytics.tasks import enrich_pending_task

    if "django_tasks_db" in settings.TASKS["default"]["BACKEND"]:
        from django_tasks_db.models import DBTaskResult

        if DBTaskResult.objects.filter(task_path=enrich_pending_task.module_path, status="READY").exists():
            return
    enrich_pending_task.enqueue()


# --- topic rollups -----------------------------------------------------------------------------------------


def _rollup_aggregates(prefix: str, counted: str) -> dict:
    """Counts of distinct analyses (a main topic counts a comment on several of its subtopics once)."""

    def count(condition=None):
        return Count(counted, filter=condition, distinct=True)

    sums = {"analysed": count()}
    for label in Sentiment:
        effective = Q(**{f"{prefix}corrected_sentiment": label}) | Q(
            **{f"{prefix}corrected_sentiment": "", f"{prefix}sentiment_label": label}
        )
        sums[str(label.value)] = count(effective)
    feedback = f"{prefix}feedback__"
    sums["nps_n"] = count(Q(**{f"{feedback}nps__isnull": False}))
    sums["nps_promoters"] = count(Q(**{f"{feedback}nps__gte": 9}))
    sums["nps_detractors"] = count(Q(**{f"{feedback}nps__lte": 6}))
    return sums


_deferred_rollups: ContextVar[dict | None] = ContextVar("opencxm_deferred_topic_rollups", default=None)


@contextmanager
def topic_rollups_deferred():
    """Within this block, topic rollup refreshes are collected (per source, the union of the days) and run
    once when it ends: for a batch of many corrections or analyses (the demo's corrections), the same rows
    as refreshing after each one. Per context (thread, task), so other work is not affected."""
    if _deferred_rollups.get() is not None:  # nested: the outer block refreshes
        yield
        return
    touched: dict[int, set] = {}
    token = _deferred_rollups.set(touched)
    try:
        yield
    finally:
        _deferred_rollups.reset(token)
    for source_id, days in sorted(touched.items()):
        topic_rollup_refresh(source_id=source_id, days=days)


def topic_rollup_refresh(*, source_id: int, days) -> int:
    """Recompute the topic rollup rows of one source for the given local days; returns rows written (0 while
    deferred, see topic_rollups_deferred).

    Rows: all analysed comments (topic empty), each subtopic, and each main topic (its own and its
    subtopics' comments, each once)."""
    wanted = sorted(set(days))
    if not wanted:
        return 0
    deferred = _deferred_rollups.get()
    if deferred is not None:
        deferred.setdefault(source_id, set()).update(wanted)
        return 0
    with transaction.atomic():
        TopicRollup.objects.filter(source_id=source_id, day__in=wanted).delete()
        links = CommentTopic.objects.filter(removed=False)
        rows = _rollup_rows(CommentAnalysis.objects.all(), "", "id", source_id, wanted, None)
        rows += _rollup_rows(links.filter(topic__parent__isnull=False), "analysis__", "analysis_id", source_id,
                             wanted, F("topic_id"))  # fmt: skip
        rows += _rollup_rows(links, "analysis__", "analysis_id", source_id, wanted,
                             Coalesce(F("topic__parent_id"), F("topic_id")))  # fmt: skip
        TopicRollup.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _rollup_rows(queryset, prefix, counted, source_id, wanted, topic) -> list[TopicRollup]:
    feedback = f"{prefix}feedback__"
    zone = local_zone()
    start = datetime.combine(wanted[0], time.min, tzinfo=zone)
    end = datetime.combine(wanted[-1] + timedelta(days=1), time.min, tzinfo=zone)
    fields = {
        "r_touchpoint": F(f"{feedback}touchpoint_id"),
        "r_channel": F(f"{feedback}channel_id"),
        "r_segment": F(f"{feedback}segment_id"),
        "r_kind": F(f"{feedback}kind"),
    }
    if topic is not None:
        fields["r_topic"] = topic
    rows = (
        queryset.filter(
            **{
                f"{feedback}source_id": source_id,
                f"{feedback}responded_at__gte": start,
                f"{feedback}responded_at__lt": end,
            }  # fmt: skip
        )
        .annotate(local_day=TruncDate(f"{feedback}responded_at", tzinfo=zone))
        .filter(local_day__in=wanted)
        .values("local_day", **fields)
        .annotate(**_rollup_aggregates(prefix, counted))
        .order_by()
    )
    names = list(_rollup_aggregates(prefix, counted))
    return [
        TopicRollup(
            day=row["local_day"],
            source_id=source_id,
            touchpoint_id=row["r_touchpoint"],
            channel_id=row["r_channel"],
            segment_id=row["r_segment"],
            kind=row["r_kind"],
            topic_id=row.get("r_topic"),
            **{name: row[name] for name in names},
        )
        for row in rows
    ]


def analyses_erase(*, feedback_ids) -> int:
    """Forget what enrichment found in these comments (customer erasure): the analyses with their redacted text,
    sentences, embedding, topics and corrections are deleted and the topic rollups of their days refreshed.
    Returns the number of analyses deleted."""
    rows = CommentAnalysis.objects.filter(feedback_id__in=feedback_ids)
    slices: dict[int, set] = {}
    for source_id, moment in rows.values_list("feedback__source_id", "feedback__responded_at"):
        slices.setdefault(source_id, set()).add(local_day(moment))
    with transaction.atomic():
        deleted = rows.count()
        rows.delete()
        for source_id, days in slices.items():
            topic_rollup_refresh(source_id=source_id, days=days)
    return deleted


def topic_rollup_rebuild() -> int:
    """Recompute all topic rollups (after a bulk change such as a demo load)."""
    from opencxm.feedback.models import Feedback

    TopicRollup.objects.all().delete()
    written = 0
    slices: dict[int, set[date]] = {}
    analysed = Feedback.objects.filter(analysis__isnull=False).values_list("source_id", "responded_at")
    for source_id, moment in analysed.iterator(chunk_size=5000):
        slices.setdefault(source_id, set()).add(local_day(moment))
    for source_id, days in slices.items():
        written += topic_rollup_refresh(source_id=source_id, days=days)
    return written


# --- corrections -------------------------------------------------------------------------------------------


def analysis_correct(*, actor, analysis: CommentAnalysis, sentiment: str = "", add=(), remove=()) -> CommentAnalysis:
    """Store a user's correction of a comment's sentiment and topics; re-enrichment never overwrites it."""
    with transaction.atomic():
        before = _correction_state(analysis)
        if sentiment:
            analysis.corrected_sentiment = sentiment
        analysis.corrected_by, analysis.corrected_at = actor, timezone.now()
        analysis.save(update_fields=["corrected_sentiment", "corrected_by", "corrected_at"])
        for topic in add:
            CommentTopic.objects.update_or_create(
                analysis=analysis, topic=topic, defaults={"source": CommentTopic.Source.CORRECTION, "removed": False}
            )
        for topic in remove:
            CommentTopic.objects.update_or_create(
                analysis=analysis, topic=topic, defaults={"source": CommentTopic.Source.CORRECTION, "removed": True}
            )
        changes = diff(before, _correction_state(analysis))
        audit_record(actor=actor, action="update", instance=analysis.feedback, changes={"correction": changes})
        feedback = analysis.feedback
        topic_rollup_refresh(source_id=feedback.source_id, days=[local_day(feedback.responded_at)])
        _open_cases([feedback.pk])
    return analysis


def _correction_state(analysis: CommentAnalysis) -> dict:
    links = analysis.topic_links.filter(removed=False).select_related("topic")
    return {"sentiment": analysis.sentiment, "topics": sorted(link.topic.key for link in links)}


# --- classifier --------------------------------------------------------------------------------------------


def current_classifier() -> ClassifierModel | None:
    return ClassifierModel.objects.filter(kind="sentiment").exclude(blob=None).first()


def classifier_train(*, actor) -> ClassifierModel:
    """Train the installation's sentiment classifier on the corrections; a fifth (every fifth, in id order)
    is held back to measure accuracy and macro-F1. Needs at least MIN_CORRECTIONS corrections."""
    rows = list(
        CommentAnalysis.objects.exclude(corrected_sentiment="")
        .order_by("id")
        .values_list("feedback__comment", "corrected_sentiment")
    )
    if len(rows) < MIN_CORRECTIONS:
        raise ValueError("too few corrections")
    test = [row for index, row in enumerate(rows) if index % 5 == 4]
    train = [row for index, row in enumerate(rows) if index % 5 != 4]
    model = nb.train(train)
    quality = nb.evaluate(model, test)
    with transaction.atomic():
        trained = ClassifierModel.objects.create(
            trained_by=actor,
            n_train=len(train),
            n_test=len(test),
            accuracy=quality["accuracy"],
            macro_f1=quality["macro_f1"],
            blob=nb.dump(model),
        )
        audit_record(actor=actor, action="create", instance=trained, changes={"n_train": len(train), **quality})
    return trained


# --- topic classifier (learnt from topic corrections; see topiclearning.py) -----------------------------------

_TOPIC_MODELS: dict[int, object] = {}  # loaded models by ClassifierModel pk (rows never change once written)


def current_topic_classifier() -> ClassifierModel | None:
    """The installation's latest topic classifier (in the database, so every worker on any machine uses it)."""
    return ClassifierModel.objects.filter(kind="topics").exclude(blob=None).first()


def _topic_model(row: ClassifierModel):
    from opencxm.textanalytics.engine.classifier import load_topic_classifier

    model = _TOPIC_MODELS.get(row.pk)
    if model is None:
        model = load_topic_classifier(row.blob)
        _TOPIC_MODELS.clear()
        _TOPIC_MODELS[row.pk] = model
    return model


def _apply_topic_classifier(results, texts: list[str], row: ClassifierModel, topics: dict) -> None:
    """Add the topics the classifier is confident about to the rules' topics (add-only; rules stay)."""
    from opencxm.textanalytics.engine import TopicMatch

    model = _topic_model(row)
    found = model.predict(texts, [r.language for r in results], [r.embedding for r in results])
    for result, probabilities in zip(results, found, strict=True):
        have = {match.key for match in result.topics}
        for key, probability in sorted(probabilities.items()):
            topic = topics.get(key)
            if topic is None or key in have:
                continue
            path = (topic.parent.name, topic.name) if topic.parent_id and topic.parent else (topic.name,)
            result.topics.append(TopicMatch(key=key, path=path, source="classifier", score=probability))


def topic_examples(*, with_embeddings: bool = False) -> list[topiclearning.Example]:
    """The comments with a topic correction (id order) and their true topic sets."""
    corrected = CommentTopic.objects.filter(source=CommentTopic.Source.CORRECTION).values("analysis_id")
    fields = ["id", "feedback__comment", "feedback__language", "language"]
    if with_embeddings:
        fields.append("embedding")
    truth: dict[int, set] = {}
    links = CommentTopic.objects.filter(analysis_id__in=corrected, removed=False, topic__active=True)
    for analysis_id, key in links.values_list("analysis_id", "topic__key"):
        truth.setdefault(analysis_id, set()).add(key)
    examples = []
    for row in CommentAnalysis.objects.filter(pk__in=corrected).order_by("id").values_list(*fields):
        embedding = None
        if with_embeddings and row[4] is not None:
            import numpy

            embedding = numpy.frombuffer(bytes(row[4]), dtype="float32")
        examples.append(
            topiclearning.Example(row[0], row[1], row[3] or row[2], truth.get(row[0], set()), embedding, row[2] or "")
        )
    return examples


def topic_training_counts() -> dict:
    """For the model page: corrected comments and, per topic, examples with and without it (counted in the
    database; the same figures as ``topiclearning.topic_counts`` over ``topic_examples()``)."""
    corrected = CommentTopic.objects.filter(source=CommentTopic.Source.CORRECTION).values("analysis_id")
    total = CommentAnalysis.objects.filter(pk__in=corrected).count()
    rows = (
        CommentTopic.objects.filter(analysis_id__in=corrected, removed=False, topic__active=True)
        .values("topic__key", "topic__name_de", "topic__name_en")
        .annotate(n=Count("analysis_id", distinct=True))
        .order_by("topic__key")
    )
    german = _german()
    topics = []
    for row in rows:
        pos, neg = row["n"], total - row["n"]
        topics.append(
            {
                "key": row["topic__key"],
                "name": row["topic__name_de"] if german else row["topic__name_en"],
                "positives": pos,
                "negatives": neg,
                "ready": pos >= topiclearning.MIN_POSITIVE and neg >= topiclearning.MIN_NEGATIVE,
            }
        )
    return {
        "comments": total,
        "topics": topics,
        "eligible": [row["key"] for row in topics if row["ready"]],
        "min_positive": topiclearning.MIN_POSITIVE,
        "min_negative": topiclearning.MIN_NEGATIVE,
    }


def _german() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "de").startswith("de")


def topic_classifier_train(*, actor=None, engine_name: str | None = None) -> ClassifierModel:
    """Train the installation's topic classifier on the topic corrections (see topiclearning.py) and store it
    with its held-back figures. Raises topiclearning.TooFewCorrections when no topic has enough examples."""
    engine_name = engine_name or settings.OPENCXM_TEXT_ENGINE
    examples = topic_examples(with_embeddings=engine_name != "fast")
    feature = "hashed"
    if engine_name != "fast" and examples:
        with_vectors = [e for e in examples if e.embedding is not None and len(e.embedding)]
        dims = {len(e.embedding) for e in with_vectors}
        if len(dims) == 1 and len(with_vectors) >= 0.8 * len(examples):
            feature, examples = "embedding", with_vectors
    if not topiclearning.eligible(topiclearning.topic_counts(examples)):
        raise topiclearning.TooFewCorrections(topiclearning.topic_counts(examples))
    rules_engine = engine_for("fast", taxonomy_for_engine())
    found = rules_engine.analyze_many([e.text for e in examples], [e.feedback_language or None for e in examples])
    for example, result in zip(examples, found, strict=True):
        example.rules = {match.key for match in result.topics}
    model, metrics, n_train, n_test = topiclearning.train(examples, feature)
    with transaction.atomic():
        trained = ClassifierModel.objects.create(
            kind="topics",
            trained_by=actor,
            n_train=n_train,
            n_test=n_test,
            macro_f1=metrics["macro_f1"],
            metrics=metrics,
            blob=model.to_bytes(),
        )
        summary = {"n_train": n_train, "n_test": n_test, "feature": feature, "topics": len(metrics["topics"])}
        audit_record(actor=actor, action="create", instance=trained, changes=summary)
    return trained


def topic_classifier_train_enqueue(*, actor=None) -> None:
    """Train the topic classifier in the background once the current transaction commits."""
    from opencxm.textanalytics.tasks import topic_classifier_train_task

    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    transaction.on_commit(lambda: topic_classifier_train_task.enqueue(actor_id))
