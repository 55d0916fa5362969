"""The CX organisation page: CX team, board, ambassadors per department, departments still without one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f


def _organisation(size: int):
    cx = f.DepartmentFactory(code="cx", name="CX-Team", customer_facing=False)
    lead = f.UserFactory(username="lead", first_name="Lena", last_name="Leitner")
    f.MembershipFactory(user=lead, department=cx, role="cx_lead")
    f.MembershipFactory(
        user=f.UserFactory(username="team", first_name="Tim", last_name="Team"), department=cx, role="cx_team"
    )
    f.MembershipFactory(
        user=f.UserFactory(username="board", first_name="Bea", last_name="Board"), department=cx, role="board_member"
    )
    for number in range(size):
        department = f.DepartmentFactory(code=f"d{number}", name=f"Abteilung {number:03d}")
        if number % 2:
            f.MembershipFactory(department=department, role="ambassador")
        f.MembershipFactory(department=department, role="contributor")
        f.MembershipFactory(department=department, role="viewer")
    return lead


@pytest.mark.django_db
def test_organisation_page_shows_team_board_ambassadors_and_gaps(client):
    lead = _organisation(4)
    service = f.DepartmentFactory(code="service", name="Kundenservice")
    f.DepartmentFactory(code="einkauf", name="Einkauf", customer_facing=False)
    client.force_login(lead)
    response = client.get("/organisation/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    context = response.context
    assert [(m.user.username, m.role) for m in context["cx_team"]] == [("lead", "cx_lead"), ("team", "cx_team")]
    assert [m.user.username for m in context["board"]] == ["board"]
    assert [d.name for d in context["without_ambassador"]] == ["Abteilung 000", "Abteilung 002", "Kundenservice"]
    assert context["ambassador_count"] == 2
    row = next(d for d in context["departments"] if d.name == "Abteilung 001")
    assert (len(row.ambassadors), row.contributor_count, row.viewer_count) == (1, 1, 1)
    body = response.content.decode()
    assert "Customer-facing departments without an ambassador" in body
    assert f'href="/organisation/departments/{service.public_id}/"' in body


@pytest.mark.django_db
def test_inactive_people_are_not_listed_as_ambassadors(client, world):
    world.users["ambassador"].is_active = False
    world.users["ambassador"].save()
    client.force_login(world.users["viewer"])
    context = client.get("/organisation/").context
    assert [d.code for d in context["without_ambassador"]] == ["kundenservice"]


@pytest.mark.django_db
def test_organisation_page_query_count_does_not_grow(client, django_assert_num_queries):
    lead = _organisation(5)
    client.force_login(lead)
    with django_assert_num_queries(5) as small:
        client.get("/organisation/")
    _organisation_extra(45)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get("/organisation/").status_code == 200


def _organisation_extra(size):
    for number in range(size):
        department = f.DepartmentFactory(code=f"x{number}")
        f.MembershipFactory(department=department, role="ambassador")
        f.MembershipFactory(department=department, role="board_member")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/organisation/departments/", "/organisation/users/"])
def test_department_and_user_lists_query_count_does_not_grow(client, url):
    lead = _organisation(5)
    client.force_login(lead)
    counts = []
    for extra in (0, 45):
        _organisation_extra(extra)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 8
