from django.urls import path

from opencxm.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_create, name="rule_create"),
    path("rules/<uuid:public_id>/", views.rule_edit, name="rule_edit"),
    path("handovers/", views.handovers, name="handovers"),
    path("<uuid:public_id>/", views.case_detail, name="detail"),
    path("<uuid:public_id>/<slug:action>/", views.case_action, name="action"),
]
