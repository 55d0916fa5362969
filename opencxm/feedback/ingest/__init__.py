"""Feedback ingestion as a chain of pure steps (no Django, no database):

parse (:func:`open_table`) -> recognise the layout and propose a mapping (:func:`detect_layout`)
-> map columns (:class:`ColumnMapping`) -> validate (:func:`records`). The Django layer writes the
records in batches. See docs/ingest-formats.md.
"""

from opencxm.feedback.ingest.errors import IngestError, RowError
from opencxm.feedback.ingest.layouts import Layout, detect_layout, layout_names
from opencxm.feedback.ingest.mapping import REST, STANDARD_METRICS, ColumnMapping
from opencxm.feedback.ingest.reading import Table, open_table
from opencxm.feedback.ingest.validate import Record, content_id, records
from opencxm.feedback.ingest.values import DEFAULT_TIME_ZONE, SCALES

__all__ = [
    "DEFAULT_TIME_ZONE", "REST", "SCALES", "STANDARD_METRICS", "ColumnMapping", "IngestError", "Layout", "Record",
    "RowError", "Table", "content_id", "detect_layout", "layout_names", "open_table", "records",
]  # fmt: skip
