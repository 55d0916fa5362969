"""The demo company Musterfrau AG: the numbers the issue asks for, idempotence, handovers, the command."""

import re
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opencxm.accounts.choices import Role
from opencxm.accounts.models import Department, Membership, User
from opencxm.core.models import AuditEntry
from opencxm.demo.journeys import GLASFASER
from opencxm.demo.loader import DEMO_PASSWORD, load_demo
from opencxm.journeys.models import CustomerNeed, Journey, JourneyStep, Segment, Stage
from opencxm.touchpoints.models import Channel, Touchpoint, TouchpointContribution

MODELS = [
    Department,
    Membership,
    User,
    Channel,
    Touchpoint,
    TouchpointContribution,
    Segment,
    CustomerNeed,
    Journey,
    Stage,
    JourneyStep,
    AuditEntry,
]
CONTRIBUTIONS = 71  # one per contributing department, 0-2 per touchpoint
WITHOUT_CONTRIBUTIONS = 15
TIMESTAMPED = [Department, Membership, Channel, Touchpoint, Segment, Journey, Stage, JourneyStep]


def _quiet_load():
    return load_demo(log=lambda *args: None)


@pytest.fixture
def demo(db):
    return _quiet_load()


def _owners(journey):
    steps = JourneyStep.objects.filter(stage__journey=journey).order_by("stage__position", "position")
    return [step.touchpoint.owner_department.code for step in steps.select_related("touchpoint__owner_department")]


def _handovers(owners):
    return sum(1 for before, after in zip(owners, owners[1:], strict=False) if before != after)


def _state():
    counts = {model.__name__: model.objects.count() for model in MODELS}
    stamps = {model.__name__: sorted(model.objects.values_list("public_id", "updated_at")) for model in TIMESTAMPED}
    passwords = dict(User.objects.values_list("username", "password"))
    channels = {s.code: sorted(s.preferred_channels.values_list("code", flat=True)) for s in Segment.objects.all()}
    return counts, stamps, passwords, channels


def test_departments_include_field_service_and_customer_service(demo):
    codes = set(Department.objects.values_list("code", flat=True))
    assert Department.objects.count() == 11
    assert {"aussendienst", "kundenservice", "vertrieb", "auftragsmanagement", "cx-team"} <= codes
    assert set(Department.objects.filter(customer_facing=False).values_list("code", flat=True)) == {"it", "cx-team"}
    assert all(Department.objects.values_list("description", flat=True))


def test_two_customer_facing_departments_have_no_ambassador(demo):
    with_ambassador = Membership.objects.filter(role=Role.AMBASSADOR).values("department")
    gaps = Department.objects.filter(customer_facing=True).exclude(pk__in=with_ambassador)
    assert set(gaps.values_list("code", flat=True)) == {"logistik", "rechnungswesen"}


def test_channels_cover_every_channel_kind_but_other(demo):
    assert Channel.objects.count() == 12
    kinds = set(Channel.objects.values_list("kind", flat=True))
    assert kinds == {"web", "app", "hotline", "email", "chat", "shop", "field_service", "letter", "social"} | {
        "partner",
        "other",
    }


def test_touchpoints_meet_the_issue_numbers(demo):
    touchpoints = Touchpoint.objects.all()
    assert touchpoints.count() == 71
    assert touchpoints.values("channel").distinct().count() == 12
    assert touchpoints.filter(moment_of_truth=True).count() == 8
    assert touchpoints.filter(status="planned").count() == 7
    assert set(touchpoints.filter(status="retired").values_list("code", flat=True)) == {"TP-SHOP-05", "TP-BRIEF-07"}
    assert not touchpoints.filter(status="retired", retired_at__isnull=True).exists()
    assert not touchpoints.exclude(status="retired").filter(retired_at__isnull=False).exists()
    assert all(re.fullmatch(r"TP-[A-Z]+-\d{2}", code) for code in touchpoints.values_list("code", flat=True))


def test_every_touchpoint_has_description_processes_and_systems(demo):
    for touchpoint in Touchpoint.objects.all():
        assert touchpoint.description, touchpoint.code
        assert touchpoint.systems or touchpoint.status == "retired", touchpoint.code
    assert "Ticket-System | https://tickets.musterfrau.example/" in Touchpoint.objects.get(code="TP-HOT-03").systems
    assert Touchpoint.objects.get(code="TP-WEB-04").processes == [
        "Vertriebsprozess L2O (Lead-to-Order)",
        "Auftragsprozess O2A (Order-to-Activation)",
    ]


