"""Step 2, map columns: which column of a file holds which field of a feedback record.

A mapping is saved as JSON on the data source and can be given as ``--mapping FILE``; see
docs/ingest-formats.md for the format. Columns are named by their keys as the layout reports them
(``Layout.columns``).
"""

import re
from dataclasses import asdict, dataclass, field

from opencxm.feedback.ingest.errors import IngestError

STANDARD_METRICS = ("nps", "csat", "ces")
REST = "*rest*"  # in ``attributes``: every column not mapped otherwise, except personal data
METRIC_KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
SINGLE_COLUMNS = ("external_id", "time", "customer_ref", "touchpoint", "channel", "segment", "comment", "language")
TEXT_SETTINGS = ("fixed_touchpoint", "time_zone", "time_format")


@dataclass
class ColumnMapping:
    """Which column holds which field; ``None`` means the file has no such column."""

    external_id: str | None = None
    time: str | None = None
    customer_ref: str | None = None
    touchpoint: str | None = None
    fixed_touchpoint: str | None = None  # touchpoint code used for every row when there is no touchpoint column
    channel: str | None = None
    segment: str | None = None
    scores: dict[str, str] = field(default_factory=dict)  # metric key ("nps", "csat", "ces", custom) -> column
    comment: str | None = None
    language: str | None = None
    attributes: list[str] = field(default_factory=list)  # columns kept as JSON attributes; may contain "*rest*"
    time_zone: str | None = None  # for times without offset; None: the layout's zone, else Europe/Berlin
    time_format: str | None = None  # strptime format tried first, e.g. "%d.%m.%Y %H:%M"

    def to_dict(self) -> dict:
        """JSON-serialisable form (stable key order)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ColumnMapping":
        """Read a mapping from JSON data, refusing unknown keys and wrong types with an :class:`IngestError`."""
        if not isinstance(data, dict):
            raise _mapping_error("The mapping must be a JSON object.")
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise _mapping_error("Unknown key in the mapping: %(key)s.", key=unknown[0])
        for key in (*SINGLE_COLUMNS, *TEXT_SETTINGS):
            _check_text(key, data.get(key))
        scores = _checked_scores(data.get("scores") or {})
        attributes = _checked_attributes(data.get("attributes") or [])
        values = {key: data.get(key) for key in (*SINGLE_COLUMNS, *TEXT_SETTINGS)}
        return cls(**values, scores=scores, attributes=attributes)

    def mapped_columns(self) -> set[str]:
        """Every column this mapping reads as a field (not as an attribute)."""
        columns = {getattr(self, key) for key in SINGLE_COLUMNS} | set(self.scores.values())
        return {column for column in columns if column}

    def check_columns(self, columns: list[str]) -> None:
        """Raise an :class:`IngestError` when the mapping names a column the file lacks or has no time."""
        present = set(columns)
        named = self.mapped_columns() | {column for column in self.attributes if column != REST}
        missing = sorted(named - present)
        if missing:
            raise IngestError(
                "mapping_column", "The mapping names the column '%(column)s', which the file does not have.",
                column=missing[0],
            )  # fmt: skip
        if not self.time:
            raise IngestError("mapping_time", "The mapping does not say which column holds the response time.")


def _mapping_error(template: str, **params: object) -> IngestError:
    return IngestError("mapping", template, **params)


def _check_text(key: str, value: object) -> None:
    if value is not None and not (isinstance(value, str) and value):
        raise _mapping_error("The mapping value for '%(key)s' must be a column name or null.", key=key)


def _checked_scores(scores: object) -> dict[str, str]:
    if not isinstance(scores, dict):
        raise _mapping_error("The mapping value for '%(key)s' must be a JSON object.", key="scores")
    for metric, column in scores.items():
        if not METRIC_KEY.match(str(metric)):
            raise _mapping_error(
                "'%(metric)s' is not a valid metric key (lower-case letters, digits and _).", metric=metric
            )
        _check_text("scores", column)
    return dict(scores)


def _checked_attributes(attributes: object) -> list[str]:
    if not isinstance(attributes, list) or not all(isinstance(item, str) and item for item in attributes):
        raise _mapping_error("The mapping value for '%(key)s' must be a list of column names.", key="attributes")
    return list(attributes)
