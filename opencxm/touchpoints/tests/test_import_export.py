import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from openpyxl import Workbook, load_workbook

from opencxm.core.models import AuditEntry
from opencxm.touchpoints.exporting import spreadsheet_safe
from opencxm.touchpoints.models import Touchpoint
from tests import factories as f

pytestmark = pytest.mark.django_db

HEADER = "Code;Name;Kanal;Abteilung;Status;Moment of Truth;Beschreibung;Prozesse;Systeme;Beteiligte\r\n"
GOOD = (
    HEADER
    + "TP-OWN;Hotline Störung;Hotline;Kundenservice;aktiv;ja;Kunde ruft an;Entstörung|Eskalation;CRM;vertrieb:C\r\n"
    + "TP-100;Rückruf;hotline;kundenservice;geplant;nein;;;Telefonanlage;\r\n"
)


@pytest.fixture
def cx(world, client):
    client.force_login(world.users["cx_team"])
    return client


def upload(client, data: bytes, name="touchpoints.csv", **extra):
    return client.post("/touchpoints/import/", {"file": SimpleUploadedFile(name, data), **extra})


def registry():
    return sorted(Touchpoint.objects.values_list("code", "name", "status", "moment_of_truth", "processes", "systems"))


def test_import_cp1252_semicolon_creates_and_updates(cx, world):
    response = upload(cx, GOOD.encode("cp1252"))
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Import abgeschlossen: 1 angelegt, 1 aktualisiert, 0 unverändert."]
    assert registry() == [
        ("TP-100", "Rückruf", "planned", False, [], ["Telefonanlage"]),
        ("TP-OTHER", "Vertragsabschluss", "active", False, [], []),
        ("TP-OWN", "Hotline Störung", "active", True, ["Entstörung", "Eskalation"], ["CRM"]),
    ]
    assert list(world.touchpoint.contributions.values_list("department__code", "raci")) == [("vertrieb", "C")]
    assert sorted(AuditEntry.objects.values_list("action", "object_repr")) == [
        ("import", "TP-100 Rückruf"),
        ("import", "TP-OWN Hotline Störung"),
    ]


def test_reimport_changes_nothing(cx, world):
    upload(cx, GOOD.encode("utf-8-sig"))
    before, audits = registry(), AuditEntry.objects.count()
    response = upload(cx, GOOD.encode("utf-8-sig"))
    assert [str(m) for m in response.wsgi_request._messages][-1] == (
        "Import abgeschlossen: 0 angelegt, 0 aktualisiert, 2 unverändert."
    )
    assert registry() == before
    assert AuditEntry.objects.count() == audits


def test_import_xlsx(cx, world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "name", "channel", "owner_department", "moment_of_truth"])
    sheet.append(["TP-200", "Montage", "Hotline", "Vertrieb", "x"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(cx, buffer.getvalue(), name="tp.xlsx")
    assert response.status_code == 302
    touchpoint = Touchpoint.objects.get(code="TP-200")
    assert (touchpoint.name, touchpoint.owner_department, touchpoint.moment_of_truth) == ("Montage", world.other, True)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (
            b"Code;Name;Kanal\nTP-1;A;hotline\n",
            "Zeile 1, Spalte „Abteilung“: Pflichtspalte fehlt "
            "(erwartet: eine Spalte „owner_department“ oder „Abteilung“)",
        ),
        (
            b"Code;Name;Kanal;Abteilung\nTP-1;A;hotline;vertrieb\nTP-2;B;hotline;vertrieb\nTP-3;C;hotline;Foo\n",
            "Zeile 4, Spalte „Abteilung“: unbekannte Abteilung „Foo“ (erwartet: Code oder Name einer Abteilung)",
        ),
        (
            b"Code;Name;Kanal;Abteilung\nTP-1;A;hotline;vertrieb\nTP-1;B;hotline;vertrieb\n",
            "Zeile 3, Spalte „Code“: doppelter Touchpoint-Code „TP-1“ (schon in Zeile 2)",
        ),
        (
            b"Code;Name;Kanal;Abteilung;Status\nTP-1;A;hotline;vertrieb;weg\n",
            "Zeile 2, Spalte „Status“: ungültiger Status „weg“ (erwartet: planned, active oder retired)",
        ),
        (
            b"Code;Name;Kanal;Abteilung\nTP-1;A;hotline;vertrieb\nTP-2;\x81;hotline;vertrieb\n",
            "Zeile 3, Spalte „Name“: die Datei ist weder UTF-8- noch Windows-1252-kodiert (Byte 0x81); "
            "speichern Sie sie als „CSV UTF-8“ und versuchen Sie es erneut",
        ),
        (b"", None),  # empty upload: the form itself refuses it
        (b"\x89PNG\r\n\x1a\n\x00\x00", None),
    ],
)
def test_bad_files_are_rejected_and_nothing_written(cx, world, data, problem):
    before, audits = registry(), AuditEntry.objects.count()
    response = upload(cx, data)
    assert response.status_code == 200
    html = response.content.decode()
    if problem:
        assert response.context["problems"] == [problem]
        assert "Es wurde nichts gespeichert." in html
    else:
        assert response.context["problems"] or response.context["form"].errors
    assert registry() == before
    assert AuditEntry.objects.count() == audits


def test_binary_file_gives_encoding_error(cx, world):
    response = upload(cx, b"\x89PNG\r\n\x1a\n\x00\x00")
    assert response.context["problems"] == [
        "Zeile 2, Spalte „‰PNG“: die Datei ist weder UTF-8- noch Windows-1252-kodiert (Byte 0x1A); "
        "speichern Sie sie als „CSV UTF-8“ und versuchen Sie es erneut"
    ]


