"""`opencxm serve`: a production WSGI server (waitress) serving pages, API and static files."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve OpenCXM over HTTP with waitress (migrates the database first unless --skip-migrate)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
        parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
        parser.add_argument("--skip-migrate", action="store_true", help="do not apply pending migrations first")

    def handle(self, *args, host, port, threads, skip_migrate, **options):
        from waitress import serve

        from opencxm.config.wsgi import application

        if not skip_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"OpenCXM is listening on http://{host}:{port}/ (Ctrl+C stops it)")
        serve(application, host=host, port=port, threads=threads, ident="OpenCXM")
