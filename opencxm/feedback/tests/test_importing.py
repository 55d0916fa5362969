"""Import jobs: check pass then batched writes, all-or-nothing vs partial, dry run, rerun after a crash,
clear messages for unusable files, and the `opencxm import` command."""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from opencxm.analytics.models import FeedbackRollup
from opencxm.feedback import importing, services
from opencxm.feedback.models import Customer, DataSource, Feedback, ImportJob
from opencxm.feedback.tasks import run_import

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "survey-exports"
HEADER = "id;Datum;Kunde;Touchpoint;Weiterempfehlung (NPS);Kommentar\n"


def write_csv(path: Path, rows: int, *, bad: dict | None = None, start: int = 0) -> Path:
    lines = [HEADER]
    for i in range(start, start + rows):
        nps = (bad or {}).get(i, str(i % 11))
        lines.append(f"R{i};02.03.2026 10:{i % 60:02d};KD-{i % 7};TP-OWN;{nps};Schöner Kommentar Nummer {i}\n")
    path.write_text("".join(lines), encoding="cp1252")
    return path


MAPPING = {
    "external_id": "id", "time": "Datum", "customer_ref": "Kunde", "touchpoint": "Touchpoint",
    "scores": {"nps": "Weiterempfehlung (NPS)"}, "comment": "Kommentar",
}  # fmt: skip


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def source(world):
    return DataSource.objects.create(name="Umfrage", owner_department=world.own, mapping=MAPPING)


def new_job(source, path, mapping=None, **options):
    return services.import_job_create(
        actor=None, source=source, stored_file=str(path), filename=path.name, mapping=mapping or {}, detected={},
        enqueue=False, **options,
    )  # fmt: skip


def test_import_job_writes_in_batches_and_a_second_run_changes_nothing(source, tmp_path):
    path = write_csv(tmp_path / "umfrage.csv", 25)
    seen = []
    job = importing.import_run(new_job(source, path), batch_size=10, progress=lambda j: seen.append(j.imported))
    assert (job.status, job.rows_read, job.imported, job.updated, job.unchanged, job.rejected) == (
        "done",
        25,
        25,
        0,
        0,
        0,
    )
    assert [n for n in seen if n] == [10, 20, 25, 25]
    assert job.detected["layout"] == "generic" and job.detected["encoding"] == "cp1252"
    assert Feedback.objects.count() == 25 and Customer.objects.count() == 7
    assert sum(FeedbackRollup.objects.values_list("records", flat=True)) == 25
    again = importing.import_run(new_job(source, path), batch_size=10)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 25)
    assert Feedback.objects.count() == 25


def test_changed_rows_are_counted_as_updated(source, tmp_path):
    importing.import_run(new_job(source, write_csv(tmp_path / "a.csv", 5)))
    job = importing.import_run(new_job(source, write_csv(tmp_path / "b.csv", 5, bad={1: "0", 2: "0"})))
    assert (job.imported, job.updated, job.unchanged) == (0, 2, 3)  # R1 and R2 now have NPS 0


def test_rejected_rows_stop_the_import_and_nothing_is_written(source, tmp_path):
    path = write_csv(tmp_path / "bad.csv", 30, bad={3: "11", 20: "sehr gut"})
    job = importing.import_run(new_job(source, path), batch_size=10)
    assert (job.status, job.rows_read, job.rejected, job.imported) == ("failed", 30, 2, 0)
    assert job.message == "2 rows were rejected; nothing was imported."
    assert [(e["row"], e["column"], e["value"]) for e in job.errors] == [
        (5, "Weiterempfehlung (NPS)", "11"),
        (22, "Weiterempfehlung (NPS)", "sehr gut"),
    ]
    assert job.errors[0]["message"] == "Row 5, column 'Weiterempfehlung (NPS)': '11' is not a whole number from 0 to 10"
    assert Feedback.objects.count() == 0 and Customer.objects.count() == 0


def test_partial_import_writes_valid_rows_and_reports_the_rest(source, tmp_path):
    path = write_csv(tmp_path / "bad.csv", 30, bad={3: "11"})
    job = importing.import_run(new_job(source, path, partial=True), batch_size=10)
    assert (job.status, job.rows_read, job.rejected, job.imported) == ("done", 30, 1, 29)
    assert Feedback.objects.filter(external_id="R3").count() == 0


