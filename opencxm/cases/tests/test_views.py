"""Case pages: the inbox (scoping, filters, overdue first, bounded queries), the case page and its actions
(HTMX and plain), conflicts, rules forms."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from opencxm.cases import services
from opencxm.cases.models import Case, CaseRule
from tests.factories_cases import CaseRuleFactory, DataSourceFactory, FeedbackFactory


def open_case(world, touchpoint=None, **feedback):
    source = DataSourceFactory(name="Umfrage")
    record = FeedbackFactory(source=source, touchpoint=touchpoint or world.touchpoint, **feedback)
    return services.case_create(actor=None, feedback=record)


def signed_in(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_inbox_shows_own_department_cases_most_urgent_first(client, world):
    later = open_case(world, comment="Später fällig")
    overdue = open_case(world, comment="Schon überfällig")
    Case.objects.filter(pk=overdue.pk).update(sla_due_at=timezone.now() - timedelta(hours=1))
    open_case(world, touchpoint=world.other_touchpoint, comment="Fremde Abteilung")
    response = signed_in(client, world.users["viewer"]).get("/cases/")
    assert [c.number for c in response.context["cases"]] == [overdue.number, later.number]
    assert response.context["counts"] == {"open": 2, "overdue": 1, "escalated": 0}
    html = response.content.decode()
    assert 'class="case-overdue"' in html and "Schon überfällig" in html and "Fremde Abteilung" not in html


def test_cx_team_sees_every_department_and_filters(client, world):
    open_case(world)
    other = open_case(world, touchpoint=world.other_touchpoint)
    client = signed_in(client, world.users["cx_team"])
    assert len(client.get("/cases/").context["cases"]) == 2
    response = client.get("/cases/", {"department": str(world.other.public_id)})
    assert [c.pk for c in response.context["cases"]] == [other.pk]
    services.case_assign(actor=None, case=other, assignee=world.users["other_department"], expected_version=1)
    assert client.get("/cases/", {"assignee": "none"}).context["cases"][0].touchpoint == world.touchpoint
    services.case_close(actor=None, case=Case.objects.get(pk=other.pk), root_cause="other", resolution="x",
                        expected_version=2)  # fmt: skip
    assert [c.pk for c in client.get("/cases/", {"status": "closed"}).context["cases"]] == [other.pk]
    assert len(client.get("/cases/", {"status": "all"}).context["cases"]) == 2


def test_inbox_htmx_returns_the_results_fragment(client, world):
    open_case(world)
    response = signed_in(client, world.users["ambassador"]).get(
        "/cases/", headers={"HX-Request": "true", "HX-Target": "case-results"}
    )
    assert response.content.decode().lstrip().startswith('<div class="card">')


@pytest.mark.parametrize("size", [5, 30])
def test_inbox_queries_are_bounded(client, world, django_assert_max_num_queries, size):
    for _ in range(size):
        case = open_case(world)
        services.case_assign(actor=None, case=case, assignee=world.users["ambassador"], expected_version=1)
    client = signed_in(client, world.users["ambassador"])
    with django_assert_max_num_queries(9):
        response = client.get("/cases/")
    assert response.status_code == 200 and len(response.context["cases"]) == min(size, 25)


def test_case_page_shows_the_customers_words_scores_and_timeline(client, world):
    case = open_case(world, nps=2, csat=1, comment="Drei Wochen ohne Internet.")
    html = signed_in(client, world.users["viewer"]).get(f"/cases/{case.public_id}/").content.decode()
    assert "Drei Wochen ohne Internet." in html and ">2<" in html and ">1<" in html
    assert "Störung beheben" in html  # the journey the touchpoint is a step of
    assert 'id="handover-form"' not in html  # a viewer reads, does not act


def test_other_department_gets_404(client, world):
    case = open_case(world)
    assert signed_in(client, world.users["other_department"]).get(f"/cases/{case.public_id}/").status_code == 404


def test_htmx_comment_returns_the_refreshed_panel(client, world):
    case = open_case(world)
    response = signed_in(client, world.users["ambassador"]).post(
        f"/cases/{case.public_id}/comment/", {"comment-version": 1, "comment-text": "Rückruf morgen"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="case-panel"')
    assert "Rückruf morgen" in html and 'name="comment-version" value="2"' in html


def test_stale_form_shows_a_conflict_and_changes_nothing(client, world):
    case = open_case(world)
    services.case_comment(actor=None, case=case, text="jemand anderes", expected_version=1)
    response = signed_in(client, world.users["ambassador"]).post(
        f"/cases/{case.public_id}/close/",
        {"close-version": 1, "close-root_cause": "process", "close-resolution": "erledigt"},
    )
    assert response.status_code == 409
    assert "Someone else changed this case" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "open"


def test_close_without_resolution_shows_the_field_error(client, world):
    case = open_case(world)
    response = signed_in(client, world.users["ambassador"]).post(
        f"/cases/{case.public_id}/close/", {"close-version": 1, "close-root_cause": "process"}
    )
    assert response.status_code == 422 and "This field is required." in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "open"


def test_handing_a_case_out_of_sight_returns_to_the_inbox(client, world):
    case = open_case(world)
    data = {"handover-version": 1, "handover-to_department": str(world.other.public_id), "handover-note": "Vertrag"}
    client = signed_in(client, world.users["ambassador"])
    response = client.post(f"/cases/{case.public_id}/handover/", data, headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"] == "/cases/"
    assert Case.objects.get(pk=case.pk).department == world.other


def test_unknown_action_is_404(client, world):
    case = open_case(world)
    assert signed_in(client, world.users["ambassador"]).post(f"/cases/{case.public_id}/reopen/").status_code == 404


def test_rule_form_creates_and_edits_a_rule(client, world):
    client = signed_in(client, world.users["cx_team"])
    data = {"name": "Detraktoren Hotline", "active": "on", "trigger": "nps_max", "threshold": "4",
            "priority": "high", "sla_hours": "24", "touchpoints": [str(world.touchpoint.pk)]}  # fmt: skip
    assert client.post("/cases/rules/new/", data).status_code == 302
    rule = CaseRule.objects.get()
    assert (rule.threshold, rule.priority, list(rule.touchpoints.all())) == (4, "high", [world.touchpoint])
    response = client.post(f"/cases/rules/{rule.public_id}/", data | {"threshold": "11"})
    assert response.status_code == 422 and "Between 0 and 10." in response.content.decode()
    client.post(f"/cases/rules/{rule.public_id}/", data | {"trigger": "complaint", "touchpoints": []})
    rule.refresh_from_db()
    assert (rule.trigger, rule.threshold, list(rule.touchpoints.all())) == ("complaint", None, [])
    assert "Detraktoren Hotline" in client.get("/cases/rules/").content.decode()


def test_rules_list_queries_are_bounded(client, world, django_assert_max_num_queries):
    for n in range(10):
        CaseRuleFactory(name=f"R{n}").touchpoints.set([world.touchpoint])
    client = signed_in(client, world.users["cx_team"])
    with django_assert_max_num_queries(10):
        assert client.get("/cases/rules/").status_code == 200


def test_board_members_read_every_case_and_act_on_none(client, world):
    from tests import factories as f

    board = f.UserFactory(username="board")
    f.MembershipFactory(user=board, department=world.other, role="board_member")
    case = open_case(world)
    client = signed_in(client, board)
    assert [c.pk for c in client.get("/cases/").context["cases"]] == [case.pk]
    assert client.get(f"/cases/{case.public_id}/").status_code == 200
    response = client.post(f"/cases/{case.public_id}/comment/", {"comment-version": 1, "comment-text": "x"})
    assert response.status_code == 403 and Case.objects.get(pk=case.pk).version == 1


def test_contributors_work_their_departments_cases(client, world):
    from tests import factories as f

    contributor = f.UserFactory(username="contrib")
    f.MembershipFactory(user=contributor, department=world.own, role="contributor")
    case = open_case(world)
    response = signed_in(client, contributor).post(
        f"/cases/{case.public_id}/assign/", {"assign-version": 1, "assign-assignee": str(contributor.public_id)}
    )
    assert response.status_code == 302 and Case.objects.get(pk=case.pk).assignee == contributor
