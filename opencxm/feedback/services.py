"""Writes of the feedback app: data sources, the feedback upsert (import and API), measurements,
import jobs and customer erasure. Every write is atomic and audited; feedback writes refresh the rollups
of the (source, local day) slices they touched in the same transaction."""

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date
from operator import attrgetter

from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opencxm.analytics.rollups import local_day, rollup_refresh
from opencxm.core.audit import audit_record, diff, snapshot
from opencxm.feedback.choices import FeedbackKind, JobStatus, SourceKind
from opencxm.feedback.models import Customer, CustomerContact, DataSource, Feedback, ImportJob, Measurement
from opencxm.feedback.pseudonyms import pseudonymise
from opencxm.journeys.models import Segment
from opencxm.touchpoints.models import Channel, Touchpoint

SOURCE_FIELDS = ["name", "kind", "owner_department", "description", "layout", "mapping", "fixed_touchpoint"]
COMPARED_FIELDS = [
    "kind", "responded_at", "customer_id", "touchpoint_id", "channel_id", "segment_id",
    "nps", "csat", "ces", "scores", "comment", "language", "attributes",
]  # fmt: skip
DEFAULT_KIND = {SourceKind.COMPLAINTS: FeedbackKind.COMPLAINT, SourceKind.CALL_CENTRE: FeedbackKind.CONTACT}
NO_TOUCHPOINT = "__none__"


@dataclass
class Counts:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    days: set = field(default_factory=set, compare=False, repr=False)  # local days whose rollups changed

    def as_dict(self) -> dict:
        return {"imported": self.imported, "updated": self.updated, "unchanged": self.unchanged}

    def add(self, other: "Counts") -> None:
        self.imported += other.imported
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass(frozen=True)
class RecordError:
    """A record of a batch that cannot be stored: its position, the field, the value and what was expected."""

    index: int
    field: str
    value: str
    expected: str

    @property
    def message(self) -> str:
        return str(_("'%(value)s' is not %(expected)s") % {"value": self.value, "expected": self.expected})


class RecordsRejected(Exception):
    """Raised before anything is written when a record of a batch is invalid."""

    def __init__(self, errors: list[RecordError]):
        self.errors = errors
        super().__init__(f"{len(errors)} invalid records")


class SourceInUse(Exception):
    """A data source with stored feedback or measurements cannot be deleted."""


# --- data sources -------------------------------------------------------------------------------------------


def data_source_create(*, actor, data: dict) -> DataSource:
    """Create a data source from cleaned form or API data (keys of SOURCE_FIELDS)."""
    with transaction.atomic():
        source = DataSource.objects.create(**data)
        audit_record(actor=actor, action="create", instance=source, changes=snapshot(source, SOURCE_FIELDS))
    return source


def data_source_update(*, actor, source: DataSource, data: dict) -> DataSource:
    """Change a data source's fields (name, kind, owner, mapping, ...); audited with a diff."""
    with transaction.atomic():
        before = snapshot(source, SOURCE_FIELDS)
        for name, value in data.items():
            setattr(source, name, value)
        source.save()
        changes = diff(before, snapshot(source, SOURCE_FIELDS))
        if changes:
            audit_record(actor=actor, action="update", instance=source, changes=changes)
    return source


def data_source_delete(*, actor, source: DataSource) -> None:
    """Delete a data source without data; raise SourceInUse when feedback or measurements refer to it."""
    with transaction.atomic():
        if source.feedback.exists() or source.measurements.exists():
            raise SourceInUse(source.name)
        audit_record(actor=actor, action="delete", instance=source, changes=snapshot(source, SOURCE_FIELDS))
        source.delete()


# --- references ---------------------------------------------------------------------------------------------


class References:
    """Touchpoints, channels and segments by code or name (case-insensitive), loaded once and cached.

    The registries are small (hundreds of rows), so one query each serves a whole import.
    """

    def __init__(self):
        self._maps = {
            "touchpoint": _lookup(Touchpoint.objects.all()),
            "channel": _lookup(Channel.objects.all()),
            "segment": _lookup(Segment.objects.all()),
        }

    def get(self, kind: str, value) -> int | None:
        """The id for a code or name; None for an empty value; KeyError when unknown."""
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        return self._maps[kind][text.casefold()]


