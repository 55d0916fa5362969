from django.urls import path

from opencxm.analytics import driver_views, views

app_name = "analytics"
urlpatterns = [
    path("", views.cockpit_page, name="cockpit"),
    path("department/<uuid:public_id>/", views.department_cockpit, name="department"),
    path("export/<slug:table>/", views.cockpit_export, name="export"),
    path("feedback/", views.explorer, name="explorer"),
    path("feedback/export/", views.explorer_export, name="explorer_export"),
    path("metrics/", views.metric_definitions, name="metrics"),
    path("drivers/", driver_views.driver_page, name="drivers"),
]
