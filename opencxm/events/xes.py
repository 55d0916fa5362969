"""Read XES event logs (IEEE 1849), plain or gzip-compressed, streaming. Pure Python, no Django.

Only the standard keys are interpreted (concept:name, time:timestamp, lifecycle:transition, org:resource);
other simple attributes of an event are kept as attributes. A DOCTYPE or entity declaration is refused
(no entity expansion). Times with any offset are converted to UTC.

`read_xes` gives EventRecords; `read_xes_traces` gives compact traces, (case, [(activity, ISO time in UTC,
lifecycle, resource, attributes as JSON), ...]): what the reading process (xes_process) sends to the importer.
"""

import gzip
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from xml.etree.ElementTree import ParseError, XMLParser

from opencxm.events.records import EventError, EventRecord

CHUNK = 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
SIMPLE = frozenset({"string", "date", "int", "float", "boolean", "id"})
to_json = json.JSONEncoder(ensure_ascii=False).encode  # as json.dumps(value, ensure_ascii=False), built once


def open_bytes(path):
    """A binary file object for a path or file object, gunzipped when it starts with the gzip magic."""
    fh = open(path, "rb") if isinstance(path, str) or hasattr(path, "__fspath__") else path  # noqa: SIM115
    head = fh.peek(2)[:2] if hasattr(fh, "peek") else _rewound_head(fh)
    return gzip.GzipFile(fileobj=fh) if head == GZIP_MAGIC else fh


def _rewound_head(fh) -> bytes:
    head = fh.read(2)
    fh.seek(0)
    return head


def read_xes(source) -> Iterator[EventRecord]:
    """Every event of the log in file order; raise EventError with the trace and event position on bad input."""
    for case, records in _traces(source, _record):
        for record in records:
            record.case = case
            yield record


def read_xes_traces(source, feed: int = CHUNK) -> Iterator[tuple[str, list[tuple]]]:
    """The traces in file order as (case, events), each event (activity, UTC time as ISO text, lifecycle,
    resource, attributes as JSON text); equal strings are one object (smaller to pickle). Errors as read_xes."""
    strings: dict[str, str] = {}

    def compact(values: dict, where: dict) -> tuple:
        activity, timestamp, lifecycle, resource = _standard(values, where)
        return (
            strings.setdefault(activity, activity),
            timestamp.isoformat(),
            strings.setdefault(lifecycle, lifecycle),
            strings.setdefault(resource, resource),
            to_json(values) if values else "{}",
        )

    return _traces(source, compact, feed)


def _traces(source, event: Callable[[dict, dict], object], feed: int = CHUNK) -> Iterator[tuple[str, list]]:
    fh = open_bytes(source)
    reader = _Reader(event)
    parser = XMLParser(target=reader)  # noqa: S314 - DOCTYPE/ENTITY refused before feeding (no expansion)
    try:
        tail = b""
        for chunk in iter(lambda: fh.read(feed), b""):
            _refuse_doctype(tail + chunk)  # with the end of the read before: also a declaration split by a read
            tail = chunk[-8:]
            try:
                parser.feed(chunk)
            except ParseError as error:
                raise _xml_error(error) from None
            yield from reader.take()
        try:
            parser.close()
        except ParseError as error:
            raise _xml_error(error) from None
        yield from reader.take()
    finally:
        fh.close()


