from django.core.management.base import BaseCommand

from opencxm.notifications.services import digest_send


class Command(BaseCommand):
    help = "Notifications: `digest` sends the daily digest e-mails (run it once a day, e.g. from cron)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["digest"])

    def handle(self, *args, action, **options):
        sent = digest_send()
        self.stdout.write(f"{sent} digest e-mails sent")
