"""Targets: status by metric direction, the active-target selector, validation, current figures, pages."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from opencxm.analytics import targets
from opencxm.analytics.models import Target
from opencxm.analytics.rollups import rollup_refresh
from opencxm.analytics.runner import QuerySpec, run_one
from opencxm.core.models import AuditEntry
from opencxm.feedback.models import DataSource, Feedback
from tests import factories as f

TODAY = date(2026, 3, 1)  # windows of 28 days end on 28 Feb 2026


def make_target(w, **fields):
    values = {
        "metric": "nps",
        "scope_type": "touchpoint",
        "touchpoint": w.touchpoint,
        "target_value": 30,
        "warning_value": 0,
        "min_responses": 1,  # the tests judge figures from a handful of responses
        "owner_department": w.own,
    }
    values.update(fields)
    return Target.objects.create(**values)


def add_feedback(source, touchpoint, scores, *, day=date(2026, 2, 10), kind="response", prefix="r"):
    """Store feedback rows with the given NPS scores on a day and refresh the rollups of that day."""
    start = Feedback.objects.filter(source=source).count()
    moment = datetime(day.year, day.month, day.day, 11, tzinfo=UTC)
    Feedback.objects.bulk_create(
        Feedback(source=source, external_id=f"{prefix}{start + i}", kind=kind, responded_at=moment,
                 touchpoint=touchpoint, nps=score)
        for i, score in enumerate(scores)
    )  # fmt: skip
    rollup_refresh(source_id=source.pk, days=[day])


@pytest.fixture
def source(db):
    return DataSource.objects.create(name="Umfrage Hotline")


# --- status -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(45, "ok"), (30, "ok"), (29.9, "warning"), (0, "warning"), (-0.1, "breach"), (-60, "breach"), (None, "no_data")],
)
def test_status_when_higher_is_better(value, expected):
    target = Target(metric="nps", target_value=30, warning_value=0)
    assert targets.status(target, value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "ok"), (5, "ok"), (5.5, "warning"), (10, "warning"), (10.5, "breach"), (None, "no_data")],
)
def test_status_when_lower_is_better(value, expected):
    target = Target(metric="complaints", target_value=5, warning_value=10)
    assert targets.status(target, value) == expected


@pytest.mark.parametrize(
    ("value", "n", "expected"),
    [(-60, 29, "too_few"), (-60, 30, "breach"), (45, 0, "too_few"), (45, 31, "ok"), (None, 5, "no_data")],
)
def test_status_is_too_few_below_the_minimum_sample(value, n, expected):
    target = Target(metric="nps", target_value=30, warning_value=0)  # min_responses defaults to 30
    assert target.min_responses == 30
    assert targets.status(target, value, n) == expected
    assert targets.status(target, value) == ("no_data" if value is None else "breach" if value < 0 else "ok")
    with translation.override("en"):
        assert str(targets.STATUS_LABELS[targets.TOO_FEW]) == "too few responses"


def test_window_is_the_complete_days_before_today():
    assert targets.window(Target(window_days=28), TODAY) == (date(2026, 2, 1), date(2026, 2, 28))
    assert targets.window(Target(window_days=1), TODAY) == (date(2026, 2, 28), date(2026, 2, 28))


# --- selector -----------------------------------------------------------------------------------------------


def test_target_for_returns_the_active_target_of_the_scope(world):
    old = make_target(world, valid_until=date(2025, 12, 31))
    current = make_target(world, valid_from=date(2026, 1, 1))
    make_target(world, touchpoint=world.other_touchpoint, owner_department=world.other)
    company = make_target(world, scope_type="company", touchpoint=None)
    key = {"scope_type": "touchpoint", "scope_id": world.touchpoint.pk}
    assert targets.target_for("nps", **key, on=date(2026, 2, 1)) == current
    assert targets.target_for("nps", **key, on=date(2025, 6, 1)) == old
    assert targets.target_for("csat", **key, on=date(2026, 2, 1)) is None
    assert targets.target_for("nps", scope_type="company", on=date(2026, 2, 1)) == company
    assert targets.target_for("nps", scope_type="department", scope_id=world.own.pk, on=date(2026, 2, 1)) is None


def test_scope_must_match_scope_type_in_the_database(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_target(world, scope_type="department", department=None)  # touchpoint set, department missing
    with pytest.raises(IntegrityError), transaction.atomic():
        make_target(world, scope_type="company")  # a company target with a touchpoint
    assert Target.objects.count() == 0


# --- services -----------------------------------------------------------------------------------------------


def _data(w, **overrides):
    data = {
        "metric": "nps", "scope_type": "touchpoint", "touchpoint": w.touchpoint, "journey": None, "stage": None,
        "department": None, "valid_from": None, "valid_until": None, "target_value": 30.0, "warning_value": 0.0,
        "window_days": 28, "min_responses": 30, "goal_type": "behavioural", "owner_department": None, "note": "",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_create_derives_the_owner_from_the_scope_and_audits(world):
    target = targets.target_create(actor=world.users["cx_team"], data=_data(world))
    assert target.owner_department == world.own
    department_target = targets.target_create(
        actor=None, data=_data(world, metric="csat", scope_type="department", department=world.other)
    )
    assert department_target.owner_department == world.other
    assert department_target.touchpoint is None
    entry = AuditEntry.objects.get(object_id=target.public_id)
    assert (entry.action, entry.changes["metric"]) == ("create", "nps")
    assert entry.changes["owner_department"] == "Kundenservice"


def test_create_rejects_a_warning_on_the_wrong_side_and_a_missing_owner(world):
    with pytest.raises(ValidationError) as error:
        targets.target_create(actor=None, data=_data(world, warning_value=40.0))
    assert list(error.value.message_dict) == ["warning_value"]
    with pytest.raises(ValidationError) as error:
        targets.target_create(actor=None, data=_data(world, metric="complaints", target_value=10.0, warning_value=5.0))
    assert list(error.value.message_dict) == ["warning_value"]
    with pytest.raises(ValidationError) as error:
        targets.target_create(actor=None, data=_data(world, scope_type="journey", journey=world.journey))
    assert list(error.value.message_dict) == ["owner_department"]
    assert Target.objects.count() == 0


def test_create_rejects_an_overlapping_period(world):
    targets.target_create(actor=None, data=_data(world, valid_from=date(2026, 1, 1), valid_until=date(2026, 6, 30)))
    with pytest.raises(ValidationError) as error:
        targets.target_create(actor=None, data=_data(world, valid_from=date(2026, 6, 1)))
    assert list(error.value.message_dict) == ["valid_from"]
    targets.target_create(actor=None, data=_data(world, valid_from=date(2026, 7, 1)))
    assert Target.objects.count() == 2


def test_update_and_delete_are_audited(world):
    target = targets.target_create(actor=None, data=_data(world))
    targets.target_update(actor=world.users["admin"], target=target, data=_data(world, target_value=35.0))
    target.refresh_from_db()
    assert target.target_value == 35.0
    public_id = target.public_id
    targets.target_delete(actor=world.users["admin"], target=target)
    actions = list(AuditEntry.objects.filter(object_id=public_id).order_by("id").values_list("action", "changes"))
    assert actions[1] == ("update", {"target_value": [30.0, 35.0]})
    assert actions[2][0] == "delete"
    assert Target.objects.count() == 0


# --- current values -----------------------------------------------------------------------------------------


def test_current_values_equal_run_one_for_every_scope(world, source):
    add_feedback(source, world.touchpoint, [10, 10, 3])
    add_feedback(source, world.other_touchpoint, [10, 8, 2, 2], prefix="o")
    add_feedback(source, world.touchpoint, [0], day=date(2026, 1, 20), prefix="old")  # before the window
    created = [
        make_target(world),
        make_target(world, touchpoint=world.other_touchpoint),
        make_target(world, scope_type="department", touchpoint=None, department=world.other),
        make_target(world, scope_type="stage", touchpoint=None, stage=world.stage),
        make_target(world, scope_type="journey", touchpoint=None, journey=world.journey),
        make_target(world, scope_type="company", touchpoint=None),
        make_target(world, window_days=60, valid_from=date(2027, 1, 1)),
    ]
    values = targets.current_values(created, TODAY)
    for target in created:
        start, end = targets.window(target, TODAY)
        expected = run_one(QuerySpec("nps", start=start, end=end, **targets.scope_filters(target)))
        assert values[target.pk] == expected, target.scope_type
    assert round(values[created[0].pk].value, 3) == round(100 * (2 - 1) / 3, 3)
    assert values[created[5].pk].n == 7
    assert values[created[6].pk].n == 4  # the 60-day window reaches the January response


def test_current_values_use_one_query_batch_per_metric_scope_and_window(world, source, django_assert_num_queries):
    many = [f.TouchpointFactory(owner_department=world.own) for _ in range(20)]
    created = [make_target(world, touchpoint=touchpoint) for touchpoint in many]
    created = list(Target.objects.filter(pk__in=[t.pk for t in created]))
    with django_assert_num_queries(1):
        values = targets.current_values(created, TODAY)
    assert {value.value for value in values.values()} == {None}


def test_format_value_uses_the_metric_decimals_unit_and_language():
    with translation.override("de"):
        assert targets.format_value("csat", 81.26) == "81,3 %"
        assert targets.format_value("nps", 12.34) == "12"
    with translation.override("en"):
        assert targets.format_value("csat", 81.26) == "81.3 %"
    assert targets.format_value("nps", None) == "–"


def test_day_before_today_is_the_window_end_for_active_targets(world):
    make_target(world, valid_from=TODAY + timedelta(days=1))
    assert list(targets.active_targets(TODAY)) == []
