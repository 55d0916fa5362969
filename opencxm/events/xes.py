"""Read XES event logs (IEEE 1849), plain or gzip-compressed, streaming. Pure Python, no Django.

Only the standard keys are interpreted (concept:name, time:timestamp, lifecycle:transition, org:resource);
other simple attributes of an event are kept as attributes. A DOCTYPE or entity declaration is refused
(no entity expansion). Times with any offset are converted to UTC.
"""

import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree.ElementTree import ParseError, XMLPullParser

from opencxm.events.records import EventError, EventRecord

CHUNK = 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
SIMPLE = {"string", "date", "int", "float", "boolean", "id"}


@dataclass
class _Trace:
    case: str | None = None
    events: list[EventRecord] = field(default_factory=list)


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
    parser = XMLPullParser(events=("start", "end"))
    trace, depth_in_event, trace_number = None, 0, 0
    try:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            _refuse_doctype(chunk)
            try:
                parser.feed(chunk)
            except ParseError as error:
                raise _xml_error(error) from None
            for kind, element in parser.read_events():
                tag = element.tag.rsplit("}", 1)[-1]
                if kind == "start":
                    if tag == "trace":
                        trace_number += 1
                        trace = _Trace()
                    elif tag == "event":
                        depth_in_event += 1
                    continue
                if tag == "event" and trace is not None:
                    depth_in_event -= 1
                    trace.events.append(_event(element, trace_number, len(trace.events) + 1))
                    element.clear()
                elif tag == "trace" and trace is not None:
                    yield from _finished(trace, element, trace_number)
                    trace = None
                    element.clear()
        try:
            parser.close()
        except ParseError as error:
            raise _xml_error(error) from None
    finally:
        fh.close()


def _refuse_doctype(chunk: bytes) -> None:
    if b"<!DOCTYPE" in chunk or b"<!ENTITY" in chunk:
        raise EventError("doctype", "The XES file declares a DOCTYPE or entities, which are not allowed.")


def _xml_error(error: ParseError) -> EventError:
    line, column = error.position
    return EventError(
        "not_xml", "The file is not well-formed XML (line %(line)s, column %(column)s).", line=line, column=column
    )


def _finished(trace: _Trace, element, number: int) -> Iterator[EventRecord]:
    case = _attribute(element, "concept:name")
    if not case:
        raise EventError("no_case", "Trace %(trace)s has no case name (concept:name).", trace=number)
    for event in trace.events:
        event.case = case
        yield event


def _attribute(element, key: str) -> str | None:
    for child in element:
        if child.get("key") == key and child.tag.rsplit("}", 1)[-1] in SIMPLE:
            return child.get("value")
    return None


def _event(element, trace: int, position: int) -> EventRecord:
    values = {}
    for child in element:
        if child.tag.rsplit("}", 1)[-1] in SIMPLE and child.get("key") is not None:
            values[child.get("key")] = child.get("value", "")
    where = {"trace": trace, "event": position}
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
    text = raw.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise EventError(
            "bad_time", "Trace %(trace)s, event %(event)s: '%(value)s' is not a time.", value=raw[:60], **where
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
