from django.urls import path

from opencxm.feedback import views

app_name = "feedback"
urlpatterns = [
    path("sources/", views.source_list, name="sources"),
    path("sources/new/", views.source_create, name="source_create"),
    path("sources/<uuid:public_id>/", views.source_detail, name="source_detail"),
    path("sources/<uuid:public_id>/edit/", views.source_edit, name="source_edit"),
    path("import/", views.import_upload, name="import"),
    path("import/<uuid:upload_id>/", views.import_preview, name="import_preview"),
    path("imports/", views.job_list, name="jobs"),
    path("imports/<uuid:public_id>/", views.job_detail, name="job"),
    path("imports/<uuid:public_id>/rerun/", views.job_rerun, name="job_rerun"),
    path("customers/<uuid:public_id>/", views.customer_detail, name="customer"),
    path("customers/<uuid:public_id>/erase/", views.customer_erase, name="customer_erase"),
]
