"""Filtered discovery from the per-day rows (a period, with or without a log) and from histograms grouped in the
database (any other filter) equals the exact general computation: the same cases, variants, activities, starts,
ends, loops and edge counts, and median/p90 within aggregates.ALPHA. The day rows follow second writes (cases
that grow or start earlier), deleted logs, and equal a recomputation from scratch."""

from datetime import date, timedelta

import numpy as np
import pytest
from django.apps import apps as django_apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencxm.events import aggregates, selectors
from opencxm.events.models import DayEdge, DayVariant, EventLog, MonthEdge, MonthVariant
from tests.factories_events import T0, ActivityFactory, write_events

DAY0 = date(2026, 3, 2)  # T0 is 10:00 local (Europe/Berlin); local midnight is 14 h after it
ROWS = st.lists(
    st.tuples(st.sampled_from(["c1", "c2", "c3", "c4", "c5", "c6"]), st.sampled_from("ABCD"), st.integers(0, 4000)),
    min_size=1,
    max_size=30,
)
PERIODS = st.tuples(st.integers(-1, 3), st.integers(0, 3))
counter = iter(range(10**6))


def _close(fast: float, exact: float) -> bool:
    return abs(fast - exact) <= aggregates.ALPHA * abs(exact) + 1e-9


def _assert_equivalent(filters: selectors.Filters) -> selectors.Discovery:
    fast, exact = selectors.discover(filters), selectors.discover(filters, summaries=False)
    assert not exact.approximate
    every_log = selectors._whole_logs(filters) and not filters.log
    if selectors._variants_only(filters) or every_log:  # whole variants: exact, from the per-variant durations
        assert not fast.approximate and fast.edges == exact.edges
    else:
        assert fast.approximate == bool(fast.cases)
    for name in ("cases", "events", "activities", "variants", "starts", "ends", "loops"):
        assert getattr(fast, name) == getattr(exact, name), name
    assert [(e.source, e.target, e.count) for e in fast.edges] == [(e.source, e.target, e.count) for e in exact.edges]
    for mine, theirs in zip(fast.edges, exact.edges, strict=True):
        assert _close(mine.median_seconds, theirs.median_seconds), (mine, theirs)
        assert _close(mine.p90_seconds, theirs.p90_seconds), (mine, theirs)
    return fast


def _day_rows() -> tuple[list, list]:
    variants = sorted(DayVariant.objects.values_list("log_id", "day", "variant_id", "cases"))
    edges = sorted(
        DayEdge.objects.values_list("log_id", "day", "from_activity_id", "to_activity_id", "bucket", "count", "low",
                                    "high")
    )  # fmt: skip
    months = sorted(MonthVariant.objects.values_list("log_id", "month", "variant_id", "cases"))
    month_edges = sorted(
        MonthEdge.objects.values_list("log_id", "month", "from_activity_id", "to_activity_id", "bucket", "count",
                                      "low", "high")
    )  # fmt: skip
    return variants, edges, months, month_edges


def _assert_rows_as_recomputed() -> None:
    """The rows kept write by write equal the rows computed from scratch."""
    kept = _day_rows()
    for model in (DayVariant, DayEdge, MonthVariant, MonthEdge):
        model.objects.all().delete()
    aggregates.refresh_logs_days(EventLog.objects.values_list("id", flat=True))
    assert _day_rows() == kept


