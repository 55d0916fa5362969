import email
from email.header import decode_header, make_header

import pytest
from django.core.management import call_command

from opencxm.notifications import services
from opencxm.notifications.models import Notification, NotificationPreference
from tests import factories as f


def _subject(envelope):
    message = email.message_from_bytes(envelope.original_content)
    return str(make_header(decode_header(message["Subject"]))), message.get_payload(decode=True).decode()


@pytest.fixture
def people(db):
    department = f.DepartmentFactory(code="service", name="Service")
    anna = f.UserFactory(username="anna", email="anna@example.com")
    ben = f.UserFactory(username="ben", email="ben@example.com")
    f.MembershipFactory(user=anna, department=department, role="ambassador")
    f.MembershipFactory(user=ben, department=department, role="ambassador")
    f.MembershipFactory(user=f.UserFactory(username="vera"), department=department, role="viewer")
    f.MembershipFactory(user=f.UserFactory(username="gone", is_active=False), department=department, role="ambassador")
    return {"department": department, "anna": anna, "ben": ben}


def _notify(recipients, **extra):
    return services.notify(
        event="case_created",
        recipients=recipients,
        subject="Neuer Fall: Rechnung doppelt",
        body="Kundin 4711 meldet eine doppelte Abbuchung.",
        link="/cases/abc/",
        **extra,
    )


def test_department_recipients_are_its_active_members_with_the_role(people):
    recipients = services.department_recipients(people["department"])
    assert sorted(user.username for user in recipients) == ["anna", "ben"]
    viewers = services.department_recipients(people["department"].pk, roles=("viewer",))
    assert [user.username for user in viewers] == ["vera"]


def test_notify_fills_the_inbox_and_mails_immediately_after_commit(
    people, smtp_server, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "en"
    settings.OPENCXM_BASE_URL = "https://cx.example.com"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = _notify([people["anna"], people["ben"], people["anna"]])
    assert smtp_server.messages == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert sorted(row.user.username for row in created) == ["anna", "ben"]
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
    assert sorted(envelope.rcpt_tos[0] for envelope in smtp_server.messages) == ["anna@example.com", "ben@example.com"]
    assert all(len(envelope.rcpt_tos) == 1 for envelope in smtp_server.messages)
    subject, body = _subject(smtp_server.messages[0])
    assert subject == "Neuer Fall: Rechnung doppelt"
    assert "Kundin 4711 meldet eine doppelte Abbuchung." in body
    assert "Open in OpenCXM: https://cx.example.com/cases/abc/" in body
    assert "https://cx.example.com/notifications/preferences/" in body
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0


def test_mail_footer_is_in_the_installation_language(
    people, smtp_server, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "de"
    with django_capture_on_commit_callbacks(execute=True):
        _notify([people["anna"]])
    _, body = _subject(smtp_server.messages[0])
    assert "In OpenCXM öffnen:" in body
    assert "Benachrichtigungseinstellungen ändern:" in body


def test_rolled_back_notify_mails_nobody(people, smtp_server, immediate_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _notify([people["anna"]])
    assert len(callbacks) == 1  # the mail is only sent by the commit callback
    assert smtp_server.messages == []


def test_sending_twice_mails_once(people, smtp_server, immediate_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = _notify([people["anna"]])
    assert services.emails_send([created[0].public_id]) == 0
    assert len(smtp_server.messages) == 1


def test_digest_preference_sends_no_immediate_mail_and_one_digest(
    people, smtp_server, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "en"
    anna, ben = people["anna"], people["ben"]
    NotificationPreference.objects.create(user=anna, event="case_created", mode="digest")
    NotificationPreference.objects.create(user=ben, event="*", mode="off")
    with django_capture_on_commit_callbacks(execute=True):
        _notify([anna, ben])
        services.notify(event="case_sla_breached", recipients=[anna], subject="SLA überschritten", body="")
    assert [envelope.rcpt_tos for envelope in smtp_server.messages] == [["anna@example.com"]]  # the SLA mail
    assert _subject(smtp_server.messages[0])[0] == "SLA überschritten"
    assert Notification.objects.filter(user=ben).count() == 1  # off: inbox only
    call_command("notifications", "digest")
    assert len(smtp_server.messages) == 2
    assert smtp_server.messages[1].rcpt_tos == ["anna@example.com"]
    subject, body = _subject(smtp_server.messages[1])
    assert subject == "OpenCXM: 1 new notification"
    assert "* New case: Neuer Fall: Rechnung doppelt" in body
    call_command("notifications", "digest")  # idempotent
    assert len(smtp_server.messages) == 2
    assert Notification.objects.filter(user=anna, event="case_created").get().digested_at is not None


def test_digest_collects_several_notifications_in_one_mail(people, smtp_server, settings):
    settings.LANGUAGE_CODE = "en"
    NotificationPreference.objects.create(user=people["anna"], event="*", mode="digest")
    for number in range(3):
        services.notify(event="alert_raised", recipients=[people["anna"]], subject=f"Alarm {number}", body="")
    assert services.digest_send() == 1
    subject, body = _subject(smtp_server.messages[0])
    assert subject == "OpenCXM: 3 new notifications"
    assert body.index("Alarm 0") < body.index("Alarm 1") < body.index("Alarm 2")


def test_failed_digest_is_retried(people, smtp_server, settings):
    NotificationPreference.objects.create(user=people["anna"], event="*", mode="digest")
    services.notify(event="alert_raised", recipients=[people["anna"]], subject="Alarm", body="")
    working = settings.MAILERS
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2}}}  # fmt: skip
    assert services.digest_send() == 0
    assert Notification.objects.get().digested_at is None
    settings.MAILERS = working
    assert services.digest_send() == 1
    assert len(smtp_server.messages) == 1


def test_send_email_false_creates_inbox_entries_only(
    people, smtp_server, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = _notify([people["anna"]], send_email=False)
    assert callbacks == []
    assert created[0].delivery == "off"
    assert smtp_server.messages == []


def test_notify_remembers_the_object(people):
    created = _notify([people["anna"]], obj=people["department"])
    assert (created[0].object_type, created[0].object_id) == ("accounts.department", people["department"].public_id)


def test_preferences_save_keeps_registry_events_and_audits(people):
    changes = services.preferences_save(
        actor=people["anna"], modes={"case_created": "digest", "unknown": "digest", "alert_raised": "bogus"}
    )
    assert changes == {"case_created": [None, "digest"]}
    assert dict(NotificationPreference.objects.values_list("event", "mode")) == {"case_created": "digest"}
    assert services.preferences_save(actor=people["anna"], modes={"case_created": "digest"}) == {}
    assert services.preferences_save(actor=people["anna"], modes={"case_created": "", "*": ""}) == {
        "case_created": ["digest", None]
    }
    assert NotificationPreference.objects.count() == 0


def test_send_command_retries_unsent_immediate_mails(people, smtp_server, capsys):
    _notify([people["anna"]])  # no commit callback ran: as if no worker had sent it
    call_command("notifications", "send")
    assert capsys.readouterr().out.strip() == "1 e-mails sent"
    assert [envelope.rcpt_tos for envelope in smtp_server.messages] == [["anna@example.com"]]
    call_command("notifications", "send")
    assert len(smtp_server.messages) == 1
