from django.urls import path

from opencxm.touchpoints import views

app_name = "touchpoints"
urlpatterns = [
    path("", views.touchpoint_list, name="list"),
    path("import/", views.touchpoint_import, name="import"),
]
