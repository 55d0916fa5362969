"""The goal system of the demo company Musterfrau AG, and its alerts as of the day after the demo year.

Targets for the company (NPS, CSAT, CES, complaint rate), for the departments Kundenservice and Außendienst,
first-contact resolution as the cost lever (the registry has no revenue or cost figure, so this is the
economic goal) and NPS for the moments of truth, among them the degrading technician visit `TP-TECH-02`
(target 10, warning at 0, over 28 days). All are valid from the first day of the demo year, open-ended.
As of the day after the demo year, the technician visit and the first-contact resolution of the
appointment hotline `TP-HOT-08` are in breach (two alerts for Außendienst); the rest is green or amber.

Idempotent: a target is found by its natural key (metric, scope, valid from), created through the goal
services (validated and audited) or updated only where a value differs; a second run writes nothing.

After a change of the targets or of the demo feedback, the demo targets are evaluated as of `EVALUATED_ON`
(2026-11-01, the day after the last day of demo data, so that the windows hold the data's last weeks
whatever today is), with e-mail suppressed: the demo addresses are invented, and the default mail backend
(no `OPENCXM_EMAIL_HOST`) would print every mail into the loader's output. The alerts are recorded as
notified, so no later evaluation mails them either. Only the demo targets are evaluated here: targets that
users added keep their own schedule (`opencxm alerts evaluate`).

The minimum samples are those of the full demo year (52,000 responses): at a feedback scale below about
0.4 a touchpoint has too few responses in 28 days to judge, and its targets say so.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from opencxm.accounts.models import Department
from opencxm.analytics import alerts, targets
from opencxm.analytics.models import Target
from opencxm.demo.feedback import END_DATE, START_DATE
from opencxm.touchpoints.models import Touchpoint

VALID_FROM = START_DATE  # part of the natural key: the goals of the demo year, open-ended
EVALUATED_ON = END_DATE + timedelta(days=1)  # 2026-11-01: windows end on the last day of demo data
COMPANY, DEPARTMENT, TOUCHPOINT = Target.Scope.COMPANY, Target.Scope.DEPARTMENT, Target.Scope.TOUCHPOINT
BEHAVIOURAL, ECONOMIC, OPERATIONAL = Target.GoalType.BEHAVIOURAL, Target.GoalType.ECONOMIC, Target.GoalType.OPERATIONAL


@dataclass(frozen=True)
class Goal:
    metric: str
    scope_type: str
    scope: str | None  # department or touchpoint code; None for the company
    target: float
    warning: float
    note: str
    window_days: int = 28
    min_responses: int = 30
    goal_type: str = BEHAVIOURAL
    owner: str | None = None  # department code; None: the owner of the touchpoint or the department itself


GOALS = [
    # the company (owned by the CX team)
    Goal("nps", COMPANY, None, 15, 5, "Unternehmensziel 2026: Weiterempfehlung über alle Kontakte.", owner="cx-team",
         min_responses=200),
    Goal("csat", COMPANY, None, 75, 65, "Top-2-Box der Zufriedenheit nach Kontakten.", owner="cx-team",
         min_responses=200),
    Goal("ces", COMPANY, None, 5.0, 4.7, "Kundenaufwand: im Mittel mindestens „eher leicht“.", owner="cx-team",
         min_responses=200),
    Goal("complaint_rate", COMPANY, None, 0.5, 0.65, "Beschwerden je 1.000 Kundenkontakte (weniger ist besser).",
         owner="cx-team", goal_type=OPERATIONAL, min_responses=1000),
    # departments
    Goal("nps", DEPARTMENT, "kundenservice", 0, -10, "NPS über alle Service-Touchpoints."),
    Goal("handling_time", DEPARTMENT, "kundenservice", 330, 360, "Durchschnittliche Bearbeitungszeit in Sekunden.",
         goal_type=OPERATIONAL, min_responses=1000),
    Goal("nps", DEPARTMENT, "aussendienst", 5, -15, "NPS über Terminabsprache, Installation und Entstörung."),
    # the registry has no revenue or cost figure: first-contact resolution stands for the cost to serve
    Goal("first_contact_resolution", TOUCHPOINT, "TP-HOT-02", 75, 70,
         "Kostenhebel: jeder Wiederholungsanruf kostet rund 6 €.", goal_type=ECONOMIC, min_responses=1000),
    # moments of truth (owned by the touchpoint's department)
    Goal("nps", TOUCHPOINT, "TP-WEB-04", 25, 15, "Moment of Truth: die Online-Bestellung."),
    Goal("nps", TOUCHPOINT, "TP-HOT-03", 0, -15, "Moment of Truth: die Störungsmeldung."),
    Goal("nps", TOUCHPOINT, "TP-HOT-06", -20, -45, "Moment of Truth: Kündigung und Rückgewinnung."),
    Goal("nps", TOUCHPOINT, "TP-HOT-08", 0, -30, "Moment of Truth: der Techniker-Termin am Telefon."),
    Goal("first_contact_resolution", TOUCHPOINT, "TP-HOT-08", 80, 75,
         "Termine im ersten Anruf klären statt zurückrufen.", goal_type=OPERATIONAL, min_responses=1000),
    Goal("nps", TOUCHPOINT, "TP-TECH-02", 10, 0, "Moment of Truth: der Technikerbesuch zur Installation."),
    Goal("nps", TOUCHPOINT, "TP-TECH-03", 15, 0, "Moment of Truth: die Schaltung des Anschlusses."),
    Goal("nps", TOUCHPOINT, "TP-TECH-04", 10, -10, "Moment of Truth: die Entstörung vor Ort."),
    Goal("nps", TOUCHPOINT, "TP-BRIEF-02", -15, -40, "Moment of Truth: die erste Rechnung."),
]  # fmt: skip


def load_goals(*, feedback_changed: bool = False, log=print) -> dict:
    """Create or update the demo targets; when they or the demo feedback changed, evaluate them as of
    `EVALUATED_ON` without e-mail. Returns the tally of created and updated targets and the alert counts.

    The minimum samples are those of the full demo year: a demo loaded at a small feedback scale has too few
    responses per touchpoint to judge, and its touchpoint targets say so instead of raising chance alerts."""
    with transaction.atomic():
        tally, demo_targets = _load_targets()
    if not (tally["created"] or tally["updated"] or feedback_changed):
        return {**tally, "evaluated": False}  # silent: the feedback's "unchanged" line says it all
    counts = evaluate_goals(demo_targets)
    log(
        f"Demo goals: {len(GOALS)} targets ({tally['created']} created, {tally['updated']} updated), evaluated as of "
        f"{EVALUATED_ON}: {counts['raised']} alerts raised, {counts['open']} still open, {counts['closed']} closed."
    )
    return {**tally, "evaluated": True, **counts}


def evaluate_goals(demo_targets: list[Target]) -> Counter:
    """Raise or close the alerts of the demo targets as of `EVALUATED_ON`, recording their e-mails as handled."""
    values = targets.current_values(demo_targets, EVALUATED_ON)
    counts = Counter({alerts.RAISED: 0, alerts.CLOSED: 0, alerts.OPEN: 0})
    for target in demo_targets:
        estimate = values[target.pk]
        outcome = alerts.evaluate_target(target, estimate.value, EVALUATED_ON, n=estimate.n, notify=False)
        if outcome:
            counts[outcome] += 1
    return counts


def _load_targets() -> tuple[Counter, list[Target]]:
    departments = {department.code: department for department in Department.objects.all()}
    touchpoints = {touchpoint.code: touchpoint for touchpoint in Touchpoint.objects.filter(code__startswith="TP-")}
    tally, loaded = Counter(created=0, updated=0), []
    for goal in GOALS:
        data = _data(goal, departments, touchpoints)
        loaded.append(_upsert(data, tally))
    return tally, loaded


def _data(goal: Goal, departments: dict, touchpoints: dict) -> dict:
    scope_objects = {DEPARTMENT: departments, TOUCHPOINT: touchpoints}
    data = dict.fromkeys(targets.SCOPE_FKS)
    if goal.scope_type != COMPANY:
        data[goal.scope_type] = scope_objects[goal.scope_type][goal.scope]
    owner = departments[goal.owner] if goal.owner else data["department"]
    if goal.scope_type == TOUCHPOINT and not goal.owner:
        owner = next(d for d in departments.values() if d.pk == data["touchpoint"].owner_department_id)
    return {
        **data,
        "metric": goal.metric,
        "scope_type": goal.scope_type,
        "valid_from": VALID_FROM,
        "valid_until": None,
        "target_value": float(goal.target),
        "warning_value": float(goal.warning),
        "window_days": goal.window_days,
        "min_responses": goal.min_responses,
        "goal_type": goal.goal_type,
        "owner_department": owner,
        "note": goal.note,
    }


def _upsert(data: dict, tally: Counter) -> Target:
    """The target with the goal's natural key (metric, scope, valid from): created, or updated where it differs."""
    key = {"metric": data["metric"], "scope_type": data["scope_type"], "valid_from": data["valid_from"]}
    if data["scope_type"] != COMPANY:
        key[data["scope_type"]] = data[data["scope_type"]]
    target = Target.objects.select_related(*targets.RELATED).filter(**key).first()
    if target is None:
        tally["created"] += 1
        return targets.target_create(actor=None, data=data)
    if any(_differs(target, name, value) for name, value in data.items()):
        tally["updated"] += 1
        return targets.target_update(actor=None, target=target, data=data)
    return target


def _differs(target: Target, name: str, value) -> bool:
    field = Target._meta.get_field(name)
    if field.is_relation:
        return getattr(target, field.attname) != (value.pk if value is not None else None)
    return getattr(target, name) != value
