"""Handover friction on a small hand-built log with known answers: volume, waits, re-contacts at the window's
edge, NPS of crossing against other customers with intervals, the ranking; the page, the API, the command."""

import json
import math
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from opencxm.analytics.stats import Z95, nps_difference
from opencxm.cases.choices import EventKind
from opencxm.cases.models import CaseEvent
from opencxm.events import services
from opencxm.events.handovers import HandoverQuery, handover_report
from opencxm.events.models import Activity, Transition
from opencxm.events.records import EventRecord
from opencxm.events.selectors import Filters
from opencxm.feedback.pseudonyms import pseudonymise
from tests import factories as f
from tests.factories_cases import CaseFactory, CustomerFactory, FeedbackFactory
from tests.factories_events import T0

DAY = 24 * 60
# (case, activity, minutes after T0, department recorded on the event)
ROWS = [
    ("c1", "Order", 0, ""), ("c1", "Visit", 60, ""), ("c1", "Call", 60 + 7 * DAY, ""),  # call exactly 7 days on
    ("c2", "Order", 0, ""), ("c2", "Visit", 120, ""), ("c2", "Call", 120 + 7 * DAY + 1, ""),  # one minute late
    ("c3", "Order", 0, ""), ("c3", "Visit", 180, ""),
    ("c4", "Order", 0, ""), ("c4", "Call", 30, ""),
    ("c5", "Order", 0, ""), ("c5", "Letter", 240, "field"),  # unmapped activity, department on the event
    ("c6", "Order", 0, ""), ("c6", "Note", 10, ""),  # no department known for "Note"
]  # fmt: skip
LATEST_NPS = {"c1": 2, "c2": 5, "c3": 9, "c4": 10, "c5": 7, "c6": 10}


@pytest.fixture
def log(db):
    sales = f.DepartmentFactory(code="sales", name="Vertrieb")
    field = f.DepartmentFactory(code="field", name="Außendienst")
    service = f.DepartmentFactory(code="service", name="Kundenservice")
    web = f.ChannelFactory(code="web", name="Web", kind="web")
    visit = f.ChannelFactory(code="visit", name="Besuch", kind="field_service")
    hotline = f.ChannelFactory(code="hotline", name="Hotline", kind="hotline")
    touchpoints = {
        "Order": f.TouchpointFactory(code="TP-ORDER", channel=web, owner_department=sales),
        "Visit": f.TouchpointFactory(code="TP-VISIT", channel=visit, owner_department=field),
        "Call": f.TouchpointFactory(code="TP-CALL", channel=hotline, owner_department=service),
    }
    customers = {case: CustomerFactory(pseudonym=pseudonymise(case)) for case in LATEST_NPS}
    FeedbackFactory(customer=customers["c1"], nps=10, responded_at=datetime(2026, 2, 1, tzinfo=UTC))  # older
    for case, score in LATEST_NPS.items():
        FeedbackFactory(customer=customers[case], nps=score)
    _write(ROWS)
    for name, touchpoint in touchpoints.items():
        Activity.objects.filter(name=name).update(touchpoint=touchpoint)
    return {"sales": sales, "field": field, "service": service, "touchpoints": touchpoints}


def _write(rows, log_name="shop"):
    records = [EventRecord(case=c, activity=a, timestamp=T0 + timedelta(minutes=m), department=d)
               for c, a, m, d in rows]  # fmt: skip
    return services.events_write(actor=None, log_name=log_name, records=records)


def _by_key(report):
    return {item.key: item for item in report.handovers}


def _nps_interval(p, d, n):
    value = (p - d) / n * 100
    half = Z95 * math.sqrt((p / n + d / n - (p / n - d / n) ** 2) / n) * 100
    return value, half


def test_transitions_keep_the_time_of_their_second_event(log):
    c1 = sorted(Transition.objects.filter(case__key=pseudonymise("c1")).values_list("at", flat=True))
    assert c1 == [T0 + timedelta(minutes=60), T0 + timedelta(minutes=60 + 7 * DAY)]


def test_volume_waits_and_unknown_departments(log):
    report = handover_report(HandoverQuery(min_n=2))
    assert (report.transitions, report.unknown) == (8, 1)
    figures = {key: (i.transitions, i.cases, i.median_seconds, i.p90_seconds) for key, i in _by_key(report).items()}
    assert figures == {
        "sales:field": (4, 4, 9000.0, 13320.0),  # 3600, 7200, 10800, 14400 (c5 through the event's department)
        "field:service": (2, 2, 7 * 86400.0 + 30, 7 * 86400.0 + 54),
        "sales:service": (1, 1, 1800.0, 1800.0),
    }


