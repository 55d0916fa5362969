"""Writes for insights and actions. Every change writes an event row (the timeline) and an audit entry in
the same transaction. Transitions are conditional updates (`... WHERE status = <old>`), so two concurrent
transitions from the same state cannot both win."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opencxm.core.audit import audit_record, diff, snapshot
from opencxm.insights.choices import (
    ACTION_TRANSITIONS,
    INSIGHT_TRANSITIONS,
    VALIDATE_FROM,
    ActionEventType,
    ActionStatus,
    InsightEventType,
    InsightStatus,
    ValidationMethod,
)
from opencxm.insights.models import Action, ActionEvent, Insight, InsightEvent

INSIGHT_FIELDS = [
    "kind", "title", "description", "owner_department", "impact", "effort", "status", "validation_method",
    "validation_note", "evidence_query", "evidence_note",
]  # fmt: skip
INSIGHT_RELATIONS = ("touchpoints", "steps", "segments", "feedback")
ACTION_FIELDS = [
    "track", "category", "title", "description", "owner_department", "owner_user", "due_date", "status",
    "references", "metric", "expected_change", "done_at",
]  # fmt: skip
ACTION_RELATIONS = ("touchpoints",)


class TransitionError(Exception):
    """The requested status change is not allowed from the current status (or someone changed it first)."""


def _actor(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _relation_snapshot(instance, names) -> dict:
    return {
        name: sorted(str(pk) for pk in getattr(instance, name).values_list("public_id", flat=True)) for name in names
    }


def _set_relations(instance, relations: dict) -> None:
    for name, objects in relations.items():
        getattr(instance, name).set(objects)


@transaction.atomic
def insight_create(*, actor, data: dict, relations: dict | None = None) -> Insight:
    """Record an insight. `relations` maps touchpoints/steps/segments/feedback to objects."""
    insight = Insight(**data, created_by=_actor(actor), status=InsightStatus.NEW)
    insight.full_clean()
    insight.save()
    _set_relations(insight, relations or {})
    InsightEvent.objects.create(insight=insight, type=InsightEventType.CREATED, actor=_actor(actor))
    changes = snapshot(insight, INSIGHT_FIELDS) | _relation_snapshot(insight, INSIGHT_RELATIONS)
    audit_record(actor=actor, action="create", instance=insight, changes=changes)
    return insight


@transaction.atomic
def insight_update(*, actor, insight: Insight, data: dict, relations: dict | None = None) -> Insight:
    """Change an insight's fields (not its status: that is `insight_transition`)."""
    data = {key: value for key, value in data.items() if key not in ("status", "validated_at", "validated_by")}
    before = snapshot(insight, INSIGHT_FIELDS) | _relation_snapshot(insight, INSIGHT_RELATIONS)
    for key, value in data.items():
        setattr(insight, key, value)
    insight.full_clean()
    insight.save()
    _set_relations(insight, relations or {})
    changes = diff(before, snapshot(insight, INSIGHT_FIELDS) | _relation_snapshot(insight, INSIGHT_RELATIONS))
    if changes:
        added = sorted(set(changes.get("feedback", [[], []])[1]) - set(changes.get("feedback", [[], []])[0]))
        InsightEvent.objects.create(
            insight=insight, type=InsightEventType.UPDATED, actor=_actor(actor), parameters={"fields": sorted(changes)}
        )
        if added:
            InsightEvent.objects.create(
                insight=insight,
                type=InsightEventType.EVIDENCE_ADDED,
                actor=_actor(actor),
                parameters={"feedback": added},
            )
        audit_record(actor=actor, action="update", instance=insight, changes=changes)
    return insight


def _switch(model, instance, allowed_from, new_status, extra: dict) -> str:
    """Conditional UPDATE from the status the caller saw; raises TransitionError if it is not allowed or stale."""
    old = instance.status
    if old not in allowed_from:
        raise TransitionError(_("This change is not possible from the current status."))
    now = timezone.now()
    changed = model.objects.filter(pk=instance.pk, status=old).update(status=new_status, updated_at=now, **extra)
    if changed != 1:
        raise TransitionError(_("Someone else changed the status meanwhile. Please reload the page."))
    instance.status = new_status
    instance.updated_at = now
    for key, value in extra.items():
        setattr(instance, key, value)
    return old


