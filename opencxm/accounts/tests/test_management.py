"""Managing departments, users and memberships (CX lead and administrators), with the audit trail."""

import pytest
from django.core import mail

from opencxm.accounts.models import Department, Membership, User
from opencxm.core.models import AuditEntry
from tests import factories as f

LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


@pytest.fixture
def lead_client(client, cx_lead):
    client.force_login(cx_lead)
    return client


def test_cx_lead_creates_edits_and_deletes_a_department(lead_client, cx_lead):
    data = {"code": "logistik", "name": "Logistik", "description": "Versand", "customer_facing": "on"}
    response = lead_client.post("/organisation/departments/new/", data)
    department = Department.objects.get(code="logistik")
    assert response.status_code == 302
    assert response["Location"] == f"/organisation/departments/{department.public_id}/"
    assert (department.name, department.customer_facing) == ("Logistik", True)

    data = {"code": "logistik", "name": "Logistik & Versand", "description": ""}
    lead_client.post(f"/organisation/departments/{department.public_id}/edit/", data)
    department.refresh_from_db()
    assert (department.name, department.customer_facing) == ("Logistik & Versand", False)

    response = lead_client.post(f"/organisation/departments/{department.public_id}/delete/")
    assert response.status_code == 302
    assert response["Location"] == "/organisation/departments/"
    assert not Department.objects.filter(code="logistik").exists()
    entries = AuditEntry.objects.filter(object_id=department.public_id).order_by("at", "id")
    assert [(e.action, e.actor_id) for e in entries] == [
        ("create", cx_lead.pk),
        ("update", cx_lead.pk),
        ("delete", cx_lead.pk),
    ]
    assert entries[1].changes == {
        "name": ["Logistik", "Logistik & Versand"],
        "description": ["Versand", ""],
        "customer_facing": [True, False],
    }


def test_duplicate_department_code_is_a_form_error(lead_client):
    f.DepartmentFactory(code="vertrieb", name="Vertrieb")
    response = lead_client.post("/organisation/departments/new/", {"code": "vertrieb", "name": "Sales"})
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert Department.objects.count() == 2  # the lead's own CX department and Vertrieb


def test_a_department_owning_touchpoints_cannot_be_deleted(lead_client, settings):
    settings.LANGUAGE_CODE = "en"
    touchpoint = f.TouchpointFactory(owner_department=f.DepartmentFactory(code="service", name="Service"))
    department = touchpoint.owner_department
    response = lead_client.post(f"/organisation/departments/{department.public_id}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == f"/organisation/departments/{department.public_id}/"
    assert "“Service” cannot be deleted because it still owns 1 touchpoints." in response.content.decode()
    assert Department.objects.filter(pk=department.pk).exists()
    assert not AuditEntry.objects.filter(object_id=department.public_id).exists()


def test_create_user_with_a_password(lead_client, cx_lead):
    data = {
        "username": "neu",
        "first_name": "Nina",
        "last_name": "Neu",
        "email": "nina@example.com",
        "password_mode": "password",
        "password": "a-long-initial-secret",
    }
    response = lead_client.post("/organisation/users/new/", data)
    user = User.objects.get(username="neu")
    assert response["Location"] == f"/organisation/users/{user.public_id}/"
    assert user.check_password("a-long-initial-secret")
    assert AuditEntry.objects.get(object_id=user.public_id).action == "create"


def test_create_user_with_a_set_password_link(lead_client, settings, client):
    settings.MAILERS = LOCMEM
    data = {"username": "link", "email": "link@example.com", "password_mode": "mail"}
    lead_client.post("/organisation/users/new/", data)
    user = User.objects.get(username="link")
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["link@example.com"]
    path = mail.outbox[0].body.split("http://testserver", 1)[1].split()[0]
    lead_client.post("/accounts/logout/")
    page = client.get(path, follow=True)
    assert page.context["validlink"] is True
    data = {"new_password1": "chosen-long-secret", "new_password2": "chosen-long-secret"}
    client.post(page.redirect_chain[-1][0], data)
    user.refresh_from_db()
    assert user.check_password("chosen-long-secret")


def test_create_user_validation(lead_client):
    f.UserFactory(username="taken")
    cases = [
        ({"username": "Taken", "password_mode": "password", "password": "a-long-initial-secret"}, "username"),
        ({"username": "x1", "password_mode": "mail"}, "email"),
        ({"username": "x2", "password_mode": "password", "password": "short"}, "password"),
        ({"username": "x3", "password_mode": "password"}, "password"),
    ]
    for data, field in cases:
        response = lead_client.post("/organisation/users/new/", data)
        assert response.status_code == 200
        assert list(response.context["form"].errors) == [field], data
    assert not User.objects.filter(username__in=["x1", "x2", "x3"]).exists()


def test_deactivate_user_instead_of_deleting(lead_client, world):
    viewer = world.users["viewer"]
    data = {"first_name": viewer.first_name, "last_name": viewer.last_name, "email": viewer.email}
    response = lead_client.post(f"/organisation/users/{viewer.public_id}/", data)
    assert response.status_code == 302
    viewer.refresh_from_db()
    assert viewer.is_active is False
    entry = AuditEntry.objects.get(object_id=viewer.public_id)
    assert entry.changes == {"is_active": [True, False]}


def test_cx_lead_cannot_deactivate_themselves(lead_client, cx_lead):
    data = {"first_name": "L", "last_name": "L", "email": ""}
    response = lead_client.post(f"/organisation/users/{cx_lead.public_id}/", data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["is_active"]
    cx_lead.refresh_from_db()
    assert cx_lead.is_active is True


def test_cx_lead_cannot_change_an_administrator(lead_client, world):
    admin = world.users["admin"]
    data = {"first_name": "x", "last_name": "y", "email": "", "is_active": "on"}
    assert lead_client.post(f"/organisation/users/{admin.public_id}/", data).status_code == 403
    department = world.own.public_id
    data = {"department": department, "role": "viewer"}
    assert lead_client.post(f"/organisation/users/{admin.public_id}/memberships/add/", data).status_code == 403
    assert not admin.memberships.exists()


def test_add_and_remove_a_membership(lead_client, world):
    person = world.users["viewer"]
    url = f"/organisation/users/{person.public_id}/memberships/add/"
    response = lead_client.post(url, {"department": world.other.public_id, "role": "ambassador"})
    assert response.status_code == 302
    membership = Membership.objects.get(user=person, department=world.other)
    assert membership.role == "ambassador"
    duplicate = lead_client.post(url, {"department": world.other.public_id, "role": "ambassador"})
    assert duplicate.status_code == 200
    assert duplicate.context["membership_form"].non_field_errors()
    response = lead_client.post(f"/organisation/memberships/{membership.public_id}/remove/")
    assert response["Location"] == f"/organisation/users/{person.public_id}/"
    assert not Membership.objects.filter(pk=membership.pk).exists()
    actions = list(AuditEntry.objects.filter(object_id=membership.public_id).values_list("action", flat=True))
    assert sorted(actions) == ["create", "delete"]


def test_read_pages_for_everyone_signed_in(client, world, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(world.users["viewer"])
    departments = client.get("/organisation/departments/").content.decode()
    assert "Kundenservice" in departments and "New department" not in departments
    users = client.get("/organisation/users/").content.decode()
    assert "p_ambassador@example.com" not in users  # e-mail addresses only for managers
    detail = client.get(f"/organisation/departments/{world.own.public_id}/")
    assert [m.user.username for m in detail.context["memberships"]] == ["p_ambassador", "p_cxteam", "p_viewer"]
