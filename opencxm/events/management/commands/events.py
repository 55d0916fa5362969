"""`opencxm events import FILE [--mapping FILE.json] [--log NAME]`: import events from CSV, XLSX or XES(.gz)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from opencxm.events import services
from opencxm.events.records import EventError
from opencxm.events.views import event_message, import_summary


class Command(BaseCommand):
    help = "Event logs: import a CSV, XLSX or XES file (all or nothing, idempotent)."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        importing = commands.add_parser("import", help="import a file")
        importing.add_argument("file", help="CSV, XLSX, .xes or .xes.gz file")
        importing.add_argument("--mapping", help='JSON file naming the columns, e.g. {"case": "Ticket"}')
        importing.add_argument("--log", help="log name (default: the file name)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        mapping = json.loads(Path(options["mapping"]).read_text()) if options["mapping"] else None
        try:
            result = services.events_import_file(
                actor=None, path=path, filename=path.name, log_name=options["log"] or path.name, mapping=mapping
            )
        except EventError as error:
            raise CommandError(event_message(error)) from None
        self.stdout.write(import_summary(result))
