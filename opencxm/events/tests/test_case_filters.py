"""Case-level filters select cases through the variants' steps and the cases' channels (casefacts.py), and a
selection larger than SAMPLE_ABOVE reads the durations of its frequent edges from a fixed random sample of its
cases: counts stay exact, rare edges are measured on all their cases, and the page, the JSON and the numbers say
which cases the estimate comes from."""

import json
from collections import defaultdict

import numpy as np
import pytest
from django.apps import apps as django_apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencxm.events import aggregates, casefacts, selectors
from opencxm.events.models import (
    Activity,
    Case,
    CaseChannel,
    CaseStep,
    EventLog,
    Transition,
    Variant,
    VariantStep,
)
from opencxm.events.tests.test_discovery_days import _assert_equivalent, _close
from opencxm.touchpoints.models import Channel
from tests import factories as f
from tests.factories_events import write_events

ROWS = st.lists(
    st.tuples(st.sampled_from(["c1", "c2", "c3", "c4", "c5", "c6"]), st.sampled_from("ABCD"), st.integers(0, 4000)),
    min_size=1,
    max_size=30,
)
HANDOVERS = ["sales:field", "field:sales", "sales:service", "field:service", "service:field"]
counter = iter(range(10**6))


def _map(owners: dict[str, str]) -> None:
    """Map activities to a touchpoint owned by these departments (codes; both created once and reused)."""
    from opencxm.touchpoints.models import Touchpoint

    for name, code in owners.items():
        department = f.DepartmentFactory(code=code, name=code.title()) if not _exists(code) else _department(code)
        touchpoint = Touchpoint.objects.filter(code=f"TP-{code}").first() or f.TouchpointFactory(
            code=f"TP-{code}", owner_department=department
        )
        Activity.objects.filter(name=name).update(touchpoint=touchpoint)


def _exists(code: str) -> bool:
    from opencxm.accounts.models import Department

    return Department.objects.filter(code=code).exists()


def _department(code: str):
    from opencxm.accounts.models import Department

    return Department.objects.get(code=code)


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, second=ROWS, handover=st.sampled_from(HANDOVERS))
def test_handover_through_the_variants_steps_equals_the_transitions(rows, second, handover):
    """No event records a department: the handover filter reads the variants' steps, and follows a mapping
    changed after the import (the owners are read when the request is made)."""
    name = f"handover-{next(counter)}"
    write_events(rows, log=name)
    _map({"A": "sales", "B": "field", "C": "service"})
    log = str(EventLog.objects.get(name=name).public_id)
    result = _assert_equivalent(selectors.Filters(log=log, handover=handover))
    write_events(second, log=name)  # cases grow: new variants, new steps
    _map({"D": "field", "A": "service"})  # remapped after the import
    later = _assert_equivalent(selectors.Filters(log=log, handover=handover))
    assert result.cases >= 0 and later.cases >= 0


MIXED = st.lists(
    st.tuples(st.sampled_from(["c1", "c2", "c3", "c4", "c5", "c6"]), st.sampled_from("ABCD"), st.integers(0, 4000),
              st.sampled_from(["", "", "", "sales", "field", "service", "legal"])),
    min_size=1,
    max_size=30,
)  # fmt: skip


def _write_mixed(rows, log: str) -> None:
    """(case, activity, minutes, department recorded on the event or "") rows."""
    from datetime import timedelta

    from opencxm.events import services
    from opencxm.events.records import EventRecord
    from tests.factories_events import T0

    records = [EventRecord(case=c, activity=a, timestamp=T0 + timedelta(minutes=m), department=d,
                           where={"index": i}) for i, (c, a, m, d) in enumerate(rows)]  # fmt: skip
    services.events_write(actor=None, log_name=log, records=records)


def _reference(handover: str, log: str) -> set[int]:
    """The cases with a step from department A to B, each step's department resolved in Python: the one
    recorded on the event, else the owner of the activity's touchpoint (now)."""
    from opencxm.accounts.models import Department

    source, target = (Department.objects.filter(code=code).values_list("id", flat=True).first()
                      for code in handover.split(":"))  # fmt: skip
    owner = dict(Activity.objects.values_list("id", "touchpoint__owner_department_id"))
    found = set()
    for case_id, a, b, d1, d2 in Transition.objects.filter(case__log__name=log).values_list(
        "case_id", "from_activity_id", "to_activity_id", "from_department_id", "to_department_id"
    ):
        if (d1 or owner[a], d2 or owner[b]) == (source, target):
            found.add(case_id)
    return found


