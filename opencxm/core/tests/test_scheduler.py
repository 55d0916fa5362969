"""Periodic jobs without cron: when each job is due, one run per slot however many workers race for it, and
`opencxm worker` enqueueing and running what is due (in this process and as real processes)."""

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError, connections
from django_tasks_db.models import DBTaskResult

from opencxm.cases.models import Case
from opencxm.core import scheduler
from opencxm.core.models import ScheduledRun
from tests.factories import TouchpointFactory
from tests.factories_cases import FeedbackFactory

BERLIN_SUMMER = datetime(2026, 7, 1, 4, 59, tzinfo=UTC)  # 06:59 in Berlin (UTC+2)
OPENCXM = str(Path(sys.executable).parent / "opencxm")


@pytest.fixture(autouse=True)
def schedule(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    settings.OPENCXM_ESCALATION_EVERY_MINUTES = 5
    settings.OPENCXM_DIGEST_HOUR = 7
    settings.OPENCXM_EMAIL_RETRY_EVERY_MINUTES = 15
    settings.OPENCXM_ALERTS_EVERY_MINUTES = 60
    settings.OPENCXM_WEBHOOK_SWEEP_EVERY_MINUTES = 5


def job(name: str) -> scheduler.Job:
    return next(item for item in scheduler.jobs() if item.name == name)


def test_interval_slots_start_every_n_minutes():
    escalation = job("cases.escalate_overdue")
    at = datetime(2026, 7, 1, 10, 7, 30, tzinfo=UTC)
    assert escalation.slot(at) == datetime(2026, 7, 1, 10, 5, tzinfo=UTC)
    assert escalation.slot(at.replace(minute=9, second=59)) == datetime(2026, 7, 1, 10, 5, tzinfo=UTC)
    assert escalation.slot(at.replace(minute=10, second=0)) == datetime(2026, 7, 1, 10, 10, tzinfo=UTC)
    assert job("analytics.alerts").slot(at) == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)


def test_the_digest_is_due_once_a_day_from_the_configured_local_hour(settings):
    digest = job("notifications.digest")
    seven_berlin = datetime(2026, 7, 1, 5, 0, tzinfo=UTC)
    assert digest.slot(BERLIN_SUMMER) is None  # 06:59 local: not yet today
    assert digest.slot(seven_berlin) == seven_berlin
    assert digest.slot(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)) == seven_berlin  # 23:59 local: the same slot
    assert digest.slot(datetime(2026, 7, 1, 22, 0, tzinfo=UTC)) is None  # 00:00 local the next day
    assert digest.slot(datetime(2026, 12, 1, 6, 0, tzinfo=UTC)) == datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # winter
    settings.OPENCXM_DIGEST_HOUR = 18
    assert job("notifications.digest").slot(datetime(2026, 7, 1, 16, 0, tzinfo=UTC)) == datetime(
        2026, 7, 1, 16, 0, tzinfo=UTC
    )


def test_jobs_can_be_turned_off_and_a_wrong_hour_is_refused(settings):
    settings.OPENCXM_ESCALATION_EVERY_MINUTES = 0
    settings.OPENCXM_DIGEST_HOUR = -1
    assert {item.name for item in scheduler.jobs()} == {
        "notifications.retry_emails", "notifications.webhooks", "analytics.alerts"
    }  # fmt: skip
    settings.OPENCXM_DIGEST_HOUR = 24
    with pytest.raises(ValueError, match="OPENCXM_DIGEST_HOUR"):
        scheduler.jobs()


def _queued() -> list[str]:
    return sorted(DBTaskResult.objects.values_list("task_path", flat=True))


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_tick_enqueues_each_due_job_once_per_slot():
    first = scheduler.tick(BERLIN_SUMMER)
    assert sorted(run.job for run in first) == [
        "analytics.alerts",
        "cases.escalate_overdue",
        "notifications.retry_emails",
        "notifications.webhooks",
    ]  # fmt: skip  (no digest before 07:00)
    assert all(run.task_id for run in first)
    assert scheduler.tick(BERLIN_SUMMER + timedelta(seconds=50)) == []  # the same slots
    call_command("worker", "--batch", "--no-startup-delay", "--no-scheduler", verbosity=0)  # run them
    later = scheduler.tick(BERLIN_SUMMER + timedelta(minutes=1, seconds=1))  # 07:00:01 local, a full hour
    assert sorted(run.job for run in later) == sorted(item.name for item in scheduler.jobs())
    assert _queued().count("opencxm.cases.tasks.escalate_overdue") == 2
    assert ScheduledRun.objects.count() == 9


