"""Step 3, validate: turn the data rows of a table into feedback records or row errors, streaming.

Only the next step (writing in batches) touches the database; it receives :class:`Record` objects
and :class:`RowError` objects from :func:`records`.
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import islice

from opencxm.feedback.ingest.errors import RowError
from opencxm.feedback.ingest.layouts import Layout
from opencxm.feedback.ingest.mapping import REST, ColumnMapping
from opencxm.feedback.ingest.reading import Cell, Table
from opencxm.feedback.ingest.values import (
    DEFAULT_TIME_ZONE,
    SCALES,
    TimeParser,
    ValueProblem,
    parse_score,
    time_zone_named,
)

MAX_ID_LENGTH = 120
SINGLE_FIELDS = ("external_id", "time", "customer_ref", "touchpoint", "channel", "segment", "comment", "language")
GENERATED_PREFIX = "auto-"


@dataclass(slots=True)
class Record:
    """One valid row, ready to be written. References (customer, touchpoint, ...) are the file's texts;
    the writing step resolves them."""

    row: int
    external_id: str
    responded_at: datetime  # aware, UTC
    customer_ref: str | None = None
    touchpoint_ref: str | None = None
    channel_ref: str | None = None
    segment_ref: str | None = None
    scores: dict[str, float] = field(default_factory=dict)
    comment: str | None = None
    language: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    generated_id: bool = False  # the file had no id for this row; it was derived from the row's content


def records(
    table: Table, layout: Layout, mapping: ColumnMapping | None = None, *, time_zone: str | None = None
) -> Iterator[Record | RowError]:
    """Every data row of ``table`` as a :class:`Record`, or as one :class:`RowError` per problem found in it.

    Raises :class:`~opencxm.feedback.ingest.errors.IngestError` before the first row when the mapping
    names missing columns or an unknown time zone. Times without offset are read in ``time_zone``,
    else the mapping's, else the zone the file states, else Europe/Berlin.
    """
    for _number, _external_id, record, problems in checked_rows(table, layout, mapping, time_zone=time_zone):
        if problems:
            yield from problems
        else:
            yield record


def checked_rows(
    table: Table,
    layout: Layout,
    mapping: ColumnMapping | None = None,
    *,
    time_zone: str | None = None,
    duplicates: bool = True,
) -> Iterator[tuple[int, str | None, Record | None, list[RowError]]]:
    """Every data row as ``(row number, external id, record, problems)``: the record is None when the row has
    problems. The external id is given for rejected rows too (None only when the id itself is unusable), so a
    caller that checks duplicates elsewhere (``duplicates=False``: the import does it in its staging table, in
    constant memory) sees every id. With ``duplicates=True`` a repeated id is a problem of the later row.
    """
    mapping = mapping or layout.mapping
    mapping.check_columns(layout.columns)
    zone = time_zone_named(time_zone or mapping.time_zone or layout.time_zone or DEFAULT_TIME_ZONE)
    reader = _RowReader(layout, mapping, TimeParser(zone, _formats(mapping, layout)), duplicates=duplicates)
    check = reader.check
    rows = table.rows()
    try:
        for number, cells in islice(rows, layout.header_count, None):
            yield (number, *check(number, cells))
    finally:
        rows.close()


def _formats(mapping: ColumnMapping, layout: Layout) -> tuple[str, ...]:
    return ((mapping.time_format,) if mapping.time_format else ()) + layout.time_formats


class _RowReader:
    """Reads rows with one mapping; remembers the ids seen (as 64-bit fingerprints) to refuse duplicates
    unless ``duplicates`` is False."""

    def __init__(self, layout: Layout, mapping: ColumnMapping, times: TimeParser, *, duplicates: bool = True) -> None:
        self.mapping = mapping
        self.times = times
        self.index = {column: position for position, column in enumerate(layout.columns)}
        self.fields = {key: self.index.get(getattr(mapping, key) or "") for key in SINGLE_FIELDS}
        self.score_positions = [
            (metric, column, self.index[column], SCALES.get(metric)) for metric, column in mapping.scores.items()
        ]
        self.attributes = _attribute_columns(layout, mapping)
        self.seen: dict[int, int] | None = {} if duplicates else None
        self.texts = [(key, self.fields[key]) for key in ("customer_ref", "touchpoint", "channel", "segment",
                                                          "comment", "language")]  # fmt: skip

    def check(self, number: int, cells: list[Cell]) -> tuple[str | None, Record | None, list[RowError]]:
        """(external id, record or None, problems) of one data row."""
        problems: list[RowError] = []
        external_id, generated = self._external_id(number, cells, problems)
        responded_at = self._time(number, cells, problems)
        scores = self._scores(number, cells, problems)
        if problems:
            return external_id, None, problems
        width = len(cells)
        values = {}
        for key, position in self.texts:
            if position is None or position >= width:
                values[key] = None
                continue
            cell = cells[position]
            values[key] = (cell.strip() if type(cell) is str else cell_text(cell)) or None
        record = Record(
            number,
            external_id,
            responded_at,
            values["customer_ref"],
            values["touchpoint"] or self.mapping.fixed_touchpoint,
            values["channel"],
            values["segment"],
            scores,
            values["comment"],
            values["language"],
            self._attributes(cells) if self.attributes else {},
            generated,
        )
        return external_id, record, problems

    def read(self, number: int, cells: list[Cell]) -> Iterator[Record | RowError]:
        external_id, record, problems = self.check(number, cells)
        if problems:
            yield from problems
        else:
            yield record

    def _cell(self, cells: list[Cell], key: str) -> Cell:
        position = self.fields[key]
        return cells[position] if position is not None and position < len(cells) else ""

    def _text(self, cells: list[Cell], key: str) -> str | None:
        return cell_text(self._cell(cells, key)) or None

    def _external_id(self, number: int, cells: list[Cell], problems: list[RowError]) -> tuple[str | None, bool]:
        column = self.mapping.external_id
        external_id = self._text(cells, "external_id")
        generated = external_id is None
        if generated:
            external_id = content_id(cells)
        elif len(external_id) > MAX_ID_LENGTH:
            problems.append(_error(number, column, external_id, "id_length", "an id of at most %(max)s characters",
                                   max=MAX_ID_LENGTH))  # fmt: skip
            return None, generated
        if self.seen is None:
            return external_id, generated
        fingerprint = int.from_bytes(hashlib.blake2b(external_id.encode(), digest_size=8).digest())
        first = self.seen.setdefault(fingerprint, number)
        if first != number:
            problems.append(duplicate_error(number, column, external_id, first))
        return external_id, generated

    def _time(self, number: int, cells: list[Cell], problems: list[RowError]) -> datetime | None:
        value = self._cell(cells, "time")
        try:
            return self.times.parse(value)
        except ValueProblem as problem:
            problems.append(_error(number, self.mapping.time, value, problem.code, problem.expected, **problem.params))
            return None

    def _scores(self, number: int, cells: list[Cell], problems: list[RowError]) -> dict[str, float]:
        scores = {}
        width = len(cells)
        for metric, column, position, scale in self.score_positions:
            value = cells[position] if position < width else ""
            if scale is not None and type(value) is str and value.isdigit() and value.isascii():  # fast path: "7"
                number_value = int(value)
                if scale[0] <= number_value <= scale[1]:
                    scores[metric] = float(number_value)
                    continue
            try:
                score = parse_score(metric, value)
            except ValueProblem as problem:
                problems.append(_error(number, column, value, problem.code, problem.expected, **problem.params))
                continue
            if score is not None:
                scores[metric] = score
        return scores

    def _attributes(self, cells: list[Cell]) -> dict[str, str]:
        values = {}
        for column, position in self.attributes:
            text = cell_text(cells[position]) if position < len(cells) else ""
            if text:
                values[column] = text
        return values


def duplicate_error(number: int, column: str | None, external_id: str, first: int) -> RowError:
    """The problem of a row whose id an earlier row (``first``) already had."""
    return _error(number, column or "-", external_id, "duplicate_id", "a new id; row %(first)s has the same id",
                  first=first)  # fmt: skip


def _attribute_columns(layout: Layout, mapping: ColumnMapping) -> list[tuple[str, int]]:
    """(column, position) of the attribute columns; "*rest*" adds every column not mapped otherwise and
    not personal data, in file order."""
    wanted = [column for column in mapping.attributes if column != REST]
    if REST in mapping.attributes:
        taken = mapping.mapped_columns() | layout.personal | set(wanted)
        wanted += [column for column in layout.columns if column not in taken]
    position = {column: index for index, column in enumerate(layout.columns)}
    return [(column, position[column]) for column in dict.fromkeys(wanted)]


def _error(number: int, column: str | None, value: Cell, code: str, expected: str, **params: object) -> RowError:
    return RowError(number, column or "-", cell_text(value), expected, code, params)


def cell_text(cell: Cell | None) -> str:
    """A cell as stripped text: whole floats without ".0", times in ISO 8601."""
    if type(cell) is str:
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    return str(cell).strip()


def content_id(cells: list[Cell]) -> str:
    """A stable id for a row without one: a hash of its content, so importing the same file again finds
    the same records instead of duplicating them."""
    texts = [cell_text(cell) for cell in cells]
    while texts and not texts[-1]:
        texts.pop()
    digest = hashlib.blake2b("\x1f".join(texts).encode(), digest_size=16).hexdigest()
    return GENERATED_PREFIX + digest
