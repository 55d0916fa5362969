"""Forms: notification preferences (one choice per event kind) and webhook endpoints."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opencxm.notifications.choices import Delivery
from opencxm.notifications.events import NOTIFICATION_EVENTS, WEBHOOK_EVENTS
from opencxm.notifications.models import NotificationPreference, WebhookEndpoint
from opencxm.notifications.services import FOLLOW_DEFAULT
from opencxm.notifications.webhooks import is_http_url


class PreferencesForm(forms.Form):
    """One select per event kind of the registry, plus the default for kinds without their own choice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[NotificationPreference.ALL_EVENTS] = forms.ChoiceField(
            label=_("Default for all kinds"), choices=Delivery.choices
        )
        like_default = [(FOLLOW_DEFAULT, _("Like the default")), *Delivery.choices]
        for event, label in NOTIFICATION_EVENTS.items():
            self.fields[event] = forms.ChoiceField(label=label, choices=like_default, required=False)

    def event_fields(self):
        return [self[event] for event in NOTIFICATION_EVENTS]

    def default_field(self):
        return self[NotificationPreference.ALL_EVENTS]


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=list(WEBHOOK_EVENTS.items()),
        widget=forms.CheckboxSelectMultiple(),
        help_text=_("The endpoint receives a POST request for each of these events."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "active"]
        help_texts = {"url": _("An http or https address reachable from the OpenCXM server.")}

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not is_http_url(url):
            raise forms.ValidationError(_("Only http and https addresses are allowed."))
        return url

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
