"""Notifications: create them for recipients, e-mail them at once or in a daily digest, mark them read.

Other apps call `notify(...)` inside their own transaction; the e-mails go out after commit (a task), so a
rolled-back change never mails anyone. Each user's preference per event kind decides the e-mail: immediate
(default), daily digest, or none (inbox only).
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from opencxm.accounts.models import User
from opencxm.core.audit import audit_record, diff
from opencxm.notifications.choices import Delivery
from opencxm.notifications.events import NOTIFICATION_EVENTS, event_label
from opencxm.notifications.models import Notification, NotificationPreference

logger = logging.getLogger(__name__)
FOLLOW_DEFAULT = ""  # a kind without its own choice follows the user's "*" choice


def notify(
    *,
    event: str,
    recipients: Iterable[User],
    subject: str,
    body: str,
    link: str = "",
    obj=None,
    send_email: bool = True,
) -> list[Notification]:
    """Put a notification in each recipient's inbox (once per user; inactive users are skipped) and e-mail
    it after commit to those who want `event` immediately; digest users get it in the next daily digest.
    `link` is a path on this site (or a full URL); `obj` (a model with `public_id`) is remembered for
    reference. `send_email=False` creates inbox entries only (the caller mails on its own)."""
    users = _unique_active(recipients)
    if not users:
        return []
    modes = delivery_modes(users, event)
    object_type, object_id = _reference(obj)
    rows = [
        Notification(
            user=user,
            event=event,
            subject=str(subject)[:300],
            body=str(body),
            link=str(link)[:500],
            object_type=object_type,
            object_id=object_id,
            delivery=modes[user.pk] if send_email else Delivery.OFF,
        )
        for user in users
    ]
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows)
    immediate = [row.public_id for row in created if row.delivery == Delivery.IMMEDIATE and row.user.email]
    if immediate:
        transaction.on_commit(lambda: _enqueue_emails(immediate))
    return created


def department_recipients(department, roles=("ambassador",)) -> list[User]:
    """The active members of a department (a Department or its id) holding one of `roles`, by name."""
    department_id = getattr(department, "pk", department)
    users = User.objects.filter(
        is_active=True, memberships__department_id=department_id, memberships__role__in=list(roles)
    ).distinct()
    return list(users)


def delivery_modes(users: list[User], event: str) -> dict[int, str]:
    """Each user's delivery for `event`: their choice for the event, else their "*" choice, else immediate."""
    rows = NotificationPreference.objects.filter(
        user__in=users, event__in=[event, NotificationPreference.ALL_EVENTS]
    ).values_list("user_id", "event", "mode")
    specific, fallback = {}, {}
    for user_id, pref_event, mode in rows:
        (specific if pref_event == event else fallback)[user_id] = mode
    return {user.pk: specific.get(user.pk) or fallback.get(user.pk) or Delivery.IMMEDIATE for user in users}


def _unique_active(recipients: Iterable[User]) -> list[User]:
    seen, users = set(), []
    for user in recipients:
        if user is not None and user.is_active and user.pk not in seen:
            seen.add(user.pk)
            users.append(user)
    return users


def _reference(obj) -> tuple[str, object]:
    if obj is None:
        return "", None
    return obj._meta.label_lower, getattr(obj, "public_id", None)


def _enqueue_emails(public_ids: list) -> None:
    from opencxm.notifications.tasks import send_notification_emails

    send_notification_emails.enqueue([str(public_id) for public_id in public_ids])


# --- e-mail --------------------------------------------------------------------------------------------------


def emails_send(public_ids: list) -> int:
    """Send the immediate e-mails of these notifications not sent yet; returns the number sent. Each is
    claimed by a conditional update first (safe to run twice); a failed send releases the claim."""
    sent = 0
    pending = Notification.objects.filter(
        public_id__in=public_ids, delivery=Delivery.IMMEDIATE, emailed_at__isnull=True
    ).select_related("user")
    for notification in pending:
        sent += _email_one(notification)
    return sent


