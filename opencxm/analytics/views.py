"""Pages of the cockpit, the department view, the feedback explorer, metric definitions and exports."""

from uuid import UUID

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from opencxm.analytics import cockpit, exports, selectors
from opencxm.analytics.forms import CockpitForm, ExplorerForm
from opencxm.core.permissions import access_for, require
from opencxm.textanalytics.selectors import can_see_raw_comments, comments_shown

PAGE_SIZE = 25


def cockpit_context(request, scope: cockpit.Scope) -> dict:
    """Everything the cockpit template shows for a scope and the request's choices (shared with the start page)."""
    form = CockpitForm(request.GET)
    latest = selectors.latest_data_day()
    data = cockpit.cockpit_build(scope=scope, choice=form.choice(latest=latest))
    return {
        "form": form,
        "cockpit": data,
        "period": data.choice.period,
        "latest_day": latest,
        "departments": selectors.department_choices(),
        "trend_chart": data.trend,
        "heatmap_chart": data.heatmap.chart(),
        "grain_links": {grain: _query_with(request, grain=grain) for grain in ("month", "week")},
        "export_query": _query_with(request, format=None, **scope.params()),
    }


def _query_with(request, **changes) -> str:
    """The request's query string with some parameters replaced (None removes one)."""
    query = request.GET.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = value
    return query.urlencode()


@require_GET
def cockpit_page(request):
    require(access_for(request.user).can_read)
    return render(request, "analytics/cockpit.html", cockpit_context(request, cockpit.Scope()))


@require_GET
def department_cockpit(request, public_id):
    require(access_for(request.user).can_read)
    scope = cockpit.Scope(selectors.department_get(public_id))
    return render(request, "analytics/cockpit.html", cockpit_context(request, scope))


def _scope_from(request) -> cockpit.Scope:
    department = request.GET.get("department")
    if not department:
        return cockpit.Scope()
    try:
        public_id = UUID(department)
    except ValueError:
        raise Http404 from None
    return cockpit.Scope(selectors.department_get(public_id))


def _download(table, file_format: str) -> HttpResponse:
    content, content_type, filename = exports.rendered(table, file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def cockpit_export(request, table):
    require(access_for(request.user).can_read)
    if table not in exports.COCKPIT_TABLES:
        raise Http404
    scope = _scope_from(request)
    choice = CockpitForm(request.GET).choice(latest=selectors.latest_data_day())
    data = cockpit.cockpit_build(scope=scope, choice=choice)
    return _download(exports.COCKPIT_TABLES[table](data), request.GET.get("format", "csv"))


def _explorer_form(request) -> ExplorerForm:
    return ExplorerForm(request.GET, choices=selectors.filter_choices())


@require_GET
def explorer(request):
    access = access_for(request.user)
    require(access.can_read)
    form = _explorer_form(request)
    filters = form.filters().with_changes(search_raw=can_see_raw_comments(access))
    page = Paginator(selectors.feedback_list(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    feedback = comments_shown(access, list(page.object_list), topic=filters.topic)
    context = {"form": form, "page": page, "feedback": feedback, "query": query.urlencode()}
    return render(request, "analytics/explorer.html", context)


@require_GET
def explorer_export(request):
    access = access_for(request.user)
    require(access.can_read)
    filters = _explorer_form(request).filters().with_changes(search_raw=can_see_raw_comments(access))
    rows = selectors.feedback_list(filters)
    return _download(exports.feedback_table(rows, access=access), request.GET.get("format", "csv"))


@require_GET
def metric_definitions(request):
    require(access_for(request.user).can_read)
    return render(request, "analytics/metrics.html", {"metrics": selectors.metric_list()})
