"""Step durations per log, variant and directly-follows pair (`VariantDurations`): the seconds of every step of
the log's cases of that variant, as one sorted float64 array per row.

Discovery filters that select whole variants (cases containing an activity; a handover through the variants'
steps; with or without a log) read these rows for the selected variants instead of grouping the selected
cases' transitions, and get exact median and p90 (selectors._discover_variants). A row is used only when its
count matches the variant's cases in the log (read in the same request), so rows that fell behind (cases
created or deleted outside services.cases_refresh) are never read; the next write of the variant rebuilds them.

Kept on every write (`apply`, from services._store_cases, in the write's transaction): the steps of the cases
the write recomputes are removed from their old variant's rows (`old_steps`, read before their transitions are
rewritten) and added to the new variant's rows. Writers of the same log are serialised by a lock on the log row
(services.cases_refresh), so two writers never read-modify-write the same row at once. `rebuild` fills the
rows from the transitions (migration 0010, the scale benchmark, and a row found out of step).
"""

from array import array
from collections import defaultdict
from collections.abc import Iterable

import numpy as np
from django.db import connection

from opencxm.events import aggregates, bulk, selectors
from opencxm.events.bulk import table_name as _table

DTYPE = np.dtype("<f8")
READ_CAP = 8_000_000  # at most this many step durations are read for one request (64 MB): beyond, the caller
# takes the general path (its sample bounds the memory)
REBUILD_CASES = 100_000  # cases per statement when rows are rebuilt from the transitions


def _models(apps):
    return aggregates.event_models(apps, ("Case", "Transition", "VariantDurations"))


def _decode(blob) -> np.ndarray:
    return np.frombuffer(blob, dtype=DTYPE)


def _encode(values: np.ndarray) -> bytes:
    return values.astype(DTYPE, copy=False).tobytes()


def old_steps(case_ids: Iterable[int]) -> list[tuple]:
    """(log, variant, from, to, seconds) of the current transitions of these cases (those with a variant): what
    `apply` removes when the cases are recomputed. Read before their transitions and variant are rewritten."""
    case_model, transition_model, _durations = _models(None)
    sql = _steps_select(case_model, transition_model) + " AND t.case_id"
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for statement, params in bulk.where_in(sql, sorted(set(case_ids))):
            cursor.execute(statement, params)
            rows.extend(cursor.fetchall())
    return rows


def _steps_select(case_model, transition_model) -> str:
    """SELECT (log, variant, from, to, seconds) of the steps of cases with a variant (restricted by appending
    `AND ...`)."""
    return (
        f"SELECT c.log_id, c.variant_id, t.from_activity_id, t.to_activity_id, t.seconds "  # noqa: S608
        f"FROM {_table(transition_model)} t JOIN {_table(case_model)} c ON c.id = t.case_id "
        "WHERE c.variant_id IS NOT NULL"
    )


def _expected(counts: dict[tuple[int, int], int], paths: dict[int, list]) -> dict[tuple, int]:
    """(log, variant, from, to) -> how many values its row must hold: the variant's cases in the log times how
    often its path takes the step."""
    expected: dict[tuple, int] = defaultdict(int)
    for (log, variant), n in counts.items():
        path = paths[variant]
        for a, b in zip(path, path[1:], strict=False):
            expected[(log, variant, a, b)] += n
    return expected


def apply(removed: Iterable[tuple], added: Iterable[tuple]) -> None:
    """Change the rows by these steps, each (log, variant, from, to, seconds): `removed` leave their rows,
    `added` join theirs. Steps removed and added again unchanged (a case recomputed without change) cancel out.
    A row whose values do not contain what is removed (it fell behind) is rebuilt with its whole variant."""
    delta: dict[tuple, tuple[list, list]] = defaultdict(lambda: ([], []))
    for log, variant, a, b, seconds in removed:
        delta[(log, variant, a, b)][0].append(seconds)
    for log, variant, a, b, seconds in added:
        delta[(log, variant, a, b)][1].append(seconds)
    changed = {key: (gone, new) for key, (gone, new) in delta.items() if sorted(gone) != sorted(new)}
    if not changed:
        return
    touched = {(log, variant) for log, variant, _a, _b in changed}
    _case, _transition, model = _models(None)
    existing = _rows(touched)
    inserts, updates, deletes = [], [], []
    stale: set[tuple[int, int]] = set()
    for key, (gone, new) in changed.items():
        row_id, values = existing.get(key, (None, np.empty(0, DTYPE)))
        kept = _without(values, gone)
        if kept is None:
            stale.add(key[:2])
            continue
        values = np.sort(np.concatenate([kept, np.asarray(new, DTYPE)])) if new else kept
        if row_id is None:
            if len(values):
                inserts.append((*key, len(values), _encode(values)))
        elif len(values):
            updates.append((len(values), _encode(values), row_id))
        else:
            deletes.append(row_id)
    with connection.cursor() as cursor:
        for statement, params in bulk.where_in(f"DELETE FROM {_table(model)} WHERE id", deletes):  # noqa: S608
            cursor.execute(statement, params)
    bulk.update(model, ["count", "seconds"], updates, adapted=True)
    fields = ["log", "variant", "from_activity", "to_activity", "count", "seconds"]
    bulk.insert(model, fields, inserts, adapted=True)
    stale |= _behind(touched - stale)
    if stale:
        rebuild(stale)


