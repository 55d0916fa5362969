from django.urls import include, path

from opencxm.config.api import api
from opencxm.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("organisation/", include("opencxm.accounts.urls")),
    path("touchpoints/", include("opencxm.touchpoints.urls")),
    path("journeys/", include("opencxm.journeys.urls")),
    path("segments/", include("opencxm.journeys.segment_urls")),
    path("cockpit/", include("opencxm.analytics.urls")),
    path("feedback/", include("opencxm.feedback.urls")),
    path("goals/", include("opencxm.analytics.target_urls")),
    path("api/v1/", api.urls),
    path("healthz", core_views.healthz, name="healthz"),
]