@transaction.atomic
def insight_transition(*, actor, insight: Insight, status: str, note: str = "") -> Insight:
    """Move an insight to `status` (see choices.INSIGHT_TRANSITIONS); writes a status event."""
    allowed_from = INSIGHT_TRANSITIONS.get(status, ())
    old = _switch(Insight, insight, allowed_from, status, {})
    InsightEvent.objects.create(
        insight=insight,
        type=InsightEventType.STATUS_CHANGED,
        actor=_actor(actor),
        parameters={"from": old, "to": status, "note": note},
    )
    audit_record(actor=actor, action="update", instance=insight, changes={"status": [old, status]})
    return insight


@transaction.atomic
def insight_validate(*, actor, insight: Insight, method: str, note: str) -> Insight:
    """Record how the insight was checked with customers (seed 001) and mark it validated."""
    if method not in ValidationMethod.values or method == ValidationMethod.NONE:
        raise TransitionError(_("Choose how the insight was validated."))
    now = timezone.now()
    extra = {"validation_method": method, "validation_note": note, "validated_at": now, "validated_by": _actor(actor)}
    old = _switch(Insight, insight, VALIDATE_FROM, InsightStatus.VALIDATED, extra)
    InsightEvent.objects.create(
        insight=insight,
        type=InsightEventType.VALIDATED,
        actor=_actor(actor),
        parameters={"from": old, "method": method, "note": note},
    )
    changes = {"status": [old, InsightStatus.VALIDATED], "validation_method": [ValidationMethod.NONE, method]}
    audit_record(actor=actor, action="update", instance=insight, changes=changes)
    return insight


@transaction.atomic
def action_create(*, actor, insight: Insight, data: dict, touchpoints=()) -> Action:
    """Plan an action for an insight; writes events on the action and on the insight."""
    action = Action(**data, insight=insight, status=ActionStatus.PLANNED)
    action.full_clean()
    action.save()
    action.touchpoints.set(touchpoints)
    ActionEvent.objects.create(action=action, type=ActionEventType.CREATED, actor=_actor(actor))
    InsightEvent.objects.create(
        insight=insight,
        type=InsightEventType.ACTION_ADDED,
        actor=_actor(actor),
        parameters={"action": str(action.public_id), "title": action.title},
    )
    changes = snapshot(action, ACTION_FIELDS) | _relation_snapshot(action, ACTION_RELATIONS)
    audit_record(actor=actor, action="create", instance=action, changes=changes)
    return action


@transaction.atomic
def action_update(*, actor, action: Action, data: dict, touchpoints=None) -> Action:
    """Change an action's fields (not its status: that is `action_transition`)."""
    data = {key: value for key, value in data.items() if key not in ("status", "done_at", "insight")}
    before = snapshot(action, ACTION_FIELDS) | _relation_snapshot(action, ACTION_RELATIONS)
    for key, value in data.items():
        setattr(action, key, value)
    action.full_clean()
    action.save()
    if touchpoints is not None:
        action.touchpoints.set(touchpoints)
    changes = diff(before, snapshot(action, ACTION_FIELDS) | _relation_snapshot(action, ACTION_RELATIONS))
    if changes:
        ActionEvent.objects.create(
            action=action, type=ActionEventType.UPDATED, actor=_actor(actor), parameters={"fields": sorted(changes)}
        )
        audit_record(actor=actor, action="update", instance=action, changes=changes)
    return action


@transaction.atomic
def action_transition(*, actor, action: Action, status: str, note: str = "") -> Action:
    """Move an action to `status` (see choices.ACTION_TRANSITIONS); done sets done_at, leaving done clears it."""
    allowed_from = ACTION_TRANSITIONS.get(status, ())
    done_at = timezone.now() if status == ActionStatus.DONE else None
    old = _switch(Action, action, allowed_from, status, {"done_at": done_at})
    ActionEvent.objects.create(
        action=action,
        type=ActionEventType.STATUS_CHANGED,
        actor=_actor(actor),
        parameters={"from": old, "to": status, "note": note},
    )
    audit_record(actor=actor, action="update", instance=action, changes={"status": [old, status]})
    return action
