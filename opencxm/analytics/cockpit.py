"""The CX cockpit: KPI tiles against targets, the trend, the touchpoint × month heatmap, the Soll-Ist journey
map and the worst-moving touchpoints, for the whole company or the touchpoints one department owns.

Every figure comes from the query runner (rollups) and carries the explorer link to the feedback behind it.
The number of queries does not depend on the amount of feedback.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from urllib.parse import urlencode

from django.db.models import F
from django.urls import get_script_prefix, reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

from opencxm.analytics.metrics import Metric, metric
from opencxm.analytics.runner import QuerySpec, SumsTable, plain_feedback_metric, run
from opencxm.analytics.selectors import Period, month_end
from opencxm.analytics.stats import Estimate

KPI_METRICS = ("nps", "csat", "ces", "responses", "complaint_rate")
CHART_METRICS = ("nps", "csat", "csat_mean", "ces", "responses", "complaints", "complaint_rate")
JOURNEY_METRICS = ("csat_mean", "csat", "nps", "ces")
STEP_TARGET_METRIC = "csat_mean"  # JourneyStep.target_score is set on the CSAT 1–5 scale
COUNT_METRICS = frozenset({"responses", "complaints", "contacts"})
KIND_OF_TILE = {"responses": "response", "complaint_rate": "complaint"}
HEATMAP_ROWS = 20
MOVERS_MIN_N = 30
MOVERS_ROWS = 10
AMBER_BAND = 0.05  # a miss within 5 % of the metric's scale span is amber, beyond it red
OK, WARNING, BREACH, NO_DATA = "ok", "warning", "breach", "no_data"
STATUS_LABELS = {OK: _("on target"), WARNING: _("close to target"), BREACH: _("off target"), NO_DATA: _("no data")}


# Scope, links and number display ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The whole company, or the touchpoints one department owns."""

    department: object | None = None

    def spec(self, metric_key: str, period: Period, **kwargs) -> QuerySpec:
        departments = (self.department.id,) if self.department else ()
        return QuerySpec(metric_key, start=period.start, end=period.end, departments=departments, **kwargs)

    def params(self) -> dict:
        return {"department": str(self.department.public_id)} if self.department else {}

    def target_scope(self) -> dict:
        if self.department:
            return {"scope_type": "department", "scope_id": self.department.id}
        return {"scope_type": "company", "scope_id": None}


def explorer_url(scope: Scope, start: date, end: date, **params) -> str:
    """The feedback explorer filtered to a figure's scope, days and dimensions."""
    query = {"start": start.isoformat(), "end": end.isoformat(), **scope.params(), **params}
    return _explorer_path(get_script_prefix()) + "?" + urlencode({k: v for k, v in query.items() if v})


@lru_cache(maxsize=8)
def _explorer_path(_script_prefix: str) -> str:
    """The explorer's path (hundreds of drill-down links per cockpit: resolved once per script prefix)."""
    return reverse("analytics:explorer")


def display(definition: Metric, value: float | None, *, unit: bool = True) -> str:
    """A figure in the metric's decimals, localised (decimal comma in German), with its unit."""
    if value is None:
        return "–"
    # number_format cuts off digits: round first (+ 0.0 turns -0.0 into 0.0)
    text = number_format(round(value, definition.decimals) + 0.0, decimal_pos=definition.decimals, use_l10n=True)
    return f"{text} {definition.unit}".strip() if unit else text


def rounded(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)


def clipped(start: date, end: date, period: Period) -> tuple[date, date]:
    return max(start, period.start), min(end, period.end)


def bucket_end(start: date, grain: str) -> date:
    return month_end(start) if grain == "month" else start + timedelta(days=6 if grain == "week" else 0)


def bucket_label(start: date, grain: str) -> str:
    return date_format(start, "M Y" if grain == "month" else "SHORT_DATE_FORMAT")


# Targets (from the targets module when it is installed) -----------------------------------------------------


def _targets_module():
    try:
        from opencxm.analytics import targets
    except ImportError:
        return None
    return targets


