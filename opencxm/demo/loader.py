"""Load the demo company Musterfrau AG (seed 002) into the database, idempotently.

Every row is found by its natural key (department code, channel code, touchpoint code, segment code,
journey name + segment + kind, stage position, step position, username) and only saved when a field
differs, all inside one transaction: a second run creates nothing and touches no `updated_at`.
Rows that users added to the demo company are left alone; passwords are only set when a user is created.
"""

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import models, transaction

from opencxm.accounts.models import Department, Membership, User
from opencxm.core.audit import audit_record, diff, snapshot
from opencxm.core.models import AuditEntry
from opencxm.demo import company
from opencxm.demo.journeys import JOURNEYS
from opencxm.demo.touchpoints import TOUCHPOINTS
from opencxm.journeys.models import CustomerNeed, Journey, JourneyStep, Segment, Stage
from opencxm.touchpoints.models import Channel, Touchpoint, TouchpointContribution

DEMO_PASSWORD = "musterfrau-demo"
# Retired touchpoints get a fixed date so that a second run finds nothing to change.
RETIRED_AT = datetime(2024, 6, 30, 16, 0, tzinfo=UTC)
AUDITED_TOUCHPOINT_FIELDS = ["code", "name", "channel", "owner_department", "status", "moment_of_truth"]


def load_demo(*, log=print, feedback_scale: float | None = None) -> list[str]:
    """Create or update Musterfrau AG; return summary lines (what exists, what this run changed).

    Afterwards the year of demo feedback and operational figures is loaded (`demo.feedback`, its own
    transactions, skipped when already there) at `feedback_scale` (default: the setting
    `OPENCXM_DEMO_FEEDBACK_SCALE`, else 1 = 52,000 responses; 0 loads none), and with it the goals and
    their alerts as of the day after the demo year (`demo.goals`, no e-mail), the CX team's corrections of
    comment analyses with the classifiers trained on them (`demo.corrections`), and the customers' events of
    that year built from their feedback (`demo.events`, log "Musterfrau AG Kundenkontakte").
    """
    log("Loading the demo company Musterfrau AG …")
    tally = Counter()
    with transaction.atomic():
        departments = _load_departments(tally)
        channels = _load_channels(tally)
        touchpoints = _load_touchpoints(tally, channels, departments)
        segments = _load_segments(tally, channels)
        _load_journeys(tally, segments, touchpoints)
        _load_users(tally, departments)
    summary = _summary(tally)
    _load_feedback(feedback_scale, log)
    return summary


def _load_feedback(scale: float | None, log) -> None:
    if scale is None:
        scale = getattr(settings, "OPENCXM_DEMO_FEEDBACK_SCALE", 1.0)
    if scale > 0:
        from opencxm.demo import loop
        from opencxm.demo.feedback import load_feedback
        from opencxm.demo.goals import load_goals

        loop.release_replaced_feedback(scale)  # demo cases protect the feedback rows about to be replaced
        outcome = load_feedback(scale=scale, log=log)
        load_goals(feedback_changed=set(outcome.values()) != {"unchanged"}, log=log)
        _load_text_analytics(feedback_changed=set(outcome.values()) != {"unchanged"}, log=log)
        from opencxm.demo.corrections import load_corrections

        load_corrections(log=log)  # the CX team's corrections and the classifiers learnt from them
        from opencxm.demo.events import load_events

        load_events(scale=scale, log=log)  # the customers' year of events, from their feedback (demo.events)
        if loop.enabled():
            loop.load_loop(log=log)  # insights, roadmap and playbook, case rules and cases (demo.loop)


def _load_text_analytics(*, feedback_changed: bool, log) -> None:
    """The default topic taxonomy; the comments are analysed in the background (`opencxm worker` or `enrich`)."""
    from opencxm.textanalytics.services import enrichment_enqueue, taxonomy_load_default

    created = taxonomy_load_default()
    if created or feedback_changed:
        enrichment_enqueue()
        log(f"Default topic taxonomy: {created} topics created; comments are analysed in the background.")


# -- writing helpers ---------------------------------------------------------------------------------------


