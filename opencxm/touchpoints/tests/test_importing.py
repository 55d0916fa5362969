"""The pure import chain: no database."""

import io

import pytest
from django.utils import translation
from openpyxl import Workbook

from opencxm.touchpoints.importing import (
    ImportRejected,
    References,
    TouchpointRow,
    decode_text,
    read_touchpoint_file,
    split_references,
)

REFS = References(
    departments={
        "kundenservice": "kundenservice",
        "vertrieb": "vertrieb",
        "technik": "technik",
        "technik gmbh": "technik",
    },
    channels={"hotline": "hotline", "telefon-hotline": "hotline", "web": "web", "website": "web"},
)
HEADER = "Code;Name;Kanal;Abteilung;Status;Moment of Truth;Beschreibung;Prozesse;Systeme;Beteiligte\n"
MAX = 1_000_000


@pytest.fixture(autouse=True)
def german():
    with translation.override("de"):
        yield


def problems(data: bytes, refs=REFS, max_bytes=MAX) -> list[str]:
    with pytest.raises(ImportRejected) as raised:
        read_touchpoint_file(data, refs, max_bytes=max_bytes)
    return [str(p) for p in raised.value.problems]


def test_reads_cp1252_semicolon_csv_with_umlauts():
    body = (
        HEADER
        + "TP-1;Störungsmeldung;Hotline;Kundenservice;aktiv;ja;Kunde meldet Störung;"
        + "Störung|Eskalation;CRM;vertrieb:C, technik:I\n"
    )
    rows = read_touchpoint_file(body.encode("cp1252"), REFS, max_bytes=MAX)
    assert rows == [
        TouchpointRow(
            row=2,
            code="TP-1",
            name="Störungsmeldung",
            channel="hotline",
            owner_department="kundenservice",
            present=frozenset({"status", "moment_of_truth", "description", "processes", "systems", "contributors"}),
            status="active",
            moment_of_truth=True,
            description="Kunde meldet Störung",
            processes=("Störung", "Eskalation"),
            systems=("CRM",),
            contributors=(("technik", "I"), ("vertrieb", "C")),
        )
    ]


def test_reads_utf8_bom_comma_csv_with_english_headers():
    body = "\ufeffcode,name,channel,owner_department\nTP-2,Rechnung prüfen,web,vertrieb\n"
    (row,) = read_touchpoint_file(body.encode("utf-8"), REFS, max_bytes=MAX)
    assert (row.code, row.name, row.channel, row.owner_department, row.present) == (
        "TP-2",
        "Rechnung prüfen",
        "web",
        "vertrieb",
        frozenset(),
    )


def test_reads_tab_separated_and_names_instead_of_codes():
    body = "Code\tName\tKanal\tAbteilung\nTP-3\tChat\tWebsite\tTechnik GmbH\n"
    (row,) = read_touchpoint_file(body.encode("utf-8"), REFS, max_bytes=MAX)
    assert (row.channel, row.owner_department) == ("web", "technik")