def targets_of(metric_keys, scope: Scope, on: date) -> dict:
    """The active targets of some metrics for the scope on a day, as {metric key: target}; one query."""
    targets = _targets_module()
    if targets is None or not hasattr(targets, "active_targets"):
        return {}
    scope_type = scope.target_scope()["scope_type"]
    found = targets.active_targets(on).filter(metric__in=list(metric_keys), scope_type=scope_type)
    if scope.department:
        found = found.filter(department_id=scope.department.id)
    # the latest start wins, as in targets.target_for
    ordered = found.order_by(F("valid_from").asc(nulls_first=True), "id")
    return {target.metric: target for target in ordered}


def target_of(metric_key: str, scope: Scope, on: date):
    """The active target of a metric for the scope on a day, or None."""
    return targets_of([metric_key], scope, on).get(metric_key)


def target_status(definition: Metric, value: float | None, target_value: float | None, warning=None) -> str:
    """ok at or beyond the target, warning within the amber band (or the target's warning value), else breach."""
    if value is None or target_value is None:
        return NO_DATA
    if warning is None:
        span = (definition.scale[1] - definition.scale[0]) if definition.scale else abs(target_value)
        band = AMBER_BAND * span
        warning = target_value - band if definition.higher_is_better else target_value + band
    sign = 1 if definition.higher_is_better else -1
    if sign * (value - target_value) >= 0:
        return OK
    return WARNING if sign * (value - warning) >= 0 else BREACH


# KPI tiles --------------------------------------------------------------------------------------------------


@dataclass
class Tile:
    metric: Metric
    current: Estimate
    previous: Estimate
    link: str
    target_value: float | None = None
    status: str = NO_DATA

    @property
    def value_text(self) -> str:
        return display(self.metric, self.current.value)

    @property
    def interval_text(self) -> str:
        if self.current.low is None or self.current.high is None or self.metric.key in COUNT_METRICS:
            return ""
        return "± " + display(self.metric, (self.current.high - self.current.low) / 2)

    @property
    def delta(self) -> float | None:
        if self.current.value is None or self.previous.value is None:
            return None
        return self.current.value - self.previous.value

    @property
    def delta_text(self) -> str:
        if self.delta is None:
            return ""
        if self.metric.key in COUNT_METRICS:
            if not self.previous.value:
                return ""
            return "%+.0f %%" % (self.delta / self.previous.value * 100)
        sign = "+" if self.delta > 0 else ""
        unit = _("pp") if self.metric.unit == "%" else self.metric.unit
        return f"{sign}{display(self.metric, self.delta, unit=False)} {unit}".strip()

    @property
    def direction(self) -> str:
        if not self.delta:
            return "flat"
        return "up" if self.delta > 0 else "down"

    @property
    def tone(self) -> str:
        if not self.delta:
            return "secondary"
        return "success" if (self.delta > 0) == self.metric.higher_is_better else "danger"

    @property
    def target_text(self) -> str:
        return display(self.metric, self.target_value) if self.target_value is not None else ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def _rows(sums, scope: Scope, period: Period, metric_key: str, group_by=(), grain="month", touchpoints=()):
    """The runner's rows for a figure: from a shared scan of the period (`SumsTable`) when it can serve it,
    else by a query of its own (operational and topic metrics, week or day grains)."""
    if (
        sums is not None
        and plain_feedback_metric(metric_key)
        and ("time" not in group_by or grain == "month")
        and set(group_by) <= set(sums.spec.group_by)
    ):
        return sums.run(metric_key, tuple(group_by), tuple(touchpoints))
    extra = {"touchpoints": tuple(touchpoints)} if touchpoints else {}
    return run(scope.spec(metric_key, period, group_by=tuple(group_by), grain=grain, **extra))


def _one(sums, scope: Scope, period: Period, metric_key: str) -> Estimate:
    rows = _rows(sums, scope, period, metric_key)
    return rows[0].estimate if rows else Estimate(None, 0)


