import io

import pytest
from openpyxl import load_workbook

from opencxm.analytics.tests.cockpit_data import PERIOD, at, make_feedback, sample, store
from opencxm.core.exports import spreadsheet_safe
from opencxm.feedback.models import DataSource
from opencxm.touchpoints import exporting

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(client, world):
    client.force_login(world.users["viewer"])
    return client


def csv_lines(response):
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    return content.decode("utf-8-sig").splitlines()


def xlsx_rows(response):
    workbook = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def test_one_spreadsheet_safe_for_all_exports():
    assert exporting.spreadsheet_safe is spreadsheet_safe
    assert [spreadsheet_safe(v) for v in ("=1+1", "+49", "-x", "@SUM", "\tA", "\rB", "ok", 5)] == [
        "'=1+1", "'+49", "'-x", "'@SUM", "'\tA", "'\rB", "ok", 5,
    ]  # fmt: skip


def test_kpi_table_as_german_csv(viewer, world):
    sample(world)
    response = viewer.get("/cockpit/export/kpis/", PERIOD | {"format": "csv"}, headers={"Accept-Language": "de"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="kpis.csv"'
    lines = csv_lines(response)
    assert len(lines) == 6
    assert lines[1].split(";")[:3] == ["NPS", "11,111", "9"]
    assert lines[2].split(";")[:3] == ["CSAT", "50", "8"]
    assert lines[4].split(";")[:3] == ["Antworten", "9", "9"]


def test_kpi_table_as_xlsx_keeps_numbers(viewer, world):
    sample(world)
    response = viewer.get("/cockpit/export/kpis/", PERIOD | {"format": "xlsx"}, headers={"Accept-Language": "en"})
    assert response["Content-Disposition"] == 'attachment; filename="kpis.xlsx"'
    rows = xlsx_rows(response)
    assert list(rows[0][:3]) == ["Metric", "Value", "n"]
    assert list(rows[1][:3]) == ["NPS", 11.111, 9]
    assert rows[1][5] == 0  # previous NPS: one promoter, one detractor


def test_heatmap_movers_and_journey_tables(viewer, world):
    sample(world)
    world.step.target_score = 4
    world.step.save()
    heat = csv_lines(viewer.get("/cockpit/export/heatmap/", PERIOD, headers={"Accept-Language": "en"}))
    assert heat[1:] == [
        "TP-OWN;Hotline Störung;2026-01;25;4",
        "TP-OWN;Hotline Störung;2026-02;66.667;3",
        "TP-OWN;Hotline Störung;2026-03;;0",
        "TP-OTHER;Vertragsabschluss;2026-01;;0",
        "TP-OTHER;Vertragsabschluss;2026-02;;0",
        "TP-OTHER;Vertragsabschluss;2026-03;-100;2",
    ]
    journeys = csv_lines(viewer.get("/cockpit/export/journeys/", PERIOD, headers={"Accept-Language": "en"}))
    assert journeys[1] == "Störung beheben;Service;1;TP-OWN;Hotline Störung;4;6;4;on target"
    movers = csv_lines(viewer.get("/cockpit/export/movers/", PERIOD | {"format": "csv"}))
    assert len(movers) == 1  # header only: nobody has 30 answers


def test_department_export_is_scoped(viewer, world):
    sample(world)
    query = PERIOD | {"department": str(world.other.public_id)}
    heat = csv_lines(viewer.get("/cockpit/export/heatmap/", query, headers={"Accept-Language": "en"}))
    assert {line.split(";")[0] for line in heat[1:]} == {"TP-OTHER"}


def test_unknown_table_or_department_is_404(viewer):
    assert viewer.get("/cockpit/export/secrets/").status_code == 404
    assert viewer.get("/cockpit/export/kpis/", {"department": "nope"}).status_code == 404


def test_touchpoint_names_are_formula_safe_in_cockpit_exports(viewer, world):
    sample(world)
    world.touchpoint.name = "=cmd|' /C calc'!A0"
    world.touchpoint.save()
    heat = csv_lines(viewer.get("/cockpit/export/heatmap/", PERIOD))
    assert heat[1].startswith("TP-OWN;'=cmd|")
    rows = xlsx_rows(viewer.get("/cockpit/export/heatmap/", PERIOD | {"format": "xlsx"}))
    assert rows[1][1] == "'=cmd|' /C calc'!A0"


def test_explorer_export_carries_the_filters_and_is_formula_safe(viewer, world):
    sample(world)
    source = DataSource.objects.create(name="@Quelle")
    store([make_feedback(source, at("2026-01-15"), world.touchpoint, nps=1, comment="-2+3")])
    query = {"touchpoint": str(world.touchpoint.public_id), "start": "2026-01-15", "end": "2026-01-15"}
    lines = csv_lines(viewer.get("/cockpit/feedback/export/", query | {"format": "csv"}))
    assert len(lines) == 6
    rows = [line.split(";") for line in lines[1:]]
    assert {row[1] for row in rows} == {"Umfrage", "'@Quelle"}
    assert [row[-1] for row in rows if row[1] == "'@Quelle"] == ["'-2+3"]
    assert any(row[-1] == '"\'=HYPERLINK(""x"")"' for row in rows)
    sheet = xlsx_rows(viewer.get("/cockpit/feedback/export/", query | {"format": "xlsx"}))
    assert len(sheet) == 6
    assert sorted(row[-1] for row in sheet[1:] if row[-1]) == ["'-2+3", "'=HYPERLINK(\"x\")", "Sehr freundlich",
                                                               "Warteschleife zu lang"]  # fmt: skip
    assert {row[8] for row in sheet[1:]} == {1, 3, 7, 9, 10}  # NPS stays a number
