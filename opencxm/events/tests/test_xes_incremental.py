"""An XES import through the reading process stores the cases each chunk finishes while the next is parsed
(services._Writer._store_finished). Whatever the chunking, with traces longer than a chunk and a case name that
comes back in a later trace, everything derived equals the import of the same file in one piece at the end (the
in-process path): cases, transitions, per-day and per-month rows, whole-log summaries, per-variant durations."""

from datetime import UTC, datetime, timedelta

import pytest

from opencxm.events import services
from opencxm.events.models import (
    Case,
    DayEdge,
    DayVariant,
    EdgeSummary,
    EventLog,
    MonthEdge,
    MonthVariant,
    Transition,
    VariantSummary,
)
from opencxm.events.tests.test_durations import _from_transitions, _kept

T0 = datetime(2026, 1, 30, 22, 0, tzinfo=UTC)  # cases start on several days and in two months


def _log(lengths: list[tuple[str, int]]) -> str:
    """Traces named and sized as given; activity and time vary with the position."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<log xmlns="http://www.xes-standard.org/">']
    for number, (name, length) in enumerate(lengths):
        events = []
        for step in range(length):
            stamp = (T0 + timedelta(hours=number * 3, minutes=step * (7 + number % 5))).isoformat()
            activity = f"A{(step * 3 + number) % 5}"
            events.append(f'<event><string key="concept:name" value="{activity}"/>'
                          f'<date key="time:timestamp" value="{stamp}"/></event>')  # fmt: skip
        lines.append(f'<trace><string key="concept:name" value="{name}"/>{"".join(events)}</trace>')
    lines.append("</log>")
    return "\n".join(lines)


def _derived(log_name: str) -> dict:
    log = EventLog.objects.get(name=log_name)
    cases = Case.objects.filter(log=log)
    by_log = {"log": log}
    return {
        "cases": sorted(cases.values_list("key", "variant__key", "started_at", "ended_at", "event_count")),
        "transitions": sorted(
            Transition.objects.filter(case__log=log).values_list(
                "case__key", "from_activity__name", "to_activity__name", "seconds", "at"
            )
        ),
        **{
            model.__name__: sorted(
                tuple(row)
                for row in model.objects.filter(**by_log).values_list(
                    *[f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "log_id")]
                )
            )
            for model in (DayVariant, DayEdge, MonthVariant, MonthEdge, EdgeSummary, VariantSummary)
        },
        "durations": sorted(row[1:] for row in _kept() if row[0] == log.pk),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("batch", [7, 50])
def test_cases_stored_chunk_by_chunk_equal_the_import_in_one_piece(tmp_path, monkeypatch, batch):
    traces = [(f"C{i}", 1 + (i * 7) % 9) for i in range(60)]
    traces[20] = ("C20", 3 * batch + 5)  # longer than a chunk: it goes on over several
    traces[45] = ("C3", 4)  # a stored case's name again, much later: reopened
    traces.append(("C59", 2))  # the last trace's case again, right after it
    path = tmp_path / "log.xes"
    path.write_text(_log(traces), encoding="utf-8")
    monkeypatch.setattr(services, "BATCH", batch)
    monkeypatch.setenv("OPENCXM_EVENTS_XES_PROCESS", "0")
    services.events_import_file(actor=None, path=path, filename=path.name, log_name="whole")
    monkeypatch.setenv("OPENCXM_EVENTS_XES_PROCESS", "1")
    stored, reopened = [], set()
    original = services._Writer._store_finished

    def spy(self, chunk):
        before = len(self.stored)
        original(self, chunk)
        stored.append(len(self.stored) - before)
        reopened.update(self.reopened)

    monkeypatch.setattr(services._Writer, "_store_finished", spy)
    result = services.events_import_file(actor=None, path=path, filename=path.name, log_name="chunked")
    assert result.received == sum(length for _name, length in traces)
    assert len(stored) > 3 and sum(stored) > 40  # most cases were stored chunk by chunk
    whole, chunked = _derived("whole"), _derived("chunked")
    assert whole["cases"] and whole["transitions"] and whole["durations"]
    for name in whole:
        assert chunked[name] == whole[name], name
    assert reopened  # C3 came back after it was stored
    assert _kept() == _from_transitions()


@pytest.mark.django_db
def test_a_bad_event_after_stored_chunks_writes_nothing(tmp_path, monkeypatch):
    traces = [(f"C{i}", 3) for i in range(30)]
    text = _log(traces).replace(f"{(T0 + timedelta(hours=25 * 3)).isoformat()}", "not a time", 1)
    path = tmp_path / "log.xes"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(services, "BATCH", 10)
    with pytest.raises(services.EventError):
        services.events_import_file(actor=None, path=path, filename=path.name, log_name="bad")
    assert not EventLog.objects.filter(name="bad").exists()
    assert not Transition.objects.exists() and not DayVariant.objects.exists() and not _kept()


@pytest.mark.django_db
def test_only_a_first_import_stores_chunk_by_chunk(tmp_path, monkeypatch):
    """Storing takes the log's lock while events still go in; into an existing log (where a concurrent writer may
    wait on our rows) the cases are stored at the end, as for any other write."""
    first, second = tmp_path / "first.xes", tmp_path / "second.xes"
    first.write_text(_log([(f"C{i}", 3) for i in range(20)]), encoding="utf-8")
    second.write_text(_log([(f"D{i}", 3) for i in range(20)]), encoding="utf-8")
    monkeypatch.setattr(services, "BATCH", 10)
    stored = {}
    original = services._Writer._store_finished

    def spy(self, chunk):
        original(self, chunk)
        stored[self.log.name] = len(self.stored)

    monkeypatch.setattr(services._Writer, "_store_finished", spy)
    services.events_import_file(actor=None, path=first, filename=first.name, log_name="one")
    assert stored.pop("one") > 0
    result = services.events_import_file(actor=None, path=second, filename=second.name, log_name="one")
    assert result.created == 60 and "one" not in stored
    assert Case.objects.filter(log__name="one", variant__isnull=False).count() == 40
    assert _kept() == _from_transitions()