def kpi_tiles(scope: Scope, period: Period, current_sums=None, previous_sums=None) -> list[Tile]:
    tiles = []
    found = targets_of(KPI_METRICS, scope, period.end)
    for key in KPI_METRICS:
        definition = metric(key)
        current = _one(current_sums, scope, period, key)
        previous = _one(previous_sums, scope, period.previous(), key)
        link = explorer_url(scope, period.start, period.end, kind=KIND_OF_TILE.get(key, ""))
        tile = Tile(definition, current, previous, link)
        target = found.get(key)
        if target is not None:
            tile.target_value = float(target.target_value)
            tile.status = target_status(definition, current.value, tile.target_value, float(target.warning_value))
        tiles.append(tile)
    return tiles


# Trend ------------------------------------------------------------------------------------------------------


def trend_chart(scope: Scope, period: Period, metric_key: str, grain: str, sums=None) -> dict:
    """Chart spec ("line"): the metric per week or month with its 95 % band, the target line and drill-down links."""
    definition = metric(metric_key)
    rows = _rows(sums, scope, period, metric_key, ("time",), grain)
    target = target_of(metric_key, scope, period.end)
    has_band = metric_key not in COUNT_METRICS
    return {
        "type": "line",
        "labels": [bucket_label(row.key["time"], grain) for row in rows],
        "series": [{"name": str(definition.label), "values": [rounded(row.estimate.value) for row in rows]}],
        "band": {
            "name": str(_("Confidence interval")),
            "low": [rounded(row.estimate.low) for row in rows],
            "high": [rounded(row.estimate.high) for row in rows],
        }
        if has_band
        else None,
        "clampMin": definition.scale[0] if definition.scale else None,
        "clampMax": definition.scale[1] if definition.scale else None,
        "decimals": definition.decimals,
        "target": float(target.target_value) if target is not None else None,
        "targetLabel": str(_("Target")),
        "counts": [row.estimate.n for row in rows],
        "countLabel": str(_("n")),
        "links": [
            explorer_url(scope, *clipped(row.key["time"], bucket_end(row.key["time"], grain), period)) for row in rows
        ],
    }


# Heatmap ----------------------------------------------------------------------------------------------------


@dataclass
class HeatCell:
    month: date
    estimate: Estimate
    link: str


@dataclass
class HeatRow:
    touchpoint: object
    cells: list = field(default_factory=list)


@dataclass
class Heatmap:
    metric: Metric
    months: list
    rows: list

    def chart(self) -> dict:
        """Chart spec ("heatmap"): cells [x, y, value, n] with the explorer link of each cell."""
        cells, links = [], {}
        for y, row in enumerate(self.rows):
            for x, cell in enumerate(row.cells):
                if cell.estimate.value is not None:
                    cells.append([x, y, rounded(cell.estimate.value), cell.estimate.n])
                    links[f"{x},{y}"] = cell.link
        values = [cell[2] for cell in cells]
        scale = self.metric.scale
        return {
            "type": "heatmap",
            "x": [bucket_label(month, "month") for month in self.months],
            "y": [f"{row.touchpoint.code} {row.touchpoint.name}" for row in self.rows],
            "cells": cells,
            "links": links,
            "min": min(values) if values else (scale[0] if scale else 0),
            "max": max(values) if values else (scale[1] if scale else 1),
            "higherIsBetter": self.metric.higher_is_better,
            "decimals": self.metric.decimals,
            "countLabel": str(_("n")),
        }


def months_of(period: Period) -> list[date]:
    months, month = [], date(period.start.year, period.start.month, 1)
    while month <= period.end:
        months.append(month)
        month = month_end(month) + timedelta(days=1)
    return months


def _touchpoints(ids):
    from opencxm.touchpoints.models import Touchpoint

    return Touchpoint.objects.in_bulk(list(ids)) if ids else {}


