"""Writes for the CX organisation. Every change is audited in the same transaction."""

import secrets
from collections import Counter
from datetime import timedelta

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from opencxm.accounts.models import ApiToken, Department, Membership, User
from opencxm.core.api_auth import TOKEN_PREFIX, token_digest
from opencxm.core.audit import audit_record, diff, snapshot
from opencxm.core.models import AuditEntry

DEPARTMENT_FIELDS = ["code", "name", "description", "customer_facing"]
USER_FIELDS = ["username", "first_name", "last_name", "email", "is_active"]
MEMBERSHIP_FIELDS = ["user", "department", "role"]
TOKEN_FIELDS = ["name", "prefix", "scope", "expires_at", "revoked_at"]


class DepartmentInUse(Exception):
    """The department still owns touchpoints (or other protected objects) and cannot be deleted."""


def department_create(*, actor, code: str, name: str, description: str = "", customer_facing: bool = True):
    """Create a department; raises ValidationError for a duplicate code or name."""
    department = Department(code=code, name=name, description=description, customer_facing=customer_facing)
    department.full_clean()
    with transaction.atomic():
        department.save()
        changes = snapshot(department, DEPARTMENT_FIELDS)
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=department, changes=changes)
    return department


def department_update(*, actor, department: Department, **fields) -> Department:
    """Change a department's code, name, description or customer contact flag."""
    before = snapshot(department, DEPARTMENT_FIELDS)
    for name, value in fields.items():
        if name not in DEPARTMENT_FIELDS:
            raise TypeError(f"unknown department field {name!r}")
        setattr(department, name, value)
    department.full_clean()
    with transaction.atomic():
        department.save()
        changes = diff(before, snapshot(department, DEPARTMENT_FIELDS))
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=department, changes=changes)
    return department


def department_delete(*, actor, department: Department) -> None:
    """Delete a department and its memberships; raises DepartmentInUse while it owns touchpoints."""
    before = snapshot(department, DEPARTMENT_FIELDS)
    try:
        with transaction.atomic():
            audit_record(actor=actor, action=AuditEntry.Action.DELETE, instance=department, changes=before)
            department.delete()
    except ProtectedError as error:
        raise DepartmentInUse(
            _("“%(name)s” cannot be deleted because it still owns %(objects)s. Move them to another department first.")
            % {"name": department.name, "objects": _protected_summary(error.protected_objects)}
        ) from error


def _protected_summary(objects) -> str:
    """'3 touchpoints, 1 case': what keeps a department from being deleted."""
    counts = Counter(str(obj._meta.verbose_name_plural) for obj in objects)
    return ", ".join(f"{count} {name}" for name, count in sorted(counts.items()))


def user_create(
    *,
    actor,
    username: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    password: str | None = None,
    set_password_link: bool = False,
    domain: str = "localhost",
    use_https: bool = False,
) -> User:
    """Create a user with a password, or with an unusable password and a set-password link by e-mail."""
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save()
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=user, changes=snapshot(user, USER_FIELDS))
    if set_password_link and email:
        user_send_set_password_link(user=user, domain=domain, use_https=use_https)
    return user


def user_send_set_password_link(*, user: User, domain: str, use_https: bool) -> None:
    """E-mail the user a one-time link to choose a password (works for unusable passwords too)."""
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": "OpenCXM",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
    }
    PasswordResetForm().send_mail(
        "accounts/emails/set_password_subject.txt",
        "accounts/emails/set_password_email.txt",
        context,
        None,
        user.email,
    )


def user_update(*, actor, user: User, **fields) -> User:
    """Change a user's name, e-mail or active flag. Users are deactivated, never deleted."""
    if fields.get("is_active") is False and actor is not None and actor.pk == user.pk:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    before = snapshot(user, USER_FIELDS)
    for name, value in fields.items():
        if name not in USER_FIELDS:
            raise TypeError(f"unknown user field {name!r}")
        setattr(user, name, value)
    with transaction.atomic():
        user.save()
        changes = diff(before, snapshot(user, USER_FIELDS))
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=user, changes=changes)
    return user


def membership_add(*, actor, user: User, department: Department, role: str) -> Membership:
    """Give the user a role in a department; raises ValidationError if they already have it."""
    membership = Membership(user=user, department=department, role=role)
    membership.full_clean()
    with transaction.atomic():
        membership.save()
        changes = snapshot(membership, MEMBERSHIP_FIELDS)
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=membership, changes=changes)
    return membership


def membership_remove(*, actor, membership: Membership) -> None:
    """Take a role in a department away from a user."""
    with transaction.atomic():
        changes = snapshot(membership, MEMBERSHIP_FIELDS)
        audit_record(actor=actor, action=AuditEntry.Action.DELETE, instance=membership, changes=changes)
        membership.delete()


def token_create(*, actor, name: str, scope: str, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Create a personal API token for the actor. Returns the token and the raw secret, shown only once."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken(user=actor, name=name, scope=scope, digest=token_digest(raw), prefix=raw[:12])
    token.expires_at = expires_at
    with transaction.atomic():
        token.save()
        audit_record(
            actor=actor, action=AuditEntry.Action.CREATE, instance=token, changes=snapshot(token, TOKEN_FIELDS)
        )
    return token, raw


def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke a token: it stops working at once. Revoking twice keeps the first time."""
    if token.revoked_at is not None:
        return token
    before = snapshot(token, TOKEN_FIELDS)
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        changes = diff(before, snapshot(token, TOKEN_FIELDS))
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=token, changes=changes)
    return token
