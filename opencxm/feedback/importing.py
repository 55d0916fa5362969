"""The last step of the ingestion chain: run an import job (web upload, background task or the
`opencxm import` command) through the pure steps in `opencxm.feedback.ingest` and write in batches.

Atomicity policy:
1. Check pass: the whole file is streamed ONCE and every row is validated (values, and references to
   touchpoints, channels and segments, resolved to ids). Every row goes into a temporary staging table of the
   import's database connection (`opencxm.feedback.staging`): valid rows with their final column values,
   rejected rows with only their id. Errors are counted and the first ones kept with row, column, value and
   what was expected. Repeated ids are found by the database at the end of this pass (the later rows are
   rejected), so memory stays constant whatever the file size. Nothing is written to a real table here.
2. If any row was rejected and the job is not "partial", the job fails and NOTHING is written. With
   "partial" (the user chose "import valid rows, report rejected ones") the valid rows are written and the
   rejected ones reported.
3. Write pass: the valid staged rows are moved into the feedback table in batches of BATCH_SIZE, each batch in
   its own transaction by one `INSERT ... SELECT ... ON CONFLICT (source, external id) DO UPDATE` that skips
   unchanged rows (the file is not read again). The job's counts are saved after every batch so the page can
   show progress. At the end the rollups of every local day the file touched (old and new days of changed
   rows, and the days of unchanged rows) are refreshed once: refreshing per batch would re-aggregate the same
   days again and again. A run that dies halfway leaves whole batches only (their rollups stale until the
   rerun); running it again (the same job or the same file) ends with exactly the expected rows and correct
   rollups, because the upsert is idempotent (written rows come back as "unchanged") and the rerun refreshes
   the days of all rows.
A dry run does the check pass and computes the counts by comparing the staged rows with the stored ones;
it writes nothing.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from opencxm.analytics.models import FeedbackRollup
from opencxm.analytics.rollups import local_day, rollup_refresh
from opencxm.core.audit import audit_record
from opencxm.feedback import services
from opencxm.feedback.choices import JobStatus
from opencxm.feedback.ingest import (
    ColumnMapping,
    IngestError,
    Layout,
    Record,
    RowError,
    Table,
    detect_layout,
    open_table,
)
from opencxm.feedback.ingest.validate import checked_rows, duplicate_error
from opencxm.feedback.models import DataSource, Feedback, ImportJob
from opencxm.feedback.pseudonyms import pseudonymise
from opencxm.feedback.staging import STAGE_COLUMNS, ImportStage

BATCH_SIZE = 2000
MAX_STORED_ERRORS = 100
CHECK_PROGRESS_EVERY = 5000  # rows validated and staged between two progress reports
STANDARD_SCORES = ("nps", "csat", "ces")

Progress = Callable[[ImportJob], None]


@dataclass
class Plan:
    """An opened file with its detected layout and the mapping to use."""

    table: Table
    layout: Layout
    mapping: ColumnMapping

    @property
    def detected(self) -> dict:
        return {
            "format": self.table.format,
            "encoding": self.table.encoding or "",
            "delimiter": self.table.delimiter or "",
            "layout": self.layout.name,
            "layout_label": self.layout.label,
        }


def upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def import_max_bytes() -> int:
    return getattr(settings, "OPENCXM_IMPORT_MAX_BYTES", settings.OPENCXM_UPLOAD_MAX_BYTES)


def ingest_message(error: IngestError) -> str:
    """The translated message of a file-level error."""
    params = {key: _(value) if key == "kind" else value for key, value in error.params.items()}
    return _(error.template) % params


def import_prepare(path, filename: str, *, source: DataSource | None, mapping: dict | None, max_bytes: int) -> Plan:
    """Open the file, recognise its layout and settle the mapping: the given one, else the source's saved
    mapping, else the proposed one. Raises IngestError with a clear message for unusable files."""
    table = open_table(path, filename, max_bytes=max_bytes)
    layout = detect_layout(table, expected=(source.layout or None) if source else None)
    data = mapping or (source.mapping if source is not None else None)
    column_mapping = ColumnMapping.from_dict(data) if data else layout.mapping
    column_mapping.check_columns(layout.columns)
    return Plan(table, layout, column_mapping)


def _whole(value: float | None) -> int | None:
    return None if value is None else int(value)


def _error_dict(row: int, column: str, value: str, expected: str) -> dict:
    message = _("Row %(row)s, column '%(column)s': '%(value)s' is not %(expected)s") % {
        "row": row, "column": column, "value": value, "expected": expected,
    }  # fmt: skip
    return {"row": row, "column": column, "value": value, "expected": expected, "message": message}


def row_error_dict(error: RowError) -> dict:
    expected = _(error.expected) % error.expected_params
    return _error_dict(error.row, error.column, error.to_dict()["value"], expected) | {"code": error.code}


class ImportRun:
    """One run of an import job. `job` may be unsaved (a dry run of the command writes no job row)."""

    def __init__(self, job: ImportJob, *, progress: Progress | None = None, batch_size: int | None = None):
        self.job = job
        self.progress = progress or (lambda job: None)
        self.batch_size = batch_size or BATCH_SIZE
        self.references = None
        self.days = set()  # local days of every written row (old and new): their rollups are refreshed at the end
        self.check_moves = True
        self.all_days = False

    def execute(self, plan: Plan) -> ImportJob:
        self._start()
        self.references = services.References()
        job = self.job
        # A source without feedback yet has no stored rows whose day could move: the write skips that lookup
        self.check_moves = job.source.pk is not None and Feedback.objects.filter(source=job.source).exists()
        with ImportStage(job.source, kind=services.feedback_kind(job.source)) as stage:
            boundaries = self._check(plan, stage)
            if job.rejected and not job.partial:
                message = _("%(count)s rows were rejected; nothing was imported.") % {"count": job.rejected}
                return self._finish(JobStatus.FAILED, message)
            self._write(stage, boundaries)
            if not job.dry_run and job.rows_total:
                self.days |= stage.days()
        if self.all_days:  # rows updated without their old days known (a concurrent writer): all the source's days
            self.days |= _source_days(job.source)
        if self.days and not job.dry_run:
            rollup_refresh(source_id=job.source.pk, days=self.days)
        if job.dry_run:
            return self._finish(JobStatus.DONE, _("Dry run: the file was checked, nothing was written."))
        if job.pk and job.source.pk:
            audit_record(actor=job.created_by, action="import", instance=job.source, changes=self.counts())
        return self._finish(JobStatus.DONE, "")

    def counts(self) -> dict:
        job = self.job
        names = ("rows_read", "imported", "updated", "unchanged", "rejected")
        return {"job": str(job.public_id)} | {name: getattr(job, name) for name in names}

    def _start(self) -> None:
        job = self.job
        job.status, job.phase, job.started_at, job.finished_at = JobStatus.RUNNING, "checking", timezone.now(), None
        job.rows_read = job.imported = job.updated = job.unchanged = job.rejected = job.rows_total = 0
        job.errors, job.message = [], ""
        self._save()

    def _save(self) -> None:
        if self.job.pk:
            self.job.save()
        self.progress(self.job)

    def _finish(self, status: str, message: str) -> ImportJob:
        job = self.job
        job.status, job.phase, job.message, job.finished_at = status, "", message, timezone.now()
        self._save()
        return job

    def _keep_errors(self, errors: list) -> None:
        room = MAX_STORED_ERRORS - len(self.job.errors)
        if room > 0:
            kept = errors[:room]
            self.job.errors.extend(error if isinstance(error, dict) else row_error_dict(error) for error in kept)

    def _check(self, plan: Plan, stage: ImportStage) -> list[int]:
        """Validate and stage every row; returns the batch boundaries (file row numbers: a batch is the valid
        rows after one boundary up to and including the next)."""
        job = self.job
        stage_row = _Stager(job.source, self.references, plan.mapping)
        rejected_rest = (None,) * (len(STAGE_COLUMNS) - 3)
        chunk, boundaries, in_batch, number = [], [0], 0, 0
        rows = checked_rows(plan.table, plan.layout, plan.mapping, duplicates=False)
        for number, external_id, record, problems in rows:
            job.rows_read += 1
            if record is not None:
                row, problems = stage_row(record)
            if problems:
                job.rejected += 1
                self._keep_errors(problems)
                if external_id is not None:
                    chunk.append((number, False, external_id, *rejected_rest))
            else:
                job.rows_total += 1
                chunk.append(row)
                in_batch += 1
                if in_batch == self.batch_size:
                    boundaries.append(number)
                    in_batch = 0
            if len(chunk) >= CHECK_PROGRESS_EVERY:
                stage.add(chunk)
                chunk = []
                self._save()
        stage.add(chunk)
        if in_batch:
            boundaries.append(number)
        self._reject_repeated_ids(stage, plan.mapping)
        job.phase = "writing"
        self._save()
        return boundaries

    def _reject_repeated_ids(self, stage: ImportStage, mapping: ColumnMapping) -> None:
        """A row whose id an earlier row already had is rejected (found by the database, in constant memory);
        its error sorts before the row's other errors, as the ingest chain reports it."""
        job = self.job
        count, valid, first = stage.duplicates(MAX_STORED_ERRORS)
        if not count:
            return
        job.rejected += valid
        job.rows_total -= valid
        repeated = [row_error_dict(duplicate_error(row, mapping.external_id, external_id, first_row))
                    for row, external_id, first_row in first]  # fmt: skip
        merged = sorted(job.errors + repeated, key=lambda error: (error["row"], error.get("code") != "duplicate_id"))
        job.errors = merged[:MAX_STORED_ERRORS]

    def _write(self, stage: ImportStage, boundaries: list[int]) -> None:
        job = self.job
        for after_row, until_row in pairwise(boundaries):
            counts = services.feedback_import_batch(
                stage=stage, after_row=after_row, until_row=until_row, job=job if job.pk else None,
                dry_run=job.dry_run, check_moves=self.check_moves,
            )  # fmt: skip
            self.days |= counts.days
            self.all_days |= counts.updated > 0 and not self.check_moves and not job.dry_run
            job.imported += counts.imported
            job.updated += counts.updated
            job.unchanged += counts.unchanged
            self._save()


