"""Importing files: CSV and XES, idempotent re-import, all or nothing, limits and clear messages."""

import gzip
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from opencxm.core.models import AuditEntry
from opencxm.events import selectors, services
from opencxm.events.models import Activity, Case, Event, EventLog
from opencxm.events.records import EventError
from opencxm.feedback.pseudonyms import pseudonymise
from tests.factories_events import write_events

CSV = """case;activity;timestamp;channel;note
K-1;Call hotline;2026-03-02T10:00:00+01:00;hotline;first
K-1;Send letter;2026-03-02T12:00:00+01:00;;
K-2;Call hotline;2026-03-02T11:00:00+00:00;Hotline;
"""
LOGS = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "event-logs"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _csv(tmp_path, text=CSV, name="events.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_csv_import_with_channel_attributes_and_pseudonymous_cases(tmp_path, world):
    result = services.events_import_file(actor=None, path=_csv(tmp_path), filename="events.csv", log_name="crm")
    assert (result.received, result.created) == (3, 3)
    event = Event.objects.get(case__key=pseudonymise("K-1"), activity__name="Call hotline")
    assert event.channel == world.channel
    assert event.attributes == {"note": "first"}
    assert event.timestamp.isoformat() == "2026-03-02T09:00:00+00:00"
    assert not Case.objects.filter(key="K-1").exists()
    assert AuditEntry.objects.get(object_id=result.log.public_id).changes == {
        "source": "events.csv", "received": 3, "created": 3}  # fmt: skip


@pytest.mark.django_db
def test_reimport_adds_nothing(tmp_path, world):
    path = _csv(tmp_path)
    services.events_import_file(actor=None, path=path, filename="events.csv", log_name="crm")
    again = services.events_import_file(actor=None, path=path, filename="events.csv", log_name="crm")
    assert (again.received, again.created, again.already_present) == (3, 0, 3)
    assert Event.objects.count() == 3


@pytest.mark.django_db
def test_duplicate_events_in_one_file_are_kept_as_repeats_and_stay_idempotent():
    first = write_events([("c", "A", 0), ("c", "A", 0), ("c", "B", 1)])
    assert (first.created, first.duplicates_in_file) == (3, 1)
    assert write_events([("c", "A", 0), ("c", "A", 0), ("c", "B", 1)]).created == 0
    assert selectors.discover(selectors.Filters()).variants[0]["path"] == ["A", "A", "B"]


@pytest.mark.django_db
def test_a_bad_row_imports_nothing(tmp_path, world):
    text = CSV + "K-3;Call hotline;not a time;;\n"
    with pytest.raises(EventError) as error:
        services.events_import_file(actor=None, path=_csv(tmp_path, text), filename="events.csv", log_name="crm")
    assert error.value.message == "Row 5: 'not a time' is not a time."
    assert (EventLog.objects.count(), Event.objects.count(), Activity.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_missing_case_and_unknown_channel(tmp_path):
    with pytest.raises(EventError) as error:
        services.events_import_file(actor=None, path=_csv(tmp_path, CSV.replace("K-2;", ";")), filename="e.csv",
                                    log_name="crm")  # fmt: skip
    assert error.value.message == "Row 4 has no case."
    with pytest.raises(EventError) as error:
        services.events_import_file(actor=None, path=_csv(tmp_path), filename="e.csv", log_name="crm")
    assert error.value.message == "Row 2: unknown channel 'hotline'."


@pytest.mark.django_db
def test_times_with_and_without_offset_in_one_file_are_refused(tmp_path):
    text = "case,activity,timestamp\nA,x,2026-03-02T10:00:00+01:00\nA,y,2026-03-02 11:00:00\n"
    with pytest.raises(EventError) as error:
        services.events_import_file(actor=None, path=_csv(tmp_path, text), filename="e.csv", log_name="crm")
    assert error.value.code == "mixed_zones"


@pytest.mark.django_db
def test_too_many_distinct_activities_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENCXM_EVENTS_MAX_ACTIVITIES", "3")
    rows = "".join(f"c{i},act {i},2026-03-02T10:00:00Z\n" for i in range(4))
    with pytest.raises(EventError) as error:
        services.events_import_file(actor=None, path=_csv(tmp_path, "case,activity,timestamp\n" + rows),
                                    filename="e.csv", log_name="crm")  # fmt: skip
    assert error.value.code == "too_many_activities"
    assert Activity.objects.count() == 0


@pytest.mark.django_db
def test_mapping_names_the_columns(tmp_path):
    text = "Ticket,Step,When\nT1,Open,2026-03-02T10:00:00Z\n"
    mapping = {"case": "Ticket", "activity": "Step", "timestamp": "When"}
    result = services.events_import_file(actor=None, path=_csv(tmp_path, text), filename="e.csv", log_name="t",
                                         mapping=mapping)  # fmt: skip
    assert result.created == 1


@pytest.mark.django_db
def test_xes_gz_by_content_and_cli(tmp_path):
    xes = ('<log><trace><string key="concept:name" value="1"/><event><string key="concept:name" value="A"/>'
           '<date key="time:timestamp" value="2026-03-02T10:00:00+02:00"/></event></trace></log>')  # fmt: skip
    path = tmp_path / "export.bin"
    path.write_bytes(gzip.compress(xes.encode()))
    call_command("events", "import", str(path), "--log", "web")
    assert Event.objects.get().timestamp.isoformat() == "2026-03-02T08:00:00+00:00"
    bad = tmp_path / "bad.xes"
    bad.write_text("<log><trace>")
    with pytest.raises(CommandError, match="not well-formed XML"):
        call_command("events", "import", str(bad))


@pytest.mark.django_db
def test_real_csv_matches_real_xes(tmp_path):
    if not (LOGS / "running-example.csv").exists():
        pytest.skip("real event logs not available")
    services.events_import_file(actor=None, path=LOGS / "running-example.csv", filename="r.csv", log_name="csv")
    services.events_import_file(actor=None, path=LOGS / "running-example.xes", filename="r.xes", log_name="xes")
    logs = {log.name: str(log.public_id) for log in EventLog.objects.all()}
    from_csv = selectors.discover(selectors.Filters(log=logs["csv"])).as_json()
    from_xes = selectors.discover(selectors.Filters(log=logs["xes"])).as_json()
    assert from_csv == from_xes
    assert from_csv["cases"] == 6 and from_csv["events"] == 42


@pytest.mark.django_db
def test_messages_are_translated(tmp_path, settings):
    settings.LANGUAGE_CODE = "de"
    bad = tmp_path / "bad.xes"
    bad.write_text("<log><trace>")
    with pytest.raises(CommandError, match=r"^Die Datei ist kein wohlgeformtes XML \(Zeile 1, Spalte 13\)\.$"):
        call_command("events", "import", str(bad))
