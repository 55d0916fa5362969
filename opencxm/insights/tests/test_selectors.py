from datetime import date, datetime, timedelta

import pytest

from opencxm.analytics.rollups import local_zone
from opencxm.analytics.tests.cockpit_data import at, make_feedback, store
from opencxm.core.permissions import access_for
from opencxm.feedback.models import DataSource
from opencxm.insights import selectors
from tests import factories as f
from tests.factories_insights import ActionFactory, InsightFactory

pytestmark = pytest.mark.django_db


def _titles(queryset):
    return sorted(a.title for a in queryset)


@pytest.fixture
def two_actions(world):
    ActionFactory(insight=InsightFactory(owner_department=world.own), owner_department=world.own, title="eigen")
    ActionFactory(insight=InsightFactory(owner_department=world.other), owner_department=world.other, title="fremd")


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("viewer", ["eigen"]),
        ("ambassador", ["eigen"]),
        ("other_department", ["fremd"]),
        ("cx_team", ["eigen", "fremd"]),
        ("admin", ["eigen", "fremd"]),
    ],
)
def test_actions_visible_to_own_departments_unless_role_reads_all(world, two_actions, persona, expected):
    assert _titles(selectors.actions_visible_to(access_for(world.users[persona]))) == expected


def test_board_members_and_cx_lead_read_all_actions(world, two_actions, cx_lead):
    board = f.UserFactory(username="board")
    f.MembershipFactory(user=board, department=world.other, role="board_member")
    assert _titles(selectors.actions_visible_to(access_for(board))) == ["eigen", "fremd"]
    assert _titles(selectors.actions_visible_to(access_for(cx_lead))) == ["eigen", "fremd"]


def test_user_without_membership_sees_no_actions(world, two_actions):
    assert _titles(selectors.actions_visible_to(access_for(f.UserFactory(username="lonely")))) == []


def test_insight_list_ranked_by_impact_or_priority_and_filtered(world):
    a = InsightFactory(title="A", owner_department=world.own, impact=5, effort=5)
    b = InsightFactory(title="B", owner_department=world.own, impact=4, effort=1)
    c = InsightFactory(title="C", owner_department=world.other, impact=2, effort=1, kind="idea")
    b.touchpoints.set([world.touchpoint])
    c.steps.set([world.other_step])
    assert [i.title for i in selectors.insight_list()] == ["A", "B", "C"]
    assert [i.title for i in selectors.insight_list(selectors.InsightFilters(order="priority"))] == ["B", "C", "A"]
    assert [i.title for i in selectors.insight_list(selectors.InsightFilters(department=world.other))] == ["C"]
    assert [i.title for i in selectors.insight_list(selectors.InsightFilters(touchpoint=world.touchpoint))] == ["B"]
    assert [i.title for i in selectors.insight_list(selectors.InsightFilters(step=world.other_step))] == ["C"]
    assert [i.title for i in selectors.insight_list(selectors.InsightFilters(kind="idea"))] == ["C"]
    assert a.priority == 1.0


def test_counts_by_department(world):
    InsightFactory(owner_department=world.own)
    InsightFactory(owner_department=world.own, status="done")
    InsightFactory(owner_department=world.other, status="rejected")
    rows = [(r["owner_department__name"], r["open"], r["total"]) for r in selectors.insight_counts_by_department()]
    assert rows == [("Kundenservice", 1, 2), ("Vertrieb", 0, 1)]


def _action_done(world, done_at, metric="nps", expected=5.0):
    action = ActionFactory(
        insight=InsightFactory(owner_department=world.own), owner_department=world.own, status="done",
        done_at=done_at, metric=metric, expected_change=expected,
    )  # fmt: skip
    action.touchpoints.set([world.touchpoint])
    return action


