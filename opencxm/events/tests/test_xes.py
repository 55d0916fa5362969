"""The XES reader without a database: plain and gzip, namespaces, time zones, bad input."""

import gzip
import io
from datetime import UTC, datetime

import pytest

from opencxm.events.records import EventError
from opencxm.events.xes import read_xes

LOG = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">
  <string key="origin" value="test"/>
  <trace>
    <string key="concept:name" value="T1"/>
    <event>
      <string key="concept:name" value="Call hotline"/>
      <date key="time:timestamp" value="2026-03-02T10:00:00+01:00"/>
      <string key="org:resource" value="Agent 7"/>
      <string key="lifecycle:transition" value="complete"/>
      <int key="cost" value="12"/>
      <list key="nested"><string key="inner" value="x"/></list>
    </event>
    <event>
      <string key="concept:name" value="Send letter"/>
      <date key="time:timestamp" value="2026-03-02T08:30:00Z"/>
    </event>
  </trace>
  <trace>
    <event>
      <string key="concept:name" value="Call hotline"/>
      <date key="time:timestamp" value="2026-03-03T12:00:00-05:00"/>
    </event>
    <string key="concept:name" value="T2"/>
  </trace>
</log>
"""


def _read(text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return list(read_xes(io.BytesIO(data)))


def test_reads_cases_activities_and_utc_times_from_mixed_offsets():
    events = _read(LOG)
    assert [(e.case, e.activity, e.timestamp) for e in events] == [
        ("T1", "Call hotline", datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
        ("T1", "Send letter", datetime(2026, 3, 2, 8, 30, tzinfo=UTC)),
        ("T2", "Call hotline", datetime(2026, 3, 3, 17, 0, tzinfo=UTC)),
    ]
    assert events[0].resource == "Agent 7"
    assert events[0].lifecycle == "complete"
    assert events[0].attributes == {"cost": "12"}


def test_reads_gzip_and_plain_without_namespace():
    plain = LOG.replace(' xmlns="http://www.xes-standard.org/"', "")
    assert len(_read(gzip.compress(plain.encode()))) == 3


def test_reads_a_path(tmp_path):
    path = tmp_path / "log.xes.gz"
    path.write_bytes(gzip.compress(LOG.encode()))
    assert [e.case for e in read_xes(path)] == ["T1", "T1", "T2"]


def test_malformed_xml_names_line_and_column():
    with pytest.raises(EventError) as error:
        _read("<log><trace><event></trace></log>")
    assert error.value.code == "not_xml"
    assert error.value.message == "The file is not well-formed XML (line 1, column 22)."


def test_doctype_is_refused():
    text = '<?xml version="1.0"?><!DOCTYPE log [<!ENTITY x "boom">]><log>&x;</log>'
    with pytest.raises(EventError) as error:
        _read(text)
    assert error.value.code == "doctype"


def test_event_without_time_names_its_position():
    with pytest.raises(EventError) as error:
        _read(LOG.replace('<date key="time:timestamp" value="2026-03-02T08:30:00Z"/>', ""))
    assert error.value.message == "Trace 1, event 2 has no time (time:timestamp)."


def test_trace_without_case_name():
    with pytest.raises(EventError) as error:
        _read(LOG.replace('<string key="concept:name" value="T2"/>', ""))
    assert error.value.message == "Trace 2 has no case name (concept:name)."


def test_bad_time():
    with pytest.raises(EventError) as error:
        _read(LOG.replace("2026-03-03T12:00:00-05:00", "yesterday"))
    assert error.value.message == "Trace 2, event 1: 'yesterday' is not a time."
