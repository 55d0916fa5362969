"""Thin adapter to the notifications app: calls its `notify` and `webhook_emit` when that app is installed,
and does nothing otherwise (the cases app works without it)."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def notify(*, event: str, recipients, subject: str, body: str, link: str, obj=None) -> None:
    try:
        from opencxm.notifications.services import notify as send
    except ImportError:
        return
    try:
        with transaction.atomic():  # a savepoint: a failure here leaves the case change intact
            send(event=event, recipients=list(recipients), subject=subject, body=body, link=link, obj=obj)
    except Exception:  # a failed notification must never undo or block the case change
        logger.exception("notification %s failed", event)


def webhook_emit(*, event: str, payload: dict) -> None:
    try:
        from opencxm.notifications.webhooks import webhook_emit as emit
    except ImportError:
        return
    try:
        with transaction.atomic():
            emit(event=event, payload=payload)
    except Exception:
        logger.exception("webhook %s failed", event)
