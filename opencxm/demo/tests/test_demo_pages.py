"""The demo company renders on the main pages for the demo users."""

import pytest
from django.urls import reverse

from opencxm.accounts.models import Department, User
from opencxm.demo.journeys import GLASFASER
from opencxm.demo.loader import load_demo
from opencxm.journeys.models import Journey, Segment
from opencxm.touchpoints.models import Touchpoint


@pytest.fixture
def demo(db):
    load_demo(log=lambda *args: None)


def _pages():
    pages = [reverse(name) for name in ("home", "accounts:organisation", "touchpoints:list", "journeys:list")]
    pages += [reverse("segments:list"), reverse("touchpoints:channels")]
    pages += [reverse("journeys:detail", args=[j.public_id]) for j in Journey.objects.all()]
    pages += [reverse("segments:detail", args=[s.public_id]) for s in Segment.objects.all()]
    pages.append(reverse("touchpoints:detail", args=[Touchpoint.objects.get(code="TP-HOT-08").public_id]))
    pages.append(reverse("accounts:department_detail", args=[Department.objects.get(code="aussendienst").public_id]))
    return pages


@pytest.mark.parametrize("username", ["lead", "ambassador.service", "viewer", "admin"])
def test_demo_pages_render_for_demo_users(demo, client, username):
    client.force_login(User.objects.get(username=username))
    for url in _pages():
        assert client.get(url).status_code == 200, url


def test_journey_map_shows_the_technician_story(demo, client):
    client.force_login(User.objects.get(username="lead"))
    journey = Journey.objects.get(name=GLASFASER, kind="current")
    html = client.get(reverse("journeys:detail", args=[journey.public_id])).content.decode()
    assert "Terminabsprache mit dem Techniker per Telefon" in html
    assert "Warum weiß der Techniker nichts von meinem Auftrag?" in html
