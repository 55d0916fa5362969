"""The NPS tallies of the handover report (one left join of the latest answers) give exactly what the previous
computation (three IN subqueries over the latest answers) gave: random small logs with departments on events and
on touchpoints, contact and other channels, customers with several answers (ties on the answer time included),
with and without a period and window."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencxm.events import handovers, services
from opencxm.events.handovers import HandoverQuery, handover_report
from opencxm.events.models import Activity
from opencxm.events.records import EventRecord
from opencxm.events.selectors import Filters
from opencxm.feedback.pseudonyms import pseudonymise
from opencxm.touchpoints.models import Touchpoint
from tests import factories as f
from tests.factories_cases import CustomerFactory, FeedbackFactory
from tests.factories_events import T0

# The previous tally, kept here as the reference the fast one must match.
PREVIOUS_TALLY = """
SELECT {group}
  COUNT(DISTINCT CASE WHEN c.who IN (SELECT customer_id FROM ({scores}) s WHERE s.nps >= 9) THEN c.who END),
  COUNT(DISTINCT CASE WHEN c.who IN (SELECT customer_id FROM ({scores}) s WHERE s.nps <= 6) THEN c.who END),
  COUNT(DISTINCT CASE WHEN c.who IN (SELECT customer_id FROM ({scores}) s) THEN c.who END)
FROM ({rows}) c
{group_by}
"""


def _previous_tally(rows, scores, group: str = "") -> list[tuple]:
    rows_sql, rows_params = rows.query.sql_with_params()
    scores_sql, scores_params = scores.query.sql_with_params()
    sql = PREVIOUS_TALLY.format(group=f"{group}," if group else "", scores=scores_sql, rows=rows_sql,
                                group_by=f"GROUP BY {group}" if group else "")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, (*scores_params * 3, *rows_params))
        return cursor.fetchall()


CASES = ["c1", "c2", "c3", "c4", "c5", "c6"]
ACTIVITIES = ["Order", "Visit", "Call", "Mail", "Note"]  # Note stays unmapped
EVENTS = st.lists(
    st.tuples(st.sampled_from(CASES), st.sampled_from(ACTIVITIES), st.integers(0, 20 * 24 * 60),
              st.sampled_from(["", "", "sales", "field", "service"])),
    min_size=1, max_size=30,
)  # fmt: skip
ANSWERS = st.lists(
    st.tuples(st.sampled_from(CASES), st.integers(0, 10), st.integers(-3, 25)), max_size=12
)  # (case's customer, NPS, days after T0: a few share a day, so the id breaks the tie)
QUERIES = [
    HandoverQuery(min_n=1),
    HandoverQuery(window_days=1, min_n=2),
    HandoverQuery(Filters(start=date(2026, 1, 1), end=T0.date() + timedelta(days=2)), window_days=3, min_n=1),
]
counter = iter(range(10**6))


def _setup():
    departments = {code: f.DepartmentFactory(code=code, name=code.title()) for code in ("sales", "field", "service")}
    web = f.ChannelFactory(code="web", name="Web", kind="web")
    hotline = f.ChannelFactory(code="hotline", name="Hotline", kind="hotline")
    email = f.ChannelFactory(code="email", name="E-Mail", kind="email")
    return {
        "TP-ORDER": f.TouchpointFactory(code="TP-ORDER", channel=web, owner_department=departments["sales"]),
        "TP-VISIT": f.TouchpointFactory(code="TP-VISIT", channel=web, owner_department=departments["field"]),
        "TP-CALL": f.TouchpointFactory(code="TP-CALL", channel=hotline, owner_department=departments["service"]),
        "TP-MAIL": f.TouchpointFactory(code="TP-MAIL", channel=email, owner_department=departments["sales"]),
    }


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=EVENTS, answers=ANSWERS)
def test_fast_tally_equals_the_previous_computation(events, answers, monkeypatch):
    run = next(counter)  # examples share the database: each writes its own log and customers
    touchpoints = {tp.code: tp for tp in Touchpoint.objects.filter(code__startswith="TP-")} or _setup()
    records = [EventRecord(case=f"{run}-{c}", activity=a, timestamp=T0 + timedelta(minutes=m), department=d)
               for c, a, m, d in events]  # fmt: skip
    customers = {case: CustomerFactory(pseudonym=pseudonymise(f"{run}-{case}")) for case in CASES}
    for case, score, days in answers:
        FeedbackFactory(customer=customers[case], nps=score, responded_at=datetime(2026, 1, 1, tzinfo=UTC)
                        + timedelta(days=days + (T0.date() - date(2026, 1, 1)).days))  # fmt: skip
    services.events_write(actor=None, log_name=f"random-{run}", records=records)
    for name in ACTIVITIES[:4]:
        Activity.objects.filter(name=name).update(touchpoint=touchpoints[f"TP-{name.upper()}"])
    for query in QUERIES:
        fast = handover_report(query).as_json()
        with monkeypatch.context() as patched:
            patched.setattr(handovers, "_tally", _previous_tally)
            previous = handover_report(query).as_json()
        assert fast == previous
