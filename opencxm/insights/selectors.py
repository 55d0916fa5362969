"""Reads for insights and actions: filtered lists ranked by impact, visibility of actions, live evidence,
before/after figures of done actions and the roadmap/playbook board."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, F, FloatField, Prefetch, Q
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from opencxm.analytics import runner
from opencxm.analytics.metrics import REGISTRY, metric
from opencxm.analytics.rollups import local_day
from opencxm.core.audit import audit_history
from opencxm.core.permissions import Access
from opencxm.insights.choices import ActionStatus, Track
from opencxm.insights.models import Action, Insight
from opencxm.insights.rules import reads_all_actions

MAX_WINDOW_DAYS = 90


@dataclass(frozen=True)
class InsightFilters:
    kind: str = ""
    status: str = ""
    department: object = None
    touchpoint: object = None
    step: object = None
    segment: object = None
    order: str = "impact"  # "impact" or "priority"


def insight_list(filters: InsightFilters = InsightFilters()):
    """Insights matching the filters, ranked by impact (or impact per effort), with their relations prefetched."""
    queryset = Insight.objects.select_related("owner_department").annotate(
        priority_value=Cast(F("impact"), FloatField()) / Cast(F("effort"), FloatField()),
        action_count=Count("actions", distinct=True),
    )
    for name, lookup in (("kind", "kind"), ("status", "status"), ("department", "owner_department")):
        if getattr(filters, name):
            queryset = queryset.filter(**{lookup: getattr(filters, name)})
    for name, lookup in (("touchpoint", "touchpoints"), ("step", "steps"), ("segment", "segments")):
        if getattr(filters, name):
            queryset = queryset.filter(**{lookup: getattr(filters, name)})
    order = ("-priority_value", "-impact") if filters.order == "priority" else ("-impact", "effort")
    return queryset.order_by(*order, "-created_at", "-id").prefetch_related("touchpoints")


def insight_counts_by_department(filters: InsightFilters = InsightFilters()):
    """(department name, open, total) per owning department, for the list's side card."""
    open_states = ("new", "validated", "in_progress")
    return list(
        insight_list(InsightFilters(kind=filters.kind, segment=filters.segment))
        .order_by()
        .values("owner_department__name", "owner_department__code")
        .annotate(total=Count("id", distinct=True), open=Count("id", filter=Q(status__in=open_states), distinct=True))
        .order_by("owner_department__name")
    )


def insight_get(public_id) -> Insight:
    insight = (
        Insight.objects.select_related("owner_department", "created_by", "validated_by")
        .prefetch_related("touchpoints", "segments", "steps__stage__journey", "steps__touchpoint")
        .filter(public_id=public_id)
        .first()
    )
    if insight is None:
        raise Http404
    return insight


def insight_feedback(insight: Insight):
    return insight.feedback.select_related("source", "touchpoint").order_by("-responded_at")


def insight_timeline(insight: Insight):
    return insight.events.select_related("actor")


def insight_actions(insight: Insight, access: Access):
    return actions_visible_to(access).filter(insight=insight).select_related("owner_department", "owner_user")


def actions_visible_to(access: Access):
    """Actions a user may see: all for CX lead/team, board members and administrators; otherwise only the
    actions owned by the departments the user belongs to."""
    queryset = Action.objects.all()
    if reads_all_actions(access):
        return queryset
    return queryset.filter(owner_department_id__in=access.member_of)


@dataclass(frozen=True)
class ActionFilters:
    track: str = ""
    status: str = ""
    department: object = None


def action_list(access: Access, filters: ActionFilters = ActionFilters()):
    queryset = actions_visible_to(access).select_related("owner_department", "owner_user", "insight")
    if filters.track:
        queryset = queryset.filter(track=filters.track)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.department:
        queryset = queryset.filter(owner_department=filters.department)
    return queryset.order_by(F("due_date").asc(nulls_last=True), "-created_at", "-id")


def action_get(access: Access, public_id) -> Action:
    """The action if the user may see it (404 otherwise, so its existence is not revealed)."""
    action = (
        actions_visible_to(access)
        .select_related("owner_department", "owner_user", "insight__owner_department")
        .prefetch_related("touchpoints")
        .filter(public_id=public_id)
        .first()
    )
    if action is None:
        raise Http404
    return action


def action_timeline(action: Action):
    return action.events.select_related("actor")


def history(instance):
    return audit_history(instance)[:20]