def _lookup(queryset) -> dict[str, int]:
    rows = list(queryset.annotate(c=Lower("code"), n=Lower("name")).values_list("id", "code", "name"))
    table = {name.casefold(): pk for pk, _code, name in rows}
    table.update({code.casefold(): pk for pk, code, _name in rows})  # codes win over names
    return table


EXPECTED_REFERENCE = {
    "touchpoint": _("a touchpoint code or name from the registry"),
    "channel": _("a channel code or name"),
    "segment": _("a segment code or name"),
}


def record_resolve(source: DataSource, record: dict, references: References) -> tuple[dict, list[tuple]]:
    """Feedback field values of one input record, and (field, value, expected) for unknown references.

    Input keys: external_id, responded_at (aware), customer_ref, touchpoint, channel, segment, nps, csat,
    ces, scores, comment, language, kind, attributes, contact.
    """
    fields, problems = {}, []
    for kind in ("touchpoint", "channel", "segment"):
        try:
            fields[f"{kind}_id"] = references.get(kind, record.get(kind))
        except KeyError:
            fields[f"{kind}_id"] = None
            problems.append((kind, str(record.get(kind)), str(EXPECTED_REFERENCE[kind])))
    if fields["touchpoint_id"] is None and not problems:
        fields["touchpoint_id"] = source.fixed_touchpoint_id
    fields.update(
        external_id=str(record["external_id"]).strip(),
        responded_at=record["responded_at"],
        kind=record.get("kind") or feedback_kind(source),
        nps=record.get("nps"),
        csat=record.get("csat"),
        ces=record.get("ces"),
        scores=dict(record.get("scores") or {}),
        comment=record.get("comment") or "",
        language=record.get("language") or "",
        attributes=dict(record.get("attributes") or {}),
    )
    return fields, problems


# --- feedback upsert ----------------------------------------------------------------------------------------


def feedback_upsert_batch(
    *,
    source: DataSource,
    records: list[dict],
    job: ImportJob | None = None,
    references: References | None = None,
    refresh_rollups: bool = True,
) -> Counts:
    """Store a batch of feedback records of one source, idempotent by (source, external id).

    New external ids are inserted, changed records updated, identical ones not written. Raises
    RecordsRejected (writing nothing) when a reference is unknown. Batches of one source are serialised by a
    lock on the source row; the insert also uses the unique constraint (ON CONFLICT UPDATE) as a backstop.
    The rollups of every (source, local day) touched, old and new days, are refreshed in the same transaction;
    an import passes `refresh_rollups=False` and refreshes the days of the whole file once at its end
    (`Counts.days` tells which days changed).
    """
    references = references or References()
    resolved, errors = _resolve_all(source, records, references)
    if errors:
        raise RecordsRejected(errors)
    with transaction.atomic():
        DataSource.objects.select_for_update().filter(pk=source.pk).first()
        customers = _customers_for(records)
        for fields, record in zip(resolved, records, strict=True):
            ref = record.get("customer_ref")
            fields["customer_id"] = customers[pseudonymise(ref)].id if _present(ref) else None
        counts, days = _write(source, _deduplicated(resolved), job)
        _store_contacts(records, customers)
        if days and refresh_rollups:
            rollup_refresh(source_id=source.pk, days=days)
    counts.days = days
    return counts


def feedback_kind(source: DataSource) -> str:
    """The kind of the feedback records of a source that does not say (complaints, contacts, responses)."""
    return DEFAULT_KIND.get(source.kind, FeedbackKind.RESPONSE)


def feedback_import_batch(*, stage, after_row: int, until_row: int, job: ImportJob | None = None,
                          dry_run: bool = False, check_moves: bool = True) -> Counts:  # fmt: skip
    """Write one batch of a file import from its staging table (`opencxm.feedback.staging.ImportStage`): the
    valid staged rows with file row numbers in (after_row, until_row], in one transaction. Idempotent by (source,
    external id) like `feedback_upsert_batch`: new rows are inserted, changed ones updated, unchanged ones not
    written. The rollups are left to the caller (the import refreshes the days of the whole file once at its
    end); `Counts.days` has the old days of stored rows whose time moves. `check_moves=False` skips looking
    for those (the source had no feedback when the import began); then any updated row means a concurrent
    writer, and the caller must refresh more than the file's days. A dry run only counts."""
    if dry_run:
        total, stored, changing = stage.counts(after_row, until_row)
        return Counts(imported=total - stored, updated=changing, unchanged=stored - changing)
    with transaction.atomic():
        DataSource.objects.select_for_update().filter(pk=stage.source.pk).first()
        stage.customers_create(after_row, until_row)
        total = stage.size(after_row, until_row)
        moved = stage.moved_from(after_row, until_row) if check_moves else set()
        written, imported = stage.upsert(after_row, until_row, job_id=job.pk if job else None)
        if written:
            _cases_enqueue(written)
            _enrichment_enqueue()
    counts = Counts(imported=imported, updated=len(written) - imported, unchanged=total - len(written))
    counts.days = moved
    return counts


