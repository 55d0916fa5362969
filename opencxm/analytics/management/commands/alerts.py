"""`opencxm alerts evaluate [--date YYYY-MM-DD]`: evaluate the targets, raise and close alerts, send e-mails."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Evaluate every active target over its window; raise and close alerts and e-mail the ambassadors."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        evaluate = actions.add_parser("evaluate", help="evaluate the targets now")
        evaluate.add_argument("--date", help="evaluate as on this day (YYYY-MM-DD); the window ends the day before")

    def handle(self, *args, action, date=None, **options):
        from opencxm.analytics.alerts import evaluate

        counts = evaluate(_day(date))
        self.stdout.write(
            "{evaluated} targets evaluated: {raised} alerts raised, {closed} closed, {open} still open".format(**counts)
        )


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--date: expected YYYY-MM-DD, got {text!r}") from error
