"""Read events from CSV/XLSX tables (plain Python, no Django): header row, column roles, UTC times."""

from collections.abc import Iterator
from datetime import date, datetime, time, tzinfo

from opencxm.events.records import EventError, EventRecord
from opencxm.events.xes import parse_time
from opencxm.feedback.ingest import IngestError
from opencxm.feedback.ingest.reading import open_table

ROLES = {  # role -> accepted column names (lower case), first match wins
    "case": ("case:concept:name", "case", "case_id", "case id", "customer", "customer_id"),
    "activity": ("concept:name", "activity", "event", "step"),
    "timestamp": ("time:timestamp", "timestamp", "time", "date"),
    "lifecycle": ("lifecycle:transition", "lifecycle"),
    "resource": ("org:resource", "resource"),
    "channel": ("channel",),
    "department": ("department", "org:group"),
}
REQUIRED = ("case", "activity", "timestamp")


def read_table(source, filename: str, *, mapping: dict | None, zone: tzinfo, max_bytes=None) -> Iterator[EventRecord]:
    """Every row as an EventRecord; raise EventError for a missing column, a missing value or a bad time."""
    try:
        table = open_table(source, filename, max_bytes=max_bytes)
        rows = table.rows()
        _, header = next(rows)
        columns = _columns([str(cell).strip() for cell in header], mapping or {})
        yield from _records(rows, columns, zone)
    except IngestError as error:
        raise EventError(error.code, error.template, **error.params) from None


def _columns(header: list[str], mapping: dict) -> dict:
    lower = [name.casefold() for name in header]
    columns = {}
    for role, names in ROLES.items():
        wanted = mapping.get(role)
        candidates = (wanted.casefold(),) if wanted else names
        index = next((lower.index(name) for name in candidates if name in lower), None)
        if index is None and (role in REQUIRED or wanted):
            raise EventError("no_column", "The file has no column for %(role)s.", role=wanted or role)
        if index is not None:
            columns[role] = index
    taken = set(columns.values())
    columns["attributes"] = {i: name for i, name in enumerate(header) if i not in taken and name}
    return columns


def _records(rows, columns: dict, zone: tzinfo) -> Iterator[EventRecord]:
    aware_seen = None
    for number, cells in rows:
        where = {"row": number}
        values = {role: _text(cells, index) for role, index in columns.items() if role != "attributes"}
        for role in REQUIRED:
            if not values[role]:
                raise EventError("missing", "Row %(row)s has no %(role)s.", role=role, **where)
        stamp, aware = _time(cells[columns["timestamp"]], zone, where)
        if aware_seen is not None and aware != aware_seen:
            raise EventError(
                "mixed_zones", "Row %(row)s: times with and without a time-zone offset are mixed in one file.", **where
            )
        aware_seen = aware
        attributes = {name: _text(cells, i) for i, name in columns["attributes"].items() if _text(cells, i)}
        yield EventRecord(
            case=values["case"], activity=values["activity"], timestamp=stamp, where=where, attributes=attributes,
            **{role: values.get(role, "") for role in ("lifecycle", "resource", "channel", "department")},
        )  # fmt: skip


def _text(cells: list, index: int) -> str:
    value = cells[index] if index < len(cells) else ""
    return "" if value is None else str(value).strip()


def _time(cell, zone: tzinfo, where: dict) -> tuple[datetime, bool]:
    if isinstance(cell, datetime):
        value = cell
    elif isinstance(cell, date) and not isinstance(cell, time):
        value = datetime(cell.year, cell.month, cell.day)
    else:
        text = str(cell).strip()
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise EventError("bad_time", "Row %(row)s: '%(value)s' is not a time.", value=text[:60], **where) from None
    if value.tzinfo is None:
        return parse_time(value.replace(tzinfo=zone).isoformat(), where), False
    return parse_time(value.isoformat(), where), True
