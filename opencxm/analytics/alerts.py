"""Alerts: raised once when a target's figure leaves its band over the target's window, closed when it
recovers; e-mailed to the ambassadors of the owning department and shown in its inbox.

`evaluate()` is safe to run at any time, twice, and from several machines at once: at most one open alert
per target is guaranteed by a partial unique constraint, and each e-mail is claimed by a conditional
update before it is sent, so it goes out once. A window with no figure, or with fewer responses than the
target's `min_responses`, decides nothing: no alert is raised or closed.
"""

import logging
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from opencxm.accounts.models import Department, User
from opencxm.analytics import targets
from opencxm.analytics.metrics import metric
from opencxm.analytics.models import Alert, Target

logger = logging.getLogger(__name__)
HISTORY_SIZE = 50
RAISED, CLOSED, OPEN = "raised", "closed", "open"
ALERT_RELATED = ("department", *(f"target__{name}" for name in targets.RELATED))


def evaluate(today: date | None = None, *, notify: bool = True) -> dict:
    """Evaluate every active target on `today` (default: today), raise and close alerts, send the e-mails.

    With `notify=False` (the demo loader, replays of past days) the e-mails of the alerts raised or closed
    by this run are recorded as handled without being sent, so no later evaluation sends them either.
    Returns counts: targets evaluated, alerts raised, closed, and still open.
    """
    today = today or targets.local_today()
    active = list(targets.active_targets(today))
    values = targets.current_values(active, today)
    counts = {"evaluated": len(active), RAISED: 0, CLOSED: 0, OPEN: 0}
    for target in active:
        estimate = values[target.pk]
        outcome = evaluate_target(target, estimate.value, today, n=estimate.n, notify=notify)
        if outcome:
            counts[outcome] += 1
    counts[CLOSED] += _close_ended(active)
    if notify:
        send_pending_notifications()
    return counts


def evaluate_target(
    target: Target, value: float | None, today: date, *, n: int | None = None, notify: bool = True
) -> str | None:
    """Raise, update or close the target's alert for its current figure (from `n` responses); returns what
    happened. Without `notify` the raise or close e-mail is marked as handled instead of left to be sent."""
    state = targets.status(target, value, n)
    start, end = targets.window(target, today)
    now = timezone.now()
    with transaction.atomic():
        alert = Alert.objects.select_for_update().filter(target=target, closed_at__isnull=True).first()
        if alert is None:
            return _raise(target, value, start, end, now, notify) if state == targets.BREACH else None
        alert.evaluated_at = now
        if state not in targets.UNDECIDED:  # no (reliable) figure is no recovery: the alert stays as it was
            alert.last_value, alert.window_start, alert.window_end = value, start, end
        if state in (targets.OK, targets.WARNING):
            alert.closed_at = now
            if not notify:
                alert.close_notified_at = now
        fields = ["evaluated_at", "last_value", "window_start", "window_end", "closed_at", "close_notified_at"]
        alert.save(update_fields=fields)
        return CLOSED if alert.closed_at else OPEN


def _raise(target: Target, value: float, start: date, end: date, now, notify: bool = True) -> str:
    try:
        with transaction.atomic():  # savepoint: a concurrent evaluator may have raised it a moment ago
            Alert.objects.create(
                target=target,
                department_id=target.owner_department_id,
                raised_at=now,
                raised_value=value,
                last_value=value,
                window_start=start,
                window_end=end,
                evaluated_at=now,
                raise_notified_at=None if notify else now,
            )
    except IntegrityError:
        return OPEN
    return RAISED


def _close_ended(active: list[Target]) -> int:
    """Close, without e-mail, the open alerts of targets whose period is over (nothing left to recover)."""
    now = timezone.now()
    ended = Alert.objects.filter(closed_at__isnull=True).exclude(target__in=[target.pk for target in active])
    return ended.update(closed_at=now, evaluated_at=now, close_notified_at=now)


# --- e-mail --------------------------------------------------------------------------------------------------


def send_pending_notifications() -> int:
    """Send the raise and close e-mails not sent yet (also retries those that failed); returns mails sent."""
    sent = 0
    pending_raise = Alert.objects.filter(closed_at__isnull=True, raise_notified_at__isnull=True)
    for alert in pending_raise.select_related(*ALERT_RELATED):
        sent += _notify(alert, "raise_notified_at", "raised")
    pending_close = Alert.objects.filter(
        closed_at__isnull=False, close_notified_at__isnull=True, raise_notified_at__isnull=False
    )
    for alert in pending_close.select_related(*ALERT_RELATED):
        sent += _notify(alert, "close_notified_at", "closed")
    return sent


