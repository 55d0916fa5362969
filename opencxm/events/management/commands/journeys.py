"""`opencxm journeys discover [--log NAME] [--from DAY] [--to DAY] [--activity NAME] [--channel CODE]
[--segment CODE] --output FILE.json`: the directly-follows map and variants as JSON."""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from opencxm.events import selectors
from opencxm.events.models import EventLog


class Command(BaseCommand):
    help = "Actual journeys: discover the directly-follows map and variants of event logs."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        discover = commands.add_parser("discover", help="write the discovery result as JSON")
        discover.add_argument("--output", required=True, help="JSON file to write ('-' for standard output)")
        discover.add_argument("--log", default="", help="event log name")
        discover.add_argument("--from", dest="start", type=date.fromisoformat, help="cases started on/after")
        discover.add_argument("--to", dest="end", type=date.fromisoformat, help="cases started on/before")
        discover.add_argument("--activity", default="", help="only cases containing this activity")
        discover.add_argument("--channel", default="", help="only cases with an event in this channel (code)")
        discover.add_argument("--segment", default="", help="only cases of customers in this segment (code)")

    def handle(self, *args, **options):
        log = ""
        if options["log"]:
            found = EventLog.objects.filter(name=options["log"]).first()
            if found is None:
                raise CommandError(_("No event log named “%(name)s”.") % {"name": options["log"]})
            log = str(found.public_id)
        filters = selectors.Filters(
            log=log, start=options["start"], end=options["end"], activity=options["activity"],
            channel=options["channel"], segment=options["segment"],
        )  # fmt: skip
        text = json.dumps(selectors.discover(filters).as_json(), ensure_ascii=False, indent=1)
        if options["output"] == "-":
            self.stdout.write(text)
        else:
            with open(options["output"], "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
