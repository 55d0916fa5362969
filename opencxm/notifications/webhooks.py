"""Outgoing webhooks: signed JSON POSTs for case events, retried with growing pauses, every attempt logged.

`webhook_emit` records one delivery per active endpoint subscribed to the event and enqueues it after
commit. `delivery_attempt` makes one HTTP request when the delivery is due (claimed by a conditional update,
so two workers never send the same attempt) and schedules the next try on failure. `deliver_due` is the
sweep that `opencxm worker` runs periodically (and `opencxm webhooks deliver` by hand).

Signature: `X-OpenCXM-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the endpoint's
secret>`, with the timestamp from `X-OpenCXM-Timestamp` (see docs/webhooks.md).
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from opencxm import __version__
from opencxm.notifications.choices import DeliveryStatus
from opencxm.notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5
# Pause after failed attempt 1, 2, ...; the attempt after the last pause is the last one.
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = timedelta(seconds=60)  # a claimed attempt is not picked up again for this long
MAX_ERROR_CHARS = 1000


def webhook_emit(*, event: str, payload: dict) -> None:
    """Record a delivery of `event` with `payload` for each active endpoint subscribed to it; each is
    sent after the surrounding transaction commits (nothing is sent if it rolls back)."""
    data = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))  # UUIDs, dates -> JSON values now
    endpoints = [endpoint for endpoint in WebhookEndpoint.objects.filter(active=True) if event in endpoint.events]
    deliveries = [delivery_create(endpoint=endpoint, event=event, data=data) for endpoint in endpoints]
    for delivery in deliveries:
        transaction.on_commit(lambda pk=delivery.pk: enqueue(pk))


def delivery_create(*, endpoint: WebhookEndpoint, event: str, data: dict) -> WebhookDelivery:
    """A pending delivery due now; the body sent is {"event", "delivery", "created_at", "data"}."""
    delivery = WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=timezone.now())
    delivery.payload = {
        "event": event,
        "delivery": str(delivery.public_id),
        "created_at": delivery.next_attempt_at.isoformat(),
        "data": data,
    }
    delivery.save()
    return delivery


def enqueue(delivery_id: int, run_after=None) -> None:
    from opencxm.notifications.tasks import deliver_webhook

    if run_after is None:
        deliver_webhook.enqueue(delivery_id)
    elif deliver_webhook.get_backend().supports_defer:
        deliver_webhook.using(run_after=run_after).enqueue(delivery_id)
    # else: the worker's periodic sweep (`deliver_due`) picks the retry up when it is due


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value: "sha256=" + hex HMAC-SHA256 of b"<timestamp>." + body."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return "sha256=" + digest


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """True when `signature` is the one `sign` makes (constant-time comparison)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def delivery_attempt(delivery_id: int, now=None) -> str:
    """Make the next attempt of a pending delivery that is due; returns its status afterwards, or
    "skipped" when it is not pending, not due, or another worker claimed it."""
    now = now or timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    status_code, error, duration_ms = _post(delivery, now)
    return _record(delivery, now, status_code, error, duration_ms)


def deliver_due(now=None, limit: int = 500) -> dict:
    """Attempt every pending delivery whose time has come (oldest first); returns counts by outcome."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    counts: dict[str, int] = {}
    for delivery_id in list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit]):
        outcome = delivery_attempt(delivery_id, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def request_for(delivery: WebhookDelivery, timestamp: str) -> urllib.request.Request:
    """The signed POST request of a delivery."""
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"OpenCXM-Webhooks/{__version__}",
        "X-OpenCXM-Event": delivery.event,
        "X-OpenCXM-Delivery": str(delivery.public_id),
        "X-OpenCXM-Timestamp": timestamp,
        "X-OpenCXM-Signature": sign(delivery.endpoint.secret, timestamp, body),
    }
    return urllib.request.Request(delivery.endpoint.url, data=body, headers=headers, method="POST")  # noqa: S310


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: a 3xx counts as a failed attempt."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post(delivery: WebhookDelivery, now) -> tuple[int | None, str, int]:
    """Send the request; returns (status code or None, error text, milliseconds)."""
    if not is_http_url(delivery.endpoint.url):
        return None, "only http and https URLs are delivered", 0
    started = time.monotonic()
    try:
        with _opener.open(request_for(delivery, str(int(now.timestamp()))), timeout=TIMEOUT_SECONDS) as response:
            status, error = response.status, ""
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code} {exc.reason}"
    except Exception as exc:  # noqa: BLE001 (any network failure is a failed attempt, logged)
        status, error = None, f"{type(exc).__name__}: {exc}"
    return status, error[:MAX_ERROR_CHARS], int((time.monotonic() - started) * 1000)


def _record(delivery: WebhookDelivery, now, status_code, error: str, duration_ms: int) -> str:
    succeeded = status_code is not None and 200 <= status_code < 300
    number = delivery.attempts + 1
    delivery.attempts, delivery.last_status_code, delivery.last_error = number, status_code, error
    if succeeded:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, now, None
    elif number >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.next_attempt_at = now + BACKOFF[number - 1]
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            at=now,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
            succeeded=succeeded,
        )
        fields = ["attempts", "last_status_code", "last_error", "status", "delivered_at", "next_attempt_at"]
        delivery.save(update_fields=[*fields, "updated_at"])
        if delivery.next_attempt_at is not None:
            transaction.on_commit(lambda: enqueue(delivery.pk, run_after=delivery.next_attempt_at))
    return delivery.status
