"""Periodic jobs without cron: every `opencxm worker` checks about every half minute which jobs are due and
enqueues each due job once per slot, however many workers run on however many machines.

A slot is the moment a job falls due: the start of its interval (every N minutes, counted from midnight UTC)
or its daily local hour. The worker that first inserts `ScheduledRun(job, slot)` enqueues the job's task in
the same transaction; every other worker's insert hits the unique constraint and it skips the slot. A worker
that starts late still runs the current slot (e.g. the digest at 09:10 when no worker ran at 07:00), but never
slots that have passed. The tasks themselves are idempotent, so a job that runs late or twice does no harm.
"""

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from opencxm.core.models import ScheduledRun

logger = logging.getLogger("opencxm.scheduler")
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
CHECK_SECONDS = 30
KEEP_RUNS = timedelta(days=30)


@dataclass(frozen=True)
class Job:
    """A periodic job: its task (dotted path of a Django task taking no arguments) runs every `every`, or
    daily at the local `hour`."""

    name: str
    task: str
    every: timedelta | None = None
    hour: int | None = None

    def slot(self, now: datetime) -> datetime | None:
        """The slot due at `now` (the latest one that has begun), or None when the job has no slot yet today."""
        if self.every is not None:
            return EPOCH + ((now - EPOCH) // self.every) * self.every
        local = now.astimezone(ZoneInfo(settings.TIME_ZONE))
        start = local.replace(hour=self.hour, minute=0, second=0, microsecond=0)
        return start.astimezone(UTC) if local >= start else None


def _every(minutes: int) -> timedelta | None:
    return timedelta(minutes=minutes) if minutes > 0 else None


def jobs() -> list[Job]:
    """The periodic jobs as configured now (settings are read at call time; 0 minutes turns a job off)."""
    candidates = [
        Job("cases.escalate_overdue", "opencxm.cases.tasks.escalate_overdue",
            every=_every(settings.OPENCXM_ESCALATION_EVERY_MINUTES)),
        Job("notifications.retry_emails", "opencxm.notifications.tasks.retry_emails",
            every=_every(settings.OPENCXM_EMAIL_RETRY_EVERY_MINUTES)),
        Job("notifications.webhooks", "opencxm.notifications.tasks.deliver_due_webhooks",
            every=_every(settings.OPENCXM_WEBHOOK_SWEEP_EVERY_MINUTES)),
        Job("analytics.alerts", "opencxm.analytics.tasks.evaluate_alerts",
            every=_every(settings.OPENCXM_ALERTS_EVERY_MINUTES)),
    ]  # fmt: skip
    result = [job for job in candidates if job.every is not None]
    hour = settings.OPENCXM_DIGEST_HOUR
    if hour > 23:
        raise ValueError(f"OPENCXM_DIGEST_HOUR must be an hour from 0 to 23, got {hour}")
    if hour >= 0:
        result.append(Job("notifications.digest", "opencxm.notifications.tasks.send_digests", hour=hour))
    return result


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def claim(job: Job, slot: datetime, *, worker: str = "") -> ScheduledRun | None:
    """Claim the slot and enqueue the job's task in one transaction; None when another worker claimed it.
    When the job's previous task is still waiting in the queue, the slot is claimed without a second task."""
    task = import_string(job.task)
    try:
        with transaction.atomic():
            run = ScheduledRun.objects.create(job=job.name, slot=slot, worker=worker or worker_name())
            if not _still_waiting(task):
                run.task_id = str(task.enqueue().id)[:64]
                run.save(update_fields=["task_id"])
    except IntegrityError:
        return None
    return run


def _still_waiting(task) -> bool:
    if "django_tasks_db" not in settings.TASKS["default"]["BACKEND"]:
        return False
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=task.module_path, status="READY").exists()


def tick(now: datetime | None = None, *, log=None) -> list[ScheduledRun]:
    """Claim and enqueue every job that is due now and not yet claimed for its slot; returns the runs this
    call claimed. A database that is busy (SQLite locked) or unreachable is left for the next tick."""
    now = now or timezone.now()
    claimed = []
    for job in jobs():
        slot = job.slot(now)
        if slot is None:
            continue
        try:
            if ScheduledRun.objects.filter(job=job.name, slot=slot).exists():
                continue
            run = claim(job, slot)
        except DatabaseError:
            logger.warning("could not check the periodic job %s; trying again at the next check", job.name)
            continue
        if run is not None:
            claimed.append(run)
            if log:
                log(f"Periodic job {job.name} enqueued (slot {slot:%Y-%m-%d %H:%M} UTC)")
    if claimed:
        try:
            ScheduledRun.objects.filter(slot__lt=now - KEEP_RUNS).delete()
        except DatabaseError:  # pruning can wait for the next claim
            logger.warning("could not prune old periodic job runs")
    return claimed


class SchedulerThread(threading.Thread):
    """Runs `tick` now and then every `every` seconds beside the task worker, with its own database
    connection; a daemon, so it ends with the worker."""

    def __init__(self, every: float = CHECK_SECONDS, log=None):
        super().__init__(name="opencxm-scheduler", daemon=True)
        self.every, self.log = every, log
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                tick(log=self.log)
            except Exception:  # keep scheduling: one failed check must not stop the periodic jobs
                logger.exception("periodic job check failed")
            finally:
                connections.close_all()  # this thread's connections only
            self.stopped.wait(self.every)

    def stop(self) -> None:
        self.stopped.set()
