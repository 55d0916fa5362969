"""Reads of the cases app. Visibility is decided here: a user sees the cases of the departments they belong
to, CX team, administrators and board members see all."""

import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from opencxm.analytics.stats import nps
from opencxm.cases.choices import OPEN_STATUSES, EventKind
from opencxm.cases.models import Case, CaseEvent, CaseRule
from opencxm.cases.permissions import CaseAccess
from opencxm.feedback.models import Feedback
from opencxm.journeys.models import Journey, JourneyStep
from opencxm.journeys.selectors import handovers_between, journey_steps


@dataclass(frozen=True)
class CaseFilters:
    status: str = ""  # a Status value, "active" (every open state, the default) or "all"
    department: uuid.UUID | None = None
    assignee: str = ""  # "me", "none" or ""
    overdue: bool = False
    escalated: bool = False


def visible_cases(case_access: CaseAccess) -> QuerySet:
    """The cases this user may read."""
    cases = Case.objects.all()
    if not case_access.reads_all:
        cases = cases.filter(department_id__in=case_access.access.member_of)
    return cases


def case_list(case_access: CaseAccess, filters: CaseFilters, *, user=None) -> QuerySet:
    """Visible cases, filtered, most urgent first (SLA due time). A fixed number of queries for any size."""
    cases = visible_cases(case_access).select_related(
        "department", "assignee", "touchpoint", "feedback__source", "customer"
    )
    if filters.status in ("", "active"):
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif filters.status != "all":
        cases = cases.filter(status=filters.status)
    if filters.department:
        cases = cases.filter(department__public_id=filters.department)
    if filters.assignee == "me" and user is not None:
        cases = cases.filter(assignee=user)
    elif filters.assignee == "none":
        cases = cases.filter(assignee__isnull=True)
    if filters.overdue:
        cases = cases.filter(status__in=OPEN_STATUSES, sla_due_at__lte=timezone.now())
    if filters.escalated:
        cases = cases.filter(escalated_at__isnull=False)
    return cases.order_by("sla_due_at", "pk")


def case_get(case_access: CaseAccess, public_id) -> Case:
    """One visible case with what its page shows; 404 when it does not exist or the user may not see it."""
    case = (
        visible_cases(case_access)
        .select_related(
            "department",
            "assignee",
            "touchpoint__owner_department",
            "touchpoint__channel",
            "feedback__source",
            "feedback__segment",
            "customer",
            "rule",
        )  # fmt: skip
        .filter(public_id=public_id)
        .first()
    )
    if case is None:
        raise Http404
    return case


def case_timeline(case: Case) -> list[CaseEvent]:
    """Every event of the case, oldest first, whichever department it happened in."""
    return list(case.events.select_related("actor", "department", "from_department").order_by("at", "pk"))


def case_journeys(case: Case) -> list[Journey]:
    """Journeys in which the case's touchpoint is a step (the journey context on the case page)."""
    if case.touchpoint_id is None:
        return []
    steps = JourneyStep.objects.filter(touchpoint_id=case.touchpoint_id).values("stage__journey_id")
    return list(Journey.objects.filter(pk__in=steps).order_by("name"))


def rule_list() -> QuerySet:
    return CaseRule.objects.annotate(case_count=Count("cases")).prefetch_related(
        "sources", "touchpoints", "segments", "topics"
    )


def rule_get(public_id) -> CaseRule:
    rule = CaseRule.objects.filter(public_id=public_id).first()
    if rule is None:
        raise Http404
    return rule


def inbox_counts(case_access: CaseAccess) -> dict:
    """Open, overdue and escalated counts of the visible cases (one query)."""
    return visible_cases(case_access).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, sla_due_at__lte=timezone.now())),
        escalated=Count("pk", filter=Q(status__in=OPEN_STATUSES, escalated_at__isnull=False)),
    )


# --- handover view ------------------------------------------------------------------------------------------


