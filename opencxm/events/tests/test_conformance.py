"""Designed against actual: the path fit rules on their own, then a small log with known answers."""

import pytest

from opencxm.events.conformance import fit, journey_conformance
from opencxm.events.models import Activity
from opencxm.events.selectors import Filters
from tests import factories as f
from tests.factories_events import write_events

A, B, C, D, X, Y = 1, 2, 3, 4, 8, 9
DESIGN = [A, B, C, D]


def test_a_perfect_follower_follows():
    result = fit(DESIGN, [A, B, C, D])
    assert result.follows and result.reached == {0, 1, 2, 3} and result.last == 3
    assert not (result.skipped or result.returned or result.added)


def test_repeats_of_the_current_step_and_unmapped_activities_still_follow():
    result = fit(DESIGN, [A, A, None, B, B, B, C, None, D, D])
    assert result.follows and result.reached == {0, 1, 2, 3}


def test_a_skipper_skips_the_steps_passed_over():
    result = fit(DESIGN, [A, D])
    assert not result.follows
    assert (result.reached, result.skipped, result.last) == ({0, 3}, {1, 2}, 3)


def test_a_case_entering_mid_way_skips_the_first_steps():
    result = fit(DESIGN, [C, D])
    assert (result.reached, result.skipped) == ({2, 3}, {0, 1})


def test_an_adder_adds_touchpoints_after_the_last_step_reached():
    result = fit(DESIGN, [X, A, B, Y, X, C, D])
    assert not result.follows and result.reached == {0, 1, 2, 3}
    assert result.added == {(X, None), (Y, 1), (X, 1)}


def test_a_leaver_leaves_at_the_last_step_reached():
    result = fit(DESIGN, [A, B])
    assert not result.follows and (result.last, result.skipped) == (1, frozenset())


def test_going_back_to_an_earlier_step_is_a_return():
    result = fit(DESIGN, [A, B, C, A, D])
    assert not result.follows
    assert (result.reached, result.returned, result.skipped) == ({0, 1, 2, 3}, {0}, frozenset())


def test_a_touchpoint_designed_twice_is_reached_twice():
    result = fit([A, B, A], [A, B, A])
    assert result.follows
    assert fit([A, A], [A, A]).follows
    assert fit([A, A], [A]).last == 0


def test_a_path_without_designed_touchpoints_is_not_relevant():
    assert fit(DESIGN, [X, None, Y]) is None
    assert fit(DESIGN, []) is None


CASES = {  # case: activities in order
    "follower-1": ["Web", "Hotline", "Shop", "Invoice"],
    "follower-2": ["Web", "Hotline", "Shop", "Invoice"],
    "repeater": ["Web", "Hotline", "Hotline", "Shop", "Invoice"],
    "unmapped": ["Web", "Internal check", "Hotline", "Shop", "Invoice"],
    "skipper": ["Web", "Shop", "Invoice"],
    "adder": ["Web", "Hotline", "Chat", "Shop", "Invoice"],
    "leaver": ["Web", "Hotline"],
    "returner": ["Web", "Hotline", "Shop", "Hotline", "Invoice"],
    "elsewhere": ["Chat"],
}


@pytest.fixture
def design(db):
    touchpoints = {name: f.TouchpointFactory(name=name) for name in ("Web", "Hotline", "Shop", "Invoice", "Chat")}
    rows = [(case, activity, minute) for case, path in CASES.items() for minute, activity in enumerate(path)]
    write_events(rows)
    for name, touchpoint in touchpoints.items():
        Activity.objects.filter(name=name).update(touchpoint=touchpoint)
    return [touchpoints[name].pk for name in ("Web", "Hotline", "Shop", "Invoice")], touchpoints


def test_journey_conformance_counts_cases_per_step(design, django_assert_max_num_queries):
    steps, touchpoints = design
    with django_assert_max_num_queries(5):
        result = journey_conformance(design=steps, filters=Filters())
    assert (result.cases, result.relevant, result.follows) == (9, 8, 4)
    assert (result.skipping, result.adding, result.returning, result.left_early) == (1, 1, 1, 1)
    figures = [(s.reached, s.skipped, s.left, s.returned) for s in result.steps]
    assert figures == [(8, 0, 0, 0), (7, 1, 1, 1), (7, 0, 0, 0), (7, 0, 0, 0)]
    assert result.added == [{"touchpoint": touchpoints["Chat"], "cases": 1, "after": [(1, 1)]}]
    assert result.unmapped == [{"name": "Internal check", "cases": 1}]
    assert result.share(result.follows) == 0.5


def test_journey_conformance_respects_the_filters(design):
    steps, _touchpoints = design
    write_events([("other", "Web", 0), ("other", "Hotline", 1)], log="other-log")
    assert journey_conformance(design=steps, filters=Filters()).relevant == 9
    result = journey_conformance(design=steps, filters=Filters(activity="Chat"))
    assert (result.cases, result.relevant, result.follows) == (2, 1, 0)


def test_a_journey_without_steps_or_without_mapped_activities(db):
    write_events([("c1", "Web", 0)])
    assert journey_conformance(design=[], filters=Filters()).cases == 0
    result = journey_conformance(design=[f.TouchpointFactory().pk], filters=Filters())
    assert (result.cases, result.relevant, result.share(0)) == (1, 0, None)
