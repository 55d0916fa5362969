"""Writes of the cases app: rules, opening cases from feedback, and the case transitions.

Every transition locks the case row, checks the version the actor saw and the state, and writes with a
conditional UPDATE (`WHERE version = seen`), so of two people acting on one case at once exactly one wins
and the other is told that someone else changed it. Each change appends a CaseEvent and an audit entry in
the same transaction; notifications go out after the commit.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opencxm.accounts.models import Department, User
from opencxm.cases import notify
from opencxm.cases.choices import (
    DEFAULT_THRESHOLD,
    OPEN_STATUSES,
    TOPIC_TRIGGERS,
    EventKind,
    Priority,
    Status,
    Trigger,
)
from opencxm.cases.models import Case, CaseEvent, CaseRule
from opencxm.cases.permissions import WORKING_ROLES
from opencxm.core.audit import audit_record, diff, snapshot
from opencxm.feedback.choices import FeedbackKind
from opencxm.feedback.models import Feedback

RULE_FIELDS = ["name", "active", "trigger", "threshold", "priority", "sla_hours"]
RULE_RELATIONS = ["sources", "touchpoints", "segments", "topics"]
CASE_FIELDS = ["status", "department", "assignee", "priority", "sla_due_at", "escalated_at", "root_cause",
               "root_cause_detail", "resolution", "closed_at"]  # fmt: skip
PRIORITY_ORDER = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class CaseConflict(Exception):
    """The case changed since the actor looked at it (another version), or its state forbids the action."""

    def __init__(self, message=None):
        self.message = message or _("Someone else changed this case in the meantime. Reload it and try again.")
        super().__init__(str(self.message))


class CaseInvalid(Exception):
    """The action's input is not acceptable (e.g. an assignee outside the department)."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


class CaseExists(Exception):
    """The feedback record already has a case (one case per record, enforced by the database)."""


# --- rules --------------------------------------------------------------------------------------------------


def _rule_snapshot(rule: CaseRule) -> dict:
    values = snapshot(rule, RULE_FIELDS)
    for name in RULE_RELATIONS:
        values[name] = sorted(str(item) for item in getattr(rule, name).all())
    return values


def rule_create(*, actor, data: dict) -> CaseRule:
    """Create a case rule from cleaned data (RULE_FIELDS plus the lists `sources`, `touchpoints`, `segments`)."""
    with transaction.atomic():
        fields = {k: v for k, v in data.items() if k not in RULE_RELATIONS}
        rule = CaseRule.objects.create(**fields)
        for name in RULE_RELATIONS:
            getattr(rule, name).set(data.get(name) or [])
        audit_record(actor=actor, action="create", instance=rule, changes=_rule_snapshot(rule))
    return rule


def rule_update(*, actor, rule: CaseRule, data: dict) -> CaseRule:
    """Change a case rule; audited with a diff. Existing cases are not touched."""
    with transaction.atomic():
        before = _rule_snapshot(rule)
        for name, value in data.items():
            if name in RULE_RELATIONS:
                getattr(rule, name).set(value or [])
            else:
                setattr(rule, name, value)
        rule.save()
        changes = diff(before, _rule_snapshot(rule))
        if changes:
            audit_record(actor=actor, action="update", instance=rule, changes=changes)
    return rule


def rule_matches(rule: CaseRule, feedback: Feedback, filters: dict, negative_topics: dict | None = None) -> bool:
    """Whether the feedback meets the rule's trigger and filters. `filters` holds the rule's id sets
    (`sources`, `touchpoints`, `segments`: empty = any; `topics`), loaded once for a batch; `negative_topics`
    maps a feedback id to the topics of its comment when its current analysis is negative (see
    `negative_comment_topics`)."""
    threshold = rule.threshold if rule.threshold is not None else DEFAULT_THRESHOLD.get(rule.trigger)
    if rule.trigger == Trigger.NPS_MAX:
        hit = feedback.nps is not None and feedback.nps <= threshold
    elif rule.trigger == Trigger.CSAT_MAX:
        hit = feedback.csat is not None and feedback.csat <= threshold
    elif rule.trigger == Trigger.NEGATIVE_TOPIC:
        hit = bool(filters["topics"] & (negative_topics or {}).get(feedback.pk, set()))
    else:
        hit = feedback.kind == FeedbackKind.COMPLAINT
    segment_id = feedback.segment_id or (feedback.customer.segment_id if feedback.customer else None)
    return (
        hit
        and (not filters["sources"] or feedback.source_id in filters["sources"])
        and (not filters["touchpoints"] or feedback.touchpoint_id in filters["touchpoints"])
        and (not filters["segments"] or segment_id in filters["segments"])
    )