def _present(value) -> bool:
    return value is not None and str(value).strip() != ""


def _resolve_all(source, records, references) -> tuple[list[dict], list[RecordError]]:
    resolved, errors = [], []
    for index, record in enumerate(records):
        fields, problems = record_resolve(source, record, references)
        resolved.append(fields)
        errors.extend(RecordError(index, field, value, expected) for field, value, expected in problems)
    return resolved, errors


def _deduplicated(rows: list[dict]) -> tuple[dict[str, dict], Counts]:
    """Rows by external id, the last one winning; a repeat inside the batch counts as updated or unchanged."""
    by_id: dict[str, dict] = {}
    repeats = Counts()
    for row in rows:
        earlier = by_id.get(row["external_id"])
        if earlier is not None:
            same = all(earlier.get(name) == row.get(name) for name in COMPARED_FIELDS)
            repeats.unchanged += same
            repeats.updated += not same
        by_id[row["external_id"]] = row
    return by_id, repeats


def _customers_for(records: list[dict]) -> dict[str, Customer]:
    wanted = {}
    for record in records:
        ref = record.get("customer_ref")
        if _present(ref):
            wanted.setdefault(pseudonymise(ref), record.get("language") or "")
    if not wanted:
        return {}
    existing = {c.pseudonym: c for c in Customer.objects.filter(pseudonym__in=list(wanted))}
    missing = [Customer(pseudonym=p, language=lang) for p, lang in sorted(wanted.items()) if p not in existing]
    if missing:
        Customer.objects.bulk_create(missing, ignore_conflicts=True)  # a concurrent writer may have created some
        existing = {c.pseudonym: c for c in Customer.objects.filter(pseudonym__in=list(wanted))}
    return existing


def _write(source: DataSource, deduplicated: tuple[dict[str, dict], Counts], job) -> tuple[Counts, set[date]]:
    rows, counts = deduplicated
    stored = {
        values[0]: dict(zip(COMPARED_FIELDS, values[1:], strict=True))
        for values in Feedback.objects.filter(source=source, external_id__in=list(rows)).values_list(
            "external_id", *COMPARED_FIELDS
        )
    }
    new, changed, days = [], [], set()
    for external_id in sorted(rows):
        row = rows[external_id]
        current = stored.get(external_id)
        if current is None:
            new.append(row)
            days.add(local_day(row["responded_at"]))
        elif any(current[name] != row[name] for name in COMPARED_FIELDS):
            days.update({local_day(current["responded_at"]), local_day(row["responded_at"])})
            changed.append(row)
        else:
            counts.unchanged += 1
    written = new + changed
    if written:
        _upsert(source, job, written)
        ids = Feedback.objects.filter(source=source, external_id__in=[row["external_id"] for row in written])
        _cases_enqueue(list(ids.values_list("id", flat=True)))
        _enrichment_enqueue()
    counts.imported += len(new)
    counts.updated += len(changed)
    return counts, days


UPSERT_COLUMNS = (
    "public_id", "created_at", "updated_at", "source_id", "external_id", "kind", "responded_at", "customer_id",
    "touchpoint_id", "channel_id", "segment_id", "nps", "csat", "ces", "scores", "comment", "language", "attributes",
    "import_job_id",
)  # fmt: skip
KEPT_ON_CONFLICT = {"public_id", "created_at", "source_id", "external_id"}


def _column_adapters() -> dict:
    """Database values for the columns that need converting, as Django itself stores them, without the
    per-value overhead of Field.get_db_prep_save (it dominated the import's time)."""
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return {"scores": Jsonb, "attributes": Jsonb}

    def utc_text(moment):
        return str(moment.astimezone(UTC).replace(tzinfo=None))

    return {
        "public_id": attrgetter("hex"),
        "created_at": utc_text,
        "updated_at": utc_text,
        "responded_at": utc_text,
        "scores": json.dumps,
        "attributes": json.dumps,
    }