def emails_retry(max_age=timedelta(days=2)) -> int:
    """Send the immediate e-mails that failed or were never sent (no worker ran), of the last `max_age`."""
    pending = Notification.objects.filter(
        delivery=Delivery.IMMEDIATE, emailed_at__isnull=True, created_at__gte=timezone.now() - max_age
    ).exclude(user__email="")
    return emails_send(list(pending.values_list("public_id", flat=True)))


def _email_one(notification: Notification) -> int:
    claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True)
    if not claimed.update(emailed_at=timezone.now()):
        return 0
    try:
        notification_message(notification).send()
    except Exception:
        logger.exception("could not e-mail notification %s", notification.public_id)
        Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
        return 0
    return 1


def absolute_url(link: str) -> str:
    """A link as the recipient can open it from an e-mail (site paths get OPENCXM_BASE_URL)."""
    if not link or link.startswith(("http://", "https://")):
        return link
    return settings.OPENCXM_BASE_URL.rstrip("/") + "/" + link.lstrip("/")


def notification_message(notification: Notification) -> EmailMessage:
    """The e-mail of one notification, in the installation's language."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "notification": notification,
            "link": absolute_url(notification.link),
            "event_label": event_label(notification.event),
            "preferences_url": absolute_url(reverse("notifications:preferences")),
        }
        body = render_to_string("notifications/email/notification.txt", context)
    return EmailMessage(" ".join(notification.subject.split()), body, None, [notification.user.email])


def digest_send(now=None) -> int:
    """Send each user one e-mail with their digest notifications not sent yet, and mark them digested.
    Safe to run twice: a notification is claimed (marked) before the mail goes out, released if it fails.
    Returns the number of e-mails sent."""
    now = now or timezone.now()
    due = Notification.objects.filter(delivery=Delivery.DIGEST, digested_at__isnull=True)
    user_ids = sorted(set(due.values_list("user_id", flat=True)))
    return sum(_digest_one(user, now) for user in User.objects.filter(pk__in=user_ids, is_active=True))


def _digest_one(user: User, now) -> int:
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update()
            .filter(user=user, delivery=Delivery.DIGEST, digested_at__isnull=True)
            .order_by("created_at", "id")
        )
        ids = [row.pk for row in rows]
        claimed = Notification.objects.filter(pk__in=ids, digested_at__isnull=True).update(digested_at=now)
    if not claimed or not user.email:
        return 0
    try:
        digest_message(user, rows).send()
    except Exception:
        logger.exception("could not send the digest of user %s", user.pk)
        Notification.objects.filter(pk__in=ids, digested_at=now).update(digested_at=None)
        return 0
    return 1


def digest_message(user: User, notifications: list[Notification]) -> EmailMessage:
    """The daily digest e-mail of one user, in the installation's language."""
    with translation.override(settings.LANGUAGE_CODE):
        items = [
            {"notification": row, "link": absolute_url(row.link), "event_label": event_label(row.event)}
            for row in notifications
        ]
        context = {
            "user": user,
            "items": items,
            "count": len(items),
            "inbox_url": absolute_url(reverse("notifications:inbox")),
            "preferences_url": absolute_url(reverse("notifications:preferences")),
        }
        subject = render_to_string("notifications/email/digest_subject.txt", context)
        body = render_to_string("notifications/email/digest.txt", context)
    return EmailMessage(" ".join(subject.split()), body, None, [user.email])


# --- inbox ---------------------------------------------------------------------------------------------------


