"""Background work of the notifications app (run by `opencxm worker`). Tasks take ids and are safe to
run twice."""

from django.tasks import task


@task
def send_notification_emails(public_ids: list[str]) -> int:
    """Send the immediate e-mails of these notifications (those not sent yet)."""
    from opencxm.notifications.services import emails_send

    return emails_send(public_ids)


@task
def send_digests() -> int:
    """Send the daily digest e-mails (one per user with pending digest notifications)."""
    from opencxm.notifications.services import digest_send

    return digest_send()


@task
def deliver_webhook(delivery_id: int) -> str:
    """Attempt one webhook delivery if it is due; schedules its retry when it fails."""
    from opencxm.notifications.webhooks import delivery_attempt

    return delivery_attempt(delivery_id)


@task
def retry_emails() -> int:
    """Send the immediate e-mails of the last two days that failed or were never sent (periodic)."""
    from opencxm.notifications.services import emails_retry

    return emails_retry()


@task
def deliver_due_webhooks() -> dict:
    """Attempt every pending webhook delivery whose time has come (periodic; catches retries whose task was
    lost, e.g. when the task backend cannot defer)."""
    from opencxm.notifications.webhooks import deliver_due

    return deliver_due()
