import pytest
from django.urls import reverse

from opencxm.core.models import AuditEntry
from opencxm.touchpoints.models import Touchpoint
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def cx(world, client):
    client.force_login(world.users["cx_team"])
    return client


def codes(response):
    return [t.code for t in response.context["touchpoints"]]


def test_list_shows_registry_with_step_counts(cx, world):
    response = cx.get("/touchpoints/")
    assert response.status_code == 200
    assert codes(response) == ["TP-OTHER", "TP-OWN"]
    assert [t.step_count for t in response.context["touchpoints"]] == [1, 1]
    assert "2 Touchpoints" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"channel": "web"}, ["TP-WEB"]),
        ({"department": "vertrieb"}, ["TP-OTHER"]),
        ({"stage": "Service"}, ["TP-OTHER", "TP-OWN"]),
        ({"stage": "Kauf"}, ["TP-WEB"]),
        ({"status": "planned"}, ["TP-WEB"]),
        ({"mot": "yes"}, ["TP-WEB"]),
        ({"mot": "no"}, ["TP-OTHER", "TP-OWN"]),
        ({"q": "störung"}, ["TP-OWN"]),
        ({"q": "online"}, ["TP-WEB"]),
        ({"q": "tp-oth"}, ["TP-OTHER"]),
        ({"channel": "hotline", "department": "kundenservice"}, ["TP-OWN"]),
        ({"channel": "does-not-exist"}, ["TP-OTHER", "TP-OWN", "TP-WEB"]),
        ({"channel": "does-not-exist", "department": "vertrieb"}, ["TP-OTHER"]),
    ],
)
def test_list_filters(cx, world, query, expected):
    web = f.ChannelFactory(code="web", name="Website")
    touchpoint = f.TouchpointFactory(
        code="TP-WEB",
        name="Bestellung",
        description="Online bestellen",
        channel=web,
        owner_department=world.own,
        status="planned",
        moment_of_truth=True,
    )
    f.JourneyStepFactory(stage=f.StageFactory(journey=world.journey, name="Kauf", position=2), touchpoint=touchpoint)
    assert codes(cx.get("/touchpoints/", query)) == expected


def test_list_htmx_returns_results_partial_only(cx, world):
    response = cx.get(
        "/touchpoints/", {"department": "vertrieb"}, headers={"HX-Request": "true", "HX-Target": "touchpoint-results"}
    )
    html = response.content.decode()
    assert codes(response) == ["TP-OTHER"]
    assert "<html" not in html
    assert 'id="id_channel"' not in html
    assert "department=vertrieb&amp;format=csv" in html or "format=csv&amp;department=vertrieb" in html


def test_pagination_keeps_filters(cx, world):
    for number in range(30):
        f.TouchpointFactory(code=f"TP-H{number:02d}", channel=world.channel, owner_department=world.own)
    first = cx.get("/touchpoints/", {"channel": "hotline"})
    assert len(codes(first)) == 25
    assert first.context["page"].paginator.count == 32
    assert "?channel=hotline&amp;page=2" in first.content.decode()
    second = cx.get("/touchpoints/", {"channel": "hotline", "page": 2})
    assert codes(second) == ["TP-H25", "TP-H26", "TP-H27", "TP-H28", "TP-H29", "TP-OTHER", "TP-OWN"]