def _active_rules(triggers=None) -> list[tuple[CaseRule, dict]]:
    rules = CaseRule.objects.filter(active=True).prefetch_related(*RULE_RELATIONS)
    if triggers is not None:
        rules = rules.filter(trigger__in=list(triggers))
    ordered = sorted(rules, key=lambda r: (PRIORITY_ORDER[r.priority], r.sla_hours, r.name))
    return [(rule, {name: {o.pk for o in getattr(rule, name).all()} for name in RULE_RELATIONS}) for rule in ordered]


def negative_comment_topics(feedback_ids) -> dict[int, set[int]]:
    """Per feedback record whose comment analysis is current and negative (a user's correction wins over the
    prediction): the ids of its topics and of their main topics, so a rule on a main topic covers its
    subtopics. Topics a correction removed do not count; an analysis older than the record's last change
    (the comment was edited and is waiting for enrichment) does not count either."""
    from opencxm.textanalytics.models import CommentTopic, Sentiment

    negative = Q(analysis__corrected_sentiment=Sentiment.NEGATIVE) | Q(
        analysis__corrected_sentiment="", analysis__sentiment_label=Sentiment.NEGATIVE
    )
    links = CommentTopic.objects.filter(
        negative, analysis__feedback_id__in=list(feedback_ids), removed=False,
        analysis__analysed_at__gte=F("analysis__feedback__updated_at"),
    ).values_list("analysis__feedback_id", "topic_id", "topic__parent_id")  # fmt: skip
    topics: dict[int, set[int]] = {}
    for feedback_id, topic_id, parent_id in links:
        topics.setdefault(feedback_id, set()).update({topic_id, parent_id} - {None})
    return topics


# --- opening cases ------------------------------------------------------------------------------------------


def cases_from_feedback(*, feedback_ids, triggers=None) -> int:
    """Apply the active rules (or only those of `triggers`) to these feedback records and open a case for each
    record that matches (the most urgent rule wins). A record that already has a case is skipped: imported
    again, edited or analysed again, it never gets a second one (the one-to-one column is unique; a concurrent
    writer loses cleanly). Returns the number of cases opened."""
    rules = _active_rules(triggers)
    if not rules or not feedback_ids:
        return 0
    records = (
        Feedback.objects.filter(pk__in=list(feedback_ids), case__isnull=True)
        .select_related("touchpoint", "source", "customer")
        .order_by("pk")
    )
    negative_topics = None
    if any(rule.trigger in TOPIC_TRIGGERS for rule, _filters in rules):
        negative_topics = negative_comment_topics(feedback_ids)
    opened = 0
    for feedback in records:
        rule = next((r for r, filters in rules if rule_matches(r, feedback, filters, negative_topics)), None)
        department_id = owner_department_id(feedback)
        if rule is None or department_id is None:
            continue
        try:
            case_create(actor=None, feedback=feedback, rule=rule)
            opened += 1
        except CaseExists:
            continue
    return opened


def cases_from_comment_analysis(*, feedback_ids) -> int:
    """Called by text analytics when comment analyses were written or corrected (inside that transaction):
    apply the active negative-topic rules to these records. Returns the number of cases opened."""
    if not feedback_ids or not CaseRule.objects.filter(active=True, trigger__in=TOPIC_TRIGGERS).exists():
        return 0
    return cases_from_feedback(feedback_ids=feedback_ids, triggers=TOPIC_TRIGGERS)


def owner_department_id(feedback: Feedback) -> int | None:
    """The department that owns the touchpoint; the data source's owner when the record has no touchpoint."""
    if feedback.touchpoint_id is not None:
        return feedback.touchpoint.owner_department_id
    return feedback.source.owner_department_id


