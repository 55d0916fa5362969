"""Writes for the touchpoint registry and channels. Each write is atomic and leaves an audit entry."""

from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from opencxm.accounts.models import Department
from opencxm.core.audit import audit_record, diff, snapshot
from opencxm.core.models import AuditEntry
from opencxm.touchpoints.choices import TouchpointStatus
from opencxm.touchpoints.importing import TouchpointRow, normalize_reference
from opencxm.touchpoints.models import Channel, Touchpoint, TouchpointContribution

AUDITED_FIELDS = [
    "code",
    "name",
    "description",
    "channel",
    "owner_department",
    "status",
    "moment_of_truth",
    "processes",
    "systems",
    "retired_at",
]
CHANNEL_FIELDS = ["code", "name", "kind", "description"]
TOUCHPOINT_DATA = {"code", "name", "description", "channel", "owner_department", "status", "moment_of_truth"}


class TouchpointInUse(Exception):
    """The touchpoint is used in journey steps and cannot be deleted (retire it instead)."""


class ChannelInUse(Exception):
    """Touchpoints use the channel; it cannot be deleted."""


@dataclass(frozen=True)
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _pairs(contributions) -> list[tuple[str, str]]:
    return sorted((department.code, raci) for department, raci in contributions)


def _contributors_text(pairs) -> str:
    return ", ".join(f"{code}:{raci}" for code, raci in pairs)


def _current_pairs(touchpoint: Touchpoint) -> list[tuple[str, str]]:
    if touchpoint.pk is None:
        return []
    return sorted((c.department.code, c.raci) for c in touchpoint.contributions.all())


def _state(touchpoint: Touchpoint, pairs) -> dict:
    return snapshot(touchpoint, AUDITED_FIELDS) | {"contributors": _contributors_text(pairs)}


def _apply(touchpoint: Touchpoint, data: dict) -> None:
    """Set the given fields on the instance; keeps retired_at in step with the status."""
    for name, value in data.items():
        if name in ("processes", "systems"):
            value = [normalize_reference(entry) for entry in value if entry and entry.strip()]
        elif name not in TOUCHPOINT_DATA:
            raise ValueError(f"unknown touchpoint field {name}")
        setattr(touchpoint, name, value)
    if touchpoint.status == TouchpointStatus.RETIRED and touchpoint.retired_at is None:
        touchpoint.retired_at = timezone.now()
    elif touchpoint.status != TouchpointStatus.RETIRED:
        touchpoint.retired_at = None


def _replace_contributions(touchpoint: Touchpoint, contributions) -> None:
    touchpoint.contributions.all().delete()
    TouchpointContribution.objects.bulk_create(
        TouchpointContribution(touchpoint=touchpoint, department=department, raci=raci)
        for department, raci in contributions
    )
    getattr(touchpoint, "_prefetched_objects_cache", {}).pop("contributions", None)


def _write(*, actor, touchpoint: Touchpoint, data: dict, contributions, action: str | None = None) -> bool:
    """Apply data and contributions (None = keep); save and audit only if something changed."""
    creating = touchpoint.pk is None
    before_pairs = _current_pairs(touchpoint)
    before = {} if creating else _state(touchpoint, before_pairs)
    _apply(touchpoint, data)
    after_pairs = before_pairs if contributions is None else _pairs(contributions)
    changes = diff(before, _state(touchpoint, after_pairs))
    if not creating and not changes:
        return False
    touchpoint.save()
    if after_pairs != before_pairs:
        _replace_contributions(touchpoint, contributions)
    default_action = AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE
    audit_record(actor=actor, action=action or default_action, instance=touchpoint, changes=changes)
    return True


def touchpoint_create(*, actor, data: dict, contributions=()) -> Touchpoint:
    """Create a touchpoint. `data`: code, name, channel, owner_department and optional fields;
    `contributions`: (Department, RACI letter) pairs."""
    touchpoint = Touchpoint()
    with transaction.atomic():
        _write(actor=actor, touchpoint=touchpoint, data=data, contributions=list(contributions))
    return touchpoint