def _queries_for_list(client, django_assert_max_num_queries, count, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/touchpoints/", {"q": "TP"})
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_list_query_count_does_not_grow(cx, world, django_assert_max_num_queries):
    def make(n):
        for _ in range(n):
            touchpoint = f.TouchpointFactory(channel=world.channel, owner_department=world.own)
            f.ContributionFactory(touchpoint=touchpoint, department=world.other)
            f.JourneyStepFactory(stage=world.stage, touchpoint=touchpoint)

    make(5)
    small = _queries_for_list(cx, django_assert_max_num_queries, 5, world)
    make(45)
    large = _queries_for_list(cx, django_assert_max_num_queries, 50, world)
    assert small == large
    with django_assert_max_num_queries(12):
        cx.get("/touchpoints/", {"q": "TP"})


def test_html_in_names_is_escaped(cx, world):
    world.touchpoint.name = "<script>alert(1)</script>"
    world.touchpoint.processes = ["<b>x</b>", "javascript:alert(1)", "CRM | https://crm.example/a?b=1&c=2"]
    world.touchpoint.save()
    for url in ("/touchpoints/", f"/touchpoints/{world.touchpoint.public_id}/"):
        html = cx.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    detail = cx.get(f"/touchpoints/{world.touchpoint.public_id}/").content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;" in detail
    assert 'href="javascript:' not in detail
    assert '<a href="https://crm.example/a?b=1&amp;c=2" rel="noopener noreferrer" target="_blank">CRM</a>' in detail


def test_detail_shows_contributions_journeys_and_history(cx, world):
    f.ContributionFactory(touchpoint=world.touchpoint, department=world.other, raci="C")
    cx.post(
        f"/touchpoints/{world.touchpoint.public_id}/edit/",
        _form(
            world,
            world.touchpoint,
            name="Hotline Störung neu",
            **{"contrib-0-department": world.other.pk, "contrib-0-raci": "I"},
        ),
    )
    response = cx.get(f"/touchpoints/{world.touchpoint.public_id}/")
    html = response.content.decode()
    assert "Vertrieb" in html and "Informiert" in html
    assert f'href="/journeys/{world.journey.public_id}/"' in html
    assert "Störung beheben" in html
    (item,) = response.context["history"]
    assert [(str(label), old, new) for label, old, new in item["changes"]] == [
        ("Name", "Hotline Störung", "Hotline Störung neu"),
        ("beteiligte Abteilungen", "vertrieb:C", "vertrieb:I"),
    ]
    assert "Bearbeiten" in html


def test_detail_hides_edit_for_viewer(client, world):
    client.force_login(world.users["viewer"])
    html = client.get(f"/touchpoints/{world.touchpoint.public_id}/").content.decode()
    assert reverse("touchpoints:edit", args=[world.touchpoint.public_id]) not in html
    assert reverse("touchpoints:retire", args=[world.touchpoint.public_id]) not in html


def _form(w, touchpoint, **changes):
    data = {
        "code": touchpoint.code,
        "name": touchpoint.name,
        "description": touchpoint.description,
        "channel": touchpoint.channel_id,
        "owner_department": touchpoint.owner_department_id,
        "status": touchpoint.status,
        "processes": "\n".join(touchpoint.processes),
        "systems": "\n".join(touchpoint.systems),
        "contrib-TOTAL_FORMS": "2",
        "contrib-INITIAL_FORMS": "0",
        "contrib-0-department": "",
        "contrib-0-raci": "",
        "contrib-1-department": "",
        "contrib-1-raci": "",
    }
    return data | changes


def test_create_with_contributions_and_references(cx, world):
    data = _form(world, Touchpoint(code="TP-NEU", name="Rückruf", channel=world.channel, owner_department=world.own))
    data |= {
        "moment_of_truth": "on",
        "processes": "Rückrufprozess\r\nWiki|https://wiki.example/rueckruf\r\n\r\n",
        "systems": "Telefonanlage",
        "contrib-0-department": world.other.pk,
        "contrib-0-raci": "I",
    }
    response = cx.post("/touchpoints/new/", data)
    touchpoint = Touchpoint.objects.get(code="TP-NEU")
    assert response.status_code == 302 and response["Location"] == f"/touchpoints/{touchpoint.public_id}/"
    assert touchpoint.moment_of_truth is True
    assert touchpoint.processes == ["Rückrufprozess", "Wiki | https://wiki.example/rueckruf"]
    assert touchpoint.systems == ["Telefonanlage"]
    assert list(touchpoint.contributions.values_list("department__code", "raci")) == [("vertrieb", "I")]
    entry = AuditEntry.objects.get(object_id=touchpoint.public_id)
    assert entry.action == "create" and entry.actor == world.users["cx_team"]
    assert entry.changes["contributors"] == [None, "vertrieb:I"]


def test_create_duplicate_code_is_a_form_error(cx, world):
    data = _form(world, Touchpoint(code="TP-OWN", name="Doppelt", channel=world.channel, owner_department=world.own))
    response = cx.post("/touchpoints/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [
        "Ein Touchpoint mit diesem Code existiert bereits; wählen Sie einen anderen Code."
    ]
    assert Touchpoint.objects.filter(code="TP-OWN").count() == 1


def test_duplicate_contribution_department_is_an_error(cx, world):
    data = _form(world, world.touchpoint) | {
        "contrib-0-department": world.other.pk,
        "contrib-0-raci": "C",
        "contrib-1-department": world.other.pk,
        "contrib-1-raci": "I",
    }
    response = cx.post(f"/touchpoints/{world.touchpoint.public_id}/edit/", data)
    assert response.context["formset"].non_form_errors() == ["Vertrieb ist doppelt aufgeführt."]
    assert world.touchpoint.contributions.count() == 0


def test_edit_without_change_writes_no_audit(cx, world):
    response = cx.post(f"/touchpoints/{world.touchpoint.public_id}/edit/", _form(world, world.touchpoint))
    assert response.status_code == 302
    assert AuditEntry.objects.count() == 0


def test_retire_needs_confirmation_and_sets_retired_at(cx, world):
    url = f"/touchpoints/{world.touchpoint.public_id}/retire/"
    assert "stilllegen?" in cx.get(url).content.decode()
    world.touchpoint.refresh_from_db()
    assert world.touchpoint.status == "active"
    cx.post(url)
    world.touchpoint.refresh_from_db()
    assert world.touchpoint.status == "retired" and world.touchpoint.retired_at is not None
    assert AuditEntry.objects.get().action == "retire"


def test_ambassador_form_offers_only_own_department(client, world):
    client.force_login(world.users["ambassador"])
    form = client.get("/touchpoints/new/").context["form"]
    assert list(form.fields["owner_department"].queryset) == [world.own]


def test_ambassador_cannot_create_for_other_department(client, world):
    client.force_login(world.users["ambassador"])
    data = _form(world, Touchpoint(code="TP-X", name="X", channel=world.channel, owner_department=world.other))
    assert client.post("/touchpoints/new/", data).status_code == 403
    assert not Touchpoint.objects.filter(code="TP-X").exists()


def test_ambassador_cannot_give_away_own_touchpoint(client, world):
    client.force_login(world.users["ambassador"])
    data = _form(world, world.touchpoint, owner_department=world.other.pk, name="weg")
    assert client.post(f"/touchpoints/{world.touchpoint.public_id}/edit/", data).status_code == 403
    world.touchpoint.refresh_from_db()
    assert (world.touchpoint.name, world.touchpoint.owner_department) == ("Hotline Störung", world.own)


def test_ambassador_edits_own_touchpoint(client, world):
    client.force_login(world.users["ambassador"])
    data = _form(world, world.touchpoint, name="Neu benannt")
    assert client.post(f"/touchpoints/{world.touchpoint.public_id}/edit/", data).status_code == 302
    world.touchpoint.refresh_from_db()
    assert world.touchpoint.name == "Neu benannt"


def test_channels_page_creates_channel(cx, world):
    response = cx.post("/touchpoints/channels/", {"code": "fax", "name": "Fax", "kind": "other"})
    assert response.status_code == 302
    assert AuditEntry.objects.get().object_repr == "Fax"
    html = cx.get("/touchpoints/channels/").content.decode()
    assert "Fax" in html and "Hotline" in html
