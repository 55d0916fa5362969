"""`opencxm serve`: a production WSGI server (waitress) serving pages, API and static files, and by default
one background-task worker beside it (with the periodic-job scheduler: SLA escalation, digests, retries, alerts)
so imports and periodic jobs run without further setup."""

import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Serve OpenCXM over HTTP with waitress (migrates the database first unless --skip-migrate) and start a "
        "background-task worker process unless --no-worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
        parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
        parser.add_argument("--skip-migrate", action="store_true", help="do not apply pending migrations first")
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start a task worker (run `opencxm worker` yourself)"
        )

    def handle(self, *args, host, port, threads, skip_migrate, no_worker, **options):
        from waitress import serve

        from opencxm.config.wsgi import application

        if not skip_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        worker = None if no_worker else self._start_worker()
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the worker too when we are terminated
        self.stdout.write(f"OpenCXM is listening on http://{host}:{port}/ (Ctrl+C stops it)")
        try:
            serve(application, host=host, port=port, threads=threads, ident="OpenCXM")
        finally:
            if worker is not None:
                _stop(worker)

    def _start_worker(self) -> subprocess.Popen:
        """A separate process: the worker claims tasks from the database, so any number may run anywhere."""
        command = [sys.executable, "-m", "opencxm", "worker", "--interval", "1"]
        self.stdout.write("Background worker started (imports, SLA escalation, digests and other periodic jobs)")
        return subprocess.Popen(command)  # noqa: S603 (a fixed command line)


def _stop(worker: subprocess.Popen) -> None:
    """Ask the worker to finish its task; a second signal interrupts a long task (tasks resume where they
    stopped on the next start), and a worker that still does not stop is killed."""
    for _attempt in range(2):
        worker.terminate()
        try:
            worker.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue
    worker.kill()
    worker.wait()
