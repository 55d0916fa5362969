"""The demo company's CX team has corrected comment analyses, and the classifiers learnt from them (issue 4).

Loaded by `demo.loader` after the year of feedback and the default topic taxonomy, only when there is demo
feedback. What it does, through the same services a user's correction and `opencxm train_classifier` use:

- **Which comments**: a seeded sample of demo comments from before the case window of `demo.loop` (so no
  correction interferes with the loop's cases). Each comment is composed from the sentences of
  `demo.comments`; matching those sentences back tells what the customer wrote about (the demo topic, see
  `TRUTH`) and with which sentiment (negative, mixed = neutral, positive). The configured engine analyses the
  sample in memory; a comment is corrected only where the engine is actually wrong: the rules missed the
  topic (e.g. "Der Techniker kam nicht" without "Techniker & Termin › Termin nicht eingehalten"), tagged a
  topic the comment is not about (e.g. "Störung & Ausfall" for "Der erste Termin ist ausgefallen", see
  `_wrong`), or rated the sentiment wrong (e.g. a mixed comment rated positive, a complaint rated neutral).
  About two thirds are topic corrections (each learnt topic needs corrected comments with and without it),
  the rest sentiment only. Every correction records the sentiment as the team reads it (negative, mixed =
  neutral, positive): a fix where the engine was wrong, else the predicted one confirmed, as a user does who
  picks the sentiment in the correction form. Trained on wrong predictions alone, the sentiment classifier
  would see almost no positive comments (the engine rarely gets those wrong) and pull praise to neutral.
- **Who and when**: the CX team member (`team`, most) and the CX lead (`lead`), the roles that may correct
  (``can_edit_all``), each a few days after the comment came in, in working hours, on the *demo clock*
  (`loop.demo_clock`), so the correction times, audit entries and "corrected by … on …" lie in the demo year.
- **How**: the sampled comments are analysed first (`enrich_feedback`, as the worker would), then corrected
  with `analysis_correct` (kept by every later re-enrichment). Each of these writes refreshes the topic
  rollups of its days; here the refreshes are collected and run once per source for all those days at the
  end, in the same transaction (the same rows; 240 single-day refreshes took 14 s of a 50 s demo load on
  SQLite). Then both classifiers are trained once, on the
  last day of the demo year, by the CX lead: `classifier_train` (sentiment) and `topic_classifier_train`
  (topics), the code paths of `opencxm train_classifier`; the page "Corrections & model" shows their quality
  on the held-back corrections, and the rules against rules + classifier per topic. The comments are analysed
  again with the classifiers in the background (the enrichment the loader already queues).

Idempotent: when the demo users' corrections exist, nothing is corrected again; a classifier is trained only
when this run made corrections or none exists yet. A second load only reads. When the demo feedback is
replaced (another scale), its analyses and corrections go with it and the next load makes them again.
"""

import random
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q

from opencxm.demo import comments as demo_comments
from opencxm.demo import feedback as demo_feedback

SEED = 4  # the correction sample (seed 002's company; its own stream)
TARGET = 240  # corrected comments at the full demo year (fewer when the sample has fewer engine errors)
CANDIDATES = 2400  # comments the CX team looked at (sampled from the demo comments before the case window)
TOPIC_SHARE = 2 / 3  # of the corrections: comments with a topic correction (the rest: sentiment only)
CORRECTORS = ("team", "lead")  # CX team and CX lead: the roles allowed to correct (can_edit_all)
TEAM_SHARE = 0.75  # of the corrections made by the CX team member, the rest by the CX lead
TRAINER = "lead"
SENTIMENTS = {demo_comments.NEG: "negative", demo_comments.MIX: "neutral", demo_comments.POS: "positive"}

# What a comment built from a demo topic's sentences is about, as a default taxonomy topic. Demo topics not
# named here (price in general, advice, shop, letters, complaints, chatbot, SMS, moving) are left alone: the
# taxonomy has no exact topic for them, so the team does not correct their topics.
TRUTH = {
    "wartezeit": "reach.hotline_wait",
    "sprachmenue": "reach.hotline_wait",
    "technikertermin": "technician.scheduling",
    "installation": "technician.work_quality",
    "freundlich": "service.friendliness",
    "stoerung": "network.outage",
    "wlan": "network.speed",
    "preiserhoehung": "billing.price_increase",
    "vertragslaufzeit": "contract.terms",
    "kuendigung": "contract.cancellation",
    "router_versand": "device.delivery",
    "app": "digital.app",
    "app_login": "digital.app",
    "website": "digital.website",
}
# Per sentiment where the subject differs: a technician who did not come (or came late) is a missed
# appointment; one who came on time and worked cleanly is about the technician's work.
TRUTH_BY_SENTIMENT = {
    ("techniker_kam_nicht", demo_comments.NEG): "technician.missed_appointment",
    ("techniker_kam_nicht", demo_comments.MIX): "technician.missed_appointment",
    ("techniker_kam_nicht", demo_comments.POS): "technician.work_quality",
    ("schnelle_loesung", demo_comments.NEG): "service.resolution",
    ("rueckruf", demo_comments.NEG): "reach.no_callback",
    ("rueckruf", demo_comments.MIX): "reach.no_callback",
    ("rechnung", demo_comments.NEG): "billing.wrong_invoice",
    ("rechnung", demo_comments.MIX): "billing.wrong_invoice",
}


