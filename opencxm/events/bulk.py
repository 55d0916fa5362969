"""Fast portable writes: INSERT/UPDATE through the DB-API's executemany (SQLite and PostgreSQL alike).

Django's bulk_create/bulk_update build one large expression tree per batch, which dominates an import of
many thousand events; plain parameterised statements are several times faster and identical in effect.
"""

import json
from datetime import datetime

from django.db import connection

BATCH = 5000


def stamper():
    """A function adapting aware datetimes for the current connection, as `adapt_datetimefield_value` does but
    without its per-call lookups: SQLite takes the naive time in the connection's zone as text (Django's
    format, `str()`), PostgreSQL takes the aware datetime itself. Naive values go through Django unchanged."""
    if connection.vendor != "sqlite":
        return connection.ops.adapt_datetimefield_value
    zone, slow = connection.timezone, connection.ops.adapt_datetimefield_value

    def stamp(value):
        if value is None or value.tzinfo is None:
            return slow(value)
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


def insert(model, fields: list[str], rows: list[tuple], *, skip_conflicts_on: str | None = None, adapted=False) -> None:
    """INSERT the rows (tuples in `fields` order); with `skip_conflicts_on`, rows clashing on that unique
    column are skipped (ON CONFLICT DO NOTHING: SQLite >= 3.24 and PostgreSQL)."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    conflict = f" ON CONFLICT ({connection.ops.quote_name(skip_conflicts_on)}) DO NOTHING" if skip_conflicts_on else ""
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}){conflict}"  # noqa: S608 - names from the model
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            cursor.executemany(sql, batch if adapted else [tuple(_value(v) for v in row) for row in batch])


def update(model, fields: list[str], rows: list[tuple], *, adapted=False) -> None:
    """UPDATE by primary key: each row is (values in `fields` order..., pk); `adapted` as for insert."""
    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(model._meta.get_field(f).column)} = %s" for f in fields)
    sql = f"UPDATE {table} SET {sets} WHERE id = %s"  # noqa: S608 - names from the model
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            cursor.executemany(sql, batch if adapted else [tuple(_value(v) for v in row) for row in batch])
