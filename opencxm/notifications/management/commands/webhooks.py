from django.core.management.base import BaseCommand

from opencxm.notifications.webhooks import deliver_due


class Command(BaseCommand):
    help = (
        "Webhooks: `deliver` attempts every pending delivery whose time has come (`opencxm worker` does it regularly)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["deliver"])
        parser.add_argument("--limit", type=int, default=500, help="At most this many deliveries per run.")

    def handle(self, *args, action, limit, **options):
        counts = deliver_due(limit=limit)
        summary = ", ".join(f"{outcome}: {count}" for outcome, count in sorted(counts.items())) or "nothing due"
        self.stdout.write(summary)