def test_reads_xlsx():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Code", "Name", "Kanal", "Abteilung", "Moment of Truth"])
    sheet.append(["TP-4", "Montage", "hotline", "technik", 1])
    sheet.append([None, None, None, None, None])
    sheet.append(["TP-5", "Abnahme", "web", "vertrieb", "nein"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = read_touchpoint_file(buffer.getvalue(), REFS, max_bytes=MAX)
    assert [(r.row, r.code, r.moment_of_truth) for r in rows] == [(2, "TP-4", True), (4, "TP-5", False)]


def test_missing_required_column_names_it():
    assert problems(b"Code;Name;Kanal\nTP-1;A;web\n") == [
        "Zeile 1, Spalte „Abteilung“: Pflichtspalte fehlt (erwartet: eine Spalte „owner_department“ oder „Abteilung“)"
    ]


def test_unknown_department_names_row_and_column():
    body = "Code;Name;Kanal;Abteilung\nTP-1;A;web;vertrieb\nTP-2;B;web;vertrieb\nTP-3;C;web;Foo\n"
    assert problems(body.encode()) == [
        "Zeile 4, Spalte „Abteilung“: unbekannte Abteilung „Foo“ (erwartet: Code oder Name einer Abteilung)"
    ]


def test_unknown_channel_and_invalid_status_are_all_reported():
    body = "code;name;channel;owner_department;status\nTP-1;A;Fax;vertrieb;kaputt\n"
    assert problems(body.encode()) == [
        "Zeile 2, Spalte „channel“: unbekannter Kanal „Fax“ (erwartet: Code oder Name eines Kanals)",
        "Zeile 2, Spalte „status“: ungültiger Status „kaputt“ (erwartet: planned, active oder retired)",
    ]


def test_duplicate_code_names_both_rows():
    body = "Code;Name;Kanal;Abteilung\nTP-1;A;web;vertrieb\nTP-1;B;web;vertrieb\n"
    assert problems(body.encode()) == ["Zeile 3, Spalte „Code“: doppelter Touchpoint-Code „TP-1“ (schon in Zeile 2)"]


def test_wrong_encoding_names_row_and_column():
    body = b"Code;Name;Kanal;Abteilung\nTP-1;A;web;vertrieb\n" + b"TP-2;B\x81;web;vertrieb\n"
    assert problems(body) == [
        "Zeile 3, Spalte „Name“: die Datei ist weder UTF-8- noch Windows-1252-kodiert (Byte 0x81); "
        "speichern Sie sie als „CSV UTF-8“ und versuchen Sie es erneut"
    ]


def test_mixed_utf8_and_cp1252_is_an_encoding_error():
    body = "Code;Name;Kanal;Abteilung\nTP-1;Störung;web;vertrieb\n".encode() + "TP-2;Größe;web;vertrieb\n".encode(
        "cp1252"
    )
    assert problems(body) == [
        "Zeile 3, Spalte „Name“: die Datei ist weder UTF-8- noch Windows-1252-kodiert (Byte 0xF6); "
        "speichern Sie sie als „CSV UTF-8“ und versuchen Sie es erneut"
    ]


def test_utf16_is_an_encoding_error():
    assert "weder UTF-8- noch Windows-1252" in problems("Code;Name\nA;B\n".encode("utf-16"))[0]


def test_empty_file_too_large_and_not_a_table():
    assert problems(b"") == ["Die Datei ist leer."]
    assert problems(b"  \r\n") == ["Die Datei ist leer."]
    assert problems(b"Code;Name;Kanal;Abteilung\n") == [
        "Die Datei enthält unter der Kopfzeile keine Touchpoint-Zeilen."
    ]
    assert problems(b"x" * 11, max_bytes=10) == ["Die Datei ist zu groß (höchstens 10 Bytes erlaubt)."]
    assert problems(b"PK\x03\x04garbage") == ["Die Datei ist keine lesbare XLSX-Arbeitsmappe."]


def test_required_values_and_flags():
    body = "Code;Name;Kanal;Abteilung;Moment of Truth\n;A;web;vertrieb;vielleicht\n"
    assert problems(body.encode()) == [
        "Zeile 2, Spalte „Code“: ein Wert ist erforderlich",
        "Zeile 2, Spalte „Moment of Truth“: ungültiger Wert „vielleicht“ (erwartet: ja/nein, yes/no, 1/0 oder x)",
    ]


def test_contributors_errors():
    body = "Code;Name;Kanal;Abteilung;Beteiligte\nTP-1;A;web;vertrieb;technik:X, foo:C, technik:R, technik:I\n"
    assert problems(body.encode()) == [
        "Zeile 2, Spalte „Beteiligte“: ungültiger Eintrag „technik:X“ "
        "(erwartet: Abteilung:R, A, C oder I, z. B. „vertrieb:C“)",
        "Zeile 2, Spalte „Beteiligte“: unbekannte Abteilung „foo“ (erwartet: Code oder Name einer Abteilung)",
        "Zeile 2, Spalte „Beteiligte“: Abteilung „technik“ ist doppelt aufgeführt",
    ]


def test_ambassador_may_only_import_own_department():
    refs = References(
        departments=REFS.departments,
        channels=REFS.channels,
        allowed_departments=frozenset({"vertrieb"}),
        existing_owners={"TP-9": "technik"},
    )
    body = "Code;Name;Kanal;Abteilung\nTP-1;A;web;vertrieb\nTP-2;B;web;technik\nTP-9;C;web;vertrieb\n"
    assert problems(body.encode(), refs) == [
        "Zeile 3, Spalte „Abteilung“: Sie dürfen nur Touchpoints Ihrer eigenen Abteilung importieren (nicht „technik“)",
        "Zeile 4, Spalte „Code“: Touchpoint „TP-9“ gehört einer anderen Abteilung",
    ]


def test_row_numbers_count_multiline_cells():
    body = 'Code;Name;Kanal;Abteilung;Prozesse\nTP-1;A;web;vertrieb;"eins\nzwei"\nTP-2;B;web;Foo;\n'
    assert problems(body.encode()) == [
        "Zeile 4, Spalte „Abteilung“: unbekannte Abteilung „Foo“ (erwartet: Code oder Name einer Abteilung)"
    ]


def test_english_messages():
    with translation.override("en"):
        assert problems(b"Code;Name;Kanal;Abteilung\nTP-1;A;web;Foo\n") == [
            "Row 2, column “Abteilung”: unknown department “Foo” (expected: code or name of a department)"
        ]


def test_split_references():
    assert split_references("SAP | https://sap.example/x|Ticketing") == ("SAP | https://sap.example/x", "Ticketing")
    assert split_references("https://a.example | https://b.example") == ("https://a.example", "https://b.example")
    assert split_references("A|B\nC") == ("A|B", "C")
    assert split_references("CRM|https://crm.example\n\n Billing ") == ("CRM | https://crm.example", "Billing")
    assert split_references("") == ()


def test_decode_text_prefers_utf8():
    assert decode_text("Grüße".encode()) == "Grüße"
    assert decode_text("\ufeffGrüße".encode()) == "Grüße"
    assert decode_text("Grüße €".encode("cp1252")) == "Grüße €"


def test_formula_escape_from_export_is_undone():
    body = "Code;Name;Kanal;Abteilung\nTP-1;'=SUMME(A1);web;vertrieb\n"
    (row,) = read_touchpoint_file(body.encode(), REFS, max_bytes=MAX)
    assert row.name == "=SUMME(A1)"
