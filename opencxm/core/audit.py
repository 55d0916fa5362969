"""Writing and reading the audit trail."""

from django.db import models
from django.forms.models import model_to_dict

from opencxm.core.models import AuditEntry


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    """The audited fields of an instance as JSON-safe values (foreign keys by their string form)."""
    values = {}
    raw = model_to_dict(instance, fields=fields)
    for name in fields:
        field = instance._meta.get_field(name)
        if field.is_relation and field.many_to_one:
            related = getattr(instance, name)
            values[name] = str(related) if related is not None else None
        elif field.is_relation:
            continue
        else:
            value = raw.get(name, getattr(instance, name))
            values[name] = value if isinstance(value, (str, int, float, bool, list, dict, type(None))) else str(value)
    return values


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed."""
    return {key: [before.get(key), after.get(key)] for key in after if before.get(key) != after.get(key)}


def audit_record(*, actor, action: str, instance: models.Model, changes: dict | None = None) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=instance.public_id,
        object_repr=str(instance)[:300],
        changes=changes or {},
    )


def audit_history(instance: models.Model):
    return AuditEntry.objects.filter(
        object_type=instance._meta.label_lower, object_id=instance.public_id
    ).select_related("actor")
