"""Errors of the ingestion chain.

Messages are plain English templates with ``%(name)s`` placeholders and a stable ``code``, so the Django
layer can translate them (``gettext(error.template) % error.params``) without this package importing Django.
"""

from dataclasses import dataclass, field

VALUE_PREVIEW = 60


def preview(value: object) -> str:
    """The value as a short single-line string for messages."""
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= VALUE_PREVIEW else text[: VALUE_PREVIEW - 1] + "…"


class IngestError(Exception):
    """The file as a whole cannot be read: not a table, empty, too large, unknown layout, bad mapping."""

    def __init__(self, code: str, template: str, **params: object) -> None:
        self.code = code
        self.template = template
        self.params = params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return self.template % self.params


@dataclass(frozen=True)
class RowError:
    """One rejected row: which row, which column, which value and what was expected instead.

    ``template``/``params`` allow translation; ``message`` is the English text, e.g.
    "Row 7, column 'NPS': '11' is not a whole number from 0 to 10".
    """

    row: int
    column: str
    value: str
    expected: str
    code: str = "invalid"
    expected_params: dict = field(default_factory=dict)

    template = "Row %(row)s, column '%(column)s': '%(value)s' is not %(expected)s"

    @property
    def expected_text(self) -> str:
        return self.expected % self.expected_params

    @property
    def message(self) -> str:
        return self.template % {
            "row": self.row,
            "column": self.column,
            "value": preview(self.value),
            "expected": self.expected_text,
        }

    def to_dict(self) -> dict:
        """JSON-serialisable form, e.g. for ``ImportJob.errors``."""
        return {
            "row": self.row,
            "column": self.column,
            "value": preview(self.value),
            "code": self.code,
            "expected": self.expected_text,
            "message": self.message,
        }

    def __str__(self) -> str:
        return self.message