def test_unknown_touchpoint_is_a_row_error(source, tmp_path):
    path = tmp_path / "tp.csv"
    path.write_text(HEADER + "R1;02.03.2026 10:00;K;TP-GIBTSNICHT;9;x\n", encoding="utf-8")
    job = importing.import_run(new_job(source, path))
    assert job.errors[0]["row"] == 2 and job.errors[0]["column"] == "Touchpoint"
    assert job.errors[0]["expected"] == "a touchpoint code or name from the registry"


def test_dry_run_checks_and_counts_but_writes_nothing(source, tmp_path):
    path = write_csv(tmp_path / "a.csv", 12)
    job = importing.import_run(new_job(source, path, dry_run=True), batch_size=5)
    assert (job.status, job.imported, job.rows_read) == ("done", 12, 12)
    assert (Feedback.objects.count(), Customer.objects.count(), FeedbackRollup.objects.count()) == (0, 0, 0)


def test_import_killed_halfway_and_rerun_ends_with_exactly_the_expected_rows(source, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "big.csv", 50)
    real = services.feedback_import_batch
    calls = []

    def dies_on_third_batch(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("killed")
        return real(**kwargs)

    monkeypatch.setattr(importing, "BATCH_SIZE", 10)
    monkeypatch.setattr(services, "feedback_import_batch", dies_on_third_batch)
    job = new_job(source, path)
    with pytest.raises(RuntimeError):
        run_import.call(job.pk)
    job.refresh_from_db()
    assert (job.status, Feedback.objects.count()) == ("failed", 20)
    monkeypatch.setattr(services, "feedback_import_batch", real)
    assert run_import.call(job.pk) == "done"
    job.refresh_from_db()
    assert (job.imported, job.unchanged) == (30, 20)
    assert Feedback.objects.count() == 50
    assert sum(FeedbackRollup.objects.values_list("records", flat=True)) == 50
    assert run_import.call(job.pk) == "skipped"  # a finished job is not run again


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"%PDF-1.4 binary", "The file is not a table (CSV or XLSX); it looks like a PDF document."),
        (b"id;time\n", "The file has a header but no data rows."),
    ],
)
def test_unusable_files_fail_with_a_clear_message(source, tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    job = importing.import_run(new_job(source, path))
    assert (job.status, job.message) == ("failed", message)


def test_too_large_file_is_refused(source, tmp_path, settings):
    settings.OPENCXM_IMPORT_MAX_BYTES = 100
    job = importing.import_run(new_job(source, write_csv(tmp_path / "a.csv", 10)))
    assert job.status == "failed" and job.message.startswith("The file is too large")


# --- the command --------------------------------------------------------------------------------------------


def test_command_creates_the_source_and_prints_a_summary(world, tmp_path, capsys):
    path = write_csv(tmp_path / "a.csv", 12)
    call_command("import", str(path), "--source", "Neue Umfrage")
    out = capsys.readouterr()
    assert "Created data source Neue Umfrage from the detected layout (Table with one header row)." in out.out
    assert "Rows read: 12\nImported: 12\nUpdated: 0\nUnchanged: 0\nRejected: 0" in out.out
    assert "Writing: 12/12" in out.err or "Writing [" in out.err
    source = DataSource.objects.get(name="Neue Umfrage")
    assert source.layout == "generic" and source.mapping["time"] == "Datum"
    assert Feedback.objects.filter(source=source).count() == 12
    assert ImportJob.objects.get().status == "done"
    call_command("import", str(path), "--source", "Neue Umfrage")
    assert "Unchanged: 12" in capsys.readouterr().out
    assert Feedback.objects.count() == 12


def test_command_dry_run_writes_nothing(world, tmp_path, capsys):
    call_command("import", str(write_csv(tmp_path / "a.csv", 5)), "--source", "X", "--dry-run")
    out = capsys.readouterr().out
    assert "Data source X does not exist; it would be created" in out
    assert "Dry run: nothing was written.\nRows read: 5\nImported: 5" in out
    assert (DataSource.objects.count(), ImportJob.objects.count(), Feedback.objects.count()) == (0, 0, 0)


def test_command_reports_first_errors_and_fails(world, tmp_path, capsys):
    path = write_csv(tmp_path / "bad.csv", 30, bad=dict.fromkeys(range(15), "x"))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING))
    with pytest.raises(CommandError) as failed:
        call_command("import", str(path), "--source", "S", "--mapping", str(mapping))
    assert failed.value.returncode == 1
    out = capsys.readouterr().out
    assert "Rejected: 15" in out
    assert out.count("  Row ") == 10
    assert Feedback.objects.count() == 0
    call_command("import", str(path), "--source", "S", "--partial", "--mapping", str(mapping))
    assert Feedback.objects.count() == 15


