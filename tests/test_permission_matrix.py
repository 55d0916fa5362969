"""Every page and API operation, for every persona: allowed or denied as the rules say, and a denied
request changes nothing. See tests/permissions.py for how apps declare their cases."""

import importlib
import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from opencxm.accounts.models import ApiToken
from opencxm.config.api import api
from opencxm.core.api_auth import token_digest
from tests.fixtures import PERSONAS

APPS = [
    "core",
    "accounts",
    "touchpoints",
    "journeys",
    "analytics",
    "feedback",
    "cases",
    "events",
    "insights",
    "notifications",
    "textanalytics",
]
PUBLIC_URL_NAMES = {  # reachable without login by design (login, password reset, language switch, health)
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "healthz",
}
SELF_SERVICE_URL_NAMES = {"password_change", "password_change_done"}  # any signed-in user, own account only


def _load_cases():
    cases = []
    for app in APPS:
        for name in ("permission_cases", "target_permission_cases"):
            try:
                module = importlib.import_module(f"opencxm.{app}.tests.{name}")
            except ModuleNotFoundError:
                continue
            cases.extend(module.CASES)
    return cases


CASES = _load_cases()


def _page_url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "api":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _page_url_names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def _api_operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method in methods:
            yield f"{method.upper()} {path}"


def test_every_page_has_a_permission_case():
    covered = {case.name for case in CASES}
    missing = sorted(set(_page_url_names()) - covered - PUBLIC_URL_NAMES - SELF_SERVICE_URL_NAMES)
    assert missing == []


def test_every_api_operation_has_a_permission_case():
    covered = {case.name for case in CASES}
    missing = sorted(set(_api_operations()) - covered)
    assert missing == []


def _client_for(case, user):
    client = Client(raise_request_exception=False)
    headers = {}
    if case.is_api:
        if user is not None:
            raw = f"ocx_matrix_{user.username}"
            ApiToken.objects.get_or_create(
                digest=token_digest(raw), defaults={"user": user, "name": "matrix", "prefix": raw[:8], "scope": "write"}
            )
            headers["Authorization"] = f"Bearer {raw}"
    elif user is not None:
        client.force_login(user)
    if case.htmx:
        headers["HX-Request"] = "true"
    return client, headers


def _send(client, case, path, data, headers):
    method = case.method.lower()
    if case.is_api and case.method != "GET":
        body = json.dumps(data or {})
        return getattr(client, method)(path, body, content_type="application/json", headers=headers)
    if case.method == "GET":
        return client.get(path, data or {}, headers=headers)
    return getattr(client, method)(path, data or {}, headers=headers)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_permission_matrix(case, persona, world):
    user = world.users[persona]
    client, headers = _client_for(case, user)
    path = case.path(world)
    data = case.data(world) if case.data else None
    before = case.state(world) if case.state else None
    response = _send(client, case, path, data, headers)
    if persona in case.allowed:
        assert response.status_code in (200, 201, 204, 302), (response.status_code, response.content[:500])
        if response.status_code == 302:
            assert "/accounts/login/" not in response["Location"]
        return
    if user is None:
        if case.is_api:
            assert response.status_code == 401
        else:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code in (403, 404), (response.status_code, response.content[:300])
    if case.state:
        assert case.state(world) == before
