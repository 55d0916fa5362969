"""Reading touchpoint files (CSV or XLSX) into validated rows. Pure: no ORM, no request.

parse bytes -> table (header + numbered rows) -> map columns -> validate rows against reference data.
The caller looks the reference data up and writes the rows (services.touchpoints_import) only when
there is not a single error.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from opencxm.touchpoints.choices import Raci, TouchpointStatus

MAX_ROWS = 20_000

# field -> accepted headers (compared case-insensitively); the first is the English, the second the German one.
COLUMNS = {
    "code": ("code", "Code", "touchpoint code", "Kürzel"),
    "name": ("name", "Name", "Bezeichnung"),
    "channel": ("channel", "Kanal"),
    "owner_department": (
        "owner_department",
        "Abteilung",
        "owner department",
        "owning department",
        "department",
        "verantwortliche Abteilung",
    ),
    "status": ("status", "Status"),
    "moment_of_truth": ("moment_of_truth", "Moment of Truth", "moment of truth", "mot"),
    "description": ("description", "Beschreibung"),
    "processes": ("processes", "Prozesse"),
    "systems": ("systems", "Systeme"),
    "contributors": ("contributors", "Beteiligte", "contributing departments", "beteiligte Abteilungen"),
}
REQUIRED = ("code", "name", "channel", "owner_department")
HEADER_TO_FIELD = {alias.casefold(): name for name, aliases in COLUMNS.items() for alias in aliases}

TRUE_WORDS = {"ja", "j", "yes", "y", "1", "x", "true", "wahr"}
FALSE_WORDS = {"", "nein", "n", "no", "0", "false", "falsch"}
STATUS_WORDS = {
    "planned": TouchpointStatus.PLANNED,
    "geplant": TouchpointStatus.PLANNED,
    "active": TouchpointStatus.ACTIVE,
    "aktiv": TouchpointStatus.ACTIVE,
    "retired": TouchpointStatus.RETIRED,
    "stillgelegt": TouchpointStatus.RETIRED,
    "ausgemustert": TouchpointStatus.RETIRED,
}
RACI_LETTERS = {choice.value for choice in Raci}
REFERENCE_WITH_URL = re.compile(r"^(?P<name>.*?)\s*\|\s*(?P<url>https?://\S+)$")
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class ImportProblem:
    """One reason to reject a file. `row` as in the file (header = 1); `column` the header as written."""

    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self):
        if self.row is not None and self.column:
            return _("Row %(row)s, column “%(column)s”: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.row is not None:
            return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return self.message


class ImportRejected(Exception):
    def __init__(self, problems: list[ImportProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class References:
    """What a file may refer to. Maps casefolded code and casefolded name to the code."""

    departments: dict[str, str]
    channels: dict[str, str]
    allowed_departments: frozenset[str] | None = None  # department codes; None = all (editors)
    existing_owners: dict[str, str] = field(default_factory=dict)  # touchpoint code -> owner department code


@dataclass(frozen=True)
class TouchpointRow:
    """One validated row. `present` names the optional columns the file has (others keep their values)."""

    row: int
    code: str
    name: str
    channel: str
    owner_department: str
    present: frozenset[str]
    status: str = TouchpointStatus.ACTIVE
    moment_of_truth: bool = False
    description: str = ""
    processes: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()
    contributors: tuple[tuple[str, str], ...] = ()  # (department code, RACI letter)


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]


# ---- step 1: bytes -> table -------------------------------------------------------------------------


def read_table(data: bytes, *, max_bytes: int) -> Table:
    """The file as a header and numbered rows; XLSX by content, otherwise CSV in UTF-8 or Windows-1252."""
    if len(data) > max_bytes:
        raise ImportRejected(
            [ImportProblem(_("The file is too large (at most %(size)s bytes allowed).") % {"size": max_bytes})]
        )
    if not data.strip():
        raise ImportRejected([ImportProblem(_("The file is empty."))])
    rows = _xlsx_rows(data) if data.startswith(b"PK\x03\x04") else _csv_rows(decode_text(data))
    rows = [(number, cells) for number, cells in rows if any(cell.strip() for cell in cells)]
    if not rows:
        raise ImportRejected([ImportProblem(_("The file is empty."))])
    if len(rows) > MAX_ROWS + 1:
        raise ImportRejected([ImportProblem(_("The file has more than %(max)s rows.") % {"max": MAX_ROWS})])
    (_first, header), *body = rows
    return Table(header=[cell.strip().lstrip("\ufeff") for cell in header], rows=body)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) strictly; else Windows-1252 if the bytes decode to plausible text."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        utf8_error = error.start
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise ImportRejected([_encoding_problem(data, error.start)]) from None
    control = CONTROL_CHARACTERS.search(text)
    if control:  # binary data or UTF-16, not a text table
        raise ImportRejected([_encoding_problem(data, control.start())])
    if UTF8_SEQUENCE.search(data):  # UTF-8 characters next to non-UTF-8 bytes: a damaged, mixed file
        raise ImportRejected([_encoding_problem(data, utf8_error)])
    return text


def _encoding_problem(data: bytes, offset: int) -> ImportProblem:
    line_start = data.rfind(b"\n", 0, offset) + 1
    row = data.count(b"\n", 0, offset) + 1
    header = _header_text(data.split(b"\n", 1)[0])
    delimiter = _delimiter(header)
    index = data[line_start:offset].count(delimiter.encode())
    names = header.split(delimiter)
    column = names[index].strip().strip('"') if index < len(names) else str(index + 1)
    message = _(
        "the file is neither UTF-8 nor Windows-1252 encoded (byte 0x%(byte)s); save it as “CSV UTF-8” and try again"
    ) % {"byte": f"{data[offset]:02X}"}
    return ImportProblem(message, row=row, column=column)


def _header_text(line: bytes) -> str:
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = line.decode("cp1252", errors="replace")
    return text.rstrip("\r")


def _delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for cells in reader:
            # reader.line_num is the last physical line of the record; a quoted cell may span lines
            rows.append((reader.line_num, cells))
    except csv.Error as error:
        raise ImportRejected(
            [
                ImportProblem(
                    _("the file is not a readable CSV table (%(error)s)") % {"error": error}, row=reader.line_num
                )
            ]
        ) from None
    return _renumber(rows)


def _renumber(rows):
    """Row numbers where each record starts (for multi-line cells), counting from 1."""
    result, next_start = [], 1
    for last_line, cells in rows:
        result.append((next_start, cells))
        next_start = last_line + 1
    return result


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ImportRejected([ImportProblem(_("The file is not a readable XLSX workbook."))]) from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS + 2:
                break
            rows.append((number, [_cell_text(value) for value in values]))
        return rows
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---- step 2: header -> columns ---------------------------------------------------------------------


def map_columns(header: list[str]) -> tuple[dict[str, int], list[ImportProblem]]:
    """field -> column index, and problems (missing required or doubled columns). Unknown columns are ignored."""
    columns, problems = {}, []
    for index, title in enumerate(header):
        name = HEADER_TO_FIELD.get(title.strip().casefold())
        if name is None:
            continue
        if name in columns:
            problems.append(ImportProblem(_("the column appears twice"), row=1, column=title))
            continue
        columns[name] = index
    for name in REQUIRED:
        if name not in columns:
            english, german = COLUMNS[name][:2]
            problems.append(
                ImportProblem(
                    _("required column is missing (expected a column “%(english)s” or “%(german)s”)")
                    % {"english": english, "german": german},
                    row=1,
                    column=german,
                )
            )
    return columns, problems


# ---- step 3: rows -> validated touchpoint rows --------------------------------------------------------


def validate_rows(table: Table, columns: dict[str, int], refs: References):
    """Validated rows and every problem found (all rows are checked, not only up to the first error)."""
    rows, problems, seen = [], [], {}
    for number, cells in table.rows:
        row, row_problems = _validate_row(number, cells, table.header, columns, refs)
        code = _RowReader(number, cells, table.header, columns).value("code")
        if code and code in seen:
            row_problems.insert(
                0,
                ImportProblem(
                    _("duplicate touchpoint code “%(code)s” (already in row %(first)s)")
                    % {"code": code, "first": seen[code]},
                    row=number,
                    column=table.header[columns["code"]],
                ),
            )
        seen.setdefault(code, number)
        problems.extend(row_problems)
        if not row_problems:
            rows.append(row)
    if not rows and not problems:
        problems.append(ImportProblem(_("The file contains no touchpoint rows below the header.")))
    return rows, problems


class _RowReader:
    def __init__(self, number, cells, header, columns):
        self.number, self.cells, self.header, self.columns = number, cells, header, columns
        self.problems = []

    def value(self, name: str) -> str:
        index = self.columns.get(name)
        if index is None or index >= len(self.cells):
            return ""
        return unescape_formula(self.cells[index]).strip()

    def fail(self, name: str, message: str):
        self.problems.append(ImportProblem(message, row=self.number, column=self.header[self.columns[name]]))


def _validate_row(number, cells, header, columns, refs: References):
    reader = _RowReader(number, cells, header, columns)
    code = _text(reader, "code", max_length=40)
    name = _text(reader, "name", max_length=200)
    channel = _reference(
        reader, "channel", refs.channels, _("unknown channel “%(value)s” (expected: code or name of a channel)")
    )
    department = _reference(
        reader,
        "owner_department",
        refs.departments,
        _("unknown department “%(value)s” (expected: code or name of a department)"),
    )
    _check_allowed(reader, refs, code, department)
    values = {
        "status": _status(reader),
        "moment_of_truth": _flag(reader),
        "description": reader.value("description"),
        "processes": split_references(reader.value("processes")),
        "systems": split_references(reader.value("systems")),
        "contributors": _contributors(reader, refs),
    }
    if reader.problems:
        return None, list(reader.problems)
    present = frozenset(name for name in values if name in columns)
    values = {key: value for key, value in values.items() if key in present and value is not None}
    return TouchpointRow(
        row=number, code=code, name=name, channel=channel, owner_department=department, present=present, **values
    ), []


def _text(reader, name, *, max_length):
    value = reader.value(name)
    if not value:
        reader.fail(name, _("a value is required"))
    elif len(value) > max_length:
        reader.fail(name, _("at most %(max)s characters allowed") % {"max": max_length})
    return value


def _reference(reader, name, lookup, message):
    value = reader.value(name)
    if not value:
        reader.fail(name, _("a value is required"))
        return ""
    code = lookup.get(value.casefold())
    if code is None:
        reader.fail(name, message % {"value": value})
        return ""
    return code


def _check_allowed(reader, refs: References, code, department):
    if refs.allowed_departments is None or not department:
        return
    if department not in refs.allowed_departments:
        reader.fail(
            "owner_department",
            _("you may only import touchpoints of your own department (not “%(value)s”)")
            % {"value": reader.value("owner_department")},
        )
        return
    owner = refs.existing_owners.get(code)
    if owner is not None and owner not in refs.allowed_departments:
        reader.fail("code", _("touchpoint “%(code)s” belongs to another department") % {"code": code})


def _status(reader):
    if "status" not in reader.columns:
        return None
    value = reader.value("status")
    if not value:
        return TouchpointStatus.ACTIVE
    status = STATUS_WORDS.get(value.casefold())
    if status is None:
        reader.fail(
            "status",
            _("invalid status “%(value)s” (expected: planned, active or retired)") % {"value": value},
        )
    return status


def _flag(reader):
    value = reader.value("moment_of_truth").casefold()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    reader.fail(
        "moment_of_truth",
        _("invalid value “%(value)s” (expected: yes/no, ja/nein, 1/0 or x)")
        % {"value": reader.value("moment_of_truth")},
    )
    return False


def _contributors(reader, refs: References):
    text = reader.value("contributors")
    result, seen = [], set()
    for part in filter(None, (p.strip() for p in re.split(r"[,;\n]", text))):
        department_text, _sep, role = part.rpartition(":")
        department = refs.departments.get(department_text.strip().casefold())
        role = role.strip().upper()
        if not department_text.strip() or role not in RACI_LETTERS:
            reader.fail(
                "contributors",
                _("invalid entry “%(value)s” (expected: department:R, A, C or I, e.g. “vertrieb:C”)") % {"value": part},
            )
        elif department is None:
            reader.fail(
                "contributors",
                _("unknown department “%(value)s” (expected: code or name of a department)")
                % {"value": department_text.strip()},
            )
        elif department in seen:
            reader.fail(
                "contributors", _("department “%(value)s” is listed twice") % {"value": department_text.strip()}
            )
        else:
            seen.add(department)
            result.append((department, role))
    return tuple(sorted(result))


def unescape_formula(value: str) -> str:
    """Undo the export's protection against formula injection ("'=x" -> "=x"), so exports import unchanged."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def normalize_reference(entry: str) -> str:
    """'Name|https://x' and 'Name  |  https://x' become 'Name | https://x'; other text is only stripped."""
    entry = entry.strip()
    match = REFERENCE_WITH_URL.match(entry)
    if match and match["name"]:
        return f"{match['name']} | {match['url']}"
    return entry


def split_references(text: str) -> tuple[str, ...]:
    """Entries one per line; in a one-line cell separated by `|`, keeping 'Name | https://url' together."""
    if "\n" in text:
        parts = text.splitlines()
    else:
        parts = []
        for piece in text.split("|"):
            piece = piece.strip()
            if parts and re.match(r"https?://", piece) and not re.search(r"https?://", parts[-1]):
                parts[-1] = f"{parts[-1]} | {piece}"
            else:
                parts.append(piece)
    return tuple(normalize_reference(p) for p in parts if p.strip())


def read_touchpoint_file(data: bytes, refs: References, *, max_bytes: int) -> list[TouchpointRow]:
    """The whole pure chain; raises ImportRejected with every problem found."""
    table = read_table(data, max_bytes=max_bytes)
    columns, problems = map_columns(table.header)
    if problems:
        raise ImportRejected(problems)
    rows, problems = validate_rows(table, columns, refs)
    if problems:
        raise ImportRejected(problems)
    return rows
