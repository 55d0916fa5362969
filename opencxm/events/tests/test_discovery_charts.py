"""Chart specs of a discovery result: durations in words, the layered process map, the unrolled path Sankey."""

import pytest
from django.utils import translation

from opencxm.events import charts, selectors
from opencxm.events.tests.test_discovery import ROWS
from tests.factories_events import write_events


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("seconds", "english", "german"),
    [
        (None, "–", "–"),
        (45, "45 s", "45 s"),
        (600, "10 min", "10 Min."),
        (90, "1.5 min", "1,5 Min."),
        (5400, "1.5 h", "1,5 Std."),
        (36000, "10 h", "10 Std."),
        (3 * 86400, "3 d", "3 Tg."),
    ],
)
def test_durations_in_words(seconds, english, german):
    with translation.override("en"):
        assert charts.human_duration(seconds) == english
    with translation.override("de"):
        assert charts.human_duration(seconds) == german


@pytest.mark.django_db
def test_process_map_places_activities_by_their_typical_position(english):
    write_events(ROWS)  # A B C / A B C / A B B C / A D
    spec = charts.process_map(selectors.discover(selectors.Filters()))
    nodes = {node["name"]: node for node in spec["nodes"]}
    columns = {name: node["column"] for name, node in nodes.items()}
    # A first (mean position 0), B and D second (1), C third (7/3 rounds to 2); start and end around them
    assert columns == {"Start": 0, "A": 1, "B": 2, "D": 2, "C": 3, "End": 4}
    assert nodes["B"]["row"] < nodes["D"]["row"]  # both follow A; the busier one first
    edges = {(e["source"], e["target"], e["kind"]): e for e in spec["edges"]}
    ids = {name: node["id"] for name, node in nodes.items()}
    assert edges[(ids["A"], ids["B"], "step")]["count"] == 3
    assert edges[(ids["A"], ids["B"], "step")]["median"] == "10 min"
    assert edges[("start", ids["A"], "start")]["count"] == 4
    assert edges[(ids["C"], "end", "end")]["count"] == 3
    assert edges[(ids["B"], ids["B"], "step")]["count"] == 1  # the loop


@pytest.mark.django_db
def test_sankey_unrolls_paths_by_step_with_drop_off(english):
    write_events(ROWS)
    spec = charts.path_sankey(selectors.discover(selectors.Filters()), steps=3)
    links = {(link["source"], link["target"]): link["value"] for link in spec["links"]}
    assert links == {
        ("1 · A", "2 · B"): 3, ("1 · A", "2 · D"): 1,
        ("2 · B", "3 · C"): 2, ("2 · B", "3 · B"): 1, ("2 · D", "Ended"): 1,
        ("3 · C", "Ended"): 2, ("3 · B", "Continues"): 1,
    }  # fmt: skip
    nodes = {node["name"]: (node["count"], node["share"]) for node in spec["nodes"]}
    assert nodes["1 · A"] == (4, 1.0)
    assert nodes["Ended"] == (3, 0.75)
    # every case flows from the first step to exactly one of "Ended" and "Continues"
    assert nodes["Ended"][0] + nodes["Continues"][0] == 4


def test_map_starts_with_at_most_twenty_activities_shown():
    from opencxm.events.views import activity_coverage

    assert activity_coverage([5] * 20) == 100  # few activities: all shown
    counts = [100] * 10 + [1] * 90  # ten busy activities carry 1000 of 1090 events
    share = activity_coverage(counts)
    assert share == 90  # 91.7 % of events rounded down to a multiple of 5
    ordered = sorted(counts, reverse=True)
    shown = next(n for n in range(1, len(ordered) + 1) if sum(ordered[:n]) >= share / 100 * sum(ordered))
    assert shown <= 20
    assert activity_coverage([1] * 100) == 20  # flat: twenty of a hundred is 20 %