def test_action_effect_compares_equal_windows_before_and_after(world):
    source = DataSource.objects.create(name="Umfrage")
    store([
        make_feedback(source, at("2026-01-25"), world.touchpoint, nps=0),
        make_feedback(source, at("2026-01-25"), world.touchpoint, nps=10),
        make_feedback(source, at("2026-01-10"), world.touchpoint, nps=0),  # outside the 10-day window
        make_feedback(source, at("2026-02-05"), world.touchpoint, nps=10),
        make_feedback(source, at("2026-02-05"), world.touchpoint, nps=10),
        make_feedback(source, at("2026-02-05"), world.touchpoint, nps=9),
        make_feedback(source, at("2026-02-05"), world.other_touchpoint, nps=0),  # another touchpoint
    ])  # fmt: skip
    action = _action_done(world, datetime(2026, 2, 1, 12, tzinfo=local_zone()))
    effect = selectors.action_effect(action, today=date(2026, 2, 10))
    assert effect.days == 10
    assert (effect.before_start, effect.before_end) == (date(2026, 1, 22), date(2026, 1, 31))
    assert (effect.after_start, effect.after_end) == (date(2026, 2, 1), date(2026, 2, 10))
    assert (effect.before.value, effect.before.n) == (0.0, 2)
    assert (effect.after.value, effect.after.n) == (100.0, 3)
    assert effect.change == 100.0 and effect.met is True


def test_action_effect_only_for_done_actions_with_a_metric(world):
    action = _action_done(world, datetime(2026, 2, 1, 12, tzinfo=local_zone()), metric="")
    assert selectors.action_effect(action, today=date(2026, 2, 10)) is None
    planned = ActionFactory(insight=InsightFactory(owner_department=world.own), metric="nps")
    assert selectors.action_effect(planned) is None


def test_action_effect_window_is_capped_at_90_days_and_no_data_gives_no_change(world):
    action = _action_done(world, datetime(2025, 1, 1, 12, tzinfo=local_zone()))
    effect = selectors.action_effect(action, today=date(2026, 1, 1))
    assert effect.days == 90 and effect.before_start == date(2025, 1, 1) - timedelta(days=90)
    assert effect.change is None and effect.met is None and effect.before.n == 0


def test_evidence_query_is_evaluated_live_over_the_insight_touchpoints(world):
    source = DataSource.objects.create(name="Umfrage")
    store([
        make_feedback(source, at("2026-03-01"), world.touchpoint, csat=5),
        make_feedback(source, at("2026-03-02"), world.touchpoint, csat=1),
        make_feedback(source, at("2026-03-02"), world.other_touchpoint, csat=1),
        make_feedback(source, at("2025-12-01"), world.touchpoint, csat=1),  # older than 30 days
    ])  # fmt: skip
    insight = InsightFactory(owner_department=world.own, evidence_query={"metric": "csat", "days": 30})
    insight.touchpoints.set([world.touchpoint])
    figure = selectors.evidence_figure(insight, today=date(2026, 3, 10))
    assert (figure.start, figure.end) == (date(2026, 2, 9), date(2026, 3, 10))
    assert (figure.estimate.value, figure.estimate.n) == (50.0, 2)
    assert selectors.evidence_figure(InsightFactory(owner_department=world.own)) is None


def test_board_places_actions_by_stage_and_month(world):
    insight = InsightFactory(owner_department=world.own)
    insight.steps.set([world.step])
    ActionFactory(insight=insight, title="R", track="roadmap", due_date=date(2026, 5, 3))
    ActionFactory(insight=InsightFactory(owner_department=world.own), title="P", track="playbook",
                  category="communication")  # fmt: skip
    ActionFactory(insight=insight, title="X", status="cancelled")
    board = selectors.action_board(access_for(world.users["cx_team"]))
    assert [label for _key, label in board.columns] == ["Service", "none"]
    lanes = {track: [[a.title for a in actions] for _k, actions in cells] for track, _l, cells in board.lanes}
    assert lanes == {"roadmap": [["R"], []], "playbook": [[], ["P"]]}
    by_month = selectors.action_board(access_for(world.users["cx_team"]), by="month")
    assert [label for _key, label in by_month.columns] == ["2026-05", "none"]