# --- evidence and effect -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceFigure:
    metric: object
    start: date
    end: date
    estimate: object


def evidence_figure(insight: Insight, *, today: date | None = None) -> EvidenceFigure | None:
    """The saved metric query evaluated live over the insight's touchpoints and segments."""
    spec = insight.evidence_query or {}
    key = spec.get("metric")
    if not key or key not in REGISTRY:
        return None
    end = today or local_day(timezone.now())
    start = end - timedelta(days=int(spec.get("days") or MAX_WINDOW_DAYS) - 1)
    estimate = runner.run_one(
        runner.QuerySpec(
            key,
            start=start,
            end=end,
            touchpoints=tuple(t.id for t in insight.touchpoints.all()),
            segments=tuple(s.id for s in insight.segments.all()),
        )
    )
    return EvidenceFigure(metric(key), start, end, estimate)


@dataclass(frozen=True)
class Effect:
    """The action's metric in equal windows before and after it was done."""

    metric: object
    days: int
    before_start: date
    before_end: date
    after_start: date
    after_end: date
    before: object
    after: object
    expected: float | None

    @property
    def change(self) -> float | None:
        if self.before.value is None or self.after.value is None:
            return None
        return self.after.value - self.before.value

    @property
    def met(self) -> bool | None:
        """Whether the change reached the expected change (in the metric's good direction)."""
        if self.change is None or self.expected is None:
            return None
        return self.change >= self.expected if self.expected >= 0 else self.change <= self.expected


def action_effect(action: Action, *, today: date | None = None) -> Effect | None:
    """Before/after figures for a done action: the `days` days before its done day vs the same number of
    days from the done day on (up to today, at most 90)."""
    if action.status != ActionStatus.DONE or not action.done_at or not action.metric:
        return None
    done_day = local_day(action.done_at)
    today = today or local_day(timezone.now())
    days = max(1, min(MAX_WINDOW_DAYS, (today - done_day).days + 1))
    after_start, after_end = done_day, done_day + timedelta(days=days - 1)
    before_start, before_end = done_day - timedelta(days=days), done_day - timedelta(days=1)
    touchpoints = tuple(t.id for t in action.touchpoints.all())

    def figure(start, end):
        return runner.run_one(runner.QuerySpec(action.metric, start=start, end=end, touchpoints=touchpoints))

    return Effect(
        metric(action.metric),
        days,
        before_start,
        before_end,
        after_start,
        after_end,
        figure(before_start, before_end),
        figure(after_start, after_end),
        action.expected_change,
    )


# --- board -------------------------------------------------------------------------------------------


@dataclass
class Board:
    columns: list  # (key, label)
    lanes: list = field(default_factory=list)  # (track value, track label, {column key: [actions]})


NO_STAGE = "none"


def action_board(access: Access, *, by: str = "stage", department=None) -> Board:
    """Roadmap and playbook as two swimlanes; columns are journey stages (from the insight's journey steps)
    or due months."""
    actions = list(
        action_list(access, ActionFilters(department=department))
        .exclude(status=ActionStatus.CANCELLED)
        .prefetch_related(Prefetch("insight__steps", queryset=_steps()))
    )
    placement = _by_month(actions) if by == "month" else _by_stage(actions)
    columns = _columns(placement)
    board = Board(columns=columns)
    for track in Track:
        cells = {key: [] for key, _label in columns}
        for action, keys in placement:
            if action.track == track.value:
                for key in keys:
                    cells[key].append(action)
        board.lanes.append((track.value, track.label, [(key, cells[key]) for key, _label in columns]))
    return board


def _steps():
    from opencxm.journeys.models import JourneyStep

    return JourneyStep.objects.select_related("stage__journey")


def _by_stage(actions):
    placement = []
    for action in actions:
        stages = {(s.stage.journey.name, s.stage.position, s.stage.name) for s in action.insight.steps.all()}
        placement.append((action, sorted({(pos, name) for _j, pos, name in stages}) or [(9999, NO_STAGE)]))
    return placement


def _by_month(actions):
    return [(a, [(a.due_date.year * 12 + a.due_date.month, a.due_date.strftime("%Y-%m"))] if a.due_date else
             [(10**6, NO_STAGE)]) for a in actions]  # fmt: skip


def _columns(placement):
    keys = sorted({key for _a, keys in placement for key in keys})
    return [(key, key[1]) for key in keys]