def test_recontact_within_the_window_counts_the_edge_and_not_the_handover_itself(log):
    weekly = _by_key(handover_report(HandoverQuery(min_n=2)))
    assert weekly["sales:field"].recontacted == 1  # c1's call exactly 7 days later; c2's is a minute late
    assert weekly["sales:field"].recontact.value == 25.0
    assert (weekly["sales:field"].recontact.low, weekly["sales:field"].recontact.high) == pytest.approx(
        (4.56, 69.94), abs=0.01
    )  # Wilson interval of 1 in 4
    assert weekly["sales:service"].recontacted == 0  # the call that is the handover is not a re-contact
    assert weekly["field:service"].recontacted == 0
    eight_days = _by_key(handover_report(HandoverQuery(window_days=8, min_n=2)))
    assert eight_days["sales:field"].recontacted == 2
    six_days = _by_key(handover_report(HandoverQuery(window_days=6, min_n=2)))
    assert six_days["sales:field"].recontacted == 0


def test_nps_of_crossing_customers_against_the_others_with_intervals(log):
    report = handover_report(HandoverQuery(min_n=2))
    item = _by_key(report)["sales:field"]
    # crossed: c1 (latest answer 2, not the older 10), c2 5, c3 9, c5 7 -> 1 promoter, 2 detractors of 4
    value, half = _nps_interval(1, 2, 4)
    assert (item.crossed.value, item.crossed.n) == (-25.0, 4)
    assert (item.crossed.low, item.crossed.high) == pytest.approx((-100.0, value + half))  # clamped to the scale
    assert (item.rest.value, item.rest.n, item.rest.low, item.rest.high) == (100.0, 2, 100.0, 100.0)  # c4, c6
    assert (item.difference.value, item.difference.n) == (-125.0, 6)
    assert (item.difference.low, item.difference.high) == pytest.approx((-200.0, -125 + half))
    assert item.gap == 125.0
    assert item.net_promoters_lost == 5.0
    assert item.significant
    assert (report.customers.value, report.customers.n) == (pytest.approx(100 * (3 - 2) / 6), 6)


def test_ranking_by_net_promoters_lost_and_low_n_kept_apart(log):
    report = handover_report(HandoverQuery(min_n=2))
    assert [(i.key, i.rank) for i in report.handovers] == [
        ("sales:field", 1),  # gap 125 x 4 crossing customers = 5.0 net promoters lost
        ("field:service", 2),  # c1, c2 (-100) against 75: gap 175 x 2 = 3.5
        ("sales:service", None),  # one crossing customer: too few to rank
    ]
    assert _by_key(report)["field:service"].net_promoters_lost == 3.5
    assert [i.key for i in report.ranked] == ["sales:field", "field:service"]
    strict = handover_report(HandoverQuery(min_n=3))
    assert [(i.key, i.rank) for i in strict.handovers] == [
        ("sales:field", None),
        ("field:service", None),
        ("sales:service", None),
    ]  # fmt: skip  (the others group of sales:field has only 2 answers)


def test_closed_loop_cases_handed_over_between_the_same_departments(log):
    case = CaseFactory(feedback=FeedbackFactory(touchpoint=log["touchpoints"]["Order"]))
    CaseEvent.objects.create(case=case, kind=EventKind.HANDED_OVER, department=log["field"],
                             from_department=log["sales"])  # fmt: skip
    assert _by_key(handover_report(HandoverQuery(min_n=2)))["sales:field"].case_handovers == 1


def test_filters_select_the_cases(log):
    _write([("x1", "Order", 0, ""), ("x1", "Visit", 5, "")], log_name="other")
    everything = _by_key(handover_report(HandoverQuery()))
    assert everything["sales:field"].cases == 5
    shop = handover_report(HandoverQuery(filters=Filters(log=str(_log_id("shop")))))
    assert _by_key(shop)["sales:field"].cases == 4
    later = handover_report(HandoverQuery(filters=Filters(start=(T0 + timedelta(days=1)).date())))
    assert (later.handovers, later.transitions) == ([], 0)


def _log_id(name):
    from opencxm.events.models import EventLog

    return EventLog.objects.get(name=name).public_id


def test_nps_difference_interval_matches_a_hand_computation():
    estimate = nps_difference((50, 20, 100), (30, 30, 100))
    half = Z95 * math.sqrt(0.0061 + 0.006) * 100  # trinomial variances 0.61/100 and 0.6/100
    assert (estimate.value, estimate.n) == (pytest.approx(30.0), 200)
    assert (estimate.low, estimate.high) == pytest.approx((30 - half, 30 + half))
    assert nps_difference((1, 0, 1), (0, 0, 0)).value is None


