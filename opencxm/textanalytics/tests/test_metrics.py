"""Topic and sentiment metrics through the one runner: the topic rollups equal the raw computation."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencxm.analytics import stats
from opencxm.analytics.rollups import local_day
from opencxm.analytics.runner import QuerySpec, run, run_one
from opencxm.feedback.models import Feedback
from opencxm.textanalytics import services
from opencxm.textanalytics.models import CommentAnalysis, CommentTopic, TopicRollup
from tests import factories as f
from tests.factories_textanalytics import SourceFactory, TopicFactory

START = datetime(2026, 1, 1, tzinfo=UTC)
LABELS = ["negative", "neutral", "positive"]
record = st.tuples(
    st.integers(0, 70),  # day offset
    st.integers(0, 23),  # hour (UTC)
    st.integers(0, 1),  # touchpoint
    st.sampled_from(LABELS),  # predicted
    st.sampled_from(["", "", *LABELS]),  # corrected
    st.one_of(st.none(), st.integers(0, 10)),
    st.lists(st.tuples(st.integers(0, 2), st.booleans()), max_size=3, unique_by=lambda t: t[0]),  # (topic, removed)
)


@pytest.fixture
def setting(db):
    main = TopicFactory(key="main")
    topics = [TopicFactory(key="main.a", parent=main), TopicFactory(key="main.b", parent=main), TopicFactory(key="c")]
    touchpoints = [f.TouchpointFactory(), f.TouchpointFactory()]
    return {"main": main, "topics": topics, "touchpoints": touchpoints, "source": SourceFactory()}


def _store(setting, records):
    Feedback.objects.all().delete()
    TopicRollup.objects.all().delete()
    rows = []
    for index, (offset, hour, tp, predicted, corrected, nps, links) in enumerate(records):
        feedback = Feedback.objects.create(
            source=setting["source"], external_id=str(index), responded_at=START + timedelta(days=offset, hours=hour),
            touchpoint=setting["touchpoints"][tp], nps=nps, comment="x",
        )  # fmt: skip
        analysis = CommentAnalysis.objects.create(
            feedback=feedback, sentiment_label=predicted, corrected_sentiment=corrected, engine="fast",
            engine_version="1", analysed_at=START,
        )  # fmt: skip
        for topic_index, removed in links:
            CommentTopic.objects.create(analysis=analysis, topic=setting["topics"][topic_index], removed=removed)
        kept = {setting["topics"][i].pk for i, removed in links if not removed}
        rows.append((feedback, corrected or predicted, kept))
    services.topic_rollup_refresh(source_id=setting["source"].pk, days={local_day(r[0].responded_at) for r in rows})
    return rows


def _raw(rows, wanted_topics, key):
    groups = defaultdict(list)
    for feedback, sentiment, topics in rows:
        if wanted_topics is None or topics & wanted_topics:
            groups[key(feedback)].append((feedback, sentiment))
    result = {}
    for group, members in groups.items():
        n = len(members)
        neg = sum(s == "negative" for _, s in members)
        scores = [fb.nps for fb, _ in members if fb.nps is not None]
        nps = stats.nps(sum(s >= 9 for s in scores), sum(s <= 6 for s in scores), len(scores))
        result[group] = (n, round(stats.share(neg, n).value, 6), nps.value and round(nps.value, 6), nps.n)
    return result


def _runner(setting, topics, group_by):
    spec = {"group_by": group_by, "topics": topics}
    volume = {tuple(r.key.values()): r.estimate for r in run(QuerySpec("topic_volume", **spec))}
    negative = {tuple(r.key.values()): r.estimate for r in run(QuerySpec("sentiment_negative_share", **spec))}
    nps = {tuple(r.key.values()): r.estimate for r in run(QuerySpec("topic_nps", **spec))}
    return {
        key: (int(volume[key].value), round(negative[key].value, 6), nps[key].value and round(nps[key].value, 6),
              nps[key].n)
        for key in volume if volume[key].value
    }  # fmt: skip


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(record, min_size=1, max_size=30))
def test_topic_rollups_equal_raw_computation(setting, records):
    rows = _store(setting, records)
    main, (a, b, c) = setting["main"], setting["topics"]
    by_touchpoint = lambda fb: (fb.touchpoint_id,)  # noqa: E731
    assert _runner(setting, (), ("touchpoint",)) == _raw(rows, None, by_touchpoint)
    assert _runner(setting, (a.pk,), ("touchpoint",)) == _raw(rows, {a.pk}, by_touchpoint)
    # a main topic counts a comment on several of its subtopics once
    assert _runner(setting, (main.pk,), ("touchpoint",)) == _raw(rows, {a.pk, b.pk}, by_touchpoint)
    assert _runner(setting, (c.pk,), ()) == _raw(rows, {c.pk}, lambda fb: ())


def test_topic_metrics_are_registered_and_grouped_by_topic(setting):
    rows = _store(
        setting,
        [(1, 10, 0, "negative", "", 3, [(0, False), (2, False)]), (2, 10, 1, "positive", "", 10, [(2, False)])],
    )
    assert len(rows) == 2
    main, (a, _b, c) = setting["main"], setting["topics"]
    by_topic = {row.key["topic"]: row.estimate.value for row in run(QuerySpec("topic_volume", group_by=("topic",)))}
    assert by_topic == {main.pk: 1.0, a.pk: 1.0, c.pk: 2.0}
    assert run_one(QuerySpec("sentiment_negative_share")).value == 50.0
    assert run_one(QuerySpec("sentiment_positive_share")).value == 50.0
    assert run_one(QuerySpec("topic_nps", topics=(c.pk,))).value == 0.0
