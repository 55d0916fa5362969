"""Step 1, parse: open a file as a table of rows, streaming, whatever its format and encoding.

Supported: CSV/TSV text (UTF-8, UTF-8 with BOM, UTF-16 with BOM, else Windows-1252 or Latin-1; delimiter
``;`` ``,`` tab or ``|``), XLSX (first worksheet) and LimeSurvey responses (``.lsr`` XML, also inside an
``.lsa`` survey archive). Rows are produced one at a time; nothing holds the whole file in memory.
"""

import codecs
import csv
import io
import os
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import BinaryIO
from xml.etree import ElementTree

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from opencxm.feedback.ingest.errors import IngestError

Cell = str | int | float | datetime | date | time
Source = str | os.PathLike | BinaryIO
Opener = Callable[[], AbstractContextManager[BinaryIO]]

SAMPLE_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024
HEADER_ROWS = 3
DELIMITERS = (";", ",", "\t", "|")
XLSX_EXPANSION = 50  # an XLSX may unpack to at most this many times the byte limit (zip bombs)

MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip-compressed file",
    b"BZh": "a bzip2-compressed file",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
LIMESURVEY_DOCTYPE = re.compile(r"<LimeSurveyDocType>\s*(\w+)\s*</LimeSurveyDocType>")


@dataclass
class Table:
    """An opened file: its first rows for layout detection and a re-iterable stream of all rows.

    ``rows()`` opens the file afresh on each call (a file object is rewound), so layout detection may
    peek at the data and the import may then read it from the start; do not interleave two iterations
    over one file object.
    """

    filename: str
    format: str  # "csv", "xlsx" or "lsr"
    encoding: str | None
    delimiter: str | None
    records: Callable[[], Iterator[list[Cell]]] = field(repr=False)
    header_rows: list[list[str]] = field(default_factory=list)

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        """Every non-blank row as (row number in the file, cells); row 1 is the first row of the file.

        Row numbers count rows as a spreadsheet shows them: a quoted CSV cell spanning lines is one row.
        """
        for number, cells in enumerate(self.records(), start=1):
            if any(cells) or any(cell not in ("", None) for cell in cells):  # any(): fast path for text cells
                yield number, cells


def open_table(source: Source, filename: str | None = None, *, max_bytes: int | None = None) -> Table:
    """Open a path or a seekable binary file object as a :class:`Table`; raise :class:`IngestError`
    with a clear message for empty files, files over ``max_bytes``, and anything that is not a table."""
    opener = _opener(source)
    name = filename or (os.fspath(source) if isinstance(source, str | os.PathLike) else getattr(source, "name", ""))
    name = os.path.basename(str(name or ""))
    size = _size(source)
    if size == 0:
        raise IngestError("empty", "The file is empty.")
    if max_bytes is not None and size > max_bytes:
        raise IngestError(
            "too_large",
            "The file is too large (%(size)s bytes; the limit is %(limit)s bytes).",
            size=size,
            limit=max_bytes,
        )
    with opener() as fh:
        head = fh.read(SAMPLE_BYTES)
    table = _table_for(head, opener, name, max_bytes)
    table.header_rows = _header_rows(table)
    if not table.header_rows:
        raise IngestError("empty", "The file is empty.")
    return table


def _table_for(head: bytes, opener: Opener, name: str, max_bytes: int | None) -> Table:
    if head.startswith(ZIP_MAGIC):
        return _zip_table(opener, name, max_bytes)
    if head.startswith(OLE_MAGIC):
        raise IngestError("xls", "Old Excel files (.xls) are not supported. Please save the file as XLSX or CSV.")
    for magic, kind in MAGIC.items():
        if head.startswith(magic):
            raise _not_a_table(kind)
    return _text_table(head, opener, name)


def _not_a_table(kind: str) -> IngestError:
    return IngestError("not_a_table", "The file is not a table (CSV or XLSX); it looks like %(kind)s.", kind=kind)


# --- sources -------------------------------------------------------------------------------------------------


def _opener(source: Source) -> Opener:
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        return lambda: open(path, "rb")  # noqa: SIM115 - the caller closes it (context manager)

    def rewound() -> AbstractContextManager[BinaryIO]:
        source.seek(0)
        return nullcontext(source)

    return rewound


def _size(source: Source) -> int:
    if isinstance(source, str | os.PathLike):
        return os.path.getsize(source)
    source.seek(0, os.SEEK_END)
    return source.tell()


