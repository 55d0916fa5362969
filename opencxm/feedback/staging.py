"""The bulk write path of file imports: a temporary staging table between validation and the feedback table.

The import validates the file once and puts every row into a TEMP table of its database connection: PostgreSQL
fills it with `COPY ... FROM STDIN`, SQLite with `executemany` of plain tuples. Rejected rows are staged too
(with `ok` false and only their id), so that the database finds repeated ids (`duplicates`) in constant Python
memory, whatever the size of the file. The write step then moves one batch of rows at a time into
`feedback_feedback` with a single `INSERT ... SELECT ... ON CONFLICT (source, external id) DO UPDATE ... WHERE
<something changed>` (customers first, with `INSERT ... ON CONFLICT DO NOTHING`): no model instances, no row
handled in Python twice. The table lives as long as the import (dropped at its end) and is invisible to
other connections; nothing in it is ever committed to a real table unless the write step copies it.
"""

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from opencxm.analytics.rollups import local_day
from opencxm.feedback.models import Customer, DataSource, Feedback

# Staged values, in this order. `ok` is false for rejected rows, which carry only `row` and `external_id`.
STAGE_COLUMNS = (
    "file_row", "ok", "external_id", "responded_at", "pseudonym", "touchpoint_id", "channel_id", "segment_id",
    "nps", "csat", "ces", "scores", "comment", "language", "attributes",
)  # fmt: skip
# Columns of the feedback table compared to tell "updated" from "unchanged" (same as services.COMPARED_FIELDS)
# and the staged expression each one is compared with.
COMPARED = (
    ("kind", "%(kind)s"), ("responded_at", "s.responded_at"), ("customer_id", "c.id"),
    ("touchpoint_id", "s.touchpoint_id"), ("channel_id", "s.channel_id"), ("segment_id", "s.segment_id"),
    ("nps", "s.nps"), ("csat", "s.csat"), ("ces", "s.ces"), ("scores", "s.scores"), ("comment", "s.comment"),
    ("language", "s.language"), ("attributes", "s.attributes"),
)  # fmt: skip
KEPT_ON_CONFLICT = {"public_id", "created_at", "source_id", "external_id"}


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def utc_text(moment: datetime) -> str:
    """A datetime as Django stores it in SQLite: naive UTC text."""
    return str(moment.astimezone(UTC).replace(tzinfo=None))


def sqlite_public_id() -> str:
    """A UUID4 as Django stores a UUIDField in SQLite (32 hex digits)."""
    return uuid.uuid4().hex


