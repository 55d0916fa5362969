from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from opencxm.accounts.models import Department
from opencxm.analytics.metrics import REGISTRY
from opencxm.core.forms import tabler_classes
from opencxm.feedback.models import Feedback
from opencxm.insights.choices import (
    TRACK_CATEGORIES,
    ActionStatus,
    InsightKind,
    InsightStatus,
    Track,
    ValidationMethod,
)
from opencxm.insights.models import Action, Insight
from opencxm.insights.selectors import ActionFilters, InsightFilters
from opencxm.journeys.models import JourneyStep, Segment
from opencxm.touchpoints.models import Touchpoint

SELECT = {"class": "form-select"}
MULTI = {"class": "form-select", "size": "5"}
ALL = [("", _("all"))]


def _metric_choices():
    return [("", _("none")), *[(key, m.label) for key, m in REGISTRY.items()]]


class TouchpointField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class StepField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.stage.journey.name} · {obj.stage.name} · {obj.touchpoint.name}"


class TouchpointChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class StepChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.stage.journey.name} · {obj.stage.name} · {obj.touchpoint.name}"


class InsightFilterForm(forms.Form):
    """The list's filters as GET parameters; invalid values are ignored."""

    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[*ALL, *InsightKind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[*ALL, *InsightStatus.choices])
    department = forms.ModelChoiceField(
        Department.objects.order_by("name"), label=_("Department"), required=False, to_field_name="code"
    )
    touchpoint = TouchpointChoice(
        Touchpoint.objects.order_by("code"), label=_("Touchpoint"), required=False, to_field_name="public_id"
    )
    step = StepChoice(
        JourneyStep.objects.select_related("stage__journey", "touchpoint"),
        label=_("Journey step"),
        required=False,
        to_field_name="public_id",
    )
    segment = forms.ModelChoiceField(
        Segment.objects.order_by("name"), label=_("Segment"), required=False, to_field_name="code"
    )
    order = forms.ChoiceField(
        label=_("Rank by"), required=False, choices=[("impact", _("Impact")), ("priority", _("Impact per effort"))]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("department", "touchpoint", "step", "segment"):
            self.fields[name].empty_label = _("all")
        tabler_classes(self)

    def filters(self) -> InsightFilters:
        data = {}
        for name in self.fields:
            field = self.fields[name]
            try:
                data[name] = field.clean(field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name)))
            except forms.ValidationError:
                data[name] = None
        return InsightFilters(
            kind=data["kind"] or "",
            status=data["status"] or "",
            department=data["department"],
            touchpoint=data["touchpoint"],
            step=data["step"],
            segment=data["segment"],
            order=data["order"] or "impact",
        )