def test_contributions_have_raci_and_never_the_owner(demo):
    contributions = TouchpointContribution.objects.select_related("touchpoint")
    assert contributions.count() == CONTRIBUTIONS
    assert set(contributions.values_list("raci", flat=True)) == {"R", "C", "I"}
    assert not [c for c in contributions if c.department_id == c.touchpoint.owner_department_id]
    per_touchpoint = [touchpoint.contributions.count() for touchpoint in Touchpoint.objects.all()]
    assert max(per_touchpoint) == 2
    assert per_touchpoint.count(0) == WITHOUT_CONTRIBUTIONS


def test_three_segments_two_of_them_target_with_ranked_needs(demo):
    assert Segment.objects.count() == 3
    assert set(Segment.objects.filter(is_target=True).values_list("code", flat=True)) == {
        "digitale-vielnutzer",
        "kleingewerbe-homeoffice",
    }
    for segment in Segment.objects.all():
        positions = list(segment.needs.values_list("position", flat=True))
        assert positions == list(range(1, len(positions) + 1))
        assert 4 <= len(positions) <= 6
        assert len(segment.decision_drivers) >= 4
        assert segment.preferred_channels.count() >= 4


def test_four_journeys_one_of_them_target(demo):
    assert Journey.objects.count() == 4
    target = Journey.objects.get(kind="target")
    assert target.name == GLASFASER
    assert target.segment.code == "digitale-vielnutzer"
    assert Journey.objects.filter(name=GLASFASER, kind="current", segment=target.segment).exists()


def test_journeys_have_5_to_8_stages_with_1_to_3_steps(demo):
    for journey in Journey.objects.all():
        stages = list(journey.stages.order_by("position"))
        assert 5 <= len(stages) <= 8, journey
        assert [stage.position for stage in stages] == list(range(1, len(stages) + 1))
        assert all(1 <= stage.steps.count() <= 3 for stage in stages), journey
        assert JourneyStep.objects.filter(stage__journey=journey).count() >= 12, journey


def test_steps_tell_the_customer_story(demo):
    steps = JourneyStep.objects.all()
    assert steps.count() == 52
    assert not steps.filter(customer_action="").exists()
    assert not steps.filter(customer_thoughts="").exists()
    # In the customer's own words, without quotation marks: the journey map adds those.
    thoughts = list(steps.values_list("customer_thoughts", flat=True))
    assert not [t for t in thoughts if t[0] in '„"' or t[-1] not in ".?!"]
    scores = list(steps.values_list("target_score", flat=True))
    assert all(1 <= score <= 5 and score == score.quantize(score.__class__("0.1")) for score in scores)


def test_every_journey_has_handovers(demo):
    for journey in Journey.objects.all():
        assert _handovers(_owners(journey)) >= 5, journey


def test_target_journey_has_fewer_handovers_and_a_smoother_curve(demo):
    current = Journey.objects.get(name=GLASFASER, kind="current")
    target = Journey.objects.get(name=GLASFASER, kind="target")
    assert _handovers(_owners(current)) == 10
    assert _handovers(_owners(target)) == 8
    current_low = JourneyStep.objects.filter(stage__journey=current).order_by("emotion", "stage__position").first()
    assert current_low.emotion == -2
    assert current_low.stage.name == "Installation"
    assert min(JourneyStep.objects.filter(stage__journey=target).values_list("emotion", flat=True)) == 1


def test_seed_002_story_sales_order_management_technician(demo):
    journey = Journey.objects.get(name=GLASFASER, kind="current")
    owners = _owners(journey)
    sale = owners.index("vertrieb", owners.index("auftragsmanagement") - 1)
    assert owners[sale : sale + 2] == ["vertrieb", "auftragsmanagement"]
    assert "aussendienst" in owners[sale + 2 :]
    installation = journey.stages.get(name="Installation")
    technician_steps = installation.steps.filter(touchpoint__owner_department__code="aussendienst")
    assert [step.emotion for step in technician_steps] == [-2, -2]
    thoughts = " ".join(technician_steps.values_list("customer_thoughts", flat=True))
    assert "Warum weiß der Techniker nichts von meinem Auftrag?" in thoughts
    assert "erreicht den Außendienst nicht" in technician_steps.first().pain_points


