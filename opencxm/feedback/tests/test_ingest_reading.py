"""Opening files: formats, encodings, delimiters, refusals with clear messages, constant memory."""

import io
import tracemalloc
import zipfile
from datetime import UTC, datetime

import openpyxl
import pytest

from opencxm.feedback.ingest import IngestError, Record, detect_layout, open_table, records

GERMAN_ROWS = "Nr;Datum;NPS;Zufriedenheit;Kommentar\r\n1;31.12.2025 14:30;9;4,5;Schöne Grüße, 5 € Rabatt – danke\r\n"


def _rows(table):
    return [cells for _number, cells in table.rows()]


def _error(source, filename="upload.csv", **kwargs) -> IngestError:
    with pytest.raises(IngestError) as error:
        table = open_table(io.BytesIO(source) if isinstance(source, bytes) else source, filename, **kwargs)
        detect_layout(table)
    return error.value


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"), ("utf-16", "utf-16")],
)
def test_encodings(encoding, expected):
    table = open_table(io.BytesIO(GERMAN_ROWS.encode(encoding)), "export.csv")

    assert (table.format, table.encoding, table.delimiter) == ("csv", expected, ";")
    assert table.header_rows == [["Nr", "Datum", "NPS", "Zufriedenheit", "Kommentar"], [
        "1", "31.12.2025 14:30", "9", "4,5", "Schöne Grüße, 5 € Rabatt – danke"]]  # fmt: skip


def test_latin1_when_not_windows_1252():
    text = "id,comment\r\n1,Gr\u00fc\u00dfe\r\n" + "3,Eine ganz normale Zeile mit etwas Text\r\n" * 5
    data = text.encode("latin-1") + b"2,\x81\r\n"  # 0x81 is undefined in Windows-1252

    table = open_table(io.BytesIO(data), "old.csv")

    assert table.encoding == "latin-1"
    assert _rows(table)[1] == ["1", "Grüße"]


def test_utf8_file_with_a_windows_byte_far_after_the_sample_is_read_as_windows_1252(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"id,comment\n" + b"1,plain ascii text\n" * 10_000 + "2,5 €\n".encode("cp1252"))

    table = open_table(path)

    assert table.encoding == "cp1252"
    assert _rows(table)[-1] == ["2", "5 €"]


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_delimiters(delimiter):
    lines = ["id", "time", "comment"], ["1", "2025-01-02 10:00", "Gut; sehr, gut|ok"], ["2", "2025-01-03 11:00", ""]
    text = "\n".join(
        delimiter.join(f'"{cell}"' if cell and cell[0] == "G" else cell for cell in line) for line in lines
    )

    table = open_table(io.BytesIO(text.encode()), "data.txt")

    assert table.delimiter == delimiter
    assert _rows(table) == [list(line) for line in lines]


def test_quoted_cells_spanning_lines_count_as_one_row():
    data = b'id,time,comment\n1,2025-01-02,"first line\nsecond line"\n2,2025-01-03,x\n'

    assert [number for number, _cells in open_table(io.BytesIO(data), "a.csv").rows()] == [1, 2, 3]


def test_blank_lines_are_skipped_but_keep_their_row_numbers():
    data = b"id,time\n\n1,2025-01-02\n\n\n2,2025-01-03\n"

    assert list(open_table(io.BytesIO(data), "a.csv").rows()) == [(1, ["id", "time"]), (3, ["1", "2025-01-02"]),
                                                                  (6, ["2", "2025-01-03"])]  # fmt: skip


def test_xlsx_with_typed_cells(tmp_path):
    path = tmp_path / "feedback.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["ID", "Datum", "NPS", "Kommentar"])
    sheet.append([1001, datetime(2025, 12, 31, 14, 30), 9, "Sehr gut"])
    sheet.append([1002, 46022.5, 7.0, None])  # an Excel serial number for 31.12.2025 12:00
    sheet.append([])
    sheet.append(["1003", "31.12.2025 09:00", "10", "Top"])
    workbook.save(path)

    table = open_table(path)
    layout = detect_layout(table)
    results = list(records(table, layout))

    assert (table.format, table.encoding, table.delimiter) == ("xlsx", None, None)
    assert (layout.name, layout.mapping.external_id, layout.mapping.time, layout.mapping.scores) == (
        "generic", "ID", "Datum", {"nps": "NPS"},
    )  # fmt: skip
    assert [(r.row, r.external_id, r.responded_at, r.scores, r.comment) for r in results] == [
        (2, "1001", datetime(2025, 12, 31, 13, 30, tzinfo=UTC), {"nps": 9.0}, "Sehr gut"),
        (3, "1002", datetime(2025, 12, 31, 11, 0, tzinfo=UTC), {"nps": 7.0}, None),
        (5, "1003", datetime(2025, 12, 31, 8, 0, tzinfo=UTC), {"nps": 10.0}, "Top"),
    ]


def test_lsr_document_on_its_own():
    xml = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<document><LimeSurveyDocType>Responses</LimeSurveyDocType>'
        b"<responses><fields><fieldname>id</fieldname><fieldname>submitdate</fieldname><fieldname>lastpage</fieldname>"
        b"<fieldname>startlanguage</fieldname><fieldname>123X1X2</fieldname></fields><rows>"
        b"<row><id><![CDATA[7]]></id><submitdate><![CDATA[2025-06-07 10:00:00]]></submitdate>"
        b"<_123X1X2><![CDATA[10]]></_123X1X2></row></rows></responses></document>"
    )

    table = open_table(io.BytesIO(xml), "survey_123_responses.lsr")

    assert table.format == "lsr"
    assert _rows(table) == [["id", "submitdate", "lastpage", "startlanguage", "123X1X2"],
                            ["7", "2025-06-07 10:00:00", "", "", "10"]]  # fmt: skip


