"""Property tests: metrics read from the incrementally maintained rollups equal the same metrics computed
from the raw feedback rows, for random data, groupings and incremental updates."""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencxm.analytics import stats
from opencxm.analytics.models import FeedbackRollup, FeedbackRollupMonth
from opencxm.analytics.rollups import local_day, rollup_rebuild, rollup_refresh
from opencxm.analytics.runner import QuerySpec, run
from opencxm.feedback.models import DataSource, Feedback
from tests import factories as f

START = datetime(2026, 1, 1, tzinfo=UTC)

record = st.tuples(
    st.integers(0, 80),  # day offset
    st.integers(0, 23),  # hour (UTC): late hours fall on the next Berlin day
    st.integers(0, 2),  # touchpoint index
    st.sampled_from(["response", "response", "complaint"]),
    st.one_of(st.none(), st.integers(0, 10)),
    st.one_of(st.none(), st.integers(1, 5)),
    st.one_of(st.none(), st.integers(1, 7)),
    st.booleans(),  # has a comment
)


@pytest.fixture
def setting(db):
    departments = [f.DepartmentFactory(), f.DepartmentFactory()]
    touchpoints = [f.TouchpointFactory(owner_department=departments[i % 2]) for i in range(3)]
    stage_a = f.StageFactory(position=1)
    stage_b = f.StageFactory(journey=stage_a.journey, position=2)
    f.JourneyStepFactory(stage=stage_a, touchpoint=touchpoints[0], position=1)
    f.JourneyStepFactory(stage=stage_a, touchpoint=touchpoints[1], position=2)
    f.JourneyStepFactory(stage=stage_b, touchpoint=touchpoints[1], position=1)
    source = DataSource.objects.create(name="Umfrage")
    return {"touchpoints": touchpoints, "stages": [stage_a, stage_b], "source": source}


def _store(setting, records):
    Feedback.objects.all().delete()
    FeedbackRollup.objects.all().delete()
    FeedbackRollupMonth.objects.all().delete()
    rows = []
    for index, (offset, hour, tp, kind, nps, csat, ces, has_comment) in enumerate(records):
        rows.append(
            Feedback(
                source=setting["source"],
                external_id=str(index),
                kind=kind,
                responded_at=START + timedelta(days=offset, hours=hour),
                touchpoint=setting["touchpoints"][tp],
                nps=nps,
                csat=csat,
                ces=ces,
                comment="Text" if has_comment else "",
            )
        )
    Feedback.objects.bulk_create(rows)
    return rows


def _raw(rows, metric, key_of):
    groups = defaultdict(list)
    for row in rows:
        for key in key_of(row):
            groups[key].append(row)
    result = {}
    for key, members in groups.items():
        if metric == "nps":
            rated = [r.nps for r in members if r.nps is not None]
            estimate = stats.nps(sum(v >= 9 for v in rated), sum(v <= 6 for v in rated), len(rated))
        elif metric == "csat":
            rated = [r.csat for r in members if r.csat is not None]
            estimate = stats.share(sum(v >= 4 for v in rated), len(rated))
        elif metric == "ces":
            rated = [r.ces for r in members if r.ces is not None]
            estimate = stats.mean(sum(rated), sum(v * v for v in rated), len(rated))
        else:  # responses
            count = sum(r.kind == "response" for r in members)
            estimate = stats.Estimate(float(count), count)
            if count == 0:
                continue
        result[key] = (estimate.value, estimate.n)
    return result


def _approx(mapping):
    """Value (rounded) and sample size per group: both must match, a doubled slice keeps ratios but not n."""
    return {k: (round(v, 6) if v is not None else None, n) for k, (v, n) in mapping.items()}


def _from_rollup(spec):
    return _approx({tuple(row.key.values()): (row.estimate.value, row.estimate.n) for row in run(spec)})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(record, min_size=1, max_size=60), metric=st.sampled_from(["nps", "csat", "ces", "responses"]))
