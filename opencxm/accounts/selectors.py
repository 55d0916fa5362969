"""Reads for the CX organisation: departments, users, memberships and personal API tokens."""

from collections import defaultdict

from django.db.models import Count, F, Prefetch, Q
from django.shortcuts import get_object_or_404

from opencxm.accounts.choices import Role
from opencxm.accounts.models import ApiToken, Department, Membership, User

CX_TEAM_ROLES = (Role.CX_LEAD, Role.CX_TEAM)
_ORGANISATION_ROLES = (Role.CX_LEAD, Role.CX_TEAM, Role.BOARD_MEMBER, Role.AMBASSADOR)


def department_list():
    """All departments with their member, ambassador and owned-touchpoint counts (one query)."""
    return Department.objects.annotate(
        member_count=Count("memberships__user", distinct=True),
        ambassador_count=Count("memberships", filter=Q(memberships__role=Role.AMBASSADOR), distinct=True),
        touchpoint_count=Count("owned_touchpoints", distinct=True),
    ).order_by("name")


def department_get(public_id) -> Department:
    """One department by public id, or 404."""
    return get_object_or_404(Department, public_id=public_id)


def department_memberships(department: Department):
    """The department's memberships with their users, CX roles first."""
    return department.memberships.select_related("user").order_by("role", "user__last_name", "user__username")


def user_list():
    """Users with their memberships and departments prefetched (a fixed number of queries)."""
    memberships = Membership.objects.select_related("department").order_by("department__name", "role")
    return User.objects.prefetch_related(Prefetch("memberships", queryset=memberships)).order_by(
        "-is_active", "last_name", "first_name", "username"
    )


def user_get(public_id) -> User:
    """One user by public id, or 404."""
    return get_object_or_404(User, public_id=public_id)


def user_memberships(user: User):
    """The user's memberships with their departments."""
    return user.memberships.select_related("department").order_by("department__name", "role")


def membership_get(public_id) -> Membership:
    """One membership by public id, or 404."""
    return get_object_or_404(Membership.objects.select_related("user", "department"), public_id=public_id)


def organisation_overview() -> dict:
    """The CX organisation as the seeds describe it, in two queries whatever its size.

    CX team (lead and team), the CX board, the ambassadors of each department with the number of
    contributors and viewers, and the customer-facing departments that still have no ambassador.
    """
    departments = list(
        Department.objects.annotate(
            contributor_count=Count("memberships", filter=Q(memberships__role=Role.CONTRIBUTOR)),
            viewer_count=Count("memberships", filter=Q(memberships__role=Role.VIEWER)),
        ).order_by("name")
    )
    memberships = list(
        Membership.objects.filter(role__in=_ORGANISATION_ROLES, user__is_active=True)
        .select_related("user", "department")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    ambassadors = defaultdict(list)
    for membership in memberships:
        if membership.role == Role.AMBASSADOR:
            ambassadors[membership.department_id].append(membership.user)
    for department in departments:
        department.ambassadors = ambassadors[department.pk]
    return {
        "cx_team": sorted((m for m in memberships if m.role in CX_TEAM_ROLES), key=lambda m: (m.role != Role.CX_LEAD,)),
        "board": [m for m in memberships if m.role == Role.BOARD_MEMBER],
        "departments": departments,
        "without_ambassador": [d for d in departments if d.customer_facing and not d.ambassadors],
        "ambassador_count": sum(len(users) for users in ambassadors.values()),
    }


def token_list_for(user):
    """The user's own API tokens, newest first (revoked ones included, marked as such)."""
    return ApiToken.objects.filter(user=user).order_by(F("revoked_at").asc(nulls_first=True), "-created_at")


def token_get_for(user, public_id) -> ApiToken:
    """One of the user's own tokens; someone else's token is a 404."""
    return get_object_or_404(ApiToken, user=user, public_id=public_id)
