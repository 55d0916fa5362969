from django.urls import path

from opencxm.events import handover_views, views

app_name = "events"
urlpatterns = [
    path("", views.log_list, name="logs"),
    path("upload/", views.log_upload, name="upload"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/<uuid:public_id>/map/", views.activity_map, name="activity_map"),
    path("discover/", views.discover, name="discover"),
    path("handovers/", handover_views.handovers, name="handovers"),
]