@pytest.mark.django_db
def test_a_job_still_waiting_in_the_queue_is_not_queued_again():
    noon = datetime(2026, 7, 1, 10, 1, tzinfo=UTC)
    assert len(scheduler.tick(noon)) == 5
    runs = scheduler.tick(noon + timedelta(minutes=5))  # nobody ran the first tasks yet
    assert {run.job: run.task_id for run in runs} == {"cases.escalate_overdue": "", "notifications.webhooks": ""}
    assert _queued().count("opencxm.cases.tasks.escalate_overdue") == 1


@pytest.mark.django_db
def test_old_runs_are_pruned():
    ScheduledRun.objects.create(job="cases.escalate_overdue", slot=BERLIN_SUMMER - timedelta(days=31))
    ScheduledRun.objects.create(job="cases.escalate_overdue", slot=BERLIN_SUMMER - timedelta(days=29))
    scheduler.tick(BERLIN_SUMMER)
    assert ScheduledRun.objects.filter(slot__lt=BERLIN_SUMMER - timedelta(days=30)).count() == 0
    assert ScheduledRun.objects.count() == 5


def _overdue_case() -> Case:
    feedback = FeedbackFactory(touchpoint=TouchpointFactory())
    from opencxm.cases import services

    case = services.case_create(actor=None, feedback=feedback, sla_hours=1)
    Case.objects.filter(pk=case.pk).update(sla_due_at=datetime.now(UTC) - timedelta(hours=1))
    return case


@pytest.mark.django_db(transaction=True)
def test_schedulers_racing_for_one_slot_run_the_job_once():
    """Eight workers (threads with their own database connections) claim the same slot at once: one insert
    wins and enqueues the task, the others skip; the worker then escalates the overdue case once."""
    case = _overdue_case()
    escalation = job("cases.escalate_overdue")
    slot = escalation.slot(datetime.now(UTC))
    barrier, results = threading.Barrier(8), []

    def race(number):
        try:
            barrier.wait()
            while True:
                try:  # SQLite answers "locked" to a writer while another one writes: try again
                    results.append(scheduler.claim(escalation, slot, worker=f"w{number}"))
                    break
                except OperationalError:
                    continue
        except Exception as error:  # reported by the assertion below
            results.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [run for run in results if isinstance(run, ScheduledRun)]
    assert len(won) == 1 and results.count(None) == 7, results
    assert list(ScheduledRun.objects.values_list("job", "worker")) == [("cases.escalate_overdue", won[0].worker)]
    assert _queued() == ["opencxm.cases.tasks.escalate_overdue"]
    call_command("worker", "--batch", "--no-startup-delay", "--no-scheduler", verbosity=0)
    case.refresh_from_db()
    assert case.escalated_at is not None
    assert list(case.events.values_list("kind", flat=True)) == ["created", "escalated"]


@pytest.mark.django_db(transaction=True)
def test_whole_ticks_racing_claim_every_job_once():
    now = BERLIN_SUMMER + timedelta(hours=1)  # the digest is due too
    barrier, claimed = threading.Barrier(4), []

    def race():
        try:
            barrier.wait()
            for _attempt in range(50):  # SQLite: a tick skips a job while another writer holds the lock
                claimed.extend(run.job for run in scheduler.tick(now))
                try:
                    if ScheduledRun.objects.count() == len(scheduler.jobs()):
                        break
                except OperationalError:
                    continue
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(item.name for item in scheduler.jobs())
    assert len(_queued()) == len(scheduler.jobs())


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_worker_without_scheduler_enqueues_nothing():
    call_command("worker", "--batch", "--no-startup-delay", "--no-scheduler", verbosity=0)
    assert ScheduledRun.objects.count() == 0


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_worker_runs_what_is_due(settings):
    case = _overdue_case()
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    case.refresh_from_db()
    assert case.escalated_at is not None
    results = dict(DBTaskResult.objects.values_list("task_path", "status"))
    assert results["opencxm.cases.tasks.escalate_overdue"] == "SUCCESSFUL"
    assert set(results.values()) == {"SUCCESSFUL"}


# --- real processes -----------------------------------------------------------------------------------------