def _header_rows(table: Table) -> list[list[str]]:
    rows = []
    iterator = table.rows()
    try:
        for _number, cells in iterator:
            rows.append([_text(cell) for cell in cells])
            if len(rows) == HEADER_ROWS:
                break
    finally:
        iterator.close()
    return rows


def _text(cell: Cell | None) -> str:
    return "" if cell is None else str(cell).strip()


# --- text (CSV) ----------------------------------------------------------------------------------------------


def _text_table(head: bytes, opener: Opener, name: str) -> Table:
    doctype = LIMESURVEY_DOCTYPE.search(head[:2000].decode("utf-8", "replace"))
    if doctype and doctype.group(1) == "Responses":
        return Table(filename=name, format="lsr", encoding="utf-8", delimiter=None, records=_lsr_records(opener))
    encoding = _detect_encoding(head, opener)
    if b"\x00" in head and not encoding.startswith("utf-16"):
        raise _not_a_table("binary data")
    sample = _decoded_sample(head, encoding)
    _reject_non_tables(sample)
    complete = len(head) < SAMPLE_BYTES
    delimiter = _detect_delimiter(sample, complete)

    def records() -> Iterator[list[Cell]]:
        with opener() as fh:
            text = io.TextIOWrapper(fh, encoding=encoding, newline="")
            try:
                yield from _csv_records(text, delimiter)
            finally:
                text.detach()

    return Table(filename=name, format="csv", encoding=encoding, delimiter=delimiter, records=records)


def _csv_records(text: io.TextIOWrapper, delimiter: str) -> Iterator[list[Cell]]:
    reader = csv.reader(text, delimiter=delimiter)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):  # noqa: B007 - used in the error message
            yield record
    except csv.Error as error:
        raise IngestError(
            "csv_syntax", "Row %(row)s is not valid CSV: %(detail)s.", row=number + 1, detail=str(error)
        ) from error


def _detect_encoding(head: bytes, opener: Opener) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM when the whole file decodes; else Windows-1252,
    else Latin-1 (which decodes anything; binary data is rejected afterwards)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "cp1252"):
        if _decodes(opener, encoding):
            return encoding
    return "latin-1"


