"""Reads of the text analytics app: who sees raw comments, the taxonomy tree, the rule preview, topic figures
(through the analytics runner), the topic x sentiment matrix, emerging topics and the correction queue."""

import re
from datetime import timedelta
from functools import lru_cache

from django.db.models import Count, Prefetch, Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from opencxm.textanalytics.models import ClassifierModel, CommentAnalysis, CommentTopic, EnrichmentRun, Topic

PREVIEW_SAMPLE = 5000
PREVIEW_EXAMPLES = 20


# --- redaction ---------------------------------------------------------------------------------------------


def can_see_raw_comments(access) -> bool:
    """CX lead, CX team and administrators read the original comment; everyone else the redacted text."""
    return access.can_edit_all


@lru_cache(maxsize=1)
def _redactor():
    from opencxm.textanalytics.engine.pii import Redactor

    return Redactor()


def comment_for(access, feedback) -> str:
    """The comment text this user may read: original or redacted (redacted on the fly when not yet analysed)."""
    if not feedback.comment or can_see_raw_comments(access):
        return feedback.comment
    analysis = _analysis(feedback)
    if analysis is not None and analysis.text_hash:
        return analysis.redacted_text
    return _redactor().redact(feedback.comment)


def highlight(text: str, terms) -> SafeString:
    """The text escaped, with every occurrence of the matched terms wrapped in <mark>."""
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    if not words or not text:
        return escape(text or "")
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(mark_safe(f"<mark>{escape(match.group(0))}</mark>"))  # noqa: S308 (escaped just here)
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 (every piece escaped above)


def comments_shown(access, feedback_rows: list, *, topic: str = "") -> list:
    """Set `comment_shown` (text this user may read), `comment_html` (escaped, matched words of the topic filter
    or of every topic marked) and `comment_sentiment` on feedback rows of a list page (one extra query)."""
    analysis_ids = [row.analysis.pk for row in feedback_rows if _analysis(row) is not None]
    links = CommentTopic.objects.filter(analysis_id__in=analysis_ids, removed=False)
    if topic:
        links = links.filter(Q(topic__public_id=topic) | Q(topic__parent__public_id=topic))
    terms: dict = {}
    for analysis_id, matched in links.values_list("analysis_id", "matched_terms") if analysis_ids else []:
        terms.setdefault(analysis_id, []).extend(matched)
    for row in feedback_rows:
        analysis = _analysis(row)
        row.comment_shown = comment_for(access, row)
        row.comment_html = highlight(row.comment_shown, terms.get(analysis.pk, []) if analysis else [])
        row.comment_sentiment = analysis.sentiment if analysis else ""
    return feedback_rows


def _analysis(feedback):
    try:
        return feedback.analysis
    except CommentAnalysis.DoesNotExist:
        return None


# --- taxonomy ----------------------------------------------------------------------------------------------


def topic_tree() -> list[Topic]:
    """Parent topics with their children and comment counts (two queries)."""
    counted = Topic.objects.annotate(n=Count("comment_links", filter=Q(comment_links__removed=False)))
    children = Prefetch("children", queryset=counted.order_by("key").prefetch_related("touchpoints"))
    return list(counted.filter(parent__isnull=True).order_by("key").prefetch_related(children, "touchpoints"))


def topic_get(public_id) -> Topic:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Topic.objects.select_related("parent"), public_id=public_id)


def topic_choices():
    return Topic.objects.filter(active=True).select_related("parent").order_by("key")


def rule_preview(*, rules: dict, name: str = "preview", sample: int = PREVIEW_SAMPLE, access=None) -> dict:
    """Apply draft rules (per language) with the engine's rule matcher to the most recent comments.

    Returns the number of matching comments in the sample, the sample size and up to 20 examples with the
    matched words highlighted (escaped text).
    """
    from opencxm.feedback.models import Feedback
    from opencxm.textanalytics.services import engine_for, rule_lines

    rules = rule_lines(rules)
    recent = list(
        Feedback.objects.exclude(comment="").select_related("analysis").order_by("-responded_at", "-id")[:sample]
    )
    if not rules:
        return {"count": 0, "sample": len(recent), "examples": [], "empty": True}
    leaf = {"key": "preview", "label": name, "rules": rules}
    taxonomy = {"topics": [{"key": "preview-main", "label": name, "children": [leaf]}]}
    engine = engine_for("fast", taxonomy)
    hits = []
    for feedback in recent:
        _text, _truncated, lowered, language = engine.prepare(feedback.comment, _language(feedback))
        matches = engine.topics_for(lowered, language) if lowered else []  # the rule matcher only
        if matches:
            hits.append((feedback, matches[0].matched_terms))
    examples = [
        {"feedback": f, "html": highlight(comment_for(access, f) if access else f.comment, terms)}
        for f, terms in hits[:PREVIEW_EXAMPLES]
    ]
    return {"count": len(hits), "sample": len(recent), "examples": examples, "empty": False}


