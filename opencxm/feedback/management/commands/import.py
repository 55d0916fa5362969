"""`opencxm import FILE --source NAME [--mapping FILE.json] [--dry-run] [--partial]`: import feedback
from a file, synchronously, with the same code as the background task."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from opencxm.feedback import importing, services
from opencxm.feedback.choices import JobStatus
from opencxm.feedback.ingest import IngestError
from opencxm.feedback.models import DataSource, ImportJob

SHOWN_ERRORS = 10
LINE_EVERY = 10_000
BAR_WIDTH = 30


class Progress:
    """A progress bar on stderr: redrawn in place on a terminal, else a line every LINE_EVERY rows."""

    def __init__(self, stream, tty: bool):
        self.stream, self.tty, self.last = stream, tty, (None, -1)

    def __call__(self, job: ImportJob) -> None:
        done = job.rows_read if job.phase == "checking" else job.imported + job.updated + job.unchanged
        if job.phase not in ("checking", "writing"):
            return
        total = job.rows_total if job.phase == "writing" else 0
        if self.tty:
            self.stream.write("\r" + self._line(job.phase, done, total))
        elif job.phase != self.last[0] or done // LINE_EVERY != self.last[1] // LINE_EVERY or done == total:
            self.stream.write(self._line(job.phase, done, total) + "\n")
        self.stream.flush()
        self.last = (job.phase, done)

    def _line(self, phase: str, done: int, total: int) -> str:
        label = _("Checking") if phase == "checking" else _("Writing")
        if not total:
            return f"{label}: {done} " + _("rows")
        filled = BAR_WIDTH * done // total
        return f"{label} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {100 * done // total:3d}% {done}/{total}"

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


class Command(BaseCommand):
    help = "Import feedback from a CSV, XLSX or LimeSurvey file into a data source."
    requires_system_checks = []  # a data command: the checks (URL conf, models) cost a second at every start

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV, XLSX, .lsr or .lsa file")
        parser.add_argument("--source", required=True, help="data source name; created from the file if unknown")
        parser.add_argument("--mapping", help="JSON file with the column mapping (see docs/ingest-formats.md)")
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        parser.add_argument("--partial", action="store_true", help="import the valid rows, report rejected ones")
        parser.add_argument("--batch-size", type=int, default=None, help="rows per transaction (default 2000)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        source = DataSource.objects.filter(name=options["source"]).first()
        try:
            plan = importing.import_prepare(
                path, path.name, source=source, mapping=self._mapping(options["mapping"]),
                max_bytes=importing.import_max_bytes(),
            )  # fmt: skip
        except IngestError as error:
            raise CommandError(importing.ingest_message(error)) from None
        source = source or self._new_source(options["source"], plan, options["dry_run"])
        job = self._job(source, path, plan, options)
        progress = Progress(self.stderr._out, self.stderr.isatty())
        try:
            job = importing.ImportRun(job, progress=progress, batch_size=options["batch_size"]).execute(plan)
        except IngestError as error:
            raise CommandError(importing.ingest_message(error)) from None
        finally:
            progress.close()
        self._summary(job)
        if job.status == JobStatus.FAILED:
            raise CommandError(job.message, returncode=1)

    def _mapping(self, mapping_file: str | None) -> dict | None:
        if not mapping_file:
            return None
        try:
            return json.loads(Path(mapping_file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(_("The mapping file cannot be read: %(error)s") % {"error": error}) from None

    def _new_source(self, name: str, plan: importing.Plan, dry_run: bool) -> DataSource:
        data = {"name": name, "layout": plan.layout.name, "mapping": plan.mapping.to_dict()}
        if dry_run:
            self.stdout.write(_("Data source %(name)s does not exist; it would be created (layout: %(layout)s).")
                              % {"name": name, "layout": plan.layout.label})  # fmt: skip
            return DataSource(**data)
        source = services.data_source_create(actor=None, data=data)
        self.stdout.write(_("Created data source %(name)s from the detected layout (%(layout)s).")
                          % {"name": name, "layout": plan.layout.label})  # fmt: skip
        return source

    def _job(self, source: DataSource, path: Path, plan: importing.Plan, options) -> ImportJob:
        fields = {"mapping": plan.mapping.to_dict(), "detected": plan.detected | {"columns": plan.layout.columns}}
        if options["dry_run"]:
            return ImportJob(source=source, filename=path.name, dry_run=True, partial=options["partial"], **fields)
        return services.import_job_create(
            actor=None, source=source, stored_file=str(path.resolve()), filename=path.name,
            partial=options["partial"], enqueue=False, **fields,
        )  # fmt: skip

    def _summary(self, job: ImportJob) -> None:
        lines = [
            _("Rows read: %(n)s") % {"n": job.rows_read},
            _("Imported: %(n)s") % {"n": job.imported},
            _("Updated: %(n)s") % {"n": job.updated},
            _("Unchanged: %(n)s") % {"n": job.unchanged},
            _("Rejected: %(n)s") % {"n": job.rejected},
        ]
        if job.dry_run:
            lines.insert(0, _("Dry run: nothing was written."))
        self.stdout.write("\n".join(lines))
        if job.errors:
            self.stdout.write(_("First errors:"))
            for error in job.errors[:SHOWN_ERRORS]:
                self.stdout.write(f"  {error['message']}")
