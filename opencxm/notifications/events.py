"""The one registry of notification and webhook event kinds. Other apps pass these keys to
`services.notify(event=...)` and `webhooks.webhook_emit(event=...)`."""

from django.utils.translation import gettext_lazy as _

CASE_CREATED = "case_created"
CASE_ASSIGNED = "case_assigned"
CASE_HANDED_OVER = "case_handed_over"
CASE_SLA_BREACHED = "case_sla_breached"
CASE_CLOSED = "case_closed"
ALERT_RAISED = "alert_raised"
ALERT_CLOSED = "alert_closed"
INSIGHT_CREATED = "insight_created"
ACTION_ASSIGNED = "action_assigned"
ACTION_DUE = "action_due"
PING = "ping"

# Kinds a user can receive in the inbox and by e-mail, in the order the preferences page lists them.
NOTIFICATION_EVENTS = {
    CASE_CREATED: _("New case"),
    CASE_ASSIGNED: _("Case assigned to you"),
    CASE_HANDED_OVER: _("Case handed over"),
    CASE_SLA_BREACHED: _("Case SLA breached"),
    CASE_CLOSED: _("Case closed"),
    ALERT_RAISED: _("Alert raised"),
    ALERT_CLOSED: _("Alert closed"),
    INSIGHT_CREATED: _("New insight"),
    ACTION_ASSIGNED: _("Action assigned to you"),
    ACTION_DUE: _("Action due"),
}

# Kinds an outgoing webhook can subscribe to ("ping" is the test event the endpoint page sends).
WEBHOOK_EVENTS = {
    CASE_CREATED: _("Case created"),
    CASE_HANDED_OVER: _("Case handed over"),
    CASE_CLOSED: _("Case closed"),
}


def event_label(event: str) -> str:
    """The readable name of an event kind; unknown kinds show their key."""
    if event == PING:
        return str(_("Test event"))
    return str(NOTIFICATION_EVENTS.get(event) or WEBHOOK_EVENTS.get(event) or event)