def _env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    repo = str(Path(__file__).resolve().parents[3])
    env |= {
        "OPENCXM_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": repo,
        "OPENCXM_DIGEST_HOUR": "0",
        "OPENCXM_ESCALATION_EVERY_MINUTES": "1440",
    }  # fmt: skip  (due now, one slot a day)
    return env


OVERDUE_CASE = """
from datetime import UTC, datetime, timedelta
from opencxm.cases import services
from opencxm.cases.models import Case
from tests.factories import TouchpointFactory
from tests.factories_cases import FeedbackFactory
case = services.case_create(actor=None, feedback=FeedbackFactory(touchpoint=TouchpointFactory()), sla_hours=1)
Case.objects.filter(pk=case.pk).update(sla_due_at=datetime.now(UTC) - timedelta(hours=1))
"""
STATE = """
from opencxm.cases.models import Case, CaseEvent
from opencxm.core.models import ScheduledRun
from django_tasks_db.models import DBTaskResult
print(sorted(ScheduledRun.objects.values_list("job", flat=True)))
print(sorted(DBTaskResult.objects.values_list("task_path", "status")))
print(CaseEvent.objects.filter(kind="escalated").count(), Case.objects.filter(escalated_at__isnull=False).count())
"""


@pytest.mark.timeout_sensitive
def test_two_worker_processes_run_each_due_job_once(tmp_path):
    """Two `opencxm worker` processes start at the same moment on one database (SQLite file): each periodic
    job is enqueued and run once, and the overdue case is escalated once."""
    env = _env(tmp_path)

    def opencxm(*args):
        result = subprocess.run([OPENCXM, *args], env=env, capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, result.stderr
        return result.stdout

    opencxm("migrate", "--verbosity", "0")
    opencxm("shell", "-c", OVERDUE_CASE)
    workers = [
        subprocess.Popen(
            [OPENCXM, "worker", "--batch", "--no-startup-delay"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=180)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    assert sum(output.count("Periodic job") for output in outputs) == 5, outputs
    jobs, tasks, escalated = opencxm("shell", "-c", STATE).strip().splitlines()[-3:]
    assert jobs == str(["analytics.alerts", "cases.escalate_overdue", "notifications.digest",
                        "notifications.retry_emails", "notifications.webhooks"])  # fmt: skip
    assert tasks == str(sorted([
        ("opencxm.analytics.tasks.evaluate_alerts", "SUCCESSFUL"),
        ("opencxm.cases.tasks.escalate_overdue", "SUCCESSFUL"),
        ("opencxm.notifications.tasks.deliver_due_webhooks", "SUCCESSFUL"),
        ("opencxm.notifications.tasks.retry_emails", "SUCCESSFUL"),
        ("opencxm.notifications.tasks.send_digests", "SUCCESSFUL"),
    ]))  # fmt: skip
    assert escalated == "1 1"
    opencxm("worker", "--batch", "--no-startup-delay")  # the same slots: nothing new
    assert opencxm("shell", "-c", STATE).strip().splitlines()[-3] == jobs


@pytest.mark.timeout_sensitive
def test_serve_escalates_overdue_cases_by_itself(tmp_path):
    """`opencxm serve` starts the worker with the scheduler: an overdue case is escalated without cron."""
    import socket
    import sqlite3
    import time

    env = _env(tmp_path) | {"OPENCXM_ESCALATION_EVERY_MINUTES": "5"}
    for args in (["migrate", "--verbosity", "0"], ["shell", "-c", OVERDUE_CASE]):
        result = subprocess.run([OPENCXM, *args], env=env, capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, result.stderr
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([OPENCXM, "serve", "--port", str(port), "--skip-migrate"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    database = tmp_path / "data" / "opencxm.sqlite3"
    try:
        deadline, escalated = time.monotonic() + 120, None
        while escalated is None and time.monotonic() < deadline and server.poll() is None:
            time.sleep(1)
            with sqlite3.connect(database, timeout=10) as db:
                escalated = db.execute("SELECT escalated_at FROM cases_case").fetchone()[0]
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert escalated is not None
    with sqlite3.connect(database) as db:
        runs = db.execute("SELECT worker FROM core_scheduledrun WHERE job = 'cases.escalate_overdue'").fetchall()
    assert runs  # claimed by the serve's worker (a second one only if a 5-minute slot began meanwhile)
