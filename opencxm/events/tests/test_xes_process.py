"""XES files read by a second process (xes_process): the same events, errors and result as reading them in the
importing process; a reader that dies or is stopped ends cleanly (an error, no hang, no zombie)."""

import gzip
import io
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opencxm.events import services, xes_process
from opencxm.events.models import Case, Event, EventLog, Variant
from opencxm.events.records import EventError
from opencxm.events.tests.test_xes import LOG
from opencxm.events.xes import read_xes, read_xes_traces

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
BAD = {
    "not_xml": "<log><trace><event></trace></log>",
    "doctype": '<?xml version="1.0"?><!DOCTYPE log [<!ENTITY x "boom">]><log>&x;</log>',
    "no_case": LOG.replace('<string key="concept:name" value="T2"/>', ""),
    "no_activity": LOG.replace('<string key="concept:name" value="Send letter"/>', ""),
    "no_time": LOG.replace('<date key="time:timestamp" value="2026-03-02T08:30:00Z"/>', ""),
    "bad_time": LOG.replace("2026-03-03T12:00:00-05:00", "yesterday"),
}


def _log(events: int, bad_at: int = -1, per_trace: int = 4) -> str:
    """A log of `events` events, `per_trace` to a trace (the case name after the events in every third trace),
    every fifth event repeating the one before (same activity and time), extra attributes; `bad_at`: a bad time."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<log xmlns="http://www.xes-standard.org/">']
    trace = []
    for number in range(events):
        shown = number - 1 if number % 5 == 4 else number
        stamp = "not a time" if number == bad_at else (T0 + timedelta(minutes=shown * 7)).isoformat()
        trace.append(
            f'<event><string key="concept:name" value="A{shown % 3}"/><date key="time:timestamp" value="{stamp}"/>'
            f'<string key="org:resource" value="R{number % 2}"/><int key="cost" value="{number % 9}"/>'
            f'<string key="note" value="Grüße &amp; &quot;{number % 4}&quot;"/></event>'
        )
        if len(trace) == per_trace or number == events - 1:
            name = f'<string key="concept:name" value="C{number // per_trace}"/>'
            before, after = ("", name) if (number // per_trace) % 3 == 2 else (name, "")
            lines.append(f"<trace>{before}{''.join(trace)}{after}</trace>")
            trace = []
    lines.append("</log>")
    return "\n".join(lines)


def _flat(chunks) -> list[tuple]:
    return [(case, *event) for chunk in chunks for case, events in chunk for event in events]


def _children() -> set[int]:
    """Processes whose parent is this one and that run the XES reader (zombies included)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat[1]) == os.getpid() and (b"opencxm.events.xes_child" in command or stat[0] == "Z"):
                found.add(int(entry.name))
    return found


pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to find the reader")


@pytest.mark.parametrize("per_trace", [4, 700])
def test_the_reader_sends_every_event_in_file_order_in_bounded_chunks(tmp_path, per_trace):
    path = tmp_path / "log.xes.gz"
    path.write_bytes(gzip.compress(_log(2300, per_trace=per_trace).encode()))
    chunks = list(xes_process.read_xes_process(path, 1000))
    assert _flat(chunks) == [(case, *event) for case, events in read_xes_traces(path) for event in events]
    sizes = [sum(len(events) for _, events in chunk) for chunk in chunks]
    assert sizes == [250, 500, 1000, 550]  # small first chunks, then `size`; long traces are split
    records = list(read_xes(path))
    assert [(case, activity, iso) for case, activity, iso, *_ in _flat(chunks)] == [
        (r.case, r.activity, r.timestamp.isoformat()) for r in records
    ]
    assert not _children()


@pytest.mark.parametrize("code", sorted(BAD))
def test_errors_through_the_reader_equal_errors_in_process(tmp_path, code):
    path = tmp_path / "bad.xes"
    path.write_text(BAD[code], encoding="utf-8")
    with pytest.raises(EventError) as here:
        list(read_xes(path))
    with pytest.raises(EventError) as there:
        list(xes_process.read_xes_process(path, 1000))
    assert (there.value.code, there.value.message, there.value.params) == (code, here.value.message, here.value.params)
    assert not _children()


def test_a_declaration_split_between_two_reads_is_refused():
    text = BAD["doctype"].encode()
    with pytest.raises(EventError) as error:
        list(read_xes_traces(io.BytesIO(text), feed=text.index(b"<!DOCTYPE") + 4))
    assert error.value.code == "doctype"


