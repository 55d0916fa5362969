"""The handover report (one statement for all its figures) gives exactly what a plain Python computation from the
rows gives: random small logs with departments on events and on touchpoints, contact channels on the events
and through the touchpoints, customers with several answers (ties on the answer time included), with and
without a period and window. The reference reads every row into Python, as the report must not."""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencxm.accounts.models import Department
from opencxm.analytics.stats import nps, nps_difference, share
from opencxm.events import handovers, services
from opencxm.events.handovers import CONTACT_KINDS, Handover, HandoverQuery, HandoverReport, handover_report
from opencxm.events.models import Activity, Event, Transition
from opencxm.events.records import EventRecord
from opencxm.events.selectors import Filters, cases_for
from opencxm.feedback.models import Feedback
from opencxm.feedback.pseudonyms import pseudonymise
from opencxm.touchpoints.models import Touchpoint
from tests import factories as f
from tests.factories_cases import CustomerFactory, FeedbackFactory
from tests.factories_events import T0

CASES = ["c1", "c2", "c3", "c4", "c5", "c6"]
ACTIVITIES = ["Order", "Visit", "Call", "Mail", "Note"]  # Note stays unmapped
EVENTS = st.lists(
    st.tuples(st.sampled_from(CASES), st.sampled_from(ACTIVITIES), st.integers(0, 20 * 24 * 60),
              st.sampled_from(["", "", "sales", "field", "service"]), st.sampled_from(["", "", "", "web", "hotline"])),
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


def _quantile(values: list, q: float) -> float:
    """numpy's linear method."""
    rank = q * (len(values) - 1)
    low = int(rank)
    high = min(low + 1, len(values) - 1) if rank > low else low
    return values[low] + (values[high] - values[low]) * (rank - low)


def _reference(query: HandoverQuery) -> HandoverReport:
    """The report computed row by row in Python, straight from the definitions in the module's docstrings."""
    customer_of = dict(cases_for(query.filters).values_list("id", "customer_id"))
    activities = {a.pk: a for a in Activity.objects.select_related("touchpoint__channel")}
    owner = {pk: a.touchpoint.owner_department_id if a.touchpoint else None for pk, a in activities.items()}
    contacts = defaultdict(list)
    for event in Event.objects.filter(case_id__in=customer_of).select_related("channel"):
        touchpoint = activities[event.activity_id].touchpoint
        kind = event.channel.kind if event.channel else touchpoint.channel.kind if touchpoint else None
        if kind in CONTACT_KINDS:
            contacts[event.case_id].append(event.timestamp)
    report = HandoverReport(query.window_days, query.min_n)
    steps = defaultdict(list)
    for step in Transition.objects.filter(case_id__in=customer_of):
        report.transitions += 1
        a, b = (
            step.from_department_id or owner[step.from_activity_id],
            step.to_department_id or owner[step.to_activity_id],
        )
        if a is None or b is None:
            report.unknown += 1
        elif a != b:
            steps[(a, b)].append(step)
    if not steps:
        return report
    answers = Feedback.objects.filter(nps__isnull=False, customer__isnull=False).order_by("responded_at", "id")
    if query.filters.start:
        answers = answers.filter(responded_at__gte=handovers._day_start(query.filters.start))
    if query.filters.end:
        end = handovers._day_start(query.filters.end) + timedelta(days=1 + query.window_days)
        answers = answers.filter(responded_at__lt=end)
    latest = {answer.customer_id: answer.nps for answer in answers}  # the last one written wins

    def tally(customers) -> tuple:
        scores = [latest[c] for c in customers if c in latest]
        return sum(s >= 9 for s in scores), sum(s <= 6 for s in scores), len(scores)

    everyone = tally({c for c in customer_of.values() if c is not None})
    report.customers = nps(*everyone)
    window = timedelta(days=query.window_days)
    figures = {}
    for (a, b), rows in steps.items():
        cases = {step.case_id for step in rows}
        again = {s.case_id for s in rows if s.at and any(s.at < at <= s.at + window for at in contacts[s.case_id])}
        waits = sorted(step.seconds for step in rows)
        inside = tally({customer_of[c] for c in cases if customer_of[c] is not None})
        outside = tuple(total - part for total, part in zip(everyone, inside, strict=True))
        figures[(a, b)] = Handover(
            Department.objects.get(pk=a), Department.objects.get(pk=b), transitions=len(rows), cases=len(cases),
            median_seconds=_quantile(waits, 0.5), p90_seconds=_quantile(waits, 0.9), recontacted=len(again),
            recontact=share(len(again), len(cases)), crossed=nps(*inside), rest=nps(*outside),
            difference=nps_difference(inside, outside),
        )  # fmt: skip
    handovers._case_handovers(query.filters, figures)
    report.handovers = handovers._ranked(list(figures.values()), query.min_n)
    return report


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=EVENTS, answers=ANSWERS)
def test_report_equals_a_row_by_row_computation(events, answers):
    run = next(counter)  # examples share the database: each writes its own log and customers
    touchpoints = {tp.code: tp for tp in Touchpoint.objects.filter(code__startswith="TP-")} or _setup()
    records = [EventRecord(case=f"{run}-{c}", activity=a, timestamp=T0 + timedelta(minutes=m), department=d,
                           channel=channel) for c, a, m, d, channel in events]  # fmt: skip
    customers = {case: CustomerFactory(pseudonym=pseudonymise(f"{run}-{case}")) for case in CASES}
    for case, score, days in answers:
        FeedbackFactory(customer=customers[case], nps=score, responded_at=datetime(2026, 1, 1, tzinfo=UTC)
                        + timedelta(days=days + (T0.date() - date(2026, 1, 1)).days))  # fmt: skip
    services.events_write(actor=None, log_name=f"random-{run}", records=records)
    for name in ACTIVITIES[:4]:
        Activity.objects.filter(name=name).update(touchpoint=touchpoints[f"TP-{name.upper()}"])
    for query in QUERIES:
        assert handover_report(query).as_json() == _reference(query).as_json()
