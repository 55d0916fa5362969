"""The one NinjaAPI under /api/v1. Each domain app contributes a router from its api.py."""

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI

from opencxm import __version__
from opencxm.core.api_auth import api_auth

api = NinjaAPI(
    title="OpenCXM API",
    version=__version__,
    description="Touchpoints, journeys and the CX organisation. Authenticate with `Authorization: Bearer <token>`.",
    urls_namespace="api",
    auth=api_auth,
    docs_url="/docs",
    docs_decorator=login_required,
)


def _mount_routers() -> None:
    from opencxm.accounts.api import router as accounts_router
    from opencxm.analytics.api import router as analytics_router
    from opencxm.cases.api import router as cases_router
    from opencxm.events.api import router as events_router
    from opencxm.feedback.api import router as feedback_router
    from opencxm.insights.api import router as insights_router
    from opencxm.journeys.api import router as journeys_router
    from opencxm.notifications.api import router as notifications_router
    from opencxm.textanalytics.api import router as textanalytics_router
    from opencxm.touchpoints.api import router as touchpoints_router

    api.add_router("", accounts_router)
    api.add_router("", touchpoints_router)
    api.add_router("", events_router)  # before journeys: /journeys/discover is not /journeys/{public_id}
    api.add_router("", insights_router)
    api.add_router("", journeys_router)
    api.add_router("", analytics_router)
    api.add_router("", feedback_router)
    api.add_router("", cases_router)
    api.add_router("", textanalytics_router)
    api.add_router("", notifications_router)


_mount_routers()