def case_create(*, actor, feedback: Feedback, rule: CaseRule | None = None, priority=None, sla_hours=None) -> Case:
    """Open a case for a feedback record (by a rule, or by hand with `actor`), routed to the department that
    owns the record's touchpoint, due after the rule's SLA. Raises CaseExists when the record has a case and
    CaseInvalid when no department owns the record."""
    department_id = owner_department_id(feedback)
    if department_id is None:
        raise CaseInvalid(_("No department owns this feedback record's touchpoint or data source."))
    hours = sla_hours or (rule.sla_hours if rule else 48)
    now = timezone.now()
    try:
        with transaction.atomic():
            case = Case.objects.create(
                feedback=feedback, rule=rule, customer_id=feedback.customer_id, touchpoint_id=feedback.touchpoint_id,
                department_id=department_id, priority=priority or (rule.priority if rule else Priority.NORMAL),
                sla_due_at=now + timedelta(hours=hours),
            )  # fmt: skip
            case.number = f"C-{now.year}-{case.pk:06d}"
            Case.objects.filter(pk=case.pk).update(number=case.number)
            _event(case, EventKind.CREATED, actor, data={"rule": rule.name if rule else None})
            audit_record(actor=actor, action="create", instance=case, changes=snapshot(case, CASE_FIELDS))
            _notify(case, "case_created", _department_workers(department_id), _("New case %(number)s"))
    except IntegrityError as error:
        raise CaseExists(str(feedback)) from error
    return case


# --- transitions --------------------------------------------------------------------------------------------


def _locked(case: Case, expected_version: int | None, *, open_only: bool = True) -> Case:
    """The case row, locked for this transaction, after checking the version the actor saw and its state."""
    # No joins here: PostgreSQL re-checks a join against the old row after waiting for the lock, so a case
    # handed over meanwhile (new department_id) would vanish from the result instead of showing its new version.
    current = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and current.version != expected_version:
        raise CaseConflict
    if open_only and current.status == Status.CLOSED:
        raise CaseConflict(_("This case is closed."))
    return current


def _save(case: Case, actor, changes: dict) -> Case:
    """Write the changes only if nobody wrote a newer version first; the loser gets CaseConflict."""
    before = snapshot(case, CASE_FIELDS)
    now = timezone.now()
    written = Case.objects.filter(pk=case.pk, version=case.version).update(
        **changes, version=F("version") + 1, updated_at=now
    )
    if written != 1:
        raise CaseConflict
    for name, value in changes.items():
        setattr(case, name, value)
    case.version += 1
    case.updated_at = now
    changed = diff(before, snapshot(case, CASE_FIELDS))
    if changed:
        audit_record(actor=actor, action="update", instance=case, changes=changed)
    return case


def _event(case: Case, kind: str, actor, *, note: str = "", data=None, from_department=None) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=actor if actor is not None and actor.is_authenticated else None,
        department_id=case.department_id, from_department=from_department, note=note, data=data or {},
    )  # fmt: skip


def case_assign(*, actor, case: Case, assignee: User, expected_version: int | None) -> Case:
    """Assign the case to a member of its department; an open or handed-over case is then in progress."""
    with transaction.atomic():
        case = _locked(case, expected_version)
        if not assignee.memberships.filter(department_id=case.department_id).exists():
            raise CaseInvalid(_("The assignee must be a member of the case's department."))
        case = _save(case, actor, {"assignee": assignee, "status": Status.IN_PROGRESS})
        _event(case, EventKind.ASSIGNED, actor, data={"assignee": str(assignee)})
        _notify(case, "case_assigned", [assignee], _("Case %(number)s was assigned to you"))
    return case


def case_comment(*, actor, case: Case, text: str, expected_version: int | None) -> Case:
    """Add a comment to the timeline (counts as a change: the version grows)."""
    if not text.strip():
        raise CaseInvalid(_("Write a comment."))
    with transaction.atomic():
        case = _locked(case, expected_version)
        case = _save(case, actor, {})
        _event(case, EventKind.COMMENTED, actor, note=text.strip())
    return case


def case_handover(*, actor, case: Case, to_department: Department, note: str, expected_version: int | None) -> Case:
    """Hand the case to another department with a note. The receiving department owns it from now on, sees
    the whole timeline and the customer's words; the assignee is cleared. The SLA due time stays: it is the
    customer's clock, not the department's."""
    if to_department.pk == case.department_id:
        raise CaseInvalid(_("Choose another department."))
    if not note.strip():
        raise CaseInvalid(_("Write a note for the receiving department."))
    with transaction.atomic():
        case = _locked(case, expected_version)
        from_department = case.department
        case = _save(case, actor, {"department": to_department, "assignee": None, "status": Status.HANDED_OVER})
        _event(case, EventKind.HANDED_OVER, actor, note=note.strip(), from_department=from_department,
               data={"from": from_department.name, "to": to_department.name})  # fmt: skip
        _notify(case, "case_handed_over", _department_workers(to_department.pk),
                _("Case %(number)s was handed over to your department"))  # fmt: skip
    return case