def _upsert(model, lookup: dict, values: dict, tally: Counter, *, on_create: dict | None = None):
    """Get the row matching `lookup`; create it with `values` (and `on_create`), or save it only if a value differs."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values, **(on_create or {}))
        tally["created"] += 1
        return obj, True
    changed = [name for name, value in values.items() if _differs(obj, name, value)]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save()
        tally["updated"] += 1
    return obj, False


def _differs(obj: models.Model, name: str, value) -> bool:
    field = obj._meta.get_field(name)
    if field.is_relation:
        return getattr(obj, field.attname) != (value.pk if value is not None else None)
    return getattr(obj, name) != value


def _set_m2m(manager, wanted: list, tally: Counter, *, created: bool) -> None:
    """Set a many-to-many relation only when it differs; on a new row it counts as part of the creation."""
    if {obj.pk for obj in manager.all()} != {obj.pk for obj in wanted}:
        manager.set(wanted)
        tally["updated"] += not created


# -- organisation ------------------------------------------------------------------------------------------


def _load_departments(tally: Counter) -> dict[str, Department]:
    departments = {}
    for code, name, description, customer_facing in company.DEPARTMENTS:
        values = {"name": name, "description": description, "customer_facing": customer_facing}
        departments[code], _ = _upsert(Department, {"code": code}, values, tally)
    return departments


def _load_channels(tally: Counter) -> dict[str, Channel]:
    channels = {}
    for code, name, kind, description in company.CHANNELS:
        values = {"name": name, "kind": kind, "description": description}
        channels[code], _ = _upsert(Channel, {"code": code}, values, tally)
    return channels


def _load_users(tally: Counter, departments: dict[str, Department]) -> None:
    password = None  # hashed once: Argon2 is deliberately slow
    for username, first_name, last_name, memberships, admin in company.USERS:
        values = {
            "first_name": first_name,
            "last_name": last_name,
            "email": company.email_for(first_name, last_name),
            "is_staff": admin,
            "is_superuser": admin,
        }
        if password is None and not User.objects.filter(username=username).exists():
            password = make_password(DEMO_PASSWORD)
        user, _ = _upsert(User, {"username": username}, values, tally, on_create={"password": password})
        for code, role in memberships:
            _, created = Membership.objects.get_or_create(user=user, department=departments[code], role=role)
            tally["created"] += created


# -- touchpoints -------------------------------------------------------------------------------------------


def _load_touchpoints(tally: Counter, channels: dict, departments: dict) -> dict[str, Touchpoint]:
    touchpoints = {}
    for data in TOUCHPOINTS:
        touchpoint, created = _upsert(
            Touchpoint, {"code": data["code"]}, _touchpoint_values(data, channels, departments), tally
        )
        if created:
            _audit_import(touchpoint)
        for code, raci in data["contributions"].items():
            lookup = {"touchpoint": touchpoint, "department": departments[code]}
            _upsert(TouchpointContribution, lookup, {"raci": raci}, tally)
        touchpoints[data["code"]] = touchpoint
    return touchpoints


def _touchpoint_values(data: dict, channels: dict, departments: dict) -> dict:
    return {
        "name": data["name"],
        "description": data["description"],
        "channel": channels[data["channel"]],
        "owner_department": departments[data["owner"]],
        "status": data["status"],
        "moment_of_truth": data["moment_of_truth"],
        "processes": data["processes"],
        "systems": data["systems"],
        "retired_at": RETIRED_AT if data["status"] == "retired" else None,
    }


def _audit_import(touchpoint: Touchpoint) -> None:
    """One "imported" entry at creation, so the touchpoint's change history starts with the demo import."""
    changes = diff({}, snapshot(touchpoint, AUDITED_TOUCHPOINT_FIELDS))
    audit_record(actor=None, action=AuditEntry.Action.IMPORT, instance=touchpoint, changes=changes)


# -- segments and journeys ---------------------------------------------------------------------------------


def _load_segments(tally: Counter, channels: dict) -> dict[str, Segment]:
    segments = {}
    for data in company.SEGMENTS:
        values = {
            "name": data["name"],
            "description": data["description"],
            "decision_drivers": data["decision_drivers"],
            "is_target": data["is_target"],
        }
        segment, created = _upsert(Segment, {"code": data["code"]}, values, tally)
        wanted_channels = [channels[code] for code in data["preferred_channels"]]
        _set_m2m(segment.preferred_channels, wanted_channels, tally, created=created)
        for position, text in enumerate(data["needs"], start=1):
            _upsert(CustomerNeed, {"segment": segment, "position": position}, {"text": text}, tally)
        segments[data["code"]] = segment
    return segments


def _load_journeys(tally: Counter, segments: dict, touchpoints: dict) -> None:
    for data in JOURNEYS:
        lookup = {"name": data["name"], "segment": segments[data["segment"]], "kind": data["kind"]}
        journey, _ = _upsert(Journey, lookup, {"description": data["description"]}, tally)
        for position, (name, description, steps) in enumerate(data["stages"], start=1):
            values = {"name": name, "description": description}
            stage, _ = _upsert(Stage, {"journey": journey, "position": position}, values, tally)
            _load_steps(tally, stage, steps, touchpoints)


def _load_steps(tally: Counter, stage: Stage, steps: list[dict], touchpoints: dict) -> None:
    for position, step in enumerate(steps, start=1):
        values = {
            "touchpoint": touchpoints[step["touchpoint"]],
            "customer_action": step["customer_action"],
            "customer_thoughts": step["customer_thoughts"],
            "emotion": step["emotion"],
            "target_score": Decimal(step["target_score"]),
            "pain_points": step["pain_points"],
        }
        _upsert(JourneyStep, {"stage": stage, "position": position}, values, tally)


# -- summary -----------------------------------------------------------------------------------------------


def _summary(tally: Counter) -> list[str]:
    stages = sum(len(journey["stages"]) for journey in JOURNEYS)
    steps = sum(len(stage[2]) for journey in JOURNEYS for stage in journey["stages"])
    moments = sum(1 for data in TOUCHPOINTS if data["moment_of_truth"])
    channels = len({data["channel"] for data in TOUCHPOINTS})
    changes = f"{tally['created']} created, {tally['updated']} updated"
    return [
        f"{len(company.DEPARTMENTS)} departments, {len(company.CHANNELS)} channels, {len(company.SEGMENTS)} segments",
        f"{len(TOUCHPOINTS)} touchpoints over {channels} channels ({moments} moments of truth)",
        f"{len(JOURNEYS)} journeys, {stages} stages, {steps} steps",
        f"{len(company.USERS)} users",
        f"unchanged ({changes})" if not (tally["created"] or tally["updated"]) else f"changes: {changes}",
    ]
