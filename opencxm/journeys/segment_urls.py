from django.urls import path

from opencxm.journeys import views

app_name = "segments"
urlpatterns = [
    path("", views.segment_list, name="list"),
    path("new/", views.segment_create, name="create"),
    path("<uuid:public_id>/", views.segment_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.segment_edit, name="edit"),
    path("<uuid:public_id>/delete/", views.segment_delete, name="delete"),
]