def _period(first: int, length: int) -> selectors.Filters:
    return selectors.Filters(start=DAY0 + timedelta(days=first), end=DAY0 + timedelta(days=first + length))


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=ROWS, second=ROWS, other=ROWS, period=PERIODS)
def test_period_discovery_equals_the_exact_computation(first, second, other, period):
    name = f"days-{next(counter)}"  # examples share the database: each writes its own logs
    write_events(first, log=name)
    write_events(other, log=name + "-other")
    log = str(EventLog.objects.get(name=name).public_id)
    for filters in (_period(*period), selectors.Filters(log=log, start=_period(*period).start),
                    selectors.Filters(log=log, end=_period(*period).end)):  # fmt: skip
        _assert_equivalent(filters)
    write_events(second, log=name)  # cases grow, and may start earlier (on another day)
    _assert_equivalent(selectors.Filters(log=log, start=_period(*period).start, end=_period(*period).end))
    _assert_equivalent(_period(*period))
    _assert_rows_as_recomputed()


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, activity=st.sampled_from("ABCD"), period=PERIODS)
def test_case_level_filters_group_histograms_in_the_database(rows, activity, period, world):
    name = f"cases-{next(counter)}"
    for known in "ABCD":  # every activity the strategy can ask for exists (an unknown name is an error)
        ActivityFactory(name=known)
    write_events([(case, name_, minutes, "hotline" if minutes % 3 == 0 else "") for case, name_, minutes in rows],
                 log=name)  # fmt: skip
    log = str(EventLog.objects.get(name=name).public_id)
    result = _assert_equivalent(selectors.Filters(log=log, activity=activity))
    assert result.cases == len({case for case, name_, _minutes in rows if name_ == activity})
    _assert_equivalent(selectors.Filters(log=log, channel="hotline", start=_period(*period).start))


LONG_ROWS = st.lists(
    st.tuples(st.sampled_from(["c1", "c2", "c3", "c4", "c5", "c6"]), st.sampled_from("ABC"),
              st.integers(-70, 70).map(lambda days: days * 1440 + days % 7 * 97)),
    min_size=1,
    max_size=25,
)  # fmt: skip
DAYS = st.one_of(st.none(), st.integers(-80, 80).map(lambda n: DAY0 + timedelta(days=n)))


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=LONG_ROWS, second=LONG_ROWS, start=DAYS, end=DAYS)
def test_periods_over_months_read_month_and_day_rows(first, second, start, end):
    name = f"months-{next(counter)}"
    write_events(first, log=name)
    write_events(second, log=name + "-other")
    log = str(EventLog.objects.get(name=name).public_id)
    if start is None and end is None:
        start = DAY0 - timedelta(days=40)
    _assert_equivalent(selectors.Filters(start=start, end=end))
    _assert_equivalent(selectors.Filters(log=log, start=start, end=end))
    write_events(second, log=name)
    _assert_equivalent(selectors.Filters(log=log, start=start, end=end))
    _assert_rows_as_recomputed()


@pytest.mark.parametrize(
    ("start", "end", "months", "days"),
    [
        (date(2026, 1, 1), date(2026, 3, 31), (date(2026, 1, 1), date(2026, 3, 1)), []),
        (date(2026, 1, 15), date(2026, 3, 10), (date(2026, 2, 1), date(2026, 2, 1)),
         [(date(2026, 1, 15), date(2026, 1, 31)), (date(2026, 3, 1), date(2026, 3, 10))]),
        (date(2026, 2, 3), date(2026, 2, 20), (), [(date(2026, 2, 3), date(2026, 2, 20))]),
        (date(2026, 1, 31), date(2026, 2, 27), (), [(date(2026, 1, 31), date(2026, 2, 27))]),
        (None, date(2026, 2, 27), (None, date(2026, 1, 1)), [(date(2026, 2, 1), date(2026, 2, 27))]),
        (date(2025, 12, 2), None, (date(2026, 1, 1), None), [(date(2025, 12, 2), date(2025, 12, 31))]),
        (date(2024, 2, 1), date(2024, 2, 29), (date(2024, 2, 1), date(2024, 2, 1)), []),
    ],
)  # fmt: skip
def test_a_period_splits_into_whole_months_and_days(start, end, months, days):
    assert aggregates.period_split(start, end) == (months, days)


