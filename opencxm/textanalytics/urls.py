from django.urls import path

from opencxm.textanalytics import views

app_name = "textanalytics"
urlpatterns = [
    path("", views.taxonomy, name="taxonomy"),
    path("load-default/", views.taxonomy_load_default, name="load_default"),
    path("topics/new/", views.topic_create, name="topic_create"),
    path("topics/preview/", views.rule_preview, name="preview"),
    path("topics/<uuid:public_id>/", views.topic_detail, name="topic"),
    path("topics/<uuid:public_id>/edit/", views.topic_edit, name="topic_edit"),
    path("matrix/", views.matrix, name="matrix"),
    path("emerging/", views.emerging, name="emerging"),
    path("comments/<uuid:public_id>/", views.comment, name="comment"),
    path("classifier/", views.classifier, name="classifier"),
    path("classifier/train/", views.classifier_train, name="classifier_train"),
]