@override_settings(OPENCXM_UPLOAD_MAX_BYTES=20)
def test_too_large_upload_is_refused(cx, world):
    response = upload(cx, GOOD.encode())
    assert response.context["form"].errors["file"] == ["Die Datei ist zu groß (höchstens 20 Bytes erlaubt)."]
    assert not Touchpoint.objects.filter(code="TP-100").exists()


def test_ambassador_import_of_other_department_is_a_row_error(client, world):
    client.force_login(world.users["other_department"])
    before = registry()
    response = upload(client, GOOD.encode())
    assert response.context["problems"] == [
        "Zeile 2, Spalte „Abteilung“: Sie dürfen nur Touchpoints Ihrer eigenen Abteilung importieren "
        "(nicht „Kundenservice“)",
        "Zeile 3, Spalte „Abteilung“: Sie dürfen nur Touchpoints Ihrer eigenen Abteilung importieren "
        "(nicht „kundenservice“)",
    ]
    assert registry() == before


def test_ambassador_imports_own_department(client, world):
    client.force_login(world.users["ambassador"])
    assert upload(client, GOOD.encode()).status_code == 302
    assert Touchpoint.objects.get(code="TP-100").owner_department == world.own


def test_viewer_may_not_import(client, world):
    client.force_login(world.users["viewer"])
    assert upload(client, GOOD.encode()).status_code == 403
    assert not Touchpoint.objects.filter(code="TP-100").exists()


def test_dry_run_writes_nothing(cx, world):
    response = upload(cx, GOOD.encode(), dry_run="on")
    assert response.context["checked"] == (
        "Die Datei ist gültig. Ein Import ergäbe: 1 angelegt, 1 aktualisiert, 0 unverändert."
    )
    assert not Touchpoint.objects.filter(code="TP-100").exists()
    assert AuditEntry.objects.count() == 0


def test_management_command(world, tmp_path, capsys):
    path = tmp_path / "tp.csv"
    path.write_bytes(GOOD.encode("cp1252"))
    call_command("import_touchpoints", str(path), "--dry-run")
    assert not Touchpoint.objects.filter(code="TP-100").exists()
    call_command("import_touchpoints", str(path))
    call_command("import_touchpoints", str(path))
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Dry run, nothing written: 1 created, 1 updated, 0 unchanged.",
        "1 created, 1 updated, 0 unchanged.",
        "0 created, 0 updated, 2 unchanged.",
    ]


# ---- export -------------------------------------------------------------------------------------------


def test_spreadsheet_safe():
    assert [spreadsheet_safe(v) for v in ["=1+1", "+49 30", "-x", "@SUM", "\tx", "\rx", "ok", "", 5]] == [
        "'=1+1",
        "'+49 30",
        "'-x",
        "'@SUM",
        "'\tx",
        "'\rx",
        "ok",
        "",
        5,
    ]


@pytest.fixture
def rich(world):
    world.touchpoint.name = '=HYPERLINK("http://evil")'
    world.touchpoint.description = "Zeile 1\nZeile 2; mit Semikolon"
    world.touchpoint.processes = ["Entstörung", "Wiki | https://wiki.example/x"]
    world.touchpoint.systems = ["@CRM"]
    world.touchpoint.moment_of_truth = True
    world.touchpoint.save()
    f.ContributionFactory(touchpoint=world.touchpoint, department=world.other, raci="I")
    return world


def test_export_csv(cx, rich):
    response = cx.get("/touchpoints/export/", {"format": "csv", "department": "kundenservice"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="touchpoints.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        [
            "Code",
            "Name",
            "Kanal",
            "Abteilung",
            "Status",
            "Moment of Truth",
            "Beschreibung",
            "Prozesse",
            "Systeme",
            "Beteiligte",
        ],
        [
            "TP-OWN",
            '\'=HYPERLINK("http://evil")',
            "hotline",
            "kundenservice",
            "active",
            "ja",
            "Zeile 1\nZeile 2; mit Semikolon",
            "Entstörung\nWiki | https://wiki.example/x",
            "'@CRM",
            "vertrieb:I",
        ],
    ]


def test_export_xlsx(cx, rich):
    response = cx.get("/touchpoints/export/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:4] == ["Code", "Name", "Kanal", "Abteilung"]
    assert [row[0] for row in rows[1:]] == ["TP-OTHER", "TP-OWN"]
    assert rows[2][1] == '\'=HYPERLINK("http://evil")'
    assert rows[2][8] == "'@CRM"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(cx, rich, fmt):
    exported = cx.get("/touchpoints/export/", {"format": fmt}).content
    before, audits = registry(), AuditEntry.objects.count()
    response = upload(cx, exported, name=f"export.{fmt}")
    assert [str(m) for m in response.wsgi_request._messages] == [
        "Import abgeschlossen: 0 angelegt, 0 aktualisiert, 2 unverändert."
    ]
    assert registry() == before
    assert AuditEntry.objects.count() == audits


def test_export_query_count_is_bounded(cx, world, django_assert_max_num_queries):
    for _ in range(30):
        touchpoint = f.TouchpointFactory(channel=world.channel, owner_department=world.own)
        f.ContributionFactory(touchpoint=touchpoint, department=world.other)
    with django_assert_max_num_queries(10):
        cx.get("/touchpoints/export/", {"format": "csv"})