def _selected(handover: str, log: str) -> set[int]:
    log_id = str(EventLog.objects.get(name=log).public_id)
    return set(selectors.cases_for(selectors.Filters(log=log_id, handover=handover)).values_list("id", flat=True))


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=MIXED, second=MIXED)
def test_handover_selection_equals_a_step_by_step_resolution(rows, second):
    """Some events record their department, others fall back to the touchpoint owner; the selection through
    the variants' steps and the CaseStep codes equals resolving every step in Python, after remapping, after a
    second write (cases grow, gain or lose recorded departments) and after a department is deleted."""
    name = f"mixed-{next(counter)}"
    for code in ("sales", "field", "service", "legal"):
        if not _exists(code):
            f.DepartmentFactory(code=code, name=code.title())
    _map({"A": "sales", "B": "field", "C": "service"})
    _write_mixed(rows, name)
    for handover in HANDOVERS:
        assert _selected(handover, name) == _reference(handover, name), handover
    _map({"D": "field", "A": "service"})
    _write_mixed(second, name)
    for handover in HANDOVERS:
        assert _selected(handover, name) == _reference(handover, name), handover
    for handover in ("legal:field", "sales:legal"):
        assert _selected(handover, name) == _reference(handover, name), handover
    _assert_flags()
    _department("legal").delete()  # owns no touchpoint: its recorded steps fall back to the owners
    for handover in HANDOVERS:
        assert _selected(handover, name) == _reference(handover, name), handover
    _assert_flags()


def _assert_flags() -> None:
    """Case.recorded_department marks exactly the cases with CaseStep rows (the others go by their variant)."""
    flagged = set(Case.objects.filter(recorded_department=True).values_list("id", flat=True))
    assert flagged == set(CaseStep.objects.values_list("case_id", flat=True))


@pytest.mark.django_db
def test_handover_with_recorded_departments():
    """An event that records its department overrides the touchpoint's owner."""
    write_events([("k1", "A", 0), ("k1", "B", 10), ("k2", "A", 0), ("k2", "B", 20)])
    _map({"A": "sales", "B": "field", "C": "service"})
    f.DepartmentFactory(code="legal", name="Legal")
    _write_mixed([("k3", "A", 0, "legal"), ("k3", "B", 5, "")], "test-log")
    assert _assert_equivalent(selectors.Filters(handover="sales:field")).cases == 2  # k3 starts in legal
    assert _assert_equivalent(selectors.Filters(handover="legal:field")).cases == 1
    assert CaseStep.objects.filter(case__key=_key("k3")).count() == 1  # only the case with a recorded department
    assert not CaseStep.objects.exclude(case__key=_key("k3")).exists()


@pytest.mark.django_db
def test_channel_rows_follow_writes_and_deletions():
    f.ChannelFactory(code="web")
    f.ChannelFactory(code="hotline")
    write_events([("k1", "A", 0, "web"), ("k1", "B", 10), ("k2", "A", 0, "hotline"), ("k2", "C", 5, "hotline")])
    assert _channels() == {("k1", "web"), ("k2", "hotline")}
    write_events([("k1", "C", 20, "hotline"), ("k3", "A", 0)])  # an existing case gains a channel
    assert _channels() == {("k1", "web"), ("k1", "hotline"), ("k2", "hotline")}
    assert _assert_equivalent(selectors.Filters(channel="hotline")).cases == 2
    # a write naming no channel (an XES file) keeps the existing cases' rows and gives its new cases none
    write_events([("k2", "D", 30), ("k4", "A", 0)])
    assert _channels() == {("k1", "web"), ("k1", "hotline"), ("k2", "hotline")}
    Channel.objects.get(code="web").delete()
    assert _channels() == {("k1", "hotline"), ("k2", "hotline")}
    with pytest.raises(selectors.FilterError, match="web"):  # a deleted channel is unknown now
        selectors.discover(selectors.Filters(channel="web"))
    EventLog.objects.all().delete()
    assert not CaseChannel.objects.exists()