class _Reader:
    """Expat callbacks: no element tree is built; only traces, events and their direct simple attributes.
    No character-data handler: XES keeps values in attributes. `event(values, where)` makes an event."""

    def __init__(self, event: Callable[[dict, dict], object]):
        self.event = event
        self.depth = 0
        self.trace_depth = self.event_depth = None
        self.attribute_depth = -1  # the depth of an event's own attributes while inside an event
        self.trace_number = 0
        self.trace_case: str | None = None
        self.trace_events: list = []
        self.values: dict = {}
        self.done: list[tuple[str, list]] = []
        self.names: dict[str, str] = {}

    def _local(self, tag: str) -> str:
        name = self.names[tag] = tag.rsplit("}", 1)[-1]
        return name

    def start(self, tag, attrib):
        depth = self.depth = self.depth + 1
        if depth == self.attribute_depth:  # the common case: an attribute of an event
            if (self.names.get(tag) or self._local(tag)) in SIMPLE and "key" in attrib:
                self.values[attrib["key"]] = attrib.get("value", "")
            return
        if self.event_depth is not None:  # nested deeper inside an event: ignored
            return
        name = self.names.get(tag) or self._local(tag)
        if name == "event" and self.trace_depth is not None:
            self.event_depth, self.attribute_depth, self.values = depth, depth + 1, {}
        elif name == "trace":
            self.trace_depth, self.trace_case, self.trace_events = depth, None, []
            self.trace_number += 1
        elif (
            self.trace_depth is not None
            and depth == self.trace_depth + 1
            and name in SIMPLE
            and attrib.get("key") == "concept:name"
        ):
            self.trace_case = attrib.get("value")

    def end(self, tag):
        depth = self.depth
        if depth == self.event_depth:
            where = {"trace": self.trace_number, "event": len(self.trace_events) + 1}
            self.trace_events.append(self.event(self.values, where))
            self.event_depth, self.attribute_depth = None, -1
        elif depth == self.trace_depth:
            self._finish_trace()
        self.depth = depth - 1

    def _finish_trace(self) -> None:
        if not self.trace_case:
            raise EventError("no_case", "Trace %(trace)s has no case name (concept:name).", trace=self.trace_number)
        if self.trace_events:
            self.done.append((self.trace_case, self.trace_events))
        self.trace_depth, self.trace_events = None, []

    def take(self) -> list[tuple[str, list]]:
        done, self.done = self.done, []
        return done

    def close(self):
        return None


def _refuse_doctype(chunk: bytes) -> None:
    if b"<!DOCTYPE" in chunk or b"<!ENTITY" in chunk:
        raise EventError("doctype", "The XES file declares a DOCTYPE or entities, which are not allowed.")


def _xml_error(error: ParseError) -> EventError:
    line, column = error.position
    return EventError(
        "not_xml", "The file is not well-formed XML (line %(line)s, column %(column)s).", line=line, column=column + 1
    )


def _standard(values: dict, where: dict) -> tuple[str, datetime, str, str]:
    """Activity, UTC time, lifecycle and resource taken out of the event's values (the rest are attributes)."""
    activity = values.pop("concept:name", "").strip()
    if not activity:
        raise EventError("no_activity", "Trace %(trace)s, event %(event)s has no activity (concept:name).", **where)
    raw_time = values.pop("time:timestamp", "")
    if not raw_time:
        raise EventError("no_time", "Trace %(trace)s, event %(event)s has no time (time:timestamp).", **where)
    timestamp = parse_time(raw_time, where)
    return activity, timestamp, values.pop("lifecycle:transition", ""), values.pop("org:resource", "")


def _record(values: dict, where: dict) -> EventRecord:
    activity, timestamp, lifecycle, resource = _standard(values, where)
    return EventRecord(
        case="",
        activity=activity,
        timestamp=timestamp,
        lifecycle=lifecycle,
        resource=resource,
        attributes=values,
        where=where,
    )


def parse_time(raw: str, where: dict) -> datetime:
    """An ISO 8601 time with offset as aware UTC; without an offset it is taken as UTC (as XES tools do)."""
    try:  # fast path: the common forms (offset, "Z", none) as written, no string copies
        value = datetime.fromisoformat(raw)
    except ValueError:
        text = raw.strip().replace("Z", "+00:00").replace("z", "+00:00")
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise EventError(
                "bad_time", "Trace %(trace)s, event %(event)s: '%(value)s' is not a time.", value=raw[:60], **where
            ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
