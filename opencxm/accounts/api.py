"""REST API for the CX organisation: departments and who the caller is."""

from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as ApiValidationError
from ninja.pagination import LimitOffsetPagination, paginate

from opencxm.accounts import selectors, services
from opencxm.accounts.schemas import DepartmentIn, DepartmentOut, ErrorOut, MeOut
from opencxm.core.permissions import access_for

router = Router(tags=["Organisation"])


def _require_manage_org(request) -> None:
    if not access_for(request.auth).can_manage_org:
        raise HttpError(403, "Only the CX lead or an administrator may change the organisation")


def _as_api_errors(error: DjangoValidationError) -> ApiValidationError:
    """Model validation (e.g. a duplicate code) as a 422 in ninja's error format."""
    return ApiValidationError(
        [
            {"loc": ["body", "payload", field], "msg": str(message), "type": "value_error"}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    )


@router.get("/departments", response=list[DepartmentOut], summary="List departments")
@paginate(LimitOffsetPagination)
def list_departments(request):
    return selectors.department_list()


@router.post("/departments", response={201: DepartmentOut}, summary="Create a department")
def create_department(request, payload: DepartmentIn):
    _require_manage_org(request)
    try:
        department = services.department_create(actor=request.auth, **payload.dict())
    except DjangoValidationError as error:
        raise _as_api_errors(error) from error
    return Status(201, department)


@router.get("/departments/{public_id}", response=DepartmentOut, summary="Get a department")
def get_department(request, public_id: UUID):
    return selectors.department_get(public_id)


@router.put("/departments/{public_id}", response=DepartmentOut, summary="Replace a department")
def update_department(request, public_id: UUID, payload: DepartmentIn):
    _require_manage_org(request)
    department = selectors.department_get(public_id)
    try:
        return services.department_update(actor=request.auth, department=department, **payload.dict())
    except DjangoValidationError as error:
        raise _as_api_errors(error) from error


@router.delete("/departments/{public_id}", response={204: None, 409: ErrorOut}, summary="Delete a department")
def delete_department(request, public_id: UUID):
    _require_manage_org(request)
    department = selectors.department_get(public_id)
    try:
        services.department_delete(actor=request.auth, department=department)
    except services.DepartmentInUse as error:
        return Status(409, {"detail": str(error)})
    return Status(204, None)


@router.get("/users/me", response=MeOut, summary="Who am I")
def me(request):
    user = request.auth
    access = access_for(user)
    return {
        "public_id": user.public_id,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_superuser": user.is_superuser,
        "memberships": list(selectors.user_memberships(user)),
        "permissions": {
            "can_read": access.can_read,
            "can_edit_all": access.can_edit_all,
            "can_manage_org": access.can_manage_org,
        },
    }
