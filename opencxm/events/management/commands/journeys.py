"""`opencxm journeys discover [--log NAME] [--from DAY] [--to DAY] [--activity NAME] [--channel CODE]
[--segment CODE] [--nps-band BAND] [--topic KEY] [--handover FROM:TO] --output FILE.json`: the directly-follows
map and variants as JSON.
`opencxm journeys handovers [--log NAME] [--from DAY] [--to DAY] [--window DAYS] [--min-n N] --output FILE.json`:
handover friction between departments as JSON."""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from opencxm.events import selectors
from opencxm.events.handovers import DEFAULT_MIN_N, DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS, HandoverQuery, handover_report
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
        discover.add_argument(
            "--nps-band", default="", choices=["promoter", "passive", "detractor"],
            help="only cases of customers whose latest NPS rating in the period is in this band",
        )  # fmt: skip
        discover.add_argument("--topic", default="", help="only cases of customers who commented on this topic (key)")
        discover.add_argument(
            "--handover", default="", metavar="FROM:TO",
            help="only cases stepping directly from department FROM to department TO (codes)",
        )  # fmt: skip
        handovers = commands.add_parser("handovers", help="write handover friction between departments as JSON")
        handovers.add_argument("--output", required=True, help="JSON file to write ('-' for standard output)")
        handovers.add_argument("--log", default="", help="event log name")
        handovers.add_argument("--from", dest="start", type=date.fromisoformat, help="cases started on/after")
        handovers.add_argument("--to", dest="end", type=date.fromisoformat, help="cases started on/before")
        handovers.add_argument("--window", type=int, default=DEFAULT_WINDOW_DAYS, help="re-contact window in days")
        handovers.add_argument("--min-n", dest="min_n", type=int, default=DEFAULT_MIN_N,
                               help="NPS answers needed per group to rank a handover")  # fmt: skip

    def handle(self, *args, **options):
        if options["action"] == "handovers":
            self._write(options["output"], self._handovers(options))
            return
        log = ""
        if options["log"]:
            found = EventLog.objects.filter(name=options["log"]).first()
            if found is None:
                raise CommandError(_("No event log named “%(name)s”.") % {"name": options["log"]})
            log = str(found.public_id)
        filters = selectors.Filters(
            log=log, start=options["start"], end=options["end"], activity=options["activity"],
            channel=options["channel"], segment=options["segment"], nps_band=options["nps_band"],
            topic=options["topic"], handover=options["handover"],
        )  # fmt: skip
        try:
            result = selectors.discover(filters)
        except selectors.FilterError as error:
            raise CommandError(str(error)) from None
        self._write(options["output"], result.as_json())

    def _write(self, output: str, result: dict) -> None:
        text = json.dumps(result, ensure_ascii=False, indent=1)
        if output == "-":
            self.stdout.write(text)
        else:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")

    def _handovers(self, options) -> dict:
        if not 1 <= options["window"] <= MAX_WINDOW_DAYS:
            raise CommandError(_("The window must be between 1 and %(most)s days.") % {"most": MAX_WINDOW_DAYS})
        if options["min_n"] < 1:
            raise CommandError(_("--min-n must be at least 1."))
        log = self._log_id(options["log"]) if options["log"] else ""
        filters = selectors.Filters(log=log, start=options["start"], end=options["end"])
        return handover_report(HandoverQuery(filters, options["window"], options["min_n"])).as_json()

    def _log_id(self, name: str) -> str:
        found = EventLog.objects.filter(name=name).first()
        if found is None:
            raise CommandError(_("No event log named “%(name)s”.") % {"name": name})
        return str(found.public_id)
