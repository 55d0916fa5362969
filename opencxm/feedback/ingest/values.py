"""Parsing single cell values: numbers (German or English notation), scores on their scales, times."""

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opencxm.feedback.ingest.errors import IngestError

DEFAULT_TIME_ZONE = "Europe/Berlin"
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}

PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
GROUPED_NUMBER = re.compile(r"^[+-]?\d{1,3}(?:([.,' ])\d{3})+(?:([.,])\d+)?$")
LABELLED_NUMBER = re.compile(r"^(\d+(?:[.,]\d+)?)\s*[-–:=(]\s*\D.*$")  # "9 - Extremely likely"
OFFSET_SUFFIX = re.compile(r"\s*(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
ZONE_SUFFIX = {"UTC": 0, "GMT": 0, "Z": 0, "MEZ": 1, "CET": 1, "MESZ": 2, "CEST": 2}
EXCEL_EPOCH = datetime(1899, 12, 30)
EXCEL_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
EXCEL_RANGE = (20_000, 80_000)  # 1954 to 2119: a number outside is no date

GERMAN = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d.%m.%y %H:%M", "%d.%m.%y")
US = (
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
    "%m/%d/%y %I:%M %p", "%m/%d/%y %H:%M",
)  # fmt: skip
YEAR_FIRST = ("%Y/%m/%d %I:%M:%S %p", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")
DAY_FIRST_SLASH = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")
TIME_FORMATS = GERMAN + US + YEAR_FIRST + DAY_FIRST_SLASH
GERMAN_TIME = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
TIME_EXAMPLES = "e.g. 2025-12-31 14:30, 31.12.2025 14:30 or 12/31/2025 2:30 PM"


@dataclass
class ValueProblem(Exception):
    """A cell value that does not fit: ``expected`` says what would (an English template with params)."""

    code: str
    expected: str
    params: dict = field(default_factory=dict)


def parse_number(value: object) -> float | None:
    """A number from a cell: 4.5, "4,5", "4.5", "1.234,5", "1,234.5"; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip().replace("\u00a0", " ")
    if PLAIN_NUMBER.match(text):
        return float(text.replace(",", "."))
    grouped = GROUPED_NUMBER.match(text)
    if grouped and grouped.group(1) != grouped.group(2):
        decimal = grouped.group(2) or ""
        digits = text.replace(grouped.group(1), "")
        return float(digits.replace(decimal, ".") if decimal else digits)
    return None


def parse_score(metric: str, value: object) -> float | None:
    """The score of ``metric`` in a cell, None when empty; raises :class:`ValueProblem` when out of scale."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = float(value) if type(value) is str and value.isdigit() and value.isascii() else parse_number(value)
    if number is None and isinstance(value, str):
        labelled = LABELLED_NUMBER.match(value.strip())
        number = parse_number(labelled.group(1)) if labelled else None
    scale = SCALES.get(metric)
    if scale is None:
        if number is None:
            raise ValueProblem("not_number", "a number")
        return number
    low, high = scale
    if number is None or number != int(number) or not low <= number <= high:
        raise ValueProblem("score_range", "a whole number from %(low)s to %(high)s", {"low": low, "high": high})
    return number


def time_zone_named(name: str) -> tzinfo:
    """The time zone called ``name`` (IANA name, "UTC" or "Z"); raises :class:`IngestError` if unknown."""
    if name in ("Z", "UTC"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise IngestError("time_zone", "'%(zone)s' is not a known time zone.", zone=name) from error


class TimeParser:
    """Parses cell values into aware UTC datetimes.

    Tries ISO 8601 first, then the given formats, then German, US and other common formats; remembers
    the format that worked last, so a long file costs one strptime per row. Times without an offset
    are in ``zone``.
    """

    def __init__(self, zone: tzinfo, formats: tuple[str, ...] = ()) -> None:
        self.zone = zone
        self.formats = tuple(dict.fromkeys((*formats, *TIME_FORMATS)))
        self.last: str | None = None

    def parse(self, value: object) -> datetime:
        """The time in a cell; raises :class:`ValueProblem` when it is missing or not a time."""
        if isinstance(value, datetime):
            return self._aware(value)
        if isinstance(value, date):
            return self._aware(datetime(value.year, value.month, value.day))
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self._aware(self._excel(value, str(value)))
        text = str(value or "").strip()
        if not text:
            raise ValueProblem("missing_time", "a date and time; the response time is required")
        if text[4:5] == "-":  # fast path for ISO 8601 (no suffix like "GMT+2" can follow a valid ISO text)
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                pass
            else:
                return self._aware(moment)
        return self._parse_text(text)

    def _parse_text(self, text: str) -> datetime:
        if EXCEL_SERIAL.match(text):
            return self._aware(self._excel(float(text), text))
        text, offset = _split_offset(text)
        parsed = _iso(text) or _german(text) or self._strptime(text)
        if parsed is None:
            raise ValueProblem("bad_time", "a date and time (%(examples)s)", {"examples": TIME_EXAMPLES})
        if offset is not None and parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=offset)
        return self._aware(parsed)

    def _strptime(self, text: str) -> datetime | None:
        candidates = (self.last, *self.formats) if self.last else self.formats
        for pattern in candidates:
            try:
                parsed = datetime.strptime(text, pattern)  # noqa: DTZ007 - zone applied in _aware
            except ValueError:
                continue
            self.last = pattern
            return parsed
        return None

    def _excel(self, serial: float, text: str) -> datetime:
        if not EXCEL_RANGE[0] <= serial <= EXCEL_RANGE[1]:
            raise ValueProblem("bad_time", "a date and time (%(examples)s)", {"examples": TIME_EXAMPLES})
        return EXCEL_EPOCH + timedelta(days=serial)

    def _aware(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return moment.astimezone(UTC)


def _iso(text: str) -> datetime | None:
    if not text[:4].isdigit() or len(text) < 10 or text[4] != "-":
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _german(text: str) -> datetime | None:
    """Fast path for the common German "31.12.2025 14:30" (strptime is slow on a million rows)."""
    match = GERMAN_TIME.match(text)
    if not match:
        return None
    day, month, year, hour, minute, second = (int(part) if part else 0 for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - zone applied in _aware
    except ValueError:
        return None


def _split_offset(text: str) -> tuple[str, timezone | None]:
    """Split a trailing "GMT+2", "UTC+01:00", "MEZ", "CEST" ... (as in Google Forms exports) off a time."""
    match = OFFSET_SUFFIX.search(text)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
        return text[: match.start()].strip(), timezone(sign * delta)
    head, _, suffix = text.rpartition(" ")
    if head and suffix.upper() in ZONE_SUFFIX:
        return head.strip(), timezone(timedelta(hours=ZONE_SUFFIX[suffix.upper()]))
    return text, None
