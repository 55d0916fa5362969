"""Writes: importing event files and API batches (all-or-nothing, idempotent), the activity mapping."""

import hashlib
import os
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from opencxm.accounts.models import Department
from opencxm.core.audit import audit_record, diff, snapshot
from opencxm.events import aggregates, bulk, casefacts, durations
from opencxm.events.models import Activity, Case, Event, EventLog, Transition, Variant
from opencxm.events.records import EventError, EventRecord
from opencxm.events.tables import read_table
from opencxm.events.xes import open_bytes, read_xes, to_json
from opencxm.events.xes_process import read_xes_process
from opencxm.feedback.models import Customer
from opencxm.feedback.pseudonyms import pseudonymise
from opencxm.touchpoints.models import Channel

BATCH = 5000
EVENT_FIELDS = ["case", "activity", "timestamp", "lifecycle", "resource", "attributes", "channel", "department",
                "dedup_key"]  # fmt: skip
REFRESH_CHUNK = 5000  # cases recomputed per round (fewer statements; the read of stale cases' events is one IN list)


def max_activities() -> int:
    """The most distinct activities one file or batch may bring (OPENCXM_EVENTS_MAX_ACTIVITIES, default 10,000)."""
    return int(os.environ.get("OPENCXM_EVENTS_MAX_ACTIVITIES", "10000"))


@dataclass
class ImportResult:
    log: EventLog
    received: int = 0
    created: int = 0
    duplicates_in_file: int = 0

    @property
    def already_present(self) -> int:
        return self.received - self.created


def is_xes(path, filename: str) -> bool:
    """XES by name (.xes, .xes.gz) or by content (XML, possibly gzipped)."""
    name = filename.lower()
    if name.endswith((".xes", ".xes.gz")):
        return True
    fh = open_bytes(path)
    try:
        head = fh.read(200).lstrip()
    finally:
        if isinstance(path, str | os.PathLike):
            fh.close()
        else:
            path.seek(0)
    return head.startswith(b"<?xml") or head.startswith(b"<log")


def xes_in_process() -> bool:
    """Read XES files in this process rather than in a reading process (OPENCXM_EVENTS_XES_PROCESS=0, for
    debugging); file objects without a path are always read here."""
    return os.environ.get("OPENCXM_EVENTS_XES_PROCESS", "1") == "0"


def events_import_file(*, actor, path, filename: str, log_name: str, mapping: dict | None = None) -> ImportResult:
    """Import a CSV/XLSX/XES file into the log `log_name` (created if new). All or nothing: any bad event
    rolls the whole file back with an EventError naming its position. Re-importing adds nothing.
    An XES file given by its path is parsed by a second process (xes_process) while this one writes."""
    if is_xes(path, filename):
        if isinstance(path, str | os.PathLike) and not xes_in_process():
            chunks = read_xes_process(path, BATCH)
            return _write(actor=actor, log_name=log_name, chunks=chunks, rows=_trace_rows, source=filename)
        if not isinstance(path, str | os.PathLike):
            path.seek(0)
        records = read_xes(path)
    else:
        zone = ZoneInfo(settings.TIME_ZONE)
        records = read_table(path, filename, mapping=mapping, zone=zone)
    return events_write(actor=actor, log_name=log_name, records=records, source=filename, read_ahead=True)


def events_write(
    *, actor, log_name: str, records: Iterable[EventRecord], source: str = "api", read_ahead: bool = False
) -> ImportResult:
    """Write events into a log inside one transaction, skipping events already present (same dedup key).
    `read_ahead`: parse the records (a file) in a second thread while this one writes the previous chunk."""
    chunks = _read_ahead(records) if read_ahead else _chunks_of(records)
    return _write(actor=actor, log_name=log_name, chunks=chunks, rows=_record_rows, source=source)


def _write(*, actor, log_name: str, chunks: Iterator[list], rows: Callable[[list], list[tuple]], source: str):
    """events_write for chunks that `rows` turns into the writer's rows (_record_rows, _trace_rows); the
    chunks' iterator is closed at the end (a reading thread or process stops)."""
    with transaction.atomic():
        log, _ = EventLog.objects.get_or_create(name=log_name, defaults={"created_by": actor})
        result = ImportResult(log=log)
        writer = _Writer(log, traces=rows is _trace_rows)
        try:
            for chunk in chunks:
                events = rows(chunk)
                result.received += len(events)
                result.created += writer.write(events)
        finally:
            chunks.close()
        result.duplicates_in_file = writer.repeats
        writer.apply_steps()
        cases_refresh(case_ids=(writer.case_ids - writer.stored) | writer.reopened, paths=writer.paths,
                      pending=writer.pending, days=writer.days, channels=writer.channels_seen)  # fmt: skip
        log.imported_at = timezone.now()
        log.save(update_fields=["imported_at", "updated_at"])
        changes = {"source": source, "received": result.received, "created": result.created}
        audit_record(actor=actor, action="import", instance=log, changes=changes)
    return result


