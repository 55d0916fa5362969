"""Per-variant steps and per-case channels: what case-level filters of discovery select cases by, so that they
never scan events or transitions (docs/journey-analytics.md "Filtered discovery at scale").

- `VariantStep`: the distinct directly-follows pairs of each variant's path (and its last activity with 0).
  Written once per new variant (`write_variant_steps`, from services._store_cases); the activity filter and
  the handover filter (when no event records a department) select variants by them.
- `CaseChannel`: the distinct channels of each case's events. Rewritten for the cases a write recomputes
  (`refresh_case_channels`, same transaction).

`fill` writes both for data that existed before (migration 0008, and the scale benchmark, which generates
cases in SQL).
"""

from collections.abc import Iterable

from django.db import connection

from opencxm.events import bulk


def _models(apps):
    names = ("Variant", "VariantStep", "Case", "CaseChannel", "Event")
    if apps is None:
        from opencxm.events import models

        return tuple(getattr(models, name) for name in names)
    return tuple(apps.get_model("events", name) for name in names)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def steps_of(path: list[int]) -> set[tuple[int, int]]:
    """The distinct (from, to) pairs of a path, with (last, 0) for its end."""
    pairs = set(zip(path, path[1:], strict=False))
    if path:
        pairs.add((path[-1], 0))
    return pairs


def write_variant_steps(paths: dict[int, list[int]], *, apps=None) -> None:
    """The steps of these variants (id -> path); rows another writer already added are skipped."""
    _variant, step_model, *_ = _models(apps)
    rows = [(variant_id, a, b) for variant_id, path in paths.items() for a, b in sorted(steps_of(path))]
    if not rows:
        return
    sql = (
        f"INSERT INTO {_table(step_model)} (variant_id, from_activity, to_activity) VALUES (%s, %s, %s) "  # noqa: S608
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), bulk.BATCH):
            cursor.executemany(sql, rows[start : start + bulk.BATCH])


def refresh_case_channels(case_ids: list[int], *, stale: Iterable[int] = (), apps=None) -> None:
    """Rewrite the channel rows of these cases from their events; `stale`: those that may have rows already."""
    *_, case_channel, event_model = _models(apps)
    stale = sorted(set(stale))
    for start in range(0, len(stale), bulk.SELECT_CHUNK):
        case_channel.objects.filter(case_id__in=stale[start : start + bulk.SELECT_CHUNK])._raw_delete(
            case_channel.objects.db
        )
    insert = (
        f"INSERT INTO {_table(case_channel)} (case_id, channel_id) SELECT DISTINCT case_id, channel_id "  # noqa: S608
        f"FROM {_table(event_model)} WHERE channel_id IS NOT NULL AND case_id"
    )
    ids = sorted(set(case_ids))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if ids:
                array, cast = bulk._array_literal(ids)
                cursor.execute(f"{insert} = ANY(%s::{cast})", [array])
            return
        for start in range(0, len(ids), bulk.SELECT_CHUNK):
            chunk = ids[start : start + bulk.SELECT_CHUNK]
            cursor.execute(f"{insert} IN ({', '.join(['%s'] * len(chunk))})", chunk)


def fill(*, apps=None) -> None:
    """Steps of every variant that has none and the channel rows of every case (existing data)."""
    variant_model, step_model, _case, case_channel, event_model = _models(apps)
    missing = (
        variant_model.objects.exclude(id__in=step_model.objects.values("variant_id"))
        .filter(length__gt=0)
        .order_by("id")
    )
    while batch := dict(missing.values_list("id", "path")[:5000]):
        write_variant_steps(batch, apps=apps)
    case_channel.objects.all()._raw_delete(case_channel.objects.db)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(case_channel)} (case_id, channel_id) SELECT DISTINCT case_id, channel_id "  # noqa: S608
            f"FROM {_table(event_model)} WHERE channel_id IS NOT NULL"
        )
        if connection.vendor == "postgresql":  # row estimates for the filters' plans right away
            cursor.execute(f"ANALYZE {_table(case_channel)}, {_table(step_model)}")
