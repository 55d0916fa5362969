from django.urls import path

from opencxm.insights import views

app_name = "insights"
urlpatterns = [
    path("", views.insight_list, name="list"),
    path("new/", views.insight_create, name="create"),
    path("actions/", views.action_list, name="actions"),
    path("actions/board/", views.action_board, name="board"),
    path("actions/<uuid:public_id>/", views.action_detail, name="action_detail"),
    path("actions/<uuid:public_id>/edit/", views.action_edit, name="action_edit"),
    path("actions/<uuid:public_id>/transition/", views.action_transition, name="action_transition"),
    path("<uuid:public_id>/", views.insight_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.insight_edit, name="edit"),
    path("<uuid:public_id>/transition/", views.insight_transition, name="transition"),
    path("<uuid:public_id>/validate/", views.insight_validate, name="validate"),
    path("<uuid:public_id>/actions/new/", views.action_create, name="action_create"),
]
