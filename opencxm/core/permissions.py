"""Who may do what. Every view and API endpoint asks these functions; the permission matrix tests them.

Rules (PRODUCT.md): CX lead and CX team edit everything; an ambassador edits the touchpoints and
journey steps of their own department; board members, contributors and viewers read; the CX lead
(and superusers) manage the organisation. Anonymous users get nothing.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

EDIT_ALL_ROLES = frozenset({"cx_lead", "cx_team"})


@dataclass(frozen=True)
class Access:
    authenticated: bool = False
    is_admin: bool = False
    roles: frozenset = frozenset()
    ambassador_of: frozenset = frozenset()  # department ids
    member_of: frozenset = frozenset()  # department ids

    @property
    def can_read(self) -> bool:
        return self.authenticated

    @property
    def can_edit_all(self) -> bool:
        return self.is_admin or bool(self.roles & EDIT_ALL_ROLES)

    @property
    def can_manage_org(self) -> bool:
        return self.is_admin or "cx_lead" in self.roles

    def can_edit_department(self, department_id: int | None) -> bool:
        """Edit things owned by this department (touchpoints, steps of its touchpoints)."""
        return self.can_edit_all or (department_id is not None and department_id in self.ambassador_of)

    @property
    def can_edit_some(self) -> bool:
        return self.can_edit_all or bool(self.ambassador_of)


ANONYMOUS = Access()


def access_for(user) -> Access:
    """The user's access, computed once per request object (one query for the memberships)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_opencxm_access", None)
    if cached is not None:
        return cached
    rows = list(user.memberships.values_list("role", "department_id"))
    access = Access(
        authenticated=True,
        is_admin=user.is_superuser,
        roles=frozenset(role for role, _ in rows),
        ambassador_of=frozenset(dept for role, dept in rows if role == "ambassador"),
        member_of=frozenset(dept for _, dept in rows),
    )
    user._opencxm_access = access
    return access


def require(allowed: bool) -> None:
    """Raise 403 unless allowed. Views call this before any write."""
    if not allowed:
        raise PermissionDenied