def heatmap(scope: Scope, period: Period, metric_key: str, sums=None) -> Heatmap:
    """The metric per touchpoint (the busiest HEATMAP_ROWS by responses) and month of the period."""
    definition = metric(metric_key)
    volume = [row for row in _rows(sums, scope, period, "responses", ("touchpoint",)) if row.key["touchpoint"]]
    volume.sort(key=lambda row: (-row.estimate.n, row.key["touchpoint"]))
    ids = [row.key["touchpoint"] for row in volume[:HEATMAP_ROWS]]
    months = months_of(period)
    if not ids:
        return Heatmap(definition, months, [])
    rows = _rows(sums, scope, period, metric_key, ("touchpoint", "time"), "month", tuple(ids))
    found = {(row.key["touchpoint"], row.key["time"]): row.estimate for row in rows}
    touchpoints = _touchpoints(ids)
    rows = []
    for touchpoint_id in ids:
        touchpoint = touchpoints[touchpoint_id]
        row = HeatRow(touchpoint)
        for month in months:
            start, end = clipped(month, month_end(month), period)
            link = explorer_url(scope, start, end, touchpoint=str(touchpoint.public_id))
            row.cells.append(HeatCell(month, found.get((touchpoint_id, month), Estimate(None, 0)), link))
        rows.append(row)
    return Heatmap(definition, months, rows)


# Soll-Ist journey map ---------------------------------------------------------------------------------------


@dataclass
class StepFigure:
    step: object
    estimate: Estimate
    target_value: float | None
    status: str
    link: str
    metric: Metric

    @property
    def value_text(self) -> str:
        return display(self.metric, self.estimate.value)

    @property
    def target_text(self) -> str:
        return display(self.metric, self.target_value) if self.target_value is not None else "–"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status] if self.target_value is not None else _("no target")


@dataclass
class StageFigures:
    stage: object
    steps: list = field(default_factory=list)


@dataclass
class JourneyFigures:
    journey: object
    stages: list = field(default_factory=list)


def _journey_steps(scope: Scope):
    from opencxm.journeys.models import JourneyStep

    steps = JourneyStep.objects.filter(stage__journey__kind="current").select_related(
        "stage__journey__segment", "touchpoint"
    )
    if scope.department:
        steps = steps.filter(touchpoint__owner_department=scope.department)
    return list(steps.order_by("stage__journey__name", "stage__journey_id", "stage__position", "position"))


def _touchpoint_targets(metric_key: str, touchpoint_ids, on: date) -> dict:
    """Targets set for touchpoints (targets module), as {touchpoint id: target}; one query."""
    targets = _targets_module()
    if targets is None or not hasattr(targets, "active_targets"):
        return {}
    found = targets.active_targets(on).filter(metric=metric_key, scope_type="touchpoint")
    found = found.filter(touchpoint_id__in=touchpoint_ids).order_by("valid_from", "id")
    return {target.touchpoint_id: target for target in found}


def _step_target(step, metric_key: str, touchpoint_targets: dict):
    """(target, warning): the step's own target score for CSAT mean, else a touchpoint target if one is set."""
    if metric_key == STEP_TARGET_METRIC and step.target_score is not None:
        return float(step.target_score), None
    target = touchpoint_targets.get(step.touchpoint_id)
    if target is None:
        return None, None
    return float(target.target_value), float(target.warning_value)


def journey_map(scope: Scope, period: Period, metric_key: str, sums=None) -> list[JourneyFigures]:
    """Each current journey's stages and steps with the actual figure against the step's target."""
    definition = metric(metric_key)
    steps = _journey_steps(scope)
    ids = tuple(sorted({step.touchpoint_id for step in steps}))
    actual = {}
    if ids:
        actual = {row.key["touchpoint"]: row.estimate for row in _rows(sums, scope, period, metric_key,
                                                                         ("touchpoint",), touchpoints=ids)}  # fmt: skip
    touchpoint_targets = _touchpoint_targets(metric_key, ids, period.end) if metric_key != STEP_TARGET_METRIC else {}
    journeys: list[JourneyFigures] = []
    for step in steps:
        journey, stage = step.stage.journey, step.stage
        if not journeys or journeys[-1].journey.id != journey.id:
            journeys.append(JourneyFigures(journey))
        if not journeys[-1].stages or journeys[-1].stages[-1].stage.id != stage.id:
            journeys[-1].stages.append(StageFigures(stage))
        estimate = actual.get(step.touchpoint_id, Estimate(None, 0))
        target_value, warning = _step_target(step, metric_key, touchpoint_targets)
        status = target_status(definition, estimate.value, target_value, warning)
        link = explorer_url(scope, period.start, period.end, touchpoint=str(step.touchpoint.public_id))
        journeys[-1].stages[-1].steps.append(StepFigure(step, estimate, target_value, status, link, definition))
    return journeys


