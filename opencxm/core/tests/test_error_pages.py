"""Error pages are ours: the product's layout, German and English, and nothing leaked."""

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading", "explanation", "back"),
    [
        ("de", "Zugriff verweigert", "Ihre Rolle erlaubt diese Seite oder Aktion nicht", "Zurück zum Cockpit"),
        ("en", "Access denied", "Your role does not allow this page or action", "Back to the cockpit"),
    ],
)
def test_forbidden_page_in_the_layout(client, world, language, heading, explanation, back):
    client.force_login(world.users["viewer"])
    response = client.get("/organisation/departments/new/", headers={"Accept-Language": language})
    assert response.status_code == 403
    body = response.content.decode()
    assert f'<h1 class="page-title">{heading}</h1>' in body
    assert explanation in body
    assert 'href="/"' in body and back in body
    assert "navbar" in body  # the signed-in layout, so the user can go on from here


@pytest.mark.django_db
def test_not_found_page(client, world):
    client.force_login(world.users["viewer"])
    response = client.get("/no-such-page/", headers={"Accept-Language": "de"})
    assert response.status_code == 404
    body = response.content.decode()
    assert "Seite nicht gefunden" in body
    assert "no-such-page" not in body.split("<main", 1)[1]  # the path is not echoed into the page


@pytest.mark.django_db
def test_csrf_failure_explains_what_to_do(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["admin"])
    response = client.post("/organisation/departments/new/", {"name": "x"}, headers={"Accept-Language": "en"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Form expired" in body
    assert "nothing was saved" in body


def test_server_error_page_renders_without_a_request_context(settings):
    settings.LANGUAGE_CODE = "de"
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Serverfehler" in body
    assert "protokolliert" in body
