"""Discovery of a whole log (or all logs) read from the summaries kept on every write equals the general
computation from the per-case transitions: random logs, second imports into the same log, remapped activities,
the migration that fills the summaries for existing data, and the choice between the two paths."""

from datetime import date

import pytest
from django.apps import apps as django_apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencxm.events import aggregates, selectors, services
from opencxm.events.models import Activity, EdgeSummary, EventLog, VariantSummary
from tests.factories import TouchpointFactory
from tests.factories_events import write_events

ROWS = st.lists(
    st.tuples(st.sampled_from(["c1", "c2", "c3", "c4", "c5"]), st.sampled_from("ABCD"), st.integers(0, 240)),
    min_size=1,
    max_size=30,
)
counter = iter(range(10**6))


def _assert_same(filters: selectors.Filters) -> selectors.Discovery:
    fast, slow = selectors.discover(filters), selectors.discover(filters, summaries=False)
    assert fast == slow  # every field: counts, shares, variants, activities, starts, ends, loops, edge quantiles
    return fast


def _both(log_name: str) -> None:
    log = EventLog.objects.get(name=log_name)
    _assert_same(selectors.Filters(log=str(log.public_id)))
    _assert_same(selectors.Filters())


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=ROWS, second=ROWS)
def test_summaries_equal_the_general_computation_for_random_logs(first, second):
    name = f"random-{next(counter)}"  # examples share the database: each writes its own log
    write_events(first, log=name)
    _both(name)
    write_events(second, log=name)  # a second import into the same log: new cases and longer old ones
    _both(name)


@pytest.mark.django_db
def test_several_logs_repeated_import_and_remapped_activities():
    rows = [("c1", "A", 0), ("c1", "B", 10), ("c1", "C", 30), ("c2", "A", 0), ("c2", "B", 20), ("c2", "B", 50),
            ("c3", "A", 0), ("c3", "C", 7)]  # fmt: skip
    write_events(rows, log="one")
    write_events([("x", "A", 0), ("x", "B", 3), ("y", "B", 0), ("y", "D", 90)], log="two")
    write_events(rows, log="one")  # the same file again: nothing new, summaries unchanged
    result = _assert_same(selectors.Filters())
    assert result.cases == 5
    assert [(e.source, e.target, e.count, e.median_seconds, e.p90_seconds) for e in result.edges][:1] == [
        ("A", "B", 3, 600.0, 1080.0)
    ]
    _assert_same(selectors.Filters(log=str(EventLog.objects.get(name="one").public_id)))
    for activity in Activity.objects.all():
        services.activity_map(actor=None, activity=activity, touchpoint=TouchpointFactory())
    _both("two")
    write_events([("c3", "D", 9)], log="one")  # a case of one log grows: its log and the all-logs set follow
    _both("one")
    assert selectors.discover(selectors.Filters()).variants[3] == {"path": ["A", "C", "D"], "count": 1, "share": 0.2}


@pytest.mark.django_db
def test_all_logs_together_are_exact_without_a_summary_of_their_own():
    """All logs keep no summary (it would be ranked again on every write of any log): they are read from the
    step durations kept per log and variant, exactly."""
    write_events([("c1", "A", 0), ("c1", "B", 10), ("c2", "A", 0), ("c2", "B", 4), ("c2", "C", 5)], log="one")
    write_events([("z", "C", 0), ("z", "A", 1)], log="two")
    assert not EdgeSummary.objects.filter(log=None).exists() and not VariantSummary.objects.filter(log=None).exists()
    fast, exact = selectors.discover(selectors.Filters()), selectors.discover(selectors.Filters(), summaries=False)
    assert fast == exact and not fast.approximate
    _both("one")
    _both("two")


@pytest.mark.django_db
def test_fill_for_existing_data_equals_maintained_summaries():
    write_events([("c1", "A", 0), ("c1", "B", 10), ("c2", "A", 0), ("c2", "B", 5), ("c2", "A", 8)], log="one")
    write_events([("z", "B", 0), ("z", "A", 1)], log="two")
    kept = _summaries()
    EdgeSummary.objects.all().delete()
    VariantSummary.objects.all().delete()
    # with summaries the answer is exact; without, it comes from the month rows (a log beyond the summary size)
    assert selectors.discover(selectors.Filters(log=str(EventLog.objects.get(name="one").public_id))).approximate
    aggregates.refresh(EventLog.objects.values_list("id", flat=True), apps=django_apps)  # as migration 0004 does
    assert _summaries() == kept
    _both("one")


def _summaries():
    edges = EdgeSummary.objects.values_list("log", "from_activity", "to_activity", "count", "median_seconds",
                                            "p90_seconds")  # fmt: skip
    return sorted(edges, key=repr), sorted(VariantSummary.objects.values_list("log", "variant", "cases"), key=repr)


@pytest.mark.django_db
def test_any_other_filter_takes_the_general_path():
    write_events([("c1", "A", 0), ("c1", "B", 10), ("c2", "A", 0)], log="one")
    EdgeSummary.objects.all().delete()
    VariantSummary.objects.all().delete()
    assert selectors.discover(selectors.Filters(activity="A")).cases == 2
    assert selectors.discover(selectors.Filters(start=date(2026, 3, 2))).cases == 2
    assert selectors.discover(selectors.Filters(), summaries=False).cases == 2