def _source_days(source: DataSource) -> set:
    """Every local day the source's rollups or feedback may cover: the days with rollup rows (a stale one among
    them) and every day from the source's first to its last feedback."""
    days = set(FeedbackRollup.objects.filter(source=source).values_list("day", flat=True).distinct())
    bounds = Feedback.objects.filter(source=source).aggregate(first=Min("responded_at"), last=Max("responded_at"))
    if bounds["first"] is not None:
        first, last = local_day(bounds["first"]), local_day(bounds["last"])
        days |= {first + timedelta(days=offset) for offset in range((last - first).days + 1)}
    return days


class _Stager:
    """A valid record as a staging row (plain values, references resolved to ids, the customer reference
    pseudonymised), or the problems of its references. Lookups are cached by the file's text."""

    def __init__(self, source: DataSource, references: services.References, mapping: ColumnMapping):
        self.fixed_touchpoint_id = source.fixed_touchpoint_id
        self.references = references
        self.columns = {"touchpoint": mapping.touchpoint or "-", "channel": mapping.channel or "-",
                        "segment": mapping.segment or "-"}  # fmt: skip
        self.cache = {"touchpoint": {}, "channel": {}, "segment": {}}

    def _id(self, kind: str, text: str | None):
        if text is None:
            return None
        cache = self.cache[kind]
        found = cache.get(text, _MISSING)
        if found is _MISSING:
            try:
                found = self.references.get(kind, text)
            except KeyError:
                found = _UNKNOWN
            if len(cache) < REFERENCE_CACHE:
                cache[text] = found
        return found

    def __call__(self, record: Record) -> tuple[tuple | None, list]:
        touchpoint = self._id("touchpoint", record.touchpoint_ref)
        channel = self._id("channel", record.channel_ref)
        segment = self._id("segment", record.segment_ref)
        if touchpoint is _UNKNOWN or channel is _UNKNOWN or segment is _UNKNOWN:
            problems = [
                _error_dict(record.row, self.columns[kind], str(text), str(services.EXPECTED_REFERENCE[kind]))
                for kind, text, found in (("touchpoint", record.touchpoint_ref, touchpoint),
                                          ("channel", record.channel_ref, channel),
                                          ("segment", record.segment_ref, segment))
                if found is _UNKNOWN
            ]  # fmt: skip
            return None, problems
        if touchpoint is None:
            touchpoint = self.fixed_touchpoint_id
        scores = record.scores
        if scores:
            scores = dict(scores)
            nps, csat, ces = (_whole(scores.pop(name, None)) for name in STANDARD_SCORES)
        else:
            nps = csat = ces = None
        ref = record.customer_ref
        row = (
            record.row, True, record.external_id, record.responded_at,
            pseudonymise(ref) if ref is not None else None, touchpoint, channel, segment, nps, csat, ces,
            json.dumps(scores) if scores else "{}", record.comment or "", (record.language or "")[:8],
            json.dumps(record.attributes) if record.attributes else "{}",
        )  # fmt: skip
        return row, []