def test_xml_with_a_document_type_is_refused():
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><document>'
        b"<LimeSurveyDocType>Responses</LimeSurveyDocType></document>"
    )

    assert _error(xml, "x.lsr").message == "The file could not be read: unexpected XML structure."


# --- refusals ---------------------------------------------------------------------------------------------------


def test_empty_file():
    error = _error(b"")

    assert (error.code, error.message) == ("empty", "The file is empty.")


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf", b"\r\n\r\n  \n", b"\xef\xbb\xbf;;\n;;\n"])
def test_files_with_nothing_in_them_are_empty(data):
    assert _error(data).code == "empty"


def test_header_without_data_rows():
    error = _error(b"id;time;nps\n")

    assert (error.code, error.message) == ("no_data", "The file has a header but no data rows.")


def test_too_large():
    error = _error(b"id,time\n1,2025-01-01\n", max_bytes=10)

    assert error.code == "too_large"
    assert error.message == "The file is too large (21 bytes; the limit is 10 bytes)."


def test_png_is_not_a_table():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))

    assert _error(png, "chart.csv").message == "The file is not a table (CSV or XLSX); it looks like a PNG image."


def test_random_bytes_are_not_a_table():
    noise = bytes((index * 7919 + 13) % 251 for index in range(5000))

    assert _error(noise, "data.csv").message == "The file is not a table (CSV or XLSX); it looks like binary data."


def test_zip_without_spreadsheet_is_not_a_table():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")

    assert _error(buffer.getvalue(), "export.zip").message == (
        "The file is not a table (CSV or XLSX); it looks like a ZIP archive without a spreadsheet."
    )


def test_json_is_not_a_table():
    assert _error(b'{"responses": []}', "r.json").message == (
        "The file is not a table (CSV or XLSX); it looks like a JSON document."
    )


def test_old_excel_format():
    error = _error(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls")

    assert error.message == "Old Excel files (.xls) are not supported. Please save the file as XLSX or CSV."


def test_unknown_layout_when_strict():
    table = open_table(io.BytesIO(b"a,b\n1,2\n"), "x.csv")

    with pytest.raises(IngestError) as error:
        detect_layout(table, strict=True)

    assert error.value.code == "unknown_layout"
    assert error.value.message == (
        "The layout of the file was not recognised. Known layouts: Qualtrics, SurveyMonkey, Typeform, "
        "Google Forms and LimeSurvey exports."
    )


def test_a_data_source_refuses_a_file_of_another_layout():
    table = open_table(io.BytesIO(b"Timestamp,Q\n2025/01/01 10:00:00,x\n"), "x.csv")

    with pytest.raises(IngestError) as error:
        detect_layout(table, expected="qualtrics")

    assert error.value.message == "The file looks like a Google Forms export, but this data source expects Qualtrics."


def test_broken_csv_says_which_row():
    data = b'id,time\n1,2025-01-01\n2,"2025-01-02\n' + b"x" * 200_000 + b'"\n'

    with pytest.raises(IngestError) as error:
        open_table(io.BytesIO(data), "x.csv")

    assert error.value.code == "csv_syntax"
    assert error.value.message == "Row 3 is not valid CSV: field larger than field limit (131072)."


# --- constant memory ----------------------------------------------------------------------------------------


def _big_csv(path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("id;zeit;nps;csat;kommentar;filiale\r\n")
        for index in range(rows):
            fh.write(f"{index};{index % 28 + 1:02d}.01.2025 10:{index % 60:02d};{index % 11};{index % 5 + 1},0;")
            fh.write(f"Kommentar Nummer {index} über die Beratung;F{index % 40}\r\n")


def _traced_peak(iterable) -> tuple[int, object]:
    """(peak traced memory while consuming ``iterable``, its last item)."""
    tracemalloc.start()
    try:
        last = None
        for last in iterable:  # noqa: B007 - the last item is returned
            pass
        return tracemalloc.get_traced_memory()[1], last
    finally:
        tracemalloc.stop()


def test_200000_rows_are_read_in_constant_memory(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("id;zeit;nps\n" + "".join(f"{index};31.12.2025 14:30;{index % 11}\n" for index in range(200_000)))
    table = open_table(path)

    peak, last = _traced_peak(table.rows())

    assert last == (200_001, ["199999", "31.12.2025 14:30", "8"])
    assert peak < 1_000_000


def test_validation_keeps_only_the_ids_seen(tmp_path):
    path = tmp_path / "big.csv"
    _big_csv(path, 20_000)
    table = open_table(path)
    layout = detect_layout(table)

    peak, last = _traced_peak(records(table, layout))

    assert isinstance(last, Record) and (last.external_id, last.scores) == ("19999", {"nps": 1.0, "csat": 5.0})
    assert last.responded_at == datetime(2025, 1, 8, 9, 19, tzinfo=UTC)
    assert peak < 4_000_000  # about 100 bytes per id to refuse duplicates; nothing else grows
