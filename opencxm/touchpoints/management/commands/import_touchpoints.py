"""`opencxm import_touchpoints FILE [--dry-run]`: the web import's checks and write step, from the shell."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from opencxm.core.permissions import Access
from opencxm.touchpoints import selectors, services
from opencxm.touchpoints.importing import ImportRejected, read_touchpoint_file


class Command(BaseCommand):
    help = "Import touchpoints from a CSV or XLSX file (all or nothing; unchanged rows are left alone)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, write nothing")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        references = selectors.import_references(access=Access(authenticated=True, is_admin=True))
        try:
            rows = read_touchpoint_file(file.read_bytes(), references, max_bytes=settings.OPENCXM_UPLOAD_MAX_BYTES)
        except ImportRejected as rejected:
            for problem in rejected.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(rejected.problems)} problem(s); nothing was written.") from None
        counts = services.touchpoints_import(actor=None, rows=rows, dry_run=dry_run)
        prefix = "Dry run, nothing written: " if dry_run else ""
        self.stdout.write(f"{prefix}{counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged.")