def _decodes(opener: Opener, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with opener() as fh:
        try:
            while chunk := fh.read(CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _decoded_sample(head: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(head)


def _reject_non_tables(sample: str) -> None:
    stripped = sample.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise IngestError("empty", "The file is empty.")
    doctype = LIMESURVEY_DOCTYPE.search(stripped[:2000])
    if doctype and doctype.group(1) != "Responses":
        raise _structure_error("LimeSurvey")
    if stripped.startswith("<"):
        raise _not_a_table("an XML or HTML document")
    if stripped.startswith('{"SurveyEntry"'):
        raise _structure_error("Qualtrics")
    if stripped.startswith(("{", "[")):
        raise _not_a_table("a JSON document")
    controls = sum(1 for char in stripped if _is_control(char))
    if controls > len(stripped) / 100:
        raise _not_a_table("binary data")


def _structure_error(tool: str) -> IngestError:
    return IngestError(
        "survey_structure",
        "This is a %(tool)s survey definition, not survey responses. Please export the responses instead.",
        tool=tool,
    )


def _is_control(char: str) -> bool:
    code = ord(char)
    return (code < 32 and char not in "\t\r\n\f") or 0x7F <= code < 0xA0 or char == "\ufffd"


def _detect_delimiter(sample: str, complete: bool) -> str:
    """The delimiter that splits the first rows into the most consistent number (>= 2) of columns."""
    lines = sample.splitlines(keepends=True)
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the sample may end in the middle of a row
    text = "".join(lines)
    best, best_score = ",", None
    for delimiter in DELIMITERS:
        score = _delimiter_score(text, delimiter)
        if score and (best_score is None or score > best_score):
            best, best_score = delimiter, score
    return best


def _delimiter_score(text: str, delimiter: str) -> tuple | None:
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        widths = [len(record) for record, _ in zip(reader, range(50), strict=False)]
    except csv.Error:
        return None
    widths = [width for width in widths if width]
    if not widths:
        return None
    mode = Counter(widths).most_common(1)[0][0]
    if mode < 2:
        return None
    share = sum(1 for width in widths if width == mode) / len(widths)
    return (widths[0] == mode, share, mode)


# --- zip archives: XLSX, LimeSurvey .lsa ---------------------------------------------------------------------


def _zip_table(opener: Opener, name: str, max_bytes: int | None) -> Table:
    with opener() as fh:
        try:
            with zipfile.ZipFile(fh) as archive:
                members = archive.infolist()
        except zipfile.BadZipFile as error:
            raise _not_a_table("a damaged ZIP archive") from error
    names = [member.filename for member in members]
    if "xl/workbook.xml" in names:
        _check_unpacked_size(sum(member.file_size for member in members), max_bytes, XLSX_EXPANSION)
        return Table(filename=name, format="xlsx", encoding=None, delimiter=None, records=_xlsx_records(opener))
    responses = [member for member in members if member.filename.endswith(".lsr")]
    if responses:
        _check_unpacked_size(responses[0].file_size, max_bytes, 1)
        return Table(
            filename=name,
            format="lsr",
            encoding="utf-8",
            delimiter=None,
            records=_lsr_records(_zip_member(opener, responses[0].filename)),
        )
    raise _not_a_table("a ZIP archive without a spreadsheet")


def _check_unpacked_size(size: int, max_bytes: int | None, factor: int) -> None:
    if max_bytes is not None and size > max_bytes * factor:
        raise IngestError(
            "too_large",
            "The file is too large (%(size)s bytes; the limit is %(limit)s bytes).",
            size=size,
            limit=max_bytes * factor,
        )


def _xlsx_records(opener: Opener) -> Callable[[], Iterator[list[Cell]]]:
    def records() -> Iterator[list[Cell]]:
        with opener() as fh:
            try:
                workbook = openpyxl.load_workbook(fh, read_only=True, data_only=True)
            except (InvalidFileException, KeyError, OSError, zipfile.BadZipFile) as error:
                raise _not_a_table("a damaged spreadsheet") from error
            try:
                for values in workbook.worksheets[0].iter_rows(values_only=True):
                    yield _xlsx_row(values)
            finally:
                workbook.close()

    return records


def _xlsx_row(values: tuple) -> list[Cell]:
    cells: list[Cell] = ["" if value is None else value for value in values]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def _zip_member(opener: Opener, member: str) -> Opener:
    @contextmanager
    def open_member() -> Iterator[BinaryIO]:
        with opener() as fh, zipfile.ZipFile(fh) as archive, archive.open(member) as xml:
            yield xml

    return open_member


def _lsr_records(opener: Opener) -> Callable[[], Iterator[list[Cell]]]:
    def records() -> Iterator[list[Cell]]:
        with opener() as xml:
            try:
                yield from _lsr_rows(xml)
            except ElementTree.ParseError as error:
                raise IngestError("broken", "The file could not be read: %(detail)s.", detail=str(error)) from error

    return records


def _lsr_rows(xml: BinaryIO) -> Iterator[list[Cell]]:
    """Rows of a LimeSurvey responses document: the field names, then one row per <row>, streaming."""
    fields: list[str] = []
    parents = []
    _refuse_doctype(xml)
    # A document type declaration is refused above, so no entity expansion can happen here.
    for event, element in ElementTree.iterparse(xml, events=("start", "end")):  # noqa: S314
        if event == "start":
            parents.append(element)
            continue
        parents.pop()
        if element.tag == "fieldname":
            fields.append(element.text or "")
        elif element.tag == "fields":
            yield list(fields)
        elif element.tag == "row":
            values = {_lsr_field(child.tag): child.text or "" for child in element}
            yield [values.get(name, "") for name in fields]
            parents[-1].clear()  # drop finished rows: constant memory


def _refuse_doctype(xml: BinaryIO) -> None:
    """Refuse XML with a document type declaration (entity expansion attacks); LimeSurvey writes none.
    The declaration must precede the root element, so looking before ``<document`` is enough."""
    head = xml.read(SAMPLE_BYTES)
    root = head.find(b"<document")
    if root < 0 or b"<!DOCTYPE" in head[:root]:
        raise IngestError("broken", "The file could not be read: %(detail)s.", detail="unexpected XML structure")
    xml.seek(0)


def _lsr_field(tag: str) -> str:
    # LimeSurvey prefixes element names that would start with a digit (e.g. "841748X3X26") with "_".
    return tag[1:] if tag.startswith("_") and tag[1:2].isdigit() else tag