def _wrong(key: str, topics: set[str], sentiment: str) -> bool:
    """A topic the rules found that the comment is clearly not about (the team removes it)."""
    if key.startswith("energy."):
        return True  # meter readings and instalments: an energy topic, Musterfrau AG sells internet
    if key == "network.outage":
        return not topics & {"stoerung", "wlan"}  # "Der erste Termin ist ausgefallen", "seit … am Telefon"
    if key == "device.defect":
        return sentiment == demo_comments.POS and topics <= {"router_versand"}  # "… hat gut funktioniert"
    if key == "digital.website":
        return topics <= {"app", "app_login"}  # the login of the app
    if key == "technician.work_quality":
        return "techniker_kam_nicht" in topics and sentiment != demo_comments.POS and "installation" not in topics
    if key == "reach.hotline_wait":
        return not topics & {"wartezeit", "sprachmenue"}  # "Hotline wusste von nichts"
    return False


@dataclass
class _Reading:
    """What a comment says according to its demo sentences."""

    topics: set[str]
    sentiment: str

    @property
    def truth(self) -> set[str]:
        keys = {TRUTH[topic] for topic in self.topics if topic in TRUTH}
        keys |= {
            TRUTH_BY_SENTIMENT[(t, self.sentiment)] for t in self.topics if (t, self.sentiment) in TRUTH_BY_SENTIMENT
        }
        return keys


@dataclass
class _Correction:
    feedback_id: int
    responded_at: datetime
    sentiment: str  # as the team reads it: negative, neutral (mixed) or positive
    add: set[str] = field(default_factory=set)
    remove: set[str] = field(default_factory=set)


def _normal(text: str) -> str:
    return text.translate(demo_comments.UMLAUTS).lower()


def _patterns() -> list[tuple[str, str, re.Pattern]]:
    """(demo topic, sentiment, pattern) for every topic sentence; slots match anything, case and umlauts
    written out do not matter, the final full stop is optional (some comments end in "!!!")."""
    patterns = []
    for topic, languages in demo_comments.TOPICS.items():
        for sentences in languages.values():
            for sentiment, texts in sentences.items():
                for text in texts:
                    parts = re.split(r"\{\w+\}", _normal(text).rstrip(".!"))
                    patterns.append((topic, sentiment, re.compile(r".+?".join(re.escape(p) for p in parts))))
    return patterns


def read(comment: str, patterns=None) -> _Reading | None:
    """The demo topics and the sentiment of a demo comment; None when its sentences are not recognised (a
    typo) or disagree."""
    normal = _normal(comment)
    found = [(topic, sentiment) for topic, sentiment, pattern in patterns or _patterns() if pattern.search(normal)]
    sentiments = {sentiment for _, sentiment in found}
    if not found or len(sentiments) != 1:
        return None
    return _Reading({topic for topic, _ in found}, sentiments.pop())


def load_corrections(*, log=print) -> dict[str, int]:
    """Corrections by the demo CX team and the classifiers trained on them; creates only what is missing."""
    from opencxm.accounts.models import User
    from opencxm.textanalytics.models import ClassifierModel, CommentAnalysis

    started = time.perf_counter()
    users = {user.username: user for user in User.objects.filter(username__in=CORRECTORS)}
    if set(users) != set(CORRECTORS):
        return {"corrections": 0, "classifiers": 0}
    made = 0
    if not CommentAnalysis.objects.filter(corrected_by__in=users.values()).exists():
        made = _correct(users)
    trained = []
    kinds = set(ClassifierModel.objects.exclude(blob=None).values_list("kind", flat=True))
    if made or "sentiment" not in kinds or "topics" not in kinds:
        trained = _train(users[TRAINER], kinds=None if made else {"sentiment", "topics"} - kinds)
    if made or trained:
        log(
            f"Text analytics: {made} comments corrected by the CX team; trained: {', '.join(trained) or 'nothing'} "
            f"in {time.perf_counter() - started:.1f} s."
        )
    return {"corrections": made, "classifiers": len(trained)}