def _language(feedback) -> str | None:
    try:
        return feedback.analysis.language or feedback.language or None
    except CommentAnalysis.DoesNotExist:
        return feedback.language or None


# --- topic figures (analytics runner) ----------------------------------------------------------------------


def topic_figures(topic: Topic, *, start, end) -> dict:
    """Volume trend, sentiment split and NPS of a topic's comments, from the one metric runner."""
    from opencxm.analytics.runner import QuerySpec, run, run_one

    base = {"start": start, "end": end, "topics": (topic.pk,)}  # a main topic's rows include its subtopics
    trend = run(QuerySpec("topic_volume", group_by=("time",), grain="month", **base))
    return {
        "volume": run_one(QuerySpec("topic_volume", **base)),
        "negative": run_one(QuerySpec("sentiment_negative_share", **base)),
        "positive": run_one(QuerySpec("sentiment_positive_share", **base)),
        "nps": run_one(QuerySpec("topic_nps", **base)),
        "trend": [(row.key["time"], row.estimate.value) for row in trend],
    }


def topic_examples(topic: Topic, *, access, limit: int = 8) -> list[dict]:
    """Recent quotes on the topic (negatives first), text as this user may read it, matched words marked."""
    links = (
        CommentTopic.objects.filter(removed=False, topic__in=[topic, *topic.children.all()])
        .select_related("analysis__feedback__analysis", "analysis__feedback__touchpoint")
        .order_by("-analysis__feedback__responded_at")[: limit * 4]
    )
    picked = sorted(links, key=lambda link: link.analysis.sentiment != "negative")[:limit]
    return [
        {
            "feedback": link.analysis.feedback,
            "analysis": link.analysis,
            "html": highlight(comment_for(access, link.analysis.feedback), link.matched_terms),
        }
        for link in picked
    ]


def sentiment_matrix(*, dimension: str, start, end) -> dict:
    """Main topics x (volume, negative share) by touchpoint, stage or department, via the runner (two queries)."""
    from opencxm.analytics.runner import QuerySpec, run

    parents = list(Topic.objects.filter(parent__isnull=True, active=True).order_by("key"))
    spec = {"group_by": ("topic", dimension), "start": start, "end": end, "topics": tuple(t.pk for t in parents)}
    volume = {(r.key["topic"], r.key[dimension]): r.estimate for r in run(QuerySpec("topic_volume", **spec))}
    negative = {
        (r.key["topic"], r.key[dimension]): r.estimate for r in run(QuerySpec("sentiment_negative_share", **spec))
    }
    columns = sorted({key for _topic, key in volume if key is not None})
    names = _dimension_names(dimension, columns)
    rows = [
        (parent, [(volume[(parent.pk, key)], negative.get((parent.pk, key))) if (parent.pk, key) in volume else None
                  for key in columns])
        for parent in parents
        if any((parent.pk, key) in volume for key in columns)
    ]  # fmt: skip
    # The same cells the other way round, for the page: one row per touchpoint, stage or department (there may be
    # dozens) and one column per main topic (a handful), so the table fits the screen.
    topics = [parent for parent, _cells in rows]
    items = [(key, names.get(key, "–"), [cells[index] for _parent, cells in rows]) for index, key in enumerate(columns)]
    return {"columns": [(key, names.get(key, "–")) for key in columns], "rows": rows, "topics": topics, "items": items}


def _dimension_names(dimension: str, ids) -> dict:
    from opencxm.analytics.selectors import model_for

    model = model_for(dimension)
    return {obj.pk: str(obj) for obj in model.objects.filter(pk__in=ids)}