# Worst movers -----------------------------------------------------------------------------------------------


@dataclass
class Mover:
    touchpoint: object
    current: Estimate
    previous: Estimate
    metric: Metric
    link: str

    @property
    def delta(self) -> float:
        return self.current.value - self.previous.value

    @property
    def current_text(self) -> str:
        return display(self.metric, self.current.value)

    @property
    def previous_text(self) -> str:
        return display(self.metric, self.previous.value)

    @property
    def delta_text(self) -> str:
        sign = "+" if self.delta > 0 else ""
        return sign + display(self.metric, self.delta)


def worst_movers(scope: Scope, period: Period, metric_key: str, current_sums=None, previous_sums=None) -> list[Mover]:
    """Touchpoints whose figure moved most in the bad direction against the previous period (n ≥ 30 in both)."""
    definition = metric(metric_key)
    now = {row.key["touchpoint"]: row.estimate for row in _rows(current_sums, scope, period, metric_key,
                                                                 ("touchpoint",))}  # fmt: skip
    before = {row.key["touchpoint"]: row.estimate for row in _rows(previous_sums, scope, period.previous(), metric_key,
                                                                    ("touchpoint",))}  # fmt: skip
    sign = 1 if definition.higher_is_better else -1
    moved = []
    for touchpoint_id, current in now.items():
        previous = before.get(touchpoint_id)
        if touchpoint_id is None or previous is None or None in (current.value, previous.value):
            continue
        if min(current.n, previous.n) >= MOVERS_MIN_N and sign * (current.value - previous.value) < 0:
            moved.append((sign * (current.value - previous.value), touchpoint_id, current, previous))
    moved.sort(key=lambda item: (item[0], item[1]))
    moved = moved[:MOVERS_ROWS]
    touchpoints = _touchpoints([item[1] for item in moved])
    return [
        Mover(
            touchpoints[tp_id],
            current,
            previous,
            definition,
            explorer_url(scope, period.start, period.end, touchpoint=str(touchpoints[tp_id].public_id)),
        )
        for _delta, tp_id, current, previous in moved
    ]


# The whole cockpit ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CockpitChoice:
    period: Period
    metric: str = "nps"
    grain: str = "month"
    journey_metric: str = STEP_TARGET_METRIC


@dataclass
class Cockpit:
    scope: Scope
    choice: CockpitChoice
    tiles: list
    trend: dict
    heatmap: Heatmap
    journeys: list
    movers: list

    @property
    def metric(self) -> Metric:
        return metric(self.choice.metric)

    @property
    def journey_metric(self) -> Metric:
        return metric(self.choice.journey_metric)


def cockpit_build(*, scope: Scope, choice: CockpitChoice, shared: bool = True) -> Cockpit:
    """Every figure of the cockpit for a scope and the user's choice of period, metrics and grain.

    Two scans of the rollups serve every feedback figure (`shared`): the period by touchpoint × month × kind and
    the previous period by touchpoint × kind; the figures are added up from them exactly as the runner would
    (tests compare both ways). Operational and topic metrics and week grains query on their own."""
    period = choice.period
    now = before = None
    if shared:
        now = SumsTable.fetch(scope.spec("responses", period, group_by=("touchpoint", "time"), grain="month"))
        before = SumsTable.fetch(scope.spec("responses", period.previous(), group_by=("touchpoint",)))
    return Cockpit(
        scope=scope,
        choice=choice,
        tiles=kpi_tiles(scope, period, now, before),
        trend=trend_chart(scope, period, choice.metric, choice.grain, now),
        heatmap=heatmap(scope, period, choice.metric, now),
        journeys=journey_map(scope, period, choice.journey_metric, now),
        movers=worst_movers(scope, period, choice.metric, now, before),
    )