def _candidates() -> list[tuple[int, str, datetime]]:
    """A seeded sample of demo comments from before the case window of demo.loop, in id order."""
    from opencxm.demo import loop
    from opencxm.feedback.models import Feedback

    window = loop._at(loop.WINDOW_START, 0)
    rows = Feedback.objects.filter(Q(external_id__startswith=demo_feedback.PREFIX), responded_at__lt=window).exclude(
        comment=""
    )
    ids = list(rows.order_by("id").values_list("id", flat=True))
    rng = random.Random(SEED)
    chosen = sorted(rng.sample(ids, min(CANDIDATES, len(ids))))
    found = rows.filter(id__in=chosen).order_by("id").values_list("id", "comment", "language", "responded_at")
    return list(found)


def _plan() -> list[_Correction]:
    """The corrections the team makes: the engine's real mistakes on the sampled comments."""
    from opencxm.textanalytics.services import engine_for, taxonomy_for_engine

    patterns = _patterns()
    rows = [(row, reading) for row in _candidates() if (reading := read(row[1], patterns)) is not None]
    if not rows:
        return []
    results = engine_for(None, taxonomy_for_engine()).analyze_many(
        [row[1] for row, _ in rows], [row[2] or None for row, _ in rows]
    )
    topic_fixes, sentiment_fixes = [], []
    for (row, reading), result in zip(rows, results, strict=True):
        predicted = {match.key for match in result.topics}
        correction = _Correction(row[0], row[3], SENTIMENTS[reading.sentiment])
        correction.add = reading.truth - predicted
        correction.remove = {key for key in predicted if _wrong(key, reading.topics, reading.sentiment)}
        if correction.add or correction.remove:
            topic_fixes.append(correction)
        elif result.sentiment_label != correction.sentiment:
            sentiment_fixes.append(correction)
    rng = random.Random(SEED)
    want_topics = round(TARGET * TOPIC_SHARE)
    chosen = rng.sample(topic_fixes, min(want_topics, len(topic_fixes)))
    chosen += rng.sample(sentiment_fixes, min(TARGET - len(chosen), len(sentiment_fixes)))
    return sorted(chosen, key=lambda c: c.feedback_id)


def _correct(users: dict) -> int:
    """Analyse the planned comments (as the worker would) and correct them on the demo clock."""
    from django.db import transaction

    from opencxm.demo import loop
    from opencxm.textanalytics import services
    from opencxm.textanalytics.models import CommentAnalysis, Topic

    plan = _plan()
    if not plan:
        return 0
    topics = {topic.key: topic for topic in Topic.objects.filter(active=True)}
    rng = random.Random(SEED + 1)
    end = loop._cutoff() - timedelta(hours=8)  # before the training (see _train)
    # one topic-rollup refresh per source at the end (services.topic_rollups_deferred), not one per correction
    with transaction.atomic(), services.topic_rollups_deferred():
        services.enrich_feedback(feedback_ids=[c.feedback_id for c in plan])
        analyses = CommentAnalysis.objects.filter(feedback_id__in=[c.feedback_id for c in plan])
        analyses = {analysis.feedback_id: analysis for analysis in analyses}
        timed = []
        for correction in plan:
            moment = loop._working_time(
                correction.responded_at + timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 8))
            )
            actor = users["team"] if rng.random() < TEAM_SHARE else users["lead"]
            timed.append((min(moment, end), correction, actor))
        made = 0
        for moment, correction, actor in sorted(timed, key=lambda item: (item[0], item[1].feedback_id)):
            analysis = analyses.get(correction.feedback_id)
            if analysis is None:
                continue
            current = set(analysis.topic_links.filter(removed=False).values_list("topic__key", flat=True))
            add = [topics[key] for key in sorted(correction.add - current) if key in topics]
            remove = [topics[key] for key in sorted(correction.remove & current) if key in topics]
            if not (add or remove or correction.sentiment != analysis.sentiment_label):
                continue
            with loop.demo_clock(moment):
                # the sentiment as read: a fix, or on a topic fix the right one confirmed
                services.analysis_correct(
                    actor=actor, analysis=analysis, sentiment=correction.sentiment, add=add, remove=remove
                )
            made += 1
    return made


def _train(actor, *, kinds: set[str] | None) -> list[str]:
    """Train the classifiers (both, or the missing `kinds`) on the last day of the demo year, as
    `opencxm train_classifier` does; the comments are analysed again in the background."""
    from opencxm.demo import loop
    from opencxm.textanalytics import services, topiclearning

    trained = []
    moment = loop._cutoff() - timedelta(hours=7)  # the demo year's last afternoon, after the last correction
    with loop.demo_clock(moment):
        if kinds is None or "sentiment" in kinds:
            try:
                services.classifier_train(actor=actor)
                trained.append("sentiment")
            except ValueError:
                pass
        if kinds is None or "topics" in kinds:
            try:
                services.topic_classifier_train(actor=actor)
                trained.append("topics")
            except topiclearning.TooFewCorrections:
                pass
    if trained:
        services.enrichment_enqueue()
    return trained