@pytest.fixture
def reader(log):
    user = f.UserFactory(username="handover_reader")
    f.MembershipFactory(user=user, department=log["sales"], role="viewer")
    return user


def test_page_ranks_links_both_departments_and_discovery(client, log, reader):
    client.force_login(reader)
    response = client.get("/events/handovers/", {"min_n": 2, "window": 7}, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = response.content.decode()
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert len(rows) == 3
    first = rows[0]
    assert reverse("analytics:department", args=[log["sales"].public_id]) in first
    assert reverse("analytics:department", args=[log["field"].public_id]) in first
    assert "handover_from=sales&amp;handover_to=field" in first
    assert ">25 %" in first  # re-contact: 1 of 4
    assert "1/4" in first
    assert "low n" in rows[2]
    spec = json.loads(page.split('id="handover-chart" type="application/json">')[1].split("</script>")[0])
    assert spec["labels"] == ["Vertrieb → Außendienst", "Außendienst → Kundenservice"]
    assert spec["type"] == "handover-bars"
    assert spec["values"] == [5.0, 3.5]
    assert spec["counts"] == [4, 2]


def test_page_refuses_a_bad_window_with_a_message(client, log, reader):
    client.force_login(reader)
    response = client.get("/events/handovers/", {"window": 0}, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    assert 'id="handover-table"' not in response.content.decode()


def test_api_and_command_give_the_same_figures(client, log, reader, tmp_path):
    from opencxm.accounts.models import ApiToken
    from opencxm.core.api_auth import token_digest

    raw = "ocx_handover_test"
    ApiToken.objects.create(user=reader, name="t", prefix=raw[:8], digest=token_digest(raw), scope="read")
    response = client.get("/api/v1/journeys/handovers", {"min_n": 2, "window": 8},
                          headers={"Authorization": f"Bearer {raw}"})  # fmt: skip
    assert response.status_code == 200
    body = response.json()
    first = body["handovers"][0]
    assert (first["handover"], first["from"]["code"], first["to"]["name"]) == ("sales:field", "sales", "Außendienst")
    assert (first["transitions"], first["cases"], first["recontacted_cases"], first["rank"]) == (4, 4, 2, 1)
    assert (first["median_seconds"], first["p90_seconds"]) == (9000.0, 13320.0)
    assert first["nps_difference"]["value"] == -125.0 and first["nps_difference"]["n"] == 6
    assert (body["transitions"], body["transitions_without_department"], body["window_days"]) == (8, 1, 8)
    bad = client.get("/api/v1/journeys/handovers", {"window": 400}, headers={"Authorization": f"Bearer {raw}"})
    assert bad.status_code == 422
    output = tmp_path / "handovers.json"
    call_command("journeys", "handovers", "--log", "shop", "--window", "8", "--min-n", "2", "--output", str(output))
    assert json.loads(output.read_text()) == body


def test_report_takes_a_fixed_number_of_queries(log, django_assert_num_queries):
    _write([(f"n{i}", name, m, "") for i in range(20) for name, m in (("Order", 0), ("Visit", 5), ("Call", 9))],
           log_name="more")  # fmt: skip
    with django_assert_num_queries(3):
        handover_report(HandoverQuery(min_n=2))


@pytest.mark.django_db(transaction=True)
def test_migration_backfills_the_time_of_existing_transitions():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("events", "0002_transition_departments")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    log = apps.get_model("events", "EventLog").objects.create(name="old")
    case = apps.get_model("events", "Case").objects.create(log=log, key="k1")
    activity = apps.get_model("events", "Activity")
    a, b = activity.objects.create(name="A"), activity.objects.create(name="B")
    event = apps.get_model("events", "Event")
    for n, (step, minutes) in enumerate([(a, 0), (b, 30), (a, 90)]):
        event.objects.create(case=case, activity=step, timestamp=T0 + timedelta(minutes=minutes), dedup_key=str(n))
    apps.get_model("events", "Transition").objects.create(case=case, from_activity=a, to_activity=b, seconds=1800)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # 0003 and whatever came after it
    rows = Transition.objects.filter(case_id=case.pk).order_by("at").values_list("seconds", "at")
    assert list(rows) == [(1800.0, T0 + timedelta(minutes=30)), (3600.0, T0 + timedelta(minutes=90))]
