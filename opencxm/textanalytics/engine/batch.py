"""Batch enrichment of CSV/XLSX files (used by ``opencxm analyze``; plain Python, no Django, no database).

Rows are streamed in chunks, so memory stays flat whatever the file size. Output keeps every input column and
adds language, sentiment_label, sentiment_score, topics and text_redacted.
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .base import Analysis

ADDED_COLUMNS = ("language", "sentiment_label", "sentiment_score", "topics", "text_redacted")
TOPIC_SEPARATOR = "; "


class BatchError(ValueError):
    """A user error (missing column, unreadable file): the message is meant for the user.

    `code` and `params` let a caller word the message in the user's language (the English text is the default):
    empty_sheet/empty_file (file), column_missing (what: "text"/"language", column, columns), no_input (path).
    """

    MESSAGES = {
        "empty_sheet": "{file}: the sheet is empty",
        "empty_file": "{file}: the file is empty",
        "column_missing": "{what} column {column!r} not found; columns are: {columns}",
        "no_input": "input file {path} does not exist",
    }

    def __init__(self, code: str, **params):
        self.code, self.params = code, params
        super().__init__(self.MESSAGES[code].format(**params))


def _is_xlsx(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


def detect_encoding(path: Path) -> str:
    """utf-8(-sig) when the first MB decodes, else charset-normalizer's guess, else cp1252."""
    head = path.open("rb").read(1 << 20)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4:  # cut inside a multi-byte character at the 1 MB boundary
            return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    return best.encoding if best else "cp1252"


def read_rows(path: Path) -> tuple[list[str], Iterator[list], int | None]:
    """(header, row iterator, total rows if cheaply known) for a CSV or XLSX file."""
    if _is_xlsx(path):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise BatchError("empty_sheet", file=path.name)
        total = (ws.max_row - 1) if ws.max_row else None
        return [("" if h is None else str(h)) for h in header], (list(r) for r in rows), total
    encoding = detect_encoding(path)
    fh = path.open("r", encoding=encoding, errors="replace", newline="")
    sample = fh.read(64 * 1024)
    fh.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(fh, dialect)
    header = next(reader, None)
    if header is None:
        raise BatchError("empty_file", file=path.name)
    return header, reader, None


class _Writer:
    def __init__(self, path: Path, header: list[str]):
        self.path = path
        if _is_xlsx(path):
            from openpyxl import Workbook

            self.wb = Workbook(write_only=True)
            self.ws = self.wb.create_sheet("analysed")
            self.ws.append(header)
            self.fh = None
        else:
            self.fh = path.open("w", encoding="utf-8", newline="")
            self.csv = csv.writer(self.fh)
            self.csv.writerow(header)

    def write(self, row: list) -> None:
        if self.fh is None:
            self.ws.append([_xlsx_safe(v) for v in row])
        else:
            self.csv.writerow(row)

    def close(self) -> None:
        if self.fh is None:
            self.wb.save(self.path)
        else:
            self.fh.close()


def _xlsx_safe(value):
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", value)[:32767]
    return value


def topics_cell(analysis: Analysis) -> str:
    return TOPIC_SEPARATOR.join(t.label for t in analysis.topics)


def _column(header: list[str], name: str | None, what: str) -> int | None:
    if name is None:
        return None
    if name in header:
        return header.index(name)
    lowered = [h.strip().lower() for h in header]
    if name.strip().lower() in lowered:
        return lowered.index(name.strip().lower())
    raise BatchError("column_missing", what=what, column=name, columns=", ".join(header))


@contextmanager
def _long_csv_fields():
    """Comments of any length while this file is read: the csv module's field limit is process-wide, so it is
    raised only for the run and put back after it (the feedback import relies on the default limit)."""
    previous = csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def analyze_file(
    engine,
    input_path,
    output_path,
    text_column: str,
    language_column: str | None = None,
    chunk_size: int = 2000,
    progress: Callable[[int, int | None, float], None] | None = None,
) -> int:
    """Enrich ``input_path`` into ``output_path``; return the number of rows written."""
    with _long_csv_fields():
        return _analyze_file(engine, input_path, output_path, text_column, language_column, chunk_size, progress)


def _analyze_file(engine, input_path, output_path, text_column, language_column, chunk_size, progress) -> int:
    input_path, output_path = Path(input_path), Path(output_path)
    if not input_path.exists():
        raise BatchError("no_input", path=str(input_path))
    header, rows, total = read_rows(input_path)
    text_idx = _column(header, text_column, "text")
    lang_idx = _column(header, language_column, "language")
    out_header = list(header) + [c for c in ADDED_COLUMNS if c not in header]
    replace = {c: header.index(c) for c in ADDED_COLUMNS if c in header}
    writer = _Writer(output_path, out_header)
    started = time.monotonic()
    done = 0
    try:
        chunk: list[list] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= chunk_size:
                done += _flush(engine, chunk, writer, len(header), text_idx, lang_idx, replace)
                chunk = []
                if progress:
                    progress(done, total, time.monotonic() - started)
        if chunk:
            done += _flush(engine, chunk, writer, len(header), text_idx, lang_idx, replace)
            if progress:
                progress(done, total, time.monotonic() - started)
    finally:
        writer.close()
    return done


def _flush(engine, chunk, writer, width, text_idx, lang_idx, replace) -> int:
    texts = [row[text_idx] if text_idx < len(row) else "" for row in chunk]
    langs = [row[lang_idx] if lang_idx is not None and lang_idx < len(row) else None for row in chunk]
    results = engine.analyze_many(texts, langs)
    for row, a in zip(chunk, results, strict=True):
        values = {
            "language": a.language,
            "sentiment_label": a.sentiment_label,
            "sentiment_score": a.sentiment_score,
            "topics": topics_cell(a),
            "text_redacted": a.redacted_text,
        }
        out = list(row) + [None] * (width - len(row))
        out = out[:width]
        for name, idx in replace.items():
            out[idx] = values[name]
        out.extend(values[c] for c in ADDED_COLUMNS if c not in replace)
        writer.write(out)
    return len(chunk)


def format_progress(done: int, total: int | None, elapsed: float) -> str:
    rate = done / elapsed if elapsed > 0 else 0.0
    if total:
        return f"{done:,}/{total:,} rows ({100 * done / total:.0f} %), {rate:,.0f} rows/s"
    return f"{done:,} rows, {rate:,.0f} rows/s"
