from django.urls import path

from opencxm.journeys import views

app_name = "journeys"
urlpatterns = [
    path("", views.journey_list, name="list"),
    path("new/", views.journey_create, name="create"),
    path("compare/", views.journey_compare, name="compare"),
    path("<uuid:public_id>/", views.journey_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.journey_edit, name="edit"),
    path("<uuid:public_id>/conformance/", views.journey_conformance, name="conformance"),
    path("<uuid:public_id>/delete/", views.journey_delete, name="delete"),
    path("<uuid:public_id>/stages/new/", views.stage_create, name="stage_create"),
    path("stages/<uuid:public_id>/edit/", views.stage_edit, name="stage_edit"),
    path("stages/<uuid:public_id>/move/", views.stage_move, name="stage_move"),
    path("stages/<uuid:public_id>/delete/", views.stage_delete, name="stage_delete"),
    path("stages/<uuid:public_id>/steps/new/", views.step_create, name="step_create"),
    path("steps/<uuid:public_id>/edit/", views.step_edit, name="step_edit"),
    path("steps/<uuid:public_id>/move/", views.step_move, name="step_move"),
    path("steps/<uuid:public_id>/delete/", views.step_delete, name="step_delete"),
]