def _channels() -> set[tuple[str, str]]:
    keys = dict(Case.objects.values_list("id", "key"))
    references = {key: reference for reference in ("k1", "k2", "k3", "k4") for key in [_key(reference)]}
    return {
        (references[keys[case]], code) for case, code in CaseChannel.objects.values_list("case_id", "channel__code")
    }


def _key(reference: str) -> str:
    from opencxm.feedback.pseudonyms import pseudonymise

    return pseudonymise(reference)


@pytest.mark.django_db
def test_variant_steps_are_the_paths_pairs_and_fill_rewrites_the_same_rows():
    f.ChannelFactory(code="web")
    write_events([("k1", "A", 0), ("k1", "B", 10), ("k1", "A", 20), ("k2", "C", 0), ("k3", "A", 0, "web")])
    names = dict(Activity.objects.values_list("name", "id"))
    by_path = {tuple(path): variant for variant, path in Variant.objects.values_list("id", "path")}
    a, b, c = names["A"], names["B"], names["C"]
    steps = set(VariantStep.objects.values_list("variant_id", "from_activity", "to_activity"))
    assert steps == {(by_path[(a, b, a)], a, b), (by_path[(a, b, a)], b, a), (by_path[(a, b, a)], a, 0),
                     (by_path[(c,)], c, 0), (by_path[(a,)], a, 0)}  # fmt: skip
    channels = set(CaseChannel.objects.values_list("case_id", "channel_id"))
    VariantStep.objects.all().delete()
    CaseChannel.objects.all().delete()
    casefacts.fill(apps=django_apps)  # as migration 0008 does for existing data
    assert set(VariantStep.objects.values_list("variant_id", "from_activity", "to_activity")) == steps
    assert set(CaseChannel.objects.values_list("case_id", "channel_id")) == channels


@pytest.mark.django_db
def test_the_sample_slot_is_the_same_in_the_database_and_in_python():
    write_events([(f"k{i}", "A", i) for i in range(40)])
    slots = dict(Case.objects.annotate(slot=selectors._sample_slot()).values_list("id", "slot"))
    assert slots == {case_id: _slot(case_id) for case_id in slots}
    assert {_slot(i) for i in range(1, 5000)} == set(range(1024))  # every slot is reached


def _slot(case_id: int) -> int:
    return (case_id * 2246822519) % 2**32 >> 22


@pytest.fixture
def sampling(monkeypatch):
    """A selection of more than 60 cases is sampled, down to at least 20 of them; edges taken at most 6 times
    are measured on all their cases."""
    monkeypatch.setattr(selectors, "SAMPLE_ABOVE", 60)
    monkeypatch.setattr(selectors, "SAMPLE_AT_LEAST", 20)
    monkeypatch.setattr(selectors, "RARE_EDGE", 6)


def _sampled_log():
    """300 cases: A -> B with spread-out durations; every 60th case also takes a rare C at the end."""
    f.ChannelFactory(code="web")
    rows = []
    for i in range(300):
        rows += [(f"k{i}", "A", 0, "web"), (f"k{i}", "B", 1 + (i * 37) % 500)]
        if i % 60 == 0:
            rows.append((f"k{i}", "C", 600 + i))
    write_events(rows)


@pytest.mark.django_db
def test_a_large_selection_reads_frequent_durations_from_a_fixed_sample(sampling):
    _sampled_log()
    filters = selectors.Filters(channel="web")
    fast, exact = selectors.discover(filters), selectors.discover(filters, summaries=False)
    for name in ("cases", "events", "activities", "variants", "starts", "ends", "loops"):
        assert getattr(fast, name) == getattr(exact, name), name
    assert [(e.source, e.target, e.count) for e in fast.edges] == [(e.source, e.target, e.count) for e in exact.edges]
    # the sample: the cases in the smallest slot range (of 1, 4, 16, 64, 256 of 1024) with at least 20 cases
    ids = list(Case.objects.values_list("id", flat=True))
    k = next(k for k in selectors.SAMPLE_SLOTS if sum(_slot(i) < k for i in ids) >= 20)
    sample = [i for i in ids if _slot(i) < k]
    assert fast.sampled_cases == len(sample) and 20 <= len(sample) < 300
    seconds = defaultdict(list)
    for case_id, a, b, value in Transition.objects.values_list(
        "case_id", "from_activity__name", "to_activity__name", "seconds"
    ):
        seconds[(a, b)].append((case_id, value))
    edges = {(e.source, e.target): e for e in fast.edges}
    frequent = [value for case_id, value in seconds[("A", "B")] if case_id in set(sample)]
    for q, got in ((0.5, edges[("A", "B")].median_seconds), (0.9, edges[("A", "B")].p90_seconds)):
        assert _close(got, float(np.quantile(frequent, q)))
    rare = [value for _case, value in seconds[("B", "C")]]  # 5 steps: measured on all its cases
    assert edges[("B", "C")].count == 5
    assert _close(edges[("B", "C")].median_seconds, float(np.quantile(rare, 0.5)))
    assert _close(edges[("B", "C")].p90_seconds, float(np.quantile(rare, 0.9)))
    assert selectors.discover(filters) == fast  # the same request gives the same answer
    assert fast.as_json()["duration_sample_cases"] == len(sample)
    f.ChannelFactory(code="nowhere")  # known, but no case has an event there
    assert "duration_sample_cases" not in selectors.discover(selectors.Filters(channel="nowhere")).as_json()


