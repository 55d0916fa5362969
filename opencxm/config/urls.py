from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

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
    path("notifications/", include("opencxm.notifications.urls")),
    path("events/", include("opencxm.events.urls")),
    path("insights/", include("opencxm.insights.urls")),
    path("cases/", include("opencxm.cases.urls")),
    path("topics/", include("opencxm.textanalytics.urls")),
    path("api/v1/", api.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", login_not_required(RedirectView.as_view(url=static("opencxm/favicon.svg")))),
]
