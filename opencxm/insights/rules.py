"""Who may edit insights and actions, and who sees which actions.

Everyone signed in reads insights and may record new ones (seed 000: every department with customer
contact contributes). An insight or action is edited by the CX lead/team and administrators, and by the
ambassadors and contributors of its owning department. Actions are visible to their owning department's
members; CX lead/team, board members and administrators see all of them.
"""

from opencxm.core.permissions import Access, access_for

OWNER_ROLES = ("ambassador", "contributor")
READ_ALL_ACTION_ROLES = frozenset({"cx_lead", "cx_team", "board_member"})


def editor_departments(user) -> frozenset:
    """Departments whose insights and actions `user` edits as ambassador or contributor (cached per user)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_opencxm_insight_departments", None)
    if cached is None:
        rows = user.memberships.filter(role__in=OWNER_ROLES).values_list("department_id", flat=True)
        cached = frozenset(rows)
        user._opencxm_insight_departments = cached
    return cached


def can_edit_owned(user, department_id: int | None) -> bool:
    """Edit an insight or action owned by `department_id`."""
    access = access_for(user)
    return access.can_edit_all or department_id in editor_departments(user)


def can_create(user) -> bool:
    return access_for(user).can_read


def can_create_actions(user) -> bool:
    return access_for(user).can_edit_all or bool(editor_departments(user))


def reads_all_actions(access: Access) -> bool:
    return access.is_admin or bool(access.roles & READ_ALL_ACTION_ROLES)


def can_see_action(user, department_id: int) -> bool:
    access = access_for(user)
    return reads_all_actions(access) or department_id in access.member_of
