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
from django.db.models import Q

from opencxm.events import aggregates, bulk
from opencxm.events.bulk import table_name as _table


def _models(apps):
    """Variant, VariantStep, Case, CaseChannel, Event, CaseStep, Transition (CaseStep None before 0009)."""
    return aggregates.event_models(apps, ("Variant", "VariantStep", "Case", "CaseChannel", "Event", "CaseStep",
                                          "Transition"))  # fmt: skip


def _delete_cases(model, case_ids: Iterable[int]) -> None:
    """Delete the rows of `model` (a per-case table) that belong to these cases."""
    with connection.cursor() as cursor:
        for statement, params in bulk.where_in(f"DELETE FROM {_table(model)} WHERE case_id", sorted(set(case_ids))):  # noqa: S608
            cursor.execute(statement, params)


def _channels_insert(case_channel, event_model) -> str:
    """INSERT … SELECT of the distinct channels of cases' events (restricted by appending `AND case_id …`)."""
    return (
        f"INSERT INTO {_table(case_channel)} (case_id, channel_id) SELECT DISTINCT case_id, channel_id "  # noqa: S608
        f"FROM {_table(event_model)} WHERE channel_id IS NOT NULL"
    )


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
    _v, _s, _c, case_channel, event_model, _cs, _t = _models(apps)
    _delete_cases(case_channel, stale)
    insert = _channels_insert(case_channel, event_model) + " AND case_id"
    with connection.cursor() as cursor:
        for statement, params in bulk.where_in(insert, sorted(set(case_ids))):
            cursor.execute(statement, params)


def fill(*, apps=None, with_case_steps: bool = True) -> None:
    """Steps of every variant that has none, the channel rows of every case and (`with_case_steps`: not in
    migration 0008, before the table exists) the CaseStep rows of every case (existing data)."""
    variant_model, step_model, _case, case_channel, event_model, *_ = _models(apps)
    missing = (
        variant_model.objects.exclude(id__in=step_model.objects.values("variant_id"))
        .filter(length__gt=0)
        .order_by("id")
    )
    while batch := dict(missing.values_list("id", "path")[:5000]):
        write_variant_steps(batch, apps=apps)
    case_channel.objects.all()._raw_delete(case_channel.objects.db)
    with connection.cursor() as cursor:
        cursor.execute(_channels_insert(case_channel, event_model))
        if connection.vendor == "postgresql":  # row estimates for the filters' plans right away
            cursor.execute(f"ANALYZE {_table(case_channel)}, {_table(step_model)}")
    if with_case_steps:
        rebuild_case_steps(apps=apps)


def code(department_id: int | None, activity_id: int) -> int:
    """A step side as CaseStep stores it: the recorded department as -id, else the activity as +id."""
    return -department_id if department_id else activity_id


def write_case_steps(transitions: list[tuple], *, stale: Iterable[int] = ()) -> set[int]:
    """CaseStep rows from the transitions just written, (case, from, to, seconds, from department, to
    department, at) tuples: for each case with a recorded department, its distinct steps as codes. `stale`:
    cases that may have rows already (deleted first). Returns the cases that have rows now (those whose
    Case.recorded_department is set)."""
    _v, _s, _c, _cc, _e, case_step, _t = _models(None)
    _delete_cases(case_step, stale)
    steps: dict[int, set] = {}
    recorded: set[int] = set()
    for case_id, a, b, _seconds, d1, d2, *_ in transitions:
        steps.setdefault(case_id, set()).add((code(d1, a), code(d2, b)))
        if d1 or d2:
            recorded.add(case_id)
    rows = [(case_id, f, t) for case_id in sorted(recorded) for f, t in sorted(steps[case_id])]
    if rows:
        bulk.insert(case_step, ["case", "from_code", "to_code"], rows, adapted=True)
    return recorded


STEPS_SELECT = """
SELECT DISTINCT case_id,
       CASE WHEN from_department_id IS NULL THEN from_activity_id ELSE -from_department_id END,
       CASE WHEN to_department_id IS NULL THEN to_activity_id ELSE -to_department_id END
FROM {transition} WHERE case_id IN (
    SELECT case_id FROM {transition} WHERE from_department_id IS NOT NULL
    UNION SELECT case_id FROM {transition} WHERE to_department_id IS NOT NULL)
"""


def rebuild_case_steps(case_ids: list[int] | None = None, *, apps=None) -> None:
    """Rewrite the CaseStep rows of these cases (None: all) from their transitions, in the database (existing
    data, and after a department was deleted: its steps now fall back to the touchpoint owners)."""
    _v, _s, _c, _cc, _e, case_step, transition = _models(apps)
    select = STEPS_SELECT.format(transition=_table(transition))
    insert = f"INSERT INTO {_table(case_step)} (case_id, from_code, to_code) {select}"  # noqa: S608
    with connection.cursor() as cursor:
        if case_ids is None:
            case_step.objects.all()._raw_delete(case_step.objects.db)
            cursor.execute(insert)
            if connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {_table(case_step)}")
            mark_recorded(None, apps=apps)
            return
        _delete_cases(case_step, case_ids)
        for statement, params in bulk.where_in(f"{insert} AND case_id", sorted(set(case_ids))):
            cursor.execute(statement, params)
    mark_recorded(case_ids, apps=apps)


def mark_recorded(case_ids: list[int] | None, *, apps=None) -> None:
    """Case.recorded_department of these cases (None: all) from whether they have CaseStep rows now. Two
    set-based statements (a semi-join and an anti-join): a subquery in SET would be run once per case on
    PostgreSQL when the case ids do not fit its hash memory (minutes at 10,000,000 events)."""
    _v, _s, case_model, _cc, _e, case_step, _t = _models(apps)
    if "recorded_department" not in {field.name for field in case_model._meta.get_fields()}:
        return  # a migration before 0012 (which fills it)
    cases, steps = _table(case_model), _table(case_step)
    mark = (
        f"UPDATE {cases} SET recorded_department = TRUE WHERE NOT recorded_department "  # noqa: S608
        f"AND id IN (SELECT case_id FROM {steps})"
    )
    unmark = (
        f"UPDATE {cases} SET recorded_department = FALSE WHERE recorded_department "  # noqa: S608
        f"AND NOT EXISTS (SELECT 1 FROM {steps} s WHERE s.case_id = {cases}.id)"
    )
    with connection.cursor() as cursor:
        for statement in (mark, unmark):
            if case_ids is None:
                cursor.execute(statement)
                continue
            for restricted, params in bulk.where_in(f"{statement} AND id", sorted(set(case_ids))):
                cursor.execute(restricted, params)


def department_deleted(department_id: int) -> None:
    """The cases whose steps named this department get their rows again (those steps now fall back to the
    touchpoint owners; the transitions' department was set empty by the deletion)."""
    _v, _s, _c, _cc, _e, case_step, _t = _models(None)
    named = case_step.objects.filter(Q(from_code=-department_id) | Q(to_code=-department_id))
    rebuild_case_steps(list(named.values_list("case_id", flat=True).distinct()))
