"""Pages of the CX organisation: overview, departments, users and memberships, personal API tokens."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opencxm.accounts import selectors, services
from opencxm.accounts.forms import DepartmentForm, MembershipForm, TokenForm, UserCreateForm, UserEditForm
from opencxm.core.permissions import access_for, require

USERS_PER_PAGE = 50


@require_GET
def organisation(request):
    require(access_for(request.user).can_read)
    return render(request, "accounts/organisation.html", selectors.organisation_overview())


# Departments


@require_GET
def departments(request):
    require(access_for(request.user).can_read)
    return render(request, "accounts/department_list.html", {"departments": selectors.department_list()})


@require_GET
def department_detail(request, public_id):
    require(access_for(request.user).can_read)
    department = selectors.department_get(public_id)
    context = {"department": department, "memberships": selectors.department_memberships(department)}
    return render(request, "accounts/department_detail.html", context)


@require_http_methods(["GET", "POST"])
def department_create(request):
    require(access_for(request.user).can_manage_org)
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        department = services.department_create(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Department “%(name)s” created.") % {"name": department.name})
        return redirect("accounts:department_detail", public_id=department.public_id)
    return render(request, "accounts/department_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def department_edit(request, public_id):
    require(access_for(request.user).can_manage_org)
    department = selectors.department_get(public_id)
    form = DepartmentForm(request.POST or None, instance=selectors.department_get(public_id))
    if request.method == "POST" and form.is_valid():
        services.department_update(actor=request.user, department=department, **form.cleaned_data)
        messages.success(request, _("Department “%(name)s” saved.") % {"name": department.name})
        return redirect("accounts:department_detail", public_id=department.public_id)
    return render(request, "accounts/department_form.html", {"form": form, "department": department})


@require_http_methods(["GET", "POST"])
def department_delete(request, public_id):
    require(access_for(request.user).can_manage_org)
    department = selectors.department_get(public_id)
    if request.method == "GET":
        return render(request, "accounts/department_confirm_delete.html", {"department": department})
    try:
        services.department_delete(actor=request.user, department=department)
    except services.DepartmentInUse as error:
        messages.error(request, str(error))
        return redirect("accounts:department_detail", public_id=department.public_id)
    messages.success(request, _("Department “%(name)s” deleted.") % {"name": department.name})
    return redirect("accounts:departments")


# Users and memberships


@require_GET
def users(request):
    require(access_for(request.user).can_read)
    page = Paginator(selectors.user_list(), USERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
def user_create(request):
    require(access_for(request.user).can_manage_org)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_create(actor=request.user, **_user_create_arguments(request, form.cleaned_data))
        messages.success(request, _("User “%(name)s” created.") % {"name": user})
        return redirect("accounts:user_edit", public_id=user.public_id)
    return render(request, "accounts/user_create.html", {"form": form})


def _user_create_arguments(request, data) -> dict:
    by_mail = data["password_mode"] == UserCreateForm.PASSWORD_BY_MAIL
    return {
        "username": data["username"],
        "first_name": data["first_name"],
        "last_name": data["last_name"],
        "email": data["email"],
        "password": None if by_mail else data["password"],
        "set_password_link": by_mail,
        "domain": request.get_host(),
        "use_https": request.is_secure(),
    }


@require_http_methods(["GET", "POST"])
def user_edit(request, public_id):
    access = access_for(request.user)
    require(access.can_manage_org)
    user = selectors.user_get(public_id)
    require(access.is_admin or not user.is_superuser)  # a CX lead cannot change administrators
    form = UserEditForm(request.POST or None, instance=selectors.user_get(public_id))
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, user=user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("User “%(name)s” saved.") % {"name": user})
            return redirect("accounts:user_edit", public_id=user.public_id)
    return _render_user_edit(request, user, form, MembershipForm())


def _render_user_edit(request, user, form, membership_form):
    context = {
        "subject": user,
        "form": form,
        "membership_form": membership_form,
        "memberships": selectors.user_memberships(user),
    }
    return render(request, "accounts/user_edit.html", context)


@require_POST
def membership_add(request, public_id):
    access = access_for(request.user)
    require(access.can_manage_org)
    user = selectors.user_get(public_id)
    require(access.is_admin or not user.is_superuser)
    form = MembershipForm(request.POST)
    if form.is_valid():
        try:
            services.membership_add(actor=request.user, user=user, **form.cleaned_data)
        except ValidationError:
            form.add_error(None, _("This person already has this role in this department."))
        else:
            messages.success(request, _("Role added."))
            return redirect("accounts:user_edit", public_id=user.public_id)
    return _render_user_edit(request, user, UserEditForm(instance=user), form)


@require_POST
def membership_remove(request, public_id):
    access = access_for(request.user)
    require(access.can_manage_org)
    membership = selectors.membership_get(public_id)
    require(access.is_admin or not membership.user.is_superuser)
    services.membership_remove(actor=request.user, membership=membership)
    messages.success(request, _("Role removed."))
    return redirect("accounts:user_edit", public_id=membership.user.public_id)


# Personal API tokens


@require_http_methods(["GET", "POST"])
def tokens(request):
    require(access_for(request.user).can_read)
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        token, raw = services.token_create(actor=request.user, **form.cleaned_data)
        created = {"token": token, "raw": raw}
        form = TokenForm()
    context = {"form": form, "created": created, "tokens": selectors.token_list_for(request.user)}
    return render(request, "accounts/tokens.html", context)


@require_POST
def token_revoke(request, public_id):
    require(access_for(request.user).can_read)
    token = selectors.token_get_for(request.user, public_id)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked. It no longer works.") % {"name": token.name})
    return redirect("accounts:tokens")
