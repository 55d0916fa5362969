from django.urls import path

from opencxm.journeys import views

app_name = "journeys"
urlpatterns = [
    path("", views.journey_list, name="list"),
    path("<uuid:public_id>/", views.journey_detail, name="detail"),
]
