"""`opencxm cases escalate`: escalate every open case past its SLA now (idempotent; `opencxm worker` does it
every OPENCXM_ESCALATION_EVERY_MINUTES by itself).
`opencxm cases apply-rules [--days N]`: apply the active case rules to recent feedback (no duplicates)."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone


class Command(BaseCommand):
    help = "Closed-loop cases: escalate overdue cases, apply case rules to recent feedback."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("escalate", help="escalate every open case past its SLA")
        apply = actions.add_parser("apply-rules", help="apply the active rules to recent feedback")
        apply.add_argument("--days", type=int, default=7, help="feedback of the last N days (default 7)")

    def handle(self, *args, action, days=7, **options):
        from opencxm.cases import services

        if action == "escalate":
            count = services.cases_escalate_overdue()
            self.stdout.write(f"{count} cases escalated")
            return
        from opencxm.feedback.models import Feedback

        since = timezone.now() - timedelta(days=days)
        ids = list(Feedback.objects.filter(responded_at__gte=since).values_list("pk", flat=True))
        count = services.cases_from_feedback(feedback_ids=ids)
        self.stdout.write(f"{count} cases opened")
