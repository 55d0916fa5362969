"""Goal pages: the target list with current figures, create/edit/delete rights, the alert inboxes."""

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from opencxm.analytics.models import Alert, Target
from opencxm.analytics.tests.test_targets import add_feedback, make_target
from opencxm.feedback.models import DataSource
from tests import factories as f


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _form(w, **overrides):
    data = {
        "metric": "nps", "scope_type": "touchpoint", "touchpoint": w.touchpoint.pk, "journey": "", "stage": "",
        "department": "", "valid_from": "", "valid_until": "", "target_value": "30", "warning_value": "0",
        "window_days": "28", "min_responses": "30", "goal_type": "behavioural", "owner_department": "", "note": "",
    }  # fmt: skip
    data.update(overrides)
    return data


def _alert(target, department, *, closed=False):
    now = timezone.now()
    return Alert.objects.create(
        target=target, department=department, raised_at=now, closed_at=now if closed else None, raised_value=-10,
        last_value=-10, window_start=date(2026, 2, 1), window_end=date(2026, 2, 28), evaluated_at=now,
    )  # fmt: skip


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def test_list_shows_target_current_value_and_status(world, client):
    source = DataSource.objects.create(name="Umfrage")
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    add_feedback(source, world.touchpoint, [10, 3, 3, 3], day=yesterday)
    target = make_target(world)
    response = _client(world.users["viewer"]).get("/goals/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "TP-OWN Hotline Störung" in html
    assert "-50" in html
    assert '<span class="badge bg-red-lt">breach</span>' in html
    assert f"/goals/{target.public_id}/edit/" not in html  # a viewer gets no edit links
    team_html = _client(world.users["cx_team"]).get("/goals/").content.decode()
    assert f"/goals/{target.public_id}/edit/" in team_html


def test_list_offers_the_values_as_of_the_latest_feedback_when_the_windows_are_empty(world):
    source = DataSource.objects.create(name="Umfrage")
    last = timezone.localdate() - timezone.timedelta(days=60)
    add_feedback(source, world.touchpoint, [10, 3, 3, 3], day=last)
    make_target(world)
    client = _client(world.users["viewer"])
    html = client.get("/goals/").content.decode()
    assert "-50" not in html
    assert f"the latest feedback is from {last:%m/%d/%Y}" in html
    on = last + timezone.timedelta(days=1)
    assert f'href="/goals/?on={on.isoformat()}"' in html
    html = client.get("/goals/", {"on": on.isoformat()}).content.decode()
    assert "-50" in html and '<span class="badge bg-red-lt">breach</span>' in html
    assert f"Shown as of {on:%m/%d/%Y}, not today" in html
    # a day after today is today; a malformed day is ignored
    for value in ((timezone.localdate() + timezone.timedelta(days=9)).isoformat(), "31.12.2026"):
        html = client.get("/goals/", {"on": value}).content.decode()
        assert "not today" not in html and "-50" not in html


def test_list_says_too_few_responses_below_the_minimum_sample(world):
    source = DataSource.objects.create(name="Umfrage")
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    add_feedback(source, world.touchpoint, [10, 3, 3, 3], day=yesterday)
    make_target(world, min_responses=30)
    html = _client(world.users["viewer"]).get("/goals/").content.decode()
    assert '<span class="badge bg-secondary-lt text-wrap text-start">too few responses (4 of 30)</span>' in html
    assert "bg-red-lt" not in html
    assert "-50" in html  # the figure itself is still shown


def test_minimum_sample_is_saved_and_shown_in_the_form(world):
    client = _client(world.users["cx_team"])
    html = client.get("/goals/new/").content.decode()
    assert '<label class="form-label required" for="id_min_responses">Minimum responses</label>' in html
    assert 'name="min_responses" value="30"' in html
    assert client.post("/goals/new/", _form(world, min_responses="50")).status_code == 302
    target = Target.objects.get()
    assert target.min_responses == 50
    assert 'name="min_responses" value="50"' in client.get(f"/goals/{target.public_id}/edit/").content.decode()
    response = client.post(f"/goals/{target.public_id}/edit/", _form(world, min_responses="-1"))
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0." in response.content.decode()
    target.refresh_from_db()
    assert target.min_responses == 50


@pytest.mark.parametrize("count", [5, 50])
def test_list_query_count_is_bounded(world, count, django_assert_num_queries):
    for _ in range(count):
        make_target(world, touchpoint=f.TouchpointFactory(owner_department=world.own))
    make_target(world, scope_type="company", touchpoint=None, metric="csat", target_value=80, warning_value=70)
    client = _client(world.users["cx_team"])
    # session, user, memberships, count, page of targets, one runner query per metric/scope/window batch, and
    # (no feedback in the windows) the latest day with feedback
    with django_assert_num_queries(8):
        response = client.get("/goals/")
    assert response.status_code == 200


def test_editor_creates_a_target_with_derived_owner(world):
    response = _client(world.users["cx_team"]).post("/goals/new/", _form(world))
    assert response.status_code == 302
    target = Target.objects.get()
    assert (target.metric, target.touchpoint, target.owner_department) == ("nps", world.touchpoint, world.own)


def test_form_errors_are_shown_next_to_the_fields(world):
    response = _client(world.users["cx_team"]).post("/goals/new/", _form(world, warning_value="50", touchpoint=""))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Required for this scope." in html
    assert Target.objects.count() == 0
    response = _client(world.users["cx_team"]).post("/goals/new/", _form(world, warning_value="50"))
    assert "Higher is better here: the warning threshold must not exceed the target." in response.content.decode()
    assert Target.objects.count() == 0


def test_ambassador_sets_goals_only_for_own_department(world):
    client = _client(world.users["ambassador"])
    assert client.post("/goals/new/", _form(world, touchpoint=world.other_touchpoint.pk)).status_code == 403
    assert client.post("/goals/new/", _form(world, scope_type="company", touchpoint="")).status_code == 403
    assert client.post("/goals/new/", _form(world, owner_department=world.other.pk)).status_code == 403
    assert Target.objects.count() == 0
    assert client.post("/goals/new/", _form(world)).status_code == 302
    scoped = _form(world, scope_type="department", touchpoint="", department=world.own.pk, metric="csat")
    scoped.update(target_value="80", warning_value="70")
    assert client.post("/goals/new/", scoped).status_code == 302
    assert Target.objects.count() == 2
    page = client.get("/goals/new/", {"scope_type": "touchpoint"}).content.decode()
    assert 'value="company"' not in page
    assert "TP-OWN Hotline Störung" in page and "Vertragsabschluss" not in page


def test_edit_and_delete(world):
    target = make_target(world)
    client = _client(world.users["ambassador"])
    assert client.get(f"/goals/{target.public_id}/edit/").status_code == 200
    response = client.post(f"/goals/{target.public_id}/edit/", _form(world, target_value="40"))
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.target_value == 40.0
    assert client.post(f"/goals/{target.public_id}/delete/").status_code == 302
    assert Target.objects.count() == 0


def test_scope_field_follows_the_scope_type_over_htmx(world):
    client = _client(world.users["cx_team"])
    response = client.get(
        "/goals/new/", {"scope_type": "stage"}, headers={"HX-Request": "true", "HX-Target": "scope-fields"}
    )
    html = response.content.decode()
    assert 'name="stage"' in html
    assert "Störung beheben · Service" in html
    assert "<html" not in html and 'name="touchpoint"' not in html


def test_inbox_shows_the_users_departments_and_everything_to_the_cx_team(world):
    own_alert = _alert(make_target(world), world.own)
    other_target = make_target(world, touchpoint=world.other_touchpoint, owner_department=world.other)
    _alert(other_target, world.other)
    _alert(make_target(world, metric="csat", target_value=80, warning_value=70), world.own, closed=True)
    ambassador = _client(world.users["ambassador"]).get("/goals/alerts/").content.decode()
    assert "TP-OWN Hotline Störung" in ambassador and "TP-OWN" in ambassador
    assert "Vertragsabschluss" not in ambassador
    assert "1 open alert" in ambassador
    assert "CSAT" in ambassador  # the closed alert in the history
    team = _client(world.users["cx_team"]).get("/goals/alerts/").content.decode()
    assert "2 open alerts" in team and "Vertragsabschluss" in team
    department = _client(world.users["viewer"]).get(f"/goals/alerts/{world.own.public_id}/").content.decode()
    assert "1 open alert" in department and str(own_alert.department.public_id) in department


def test_department_inbox_is_for_its_members_and_the_cx_team(world):
    path = f"/goals/alerts/{world.other.public_id}/"
    assert _client(world.users["ambassador"]).get(path).status_code == 403
    assert _client(world.users["other_department"]).get(path).status_code == 200
    assert _client(world.users["cx_team"]).get(path).status_code == 200
    board = f.UserFactory(username="board")
    f.MembershipFactory(user=board, department=world.own, role="board_member")
    assert _client(board).get(path).status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_inbox_query_count_is_bounded(world, count, django_assert_num_queries):
    for _ in range(count):
        target = make_target(world, touchpoint=f.TouchpointFactory(owner_department=world.own))
        _alert(target, world.own)
        _alert(target, world.own, closed=True)
    client = _client(world.users["ambassador"])
    with django_assert_num_queries(5):  # session, user, memberships, open alerts, closed alerts
        response = client.get("/goals/alerts/")
    assert response.status_code == 200
