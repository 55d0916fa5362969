"""Permission matrix cases for the organisation pages and API (see tests/permissions.py)."""

from opencxm.accounts.models import ApiToken, Department, Membership, User
from tests.permissions import ALL, ORG_MANAGERS, Case


def _spare(world):
    """A department that owns nothing, so that deleting it can succeed."""
    department, _ = Department.objects.get_or_create(code="spare", defaults={"name": "Reserve"})
    return department


def _departments(world):
    return sorted(Department.objects.values_list("code", "name", "customer_facing"))


def _viewer(world):
    return world.users["viewer"]


def _viewer_state(world):
    return list(User.objects.filter(pk=_viewer(world).pk).values_list("first_name", "email", "is_active"))


def _memberships(world):
    return sorted(Membership.objects.values_list("user__username", "department__code", "role"))


def _viewer_token(world):
    raw = "ocx_matrix_revoke_me"
    token, _ = ApiToken.objects.get_or_create(
        digest=raw.ljust(64, "0"), defaults={"user": _viewer(world), "name": "viewer", "prefix": raw[:12]}
    )
    return token


def _page_tokens(world):
    return sorted(ApiToken.objects.exclude(name="matrix").values_list("user__username", "name", "revoked_at"))


DEPARTMENT_FORM = {"code": "kundenservice", "name": "Kundenservice & Technik", "description": "neu"}
USER_FORM = {"username": "matrixnew", "password_mode": "password", "password": "a-long-initial-secret"}

_d = lambda w, suffix="": f"/organisation/departments/{w.own.public_id}/{suffix}"  # noqa: E731
_u = lambda w, suffix="": f"/organisation/users/{_viewer(w).public_id}/{suffix}"  # noqa: E731
_api_d = lambda w: f"/api/v1/departments/{w.own.public_id}"  # noqa: E731

CASES = [
    Case("accounts:organisation", lambda w: "/organisation/", ALL),
    # Departments
    Case("accounts:departments", lambda w: "/organisation/departments/", ALL),
    Case("accounts:department_detail", lambda w: _d(w), ALL),
    Case("accounts:department_create", lambda w: "/organisation/departments/new/", ORG_MANAGERS),
    Case(
        "accounts:department_create",
        lambda w: "/organisation/departments/new/",
        ORG_MANAGERS,
        method="POST",
        data=lambda w: {"code": "matrix", "name": "Matrix"},
        state=_departments,
    ),
    Case("accounts:department_edit", lambda w: _d(w, "edit/"), ORG_MANAGERS),
    Case(
        "accounts:department_edit",
        lambda w: _d(w, "edit/"),
        ORG_MANAGERS,
        method="POST",
        data=lambda w: DEPARTMENT_FORM,
        state=_departments,
    ),
    Case(
        "accounts:department_delete",
        lambda w: f"/organisation/departments/{_spare(w).public_id}/delete/",
        ORG_MANAGERS,
    ),
    Case(
        "accounts:department_delete",
        lambda w: f"/organisation/departments/{_spare(w).public_id}/delete/",
        ORG_MANAGERS,
        method="POST",
        state=_departments,
    ),
    # Users and memberships
    Case("accounts:users", lambda w: "/organisation/users/", ALL),
    Case("accounts:user_create", lambda w: "/organisation/users/new/", ORG_MANAGERS),
    Case(
        "accounts:user_create",
        lambda w: "/organisation/users/new/",
        ORG_MANAGERS,
        method="POST",
        data=lambda w: USER_FORM,
        state=lambda w: sorted(User.objects.values_list("username", flat=True)),
    ),
    Case("accounts:user_edit", lambda w: _u(w), ORG_MANAGERS),
    Case(
        "accounts:user_edit",
        lambda w: _u(w),
        ORG_MANAGERS,
        method="POST",
        data=lambda w: {"first_name": "Geändert", "last_name": "X", "email": "x@example.com"},
        state=_viewer_state,
    ),
    Case(
        "accounts:membership_add",
        lambda w: _u(w, "memberships/add/"),
        ORG_MANAGERS,
        method="POST",
        data=lambda w: {"department": str(w.other.public_id), "role": "ambassador"},
        state=_memberships,
    ),
    Case(
        "accounts:membership_remove",
        lambda w: f"/organisation/memberships/{_viewer(w).memberships.get().public_id}/remove/",
        ORG_MANAGERS,
        method="POST",
        state=_memberships,
    ),
    # Personal API tokens: everyone signed in manages their own; someone else's token is a 404.
    Case("accounts:tokens", lambda w: "/organisation/tokens/", ALL),
    Case(
        "accounts:tokens",
        lambda w: "/organisation/tokens/",
        ALL,
        method="POST",
        data=lambda w: {"name": "Export", "scope": "read"},
        state=_page_tokens,
    ),
    Case(
        "accounts:token_revoke",
        lambda w: f"/organisation/tokens/{_viewer_token(w).public_id}/revoke/",
        frozenset({"viewer"}),
        method="POST",
        state=_page_tokens,
    ),
    # API
    Case("GET /api/v1/departments", lambda w: "/api/v1/departments", ALL),
    Case(
        "POST /api/v1/departments",
        lambda w: "/api/v1/departments",
        ORG_MANAGERS,
        method="POST",
        data=lambda w: {"code": "matrix", "name": "Matrix"},
        state=_departments,
    ),
    Case("GET /api/v1/departments/{public_id}", _api_d, ALL),
    Case(
        "PUT /api/v1/departments/{public_id}",
        _api_d,
        ORG_MANAGERS,
        method="PUT",
        data=lambda w: DEPARTMENT_FORM,
        state=_departments,
    ),
    Case(
        "DELETE /api/v1/departments/{public_id}",
        lambda w: f"/api/v1/departments/{_spare(w).public_id}",
        ORG_MANAGERS,
        method="DELETE",
        state=_departments,
    ),
    Case("GET /api/v1/users/me", lambda w: "/api/v1/users/me", ALL),
]
