from django.urls import path

from opencxm.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.organisation, name="organisation"),
    path("departments/", views.departments, name="departments"),
    path("departments/new/", views.department_create, name="department_create"),
    path("departments/<uuid:public_id>/", views.department_detail, name="department_detail"),
    path("departments/<uuid:public_id>/edit/", views.department_edit, name="department_edit"),
    path("departments/<uuid:public_id>/delete/", views.department_delete, name="department_delete"),
    path("users/", views.users, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<uuid:public_id>/", views.user_edit, name="user_edit"),
    path("users/<uuid:public_id>/memberships/add/", views.membership_add, name="membership_add"),
    path("memberships/<uuid:public_id>/remove/", views.membership_remove, name="membership_remove"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<uuid:public_id>/revoke/", views.token_revoke, name="token_revoke"),
]