class InsightForm(forms.ModelForm):
    touchpoints = TouchpointField(
        Touchpoint.objects.order_by("code"), label=_("Touchpoints"), required=False, widget=forms.SelectMultiple(MULTI)
    )
    steps = StepField(
        JourneyStep.objects.select_related("stage__journey", "touchpoint"),
        label=_("Journey steps"),
        required=False,
        widget=forms.SelectMultiple(MULTI),
    )
    segments = forms.ModelMultipleChoiceField(
        Segment.objects.order_by("name"), label=_("Segments"), required=False, widget=forms.SelectMultiple(MULTI)
    )
    feedback = forms.ModelMultipleChoiceField(
        Feedback.objects.all(),
        to_field_name="public_id",
        required=False,
        widget=forms.MultipleHiddenInput,
        label=_("Feedback records"),
    )
    evidence_metric = forms.ChoiceField(label=_("Metric"), required=False, choices=_metric_choices)
    evidence_days = forms.IntegerField(
        label=_("Over the last … days"), required=False, min_value=1, max_value=730, initial=90
    )

    class Meta:
        model = Insight
        fields = ["kind", "title", "description", "owner_department", "impact", "effort", "evidence_note"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "evidence_note": forms.Textarea(attrs={"rows": 3}),
            "impact": forms.NumberInput(attrs={"min": 1, "max": 5}),
            "effort": forms.NumberInput(attrs={"min": 1, "max": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_department"].queryset = Department.objects.order_by("name")
        if self.instance.pk:
            self.initial.setdefault("touchpoints", list(self.instance.touchpoints.all()))
            self.initial.setdefault("steps", list(self.instance.steps.all()))
            self.initial.setdefault("segments", list(self.instance.segments.all()))
            self.initial.setdefault("feedback", [f.public_id for f in self.instance.feedback.all()])
            query = self.instance.evidence_query or {}
            self.initial.setdefault("evidence_metric", query.get("metric", ""))
            self.initial.setdefault("evidence_days", query.get("days", 90))
        tabler_classes(self)

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        key = self.cleaned_data.get("evidence_metric")
        data["evidence_query"] = {"metric": key, "days": self.cleaned_data.get("evidence_days") or 90} if key else {}
        return data

    def relations(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("touchpoints", "steps", "segments", "feedback")}


class InsightTransitionForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=InsightStatus.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class ValidateForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Validated with"), choices=[c for c in ValidationMethod.choices if c[0] != ValidationMethod.NONE]
    )
    note = forms.CharField(label=_("How it was checked"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tabler_classes(self)


def parse_references(text: str) -> list[dict]:
    """One reference a line: `label | https://...` (the URL is optional)."""
    references = []
    for line in text.splitlines():
        if not line.strip():
            continue
        label, _sep, url = line.partition("|")
        url = url.strip()
        if url:
            URLValidator(schemes=["http", "https"])(url)
        references.append({"label": label.strip()[:200], "url": url})
    return references


class ActionForm(forms.ModelForm):
    touchpoints = TouchpointField(
        Touchpoint.objects.order_by("code"),
        label=_("Affected touchpoints"),
        required=False,
        widget=forms.SelectMultiple(MULTI),
    )
    references_text = forms.CharField(
        label=_("Projects, processes and systems"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line: name | https://link (the link is optional)."),
    )
    metric = forms.ChoiceField(label=_("Metric to move"), required=False, choices=_metric_choices)

    class Meta:
        model = Action
        fields = [
            "track", "category", "title", "description", "owner_department", "owner_user", "due_date", "metric",
            "expected_change",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = Department.objects.order_by("name")
        self.fields["owner_department"].queryset = (
            queryset if departments is None else queryset.filter(id__in=departments)
        )
        self.fields["owner_user"].queryset = get_user_model().objects.filter(is_active=True).order_by("last_name")
        self.fields["owner_user"].label_from_instance = lambda u: u.get_full_name() or u.username
        if self.instance.pk:
            self.initial.setdefault("touchpoints", list(self.instance.touchpoints.all()))
            lines = [" | ".join(filter(None, (r.get("label"), r.get("url")))) for r in self.instance.references]
            self.initial.setdefault("references_text", "\n".join(lines))
        tabler_classes(self)

    def clean_references_text(self):
        try:
            return parse_references(self.cleaned_data["references_text"])
        except forms.ValidationError:
            raise forms.ValidationError(_("Each link must be a full http(s) address.")) from None

    def clean(self):
        data = super().clean()
        track, category = data.get("track"), data.get("category")
        if track and category and category not in TRACK_CATEGORIES[Track(track)]:
            self.add_error("category", _("This category does not belong to the chosen track."))
        if data.get("expected_change") is not None and not data.get("metric"):
            self.add_error("metric", _("Choose the metric the expected change refers to."))
        return data

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["references"] = self.cleaned_data["references_text"]
        return data


class ActionTransitionForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=ActionStatus.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class ActionFilterForm(forms.Form):
    track = forms.ChoiceField(label=_("Track"), required=False, choices=[*ALL, *Track.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[*ALL, *ActionStatus.choices])
    department = forms.ModelChoiceField(
        Department.objects.order_by("name"), label=_("Department"), required=False, to_field_name="code"
    )
    by = forms.ChoiceField(
        label=_("Columns"), required=False, choices=[("stage", _("Journey stages")), ("month", _("Due months"))]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].empty_label = _("all")
        tabler_classes(self)

    def value(self, name):
        field = self.fields[name]
        try:
            return field.clean(field.widget.value_from_datadict(self.data, self.files, name))
        except forms.ValidationError:
            return None

    def filters(self) -> ActionFilters:
        return ActionFilters(
            track=self.value("track") or "", status=self.value("status") or "", department=self.value("department")
        )