def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    """Mark one of the actor's notifications read (no change if it already is)."""
    if notification.user_id != actor.pk:
        raise PermissionError("not the recipient")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; returns how many changed."""
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())


def preferences_save(*, actor: User, modes: dict[str, str]) -> dict:
    """Store the actor's delivery choice per event kind (keys from the registry or "*"; "" for a kind
    removes its own choice so it follows "*"); returns the changes {event: [old, new]} (also written
    to the audit trail of the user)."""
    allowed = set(NOTIFICATION_EVENTS) | {NotificationPreference.ALL_EVENTS}
    valid = {*Delivery.values, FOLLOW_DEFAULT}
    modes = {event: mode or FOLLOW_DEFAULT for event, mode in modes.items() if event in allowed and mode in valid}
    if modes.get(NotificationPreference.ALL_EVENTS) == FOLLOW_DEFAULT:  # the default itself needs a choice
        del modes[NotificationPreference.ALL_EVENTS]
    with transaction.atomic():
        before = dict(NotificationPreference.objects.filter(user=actor).values_list("event", "mode"))
        for event, mode in modes.items():
            _preference_set(actor, event, mode)
        after = dict(NotificationPreference.objects.filter(user=actor).values_list("event", "mode"))
        changes = {
            event: [before.get(event), after.get(event)] for event in modes if before.get(event) != after.get(event)
        }
        if changes:
            audit_record(actor=actor, action="update", instance=actor, changes={"notifications": changes})
    return changes


def _preference_set(user: User, event: str, mode: str) -> None:
    if mode == FOLLOW_DEFAULT:
        NotificationPreference.objects.filter(user=user, event=event).delete()
    else:
        NotificationPreference.objects.update_or_create(user=user, event=event, defaults={"mode": mode})


# --- webhook endpoints -----------------------------------------------------------------------------------------

ENDPOINT_FIELDS = ["name", "url", "events", "active"]  # audited (the secret never goes into the trail)


def endpoint_create(*, actor: User, data: dict):
    """Create a webhook endpoint (a new signing secret is generated)."""
    from opencxm.notifications.models import WebhookEndpoint

    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(created_by=actor, **_endpoint_values(data))
        audit_record(actor=actor, action="create", instance=endpoint, changes=_endpoint_snapshot(endpoint))
    return endpoint


def endpoint_update(*, actor: User, endpoint, data: dict):
    """Change a webhook endpoint's name, URL, events or active flag."""
    with transaction.atomic():
        before = _endpoint_snapshot(endpoint)
        for name, value in _endpoint_values(data).items():
            setattr(endpoint, name, value)
        endpoint.save()
        changes = diff(before, _endpoint_snapshot(endpoint))
        if changes:
            audit_record(actor=actor, action="update", instance=endpoint, changes=changes)
    return endpoint


def endpoint_rotate_secret(*, actor: User, endpoint):
    """Give the endpoint a new signing secret (the receiver must be updated with it)."""
    from opencxm.notifications.models import new_secret

    with transaction.atomic():
        endpoint.secret = new_secret()
        endpoint.save(update_fields=["secret", "updated_at"])
        audit_record(actor=actor, action="update", instance=endpoint, changes={"secret": ["…", "…"]})
    return endpoint


def endpoint_delete(*, actor: User, endpoint) -> None:
    """Delete a webhook endpoint with its delivery log."""
    with transaction.atomic():
        audit_record(actor=actor, action="delete", instance=endpoint, changes=_endpoint_snapshot(endpoint))
        endpoint.delete()


def endpoint_send_test(*, actor: User, endpoint):
    """Queue a "ping" delivery to this endpoint (whatever its events), sent after commit."""
    from opencxm.notifications import webhooks
    from opencxm.notifications.events import PING

    with transaction.atomic():
        data = {"message": "OpenCXM test event", "endpoint": str(endpoint.public_id), "sent_by": actor.username}
        delivery = webhooks.delivery_create(endpoint=endpoint, event=PING, data=data)
        transaction.on_commit(lambda: webhooks.enqueue(delivery.pk))
    return delivery


def _endpoint_values(data: dict) -> dict:
    values = {name: data[name] for name in ENDPOINT_FIELDS if name in data}
    if "events" in values:
        values["events"] = sorted(values["events"])
    return values


def _endpoint_snapshot(endpoint) -> dict:
    return {"name": endpoint.name, "url": endpoint.url, "events": list(endpoint.events), "active": endpoint.active}