def _behind(log_variants: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Those of these (log, variant) pairs whose rows do not hold one value per step of the variant's cases in
    the log (cases created or deleted outside services.cases_refresh)."""
    case_model, _transition, model = _models(None)
    variants = sorted({variant for _log, variant in log_variants})
    cases_sql = f"SELECT log_id, variant_id, COUNT(*) FROM {_table(case_model)} WHERE variant_id"  # noqa: S608
    rows_sql = f"SELECT log_id, variant_id, from_activity, to_activity, count FROM {_table(model)} WHERE variant_id"  # noqa: S608
    counts, found = {}, {}
    with connection.cursor() as cursor:
        for statement, params in bulk.where_in(cases_sql, variants, after=" GROUP BY log_id, variant_id"):
            cursor.execute(statement, params)
            counts.update(
                ((log, variant), n) for log, variant, n in cursor.fetchall() if (log, variant) in log_variants
            )
        for statement, params in bulk.where_in(rows_sql, variants):
            cursor.execute(statement, params)
            found.update(((log, variant, a, b), n) for log, variant, a, b, n in cursor.fetchall())
    expected = _expected(counts, selectors.variant_paths(variants))
    actual = {key: n for key, n in found.items() if key[:2] in log_variants}
    return {key[:2] for key in set(expected) | set(actual) if expected.get(key) != actual.get(key)}


def _rows(log_variants: set[tuple[int, int]]) -> dict[tuple, tuple[int, np.ndarray]]:
    """The current rows of these (log, variant) pairs: (log, variant, from, to) -> (id, values)."""
    _case, _transition, model = _models(None)
    wanted = set(log_variants)
    sql = f"SELECT id, log_id, variant_id, from_activity, to_activity, seconds FROM {_table(model)} WHERE variant_id"  # noqa: S608
    found = {}
    with connection.cursor() as cursor:
        for statement, params in bulk.where_in(sql, sorted({variant for _log, variant in wanted})):
            cursor.execute(statement, params)
            for row_id, log, variant, a, b, blob in cursor.fetchall():
                if (log, variant) in wanted:
                    found[(log, variant, a, b)] = (row_id, _decode(blob))
    return found


def _without(values: np.ndarray, gone: list[float]) -> np.ndarray | None:
    """The sorted `values` less one occurrence of each of `gone`; None when they are not all there."""
    if not gone:
        return values
    unique, times = np.unique(np.asarray(gone, DTYPE), return_counts=True)
    starts = np.searchsorted(values, unique, side="left")
    keep = np.ones(len(values), dtype=bool)
    for start, k, value in zip(starts.tolist(), times.tolist(), unique.tolist(), strict=True):
        if start + k > len(values) or values[start + k - 1] != value:
            return None
        keep[start : start + k] = False
    return values[keep]


def rebuild(log_variants: Iterable[tuple[int, int]] | None = None, *, apps=None) -> None:
    """Rewrite the rows of these (log, variant) pairs (None: of all logs) from the cases' transitions. Streams
    the transitions by ranges of case ids; keeps one array of float64 per row being built (8 bytes per step)."""
    case_model, transition_model, model = _models(apps)
    pairs = None if log_variants is None else sorted(set(log_variants))
    durations, cases = _table(model), _table(case_model)
    with connection.cursor() as cursor:
        if pairs is None:
            cursor.execute(f"DELETE FROM {durations}")  # noqa: S608
        else:
            for log, variant in pairs:
                cursor.execute(f"DELETE FROM {durations} WHERE variant_id = %s AND log_id = %s", [variant, log])  # noqa: S608
        select = _steps_select(case_model, transition_model) + " "
        collected: dict[tuple, array] = defaultdict(lambda: array("d"))
        if pairs is None:
            cursor.execute(f"SELECT MIN(id), MAX(id) FROM {cases}")  # noqa: S608
            low, high = cursor.fetchone()
            for start in range(low or 0, (high or -1) + 1, REBUILD_CASES):
                cursor.execute(select + "AND c.id >= %s AND c.id < %s", [start, start + REBUILD_CASES])
                for log, variant, a, b, seconds in cursor.fetchall():
                    collected[(log, variant, a, b)].append(seconds)
        else:
            for log, variant in pairs:
                cursor.execute(select + "AND c.variant_id = %s AND c.log_id = %s", [variant, log])
                for log_id, variant_id, a, b, seconds in cursor.fetchall():
                    collected[(log_id, variant_id, a, b)].append(seconds)
    rows = []
    for key in sorted(collected):
        values = np.sort(np.frombuffer(collected.pop(key), dtype=np.float64))
        rows.append((*key, len(values), _encode(values)))
    bulk.insert(model, ["log", "variant", "from_activity", "to_activity", "count", "seconds"], rows, adapted=True)


def read(counts: dict[tuple[int, int], int], paths: dict[int, list]) -> dict[tuple, np.ndarray] | None:
    """The durations of every step of the cases of these (log, variant) pairs, `counts` their cases: per
    (from, to) one array (unsorted across rows). None when a row is missing or does not match the counts (the
    rows fell behind) or when more than READ_CAP values would be read: the caller then takes the general path."""
    expected = _expected(counts, paths)
    if sum(expected.values()) > READ_CAP:
        return None
    if not expected:
        return {}
    _case, _transition, model = _models(None)
    sql = f"SELECT log_id, variant_id, from_activity, to_activity, count, seconds FROM {_table(model)} WHERE variant_id"  # noqa: S608
    parts: dict[tuple, list] = defaultdict(list)
    seen = 0
    with connection.cursor() as cursor:
        for statement, params in bulk.where_in(sql, sorted({variant for _log, variant in counts})):
            cursor.execute(statement, params)
            for log, variant, a, b, count, blob in cursor.fetchall():
                key = (log, variant, a, b)
                if key not in expected:
                    continue
                if expected[key] != count:
                    return None
                seen += 1
                parts[(a, b)].append(blob)
    if seen != len(expected):
        return None
    return {pair: _decode(b"".join(blobs)) for pair, blobs in parts.items()}  # one array per step