def test_an_error_comes_after_the_chunks_before_it(tmp_path):
    path = tmp_path / "late.xes"
    path.write_text(_log(12000, bad_at=11000), encoding="utf-8")  # > 1 MB: parsed in several feeds
    received = []
    with pytest.raises(EventError) as error:
        for chunk in xes_process.read_xes_process(path, 1000):
            received.append(chunk)
    assert error.value.params == {"trace": 11000 // 4 + 1, "event": 1, "value": "not a time"}
    good = tmp_path / "good.xes"
    good.write_text(_log(12000), encoding="utf-8")
    before = _flat(received)
    assert 500 <= len(before) <= 11000
    assert before == _flat(xes_process.read_xes_process(good, 1000))[: len(before)]
    assert not _children()


def test_a_missing_file_raises_the_readers_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        list(xes_process.read_xes_process(tmp_path / "gone.xes", 1000))


def test_a_killed_reader_is_a_clear_error_and_is_reaped(tmp_path):
    path = tmp_path / "big.xes"
    path.write_text(_log(30000), encoding="utf-8")
    chunks = xes_process.read_xes_process(path, 200)
    next(chunks)
    (child,) = _children()
    os.kill(child, 9)
    started = time.monotonic()
    with pytest.raises(EventError) as error:
        for _ in chunks:
            pass
    assert time.monotonic() - started < 10
    assert error.value.code == "reader_failed"
    assert error.value.params["status"] == -9
    assert not _children()


@pytest.mark.parametrize(
    ("script", "status", "detail"),
    [
        ("import sys; sys.stdout.buffer.write(b'\\x80\\x05\\x95'); sys.exit(3)", 3, ""),
        ("import sys; sys.stderr.write('MemoryError: out of luck\\n'); sys.exit(1)", 1, ": MemoryError: out of luck"),
        ("import os; os.kill(os.getpid(), 9)", -9, ""),
    ],
)
def test_a_reader_exiting_abnormally_is_a_clear_error(tmp_path, monkeypatch, script, status, detail):
    monkeypatch.setattr(xes_process, "_command", lambda path, size: [sys.executable, "-c", script])
    with pytest.raises(EventError) as error:
        list(xes_process.read_xes_process(tmp_path / "any.xes", 1000))
    assert error.value.code == "reader_failed"
    assert error.value.params == {"status": status, "detail": detail}
    assert str(status) in error.value.message
    assert not _children()


def test_stopping_early_ends_the_reader(tmp_path):
    path = tmp_path / "big.xes"
    path.write_text(_log(30000), encoding="utf-8")
    chunks = xes_process.read_xes_process(path, 200)
    next(chunks)
    assert len(_children()) == 1
    chunks.close()
    assert not _children()


def _result(log_name: str):
    log = EventLog.objects.get(name=log_name)
    events = list(
        Event.objects.filter(case__log=log)
        .order_by("id")
        .values_list("case__key", "activity__name", "timestamp", "lifecycle", "resource", "attributes")
    )
    cases = sorted(
        Case.objects.filter(log=log).values_list("key", "variant__key", "started_at", "ended_at", "event_count")
    )
    return events, cases


@pytest.mark.django_db
def test_the_import_through_the_reader_equals_the_import_in_process(tmp_path, monkeypatch):
    path = tmp_path / "log.xes"
    path.write_text(_log(services.BATCH + 2300), encoding="utf-8")
    monkeypatch.setenv("OPENCXM_EVENTS_XES_PROCESS", "0")
    here = services.events_import_file(actor=None, path=path, filename=path.name, log_name="here")
    variants = Variant.objects.count()
    monkeypatch.setenv("OPENCXM_EVENTS_XES_PROCESS", "1")
    there = services.events_import_file(actor=None, path=path, filename=path.name, log_name="there")
    assert (there.received, there.created, there.duplicates_in_file) == (
        here.received,
        here.created,
        here.duplicates_in_file,
    )
    assert here.duplicates_in_file > 0
    assert _result("here") == _result("there")
    assert Variant.objects.count() == variants  # the same paths: no new variant
    # the same dedup keys: importing again through the other path adds nothing
    again = services.events_import_file(actor=None, path=path, filename=path.name, log_name="here")
    assert (again.received, again.created) == (here.received, 0)
    monkeypatch.setenv("OPENCXM_EVENTS_XES_PROCESS", "0")
    again = services.events_import_file(actor=None, path=path, filename=path.name, log_name="there")
    assert (again.received, again.created) == (here.received, 0)


@pytest.mark.django_db
def test_file_objects_and_the_setting_read_in_process(tmp_path, monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("read by a process")

    path = tmp_path / "log.xes"
    path.write_text(LOG, encoding="utf-8")
    monkeypatch.setattr(services, "read_xes_process", refused)
    with path.open("rb") as fh:
        assert services.events_import_file(actor=None, path=fh, filename="log.xes", log_name="a").created == 3
    monkeypatch.setenv("OPENCXM_EVENTS_XES_PROCESS", "0")
    assert services.events_import_file(actor=None, path=path, filename="log.xes", log_name="b").created == 3
    monkeypatch.setenv("OPENCXM_EVENTS_XES_PROCESS", "1")
    with pytest.raises(AssertionError):
        services.events_import_file(actor=None, path=path, filename="log.xes", log_name="c")


@pytest.mark.django_db
def test_a_bad_event_through_the_reader_writes_nothing(tmp_path):
    path = tmp_path / "bad.xes"
    path.write_text(_log(services.BATCH + 2000, bad_at=services.BATCH + 1000), encoding="utf-8")
    with pytest.raises(EventError) as error:
        services.events_import_file(actor=None, path=path, filename=path.name, log_name="bad")
    assert error.value.code == "bad_time"
    assert not EventLog.objects.filter(name="bad").exists()
    assert not Event.objects.exists()
    assert not _children()