class ImportStage:
    """The staging table of one import run. Use as a context manager: the table is dropped on exit."""

    def __init__(self, source: DataSource, *, kind: str):
        self.source = source
        self.kind = kind
        self.name = f"feedback_stage_{uuid.uuid4().hex[:12]}"
        self.postgresql = _postgresql()

    # --- lifecycle -------------------------------------------------------------------------------------------

    def __enter__(self) -> "ImportStage":
        if self.postgresql:
            json_type, ok_type, moment_type, extra = "text", "boolean", "timestamptz", ""
        else:
            json_type, ok_type, moment_type, extra = "text", "integer", "text", ", public_id char(32)"
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE {self.name} ("
                f"file_row integer PRIMARY KEY, ok {ok_type} NOT NULL, external_id varchar(120), "
                f"responded_at {moment_type}, pseudonym varchar(64), touchpoint_id integer, channel_id integer, "
                f"segment_id integer, nps smallint, csat smallint, ces smallint, scores {json_type}, comment text, "
                f"language varchar(8), attributes {json_type}{extra})"
            )
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
        except Exception:  # noqa: BLE001, S110 - a broken transaction: the temp table goes with the session
            pass

    # --- filling ---------------------------------------------------------------------------------------------

    def add(self, rows: list[tuple]) -> None:
        """Stage rows (tuples in STAGE_COLUMNS order; `responded_at` an aware datetime or None)."""
        if not rows:
            return
        with connection.cursor() as cursor:
            if self.postgresql:
                sql = f"COPY {self.name} ({', '.join(STAGE_COLUMNS)}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    write = copy.write_row
                    for row in rows:
                        write(row)
                return
            columns = (*STAGE_COLUMNS, "public_id")
            params = [
                (*row[:3], utc_text(row[3]), *row[4:], sqlite_public_id())
                if row[1]
                else (row[0], 0, row[2], *([None] * (len(STAGE_COLUMNS) - 3)), None)
                for row in rows
            ]
            cursor.cursor.executemany(
                f"INSERT INTO {self.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",  # noqa: S608
                params,
            )

    # --- repeated ids ----------------------------------------------------------------------------------------

    def _repeats_sql(self) -> str:
        return (
            f"(SELECT file_row, ok, external_id, min(file_row) OVER (PARTITION BY external_id) AS first "  # noqa: S608
            f"FROM {self.name} WHERE external_id IS NOT NULL) repeats WHERE file_row <> first"
        )

    def duplicates(self, limit: int) -> tuple[int, int, list[tuple[int, str, int]]]:
        """Rows whose id an earlier row already had: (how many, how many of them were valid so far, the first
        `limit` as (row, external id, first row)). Those rows are marked rejected."""
        repeats = self._repeats_sql()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*), sum(CASE WHEN ok THEN 1 ELSE 0 END) FROM {repeats}")  # noqa: S608
            total, valid = cursor.fetchone()
            if not total:
                return 0, 0, []
            cursor.execute(f"SELECT file_row, external_id, first FROM {repeats} ORDER BY file_row LIMIT %s", [limit])  # noqa: S608
            first_rows = [tuple(item) for item in cursor.fetchall()]
            cursor.execute(f"UPDATE {self.name} SET ok = false WHERE file_row IN (SELECT file_row FROM {repeats})")  # noqa: S608
        return total, valid or 0, first_rows

    # --- writing ---------------------------------------------------------------------------------------------

    def _distinct(self, left: str, right: str) -> str:
        return f"{left} IS DISTINCT FROM {right}" if self.postgresql else f"{left} IS NOT {right}"

    def _json(self, expression: str) -> str:
        return f"{expression}::jsonb" if self.postgresql else expression

    def _compared(self, table: str) -> list[tuple[str, str]]:
        """(feedback column, staged expression) pairs, JSON cast where needed."""
        pairs = []
        for column, expression in COMPARED:
            expression = expression % {"kind": "%s"}
            if column in ("scores", "attributes"):
                expression = self._json(expression)
            pairs.append((f"{table}.{column}", expression))
        return pairs

    def _batch_where(self) -> str:
        return "s.ok AND s.file_row > %s AND s.file_row <= %s"

    def counts(self, after_row: int, until_row: int) -> tuple[int, int, int]:
        """(rows in the batch, rows already stored, stored rows that would change)."""
        if self.source.pk is None:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM {self.name} s WHERE {self._batch_where()}",  # noqa: S608
                               [after_row, until_row])  # fmt: skip
                return cursor.fetchone()[0], 0, 0
        compared = self._compared("f")
        changed = " OR ".join(self._distinct(left, right) for left, right in compared)
        sql = (
            f"SELECT count(*), count(f.id), sum(CASE WHEN f.id IS NOT NULL AND ({changed}) THEN 1 ELSE 0 END) "  # noqa: S608
            f"FROM {self.name} s LEFT JOIN {Customer._meta.db_table} c ON c.pseudonym = s.pseudonym "
            f"LEFT JOIN {Feedback._meta.db_table} f ON f.source_id = %s AND f.external_id = s.external_id "
            f"WHERE {self._batch_where()}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.kind, self.source.pk, after_row, until_row])
            total, stored, changing = cursor.fetchone()
        return total, stored, changing or 0

    def moved_from(self, after_row: int, until_row: int) -> set[date]:
        """Local days of stored rows of the batch whose time changes (their old day's rollups change too)."""
        sql = (
            f"SELECT DISTINCT f.responded_at FROM {self.name} s JOIN {Feedback._meta.db_table} f "  # noqa: S608
            f"ON f.source_id = %s AND f.external_id = s.external_id "
            f"WHERE {self._batch_where()} AND f.responded_at <> s.responded_at"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.source.pk, after_row, until_row])
            return {local_day(_aware(value)) for (value,) in cursor.fetchall()}

    def customers_create(self, after_row: int, until_row: int) -> None:
        """Create the customers (pseudonyms) of the batch that do not exist yet; the language is that of the
        customer's first row in the batch."""
        sql = (
            f"SELECT s.pseudonym, s.language FROM {self.name} s WHERE {self._batch_where()} "  # noqa: S608
            f"AND s.pseudonym IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {Customer._meta.db_table} c WHERE c.pseudonym = s.pseudonym) ORDER BY s.file_row"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [after_row, until_row])
            wanted: dict[str, str] = {}
            for pseudonym, language in cursor.fetchall():
                wanted.setdefault(pseudonym, language or "")
        if wanted:
            missing = [Customer(pseudonym=p, language=lang) for p, lang in sorted(wanted.items())]
            Customer.objects.bulk_create(missing, ignore_conflicts=True)  # a concurrent writer may have made some

    def size(self, after_row: int, until_row: int) -> int:
        """The number of valid staged rows in the batch."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {self.name} s WHERE {self._batch_where()}",  # noqa: S608
                           [after_row, until_row])  # fmt: skip
            return cursor.fetchone()[0]

    def upsert(self, after_row: int, until_row: int, *, job_id: int | None) -> tuple[list[int], int]:
        """Insert new and update changed rows of the batch (in external-id order, so concurrent writers take
        row locks in the same order); unchanged rows are not written. Returns the ids of the written rows and
        how many of them were inserted (an inserted row has the `created_at` of this statement)."""
        qn = connection.ops.quote_name
        table = qn(Feedback._meta.db_table)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        public_id = "gen_random_uuid()" if self.postgresql else "s.public_id"
        selected = {
            "public_id": (public_id, []),
            "created_at": ("%s", [now]),
            "updated_at": ("%s", [now]),
            "source_id": ("%s", [self.source.pk]),
            "external_id": ("s.external_id", []),
            "kind": ("%s", [self.kind]),
            "responded_at": ("s.responded_at", []),
            "customer_id": ("c.id", []),
            "touchpoint_id": ("s.touchpoint_id", []),
            "channel_id": ("s.channel_id", []),
            "segment_id": ("s.segment_id", []),
            "nps": ("s.nps", []),
            "csat": ("s.csat", []),
            "ces": ("s.ces", []),
            "scores": (self._json("s.scores"), []),
            "comment": ("s.comment", []),
            "language": ("s.language", []),
            "attributes": (self._json("s.attributes"), []),
            "import_job_id": ("%s", [job_id]),
        }
        params = [value for _expression, values in selected.values() for value in values]
        updates = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in selected if c not in KEPT_ON_CONFLICT)
        changed = " OR ".join(
            self._distinct(f"{table}.{qn(column)}", f"excluded.{qn(column)}") for column, _expression in COMPARED
        )
        sql = (
            f"INSERT INTO {table} ({', '.join(qn(c) for c in selected)}) "  # noqa: S608
            f"SELECT {', '.join(expression for expression, _values in selected.values())} "
            f"FROM {self.name} s LEFT JOIN {qn(Customer._meta.db_table)} c ON c.pseudonym = s.pseudonym "
            f"WHERE {self._batch_where()} ORDER BY s.external_id "
            f"ON CONFLICT ({qn('source_id')}, {qn('external_id')}) DO UPDATE SET {updates} WHERE {changed} "
            f"RETURNING {qn('id')}, CASE WHEN {qn('created_at')} = %s THEN 1 ELSE 0 END"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, after_row, until_row, now])
            written = cursor.fetchall()
        return [feedback_id for feedback_id, _new in written], sum(new for _id, new in written)

    # --- rollups ---------------------------------------------------------------------------------------------

    def days(self) -> set[date]:
        """The local days of every valid staged row (their rollups are refreshed at the end of the import)."""
        if self.postgresql:
            sql = f"SELECT DISTINCT (responded_at AT TIME ZONE %s)::date FROM {self.name} WHERE ok"  # noqa: S608
            with connection.cursor() as cursor:
                cursor.execute(sql, [settings.TIME_ZONE])
                return {day for (day,) in cursor.fetchall()}
        # SQLite has no time zones: the distinct UTC hours, each mapped to the local days of its first and
        # last instant (a superset when a zone's offset is not a whole hour; refreshing a day more is harmless)
        sql = f"SELECT DISTINCT substr(responded_at, 1, 13) FROM {self.name} WHERE ok"  # noqa: S608
        zone = ZoneInfo(settings.TIME_ZONE)
        days = set()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            for (hour,) in cursor.fetchall():
                start = datetime.fromisoformat(f"{hour}:00:00").replace(tzinfo=UTC)
                days.add(start.astimezone(zone).date())
                days.add(start.replace(minute=59, second=59, microsecond=999999).astimezone(zone).date())
        return days


def _aware(value) -> datetime:
    """A datetime read by a raw cursor: aware on PostgreSQL, UTC text (or naive) on SQLite."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value
