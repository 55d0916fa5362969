"""The step durations kept per log, variant and step (durations.py) follow every write (new cases, cases that
grow and change variant, re-imports, a second log), equal a rebuild from the transitions, and give the
activity and handover filters exact results; rows that fell behind are never read."""

import numpy as np
import pytest
from django.apps import apps as django_apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencxm.events import durations, selectors
from opencxm.events.models import Activity, Case, EventLog, Transition, VariantDurations
from opencxm.events.tests.test_case_filters import _map
from tests.factories_events import write_events

ROWS = st.lists(
    st.tuples(st.sampled_from(["c1", "c2", "c3", "c4"]), st.sampled_from("ABC"), st.integers(0, 600)),
    min_size=1,
    max_size=20,
)
counter = iter(range(10**6))


def _kept() -> list[tuple]:
    return sorted(
        (log, variant, a, b, count, bytes(blob))
        for log, variant, a, b, count, blob in VariantDurations.objects.values_list(
            "log_id", "variant_id", "from_activity", "to_activity", "count", "seconds"
        )
    )


def _from_transitions() -> list[tuple]:
    """What the rows must hold, computed here from the transitions and cases."""
    collected: dict[tuple, list] = {}
    for log, variant, a, b, seconds in Transition.objects.filter(case__variant__isnull=False).values_list(
        "case__log_id", "case__variant_id", "from_activity_id", "to_activity_id", "seconds"
    ):
        collected.setdefault((log, variant, a, b), []).append(seconds)
    return sorted(
        (*key, len(values), np.sort(np.array(values, dtype="<f8")).tobytes()) for key, values in collected.items()
    )


def _assert_exact(filters: selectors.Filters) -> selectors.Discovery:
    fast, exact = selectors.discover(filters), selectors.discover(filters, summaries=False)
    assert not fast.approximate
    for name in ("cases", "events", "activities", "variants", "starts", "ends", "loops", "edges"):
        assert getattr(fast, name) == getattr(exact, name), name
    return fast


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=ROWS, second=ROWS, other=ROWS, activity=st.sampled_from("ABC"))
def test_rows_follow_writes_and_equal_a_rebuild(first, second, other, activity):
    name = f"durations-{next(counter)}"
    write_events(first, log=name)
    write_events(second, log=name)  # cases grow: their variant and steps change
    write_events(first, log=name)  # a re-import changes nothing
    write_events(other, log=name + "-other")
    kept = _kept()
    assert kept == _from_transitions()
    durations.rebuild(apps=django_apps)  # as migration 0010 does for existing data
    assert _kept() == kept
    log = str(EventLog.objects.get(name=name).public_id)
    Activity.objects.get_or_create(name=activity)  # an activity no event names yet selects nothing (no error)
    result = _assert_exact(selectors.Filters(log=log, activity=activity))
    assert result.cases == Case.objects.filter(log__public_id=log, events__activity__name=activity).distinct().count()
    _assert_exact(selectors.Filters(activity=activity))  # all logs: the rows of both logs together


@pytest.mark.django_db
def test_rows_that_fell_behind_are_not_read_and_the_next_write_mends_them(monkeypatch):
    write_events([("K1", "A", 0), ("K1", "B", 10), ("K2", "A", 0), ("K2", "B", 30), ("K3", "A", 5)], log="behind")
    log = str(EventLog.objects.get(name="behind").public_id)
    Case.objects.filter(key__isnull=False, events__activity__name="B").first().delete()  # not through a write
    read = []
    original = durations.read
    monkeypatch.setattr(durations, "read", lambda *args: read.append(original(*args)) or read[-1])
    # all logs: the cases are counted (a log's own summary would still count the deleted case until its next write)
    result = selectors.discover(selectors.Filters(activity="B"))
    assert read == [None] and result.approximate  # the general path, from the transitions
    assert result.cases == 1 and result.edges[0].count == 1
    write_events([("K4", "A", 0), ("K4", "B", 60)], log="behind")  # a write of the same variant rebuilds it
    assert _kept() == _from_transitions()
    fast = _assert_exact(selectors.Filters(log=log, activity="B"))
    assert fast.cases == 2 and fast.edges[0].count == 2


@pytest.mark.django_db
def test_a_handover_through_the_variants_is_exact():
    write_events([("K1", "Order", 0), ("K1", "Visit", 90), ("K2", "Order", 0), ("K2", "Visit", 30),
                  ("K3", "Order", 0)], log="handover")  # fmt: skip
    _map({"Order": "sales", "Visit": "field"})
    result = _assert_exact(selectors.Filters(handover="sales:field"))
    assert result.cases == 2
    assert (result.edges[0].median_seconds, result.edges[0].count) == (60 * 60.0, 2)


@pytest.mark.django_db
def test_reading_more_than_the_cap_takes_the_general_path(monkeypatch):
    write_events([("K1", "A", 0), ("K1", "B", 10), ("K2", "A", 0), ("K2", "B", 20)], log="cap")
    monkeypatch.setattr(durations, "READ_CAP", 1)
    result = selectors.discover(selectors.Filters(activity="B"))
    assert result.approximate and result.cases == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_of_one_log_keep_the_rows_exact():
    """Two writers add steps to the same cases at once (each in its own connection and transaction): the lock
    on the log row makes the second read the first's committed rows, so none of the steps is lost."""
    import threading

    from django.db import connection

    if connection.vendor == "sqlite":  # the suite's in-memory shared-cache database answers a second writer with
        # "table is locked" at once instead of waiting (an installation's file database in WAL mode waits, and
        # SQLite runs one write transaction at a time anyway); the lock is what PostgreSQL needs
        pytest.skip("concurrent writers need PostgreSQL or a file database")
    write_events([(f"k{i}", "A", 0) for i in range(20)], log="busy")
    errors = []

    def writer(activity: str, minutes: int) -> None:
        try:
            write_events([(f"k{i}", activity, minutes + i) for i in range(20)], log="busy")
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(name, minutes)) for name, minutes in (("B", 10), ("C", 20))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Transition.objects.filter(case__log__name="busy").count() == 40  # A -> B -> C for every case
    assert _kept() == _from_transitions()
    _assert_exact(selectors.Filters(activity="C"))


@pytest.mark.django_db
def test_sqlite_statistics_are_gathered_after_migrations_ran():
    from django.db import connection

    from opencxm.events.apps import _analyze_after_migrations

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's autovacuum gathers its own statistics")
    write_events([("K1", "A", 0), ("K1", "B", 10)], log="stats")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
        _analyze_after_migrations(None, plan=[])  # nothing migrated: nothing to do
        cursor.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        assert cursor.fetchone()[0] == 0
        _analyze_after_migrations(None, plan=[(object(), False)])
        cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'events_case'")
        assert cursor.fetchone()[0] > 0
