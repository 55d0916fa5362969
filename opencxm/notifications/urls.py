from django.urls import path

from opencxm.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("unread/", views.unread_badge, name="unread_badge"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("<uuid:public_id>/read/", views.mark_read, name="mark_read"),
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/new/", views.webhook_create, name="webhook_create"),
    path("webhooks/<uuid:public_id>/", views.webhook_detail, name="webhook_detail"),
    path("webhooks/<uuid:public_id>/edit/", views.webhook_edit, name="webhook_edit"),
    path("webhooks/<uuid:public_id>/delete/", views.webhook_delete, name="webhook_delete"),
    path("webhooks/<uuid:public_id>/secret/", views.webhook_rotate_secret, name="webhook_rotate_secret"),
    path("webhooks/<uuid:public_id>/test/", views.webhook_test, name="webhook_test"),
]
