"""An import computes new cases' paths and transitions from the parsed records (not reading the events back):
the result must equal what `cases_refresh` computes from the stored events, ties, time zones and repeats included."""

import pytest

from opencxm.events import services
from opencxm.events.models import Case, Transition

XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0">
 <trace><string key="concept:name" value="A-1"/>
  <event><string key="concept:name" value="Call"/><date key="time:timestamp" value="2026-03-02T12:00:00+02:00"/>
   <string key="org:resource" value="r1"/></event>
  <event><string key="concept:name" value="Mail"/><date key="time:timestamp" value="2026-03-02T09:30:00Z"/></event>
  <event><string key="concept:name" value="Visit"/><date key="time:timestamp" value="2026-03-02T10:00:00.250+00:00"/>
  </event>
  <event><string key="concept:name" value="Call"/><date key="time:timestamp" value="2026-03-02T10:00:00.250Z"/></event>
  <event><string key="concept:name" value="Mail"/><date key="time:timestamp" value="2026-03-02T10:00:00.250Z"/></event>
 </trace>
 <trace><string key="concept:name" value="A-2"/>
  <event><string key="concept:name" value="Call"/><date key="time:timestamp" value="2026-03-03T08:00:00"/></event>
  <event><string key="concept:name" value="Call"/><date key="time:timestamp" value="2026-03-03T08:00:00"/></event>
  <event><string key="concept:name" value="Visit"/><date key="time:timestamp" value="2026-03-02T23:00:00-05:00"/>
  </event>
 </trace>
</log>
"""
MORE = XES.replace("A-1", "A-3").replace('value="A-2"', 'value="A-1"')


def _state():
    cases = {
        case.key: (case.variant_id, case.started_at, case.ended_at, case.event_count) for case in Case.objects.all()
    }
    steps = sorted(
        Transition.objects.values_list("case__key", "from_activity", "to_activity", "seconds", "at", "from_department")
    )
    return cases, steps


@pytest.mark.django_db
def test_paths_from_records_equal_paths_read_from_events(tmp_path):
    first = tmp_path / "a.xes"
    first.write_text(XES, encoding="utf-8")
    services.events_import_file(actor=None, path=first, filename="a.xes", log_name="log")
    # a second file: one new case and more events for an existing one (A-1, read back from the database)
    second = tmp_path / "b.xes"
    second.write_text(MORE, encoding="utf-8")
    services.events_import_file(actor=None, path=second, filename="b.xes", log_name="log")
    from_records = _state()
    assert len(from_records[0]) == 3 and len(from_records[1]) > 5
    services.cases_refresh(case_ids=Case.objects.values_list("id", flat=True))  # everything from the events
    assert _state() == from_records
