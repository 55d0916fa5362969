"""Forms for segments, journeys, stages and steps. They validate; services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opencxm.journeys.choices import Emotion
from opencxm.journeys.models import Journey, JourneyStep, Segment, Stage
from opencxm.touchpoints.models import Channel


class LinesField(forms.CharField):
    """A textarea whose non-empty lines become a list of strings, in order."""

    widget = forms.Textarea(attrs={"rows": 5})

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class SegmentForm(forms.ModelForm):
    needs = LinesField(label=_("Needs"), required=False, help_text=_("One need per line, the most important first."))
    decision_drivers = LinesField(label=_("Decision drivers"), required=False, help_text=_("One per line."))
    preferred_channels = forms.ModelMultipleChoiceField(
        label=_("Preferred channels"),
        queryset=Channel.objects.order_by("name"),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = Segment
        fields = ["code", "name", "description", "is_target", "needs", "decision_drivers", "preferred_channels"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"is_target": _("A target segment (Wunschkunden): the customers the company wants to win.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["needs"] = [need.text for need in self.instance.needs.order_by("position")]


class JourneyForm(forms.ModelForm):
    segment = forms.ModelChoiceField(
        label=_("Segment"), queryset=Segment.objects.order_by("name"), to_field_name="public_id"
    )

    class Meta:
        model = Journey
        fields = ["name", "segment", "kind", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class StageForm(forms.ModelForm):
    class Meta:
        model = Stage
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class StepForm(forms.ModelForm):
    emotion = forms.TypedChoiceField(
        label=_("Expected emotion"), choices=Emotion.choices, coerce=int, initial=Emotion.NEUTRAL
    )

    class Meta:
        model = JourneyStep
        fields = ["touchpoint", "customer_action", "customer_thoughts", "emotion", "target_score", "pain_points"]
        widgets = {
            "customer_action": forms.Textarea(attrs={"rows": 2}),
            "customer_thoughts": forms.Textarea(attrs={"rows": 2}),
            "pain_points": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, touchpoints, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["touchpoint"].queryset = touchpoints
        self.fields["touchpoint"].to_field_name = "public_id"


class ConformanceForm(forms.Form):
    """Which event data the journey map compares with: a log (or all) and a period of case starts."""

    log = forms.ChoiceField(label=_("Event log"), required=False)
    start = forms.DateField(label=_("Cases from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Cases to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, logs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["log"].choices = [("", _("All event logs"))] + [(str(log.public_id), log.name) for log in logs]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if name == "log" else "form-control form-control-sm"
            )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data
