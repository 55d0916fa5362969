"""Fast portable writes: INSERT/UPDATE through the DB-API's executemany (SQLite and PostgreSQL alike).

Django's bulk_create/bulk_update build one large expression tree per batch, which dominates an import of
many thousand events; plain parameterised statements are several times faster and identical in effect.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime

from django.db import connection

BATCH = 5000
COPY_FROM = 20  # PostgreSQL: this many rows or more go through COPY (faster than executemany from a few dozen on)
SELECT_CHUNK = 900  # SQLite: values per IN list in select_in


def table_name(model) -> str:
    """The model's table name, quoted for the current connection."""
    return connection.ops.quote_name(model._meta.db_table)


def stamper():
    """A function adapting aware datetimes for the current connection, as `adapt_datetimefield_value` does but
    without its per-call lookups: SQLite takes the naive time in the connection's zone as text (Django's
    format, `str()`), PostgreSQL takes the aware datetime itself. Naive values go through Django unchanged."""
    if connection.vendor != "sqlite":
        return connection.ops.adapt_datetimefield_value
    zone, slow = connection.timezone, connection.ops.adapt_datetimefield_value
    utc = zone is UTC

    def stamp(value):
        if value is None or value.tzinfo is None:
            return slow(value)
        if utc and value.tzinfo is UTC:  # already in the connection's zone: str() of the naive time, no copy
            return value.isoformat(" ")[:-6]
        return str(value.astimezone(zone).replace(tzinfo=None))

    return stamp


def _value(value):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def adapt(value):
    """A Python value as the database driver takes it (aware datetimes, JSON)."""
    return _value(value)


def select_in(model, fields: list[str], column: str, values: list, **equal) -> list[tuple]:
    """`fields` of the rows whose `column` is one of `values` (and each `equal` field has its value), without the
    ORM's work per value (see `where_in`). Raw values as the driver returns them (meant for keys and ids)."""
    quote, meta = connection.ops.quote_name, model._meta
    table = table_name(model)
    listed = ", ".join(quote(meta.get_field(f).column) for f in fields)
    where = quote(meta.get_field(column).column)
    extra = "".join(f" AND {quote(meta.get_field(f).column)} = %s" for f in equal)
    select = f"SELECT {listed} FROM {table} WHERE {where}"  # noqa: S608 - names from the model
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for statement, params in where_in(select, values, after=extra, params=list(equal.values())):
            cursor.execute(statement, params)
            rows.extend(cursor.fetchall())
    return rows


def where_in(sql: str, values, *, after: str = "", params: list | tuple = ()) -> Iterator[tuple[str, list]]:
    """The statements (with their parameters) that restrict `sql`, which ends with a column, to `values`:
    PostgreSQL one `= ANY(...)` with the values as one array literal (one parameter, not one per value),
    SQLite chunks of SELECT_CHUNK placeholders. `after` (and its `params`) follows the condition. No values:
    no statement."""
    values = list(values)
    if not values:
        return
    if connection.vendor == "postgresql":
        array, cast = _array_literal(values)
        yield f"{sql} = ANY(%s::{cast}){after}", [array, *params]
        return
    for start in range(0, len(values), SELECT_CHUNK):
        chunk = values[start : start + SELECT_CHUNK]
        yield f"{sql} IN ({', '.join(['%s'] * len(chunk))}){after}", [*chunk, *params]


def _array_literal(values) -> tuple[str, str]:
    """A PostgreSQL array literal of ints or strings (quoted, backslash and quote escaped) and its type: one
    string for the driver instead of a list it adapts value by value."""
    values = list(values)
    if all(type(value) is int for value in values):
        return "{" + ",".join(map(str, values)) + "}", "bigint[]"
    quoted = ('"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return "{" + ",".join(quoted) + "}", "text[]"


def reserve_ids(model, count: int) -> list[int]:
    """PostgreSQL: `count` new ids from the model's id sequence, for rows inserted later in the transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table_name(model), count]
        )
        return [row[0] for row in cursor.fetchall()]


def insert(model, fields: list[str], rows: list[tuple], *, skip_conflicts_on: str | None = None, adapted=False) -> int:
    """INSERT the rows (tuples in `fields` order); with `skip_conflicts_on`, rows clashing on that unique
    column are skipped (ON CONFLICT DO NOTHING: SQLite >= 3.24 and PostgreSQL). Returns how many were inserted
    (the drivers' row counts: executemany sums them on both engines)."""
    table = table_name(model)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    conflict = f" ON CONFLICT ({connection.ops.quote_name(skip_conflicts_on)}) DO NOTHING" if skip_conflicts_on else ""
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}){conflict}"  # noqa: S608 - names from the model
    if connection.vendor == "postgresql" and len(rows) >= COPY_FROM:
        return _copy(table, columns, rows if adapted else [tuple(_value(v) for v in row) for row in rows], conflict)
    inserted = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            cursor.executemany(sql, batch if adapted else [tuple(_value(v) for v in row) for row in batch])
            inserted += max(cursor.rowcount, 0)
    return inserted