# --- emerging topics ---------------------------------------------------------------------------------------


def unmatched_recent(*, days: int = 90, limit: int = 3000):
    """Recent analysed comments that no topic matches, negatives first."""
    from django.utils import timezone

    since = timezone.now() - timedelta(days=days)
    analyses = (
        CommentAnalysis.objects.filter(feedback__responded_at__gte=since)
        .exclude(topic_links__removed=False)
        .select_related("feedback")
        .order_by("-feedback__responded_at", "-id")
    )
    rows = list(analyses[:limit])
    return sorted(rows, key=lambda a: a.sentiment != "negative")


def emerging_topics(*, access, days: int = 90, clusters: int = 6) -> list[dict]:
    """Clusters of recent unmatched comments with key terms and representative comments (TF-IDF + k-means)."""
    from opencxm.textanalytics import emerging

    analyses = unmatched_recent(days=days)
    texts = [a.redacted_text or a.feedback.comment for a in analyses]
    found = emerging.cluster(texts, [a.language for a in analyses], k=clusters)
    result = []
    for group in found:
        members = [analyses[i] for i in group["members"]]
        negative = sum(a.sentiment == "negative" for a in members)
        result.append(
            {
                "terms": group["terms"],
                "size": len(members),
                "negative": negative,
                "negative_share": round(100 * negative / len(members)) if members else 0,
                "examples": [
                    {
                        "analysis": analyses[i],
                        "html": highlight(comment_for(access, analyses[i].feedback), group["terms"]),
                    }
                    for i in group["representatives"]
                ],
                "rule": _rule_from_terms(group["terms"]),
            }
        )
    return sorted(result, key=lambda g: (-g["negative"], -g["size"]))


def _rule_from_terms(terms: list[str]) -> str:
    """A starting rule from a group's key terms: the first term and any of the next two (prefixes)."""
    if len(terms) >= 3:
        return f"{terms[0]}* AND ({terms[1]}* OR {terms[2]}*)"
    return " OR ".join(f"{term}*" for term in terms)


# --- corrections and model quality -------------------------------------------------------------------------


def analysis_get(feedback_public_id) -> CommentAnalysis:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        CommentAnalysis.objects.select_related("feedback__touchpoint", "feedback__source", "corrected_by"),
        feedback__public_id=feedback_public_id,
    )


def analysis_topics(analysis: CommentAnalysis) -> list[CommentTopic]:
    return list(analysis.topic_links.select_related("topic").order_by("topic__key"))


def correction_count() -> int:
    return CommentAnalysis.objects.exclude(corrected_sentiment="").count()


def classifier_latest() -> ClassifierModel | None:
    return ClassifierModel.objects.filter(kind="sentiment").first()


def topic_classifier_latest() -> ClassifierModel | None:
    return ClassifierModel.objects.filter(kind="topics").first()


def topic_model_rows(model: ClassifierModel | None) -> list[dict]:
    """The topic classifier's held-back figures per topic, with the topic's name (rules alone beside the model)."""
    if model is None:
        return []
    rows = [dict(row) for row in (model.metrics or {}).get("topics", [])]
    topics = {t.key: t for t in Topic.objects.filter(key__in=[row["key"] for row in rows]).select_related("parent")}
    for row in rows:
        topic = topics.get(row["key"])
        row["name"] = (
            (f"{topic.parent.name} › {topic.name}" if topic.parent_id else topic.name) if topic else row["key"]
        )
        row["pair"] = [row["rules"], row["model"]]
    return rows


def enrichment_latest() -> EnrichmentRun | None:
    return EnrichmentRun.objects.first()


def analysed_feedback(*, language="", sentiment="", topic=""):
    """Feedback ids for the explorer: analysed comments of a language, effective sentiment and topic (public id;
    a main topic includes its subtopics)."""
    rows = CommentAnalysis.objects.all()
    if language:
        rows = rows.filter(language=language)
    if sentiment:
        rows = rows.filter(Q(corrected_sentiment=sentiment) | Q(corrected_sentiment="", sentiment_label=sentiment))
    if topic:
        in_topic = Q(topic_links__topic__public_id=topic) | Q(topic_links__topic__parent__public_id=topic)
        rows = rows.filter(in_topic, topic_links__removed=False)
    return rows.values("feedback_id")