def case_escalate(*, actor, case: Case, expected_version: int | None, reason: str = "") -> Case:
    """Escalate the case (by hand, or by `cases_escalate_overdue` when its SLA passed). Escalating twice is
    refused; the CX team and the department are told."""
    with transaction.atomic():
        case = _locked(case, expected_version)
        if case.escalated_at is not None:
            raise CaseConflict(_("This case is already escalated."))
        case = _save(case, actor, {"escalated_at": timezone.now()})
        _event(case, EventKind.ESCALATED, actor, note=reason)
        recipients = list(_department_workers(case.department_id)) + list(_cx_team())
        _notify(case, "case_sla_breached", recipients, _("Case %(number)s was escalated"))
    return case


def case_close(*, actor, case: Case, root_cause: str, resolution: str, expected_version: int | None,
               root_cause_detail: str = "") -> Case:  # fmt: skip
    """Close the case; a root cause and a resolution are required."""
    if not root_cause or not resolution.strip():
        raise CaseInvalid(_("A root cause and a resolution are required to close a case."))
    with transaction.atomic():
        case = _locked(case, expected_version)
        changes = {"status": Status.CLOSED, "root_cause": root_cause, "root_cause_detail": root_cause_detail.strip(),
                   "resolution": resolution.strip(), "closed_at": timezone.now()}  # fmt: skip
        case = _save(case, actor, changes)
        _event(case, EventKind.CLOSED, actor, note=resolution.strip(), data={"root_cause": root_cause})
        _notify(case, "case_closed", _department_workers(case.department_id), _("Case %(number)s was closed"))
    return case


def case_update(*, actor, case: Case, priority: str | None = None, assignee=False,
                expected_version: int | None = None) -> Case:  # fmt: skip
    """Change the priority and/or the assignee (None unassigns; False leaves it). Closed cases stay as they are."""
    with transaction.atomic():
        case = _locked(case, expected_version)
        changes = {}
        if priority is not None and priority != case.priority:
            changes["priority"] = priority
        if assignee is not False and assignee != case.assignee:
            if assignee is not None and not assignee.memberships.filter(department_id=case.department_id).exists():
                raise CaseInvalid(_("The assignee must be a member of the case's department."))
            changes["assignee"] = assignee
        if not changes:
            return case
        data = {k: str(v) if v is not None else None for k, v in changes.items()}
        case = _save(case, actor, changes)
        _event(case, EventKind.UPDATED, actor, data=data)
    return case


def cases_escalate_overdue(*, now=None) -> int:
    """Escalate every open case past its SLA that is not escalated yet. Safe to run twice: an escalated case is
    skipped, and a case changed meanwhile by someone else is left for the next run. Returns the number escalated."""
    now = now or timezone.now()
    overdue = Case.objects.filter(status__in=OPEN_STATUSES, escalated_at__isnull=True, sla_due_at__lte=now)
    escalated = 0
    for case in overdue.order_by("sla_due_at", "pk"):
        try:
            case_escalate(actor=None, case=case, expected_version=case.version, reason=str(_("SLA passed")))
            escalated += 1
        except CaseConflict:
            continue
    return escalated


# --- notifications ------------------------------------------------------------------------------------------


def _department_workers(department_id: int):
    return User.objects.filter(
        is_active=True, memberships__department_id=department_id, memberships__role__in=WORKING_ROLES
    ).distinct()


def _cx_team():
    return User.objects.filter(is_active=True, memberships__role__in=["cx_lead", "cx_team"]).distinct()


def _payload(case: Case) -> dict:
    return {
        "id": str(case.public_id),
        "number": case.number,
        "status": case.status,
        "department": case.department.code if case.department_id else None,
        "version": case.version,
    }


def _notify(case: Case, event: str, recipients, subject) -> None:
    """Inbox entries and webhook deliveries in the case's transaction (the notifications app sends after commit)."""
    text = str(subject) % {"number": case.number}
    link = reverse("cases:detail", args=[case.public_id])
    notify.notify(event=event, recipients=list(recipients), subject=text, body=text, link=link, obj=case)
    notify.webhook_emit(event=event, payload=_payload(case))