def _upsert(source: DataSource, job, rows: list[dict]) -> None:
    """Insert or update rows as plain parameter tuples in one executemany: no model instances and no per-row
    SQL compilation (the bulk of the import's time with bulk_create). The (source, external id) constraint
    decides between insert and update, so a concurrent writer of the same ids cannot cause duplicates."""
    qn = connection.ops.quote_name
    prepare = _column_adapters()
    now = timezone.now()
    constants = {"created_at": now, "updated_at": now, "source_id": source.pk, "import_job_id": job.pk if job else None}
    params = []
    for row in rows:
        values = constants | row | {"public_id": uuid.uuid4()}
        params.append([prepare[c](values[c]) if c in prepare else values[c] for c in UPSERT_COLUMNS])
    updates = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in UPSERT_COLUMNS if c not in KEPT_ON_CONFLICT)
    sql = (
        f"INSERT INTO {qn(Feedback._meta.db_table)} ({', '.join(qn(c) for c in UPSERT_COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(UPSERT_COLUMNS))}) "
        f"ON CONFLICT ({qn('source_id')}, {qn('external_id')}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _analyses_erase(feedback_ids: list[int]) -> None:
    """The text analyses of erased comments go too (redacted text, sentences and embeddings derive from them)."""
    from opencxm.textanalytics.services import analyses_erase

    analyses_erase(feedback_ids=feedback_ids)


def _cases_enqueue(feedback_ids: list[int]) -> None:
    """Case rules look at new and changed records after the commit (the cases app opens one case per record)."""
    from opencxm.cases.tasks import cases_enqueue

    if feedback_ids:
        transaction.on_commit(lambda: cases_enqueue(feedback_ids))


def _enrichment_enqueue() -> None:
    """Text analytics enriches new and changed comments in the background after the commit."""
    from opencxm.textanalytics.services import enrichment_enqueue

    enrichment_enqueue()


def _store_contacts(records: list[dict], customers: dict[str, Customer]) -> None:
    """Contact details only with consent; they live in CustomerContact, never on the feedback."""
    for record in records:
        contact = record.get("contact") or {}
        ref = record.get("customer_ref")
        if not contact.get("consent") or not _present(ref):
            continue
        CustomerContact.objects.update_or_create(
            customer=customers[pseudonymise(ref)],
            defaults={
                "name": contact.get("name") or "",
                "email": contact.get("email") or "",
                "phone": contact.get("phone") or "",
                "consent_at": contact.get("consent_at") or timezone.now(),
            },
        )


def feedback_store(*, actor, items: list[tuple[DataSource, dict]]) -> Counts:
    """The API write: records of one or more sources, all or nothing. Every record is checked first
    (RecordsRejected with the records' positions when a reference is unknown); then the records are
    written per source (in source order, so concurrent writers lock sources in the same order), and each
    source gets one audit entry with its counts."""
    references = References()
    errors, groups = [], {}
    for index, (source, record) in enumerate(items):
        _fields, problems = record_resolve(source, record, references)
        errors.extend(RecordError(index, field, value, expected) for field, value, expected in problems)
        groups.setdefault(source.pk, (source, []))[1].append(record)
    if errors:
        raise RecordsRejected(errors)
    total = Counts()
    with transaction.atomic():
        for _pk, (source, records) in sorted(groups.items()):
            counts = feedback_upsert_batch(source=source, records=records, references=references)
            audit_record(actor=actor, action="import", instance=source, changes={"api": counts.as_dict()})
            total.add(counts)
    return total


# --- measurements -------------------------------------------------------------------------------------------


def measurements_upsert(*, actor, rows: list[dict]) -> Counts:
    """Upsert aggregated figures by (source, touchpoint, metric, day). Rows carry resolved `source` and
    `touchpoint` objects, `metric`, `day`, `value` and `count`; the caller validates them."""
    counts = Counts()
    with transaction.atomic():
        keys = {(r["source"].pk, r["touchpoint"].pk, r["metric"], r["day"]): r for r in rows}
        stored = _stored_measurements(keys)
        objects = []
        for key in sorted(keys, key=str):
            row, current = keys[key], stored.get(key)
            if current is not None and (current.value, current.count) == (row["value"], row["count"]):
                counts.unchanged += 1
                continue
            counts.imported += current is None
            counts.updated += current is not None
            objects.append(Measurement(source_id=key[0], touchpoint_id=key[1], metric=key[2], day=key[3],
                                       value=row["value"], count=row["count"]))  # fmt: skip
        Measurement.objects.bulk_create(
            objects,
            update_conflicts=True,
            unique_fields=["source", "touchpoint", "metric", "day"],
            update_fields=["value", "count"],
        )
        for source in {r["source"] for r in rows}:
            audit_record(actor=actor, action="import", instance=source, changes={"measurements": counts.as_dict()})
    return counts


def _stored_measurements(keys: dict) -> dict:
    if not keys:
        return {}
    sources = {k[0] for k in keys}
    touchpoints = {k[1] for k in keys}
    days = {k[3] for k in keys}
    queryset = Measurement.objects.filter(source_id__in=sources, touchpoint_id__in=touchpoints, day__in=days)
    return {(m.source_id, m.touchpoint_id, m.metric, m.day): m for m in queryset}


# --- import jobs --------------------------------------------------------------------------------------------


def import_job_create(
    *, actor, source: DataSource, stored_file: str, filename: str, mapping: dict, detected: dict,
    dry_run: bool = False, partial: bool = False, enqueue: bool = True,
) -> ImportJob:  # fmt: skip
    """Queue an import of a stored file; the background task `run_import` starts after the commit."""
    from opencxm.feedback.tasks import run_import

    with transaction.atomic():
        job = ImportJob.objects.create(
            source=source, filename=filename, stored_file=stored_file, mapping=mapping, detected=detected,
            dry_run=dry_run, partial=partial, created_by=actor if actor and actor.is_authenticated else None,
        )  # fmt: skip
        audit_record(actor=actor, action="create", instance=job, changes={"file": filename, "source": source.name})
        if enqueue:
            transaction.on_commit(lambda: run_import.enqueue(job.pk))
    return job


def import_job_requeue(*, actor, job: ImportJob) -> ImportJob:
    """Run a failed job again from the start (the upsert makes a rerun end with exactly the expected rows)."""
    from opencxm.feedback.tasks import run_import

    with transaction.atomic():
        job.status, job.message = JobStatus.QUEUED, ""
        job.save(update_fields=["status", "message", "updated_at"])
        audit_record(actor=actor, action="update", instance=job, changes={"status": [JobStatus.FAILED, "queued"]})
        transaction.on_commit(lambda: run_import.enqueue(job.pk))
    return job


def import_job_fail(*, job: ImportJob, message: str, errors: list | None = None) -> None:
    """Mark a job failed with a message (and the first row errors) for the job page."""
    job.status, job.phase, job.message, job.finished_at = JobStatus.FAILED, "", message, timezone.now()
    if errors is not None:
        job.errors = errors
    job.save()


# --- customers ----------------------------------------------------------------------------------------------


def customer_erase(*, actor, customer: Customer) -> int:
    """Erase a customer on request, in one transaction; returns the number of feedback records detached.

    What erasure does: the contact details (CustomerContact) and the customer row with its pseudonym are
    deleted, so the pseudonym can no longer link anything to the person; the customer's feedback stays for
    the statistics (scores, touchpoint, time) but is detached from the customer and its free text (comment)
    and extra attributes, which may contain personal data, are blanked; their text analyses (redacted text,
    sentences, embeddings, topics) are deleted. Rollups and topic rollups are refreshed for the days touched.
    """
    with transaction.atomic():
        feedback = Feedback.objects.filter(customer=customer)
        slices: dict[int, set[date]] = {}
        for source_id, moment in feedback.values_list("source_id", "responded_at"):
            slices.setdefault(source_id, set()).add(local_day(moment))
        _analyses_erase(list(feedback.values_list("id", flat=True)))
        detached = feedback.update(customer=None, comment="", attributes={}, updated_at=timezone.now())
        CustomerContact.objects.filter(customer=customer).delete()
        audit_record(actor=actor, action="delete", instance=customer, changes={"feedback_detached": detached})
        customer.delete()
        for source_id, days in slices.items():
            rollup_refresh(source_id=source_id, days=days)
    return detached