def _copy(table: str, columns: str, rows: list[tuple], conflict: str) -> int:
    """PostgreSQL: the rows through COPY (one stream instead of a statement per row). With a conflict clause
    they go into a temporary table first and from there through INSERT ... ON CONFLICT DO NOTHING, in the
    given order (ids keep the arrival order, which orders equal times)."""
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        if not conflict:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return len(rows)
        temp = f"CREATE TEMP TABLE opencxm_bulk ON COMMIT DROP AS SELECT {columns}, 0 AS bulk_ordinal FROM {table}"  # noqa: S608
        cursor.execute(temp + " WITH NO DATA")
        try:
            with cursor.copy(f"COPY opencxm_bulk ({columns}, bulk_ordinal) FROM STDIN") as copy:
                for ordinal, row in enumerate(rows):
                    copy.write_row((*row, ordinal))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM opencxm_bulk ORDER BY bulk_ordinal{conflict}"  # noqa: S608
            )
            return cursor.rowcount
        finally:
            cursor.execute("DROP TABLE IF EXISTS opencxm_bulk")


def _copy_update(table: str, columns: list[str], rows: list[tuple], adapted: bool) -> None:
    """PostgreSQL: the new values through COPY into a temporary table, then one UPDATE ... FROM it."""
    listed = ", ".join(columns)
    sets = ", ".join(f"{column} = opencxm_bulk_update.{column}" for column in columns)
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        temp = f"CREATE TEMP TABLE opencxm_bulk_update ON COMMIT DROP AS SELECT {listed}, id FROM {table}"  # noqa: S608
        cursor.execute(temp + " WITH NO DATA")
        try:
            with cursor.copy(f"COPY opencxm_bulk_update ({listed}, id) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row if adapted else tuple(_value(v) for v in row))
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM opencxm_bulk_update WHERE {table}.id = opencxm_bulk_update.id"  # noqa: S608
            )
        finally:
            cursor.execute("DROP TABLE IF EXISTS opencxm_bulk_update")


VALUES_FROM = 100  # SQLite: this many rows or more go through one UPDATE ... FROM (VALUES ...) per chunk
SQLITE_VARIABLES = 30_000  # below SQLite's default limit of 32,766 parameters per statement


def _values_update(table: str, columns: list[str], rows: list[tuple]) -> None:
    """SQLite: the rows as VALUES joined to the table by id, one statement per chunk (several times faster
    than a statement per row)."""
    width = len(columns) + 1
    sets = ", ".join(f"{column} = v.column{i + 1}" for i, column in enumerate(columns))
    per_statement = SQLITE_VARIABLES // width
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(batch))
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS v WHERE {table}.id = v.column{width}",  # noqa: S608
                [value for row in batch for value in row],
            )


def update(model, fields: list[str], rows: list[tuple], *, adapted=False) -> None:
    """UPDATE by primary key: each row is (values in `fields` order..., pk); `adapted` as for insert."""
    table = table_name(model)
    sets = ", ".join(f"{connection.ops.quote_name(model._meta.get_field(f).column)} = %s" for f in fields)
    sql = f"UPDATE {table} SET {sets} WHERE id = %s"  # noqa: S608 - names from the model
    if connection.vendor == "postgresql" and len(rows) >= COPY_FROM:
        _copy_update(table, [connection.ops.quote_name(model._meta.get_field(f).column) for f in fields], rows, adapted)
        return
    if connection.vendor == "sqlite" and len(rows) >= VALUES_FROM:
        columns = [connection.ops.quote_name(model._meta.get_field(f).column) for f in fields]
        _values_update(table, columns, rows if adapted else [tuple(_value(v) for v in row) for row in rows])
        return
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            cursor.executemany(sql, batch if adapted else [tuple(_value(v) for v in row) for row in batch])