def _chunks_of(records: Iterable[EventRecord]) -> Iterator[list[EventRecord]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, BATCH)):
        yield chunk


_NOWHERE: dict = {}  # the position of an XES event from the reading process: XES names no channel or department


def _record_rows(records: list[EventRecord]) -> list[tuple]:
    """The events as the writer takes them: (case, activity, time, ISO time, lifecycle, resource, attributes
    as JSON, channel, department, position)."""
    return [
        (r.case, r.activity, r.timestamp, r.timestamp.isoformat(), r.lifecycle, r.resource,
         to_json(r.attributes) if r.attributes else "{}", r.channel, r.department, r.where)
        for r in records
    ]  # fmt: skip


def _trace_rows(traces: list[tuple[str, list]]) -> list[tuple]:
    """The writer's rows of the traces sent by the reading process (xes.read_xes_traces: times in UTC)."""
    parse = datetime.fromisoformat
    return [
        (case, activity, parse(iso), iso, lifecycle, resource, attributes, "", "", _NOWHERE)
        for case, events in traces
        for activity, iso, lifecycle, resource, attributes in events
    ]


def _read_ahead(records: Iterable[EventRecord]) -> Iterator[list[EventRecord]]:
    """The records in chunks, read by a second thread one or two chunks ahead: parsing (Python) overlaps the
    database's work on the previous chunk (the driver releases the interpreter while it waits). An error of
    the reader (a bad file) is raised here, in file order, as without the thread."""
    ready: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def put(item) -> None:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def read() -> None:
        try:
            for chunk in _chunks_of(records):
                put(chunk)
                if stop.is_set():
                    break
            put([])
        except BaseException as error:  # noqa: BLE001 - handed to the writing thread, which raises it
            put(error)
        finally:
            close = getattr(records, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="events-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            item = ready.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item
    finally:
        stop.set()
        reader.join()


class _Writer:
    """Resolves names to rows, keeps the activity limit and computes dedup keys across the chunks of one import.

    A log without cases yet (a first import) is `fresh`: every dedup key of this write is new (keys name the
    log, and the occurrence count separates equal events), so events are inserted without the conflict check
    (PostgreSQL: COPY straight into the table), and the cases just inserted are found by id."""

    def __init__(self, log: EventLog, *, traces: bool = False):
        self.log = log
        self.fresh = not Case.objects.filter(log=log).exists()
        # PostgreSQL, first import: new cases get ids from the sequence now and their rows once, with their final
        # values, in cases_refresh (the events' check of their case runs at COMMIT); not inserted now and updated
        self.reserve = self.fresh and connection.vendor == "postgresql"
        self.pending: dict[int, tuple] = {}  # reserved case id -> (log, key, customer)
        self.last_case_id = 0
        self.activities: dict[str, int] = {}
        self.cases: dict[str, int] = {}
        self.case_ids: set[int] = set()
        self.paths: dict[int, list] = {}  # cases created by this write: their steps in arrival order
        # `traces` (an XES file: each case's events come together, a chunk's last case may go on in the next):
        # the new cases a chunk finishes are stored at once (_store_finished), while the reading process parses
        # the next chunk, instead of all at the end. `stored`: those cases; `reopened`: stored cases whose name
        # came again later (recomputed from their events at the end); `days`: their (log, start day) pairs.
        # Only into a fresh log: storing takes the log's lock (as cases_refresh does), and taking it while
        # events still go in could deadlock with a concurrent writer of an existing log waiting on our new rows
        self.traces = traces and self.fresh
        self.stored: set[int] = set()
        self.reopened: set[int] = set()
        self.days: set[tuple[int, object]] = set()
        self.locked = False
        self.channels_seen = False  # an event of this write names a channel
        self.steps: list[tuple] = []  # the stored cases' steps not yet in the per-variant durations
        self.stamp = bulk.stamper()
        self.occurrences: Counter = Counter()
        self.repeats = 0
        self.channels = _lookup(Channel)
        self.departments = _lookup(Department)

    def write(self, chunk: list[tuple]) -> int:
        """Insert the events of this chunk (rows as _record_rows makes them); returns how many were new."""
        self._activities({row[1] for row in chunk})
        self._cases({row[0] for row in chunk})
        events = self._events(chunk)
        self.channels_seen = self.channels_seen or any(row[7] for row in chunk)
        conflicts = None if self.fresh else "dedup_key"
        created = bulk.insert(Event, EVENT_FIELDS, events, skip_conflicts_on=conflicts, adapted=True)
        if self.traces and chunk:
            self._store_finished(chunk)
        return created

    def _store_finished(self, chunk: list[tuple]) -> None:
        """Store the new cases of this chunk that cannot get more events: all but the chunk's last case. A
        stored case named again later is `reopened`: cases_refresh recomputes it from its events at the end."""
        touched = {self.cases[row[0]] for row in chunk}
        self.reopened |= touched & self.stored
        touched.discard(self.cases[chunk[-1][0]])
        steps_of = {case_id: sorted(self.paths.pop(case_id), key=_step_time)  # stable: ties keep arrival order
                    for case_id in touched if self.paths.get(case_id)}  # fmt: skip
        if not steps_of:
            return
        if not self.locked:
            lock_logs({self.log.pk})
            self.locked = True
        zone = aggregates.zone()
        self.days |= {(self.log.pk, steps[0][1].astimezone(zone).date()) for steps in steps_of.values()}
        log_of = dict.fromkeys(steps_of, self.log.pk)
        _store_cases(steps_of, stale=[], log_of=log_of, pending=self.pending, steps_out=self.steps,
                     channels=self.channels_seen)  # fmt: skip
        for case_id in steps_of:
            self.pending.pop(case_id, None)
        self.stored.update(steps_of)
        if len(self.steps) >= STEPS_BUFFER:
            self.apply_steps()

    def apply_steps(self) -> None:
        """Add the buffered steps of the stored cases to the per-variant durations (one read and write of each
        touched row, not one per chunk)."""
        if self.steps:
            durations.apply([], self.steps)
            self.steps = []

    def _activities(self, names: set[str]) -> None:
        new = names - self.activities.keys()
        if not new:
            return
        if len(self.activities) + len(new) > max_activities():
            raise EventError(
                "too_many_activities",
                "The events name more than %(limit)s distinct activities; this looks like an identifier column, "
                "not an activity. Choose another column.",
                limit=max_activities(),
            )
        for name in new:
            if len(name) > 300:
                raise EventError("long_activity", "An activity name is longer than 300 characters: '%(value)s'.",
                                 value=name[:60])  # fmt: skip
        Activity.objects.bulk_create([Activity(name=name) for name in new], ignore_conflicts=True)
        self.activities.update(Activity.objects.filter(name__in=new).values_list("name", "id"))

    def _cases(self, references: set[str]) -> None:
        keys = {reference: pseudonymise(reference) for reference in references - self.cases.keys()}
        if not keys:
            return
        ids = {}
        if not self.fresh:
            ids.update(bulk.select_in(Case, ["key", "id"], "key", list(keys.values()), log=self.log.pk))
        missing = list(dict.fromkeys(key for key in keys.values() if key not in ids))
        if missing:
            customers = dict(bulk.select_in(Customer, ["pseudonym", "id"], "pseudonym", missing))
            if self.reserve:
                created = dict(zip(missing, bulk.reserve_ids(Case, len(missing)), strict=True))
                self.pending.update((pk, (self.log.pk, key, customers.get(key))) for key, pk in created.items())
            else:
                created = self._insert_cases(missing, customers)
            ids.update(created)
            # a new case holds only this write's events, all inserted (its dedup keys are new): its path and
            # transitions come from the records, not from reading its events back
            self.paths.update((case_id, []) for case_id in created.values())
        self.cases.update({reference: ids[key] for reference, key in keys.items()})
        self.case_ids.update(ids.values())

    def _insert_cases(self, keys: list[str], customers: dict[str, int]) -> dict[str, int]:
        """Insert case rows for these keys (values filled in by cases_refresh); their ids by key."""
        rows = [(self.log.pk, key, customers.get(key), 0) for key in keys]
        bulk.insert(Case, ["log", "key", "customer", "event_count"], rows, adapted=True)
        created = {}
        if self.fresh:  # only this write adds cases to the log: the new rows are those after the last seen id
            created.update(Case.objects.filter(log=self.log, id__gt=self.last_case_id).values_list("key", "id"))
        if len(created) != len(keys) or not created.keys() >= set(keys):
            created = dict(bulk.select_in(Case, ["key", "id"], "key", keys, log=self.log.pk))
        self.last_case_id = max(self.last_case_id, *created.values())
        return created

    def _events(self, chunk: list[tuple]) -> list[tuple]:
        """The rows of these events (EVENT_FIELDS order); new cases collect their steps. One loop with local
        names: this runs once per event."""
        cases, activities, occurrences, paths, stamp = (
            self.cases,
            self.activities,
            self.occurrences,
            self.paths,
            self.stamp,
        )
        log_id, resolve, channels, departments = self.log.id, self._resolve, self.channels, self.departments
        rows, repeats = [], 0
        for case, activity, timestamp, iso, lifecycle, resource, attributes, channel, department, where in chunk:
            case_id = cases[case]
            identity = (case_id, activity, iso, lifecycle)
            occurrence = occurrences[identity] = occurrences.get(identity, 0) + 1  # not Counter's __missing__
            repeats += occurrence > 1
            digest = dedup_key(log_id, identity, occurrence)
            channel_id = resolve(channels, channel, where, "channel") if channel else None
            department_id = resolve(departments, department, where, "department") if department else None
            activity_id = activities[activity]
            steps = paths.get(case_id)
            if steps is not None:
                steps.append((activity_id, timestamp, department_id))
            rows.append((case_id, activity_id, stamp(timestamp), lifecycle[:40], resource[:200], attributes,
                         channel_id, department_id, digest))  # fmt: skip
        self.repeats += repeats
        return rows

    def _resolve(self, table: dict, value: str, where: dict, role: str) -> int | None:
        if not value:
            return None
        found = table.get(value.casefold())
        if found is None:
            template = (
                "Row %(row)s: unknown %(role)s '%(value)s'."
                if "row" in where
                else "Event %(index)s: unknown %(role)s '%(value)s'."
            )
            raise EventError("unknown_" + role, template, role=role, value=value[:60], **where)
        return found


def dedup_key(log_id: int, identity: tuple, occurrence: int) -> str:
    """An event's dedup key: SHA-256 of (log, case id, activity name, ISO time, lifecycle, occurrence)."""
    return hashlib.sha256(repr((log_id, *identity, occurrence)).encode()).hexdigest()


def _lookup(model) -> dict[str, int]:
    table = {}
    for pk, code, name in model.objects.values_list("id", "code", "name"):
        table[code.casefold()] = pk
        table[name.casefold()] = pk
    return table


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


STEPS_BUFFER = 500_000  # steps of stored cases kept for one durations.apply (about 50 MB at most)


def cases_refresh(
    *,
    case_ids: Iterable[int],
    paths: dict[int, list] | None = None,
    pending: dict[int, tuple] | None = None,
    days: set | None = None,
    channels: bool = True,
) -> None:
    """Recompute path, variant, start/end and directly-follows transitions of these cases from their events.

    Order within a case: time, then arrival order (file order), as pm4py orders a log. `paths` may give, for
    cases whose events are all known to the caller (cases created by this write), their steps
    (activity id, aware time, department id) in arrival order; those are not read back from the database.
    `pending`: cases given by `paths` whose rows are not written yet, id -> (log, key, customer); they are
    inserted with their computed values. `days`: more (log, day) pairs whose per-day rows to rewrite (cases the
    caller stored in this transaction); `channels` False: no event given by `paths` names a channel. Then the
    discovery summaries of the touched logs (aggregates.refresh), in the caller's transaction."""
    known, pending = paths or {}, pending or {}
    case_ids = list(case_ids)
    log_of: dict[int, int] = {case_id: row[0] for case_id, row in pending.items()}
    for chunk in _chunks(sorted(case_id for case_id in case_ids if case_id not in pending), REFRESH_CHUNK):
        log_of.update(bulk.select_in(Case, ["id", "log"], "id", chunk))
    days = days or set()
    logs = set(log_of.values()) | {log_id for log_id, _day in days}
    lock_logs(logs)
    # per-day discovery rows to rewrite: the days before and after (cases created by this write had no day before)
    days_before = aggregates.case_days([case_id for case_id in case_ids if case_id not in known])
    for chunk in _chunks(sorted(case_ids), REFRESH_CHUNK):
        steps_of: dict[int, list] = {}
        read = [case_id for case_id in chunk if case_id not in known]
        if read:
            rows = Event.objects.filter(case_id__in=read).order_by("case_id", "timestamp", "id")
            for case_id, activity_id, stamp, department_id in rows.values_list(
                "case_id", "activity_id", "timestamp", "department_id"
            ):
                steps_of.setdefault(case_id, []).append((activity_id, stamp, department_id))
        for case_id in chunk:
            if case_id in known and known[case_id]:
                steps_of[case_id] = sorted(known[case_id], key=_step_time)  # stable: ties keep arrival order
        _store_cases(steps_of, stale=read, log_of=log_of, pending=pending, channels=channels)
    if logs:  # day and month rows first: the summaries look at the month rows for the log's size
        # the new start days: of the cases whose steps the caller gave, from those (no query), else read
        zone = aggregates.zone()
        days_after = {(log_of[case_id], min(step[1] for step in known[case_id]).astimezone(zone).date())
                      for case_id in case_ids if known.get(case_id)}  # fmt: skip
        days_after |= aggregates.case_days([case_id for case_id in case_ids if not known.get(case_id)])
        aggregates.refresh_days(days_before | days_after | days)
        aggregates.refresh(logs)


def lock_logs(log_ids: set[int]) -> None:
    """One writer per log at a time, until the transaction ends: the per-variant durations are read, changed and
    written back (durations.py). Rows locked in id order, so writers of several logs do not deadlock."""
    list(EventLog.objects.filter(id__in=sorted(log_ids)).order_by("id").select_for_update().values_list("id"))


def _step_time(step: tuple):
    return step[1]


def _store_cases(
    paths: dict[int, list],
    *,
    stale: list[int],
    log_of: dict[int, int],
    pending: dict,
    steps_out: list | None = None,
    channels: bool = True,
) -> None:
    """Variant, start/end, count and transitions of these cases; `stale`: those that may have transitions;
    `log_of`: each case's log; `pending`: cases whose rows are inserted here (cases_refresh); `steps_out`: new
    cases only (no `stale`), their steps for the per-variant durations go there, for the caller to apply
    (durations.apply) once for many calls; `channels` False: no event of the cases that are not `stale` names a
    channel (a write without channels, such as an XES file), so only the stale cases' channel rows are rewritten."""
    keys = {case_id: _variant_key([step[0] for step in steps]) for case_id, steps in paths.items()}
    known = dict(bulk.select_in(Variant, ["key", "id"], "key", list(set(keys.values()))))
    fresh = {key: case_id for case_id, key in keys.items() if key not in known}
    rows = [(key, to_json([step[0] for step in paths[cid]]), len(paths[cid])) for key, cid in fresh.items()]
    bulk.insert(Variant, ["key", "path", "length"], rows, skip_conflicts_on="key", adapted=True)
    if fresh:
        known.update(bulk.select_in(Variant, ["key", "id"], "key", list(fresh)))
        casefacts.write_variant_steps({known[key]: [step[0] for step in paths[cid]] for key, cid in fresh.items()})
    removed = durations.old_steps(stale) if stale else []
    if stale:
        Transition.objects.filter(case_id__in=stale).delete()
    stamp = bulk.stamper()
    transitions = [
        (cid, a, b, (t2 - t1).total_seconds(), d1, d2, stamp(t2))
        for cid, steps in paths.items()
        for (a, t1, d1), (b, t2, d2) in zip(steps, steps[1:], strict=False)
    ]
    fields = ["case", "from_activity", "to_activity", "seconds", "from_department", "to_department", "at"]
    bulk.insert(Transition, fields, transitions, adapted=True)
    casefacts.refresh_case_channels(list(paths) if channels else stale, stale=stale)
    recorded = casefacts.write_case_steps(transitions, stale=stale)
    variant_of = {cid: known[key] for cid, key in keys.items()}
    cases = [
        (variant_of[cid], stamp(steps[0][1]), stamp(steps[-1][1]), len(steps), cid in recorded, cid)
        for cid, steps in paths.items()
    ]
    fields = ["variant", "started_at", "ended_at", "event_count", "recorded_department"]
    if pending:
        new = [(*pending[row[-1]], *row) for row in cases if row[-1] in pending]
        bulk.insert(Case, ["log", "key", "customer", *fields, "id"], new, adapted=True)
        cases = [row for row in cases if row[-1] not in pending]
    bulk.update(Case, fields, cases, adapted=True)
    steps = [(log_of[cid], variant_of[cid], a, b, s) for cid, a, b, s, *_rest in transitions]
    if steps_out is not None and not stale:
        steps_out.extend(steps)
    else:
        durations.apply(removed, steps)


def _variant_key(path: list[int]) -> str:
    return hashlib.sha256(",".join(map(str, path)).encode()).hexdigest()


def activity_map(*, actor, activity: Activity, touchpoint) -> Activity:
    """Map an activity to a touchpoint (None removes the mapping); audited."""
    with transaction.atomic():
        before = snapshot(activity, ["touchpoint"])
        activity.touchpoint = touchpoint
        activity.save(update_fields=["touchpoint", "updated_at"])
        audit_record(
            actor=actor, action="update", instance=activity, changes=diff(before, snapshot(activity, ["touchpoint"]))
        )
    return activity
