"""`opencxm worker`: the background-task worker (django-tasks-db's `db_worker`, with all its options) that also
enqueues the periodic jobs when they are due: SLA escalation, the daily digest, e-mail retries, webhook
retries and the evaluation of targets and alerts (see opencxm/core/scheduler.py). Run any number of workers on
any number of machines: each periodic job still runs once per slot. `--no-scheduler` leaves the periodic
jobs to other workers."""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as TaskWorkerCommand

from opencxm.core import scheduler


class Command(TaskWorkerCommand):
    help = (
        "Run background tasks and, unless --no-scheduler, enqueue the periodic jobs (SLA escalation, daily "
        "digest, e-mail and webhook retries, alerts) when they are due, once per slot across all workers."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-scheduler", action="store_true", help="do not enqueue periodic jobs (other workers do)"
        )
        parser.add_argument(
            "--schedule-check",
            type=float,
            default=scheduler.CHECK_SECONDS,
            help="seconds between checks for due periodic jobs (default %(default)s)",
        )

    def handle(self, *args, no_scheduler=False, schedule_check=scheduler.CHECK_SECONDS, **options):
        reloader_parent = options.get("reload") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        if not no_scheduler and not reloader_parent:
            log = self.stdout.write if options.get("verbosity", 1) >= 1 else None
            if options.get("batch"):
                scheduler.tick(log=log)  # what is due now, then the batch runs it with the other tasks
            else:
                scheduler.SchedulerThread(every=schedule_check, log=log).start()
        super().handle(*args, **options)
