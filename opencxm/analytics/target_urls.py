from django.urls import path

from opencxm.analytics import target_views as views

app_name = "targets"
urlpatterns = [
    path("", views.target_list, name="list"),
    path("new/", views.target_create, name="create"),
    path("<uuid:public_id>/edit/", views.target_edit, name="edit"),
    path("<uuid:public_id>/delete/", views.target_delete, name="delete"),
    path("alerts/", views.inbox, name="inbox"),
    path("alerts/<uuid:public_id>/", views.department_inbox, name="department_inbox"),
]
