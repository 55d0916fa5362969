from django.urls import path

from opencxm.journeys import views

app_name = "segments"
urlpatterns = [
    path("", views.segment_list, name="list"),
]
