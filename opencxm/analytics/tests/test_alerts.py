"""Alerts: raised once on a breach over the window, closed on recovery, e-mailed through a real SMTP server
to the department's ambassadors, and never twice from concurrent evaluators."""

import email
import threading
from datetime import date
from email.header import decode_header, make_header
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from opencxm.analytics import alerts
from opencxm.analytics.models import Alert
from opencxm.analytics.tasks import evaluate_alerts
from opencxm.analytics.tests.test_targets import TODAY, add_feedback, make_target
from opencxm.feedback.models import DataSource
from tests import factories as f

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def source(db):
    return DataSource.objects.create(name="Umfrage Hotline")


@pytest.fixture
def breach(world, source):
    """An NPS target of 30 (warning at 0) on the ambassador's touchpoint, and an NPS of −60 in its window."""
    target = make_target(world)
    add_feedback(source, world.touchpoint, [10, 10] + [3] * 8)
    return target


def _recover(world, source):
    add_feedback(source, world.touchpoint, [10] * 10, prefix="fix")  # 12 promoters, 8 detractors: NPS +20


def test_breach_raises_one_alert_for_the_owning_department(world, breach):
    assert alerts.evaluate(TODAY) == {"evaluated": 1, "raised": 1, "closed": 0, "open": 0}
    alert = Alert.objects.get()
    assert (alert.target, alert.department, alert.closed_at) == (breach, world.own, None)
    assert (alert.raised_value, alert.last_value) == (pytest.approx(-60.0), pytest.approx(-60.0))
    assert (alert.window_start, alert.window_end) == (date(2026, 2, 1), date(2026, 2, 28))


def test_re_evaluation_does_not_raise_twice(breach):
    alerts.evaluate(TODAY)
    assert alerts.evaluate(TODAY) == {"evaluated": 1, "raised": 0, "closed": 0, "open": 1}
    assert alerts.evaluate(date(2026, 3, 2)) == {"evaluated": 1, "raised": 0, "closed": 0, "open": 1}
    assert Alert.objects.count() == 1


def test_alert_closes_when_the_figure_recovers_and_a_new_breach_raises_again(world, source, breach):
    alerts.evaluate(TODAY)
    _recover(world, source)
    assert alerts.evaluate(TODAY) == {"evaluated": 1, "raised": 0, "closed": 1, "open": 0}
    alert = Alert.objects.get()
    assert alert.closed_at is not None
    assert alert.last_value == pytest.approx(20.0)  # within the warning band: no longer a breach
    assert alerts.evaluate(TODAY)["closed"] == 0
    add_feedback(source, world.touchpoint, [0] * 30, prefix="again")
    assert alerts.evaluate(TODAY)["raised"] == 1
    assert [alert.is_open for alert in Alert.objects.order_by("id")] == [False, True]


def test_no_data_neither_raises_nor_closes(world, source, breach):
    alerts.evaluate(TODAY)
    assert alerts.evaluate(date(2026, 5, 1)) == {"evaluated": 1, "raised": 0, "closed": 0, "open": 1}
    assert Alert.objects.get().last_value == pytest.approx(-60.0)
    make_target(world, touchpoint=world.other_touchpoint, owner_department=world.other)
    assert alerts.evaluate(TODAY)["raised"] == 0


def test_too_few_responses_neither_raise_nor_close(world, source, breach):
    breach.min_responses = 11  # the window holds 10 responses
    breach.save()
    assert alerts.evaluate(TODAY) == {"evaluated": 1, "raised": 0, "closed": 0, "open": 0}
    breach.min_responses = 10
    breach.save()
    assert alerts.evaluate(TODAY)["raised"] == 1
    _recover(world, source)  # 20 responses, NPS +20: a recovery, but only if 20 responses are enough
    breach.min_responses = 21
    breach.save()
    assert alerts.evaluate(TODAY) == {"evaluated": 1, "raised": 0, "closed": 0, "open": 1}
    assert Alert.objects.get().last_value == pytest.approx(-60.0)
    breach.min_responses = 20
    breach.save()
    assert alerts.evaluate(TODAY) == {"evaluated": 1, "raised": 0, "closed": 1, "open": 0}


def test_lower_is_better_metric_raises_above_the_warning_value(world, source):
    make_target(world, metric="complaints", target_value=5, warning_value=10)
    add_feedback(source, world.touchpoint, [None] * 10, kind="complaint")
    assert alerts.evaluate(TODAY)["raised"] == 0  # 10 complaints: a warning, not a breach
    add_feedback(source, world.touchpoint, [None], kind="complaint", prefix="c")
    assert alerts.evaluate(TODAY)["raised"] == 1


def test_ended_target_closes_its_alert_without_mail(world, breach):
    alerts.evaluate(TODAY)
    breach.valid_until = date(2026, 3, 15)
    breach.save()
    assert alerts.evaluate(date(2026, 3, 20))["closed"] == 1
    alert = Alert.objects.get()
    assert alert.closed_at is not None and alert.close_notified_at is not None


# --- e-mail -------------------------------------------------------------------------------------------------


