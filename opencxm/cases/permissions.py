"""Who sees and works which cases.

A department's members read its cases; its ambassadors and contributors work them (assign, comment,
hand over, escalate, close). CX lead, CX team and administrators read and work every case; board
members read every case. Everyone else does not see the case at all (404, not 403: its existence is
not disclosed).
"""

from dataclasses import dataclass

from opencxm.core.permissions import Access, access_for

WORKING_ROLES = ("ambassador", "contributor")
READ_ALL_ROLES = frozenset({"board_member"})


@dataclass(frozen=True)
class CaseAccess:
    access: Access
    works_for: frozenset = frozenset()  # departments whose cases the user works

    @property
    def reads_all(self) -> bool:
        return self.access.can_edit_all or bool(self.access.roles & READ_ALL_ROLES)

    @property
    def works_all(self) -> bool:
        return self.access.can_edit_all

    @property
    def manages_rules(self) -> bool:
        return self.access.can_edit_all

    def can_read(self, department_id: int) -> bool:
        return self.reads_all or department_id in self.access.member_of

    def can_work(self, department_id: int) -> bool:
        return self.works_all or department_id in self.works_for


def case_access_for(user) -> CaseAccess:
    """The case permissions of a user; one query for the working memberships, cached on the user."""
    access = access_for(user)
    if not access.authenticated:
        return CaseAccess(access)
    cached = getattr(user, "_opencxm_case_access", None)
    if cached is not None:
        return cached
    works_for = frozenset(user.memberships.filter(role__in=WORKING_ROLES).values_list("department_id", flat=True))
    result = CaseAccess(access, works_for)
    user._opencxm_case_access = result
    return result
