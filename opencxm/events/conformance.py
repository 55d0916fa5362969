"""Designed against actual: how the cases of the event logs follow a designed journey.

A designed journey is the ordered list of its steps' touchpoints. A case's path is its variant (activity ids in
order), mapped to touchpoints through `Activity.touchpoint`; activities without a touchpoint are not touchpoints
and are left out of the fit (they are counted separately, so someone can map them). `fit` walks one path along
the design; `journey_conformance` counts cases per variant in the database and fits each distinct variant once,
so the work grows with the number of variants, not of cases. The rules are documented in
docs/journey-analytics.md ("Designed against actual").
"""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count

from opencxm.events.models import Activity, Case
from opencxm.events.selectors import Filters, cases_for, variant_paths
from opencxm.touchpoints.models import Touchpoint


@dataclass(frozen=True)
class PathFit:
    """How one path follows a design of k steps (indexes 0..k-1)."""

    reached: frozenset  # step indexes the path reached, in designed order
    skipped: frozenset  # steps passed over: a later step was reached without them
    returned: frozenset  # steps the path went back to after reaching a later step
    added: frozenset  # (touchpoint id, index of the last step reached before it, or None before the first)
    last: int  # the last step reached
    follows: bool  # every step, in order, nothing skipped, added or gone back to


def fit(design: Sequence[int], path: Sequence[int | None]) -> PathFit | None:
    """Walk a path of touchpoint ids (None: an activity without touchpoint, ignored) along the designed touchpoints.

    At each touchpoint, in this order: the next designed step's touchpoint moves on to it; the current step's
    touchpoint again is a repeat (allowed); a later step's touchpoint moves on to it and the steps between are
    skipped; an earlier step's touchpoint is a return; any other touchpoint is added. Returns None when the path
    touches none of the design's touchpoints (the case is not relevant to the journey)."""
    designed = set(design)
    touchpoints = [touchpoint for touchpoint in path if touchpoint is not None]
    if not designed.intersection(touchpoints):
        return None
    walk = _Walk(design)
    for touchpoint in touchpoints:
        if touchpoint in designed:
            walk.visit(touchpoint)
        else:
            walk.added.add((touchpoint, walk.position if walk.position >= 0 else None))
    return walk.result()


class _Walk:
    def __init__(self, design: Sequence[int]):
        self.design = list(design)
        self.position = -1
        self.reached, self.skipped, self.returned, self.added = set(), set(), set(), set()

    def visit(self, touchpoint: int) -> None:
        design, position = self.design, self.position
        if position + 1 < len(design) and design[position + 1] == touchpoint:
            self._reach(position + 1)
        elif position >= 0 and design[position] == touchpoint:
            return  # a repeat of the current step
        elif (later := _index(design, touchpoint, position + 2, len(design))) is not None:
            self.skipped.update(range(position + 1, later))
            self._reach(later)
        else:
            self.returned.add(_last_index(design, touchpoint, position))

    def _reach(self, index: int) -> None:
        self.reached.add(index)
        self.position = index

    def result(self) -> PathFit:
        complete = self.position == len(self.design) - 1
        follows = complete and not (self.skipped or self.returned or self.added)
        return PathFit(
            frozenset(self.reached), frozenset(self.skipped), frozenset(self.returned), frozenset(self.added),
            self.position, follows,
        )  # fmt: skip


def _index(design: list, touchpoint: int, start: int, stop: int) -> int | None:
    return next((j for j in range(start, stop) if design[j] == touchpoint), None)


def _last_index(design: list, touchpoint: int, before: int) -> int:
    return next(j for j in range(before - 1, -1, -1) if design[j] == touchpoint)


@dataclass
class StepFigures:
    """Case counts of one designed step. `left`: the step was the last one reached and the final step was not."""

    index: int
    reached: int = 0
    skipped: int = 0
    left: int = 0
    returned: int = 0


