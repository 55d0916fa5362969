from django import forms
from django.utils.translation import gettext_lazy as _

from opencxm.journeys.models import Segment
from opencxm.touchpoints.models import Channel


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Event file"), help_text=_("CSV, XLSX, XES or XES.GZ"))
    log = forms.CharField(label=_("Log name"), max_length=200, required=False,
                          help_text=_("Leave empty to use the file name."))  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["class"] = "form-control"
        self.fields["log"].widget.attrs["class"] = "form-control"


class DiscoverForm(forms.Form):
    log = forms.ChoiceField(label=_("Log"), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    activity = forms.CharField(label=_("Contains activity"), required=False, max_length=300)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    segment = forms.ChoiceField(label=_("Segment"), required=False)

    def __init__(self, *args, logs=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["log"].choices = everything + [(str(log.public_id), log.name) for log in logs]
        self.fields["channel"].choices = everything + list(Channel.objects.values_list("code", "name"))
        self.fields["segment"].choices = everything + list(Segment.objects.values_list("code", "name"))
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"