_MISSING = object()
_UNKNOWN = object()
REFERENCE_CACHE = 10_000


def import_run(job: ImportJob, *, progress: Progress | None = None, batch_size: int | None = None) -> ImportJob:
    """Run a job from its stored file: prepare, check, write. File-level problems fail the job with a message."""
    run = ImportRun(job, progress=progress, batch_size=batch_size)
    try:
        plan = import_prepare(
            job.stored_file, job.filename, source=job.source, mapping=job.mapping or None, max_bytes=import_max_bytes()
        )
    except IngestError as error:
        run._start()
        return run._finish(JobStatus.FAILED, ingest_message(error))
    job.detected = plan.detected | {"columns": plan.layout.columns}
    job.mapping = plan.mapping.to_dict()
    try:
        return run.execute(plan)
    except IngestError as error:  # e.g. a CSV syntax error far down the file
        return run._finish(JobStatus.FAILED, ingest_message(error))


# --- uploads waiting for their preview ----------------------------------------------------------------------


def upload_store(upload, *, source: DataSource, user) -> str:
    """Keep an uploaded file under MEDIA_ROOT/imports/<uuid> with a small JSON note (who, which source)."""
    import json
    import uuid

    upload_id = str(uuid.uuid4())
    path = upload_dir() / upload_id
    with open(path, "wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    note = {"filename": Path(upload.name).name[:255], "source": str(source.public_id), "user": user.pk}
    (upload_dir() / f"{upload_id}.json").write_text(json.dumps(note))
    return upload_id


def upload_load(upload_id) -> dict | None:
    """The note of an upload with its `path`; None when unknown. Callers check the permission on its source
    (the id is a random UUID known only to whoever uploaded the file)."""
    import json

    note_path = upload_dir() / f"{upload_id}.json"
    if not note_path.exists():
        return None
    note = json.loads(note_path.read_text())
    return note | {"path": str(upload_dir() / str(upload_id))}


def preview_rows(plan: Plan, count: int = 10) -> list[list[str]]:
    """The first data rows, padded to the number of columns, as text."""
    from itertools import islice

    from opencxm.feedback.ingest.validate import cell_text

    width = len(plan.layout.columns)
    rows = plan.table.rows()
    try:
        picked = list(islice(rows, plan.layout.header_count, plan.layout.header_count + count))
    finally:
        rows.close()
    return [([cell_text(cell) for cell in cells] + [""] * width)[:width] for _number, cells in picked]


def preview_plan(path, filename: str, *, source: DataSource, max_bytes: int) -> Plan:
    """Like `import_prepare`, but a saved mapping that does not fit this file gives way to the proposed one."""
    try:
        return import_prepare(path, filename, source=source, mapping=None, max_bytes=max_bytes)
    except IngestError as error:
        if not error.code.startswith("mapping"):
            raise
    table = open_table(path, filename, max_bytes=max_bytes)
    layout = detect_layout(table, expected=source.layout or None)
    return Plan(table, layout, layout.mapping)


# The ingest package is plain Python without Django; its English messages are listed here so that they are
# extracted into this app's catalogue and shown translated (see `ingest_message` and `row_error_dict`).
INGEST_MESSAGES = (
    gettext_noop(
        "The layout of the file was not recognised. Known layouts: Qualtrics, SurveyMonkey, Typeform, "
        "Google Forms and LimeSurvey exports."
    ),
    gettext_noop("The file looks like a %(found)s export, but this data source expects %(expected)s."),
    gettext_noop("The file has a header but no data rows."),
    gettext_noop("This is a %(tool)s survey definition, not survey responses. Please export the responses instead."),
    gettext_noop("The mapping names the column '%(column)s', which the file does not have."),
    gettext_noop("The mapping does not say which column holds the response time."),
    gettext_noop("The mapping must be a JSON object."),
    gettext_noop("Unknown key in the mapping: %(key)s."),
    gettext_noop("The mapping value for '%(key)s' must be a column name or null."),
    gettext_noop("The mapping value for '%(key)s' must be a JSON object."),
    gettext_noop("'%(metric)s' is not a valid metric key (lower-case letters, digits and _)."),
    gettext_noop("The mapping value for '%(key)s' must be a list of column names."),
    gettext_noop("The file is empty."),
    gettext_noop("The file is too large (%(size)s bytes; the limit is %(limit)s bytes)."),
    gettext_noop("Old Excel files (.xls) are not supported. Please save the file as XLSX or CSV."),
    gettext_noop("The file is not a table (CSV or XLSX); it looks like %(kind)s."),
    gettext_noop("Row %(row)s is not valid CSV: %(detail)s."),
    gettext_noop("The file could not be read: %(detail)s."),
    gettext_noop("binary data"),
    gettext_noop("an XML or HTML document"),
    gettext_noop("a JSON document"),
    gettext_noop("a damaged ZIP archive"),
    gettext_noop("a ZIP archive without a spreadsheet"),
    gettext_noop("a damaged spreadsheet"),
    gettext_noop("an id of at most %(max)s characters"),
    gettext_noop("a new id; row %(first)s has the same id"),
    gettext_noop("'%(zone)s' is not a known time zone."),
    gettext_noop("a number"),
    gettext_noop("a whole number from %(low)s to %(high)s"),
    gettext_noop("a date and time; the response time is required"),
    gettext_noop("a date and time (%(examples)s)"),
    gettext_noop("a PNG image"),
    gettext_noop("a JPEG image"),
    gettext_noop("a GIF image"),
    gettext_noop("a PDF document"),
    gettext_noop("a gzip-compressed file"),
    gettext_noop("a bzip2-compressed file"),
    gettext_noop("a 7-Zip archive"),
    gettext_noop("a RAR archive"),
)
