"""Pages: the personal inbox and notification preferences; webhook endpoints with their delivery log."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opencxm.core.permissions import access_for, require
from opencxm.notifications import selectors, services
from opencxm.notifications.forms import PreferencesForm, WebhookEndpointForm

PAGE_SIZE = 25
DELIVERY_PAGE_SIZE = 20


@require_GET
def inbox(request):
    require(access_for(request.user).can_read)
    unread_only = request.GET.get("show") == "unread"
    rows = selectors.inbox(request.user, unread_only=unread_only)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "unread_only": unread_only, "inbox_unread": selectors.unread_count(request.user)}
    return render(request, "notifications/inbox.html", context)


@require_GET
def unread_badge(request):
    """The navigation's unread count, loaded by htmx after the page (no query on every page render)."""
    require(access_for(request.user).can_read)
    context = {"inbox_unread": selectors.unread_count(request.user)}
    return render(request, "notifications/inbox.html#unread_badge", context)


@require_POST
def mark_read(request, public_id):
    require(access_for(request.user).can_read)
    notification = selectors.notification_for(request.user, public_id)
    services.notification_mark_read(actor=request.user, notification=notification)
    if request.POST.get("open") and notification.link and _is_safe(request, notification.link):
        return redirect(notification.link)
    return redirect("notifications:inbox")


def _is_safe(request, link: str) -> bool:
    return url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}, require_https=False)


@require_POST
def mark_all_read(request):
    require(access_for(request.user).can_read)
    count = services.notifications_mark_all_read(actor=request.user)
    text = ngettext("%(count)d notification marked as read.", "%(count)d notifications marked as read.", count)
    messages.success(request, text % {"count": count})
    return redirect("notifications:inbox")


@require_http_methods(["GET", "POST"])
def preferences(request):
    require(access_for(request.user).can_read)
    if request.method == "GET":
        form = PreferencesForm(initial=selectors.preference_modes(request.user))
        return render(request, "notifications/preferences.html", {"form": form})
    form = PreferencesForm(request.POST)
    if not form.is_valid():
        return render(request, "notifications/preferences.html", {"form": form})
    services.preferences_save(actor=request.user, modes=form.cleaned_data)
    messages.success(request, _("Your notification settings were saved."))
    return redirect("notifications:preferences")


# --- webhooks (CX lead and administrators) ---------------------------------------------------------------------


@require_GET
def webhook_list(request):
    require(access_for(request.user).can_manage_org)
    return render(request, "notifications/webhook_list.html", {"endpoints": selectors.endpoint_list()})


@require_http_methods(["GET", "POST"])
def webhook_create(request):
    require(access_for(request.user).can_manage_org)
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "GET" or not form.is_valid():
        return render(request, "notifications/webhook_form.html", {"form": form})
    endpoint = services.endpoint_create(actor=request.user, data=form.service_data())
    messages.success(request, _("Webhook endpoint created. Copy its signing secret into the receiver."))
    return redirect("notifications:webhook_detail", endpoint.public_id)


@require_GET
def webhook_detail(request, public_id):
    require(access_for(request.user).can_manage_org)
    endpoint = selectors.endpoint_get(public_id)
    deliveries = Paginator(selectors.deliveries_of(endpoint), DELIVERY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"endpoint": endpoint, "page": deliveries}
    return render(request, "notifications/webhook_detail.html", context)


@require_http_methods(["GET", "POST"])
def webhook_edit(request, public_id):
    require(access_for(request.user).can_manage_org)
    endpoint = selectors.endpoint_get(public_id)
    form = WebhookEndpointForm(request.POST or None, instance=endpoint)
    if request.method == "GET" or not form.is_valid():
        return render(request, "notifications/webhook_form.html", {"form": form, "endpoint": endpoint})
    services.endpoint_update(actor=request.user, endpoint=selectors.endpoint_get(public_id), data=form.service_data())
    messages.success(request, _("Webhook endpoint saved."))
    return redirect("notifications:webhook_detail", endpoint.public_id)


@require_http_methods(["GET", "POST"])
def webhook_delete(request, public_id):
    require(access_for(request.user).can_manage_org)
    endpoint = selectors.endpoint_get(public_id)
    if request.method == "GET":
        return render(request, "notifications/webhook_confirm_delete.html", {"endpoint": endpoint})
    services.endpoint_delete(actor=request.user, endpoint=endpoint)
    messages.success(request, _("Webhook endpoint deleted."))
    return redirect("notifications:webhooks")


@require_POST
def webhook_rotate_secret(request, public_id):
    require(access_for(request.user).can_manage_org)
    endpoint = services.endpoint_rotate_secret(actor=request.user, endpoint=selectors.endpoint_get(public_id))
    messages.success(request, _("A new signing secret was generated. Update the receiver."))
    return redirect("notifications:webhook_detail", endpoint.public_id)


@require_POST
def webhook_test(request, public_id):
    require(access_for(request.user).can_manage_org)
    endpoint = selectors.endpoint_get(public_id)
    services.endpoint_send_test(actor=request.user, endpoint=endpoint)
    messages.success(request, _("A test event was queued. Its result appears in the delivery log."))
    return redirect("notifications:webhook_detail", endpoint.public_id)
