"""Discovery on a small constructed log with exact numbers; filters; the CLI; equality with pm4py on real logs."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from opencxm.events import selectors, services
from opencxm.events.models import EventLog
from tests.factories_events import ActivityFactory, write_events

ROWS = [  # (case, activity, minutes)
    ("c1", "A", 0), ("c1", "B", 10), ("c1", "C", 30),
    ("c2", "A", 0), ("c2", "B", 20), ("c2", "C", 25),
    ("c3", "A", 0), ("c3", "B", 5), ("c3", "B", 65), ("c3", "C", 70),
    ("c4", "A", 0), ("c4", "D", 60),
]  # fmt: skip
LOGS = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "event-logs"


def _edges(result):
    return [(e.source, e.target, e.count, e.median_seconds, e.p90_seconds) for e in result.edges]


@pytest.mark.django_db
def test_directly_follows_variants_starts_ends_and_loops():
    write_events(ROWS)
    result = selectors.discover(selectors.Filters())
    assert (result.cases, result.events) == (4, 12)
    assert _edges(result) == [
        ("A", "B", 3, 600.0, 1080.0),
        ("B", "C", 3, 300.0, 1020.0),
        ("A", "D", 1, 3600.0, 3600.0),
        ("B", "B", 1, 3600.0, 3600.0),
    ]
    assert result.variants == [
        {"path": ["A", "B", "C"], "count": 2, "share": 0.5},
        {"path": ["A", "B", "B", "C"], "count": 1, "share": 0.25},
        {"path": ["A", "D"], "count": 1, "share": 0.25},
    ]
    # count: events; cases: cases containing it; position: mean first position (0-based) in those cases
    assert result.activities == [
        {"name": "A", "count": 4, "cases": 4, "position": 0.0},
        {"name": "B", "count": 4, "cases": 3, "position": 1.0},
        {"name": "C", "count": 3, "cases": 3, "position": 7 / 3},
        {"name": "D", "count": 1, "cases": 1, "position": 1.0},
    ]  # fmt: skip
    assert result.starts == [{"name": "A", "count": 4}]
    assert result.ends == [{"name": "C", "count": 3}, {"name": "D", "count": 1}]
    assert result.loops == [{"name": "B", "cases": 1, "second": 1, "third": 0, "most": 2}]


@pytest.mark.django_db
def test_events_arriving_later_extend_the_case():
    write_events(ROWS[:2])
    write_events([("c1", "C", 30)])
    result = selectors.discover(selectors.Filters())
    assert result.variants == [{"path": ["A", "B", "C"], "count": 1, "share": 1.0}]
    assert _edges(result) == [("A", "B", 1, 600.0, 600.0), ("B", "C", 1, 1200.0, 1200.0)]


@pytest.mark.django_db
def test_filters_by_log_activity_and_period(world):
    write_events(ROWS)
    write_events([("x1", "A", 0, "hotline"), ("x1", "E", 1)], log="other")
    other = str(EventLog.objects.get(name="other").public_id)
    assert selectors.discover(selectors.Filters(log=other)).variants == [{"path": ["A", "E"], "count": 1, "share": 1.0}]
    assert selectors.discover(selectors.Filters(activity="D")).cases == 1
    assert selectors.discover(selectors.Filters(channel="hotline")).cases == 1
    from datetime import date

    assert selectors.discover(selectors.Filters(start=date(2026, 3, 3))).cases == 0
    assert selectors.discover(selectors.Filters(start=date(2026, 3, 2), end=date(2026, 3, 2))).cases == 5


@pytest.mark.django_db
def test_empty_selection():
    ActivityFactory(name="nothing")  # known, but no case contains it (an unknown name is an error)
    result = selectors.discover(selectors.Filters(activity="nothing"))
    assert result.as_json() == {"activities": [], "edges": [], "variants": [], "starts": [], "ends": [], "loops": [],
                                "cases": 0, "events": 0}  # fmt: skip


@pytest.mark.django_db
def test_cli_writes_the_documented_json(tmp_path):
    write_events(ROWS)
    output = tmp_path / "d.json"
    call_command("journeys", "discover", "--log", "test-log", "--output", str(output))
    data = json.loads(output.read_text())
    assert data["cases"] == 4 and data["events"] == 12
    assert data["edges"][0] == {"from": "A", "to": "B", "count": 3, "median_seconds": 600.0, "p90_seconds": 1080.0}
    assert data["variants"][0] == {"path": ["A", "B", "C"], "count": 2}
    assert data["activities"][0] == {"name": "A", "count": 4}


def _pm4py_numbers(path: Path):
    pm4py = pytest.importorskip("pm4py")
    log = pm4py.read_xes(str(path), show_progress_bar=False)
    dfg, _, _ = pm4py.discover_dfg(log)
    variants = pm4py.get_variants(log)
    return dict(dfg), {path: (len(v) if isinstance(v, list) else v) for path, v in variants.items()}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["running-example.xes", "helpdesk.xes.gz"])
def test_directly_follows_and_variants_equal_pm4py(name):
    path = LOGS / name
    if not path.exists():
        pytest.skip("real event logs not available")
    dfg, variants = _pm4py_numbers(path)
    services.events_import_file(actor=None, path=path, filename=name, log_name=name)
    result = selectors.discover(selectors.Filters())
    assert {(e.source, e.target): e.count for e in result.edges} == dfg
    assert {tuple(v["path"]): v["count"] for v in result.variants} == variants
    assert result.cases == sum(variants.values())
