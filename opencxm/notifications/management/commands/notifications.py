from django.core.management.base import BaseCommand

from opencxm.notifications.services import digest_send, emails_retry


class Command(BaseCommand):
    help = (
        "Notifications: `digest` sends the daily digest e-mails now (`opencxm worker` sends them daily at "
        "OPENCXM_DIGEST_HOUR); `send` sends the immediate e-mails of the last two days that failed or were never sent."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["digest", "send"])

    def handle(self, *args, action, **options):
        if action == "digest":
            self.stdout.write(f"{digest_send()} digest e-mails sent")
        else:
            self.stdout.write(f"{emails_retry()} e-mails sent")