def test_command_takes_a_mapping_file(world, tmp_path, capsys):
    mapping = {
        "external_id": "id",
        "time": "Datum",
        "scores": {"nps": "Weiterempfehlung (NPS)"},
        "fixed_touchpoint": "TP-OTHER",
    }
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(json.dumps(mapping))
    call_command("import", str(write_csv(tmp_path / "a.csv", 3)), "--source", "M", "--mapping", str(mapping_file))
    assert set(Feedback.objects.values_list("touchpoint__code", "comment")) == {("TP-OTHER", "")}
    assert Customer.objects.count() == 0


def test_command_refuses_a_file_that_is_not_a_table(world, tmp_path):
    path = tmp_path / "a.json"
    path.write_text('{"a": 1}')
    with pytest.raises(CommandError, match="The file is not a table"):
        call_command("import", str(path), "--source", "S")


@pytest.mark.skipif(not (SHARED / "limesurvey" / "colors.lsa").exists(), reason="shared survey exports absent")
def test_command_imports_a_real_limesurvey_archive(world, capsys):
    call_command("import", str(SHARED / "limesurvey" / "colors.lsa"), "--source", "LimeSurvey")
    out = capsys.readouterr().out
    read = int(out.split("Rows read: ")[1].split()[0])
    assert read > 0 and Feedback.objects.count() == read
    call_command("import", str(SHARED / "limesurvey" / "colors.lsa"), "--source", "LimeSurvey")
    assert f"Unchanged: {read}" in capsys.readouterr().out


@pytest.mark.skipif(not (SHARED / "qualtrics").exists(), reason="shared survey exports absent")
def test_command_imports_real_qualtrics_exports(world, capsys):
    files = sorted((SHARED / "qualtrics").rglob("*.csv"))[:3]
    for number, path in enumerate(files):
        try:
            call_command("import", str(path), "--source", f"Qualtrics {number}", "--partial")
        except CommandError:
            continue
    assert Feedback.objects.count() > 0


# --- the staged write path: repeated ids, moved days, concurrent writers -------------------------------------


def _rollup_days(source) -> dict:
    days = {}
    for day, records in FeedbackRollup.objects.filter(source=source).values_list("day", "records"):
        days[day] = days.get(day, 0) + records
    return {day: count for day, count in days.items() if count}


def _raw_days(source) -> dict:
    from opencxm.analytics.rollups import local_day

    days = {}
    for moment in Feedback.objects.filter(source=source).values_list("responded_at", flat=True):
        days[local_day(moment)] = days.get(local_day(moment), 0) + 1
    return days


def test_repeated_ids_are_rejected_with_the_first_row(source, tmp_path):
    lines = [HEADER, "R1;02.03.2026 10:00;K;TP-OWN;9;a\n", "R2;02.03.2026 10:00;K;TP-OWN;x;b\n",
             "R1;03.03.2026 10:00;K;TP-OWN;7;c\n", "R2;03.03.2026 10:00;K;TP-OWN;8;d\n",
             "R1;04.03.2026 10:00;K;TP-OWN;99;e\n"]  # fmt: skip
    path = tmp_path / "dup.csv"
    path.write_text("".join(lines), encoding="utf-8")
    job = importing.import_run(new_job(source, path), batch_size=2)
    assert (job.status, job.rows_read, job.rejected, job.rows_total) == ("failed", 5, 4, 1)
    assert [(e["row"], e["column"], e["value"]) for e in job.errors] == [
        (3, "Weiterempfehlung (NPS)", "x"),
        (4, "id", "R1"),
        (5, "id", "R2"),  # R2's first row was rejected for its score, but its id still counts
        (6, "id", "R1"),  # the id error comes before the row's other errors
        (6, "Weiterempfehlung (NPS)", "99"),
    ]
    assert job.errors[1]["message"] == "Row 4, column 'id': 'R1' is not a new id; row 2 has the same id"
    assert Feedback.objects.count() == 0
    job = importing.import_run(new_job(source, path, partial=True), batch_size=2)
    assert (job.status, job.imported, job.rejected) == ("done", 1, 4)
    assert list(Feedback.objects.values_list("external_id", "nps", "comment")) == [("R1", 9, "a")]