@pytest.mark.django_db
def test_the_api_says_the_durations_are_estimated_from_a_sample(sampling, client, world):
    from opencxm.accounts.models import ApiToken
    from opencxm.core.api_auth import token_digest

    _sampled_log()
    raw = "ocx_sample_test"
    ApiToken.objects.create(user=world.users["viewer"], name="t", prefix=raw[:8], digest=token_digest(raw),
                            scope="read")  # fmt: skip
    response = client.get("/api/v1/journeys/discover?channel=web", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["cases"] == 300 and 20 <= body["duration_sample_cases"] < 300


@pytest.mark.django_db
def test_a_selection_below_the_threshold_is_not_sampled(sampling, monkeypatch):
    monkeypatch.setattr(selectors, "SAMPLE_ABOVE", 300)
    _sampled_log()
    result = _assert_equivalent(selectors.Filters(channel="web"))
    assert result.sampled_cases == 0 and "duration_sample_cases" not in result.as_json()


@pytest.mark.django_db
def test_the_page_and_the_command_say_the_durations_are_estimated_from_a_sample(sampling, client, world, tmp_path):
    from django.core.management import call_command

    _sampled_log()
    client.force_login(world.users["viewer"])
    page = client.get("/events/discover/", {"channel": "web"}).content.decode()
    assert "Zufallsstichprobe" in page and "300" in page  # the viewer reads German
    output = tmp_path / "out.json"
    call_command("journeys", "discover", "--channel", "web", "--output", str(output))
    written = json.loads(output.read_text())
    assert written["cases"] == 300 and 20 <= written["duration_sample_cases"] < 300


@pytest.mark.django_db
def test_a_log_beyond_the_summary_size_is_read_from_its_month_rows(monkeypatch):
    """Whole-log summaries rank every step of the log on each write; beyond SUMMARY_MAX_TRANSITIONS a log keeps
    none and a whole-log request reads the month rows (exact counts, percentiles within ALPHA)."""
    from opencxm.events.models import EdgeSummary, VariantSummary

    monkeypatch.setattr(aggregates, "SUMMARY_MAX_TRANSITIONS", 4)
    write_events([("k1", "A", 0), ("k1", "B", 10), ("k2", "A", 0), ("k2", "B", 30)], log="small")
    write_events([(f"k{i}", name, i * 7 + m) for i in range(5) for name, m in (("A", 0), ("B", 3), ("C", 9))],
                 log="large")  # fmt: skip
    small, large = EventLog.objects.get(name="small"), EventLog.objects.get(name="large")
    assert VariantSummary.objects.filter(log=small).exists() and EdgeSummary.objects.filter(log=small).exists()
    assert not VariantSummary.objects.filter(log=large).exists() and not EdgeSummary.objects.filter(log=large).exists()
    assert not VariantSummary.objects.filter(log__isnull=True).exists()  # all logs together: 12 steps
    exact = selectors.discover(selectors.Filters(log=str(small.public_id)))
    assert not exact.approximate
    result = _assert_equivalent(selectors.Filters(log=str(large.public_id)))
    assert result.approximate and result.cases == 5
    everything = _assert_equivalent(selectors.Filters())  # all logs: from the per-variant durations, exact
    assert not everything.approximate and everything.cases == 7
