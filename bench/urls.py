"""A fallback URLconf for the cockpit benchmark: only the cockpit's own URLs (for its explorer links), used when
the project's URLconf cannot be imported (e.g. another app is half-finished in a shared checkout)."""

from django.urls import include, path

urlpatterns = [path("cockpit/", include("opencxm.analytics.urls"))]