def test_rollup_equals_raw_computation(setting, records, metric):
    rows = _store(setting, records)
    rollup_refresh(source_id=setting["source"].id, days={local_day(r.responded_at) for r in rows})
    tps = {tp.id: i for i, tp in enumerate(setting["touchpoints"])}
    stage_of = {0: [setting["stages"][0].id], 1: [s.id for s in setting["stages"]], 2: []}

    def month(row):
        day = local_day(row.responded_at)
        return date(day.year, day.month, 1)

    expected = _approx(_raw(rows, metric, lambda r: [(r.touchpoint_id,)]))
    expected = {k: v for k, v in expected.items() if v[0] is not None}
    got = {k: v for k, v in _from_rollup(QuerySpec(metric, ("touchpoint",))).items() if v[0] is not None}
    assert got == expected

    expected = _approx(_raw(rows, metric, lambda r: [(month(r), r.touchpoint.owner_department_id)]))
    expected = {k: v for k, v in expected.items() if v[0] is not None}
    got = {k: v for k, v in _from_rollup(QuerySpec(metric, ("time", "department"))).items() if v[0] is not None}
    assert got == expected

    expected = _approx(_raw(rows, metric, lambda r: [(s,) for s in stage_of[tps[r.touchpoint_id]]]))
    expected = {k: v for k, v in expected.items() if v[0] is not None}
    got = {k: v for k, v in _from_rollup(QuerySpec(metric, ("stage",))).items() if v[0] is not None}
    assert got == expected


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(record, min_size=2, max_size=40), changes=st.lists(st.integers(0, 10), min_size=1, max_size=5))
def test_incremental_refresh_after_updates_equals_full_rebuild(setting, records, changes):
    rows = _store(setting, records)
    rollup_refresh(source_id=setting["source"].id, days={local_day(r.responded_at) for r in rows})
    touched = set()
    for position, new_nps in enumerate(changes):
        feedback = Feedback.objects.get(external_id=str(position % len(rows)))
        touched.add(local_day(feedback.responded_at))
        feedback.responded_at += timedelta(days=3)
        feedback.nps = new_nps
        feedback.save()
        touched.add(local_day(feedback.responded_at))
    rollup_refresh(source_id=setting["source"].id, days=touched)
    incremental = _from_rollup(QuerySpec("nps", ("time", "touchpoint"), grain="day"))
    monthly = _from_rollup(QuerySpec("nps", ("time", "touchpoint"), grain="month"))
    rollup_rebuild(resume=False)
    assert _from_rollup(QuerySpec("nps", ("time", "touchpoint"), grain="day")) == incremental
    assert _from_rollup(QuerySpec("nps", ("time", "touchpoint"), grain="month")) == monthly


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    records=st.lists(record, min_size=1, max_size=60),
    metric=st.sampled_from(["nps", "csat", "ces", "responses"]),
    start=st.one_of(st.none(), st.integers(-3, 85)),
    length=st.one_of(st.none(), st.integers(0, 90)),
)
def test_any_period_equals_raw_computation(setting, records, metric, start, length):
    """Periods that mix whole months (monthly rollup) and partial months (daily rollup) at either edge."""
    rows = _store(setting, records)
    rollup_refresh(source_id=setting["source"].id, days={local_day(r.responded_at) for r in rows})
    first = None if start is None else START.date() + timedelta(days=start)
    last = None if length is None else (first or START.date()) + timedelta(days=length)
    if first and last and first > last:
        return

    def inside(row):
        day = local_day(row.responded_at)
        return (first is None or day >= first) and (last is None or day <= last)

    def month(row):
        day = local_day(row.responded_at)
        return date(day.year, day.month, 1)

    chosen = [r for r in rows if inside(r)]
    expected = _approx(_raw(chosen, metric, lambda r: [()]))
    expected = {k: v for k, v in expected.items() if v[0] is not None}
    got = {k: v for k, v in _from_rollup(QuerySpec(metric, (), start=first, end=last)).items() if v[0] is not None}
    assert got == expected
    expected = _approx(_raw(chosen, metric, lambda r: [(month(r), r.touchpoint_id)]))
    expected = {k: v for k, v in expected.items() if v[0] is not None}
    spec = QuerySpec(metric, ("time", "touchpoint"), start=first, end=last)
    got = {k: v for k, v in _from_rollup(spec).items() if v[0] is not None}
    assert got == expected


def test_nps_confidence_interval_matches_known_values():
    estimate = stats.nps(promoters=50, detractors=20, n=100)
    assert estimate.value == pytest.approx(30.0)
    # variance = (0.5 + 0.2 - 0.3**2) / 100 = 0.0061; half width = 1.96 * sqrt(0.0061) * 100
    assert estimate.high - estimate.value == pytest.approx(1.959963984540054 * 0.0061**0.5 * 100)