def test_users_for_every_role(demo):
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    expected = {
        "lead": ("cx-team", Role.CX_LEAD),
        "team": ("cx-team", Role.CX_TEAM),
        "ambassador.service": ("kundenservice", Role.AMBASSADOR),
        "board": ("vertrieb", Role.BOARD_MEMBER),
        "contributor": ("aussendienst", Role.CONTRIBUTOR),
        "viewer": ("rechnungswesen", Role.VIEWER),
    }
    for username, (department, role) in expected.items():
        membership = Membership.objects.get(user__username=username)
        assert (membership.department.code, membership.role) == (department, role)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert User.objects.filter(is_superuser=True).count() == 1
    assert User.objects.get(username="lead").email == "katrin.vogel@musterfrau.example"
    assert User.objects.get(username="viewer").email == "petra.schaefer@musterfrau.example"


def test_demo_users_can_log_in_with_the_demo_password(demo):
    assert User.objects.get(username="lead").check_password(DEMO_PASSWORD)
    assert len(set(User.objects.values_list("password", flat=True))) == 1


def test_second_run_changes_nothing(demo):
    before = _state()
    with CaptureQueriesContext(connection) as queries:
        summary = _quiet_load()
    writes = [q["sql"] for q in queries if q["sql"].split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert _state() == before
    assert summary[-1] == "unchanged (0 created, 0 updated)"


def test_first_run_summary(demo):
    assert demo[:4] == [
        "11 departments, 12 channels, 3 segments",
        "71 touchpoints over 12 channels (8 moments of truth)",
        "4 journeys, 27 stages, 52 steps",
        "16 users",
    ]
    assert demo[4].startswith("changes: ")
    assert demo[4].endswith(" created, 0 updated")


def test_rerun_keeps_a_changed_password(demo):
    user = User.objects.get(username="lead")
    user.set_password("ein-neues-passwort")
    user.save()
    _quiet_load()
    user.refresh_from_db()
    assert user.check_password("ein-neues-passwort")


def test_rerun_restores_a_changed_demo_field_and_nothing_else(demo):
    Touchpoint.objects.filter(code="TP-HOT-03").update(name="Umbenannt")
    stamps = dict(Touchpoint.objects.exclude(code="TP-HOT-03").values_list("code", "updated_at"))
    summary = _quiet_load()
    assert summary[-1] == "changes: 0 created, 1 updated"
    assert Touchpoint.objects.get(code="TP-HOT-03").name == "Technische Hotline: Störungsmeldung"
    assert dict(Touchpoint.objects.exclude(code="TP-HOT-03").values_list("code", "updated_at")) == stamps


def test_rerun_leaves_rows_added_by_users_alone(demo):
    touchpoint = Touchpoint.objects.get(code="TP-HOT-03")
    TouchpointContribution.objects.create(
        touchpoint=touchpoint, department=Department.objects.get(code="cx-team"), raci="I"
    )
    summary = _quiet_load()
    assert summary[-1] == "unchanged (0 created, 0 updated)"
    assert touchpoint.contributions.count() == 2


def test_touchpoint_import_is_audited_once(demo):
    _quiet_load()
    entries = AuditEntry.objects.filter(action="import", object_type="touchpoints.touchpoint")
    assert entries.count() == 71
    assert AuditEntry.objects.count() == 71
    entry = entries.get(object_id=Touchpoint.objects.get(code="TP-TECH-02").public_id)
    assert entry.actor is None
    assert entry.changes["owner_department"] == [None, "Außendienst (Servicetechniker)"]


def test_loader_is_fast(db):
    started = time.perf_counter()
    _quiet_load()
    first = time.perf_counter() - started
    started = time.perf_counter()
    _quiet_load()
    second = time.perf_counter() - started
    assert first < 5
    assert second < 5


def test_loader_runs_in_one_transaction(db, monkeypatch):
    from opencxm.demo import loader

    def broken(*args, **kwargs):
        raise RuntimeError("kaputt")

    monkeypatch.setattr(loader, "_load_users", broken)
    with pytest.raises(RuntimeError):
        _quiet_load()
    assert [model.objects.count() for model in MODELS] == [0] * len(MODELS)


def test_demo_command_loads_and_prints_logins(db):
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    text = out.getvalue()
    assert "Loading the demo company Musterfrau AG" in text
    assert "71 touchpoints over 12 channels (8 moments of truth)" in text
    assert f"password: {DEMO_PASSWORD}" in text
    for username in ("lead", "team", "ambassador.service", "board", "contributor", "viewer", "admin"):
        assert re.search(rf"(^|[\s,]){re.escape(username)} \(", text), username
        assert User.objects.filter(username=username).exists()
    assert "ambassador.aussendienst, ambassador.auftrag" in text
    assert Touchpoint.objects.count() == 71


def test_demo_command_twice_reports_unchanged(db):
    call_command("demo", "--no-serve", stdout=StringIO())
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "unchanged (0 created, 0 updated)" in out.getvalue()