@dataclass
class Conformance:
    cases: int = 0  # cases the filters select
    relevant: int = 0  # of those, cases that touch at least one designed touchpoint
    follows: int = 0
    skipping: int = 0  # relevant cases that skipped at least one step
    adding: int = 0  # ... that added at least one touchpoint
    returning: int = 0  # ... that went back to an earlier step
    left_early: int = 0  # ... that never reached the final step
    steps: list = field(default_factory=list)  # [StepFigures], in designed order
    added: list = field(default_factory=list)  # [{"touchpoint": Touchpoint, "cases", "after": [(index|None, n)]}]
    unmapped: list = field(default_factory=list)  # [{"name", "cases"}]: activities without touchpoint

    def share(self, n: int) -> float | None:
        return n / self.relevant if self.relevant else None


class Tally:
    """Adds up path fits, each weighted by the number of cases that took the path."""

    def __init__(self, steps: int):
        self.result = Conformance(steps=[StepFigures(index) for index in range(steps)])
        self.added: dict[int, Counter] = defaultdict(Counter)  # touchpoint -> {after: cases}
        self.added_cases: Counter = Counter()
        self.unmapped: Counter = Counter()

    def add(self, path_fit: PathFit | None, n: int, unmapped: Counter | None = None) -> None:
        """`unmapped`: activity name -> cases among the n that contain it (counted only when relevant)."""
        result = self.result
        result.cases += n
        if path_fit is None:
            return
        result.relevant += n
        result.follows += n * path_fit.follows
        result.skipping += n * bool(path_fit.skipped)
        result.adding += n * bool(path_fit.added)
        result.returning += n * bool(path_fit.returned)
        final = len(result.steps) - 1
        result.left_early += n * (path_fit.last < final)
        for figures in result.steps:
            figures.reached += n * (figures.index in path_fit.reached)
            figures.skipped += n * (figures.index in path_fit.skipped)
            figures.returned += n * (figures.index in path_fit.returned)
            figures.left += n * (figures.index == path_fit.last < final)
        for touchpoint, after in path_fit.added:
            self.added[touchpoint][after] += n
        for touchpoint in {touchpoint for touchpoint, _after in path_fit.added}:
            self.added_cases[touchpoint] += n
        self.unmapped.update(unmapped or {})


def journey_conformance(*, design: Sequence[int], filters: Filters) -> Conformance:
    """Designed against actual for the cases the filters select. `design`: the touchpoint ids of the journey's
    steps in map order. Queries: cases per variant, the variants' paths (in chunks), their activities, and the
    added touchpoints."""
    tally = Tally(len(design))
    if not design:
        return tally.result
    rows = list(cases_for(filters).values("variant_id").annotate(n=Count("id")).order_by("variant_id"))
    paths = variant_paths([row["variant_id"] for row in rows])
    activities = {
        pk: (touchpoint, name)
        for pk, touchpoint, name in Activity.objects.filter(id__in={a for p in paths.values() for a in p}).values_list(
            "id", "touchpoint_id", "name"
        )
    }
    # Variants that differ only in unmapped activities have the same touchpoint path: fit each such path once.
    cases: Counter = Counter()
    unmapped: dict[tuple, Counter] = defaultdict(Counter)
    for row in rows:
        path = paths[row["variant_id"]]
        touchpoints = tuple(activities[a][0] for a in path)
        cases[touchpoints] += row["n"]
        for name in {activities[a][1] for a in path if activities[a][0] is None}:
            unmapped[touchpoints][name] += row["n"]
    for touchpoints, n in cases.items():
        tally.add(fit(design, touchpoints), n, unmapped[touchpoints])
    return _finish(tally)


def _finish(tally: Tally) -> Conformance:
    result = tally.result
    touchpoints = Touchpoint.objects.select_related("channel").in_bulk(list(tally.added))
    result.added = sorted(
        (
            {
                "touchpoint": touchpoints[touchpoint],
                "cases": tally.added_cases[touchpoint],
                "after": sorted(after.items(), key=lambda item: (-item[1], -1 if item[0] is None else item[0])),
            }
            for touchpoint, after in tally.added.items()
        ),
        key=lambda entry: (-entry["cases"], entry["touchpoint"].name),
    )
    result.unmapped = [
        {"name": name, "cases": n} for name, n in sorted(tally.unmapped.items(), key=lambda item: (-item[1], item[0]))
    ]
    return result


def has_cases() -> bool:
    """Whether any event log holds cases (the journey map offers the comparison only then)."""
    return Case.objects.filter(variant__isnull=False).exists()
