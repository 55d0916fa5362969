from datetime import timedelta

import pytest
from django.utils import timezone

from opencxm.analytics.rollups import local_day
from opencxm.analytics.tests.cockpit_data import make_feedback, store
from opencxm.feedback.models import DataSource
from opencxm.insights.models import Action, Insight
from tests import factories as f
from tests.factories_insights import ActionFactory, InsightFactory

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def records(world):
    source = DataSource.objects.create(name="Umfrage")
    now = timezone.now() - timedelta(days=1)
    return store([
        make_feedback(source, now, world.touchpoint, nps=2, comment="Warteschleife zu lang", segment=world.segment),
        make_feedback(source, now, world.other_touchpoint, nps=4, comment="Techniker kam nicht"),
    ])  # fmt: skip


def test_create_form_prefilled_from_feedback_selection(client, world, records):
    login(client, world.users["viewer"])
    query = "&".join(f"feedback={r.public_id}" for r in records) + "&feedback=not-a-uuid"
    response = client.get(f"/insights/new/?{query}", headers=EN)
    assert response.status_code == 200
    form = response.context["form"]
    assert sorted(form.initial["feedback"]) == sorted(r.public_id for r in records)
    assert {t.code for t in form.initial["touchpoints"]} == {"TP-OWN", "TP-OTHER"}
    assert form.initial["segments"] == [world.segment]
    body = response.content.decode()
    assert "Warteschleife zu lang" in body and "Techniker kam nicht" in body


def test_contributor_records_insight_from_feedback(client, world, records):
    contributor = f.UserFactory(username="techniker")
    f.MembershipFactory(user=contributor, department=world.other, role="contributor")
    login(client, contributor)
    data = {
        "kind": "pain_point", "title": "Lange Wartezeit", "description": "", "owner_department": world.own.pk,
        "impact": 5, "effort": 2, "touchpoints": [world.touchpoint.pk], "segments": [world.segment.pk],
        "feedback": [str(records[0].public_id)], "evidence_metric": "nps", "evidence_days": "30",
        "evidence_note": "Gespräch mit Kundin",
    }  # fmt: skip
    response = client.post("/insights/new/", data)
    insight = Insight.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/insights/{insight.public_id}/"
    assert list(insight.feedback.all()) == [records[0]]
    assert insight.evidence_query == {"metric": "nps", "days": 30} and insight.created_by == contributor
    detail = client.get(response["Location"], headers=EN).content.decode()
    assert "Warteschleife zu lang" in detail and "Gespräch mit Kundin" in detail
    assert 'id="evidence-query"' in detail and "n = 1" in detail
    # the contributor belongs to another department: it may record but not edit the insight
    assert client.get(f"/insights/{insight.public_id}/edit/").status_code == 403


def test_invalid_insight_form_shows_errors_and_saves_nothing(client, world):
    login(client, world.users["ambassador"])
    response = client.post("/insights/new/", {"kind": "idea", "title": "", "impact": 9}, headers=EN)
    assert response.status_code == 200 and Insight.objects.count() == 0
    assert response.context["form"].errors.keys() >= {"title", "owner_department", "impact"}


def test_ambassador_transitions_and_validates_own_insight(client, world):
    insight = InsightFactory(owner_department=world.own)
    login(client, world.users["ambassador"])
    response = client.post(f"/insights/{insight.public_id}/validate/", {"method": "sample", "note": "200 Befragte"})
    assert response.status_code == 302
    client.post(f"/insights/{insight.public_id}/transition/", {"status": "in_progress"})
    insight.refresh_from_db()
    assert (insight.status, insight.validation_method) == ("in_progress", "sample")
    page = client.get(f"/insights/{insight.public_id}/", headers=EN).content.decode()
    assert "200 Befragte" in page and "Mark as Done" in page and "Mark as Rejected" in page


def test_not_allowed_transition_shows_an_error_and_changes_nothing(client, world):
    insight = InsightFactory(owner_department=world.own, status="done")
    login(client, world.users["cx_team"])
    response = client.post(f"/insights/{insight.public_id}/transition/", {"status": "new"}, follow=True, headers=EN)
    assert "This change is not possible from the current status." in response.content.decode()
    insight.refresh_from_db()
    assert insight.status == "done" and insight.events.count() == 0


def test_viewer_sees_no_edit_buttons(client, world):
    insight = InsightFactory(owner_department=world.own)
    page = login(client, world.users["viewer"]).get(f"/insights/{insight.public_id}/", headers=EN).content.decode()
    assert "Mark as" not in page and f"/insights/{insight.public_id}/edit/" not in page


