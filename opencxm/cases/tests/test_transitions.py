"""Case transitions: state machine, required fields, append-only timeline, stale versions, escalation
command, who may do what (contributors, board members), and two users acting at once."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from opencxm.cases import services
from opencxm.cases.models import AppendOnly, Case, CaseEvent
from opencxm.cases.permissions import case_access_for
from opencxm.core.models import AuditEntry
from tests import factories as f
from tests.factories_cases import DataSourceFactory, FeedbackFactory


@pytest.fixture
def case(world):
    feedback = FeedbackFactory(source=DataSourceFactory(name="Umfrage"), touchpoint=world.touchpoint, nps=2)
    return services.case_create(actor=None, feedback=feedback)


def state(case) -> tuple:
    row = Case.objects.get(pk=case.pk)
    return row.status, row.version, row.department_id, row.assignee_id, row.escalated_at, row.closed_at


def kinds(case) -> list:
    return list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))


def test_assign_comment_hand_over_and_close(world, case):
    ambassador = world.users["ambassador"]
    case = services.case_assign(actor=ambassador, case=case, assignee=ambassador, expected_version=1)
    assert (case.status, case.assignee, case.version) == ("in_progress", ambassador, 2)
    case = services.case_comment(actor=ambassador, case=case, text=" Kunde angerufen ", expected_version=2)
    case = services.case_handover(actor=ambassador, case=case, to_department=world.other, note="Vertrag",
                                  expected_version=3)  # fmt: skip
    assert (case.status, case.department, case.assignee, case.version) == ("handed_over", world.other, None, 4)
    receiver = world.users["other_department"]
    case = services.case_close(actor=receiver, case=case, root_cause="process", resolution="Gutschrift",
                               expected_version=4)  # fmt: skip
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.root_cause, stored.resolution, stored.version) == ("closed", "process",
                                                                                    "Gutschrift", 5)  # fmt: skip
    assert stored.closed_at is not None
    events = list(CaseEvent.objects.filter(case=case).values_list("kind", "department_id", "from_department_id",
                                                                   "note"))  # fmt: skip
    assert events == [
        ("created", world.own.pk, None, ""),
        ("assigned", world.own.pk, None, ""),
        ("commented", world.own.pk, None, "Kunde angerufen"),
        ("handed_over", world.other.pk, world.own.pk, "Vertrag"),
        ("closed", world.other.pk, None, "Gutschrift"),
    ]
    assert AuditEntry.objects.filter(object_id=case.public_id, action="update").count() == 3  # comments: timeline


def test_handover_keeps_the_customers_sla_clock(world, case):
    due = case.sla_due_at
    case = services.case_handover(actor=None, case=case, to_department=world.other, note="n", expected_version=1)
    assert Case.objects.get(pk=case.pk).sla_due_at == due


@pytest.mark.parametrize(
    ("root_cause", "resolution"),
    [("", "Gutschrift"), ("process", ""), ("process", "   ")],
    ids=["cause", "res", "blank"],
)
def test_close_requires_root_cause_and_resolution(world, case, root_cause, resolution):
    before = state(case)
    with pytest.raises(services.CaseInvalid):
        services.case_close(actor=None, case=case, root_cause=root_cause, resolution=resolution, expected_version=1)
    assert state(case) == before and kinds(case) == ["created"]


def test_invalid_inputs_change_nothing(world, case):
    before = state(case)
    with pytest.raises(services.CaseInvalid):
        services.case_assign(actor=None, case=case, assignee=world.users["other_department"], expected_version=1)
    with pytest.raises(services.CaseInvalid):
        services.case_handover(actor=None, case=case, to_department=world.own, note="n", expected_version=1)
    with pytest.raises(services.CaseInvalid):
        services.case_handover(actor=None, case=case, to_department=world.other, note=" ", expected_version=1)
    with pytest.raises(services.CaseInvalid):
        services.case_comment(actor=None, case=case, text="", expected_version=1)
    assert state(case) == before and kinds(case) == ["created"]


def test_a_closed_case_takes_no_more_actions(world, case):
    case = services.case_close(actor=None, case=case, root_cause="other", resolution="ok", expected_version=1)
    before = state(case)
    calls = [
        lambda: services.case_comment(actor=None, case=case, text="x", expected_version=2),
        lambda: services.case_assign(actor=None, case=case, assignee=world.users["ambassador"], expected_version=2),
        lambda: services.case_handover(actor=None, case=case, to_department=world.other, note="n", expected_version=2),
        lambda: services.case_escalate(actor=None, case=case, expected_version=2),
        lambda: services.case_close(actor=None, case=case, root_cause="other", resolution="x", expected_version=2),
    ]
    for call in calls:
        with pytest.raises(services.CaseConflict):
            call()
    assert state(case) == before


def test_a_stale_version_is_refused_and_changes_nothing(world, case):
    services.case_comment(actor=None, case=case, text="zuerst", expected_version=1)
    before = state(case)
    with pytest.raises(services.CaseConflict) as caught:
        services.case_close(actor=None, case=case, root_cause="other", resolution="x", expected_version=1)
    assert "Someone else changed this case" in str(caught.value.message)
    assert state(case) == before and kinds(case) == ["created", "commented"]


def test_the_conditional_update_catches_a_writer_between_lock_and_write(world, case):
    """Without row locks (SQLite) the WHERE version = seen clause alone decides."""
    stale = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(version=7)
    with pytest.raises(services.CaseConflict):
        services._save(stale, None, {"status": "in_progress"})
    assert Case.objects.get(pk=case.pk).status == "open"


def test_timeline_is_append_only(case):
    event = CaseEvent.objects.get(case=case)
    event.note = "verändert"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    assert CaseEvent.objects.get(case=case).note == ""


def test_escalation_command_escalates_overdue_cases_once(world, case):
    due_later = services.case_create(
        actor=None, feedback=FeedbackFactory(source=case.feedback.source, touchpoint=world.touchpoint)
    )
    Case.objects.filter(pk=case.pk).update(sla_due_at=timezone.now() - timedelta(minutes=1))
    out = StringIO()
    call_command("cases", "escalate", stdout=out)
    call_command("cases", "escalate", stdout=out)
    assert out.getvalue() == "1 cases escalated\n0 cases escalated\n"
    assert kinds(case) == ["created", "escalated"]
    assert Case.objects.get(pk=case.pk).escalated_at is not None
    assert Case.objects.get(pk=due_later.pk).escalated_at is None
    event = CaseEvent.objects.get(case=case, kind="escalated")
    assert (event.actor, event.note) == (None, "SLA passed")


def test_apply_rules_command(world):
    from tests.factories_cases import CaseRuleFactory

    CaseRuleFactory()
    FeedbackFactory(source=DataSourceFactory(name="U"), touchpoint=world.touchpoint, responded_at=timezone.now())
    out = StringIO()
    call_command("cases", "apply-rules", "--days", "2", stdout=out)
    call_command("cases", "apply-rules", stdout=out)
    assert out.getvalue() == "1 cases opened\n0 cases opened\n"


def test_manual_escalation_is_refused_twice(case):
    case = services.case_escalate(actor=None, case=case, expected_version=1, reason="Kunde droht")
    with pytest.raises(services.CaseConflict):
        services.case_escalate(actor=None, case=case, expected_version=2)
    assert kinds(case) == ["created", "escalated"]


def test_update_priority_and_assignee(world, case):
    ambassador = world.users["ambassador"]
    case = services.case_update(actor=None, case=case, priority="urgent", assignee=ambassador)
    assert (case.priority, case.assignee, case.version, case.status) == ("urgent", ambassador, 2, "open")
    case = services.case_update(actor=None, case=case, priority="urgent", assignee=False)
    assert case.version == 2  # nothing changed, nothing written
    case = services.case_update(actor=None, case=case, assignee=None, expected_version=2)
    assert Case.objects.get(pk=case.pk).assignee is None
    assert kinds(case) == ["created", "updated", "updated"]


def _user(username, department, role):
    user = f.UserFactory(username=username)
    f.MembershipFactory(user=user, department=department, role=role)
    return user


def test_roles_beyond_the_world_personas(world, case):
    contributor = case_access_for(_user("contrib", world.own, "contributor"))
    board = case_access_for(_user("board", world.other, "board_member"))
    viewer = case_access_for(world.users["viewer"])
    outsider = case_access_for(world.users["other_department"])
    own, other = world.own.pk, world.other.pk
    assert (contributor.can_read(own), contributor.can_work(own), contributor.can_work(other)) == (True, True, False)
    assert (board.can_read(own), board.can_work(own), board.can_work(other), board.reads_all) == (True, False, False,
                                                                                                  True)  # fmt: skip
    assert (viewer.can_read(own), viewer.can_work(own)) == (True, False)
    assert (outsider.can_read(own), outsider.can_work(own), outsider.can_work(other)) == (False, False, True)


@pytest.mark.django_db(transaction=True)
def test_two_users_closing_and_handing_over_at_once_cannot_both_win(world):
    """Two threads act on the same version at once: the row lock (PostgreSQL) or the conditional UPDATE
    (SQLite) lets exactly one win; the other gets CaseConflict and its change is not written."""
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL row locks")
    feedback = FeedbackFactory(source=DataSourceFactory(name="Umfrage"), touchpoint=world.touchpoint)
    case = services.case_create(actor=None, feedback=feedback)
    barrier = threading.Barrier(2)
    results = {}

    def act(name, call):
        try:
            barrier.wait()
            call(Case.objects.get(pk=case.pk))
            results[name] = "won"
        except services.CaseConflict:
            results[name] = "conflict"
        except Exception as error:  # reported by the assertion below
            results[name] = repr(error)
        finally:
            connections.close_all()

    close = lambda c: services.case_close(actor=None, case=c, root_cause="process", resolution="r", expected_version=1)  # noqa: E731
    hand = lambda c: services.case_handover(actor=None, case=c, to_department=world.other, note="n", expected_version=1)  # noqa: E731
    threads = [threading.Thread(target=act, args=("close", close)), threading.Thread(target=act, args=("hand", hand))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == ["conflict", "won"]
    stored = Case.objects.get(pk=case.pk)
    assert stored.version == 2
    winner = next(name for name, result in results.items() if result == "won")
    expected = ("closed", world.own.pk) if winner == "close" else ("handed_over", world.other.pk)
    assert (stored.status, stored.department_id) == expected
    assert len(kinds(stored)) == 2
