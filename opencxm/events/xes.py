"""Read XES event logs (IEEE 1849), plain or gzip-compressed, streaming. Pure Python, no Django.

Only the standard keys are interpreted (concept:name, time:timestamp, lifecycle:transition, org:resource);
other simple attributes of an event are kept as attributes. A DOCTYPE or entity declaration is refused
(no entity expansion). Times with any offset are converted to UTC.
"""

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime
from xml.etree.ElementTree import ParseError, XMLParser

from opencxm.events.records import EventError, EventRecord

CHUNK = 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
SIMPLE = {"string", "date", "int", "float", "boolean", "id"}


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
    fh = open_bytes(source)
    target = _Target()
    parser = XMLParser(target=target)  # noqa: S314 - DOCTYPE/ENTITY refused before feeding (no expansion)
    try:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            _refuse_doctype(chunk)
            try:
                parser.feed(chunk)
            except ParseError as error:
                raise _xml_error(error) from None
            yield from target.take()
        try:
            parser.close()
        except ParseError as error:
            raise _xml_error(error) from None
        yield from target.take()
    finally:
        fh.close()


class _Target:
    """Expat callbacks: no element tree is built; only traces, events and their direct simple attributes.
    No `data` method: XES keeps values in attributes, and without it expat reports no text at all."""

    def __init__(self):
        self.depth = 0
        self.trace_depth = self.event_depth = None
        self.trace_number = 0
        self.trace_case: str | None = None
        self.trace_events: list = []
        self.values: dict = {}
        self.done: list[EventRecord] = []
        self.names: dict[str, str] = {}

    def _local(self, tag: str) -> str:
        name = self.names.get(tag)
        if name is None:
            name = self.names[tag] = tag.rsplit("}", 1)[-1]
        return name

    def start(self, tag, attrib):
        self.depth += 1
        name = self.names.get(tag) or self._local(tag)
        if self.event_depth is not None:
            if self.depth == self.event_depth + 1 and name in SIMPLE and "key" in attrib:
                self.values[attrib["key"]] = attrib.get("value", "")
        elif name == "event" and self.trace_depth is not None:
            self.event_depth, self.values = self.depth, {}
        elif name == "trace":
            self.trace_depth, self.trace_case, self.trace_events = self.depth, None, []
            self.trace_number += 1
        elif self._trace_name(name, attrib):
            self.trace_case = attrib.get("value")

    def _trace_name(self, name: str, attrib: dict) -> bool:
        at_trace_level = self.trace_depth is not None and self.depth == self.trace_depth + 1
        return at_trace_level and name in SIMPLE and attrib.get("key") == "concept:name"

    def end(self, tag):
        if self.depth == self.event_depth:
            where = {"trace": self.trace_number, "event": len(self.trace_events) + 1}
            self.trace_events.append(_event(self.values, where))
            self.event_depth = None
        elif self.depth == self.trace_depth:
            self._finish_trace()
        self.depth -= 1

    def _finish_trace(self) -> None:
        if not self.trace_case:
            raise EventError("no_case", "Trace %(trace)s has no case name (concept:name).", trace=self.trace_number)
        for event in self.trace_events:
            event.case = self.trace_case
        self.done.extend(self.trace_events)
        self.trace_depth, self.trace_events = None, []

    def take(self) -> list[EventRecord]:
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


def _event(values: dict, where: dict) -> EventRecord:
    activity = values.pop("concept:name", "").strip()
    if not activity:
        raise EventError("no_activity", "Trace %(trace)s, event %(event)s has no activity (concept:name).", **where)
    raw_time = values.pop("time:timestamp", "")
    if not raw_time:
        raise EventError("no_time", "Trace %(trace)s, event %(event)s has no time (time:timestamp).", **where)
    return EventRecord(
        case="",
        activity=activity,
        timestamp=parse_time(raw_time, where),
        lifecycle=values.pop("lifecycle:transition", ""),
        resource=values.pop("org:resource", ""),
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
