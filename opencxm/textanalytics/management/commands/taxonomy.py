"""`opencxm taxonomy load-default`: create the shipped default CX taxonomy (German and English) as topics."""

from django.core.management.base import BaseCommand

from opencxm.textanalytics.services import taxonomy_load_default


class Command(BaseCommand):
    help = "Manage the topic taxonomy."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("load-default", help="create the default CX taxonomy (existing topics are kept)")

    def handle(self, *args, action, **options):
        created = taxonomy_load_default()
        self.stdout.write(f"{created} topics created.")
