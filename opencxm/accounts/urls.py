from django.urls import path

from opencxm.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.organisation, name="organisation"),
    path("tokens/", views.tokens, name="tokens"),
]