def touchpoint_update(*, actor, touchpoint: Touchpoint, data: dict, contributions=None) -> bool:
    """Change a touchpoint (contributions replaced when given). Returns whether anything changed."""
    with transaction.atomic():
        return _write(actor=actor, touchpoint=touchpoint, data=data, contributions=contributions)


def touchpoint_retire(*, actor, touchpoint: Touchpoint) -> None:
    """Mark the touchpoint retired (kept for history and journeys); sets retired_at."""
    with transaction.atomic():
        _write(
            actor=actor,
            touchpoint=touchpoint,
            data={"status": TouchpointStatus.RETIRED},
            contributions=None,
            action=AuditEntry.Action.RETIRE,
        )


def touchpoint_delete(*, actor, touchpoint: Touchpoint) -> None:
    """Delete a touchpoint that no journey step uses; raises TouchpointInUse otherwise."""
    with transaction.atomic():
        if touchpoint.journey_steps.exists():
            raise TouchpointInUse
        audit_record(
            actor=actor,
            action=AuditEntry.Action.DELETE,
            instance=touchpoint,
            changes=diff({}, _state(touchpoint, _current_pairs(touchpoint))),
        )
        touchpoint.delete()


def touchpoints_import(*, actor, rows: list[TouchpointRow], dry_run: bool = False) -> ImportCounts:
    """Write validated import rows by code, all or nothing. Unchanged touchpoints are not touched
    (no save, no audit entry), so importing the same file twice changes nothing the second time."""
    channels = {channel.code: channel for channel in Channel.objects.all()}
    departments = {department.code: department for department in Department.objects.all()}
    existing = {
        touchpoint.code: touchpoint
        for touchpoint in Touchpoint.objects.filter(code__in=[row.code for row in rows])
        .select_related("channel", "owner_department")
        .prefetch_related("contributions__department")
    }
    counts = Counter()
    with transaction.atomic():
        for row in rows:
            touchpoint = existing.get(row.code) or Touchpoint()
            created = touchpoint.pk is None
            data = _row_data(row, channels, departments)
            contributions = None
            if "contributors" in row.present or created:
                contributions = [(departments[code], raci) for code, raci in row.contributors]
            changed = _write(
                actor=actor,
                touchpoint=touchpoint,
                data=data,
                contributions=contributions,
                action=AuditEntry.Action.IMPORT,
            )
            counts["created" if created else "updated" if changed else "unchanged"] += 1
        if dry_run:
            transaction.set_rollback(True)
    return ImportCounts(**counts)


def _row_data(row: TouchpointRow, channels, departments) -> dict:
    data = {
        "code": row.code,
        "name": row.name,
        "channel": channels[row.channel],
        "owner_department": departments[row.owner_department],
    }
    for name in ("status", "moment_of_truth", "description"):
        if name in row.present:
            data[name] = getattr(row, name)
    for name in ("processes", "systems"):
        if name in row.present:
            data[name] = list(getattr(row, name))
    return data


def channel_create(*, actor, data: dict) -> Channel:
    """Create a channel (code, name, kind, description)."""
    channel = Channel(**data)
    with transaction.atomic():
        channel.full_clean()
        channel.save()
        audit_record(
            actor=actor, action=AuditEntry.Action.CREATE, instance=channel, changes=diff({}, _channel_state(channel))
        )
    return channel


def channel_update(*, actor, channel: Channel, data: dict) -> Channel:
    """Change a channel's fields; audited with the changed fields."""
    with transaction.atomic():
        before = _channel_state(channel)
        for name, value in data.items():
            setattr(channel, name, value)
        channel.full_clean()
        changes = diff(before, _channel_state(channel))
        if changes:
            channel.save()
            audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=channel, changes=changes)
    return channel


def channel_delete(*, actor, channel: Channel) -> None:
    """Delete a channel no touchpoint uses; raises ChannelInUse otherwise."""
    with transaction.atomic():
        if channel.touchpoints.exists():
            raise ChannelInUse
        audit_record(actor=actor, action=AuditEntry.Action.DELETE, instance=channel, changes={})
        channel.delete()


def _channel_state(channel: Channel) -> dict:
    return snapshot(channel, CHANNEL_FIELDS)