@dataclass
class HandoverFigures:
    """One designed handover of a journey with what cases experienced there."""

    from_department: object
    to_department: object
    from_step: object
    to_step: object
    cases: int = 0
    waits: list = field(default_factory=list)  # hours until the receiving department acted
    waiting: int = 0  # handed over, nobody acted yet
    crossed_nps: object = None  # Estimate: customers whose case crossed this handover
    rest_nps: object = None  # Estimate: the other customers with feedback on the journey's touchpoints

    @property
    def median_wait(self) -> float | None:
        return round(statistics.median(self.waits), 1) if self.waits else None

    @property
    def mean_wait(self) -> float | None:
        return round(statistics.fmean(self.waits), 1) if self.waits else None

    @property
    def gap(self) -> float | None:
        """How many NPS points the crossing customers are below the rest (positive = the handover hurts)."""
        if not self.crossed_nps or not self.rest_nps or None in (self.crossed_nps.value, self.rest_nps.value):
            return None
        return round(self.rest_nps.value - self.crossed_nps.value, 1)

    @property
    def harm(self) -> tuple:
        return (self.gap is None, -(self.gap or 0), -self.cases, -(self.median_wait or 0))


def journey_handover_figures(journey: Journey) -> list[HandoverFigures]:
    """The journey's designed handovers (consecutive steps owned by different departments) with: the number
    of cases handed over between those departments (cases opened on the journey's touchpoints), the wait until
    the receiving department first acted, and the NPS of the customers whose case crossed the handover against
    the rest of the journey's customers. Sorted by harm (largest NPS gap, then most cases). Five queries."""
    steps = journey_steps(journey)
    touchpoints = {step.touchpoint_id for step in steps}
    figures: dict[tuple, HandoverFigures] = {}
    for handover in handovers_between(steps):
        key = (handover.from_department.pk, handover.to_department.pk)
        figures.setdefault(key, HandoverFigures(handover.from_department, handover.to_department,
                                                handover.from_step, handover.to_step))  # fmt: skip
    crossed = _crossings(touchpoints, figures)
    satisfaction = _nps_by_customer(touchpoints)
    for key, item in figures.items():
        item.crossed_nps, item.rest_nps = _split_nps(satisfaction, crossed[key])
    return sorted(figures.values(), key=lambda item: item.harm)


def _crossings(touchpoints: set, figures: dict) -> dict[tuple, set]:
    """Count cases and waits per handover; returns the customers whose case crossed each one."""
    crossed = defaultdict(set)
    handovers = list(
        CaseEvent.objects.filter(kind=EventKind.HANDED_OVER, case__touchpoint_id__in=touchpoints).values(
            "case_id", "at", "pk", "from_department_id", "department_id", "case__customer_id"
        )
    )
    events = defaultdict(list)
    cases = {h["case_id"] for h in handovers}
    reactions = CaseEvent.objects.filter(case_id__in=cases).exclude(kind=EventKind.ESCALATED)
    for row in reactions.values("case_id", "at", "pk"):
        events[row["case_id"]].append((row["at"], row["pk"]))
    counted = set()
    for handover in handovers:
        key = (handover["from_department_id"], handover["department_id"])
        item = figures.get(key)
        if item is None:
            continue
        if (key, handover["case_id"]) not in counted:
            counted.add((key, handover["case_id"]))
            item.cases += 1
        crossed[key].add(handover["case__customer_id"] or f"case-{handover['case_id']}")
        later = [at for at, pk in events[handover["case_id"]] if (at, pk) > (handover["at"], handover["pk"])]
        if later:
            item.waits.append((min(later) - handover["at"]) / timedelta(hours=1))
        else:
            item.waiting += 1
    return crossed


def _nps_by_customer(touchpoints: set) -> dict:
    """(promoters, detractors, n) per customer over the NPS answers on the journey's touchpoints."""
    rows = (
        Feedback.objects.filter(touchpoint_id__in=touchpoints, nps__isnull=False)
        .values("customer_id")
        .annotate(p=Count("pk", filter=Q(nps__gte=9)), d=Count("pk", filter=Q(nps__lte=6)), n=Count("pk"))
    )
    return {row["customer_id"]: (row["p"], row["d"], row["n"]) for row in rows}


def _split_nps(satisfaction: dict, crossed: set) -> tuple:
    inside, outside = [0, 0, 0], [0, 0, 0]
    for customer_id, counts in satisfaction.items():
        target = inside if customer_id is not None and customer_id in crossed else outside
        for index, value in enumerate(counts):
            target[index] += value
    return nps(*inside), nps(*outside)


def journeys_for_handovers() -> list[Journey]:
    return list(Journey.objects.select_related("segment").order_by("segment__name", "name"))
