"""Recognising the export layout of a table and proposing a column mapping for it.

Layouts: Qualtrics (three header rows with ImportId JSON; legacy V1, V2 ... layout), SurveyMonkey (two
header rows), Typeform, Google Forms, LimeSurvey (CSV with codes or full question texts, .lsr/.lsa) and
"generic" (one header row). See docs/ingest-formats.md.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

from opencxm.feedback.ingest.errors import IngestError
from opencxm.feedback.ingest.mapping import REST, ColumnMapping
from opencxm.feedback.ingest.reading import Cell, Table
from opencxm.feedback.ingest.values import GERMAN, US, YEAR_FIRST, ValueProblem, parse_score

SAMPLE_ROWS = 200
IMPORT_ID = re.compile(r"""^\{\s*['"]ImportId['"]\s*:\s*['"]([^'"]*)['"]""")
TIME_ZONE_IN_IMPORT_ID = re.compile(r"""['"]timeZone['"]\s*:\s*['"]([^'"]+)['"]""")
LEGACY_NAME = re.compile(r"^V\d+$")

LABELS = {
    "qualtrics": "Qualtrics",
    "qualtrics_legacy": "Qualtrics (legacy export)",
    "surveymonkey": "SurveyMonkey",
    "typeform": "Typeform",
    "google_forms": "Google Forms",
    "limesurvey": "LimeSurvey",
    "generic": "Table with one header row",
}
SURVEYMONKEY_PLAIN_ANSWERS = {"", "response", "open-ended response", "antwort", "offene antwort"}
GOOGLE_TIMESTAMPS = {"timestamp", "zeitstempel", "marca temporal", "horodateur", "informazioni cronologiche"}
LIMESURVEY_CODES = {"id", "submitdate", "lastpage", "startlanguage"}
LIMESURVEY_TEXTS = {"response id", "date submitted", "last page", "start language"}
LIMESURVEY_TEXTS_DE = {"antwort id", "datum abgeschickt", "letzte seite", "start-sprache"}
LIMESURVEY_STRUCTURE = ["id", "related_id", "class", "type/scale", "name"]

# Column names (compared without case, spaces, "_" or "-") for fields every layout may have.
ID_NAMES = (
    "responseid", "respondentid", "id", "externalid", "feedbackid", "antwortid", "ticketid", "caseid", "fallid",
)  # fmt: skip
TIME_NAMES = (
    "recordeddate", "submitdate", "datesubmitted", "datumabgeschickt", "submitdateutc", "enddate", "timestamp",
    "zeitstempel", "respondedat", "submittedat", "createdat", "datetime", "date", "time", "datum", "zeit",
    "datumuhrzeit", "eingangsdatum", "erstelltam", "startdate", "datestamp",
)  # fmt: skip
CUSTOMER_NAMES = (
    "customer", "customerid", "customerref", "customerreference", "customernumber", "kunde", "kundenid",
    "kundennummer", "externalreference", "externaldatareference", "token", "emailaddress", "email", "recipientemail",
    "emailadresse",
)  # fmt: skip
TOUCHPOINT_NAMES = ("touchpoint", "touchpointcode", "touchpointname", "kontaktpunkt")
CHANNEL_NAMES = ("channel", "kanal", "distributionchannel")
SEGMENT_NAMES = ("segment", "customersegment", "kundensegment")
LANGUAGE_NAMES = ("userlanguage", "startlanguage", "language", "sprache", "q_language")
PERSONAL_NAMES = {
    "ipaddress", "ip", "email", "emailaddress", "emailadresse", "recipientemail", "recipientfirstname",
    "recipientlastname", "firstname", "lastname", "name", "vorname", "nachname", "locationlatitude",
    "locationlongitude", "networkid", "ipadresse", "phone", "telefon",
}  # fmt: skip
METRIC_PATTERNS = {
    "nps": re.compile(r"recommend|empfehl|\bnps\b|net promoter", re.IGNORECASE),
    "csat": re.compile(r"satisf|zufrieden|\bcsat\b", re.IGNORECASE),
    "ces": re.compile(r"effort|aufwand|\bces\b|how easy|wie einfach", re.IGNORECASE),
}
NOT_A_SCORE = re.compile(r"_(NPS_GROUP|TEXT|DO)$|_\d+_TEXT$", re.IGNORECASE)
COMMENT_PATTERN = re.compile(
    r"comment|kommentar|warum|why|reason|grund|feedback|anmerkung|bemerkung|suggest|vorschlag|improve|verbesser",
    re.IGNORECASE,
)
MIN_COMMENT_LENGTH = 15
NUMERIC_TEXT = re.compile(r"^[\d\s.,:/+-]+(?:[AP]M)?$", re.IGNORECASE)  # numbers, dates, times


@dataclass
class Layout:
    """A recognised export layout: its header rows, its columns and a proposed mapping."""

    name: str
    header_count: int
    columns: list[str]  # unique column keys, used in mappings
    labels: list[str]  # the question text (or the name) per column, for people choosing a mapping
    mapping: ColumnMapping
    time_formats: tuple[str, ...] = ()
    time_zone: str | None = None  # the zone the file states for its times, if any
    personal: set[str] = field(default_factory=set)  # personal-data columns, never kept as attributes

    @property
    def label(self) -> str:
        return LABELS[self.name]


@dataclass
class _Spec:
    name: str
    header_count: int
    columns: list[str]
    labels: list[str]
    id_names: tuple[str, ...] = ()
    time_names: tuple[str, ...] = ()
    time_formats: tuple[str, ...] = ()
    time_zone: str | None = None


def detect_layout(table: Table, *, strict: bool = False, expected: str | None = None) -> Layout:
    """Recognise the layout of ``table`` and propose a mapping from its header and first data rows.

    ``strict``: refuse files of no known survey tool (generic tables). ``expected``: the layout a data
    source was created with; a file of another layout is refused.
    """
    spec = _detect(table.header_rows)
    if strict and spec.name == "generic":
        raise IngestError(
            "unknown_layout",
            "The layout of the file was not recognised. Known layouts: Qualtrics, SurveyMonkey, Typeform, "
            "Google Forms and LimeSurvey exports.",
        )
    if expected and expected != spec.name:
        raise IngestError(
            "layout_mismatch",
            "The file looks like a %(found)s export, but this data source expects %(expected)s.",
            found=LABELS[spec.name],
            expected=LABELS.get(expected, expected),
        )
    sample = _sample(table, spec.header_count, len(spec.columns))
    if not sample:
        raise IngestError("no_data", "The file has a header but no data rows.")
    return _layout(spec, sample)


def layout_names() -> dict[str, str]:
    """Layout name -> human-readable label, for choices."""
    return dict(LABELS)


# --- detection -----------------------------------------------------------------------------------------------


def _detect(rows: list[list[str]]) -> _Spec:
    first = rows[0]
    if [cell.lower() for cell in first[:5]] == LIMESURVEY_STRUCTURE:
        raise IngestError(
            "survey_structure",
            "This is a %(tool)s survey definition, not survey responses. Please export the responses instead.",
            tool="LimeSurvey",
        )
    for detector in DETECTORS:
        spec = detector(rows)
        if spec:
            return spec
    return _generic(rows)


def _qualtrics(rows: list[list[str]]) -> _Spec | None:
    if len(rows) < 3 or not IMPORT_ID.match(rows[2][0] if rows[2] else ""):
        return None
    import_ids = [_import_id(cell) for cell in rows[2]]
    columns = _unique(rows[0])
    by_import_id = {import_id.lower(): column for import_id, column in zip(import_ids, columns, strict=False)}
    id_names = tuple(by_import_id[key] for key in ("_recordid", "responseid") if key in by_import_id)
    time_names = tuple(by_import_id[key] for key in ("recordeddate", "enddate", "startdate") if key in by_import_id)
    zone = next((z for cell in rows[2] if (z := _time_zone_in(cell))), None)
    return _Spec(
        "qualtrics", 3, columns, _padded(rows[1], len(columns)), id_names, time_names, US + YEAR_FIRST, zone
    )  # fmt: skip


def _import_id(cell: str) -> str:
    match = IMPORT_ID.match(cell)
    return match.group(1) if match else ""


def _time_zone_in(cell: str) -> str | None:
    match = TIME_ZONE_IN_IMPORT_ID.search(cell)
    return match.group(1) if match else None


def _qualtrics_legacy(rows: list[list[str]]) -> _Spec | None:
    first = rows[0]
    if len(rows) < 2 or len(first) < 3 or not all(LEGACY_NAME.match(cell) for cell in first[:3]):
        return None
    texts = _padded(rows[1], len(first))
    keys = [text if LEGACY_NAME.match(name) else name for name, text in zip(first, texts, strict=False)]
    return _Spec("qualtrics_legacy", 2, _unique(keys), texts, ("ResponseID",), ("EndDate", "StartDate"), US)


def _surveymonkey(rows: list[list[str]]) -> _Spec | None:
    names = {cell.lower() for cell in rows[0]}
    if len(rows) < 2 or not {"respondent id", "collector id"} <= names:
        return None
    keys, question = [], ""
    for name, answer in zip(rows[0], _padded(rows[1], len(rows[0])), strict=False):
        question = name or question
        plain = answer.lower() in SURVEYMONKEY_PLAIN_ANSWERS
        keys.append(question if plain else f"{question} - {answer}")
    columns = _unique(keys)
    return _Spec("surveymonkey", 2, columns, columns, ("Respondent ID",), ("End Date", "Start Date"), US)


def _typeform(rows: list[list[str]]) -> _Spec | None:
    first = rows[0]
    if not first or first[0] != "#" or "Submit Date (UTC)" not in first:
        return None
    columns = _unique(first)
    return _Spec("typeform", 1, columns, columns, ("#",), ("Submit Date (UTC)",), (), "UTC")


def _google_forms(rows: list[list[str]]) -> _Spec | None:
    first = rows[0]
    if not first or first[0].lower() not in GOOGLE_TIMESTAMPS:
        return None
    columns = _unique(first)
    return _Spec("google_forms", 1, columns, columns, (), (columns[0],), YEAR_FIRST + US + GERMAN)


def _limesurvey(rows: list[list[str]]) -> _Spec | None:
    names = {cell.lower() for cell in rows[0]}
    for known, id_name, time_names in (
        (LIMESURVEY_CODES, "id", ("submitdate", "datestamp", "startdate")),
        (LIMESURVEY_TEXTS, "Response ID", ("Date submitted", "Date last action", "Date started")),
        (LIMESURVEY_TEXTS_DE, "Antwort ID", ("Datum Abgeschickt", "Datum letzte Aktivität", "Datum gestartet")),
    ):
        if known <= names:
            columns = _unique(rows[0])
            return _Spec("limesurvey", 1, columns, columns, (id_name,), time_names, GERMAN + US)
    return None


def _generic(rows: list[list[str]]) -> _Spec:
    columns = _unique(rows[0])
    return _Spec("generic", 1, columns, columns)


DETECTORS: tuple[Callable[[list[list[str]]], _Spec | None], ...] = (
    _qualtrics, _qualtrics_legacy, _surveymonkey, _typeform, _google_forms, _limesurvey,
)  # fmt: skip


def _unique(names: list[str]) -> list[str]:
    """Column keys: the names, blanks named "Column N", repeats suffixed " (2)", " (3)" ..."""
    seen: dict[str, int] = {}
    keys = []
    for position, name in enumerate(names, start=1):
        key = name.strip() or f"Column {position}"
        seen[key] = seen.get(key, 0) + 1
        keys.append(key if seen[key] == 1 else f"{key} ({seen[key]})")
    return keys


def _padded(cells: list[str], width: int) -> list[str]:
    return (list(cells) + [""] * width)[:width]


# --- proposing a mapping -------------------------------------------------------------------------------------


def _sample(table: Table, header_count: int, width: int) -> list[list[Cell]]:
    rows = table.rows()
    try:
        return [_padded(cells, width) for _number, cells in islice(rows, header_count, header_count + SAMPLE_ROWS)]
    finally:
        rows.close()


def _layout(spec: _Spec, sample: list[list[Cell]]) -> Layout:
    columns = spec.columns
    values = {column: [row[index] for row in sample] for index, column in enumerate(columns)}
    personal = {column for column in columns if _norm(column) in PERSONAL_NAMES}
    mapping = ColumnMapping(
        external_id=_first(spec.id_names, columns) or _named(ID_NAMES, columns),
        time=_first(spec.time_names, columns) or _named(TIME_NAMES, columns),
        customer_ref=_named(CUSTOMER_NAMES, columns),
        touchpoint=_named(TOUCHPOINT_NAMES, columns),
        channel=_named(CHANNEL_NAMES, columns),
        segment=_named(SEGMENT_NAMES, columns),
        language=_named(LANGUAGE_NAMES, columns),
        attributes=[REST],
    )
    mapping.scores = _scores(spec, values)
    taken = mapping.mapped_columns() | personal
    mapping.comment = _comment(spec, values, taken)
    return Layout(
        name=spec.name,
        header_count=spec.header_count,
        columns=columns,
        labels=spec.labels,
        mapping=mapping,
        time_formats=spec.time_formats,
        time_zone=spec.time_zone,
        personal=personal,
    )


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-()]+", "", name.lower())


def _first(names: tuple[str, ...], columns: list[str]) -> str | None:
    return next((name for name in names if name in columns), None)


def _named(names: tuple[str, ...], columns: list[str]) -> str | None:
    """The first column whose normalised name is one of ``names``, in the order of ``names``."""
    by_norm = {}
    for column in columns:
        by_norm.setdefault(_norm(column), column)
    return next((by_norm[name] for name in names if name in by_norm), None)


def _scores(spec: _Spec, values: dict[str, list[Cell]]) -> dict[str, str]:
    scores = {}
    for metric, pattern in METRIC_PATTERNS.items():
        for column, label in zip(spec.columns, spec.labels, strict=False):
            if column in scores.values() or NOT_A_SCORE.search(column):
                continue
            if (pattern.search(label) or pattern.search(column)) and _fits(metric, values[column]):
                scores[metric] = column
                break
    return scores


def _fits(metric: str, cells: list[Cell]) -> bool:
    present = [cell for cell in cells if cell not in ("", None)]
    try:
        return bool(present) and all(parse_score(metric, cell) is not None for cell in present)
    except ValueProblem:
        return False


def _comment(spec: _Spec, values: dict[str, list[Cell]], taken: set[str]) -> str | None:
    texts = {column: _text_length(values[column]) for column in spec.columns if column not in taken}
    texts = {column: length for column, length in texts.items() if length}
    named = [
        column for column, label in zip(spec.columns, spec.labels, strict=False)
        if column in texts and (COMMENT_PATTERN.search(label) or COMMENT_PATTERN.search(column))
    ]  # fmt: skip
    if named:
        return named[0]
    longest = max(texts, key=texts.get, default=None)
    return longest if longest and texts[longest] >= MIN_COMMENT_LENGTH else None


def _text_length(cells: list[Cell]) -> float:
    """Mean length of the free-text values of a column; 0 when any value is a number or a time, or when
    all values are the same (a constant such as Qualtrics' "Default Response Set" is no comment)."""
    present = [cell for cell in cells if cell not in ("", None)]
    if not present or any(not isinstance(cell, str) or NUMERIC_TEXT.match(cell) for cell in present):
        return 0.0
    if len(present) > 1 and len(set(present)) == 1:
        return 0.0
    return sum(len(cell) for cell in present) / len(present)