def _recipients(world):
    second = f.UserFactory(username="amb2", email="zweite@example.com")
    f.MembershipFactory(user=second, department=world.own, role="ambassador")
    gone = f.UserFactory(username="gone", email="gone@example.com", is_active=False)
    f.MembershipFactory(user=gone, department=world.own, role="ambassador")
    nomail = f.UserFactory(username="nomail", email="")
    f.MembershipFactory(user=nomail, department=world.own, role="ambassador")
    return ["p_ambassador@example.com", "zweite@example.com"]


def _subject(envelope):
    message = email.message_from_bytes(envelope.original_content)
    return str(make_header(decode_header(message["Subject"]))), message


def test_raise_and_close_are_mailed_to_the_ambassadors_through_smtp(world, source, breach, smtp_server, settings):
    settings.LANGUAGE_CODE = "en"
    settings.OPENCXM_BASE_URL = "https://cx.example.com"
    expected = _recipients(world)
    alerts.evaluate(TODAY)
    assert [sorted(envelope.rcpt_tos) for envelope in smtp_server.messages] == [expected]
    subject, message = _subject(smtp_server.messages[0])
    assert subject == "OpenCXM alert: NPS for TP-OWN Hotline Störung is -60 (target 30)"
    body = message.get_payload(decode=True).decode()
    assert "Window: 02/01/2026 to 02/28/2026" in body
    assert f"https://cx.example.com/goals/alerts/{world.own.public_id}/" in body
    alerts.evaluate(TODAY)
    assert len(smtp_server.messages) == 1  # still open: no second mail
    _recover(world, source)
    alerts.evaluate(TODAY)
    assert len(smtp_server.messages) == 2
    subject, _ = _subject(smtp_server.messages[1])
    assert subject == "OpenCXM alert closed: NPS for TP-OWN Hotline Störung is back at 20"
    assert sorted(smtp_server.messages[1].rcpt_tos) == expected


def test_mail_is_in_the_installation_language(world, breach, smtp_server, settings):
    settings.LANGUAGE_CODE = "de"
    alerts.evaluate(TODAY)
    subject, message = _subject(smtp_server.messages[0])
    assert subject == "OpenCXM-Alarm: NPS für TP-OWN Hotline Störung liegt bei -60 (Ziel 30)"
    assert "Zeitraum: 01.02.2026 bis 28.02.2026" in message.get_payload(decode=True).decode()


def test_failed_mail_is_retried_at_the_next_evaluation(world, breach, smtp_server, settings):
    working = settings.MAILERS
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2}}}  # fmt: skip
    alerts.evaluate(TODAY)
    assert Alert.objects.get().raise_notified_at is None
    settings.MAILERS = working
    alerts.evaluate(TODAY)
    assert [envelope.rcpt_tos for envelope in smtp_server.messages] == [["p_ambassador@example.com"]]
    assert Alert.objects.get().raise_notified_at is not None


def test_evaluation_without_notification_sends_no_mail_now_or_later(world, source, breach, smtp_server):
    _recipients(world)
    assert alerts.evaluate(TODAY, notify=False)["raised"] == 1
    alert = Alert.objects.get()
    assert alert.raise_notified_at is not None and alert.close_notified_at is None
    alerts.evaluate(TODAY)
    assert smtp_server.messages == []
    _recover(world, source)
    assert alerts.evaluate(TODAY, notify=False)["closed"] == 1
    alert.refresh_from_db()
    assert alert.close_notified_at is not None
    assert alerts.send_pending_notifications() == 0
    assert smtp_server.messages == []


# --- concurrency --------------------------------------------------------------------------------------------


def test_two_evaluations_in_a_row_leave_one_open_alert(breach):
    alerts.evaluate(TODAY)
    alerts.evaluate(TODAY)
    assert Alert.objects.filter(closed_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and concurrent writers need PostgreSQL")
def test_concurrent_evaluators_raise_and_mail_once(world, breach, smtp_server, monkeypatch):
    barrier = threading.Barrier(2, timeout=10)
    original = alerts._raise

    def raise_together(*args):
        barrier.wait()  # both evaluators have seen no open alert; now both try to raise it
        return original(*args)

    monkeypatch.setattr(alerts, "_raise", raise_together)
    results, errors = [], []

    def evaluate():
        try:
            results.append(alerts.evaluate(TODAY))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=evaluate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted((r["raised"], r["open"]) for r in results) == [(0, 1), (1, 0)]
    assert Alert.objects.filter(closed_at__isnull=True).count() == 1
    assert len(smtp_server.messages) == 1


# --- command and task ---------------------------------------------------------------------------------------


def test_alerts_command_evaluates_on_the_given_date(breach):
    out = StringIO()
    call_command("alerts", "evaluate", "--date", "2026-03-01", stdout=out)
    assert out.getvalue() == "1 targets evaluated: 1 alerts raised, 0 closed, 0 still open\n"
    with pytest.raises(CommandError, match="expected YYYY-MM-DD"):
        call_command("alerts", "evaluate", "--date", "1.3.2026")


def test_evaluate_alerts_task_runs_in_the_worker(breach, settings):
    settings.TASKS = IMMEDIATE
    result = evaluate_alerts.enqueue("2026-03-01")
    assert result.return_value == {"evaluated": 1, "raised": 1, "closed": 0, "open": 0}
    assert Alert.objects.count() == 1
