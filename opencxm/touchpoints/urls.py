from django.urls import path

from opencxm.touchpoints import views

app_name = "touchpoints"
urlpatterns = [
    path("", views.touchpoint_list, name="list"),
    path("new/", views.touchpoint_create, name="create"),
    path("import/", views.touchpoint_import, name="import"),
    path("export/", views.touchpoint_export, name="export"),
    path("channels/", views.channel_list, name="channels"),
    path("channels/<uuid:public_id>/", views.channel_edit, name="channel_edit"),
    path("<uuid:public_id>/", views.touchpoint_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.touchpoint_edit, name="edit"),
    path("<uuid:public_id>/retire/", views.touchpoint_retire, name="retire"),
]
