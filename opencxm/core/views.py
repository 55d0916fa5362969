from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from opencxm.core.permissions import access_for, require
from opencxm.core.selectors import overview_figures


@require_GET
def home(request):
    """The start page: the CX cockpit for the whole company, with the registry figures below it."""
    from opencxm.analytics.cockpit import Scope
    from opencxm.analytics.views import cockpit_context

    require(access_for(request.user).can_read)
    return render(request, "core/home.html", cockpit_context(request, Scope()) | overview_figures())


@login_not_required
@require_GET
def healthz(request):
    """Liveness and database check for load balancers; reveals nothing else."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
