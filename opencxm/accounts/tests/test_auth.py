"""Log in, throttling (django-axes), log out, password change and reset (locmem and a real SMTP server)."""

import re

import pytest
from django.core import mail

from tests import factories as f

PASSWORD = "correct-horse-battery"
LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


@pytest.fixture
def person(db):
    return f.UserFactory(username="erika", email="erika@example.com")


def _login(client, username, password, address="10.1.1.1"):
    data = {"username": username, "password": password}
    return client.post("/accounts/login/", data, REMOTE_ADDR=address)


def test_login_page_is_a_card_without_navigation(client, db):
    response = client.get("/accounts/login/", headers={"Accept-Language": "en"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'for="id_username"' in body and 'for="id_password"' in body
    assert "navbar" not in body
    assert 'href="/accounts/password_reset/"' in body


def test_login_with_the_right_password_signs_in(client, person):
    response = _login(client, "erika", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_with_a_wrong_password_shows_an_error(client, person):
    response = _login(client, "erika", "wrong-password")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'class="alert alert-danger"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_login_out(client, person, settings):
    settings.LANGUAGE_CODE = "en"
    responses = [_login(client, "erika", "wrong-password") for _ in range(5)]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    locked = _login(client, "erika", PASSWORD)
    assert locked.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in locked.templates]
    assert "Too many failed attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_address(client, person):
    for _ in range(5):
        _login(client, "erika", "wrong-password", address="10.9.9.9")
    assert _login(client, "erika", PASSWORD, address="10.1.1.1").status_code == 302


def test_logout_is_a_post_and_returns_to_the_login(client, person):
    client.force_login(person)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_password_change(client, person):
    client.force_login(person)
    assert client.get("/accounts/password_change/").status_code == 200
    data = {"old_password": PASSWORD, "new_password1": "a-new-long-secret", "new_password2": "a-new-long-secret"}
    response = client.post("/accounts/password_change/", data)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_change/done/"
    person.refresh_from_db()
    assert person.check_password("a-new-long-secret")
    assert client.get(response["Location"]).status_code == 200


def test_password_change_rejects_a_wrong_old_password(client, person):
    client.force_login(person)
    data = {"old_password": "nope", "new_password1": "a-new-long-secret", "new_password2": "a-new-long-secret"}
    response = client.post("/accounts/password_change/", data)
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def _reset_link(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", body).group(1)


def test_password_reset_mail_and_link(client, person, settings):
    settings.MAILERS = LOCMEM
    response = client.post("/accounts/password_reset/", {"email": "erika@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["erika@example.com"]
    assert "\n" not in message.subject
    link = _reset_link(message.body)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    data = {"new_password1": "reset-long-secret", "new_password2": "reset-long-secret"}
    done = client.post(form_page.redirect_chain[-1][0], data)
    assert done.status_code == 302
    assert done["Location"] == "/accounts/reset/done/"
    person.refresh_from_db()
    assert person.check_password("reset-long-secret")


def test_password_reset_mail_is_german_for_german_users(client, person, settings):
    settings.MAILERS = LOCMEM
    client.post("/accounts/password_reset/", {"email": "erika@example.com"}, headers={"Accept-Language": "de"})
    assert "Passwort" in mail.outbox[0].subject
    assert "neues Passwort" in mail.outbox[0].body


def test_password_reset_for_an_unknown_address_sends_nothing(client, person, settings):
    settings.MAILERS = LOCMEM
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_reset_through_a_real_smtp_server(client, person, smtp_server):
    response = client.post("/accounts/password_reset/", {"email": "erika@example.com"})
    assert response.status_code == 302
    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == ["erika@example.com"]
    body = envelope.content.decode()
    link = _reset_link(body.replace("=\r\n", "").replace("=3D", "="))
    assert client.get(link, follow=True).context["validlink"] is True


def test_used_reset_link_is_invalid(client, person, settings):
    settings.MAILERS = LOCMEM
    client.post("/accounts/password_reset/", {"email": "erika@example.com"})
    link = _reset_link(mail.outbox[0].body)
    page = client.get(link, follow=True)
    data = {"new_password1": "reset-long-secret", "new_password2": "reset-long-secret"}
    client.post(page.redirect_chain[-1][0], data)
    again = client.get(link, follow=True)
    assert again.context["validlink"] is False