def test_reimport_moving_rows_to_other_days_keeps_rollups_exact(source, tmp_path):
    importing.import_run(new_job(source, write_csv(tmp_path / "a.csv", 20)), batch_size=7)
    assert _rollup_days(source) == _raw_days(source) == {date(2026, 3, 2): 20}
    moved = write_csv(tmp_path / "b.csv", 20)
    moved.write_text(moved.read_text(encoding="cp1252").replace("02.03.2026", "05.03.2026", 5), encoding="cp1252")
    job = importing.import_run(new_job(source, moved), batch_size=7)
    assert (job.imported, job.updated, job.unchanged) == (0, 5, 15)
    assert _rollup_days(source) == _raw_days(source) == {
        date(2026, 3, 2): 15, date(2026, 3, 5): 5,
    }  # fmt: skip


def test_a_concurrent_writer_during_a_first_import_cannot_leave_stale_rollups(source, tmp_path, monkeypatch):
    """The first import of a source skips looking for stored rows whose day moves; when a concurrent API write
    stored one of its ids meanwhile (on another day), the import still ends with exact rollups."""
    real = services.feedback_import_batch
    other_day = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

    def api_write_first(**kwargs):
        if not Feedback.objects.exists():
            services.feedback_upsert_batch(source=source, records=[
                {"external_id": "R3", "responded_at": other_day, "touchpoint": "TP-OWN", "nps": 1},
            ])  # fmt: skip
            assert _rollup_days(source) == {date(2026, 1, 15): 1}
        return real(**kwargs)

    monkeypatch.setattr(services, "feedback_import_batch", api_write_first)
    job = importing.import_run(new_job(source, write_csv(tmp_path / "a.csv", 10)), batch_size=4)
    assert (job.imported, job.updated, job.unchanged) == (9, 1, 0)
    assert Feedback.objects.count() == 10
    assert _rollup_days(source) == _raw_days(source) == {date(2026, 3, 2): 10}


def test_staged_values_round_trip_unchanged(world, tmp_path):
    """Everything the staged write stores (customers, custom scores, attributes, fixed touchpoint, language)
    compares equal on the next import, so a repeated file is 'unchanged' and never rewritten."""
    source = DataSource.objects.create(name="Mix", kind="complaints", fixed_touchpoint=world.other_touchpoint)
    path = tmp_path / "mix.csv"
    path.write_text(
        "id;Datum;Kunde;NPS;Wartezeit;Filiale;Sprache;Kommentar\n"
        "A;2026-03-02T10:00:00+01:00;KD-1;9;4,5;Köln;de;Schön\n"
        "B;2026-03-02T23:30:00Z;kd-1 ;;;Bonn;en;\n",
        encoding="utf-8",
    )
    mapping = {
        "external_id": "id", "time": "Datum", "customer_ref": "Kunde", "language": "Sprache",
        "scores": {"nps": "NPS", "wait": "Wartezeit"}, "comment": "Kommentar", "attributes": ["Filiale"],
    }  # fmt: skip
    job = importing.import_run(new_job(source, path, mapping=mapping))
    assert (job.status, job.imported) == ("done", 2), job.message
    a, b = Feedback.objects.order_by("external_id")
    assert (a.kind, a.touchpoint_id, a.nps, a.scores, a.attributes, a.language, a.comment) == (
        "complaint", world.other_touchpoint.pk, 9, {"wait": 4.5}, {"Filiale": "Köln"}, "de", "Schön",
    )  # fmt: skip
    assert a.responded_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert a.customer_id == b.customer_id and Customer.objects.get().language == "de"
    assert (b.nps, b.scores, b.comment, b.import_job_id) == (None, {}, "", job.pk)
    again = importing.import_run(new_job(source, path, mapping=mapping))
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 2)
    assert _rollup_days(source) == _raw_days(source)


def test_dry_run_of_a_changed_file_counts_updates_without_writing(source, tmp_path):
    importing.import_run(new_job(source, write_csv(tmp_path / "a.csv", 5)))
    before = list(Feedback.objects.order_by("id").values_list("external_id", "nps", "updated_at"))
    path = write_csv(tmp_path / "b.csv", 6, bad={1: "0", 2: "0"})
    job = importing.import_run(new_job(source, path, dry_run=True), batch_size=4)
    assert (job.status, job.imported, job.updated, job.unchanged) == ("done", 1, 2, 3)
    assert list(Feedback.objects.order_by("id").values_list("external_id", "nps", "updated_at")) == before
