"""The import's fast paths: raw lookups, a first import into a log (no conflict check), a later one that
overlaps, and a bad event after the first chunk while a second thread reads the file."""

from datetime import UTC, datetime, timedelta

import pytest

from opencxm.events import bulk, services
from opencxm.events.models import Case, Event, EventLog, Transition
from opencxm.events.records import EventError, EventRecord
from opencxm.feedback.pseudonyms import pseudonymise

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _records(cases: range, steps: int = 3) -> list[EventRecord]:
    return [
        EventRecord(case=f"C-{case}", activity=f"Step {step}", timestamp=T0 + timedelta(hours=case, minutes=step))
        for case in cases
        for step in range(steps)
    ]


@pytest.mark.django_db
def test_select_in_finds_what_the_orm_finds_whatever_the_characters():
    log = EventLog.objects.create(name="odd")
    keys = ["plain", 'with "quote"', "back\\slash", "comma,brace{}", "single'quote", "", "NULL"]
    for key in keys:
        Case.objects.create(log=log, key=key)
    other = EventLog.objects.create(name="other")
    Case.objects.create(log=other, key="plain")
    found = dict(bulk.select_in(Case, ["key", "id"], "key", [*keys, "absent"], log=log.pk))
    assert found == dict(Case.objects.filter(log=log).values_list("key", "id"))
    ids = list(Case.objects.values_list("id", flat=True))
    assert sorted(bulk.select_in(Case, ["id", "log"], "id", ids)) == sorted(Case.objects.values_list("id", "log_id"))
    assert bulk.select_in(Case, ["id"], "key", []) == []


@pytest.mark.django_db
def test_first_import_then_an_overlapping_one_adds_only_the_new_events():
    first = services.events_write(actor=None, log_name="overlap", records=_records(range(10)))
    assert (first.received, first.created) == (30, 30)
    # cases 5..14: 5 cases known (their events present, one step more each), 5 new ones
    second = services.events_write(actor=None, log_name="overlap", records=_records(range(5, 15), steps=4))
    assert (second.received, second.created) == (40, 5 + 20)
    assert Event.objects.filter(case__log__name="overlap").count() == 55
    assert Case.objects.filter(log__name="overlap").count() == 15
    known = Case.objects.get(log__name="overlap", key=pseudonymise("C-7"))
    assert (known.event_count, known.variant.length) == (4, 4)
    assert Transition.objects.filter(case=known).count() == 3
    again = services.events_write(actor=None, log_name="overlap", records=_records(range(15), steps=4))
    assert (again.received, again.created) == (60, 0 + 5)  # cases 0..4 get their fourth step


@pytest.mark.django_db
def test_repeated_events_in_a_first_import_are_all_kept_and_stay_idempotent():
    records = _records(range(3)) + _records(range(3))
    result = services.events_write(actor=None, log_name="repeats", records=records)
    assert (result.created, result.duplicates_in_file) == (18, 9)
    again = services.events_write(actor=None, log_name="repeats", records=records)
    assert (again.created, again.duplicates_in_file) == (0, 9)


def _xes(events: int, bad_at: int) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<log xmlns="http://www.xes-standard.org/">']
    for number in range(events):
        if number % 4 == 0:
            lines.append(f'<trace><string key="concept:name" value="T{number}"/>')
        stamp = "not a time" if number == bad_at else (T0 + timedelta(minutes=number)).isoformat()
        lines.append(
            f'<event><string key="concept:name" value="A{number % 3}"/><date key="time:timestamp" value="{stamp}"/>'
            "</event>"
        )
        if number % 4 == 3:
            lines.append("</trace>")
    lines.append("</log>")
    return "\n".join(lines).encode()


@pytest.mark.django_db
def test_a_bad_event_after_the_first_chunk_writes_nothing(tmp_path):
    path = tmp_path / "big.xes"
    bad_at = services.BATCH + 1000  # read by the second thread while the first chunk is written
    path.write_bytes(_xes(services.BATCH + 2000, bad_at))
    with pytest.raises(EventError) as error:
        services.events_import_file(actor=None, path=path, filename=path.name, log_name="big")
    assert error.value.code == "bad_time"
    assert error.value.params["trace"] == bad_at // 4 + 1
    assert not EventLog.objects.filter(name="big").exists()
    assert not Event.objects.exists()
    path.write_bytes(_xes(services.BATCH + 2000, -1))
    result = services.events_import_file(actor=None, path=path, filename=path.name, log_name="big")
    assert (result.received, result.created) == (services.BATCH + 2000, services.BATCH + 2000)