def _notify(alert: Alert, flag: str, kind: str) -> int:
    # claim the e-mail first, so two evaluators never both send it; release the claim if sending fails
    if not Alert.objects.filter(pk=alert.pk, **{f"{flag}__isnull": True}).update(**{flag: timezone.now()}):
        return 0
    recipients = ambassador_addresses(alert.department_id)
    if not recipients:
        return 0
    try:
        alert_message(alert, kind, recipients).send()
    except Exception:
        logger.exception("could not send the %s e-mail of alert %s", kind, alert.public_id)
        Alert.objects.filter(pk=alert.pk).update(**{flag: None})
        return 0
    _notify_inbox(alert, kind)
    return 1


def _notify_inbox(alert: Alert, kind: str) -> None:
    """The same alert in the in-app inbox of the same recipients (no second e-mail: the alert sent its own)."""
    from opencxm.notifications.events import ALERT_CLOSED, ALERT_RAISED
    from opencxm.notifications.services import department_recipients, notify

    users = [user for user in department_recipients(alert.department_id) if user.email]
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"analytics/email/alert_{kind}_subject.txt", alert_context(alert))
    link = reverse("targets:department_inbox", args=[alert.department.public_id])
    event = ALERT_RAISED if kind == "raised" else ALERT_CLOSED
    notify(event=event, recipients=users, subject=" ".join(subject.split()), body="", link=link, obj=alert,
           send_email=False)  # fmt: skip


def ambassador_addresses(department_id: int) -> list[str]:
    """E-mail addresses of the active ambassadors of a department, sorted."""
    users = User.objects.filter(
        is_active=True, memberships__department_id=department_id, memberships__role="ambassador"
    ).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def alert_message(alert: Alert, kind: str, recipients: list[str]) -> EmailMessage:
    """The raise or close e-mail, in the installation's language."""
    with translation.override(settings.LANGUAGE_CODE):
        context = alert_context(alert)
        subject = render_to_string(f"analytics/email/alert_{kind}_subject.txt", context)
        body = render_to_string(f"analytics/email/alert_{kind}.txt", context)
    return EmailMessage(" ".join(subject.split()), body, None, recipients)


def alert_context(alert: Alert) -> dict:
    target = alert.target
    key = target.metric
    base = (getattr(settings, "OPENCXM_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    return {
        "alert": alert,
        "target": target,
        "metric_label": metric(key).label,
        "scope": target.scope_object or target.get_scope_type_display(),
        "value": targets.format_value(key, alert.last_value),
        "raised_value": targets.format_value(key, alert.raised_value),
        "target_value": targets.format_value(key, target.target_value),
        "warning_value": targets.format_value(key, target.warning_value),
        "link": base + reverse("targets:department_inbox", args=[alert.department.public_id]),
    }


# --- inbox ---------------------------------------------------------------------------------------------------


def sees_all_alerts(access) -> bool:
    """The CX lead and team, the board and administrators follow every department's alerts."""
    return access.can_edit_all or "board_member" in access.roles


def can_read_department_inbox(access, department: Department) -> bool:
    return sees_all_alerts(access) or department.pk in access.member_of


def department_get(public_id) -> Department:
    return get_object_or_404(Department, public_id=public_id)


def alert_inbox(access, department: Department | None = None) -> dict:
    """Open alerts and the latest closed ones: of one department, or of every department the user sees."""
    alerts = Alert.objects.select_related(*ALERT_RELATED)
    if department is not None:
        alerts = alerts.filter(department=department)
    elif not sees_all_alerts(access):
        alerts = alerts.filter(department_id__in=access.member_of)
    open_alerts = list(alerts.filter(closed_at__isnull=True).order_by("-raised_at", "-id"))
    closed = list(alerts.filter(closed_at__isnull=False).order_by("-closed_at", "-id")[:HISTORY_SIZE])
    return {"open": [_row(alert) for alert in open_alerts], "closed": [_row(alert) for alert in closed]}


def _row(alert: Alert) -> dict:
    key = alert.target.metric
    return {
        "alert": alert,
        "target": alert.target,
        "metric_label": metric(key).label,
        "value": targets.format_value(key, alert.last_value),
        "raised_value": targets.format_value(key, alert.raised_value),
        "target_value": targets.format_value(key, alert.target.target_value),
        "warning_value": targets.format_value(key, alert.target.warning_value),
    }
