"""Touchpoints to CSV (`;`, UTF-8 with BOM: opens correctly in a German Excel) and XLSX.

The columns are the import's columns, so an exported file imports again without any change.
Every text cell is made safe from spreadsheet formula injection.
"""

import csv
import io

from django.utils.translation import get_language

from opencxm.core.exports import FORMULA_STARTS, spreadsheet_safe  # noqa: F401 (re-exported)
from opencxm.touchpoints.importing import COLUMNS

FIELDS = list(COLUMNS)


def header_row() -> list[str]:
    """English column names, or the German ones when the user works in German."""
    german = (get_language() or "").startswith("de")
    return [COLUMNS[name][1 if german else 0] for name in FIELDS]


def touchpoint_row(touchpoint) -> list[str]:
    german = (get_language() or "").startswith("de")
    yes, no = ("ja", "nein") if german else ("yes", "no")
    contributors = ", ".join(f"{c.department.code}:{c.raci}" for c in touchpoint.contributions.all())
    values = [
        touchpoint.code,
        touchpoint.name,
        touchpoint.channel.code,
        touchpoint.owner_department.code,
        touchpoint.status,
        yes if touchpoint.moment_of_truth else no,
        touchpoint.description,
        "\n".join(touchpoint.processes),
        "\n".join(touchpoint.systems),
        contributors,
    ]
    return [spreadsheet_safe(value) for value in values]


def export_csv(touchpoints) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header_row())
    for touchpoint in touchpoints:
        writer.writerow(touchpoint_row(touchpoint))
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(touchpoints) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Touchpoints")
    sheet.append(header_row())
    for touchpoint in touchpoints:
        sheet.append(touchpoint_row(touchpoint))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