def test_action_created_from_insight_with_references(client, world):
    insight = InsightFactory(owner_department=world.own)
    login(client, world.users["ambassador"])
    form = client.get(f"/insights/{insight.public_id}/actions/new/?track=playbook").context["form"]
    assert form.initial["track"] == "playbook"
    assert list(form.fields["owner_department"].queryset) == [world.own]  # an ambassador plans for its department
    data = {
        "track": "playbook", "category": "communication", "title": "SMS bei Störung", "description": "",
        "owner_department": world.own.pk, "owner_user": world.users["ambassador"].pk, "due_date": "2026-06-30",
        "metric": "nps", "expected_change": "5", "touchpoints": [world.touchpoint.pk],
        "references_text": "Projekt Störungsinfo | https://example.com/p/1\nCRM",
    }  # fmt: skip
    response = client.post(f"/insights/{insight.public_id}/actions/new/", data)
    action = Action.objects.get()
    assert response["Location"] == f"/insights/actions/{action.public_id}/"
    assert action.references == [
        {"label": "Projekt Störungsinfo", "url": "https://example.com/p/1"},
        {"label": "CRM", "url": ""},
    ]
    page = client.get(response["Location"], headers=EN).content.decode()
    assert 'href="https://example.com/p/1"' in page and "Before and after figures appear once" in page


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"category": "culture"}, "category"),  # a roadmap category on a playbook action
        ({"references_text": "Projekt | javascript:alert(1)"}, "references_text"),
        ({"metric": ""}, "metric"),  # an expected change needs its metric
    ],
)
def test_action_form_validation(client, world, change, error):
    insight = InsightFactory(owner_department=world.own)
    login(client, world.users["cx_team"])
    data = {"track": "playbook", "category": "communication", "title": "x", "owner_department": world.own.pk,
            "metric": "nps", "expected_change": "5"} | change  # fmt: skip
    response = client.post(f"/insights/{insight.public_id}/actions/new/", data)
    assert response.status_code == 200 and error in response.context["form"].errors
    assert Action.objects.count() == 0


def test_done_action_shows_metric_before_and_after(client, world):
    source = DataSource.objects.create(name="Umfrage")
    done_at = timezone.now() - timedelta(days=5)
    done_day = local_day(done_at)
    noon = timezone.now().replace(hour=12)

    def on(day):
        return noon + timedelta(days=(day - local_day(noon)).days)

    store([
        make_feedback(source, on(done_day - timedelta(days=2)), world.touchpoint, nps=0),
        make_feedback(source, on(done_day + timedelta(days=1)), world.touchpoint, nps=10),
        make_feedback(source, on(done_day + timedelta(days=1)), world.touchpoint, nps=10),
    ])  # fmt: skip
    action = ActionFactory(insight=InsightFactory(owner_department=world.own), status="done", done_at=done_at,
                           metric="nps", expected_change=20)  # fmt: skip
    action.touchpoints.set([world.touchpoint])
    response = login(client, world.users["viewer"]).get(f"/insights/actions/{action.public_id}/", headers=EN)
    effect = response.context["effect"]
    assert (effect.days, effect.before.value, effect.before.n, effect.after.value, effect.after.n) == (
        6, -100.0, 1, 100.0, 2,
    )  # fmt: skip
    body = response.content.decode()
    assert "-100.0" in body and "200.0" in body and "text-green" in body


def test_action_list_shows_only_own_department_to_members(client, world):
    ActionFactory(insight=InsightFactory(owner_department=world.own), owner_department=world.own, title="eigen")
    ActionFactory(insight=InsightFactory(owner_department=world.other), owner_department=world.other, title="fremd")
    response = login(client, world.users["viewer"]).get("/insights/actions/", headers=EN)
    assert [a.title for a in response.context["actions"]] == ["eigen"]
    assert "Showing your departments' actions." in response.content.decode()
    response = login(client, world.users["cx_team"]).get("/insights/actions/?track=roadmap", headers=EN)
    assert sorted(a.title for a in response.context["actions"]) == ["eigen", "fremd"]


def test_insight_list_filters_and_counts(client, world):
    InsightFactory(owner_department=world.own, title="Hoch", impact=5).touchpoints.set([world.touchpoint])
    InsightFactory(owner_department=world.other, title="Niedrig", impact=1)
    login(client, world.users["viewer"])
    response = client.get("/insights/", headers=EN)
    assert [i.title for i in response.context["insights"]] == ["Hoch", "Niedrig"]
    assert "2 insights" in response.content.decode()
    response = client.get(f"/insights/?touchpoint={world.touchpoint.public_id}&department=bogus", headers=EN)
    assert [i.title for i in response.context["insights"]] == ["Hoch"]
    response = client.get("/insights/?department=vertrieb")
    assert [i.title for i in response.context["insights"]] == ["Niedrig"]


def _many_insights(world, count):
    for n in range(count):
        insight = InsightFactory(owner_department=world.own if n % 2 else world.other, impact=1 + n % 5)
        insight.touchpoints.set([world.touchpoint, world.other_touchpoint])
        ActionFactory(insight=insight, owner_department=insight.owner_department)


@pytest.mark.parametrize("count", [5, 50])
def test_list_pages_need_a_bounded_number_of_queries(client, world, django_assert_max_num_queries, count):
    _many_insights(world, count)
    login(client, world.users["viewer"])
    with django_assert_max_num_queries(12):
        assert client.get("/insights/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/insights/actions/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/insights/actions/board/").status_code == 200


def test_board_page_shows_both_tracks(client, world):
    insight = InsightFactory(owner_department=world.own)
    insight.steps.set([world.step])
    ActionFactory(insight=insight, title="Schulung Hotline", category="skills")
    body = login(client, world.users["cx_team"]).get("/insights/actions/board/", headers=EN).content.decode()
    assert "Schulung Hotline" in body and "Roadmap (internal)" in body and "Playbook (customer-side)" in body
    assert '<th scope="col">Service</th>' in body


def test_touchpoint_page_shows_its_insights(client, world):
    InsightFactory(owner_department=world.own, title="Hotline überlastet", impact=5).touchpoints.set([world.touchpoint])
    InsightFactory(owner_department=world.own, title="Anderswo").touchpoints.set([world.other_touchpoint])
    login(client, world.users["viewer"])
    body = client.get(f"/touchpoints/{world.touchpoint.public_id}/", headers=EN).content.decode()
    card = body[body.index('id="touchpoint-insights"') :]
    assert "Hotline überlastet" in card and "Anderswo" not in card
