import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.utils import timezone

from opencxm.notifications import webhooks
from opencxm.notifications.models import WebhookAttempt, WebhookDelivery
from tests.factories_notifications import WebhookEndpointFactory


class Receiver:
    """A real HTTP server on 127.0.0.1 (free port) that answers 500 to the first `failures` requests."""

    def __init__(self, failures=0):
        self.failures = failures
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body, "path": self.path})
                status = 500 if len(receiver.requests) <= receiver.failures else 204
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver(failures=2) as running:
        yield running


def _emit(django_capture_on_commit_callbacks, event="case_created", payload=None):
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.webhook_emit(event=event, payload=payload or {"case": "4711", "subject": "Rechnung doppelt"})


def test_delivery_is_retried_with_growing_pauses_until_it_succeeds(
    db, receiver, immediate_tasks, django_capture_on_commit_callbacks
):
    endpoint = WebhookEndpointFactory(url=receiver.url, secret="whsec_abc")
    _emit(django_capture_on_commit_callbacks)  # first attempt runs at once (after commit)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    first_retry = delivery.next_attempt_at
    assert webhooks.deliver_due() == {}  # not due yet
    webhooks.deliver_due(now=first_retry)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 2)
    second_retry = delivery.next_attempt_at
    webhooks.deliver_due(now=second_retry)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 3, 204)
    assert delivery.delivered_at == second_retry
    attempts = list(WebhookAttempt.objects.filter(delivery=delivery).values_list("number", "status_code", "succeeded"))
    assert attempts == [(1, 500, False), (2, 500, False), (3, 204, True)]
    times = list(WebhookAttempt.objects.filter(delivery=delivery).values_list("at", flat=True))
    assert times[1] - times[0] == timedelta(seconds=30)
    assert times[2] - times[1] == timedelta(minutes=2)
    assert len(receiver.requests) == 3
    for request in receiver.requests:
        headers, body = request["headers"], request["body"]
        assert headers["X-Opencxm-Event"] == "case_created"
        assert headers["X-Opencxm-Delivery"] == str(delivery.public_id)
        assert headers["Content-Type"] == "application/json"
        assert webhooks.verify("whsec_abc", headers["X-Opencxm-Timestamp"], body, headers["X-Opencxm-Signature"])
        assert not webhooks.verify("whsec_other", headers["X-Opencxm-Timestamp"], body, headers["X-Opencxm-Signature"])
    payload = json.loads(receiver.requests[0]["body"])
    assert payload["event"] == "case_created"
    assert payload["delivery"] == str(delivery.public_id)
    assert payload["data"] == {"case": "4711", "subject": "Rechnung doppelt"}
    assert endpoint.deliveries.count() == 1


def test_signature_is_hmac_sha256_of_timestamp_and_body():
    import hashlib
    import hmac

    expected = hmac.new(b"whsec_abc", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert webhooks.sign("whsec_abc", "1700000000", b"{}") == "sha256=" + expected


def test_delivery_gives_up_after_the_last_attempt(db):
    endpoint = WebhookEndpointFactory(url="http://127.0.0.1:9/unreachable")
    delivery = webhooks.delivery_create(endpoint=endpoint, event="case_closed", data={})
    now = timezone.now()
    pauses = []
    for _ in range(webhooks.MAX_ATTEMPTS):
        assert webhooks.delivery_attempt(delivery.pk, now=now) in ("pending", "failed")
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            pauses.append(delivery.next_attempt_at - now)
            now = delivery.next_attempt_at
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 6, None)
    assert pauses == list(webhooks.BACKOFF)
    assert all(earlier < later for earlier, later in zip(pauses, pauses[1:], strict=False))
    assert delivery.last_status_code is None
    assert "ConnectionRefusedError" in delivery.last_error or "URLError" in delivery.last_error
    assert webhooks.delivery_attempt(delivery.pk, now=now + timedelta(days=1)) == "skipped"


def test_only_active_subscribed_endpoints_get_a_delivery(db, django_capture_on_commit_callbacks):
    subscribed = WebhookEndpointFactory(events=["case_created"])
    WebhookEndpointFactory(events=["case_closed"])
    WebhookEndpointFactory(events=["case_created"], active=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        webhooks.webhook_emit(event="case_created", payload={"at": timezone.now(), "id": subscribed.public_id})
    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [subscribed.pk]
    assert len(callbacks) == 1
    assert WebhookDelivery.objects.get().payload["data"]["id"] == str(subscribed.public_id)


def test_a_claimed_delivery_is_not_sent_twice(db, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    delivery = webhooks.delivery_create(endpoint=endpoint, event="case_created", data={})
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now + webhooks.LEASE)  # another worker
    assert webhooks.delivery_attempt(delivery.pk, now=now) == "skipped"
    assert receiver.requests == []


def test_redirects_and_other_schemes_are_failed_attempts(db):
    endpoint = WebhookEndpointFactory(url="file:///etc/passwd")
    delivery = webhooks.delivery_create(endpoint=endpoint, event="case_created", data={})
    assert webhooks.delivery_attempt(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert delivery.last_error == "only http and https URLs are delivered"


def test_deliver_command_processes_due_deliveries(db, receiver, capsys):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    webhooks.delivery_create(endpoint=endpoint, event="case_created", data={})
    call_command("webhooks", "deliver")
    assert capsys.readouterr().out.strip() == "pending: 1"
    assert len(receiver.requests) == 1


def test_retry_is_queued_for_the_worker_at_its_time(db, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    endpoint = WebhookEndpointFactory(url="http://127.0.0.1:9/unreachable")
    delivery = webhooks.delivery_create(endpoint=endpoint, event="case_created", data={})
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks.delivery_attempt(delivery.pk) == "pending"
    delivery.refresh_from_db()
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "opencxm.notifications.tasks.deliver_webhook"
    assert queued.args_kwargs == {"args": [delivery.pk], "kwargs": {}}
    assert queued.run_after == delivery.next_attempt_at