@pytest.mark.django_db
def test_a_case_that_starts_earlier_moves_to_its_new_day():
    write_events([("c1", "A", 900), ("c1", "B", 960), ("c2", "A", 0), ("c2", "C", 30)])  # c1 starts on day 2
    day2 = selectors.Filters(start=DAY0 + timedelta(days=1), end=DAY0 + timedelta(days=1))
    assert selectors.discover(day2).variants == [{"path": ["A", "B"], "count": 1, "share": 1.0}]
    write_events([("c1", "D", 5)])  # now c1 starts on day 1 with D
    assert selectors.discover(day2).cases == 0
    result = _assert_equivalent(selectors.Filters(start=DAY0, end=DAY0))
    assert [v["path"] for v in result.variants] == [["A", "C"], ["D", "A", "B"]]
    assert [(e.source, e.target, e.count, e.median_seconds) for e in result.edges] == [
        ("A", "B", 1, 3600.0), ("A", "C", 1, 1800.0), ("D", "A", 1, 53700.0)
    ]  # fmt: skip   # single durations are exact (a bucket's shortest and longest)
    _assert_rows_as_recomputed()


@pytest.mark.django_db
def test_deleting_a_log_deletes_its_day_rows():
    write_events([("c1", "A", 0), ("c1", "B", 10)], log="one")
    write_events([("x", "A", 0), ("x", "C", 20)], log="two")
    EventLog.objects.get(name="one").delete()
    assert set(DayVariant.objects.values_list("log__name", flat=True)) == {"two"}
    assert set(DayEdge.objects.values_list("log__name", flat=True)) == {"two"}
    result = _assert_equivalent(selectors.Filters(start=DAY0))
    assert result.variants == [{"path": ["A", "C"], "count": 1, "share": 1.0}]


@pytest.mark.django_db
def test_the_migration_fills_the_day_rows_of_existing_data():
    write_events([("c1", "A", 0), ("c1", "B", 10), ("c2", "A", 2000), ("c2", "B", 2001)])
    kept = _day_rows()
    for model in (DayVariant, DayEdge, MonthVariant, MonthEdge):
        model.objects.all().delete()
    aggregates.refresh_logs_days(EventLog.objects.values_list("id", flat=True), apps=django_apps)
    assert _day_rows() == kept
    assert [day for _log, day, _variant, _n in kept[0]] == [DAY0, DAY0 + timedelta(days=1)]


@given(values=st.lists(st.one_of(st.just(0.0), st.floats(1e-3, 1e8)), min_size=1, max_size=200))
def test_histogram_quantiles_are_within_alpha(values):
    ordered: dict[int, list] = {}
    for value in values:
        item = ordered.setdefault(aggregates.bucket_of(value), [0, value, value])
        item[0] += 1
        item[1], item[2] = min(item[1], value), max(item[2], value)
    histogram = [(bucket, *ordered[bucket]) for bucket in sorted(ordered)]
    for q in (0.5, 0.9):
        exact = float(np.quantile(values, q))
        assert _close(aggregates.histogram_quantile(histogram, len(values), q), exact)
    assert aggregates.histogram_quantile(histogram, len(values), 0.0) == min(values)
    assert aggregates.histogram_quantile(histogram, len(values), 1.0) == max(values)


def test_t0_is_the_documented_local_time():
    assert T0.astimezone(aggregates.zone()).hour == 10


def test_the_page_says_when_percentiles_are_approximate(client, world):
    write_events([("K1", "A", 0), ("K1", "B", 10, "hotline"), ("K2", "A", 0)])
    client.force_login(world.users["viewer"])
    note = "Näherungswerte"  # the viewer reads German: "median and 90th percentile are approximate"
    assert note not in client.get("/events/discover/").content.decode()  # a whole log: exact summaries
    assert note in client.get("/events/discover/", {"start": "2026-03-01"}).content.decode()
    assert note in client.get("/events/discover/", {"channel": "hotline"}).content.decode()
    # cases that contain an activity: whole variants, exact from the per-variant durations
    assert note not in client.get("/events/discover/", {"activity": "B"}).content.decode()
