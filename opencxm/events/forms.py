from django import forms
from django.utils.translation import gettext_lazy as _

from opencxm.accounts.models import Department
from opencxm.journeys.models import Segment
from opencxm.textanalytics.models import Topic
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
    nps_band = forms.ChoiceField(
        label=_("NPS band"),
        required=False,
        choices=[("", _("All")), ("promoter", _("Promoters (9–10)")), ("passive", _("Passives (7–8)")),
                 ("detractor", _("Detractors (0–6)"))],
        help_text=_("The customer's latest NPS rating in the period."),
    )  # fmt: skip
    topic = forms.ChoiceField(label=_("Comment topic"), required=False)
    handover_from = forms.ChoiceField(label=_("Handover from"), required=False)
    handover_to = forms.ChoiceField(label=_("Handover to"), required=False)

    def __init__(self, *args, logs=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["log"].choices = everything + [(str(log.public_id), log.name) for log in logs]
        self.fields["channel"].choices = everything + list(Channel.objects.values_list("code", "name"))
        self.fields["segment"].choices = everything + list(Segment.objects.values_list("code", "name"))
        topics = Topic.objects.filter(active=True).select_related("parent").order_by("parent__key", "key")
        self.fields["topic"].choices = everything + sorted(
            ((t.key, f"{t.parent.name} › {t.name}" if t.parent else t.name) for t in topics), key=lambda c: c[1]
        )
        departments = list(Department.objects.order_by("name").values_list("code", "name"))
        self.fields["handover_from"].choices = everything + departments
        self.fields["handover_to"].choices = everything + departments
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"

    def clean(self):
        data = super().clean()
        source, target = data.get("handover_from"), data.get("handover_to")
        if bool(source) != bool(target):
            self.add_error("handover_to" if source else "handover_from",
                           _("Choose both departments of the handover."))  # fmt: skip
        elif source and source == target:
            self.add_error("handover_to", _("A handover needs two different departments."))
        return data

    def handover(self) -> str:
        data = self.cleaned_data
        return f"{data['handover_from']}:{data['handover_to']}" if data.get("handover_from") else ""
