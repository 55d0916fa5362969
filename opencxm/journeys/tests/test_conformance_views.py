"""Designed against actual on the journey map and in the API, on a small log with known answers."""

import pytest
from django.test import Client

from opencxm.events.models import Activity, EventLog
from tests import factories as f
from tests.factories_events import write_events

HTMX = {"HX-Request": "true"}
PATHS = {  # case: activities in order
    "follower-1": ["Web", "Hotline", "Shop", "Invoice"],
    "follower-2": ["Web", "Hotline", "Shop", "Invoice"],
    "repeater": ["Web", "Hotline", "Hotline", "Shop", "Invoice"],
    "unmapped": ["Web", "Internal check", "Hotline", "Shop", "Invoice"],
    "skipper": ["Web", "Shop", "Invoice"],
    "adder": ["Web", "Hotline", "Chat", "Shop", "Invoice"],
    "leaver": ["Web", "Hotline"],
    "returner": ["Web", "Hotline", "Shop", "Hotline", "Invoice"],
    "elsewhere": ["Chat"],
}


@pytest.fixture
def client(world):
    client = Client()
    client.force_login(world.users["viewer"])
    return client


@pytest.fixture
def journey(db):
    """Two stages: Web, Hotline | Shop, Invoice; the log above with every activity but one mapped."""
    journey = f.JourneyFactory(name="Vertrag abschließen", kind="current")
    touchpoints = {name: f.TouchpointFactory(name=name, code=f"TP-{name.upper()}") for name in
                   ("Web", "Hotline", "Shop", "Invoice", "Chat")}  # fmt: skip
    for position, names in enumerate((("Web", "Hotline"), ("Shop", "Invoice")), start=1):
        stage = f.StageFactory(journey=journey, position=position, name=f"Phase {position}")
        for step_position, name in enumerate(names, start=1):
            f.JourneyStepFactory(stage=stage, position=step_position, touchpoint=touchpoints[name])
    write_events([(case, activity, minute) for case, path in PATHS.items() for minute, activity in enumerate(path)])
    for name, touchpoint in touchpoints.items():
        Activity.objects.filter(name=name).update(touchpoint=touchpoint)
    return journey


def _text(response) -> str:
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_the_map_loads_the_overlay_lazily(journey, client):
    html = _text(client.get(f"/journeys/{journey.public_id}/?log=abc"))
    assert f'hx-get="/journeys/{journey.public_id}/conformance/?log=abc" hx-trigger="load"' in html
    assert 'id="jm-conformance-lane"' in html and 'id="jm-added"' in html


def test_the_map_offers_no_overlay_without_event_data(world, client):
    html = _text(client.get(f"/journeys/{world.journey.public_id}/"))
    assert "jm-conformance" not in html


def test_the_fragment_shows_the_figures_on_the_steps(journey, client):
    html = _text(client.get(f"/journeys/{journey.public_id}/conformance/", headers=HTMX))
    assert '<div class="jm-headline-figure">50 %</div>' in html
    # reached / skipped / left per step: Web 100/0/0, Hotline 88/13/13, Shop 88/0/0, Invoice 88/0 (end)
    reached = [chunk.split("</strong>")[0] for chunk in html.split("Erreicht</span><strong>")[1:]]
    skipped = [chunk.split("</strong>")[0] for chunk in html.split("Übersprungen</span><strong>")[1:]]
    left = [chunk.split("</strong>")[0] for chunk in html.split("Hier ausgestiegen</span><strong>")[1:]]
    assert reached == ["100 %", "88 %", "88 %", "88 %"]
    assert skipped == ["0 %", "13 %", "0 %", "0 %"]
    assert left == ["0 %", "13 %", "0 %"]  # the final step has no "left here"
    assert "Ende der geplanten Journey" in html
    assert '<template> <tr id="jm-conformance-lane" class="jm-lane-conformance" hx-swap-oob="true">' in html
    assert 'id="jm-added" class="card mt-3" hx-swap-oob="true"' in html
    assert ">Chat</a>" in html and "nach Schritt 1.2 Hotline" in html
    assert "Internal check (1)" in html


def test_the_page_without_javascript_shows_the_overlay_in_place(journey, client):
    html = _text(client.get(f"/journeys/{journey.public_id}/conformance/"))
    assert '<div class="jm-headline-figure">50 %</div>' in html
    assert 'id="jm-conformance-lane" class="jm-lane-conformance">' in html and "hx-swap-oob" not in html


def test_the_period_and_log_select_the_cases(journey, client):
    write_events([("late", "Web", 60 * 24 * 30)], log="other")
    other = EventLog.objects.get(name="other")
    html = _text(client.get(f"/journeys/{journey.public_id}/conformance/?log={other.public_id}", headers=HTMX))
    assert '<div class="jm-headline-figure">0 %</div>' in html
    html = _text(client.get(f"/journeys/{journey.public_id}/conformance/?end=2026-03-05", headers=HTMX))
    assert '<div class="jm-headline-figure">50 %</div>' in html


def test_bad_filters_get_a_clear_message(journey, client):
    html = _text(client.get(f"/journeys/{journey.public_id}/conformance/?start=2026-03-05&end=2026-03-01",
                            headers=HTMX))  # fmt: skip
    assert "Der Zeitraum endet, bevor er beginnt." in html and "jm-headline-figure" not in html
    html = _text(client.get(f"/journeys/{journey.public_id}/conformance/?log=nope", headers=HTMX))
    assert 'role="alert">Ereignisprotokoll:' in html


def test_api_answers_counts_per_step(journey, client):
    response = client.get(f"/api/v1/journeys/{journey.public_id}/conformance")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["cases"], data["relevant"], data["follows"], data["follows_share"]) == (9, 8, 4, 0.5)
    assert [(s["touchpoint"], s["reached"], s["skipped"], s["left"], s["returned"]) for s in data["steps"]] == [
        ("TP-WEB", 8, 0, 0, 0), ("TP-HOTLINE", 7, 1, 1, 1), ("TP-SHOP", 7, 0, 0, 0), ("TP-INVOICE", 7, 0, 0, 0)
    ]  # fmt: skip
    hotline = data["steps"][1]["step"]
    assert data["added"] == [{"touchpoint": "TP-CHAT", "name": "Chat", "cases": 1,
                              "after": [{"step": hotline, "cases": 1}]}]  # fmt: skip
    assert data["unmapped"] == [{"activity": "Internal check", "cases": 1}]


def test_api_refuses_a_reversed_period_and_an_unknown_log(journey, client):
    url = f"/api/v1/journeys/{journey.public_id}/conformance"
    response = client.get(url + "?start=2026-03-05&end=2026-03-01")
    assert response.status_code == 422 and "start" in response.json()["detail"]
    response = client.get(url + "?log=7f1c6b8e-0000-4000-8000-000000000000")
    assert (response.status_code, response.json()) == (404, {"detail": "Unknown event log."})


def test_the_fragment_runs_a_fixed_number_of_queries(journey, client, django_assert_num_queries):
    client.get("/journeys/")  # warm the session
    with django_assert_num_queries(11):
        client.get(f"/journeys/{journey.public_id}/conformance/", headers=HTMX)
    write_events([(f"more-{n}", activity, n + minute) for n in range(20)
                  for minute, activity in enumerate(["Web", "Shop", "Other"][: 1 + n % 3])])  # fmt: skip
    with django_assert_num_queries(11):
        client.get(f"/journeys/{journey.public_id}/conformance/", headers=HTMX)
