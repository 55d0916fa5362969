import pytest


@pytest.mark.django_db
def test_pages_require_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


@pytest.mark.django_db
def test_api_answers_401_not_a_redirect(client):
    response = client.get("/api/v1/touchpoints")
    assert response.status_code == 401


@pytest.mark.django_db
def test_security_headers(client, world):
    client.force_login(world.users["viewer"])
    response = client.get("/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_overview_shows_registry_figures(client, world):
    client.force_login(world.users["viewer"])
    response = client.get("/", headers={"Accept-Language": "de"})
    body = response.content.decode()
    assert "Aktive Touchpoints" in body
    assert "Störung beheben" in body  # the world's journey
    assert response.context["touchpoints"] == {"total": 2, "active": 2, "planned": 0, "moments_of_truth": 0}


@pytest.mark.django_db
def test_overview_query_count_is_bounded(client, world, django_assert_max_num_queries):
    from tests.factories import JourneyFactory, TouchpointFactory

    client.force_login(world.users["viewer"])
    TouchpointFactory.create_batch(20)
    JourneyFactory.create_batch(5)
    with django_assert_max_num_queries(40):  # the cockpit (runner queries) and the registry figures
        client.get("/")


@pytest.mark.django_db
def test_healthz_is_public(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_language_follows_the_browser_and_can_be_switched(client, world):
    client.force_login(world.users["viewer"])
    assert "Registry and organisation" in client.get("/", headers={"Accept-Language": "en"}).content.decode()
    assert "Register und Organisation" in client.get("/", headers={"Accept-Language": "de"}).content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Recent changes" in client.get("/", headers={"Accept-Language": "de"}).content.decode()
