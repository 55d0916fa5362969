"""Cockpit tables and the feedback list as CSV (`;`, UTF-8 with BOM, decimal comma in German) and XLSX.

Text cells are made safe from spreadsheet formula injection; numbers stay numbers (in XLSX) or localised
numbers (in CSV), so a negative NPS is not turned into text.
"""

import csv
import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from opencxm.core.exports import spreadsheet_safe

TABLES = ("kpis", "heatmap", "movers", "journeys")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 100_000  # feedback rows in one explorer export


@dataclass
class Table:
    name: str
    header: list
    rows: list  # lists of str, int, float or None


def _number(value, places: int = 3):
    if value is None:
        return None
    value = round(value, places)
    return int(value) if float(value).is_integer() else value


def kpi_table(cockpit) -> Table:
    header = [_("Metric"), _("Value"), _("n"), _("Low (95 %)"), _("High (95 %)"), _("Previous period"),
              _("Change vs previous period"), _("Target"), _("Status"), _("From"), _("To")]  # fmt: skip
    period = cockpit.choice.period
    rows = [
        [
            str(tile.metric.label),
            _number(tile.current.value),
            tile.current.n,
            _number(tile.current.low),
            _number(tile.current.high),
            _number(tile.previous.value),
            _number(tile.delta),
            _number(tile.target_value),
            str(tile.status_label) if tile.target_value is not None else "",
            period.start.isoformat(),
            period.end.isoformat(),
        ]
        for tile in cockpit.tiles
    ]
    return Table("KPIs", [str(h) for h in header], rows)


def heatmap_table(cockpit) -> Table:
    header = [str(_("Touchpoint code")), str(_("Touchpoint")), str(_("Month")), str(cockpit.metric.label), str(_("n"))]
    rows = [
        [row.touchpoint.code, row.touchpoint.name, cell.month.strftime("%Y-%m"), _number(cell.estimate.value),
         cell.estimate.n]
        for row in cockpit.heatmap.rows
        for cell in row.cells
    ]  # fmt: skip
    return Table("Heatmap", header, rows)


def movers_table(cockpit) -> Table:
    header = [_("Touchpoint code"), _("Touchpoint"), _("Previous period"), _("n (previous)"), _("Current period"),
              _("n (current)"), _("Change vs previous period")]  # fmt: skip
    rows = [
        [mover.touchpoint.code, mover.touchpoint.name, _number(mover.previous.value), mover.previous.n,
         _number(mover.current.value), mover.current.n, _number(mover.delta)]
        for mover in cockpit.movers
    ]  # fmt: skip
    return Table("Worst movers", [str(h) for h in header], rows)


def journeys_table(cockpit) -> Table:
    header = [_("Journey"), _("Stage"), _("Step"), _("Touchpoint code"), _("Touchpoint"),
              _("Actual"), _("n"), _("Target"), _("Status")]  # fmt: skip
    rows = [
        [journey.journey.name, stage.stage.name, figure.step.position, figure.step.touchpoint.code,
         figure.step.touchpoint.name, _number(figure.estimate.value), figure.estimate.n, _number(figure.target_value),
         str(figure.status_label)]
        for journey in cockpit.journeys
        for stage in journey.stages
        for figure in stage.steps
    ]  # fmt: skip
    return Table("Soll-Ist", [str(h) for h in header], rows)


COCKPIT_TABLES = {"kpis": kpi_table, "heatmap": heatmap_table, "movers": movers_table, "journeys": journeys_table}


def feedback_table(feedback_rows, access=None) -> Table:
    """Feedback rows; with `access`, comments as that user may read them (redacted unless allowed raw text)."""
    from opencxm.textanalytics.selectors import comment_for

    header = [_("Time"), _("Source"), _("External id"), _("Kind"), _("Touchpoint code"), _("Touchpoint"),
              _("Channel"), _("Segment"), _("NPS"), _("CSAT"), _("CES"), _("Comment")]  # fmt: skip
    zone = timezone.get_current_timezone()
    rows = [
        [
            feedback.responded_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            feedback.source.name,
            feedback.external_id,
            str(feedback.get_kind_display()),
            feedback.touchpoint.code if feedback.touchpoint else "",
            feedback.touchpoint.name if feedback.touchpoint else "",
            feedback.channel.name if feedback.channel else "",
            feedback.segment.name if feedback.segment else "",
            feedback.nps,
            feedback.csat,
            feedback.ces,
            comment_for(access, feedback) if access is not None else feedback.comment,
        ]
        for feedback in feedback_rows[:EXPORT_LIMIT].iterator(chunk_size=2000)
    ]
    return Table("Feedback", [str(h) for h in header], rows)


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return number_format(value, use_l10n=True)
    return spreadsheet_safe(str(value))


def _xlsx_cell(value):
    return value if value is None or isinstance(value, int | float) else spreadsheet_safe(str(value))


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_csv_cell(value) for value in table.header])
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.name[:31])
    sheet.append([_xlsx_cell(value) for value in table.header])
    for row in table.rows:
        sheet.append([_xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rendered(table: Table, file_format: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of a table in "csv" or "xlsx"."""
    slug = table.name.lower().replace(" ", "-")
    if file_format == "xlsx":
        return to_xlsx(table), XLSX_TYPE, f"{slug}.xlsx"
    return to_csv(table), "text/csv; charset=utf-8", f"{slug}.csv"
