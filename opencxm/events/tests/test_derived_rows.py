"""Derived rows (transitions, summaries, per-day/month rows, per-variant durations, a case's variant) carry no
database check of their own (models.DERIVED): deleting through Django still removes every one of them, and the
primary data (events and cases) keeps its checks."""

import pytest
from django.db import connection

from opencxm.events.models import (
    Case,
    DayEdge,
    DayVariant,
    EdgeSummary,
    Event,
    EventLog,
    MonthEdge,
    MonthVariant,
    Transition,
    VariantDurations,
    VariantStep,
    VariantSummary,
)
from tests.factories_events import write_events

PER_LOG = (DayEdge, DayVariant, MonthEdge, MonthVariant, EdgeSummary, VariantSummary, VariantDurations)


def _foreign_keys(model) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {column for spec in constraints.values() if spec["foreign_key"] for column in spec["columns"]}


@pytest.mark.django_db
def test_derived_rows_have_no_database_check_and_primary_rows_keep_theirs():
    for model in (*PER_LOG, Transition, VariantStep):
        assert _foreign_keys(model) == set(), model.__name__
    assert _foreign_keys(Case) == {"log_id", "customer_id"}
    assert _foreign_keys(Event) == {"case_id", "activity_id", "channel_id", "department_id"}


@pytest.mark.django_db
def test_deleting_a_log_leaves_no_derived_row_behind():
    write_events([("c1", "A", 0), ("c1", "B", 10), ("c2", "A", 5), ("c2", "C", 50)], log="one")
    write_events([("x", "A", 0), ("x", "B", 20)], log="two")
    one = EventLog.objects.get(name="one")
    cases = list(Case.objects.filter(log=one).values_list("id", flat=True))
    assert all(model.objects.filter(log=one).exists() for model in PER_LOG)
    assert Transition.objects.filter(case_id__in=cases).count() == 2
    one.delete()
    for model in PER_LOG:
        assert not model.objects.filter(log_id=one.pk).exists(), model.__name__
        assert model.objects.filter(log__name="two").exists(), model.__name__
    assert not Transition.objects.filter(case_id__in=cases).exists()
    assert Transition.objects.count() == 1
