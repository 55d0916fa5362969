"""`opencxm demo`: migrate, load the demo company "Musterfrau AG" (idempotent) and serve it."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the demo company Musterfrau AG into the configured database and serve it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="load the data and exit")

    def handle(self, *args, host, port, no_serve, **options):
        from opencxm.demo.company import USERS
        from opencxm.demo.loader import DEMO_PASSWORD, load_demo

        call_command("migrate", interactive=False, verbosity=0)
        summary = load_demo(log=self.stdout.write)
        db = settings.DATABASES["default"]
        engine = db["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write(self.style.SUCCESS(f"Demo company loaded into {engine} {db['NAME']}"))
        for line in summary:
            self.stdout.write(f"  {line}")
        self.stdout.write("")
        self.stdout.write(f"Log in at http://{host}:{port}/ as one of these users, password: {DEMO_PASSWORD}")
        self.stdout.write("  lead (CX lead), team (CX team), ambassador.service (ambassador, customer service),")
        self.stdout.write("  board (CX board), contributor (contributor), viewer (viewer), admin (administrator)")
        printed = {"lead", "team", "ambassador.service", "board", "contributor", "viewer", "admin"}
        more = [username for username, *_ in USERS if username not in printed]
        self.stdout.write(f"  more ambassadors and board members: {', '.join(more)}")
        if not no_serve:
            call_command("serve", host=host, port=port, skip_migrate=True)
