"""The target form: metric, scope, period, target and warning threshold, window, minimum sample, goal type,
owner."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opencxm.accounts.models import Department
from opencxm.analytics.metrics import REGISTRY
from opencxm.analytics.models import Target
from opencxm.journeys.models import Journey, Stage
from opencxm.touchpoints.models import Touchpoint

AMBASSADOR_SCOPES = (Target.Scope.TOUCHPOINT, Target.Scope.DEPARTMENT)


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.journey.name} · {obj.name}"


class TouchpointChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class TargetForm(forms.ModelForm):
    metric = forms.ChoiceField(label=_("Metric"))
    stage = StageChoiceField(queryset=Stage.objects.none(), required=False, label=_("Stage"))
    touchpoint = TouchpointChoiceField(queryset=Touchpoint.objects.none(), required=False, label=_("Touchpoint"))

    class Meta:
        model = Target
        fields = [
            "metric", "scope_type", "journey", "stage", "touchpoint", "department", "valid_from", "valid_until",
            "target_value", "warning_value", "window_days", "min_responses", "goal_type", "owner_department",
            "note",
        ]  # fmt: skip
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "target_value": _("At or beyond this value the figure is on target (green)."),
            "warning_value": _(
                "Between the target and this value the figure is a warning (amber); beyond it, on the bad side, "
                "an alert is raised (red)."
            ),
            "window_days": _("The figure is computed over this many days before the evaluation day."),
            "min_responses": _(
                "With fewer responses in the window (contacts, for operational figures) the figure counts as no "
                "data: no alert is raised or closed."
            ),
            "owner_department": _("Receives the alerts. Empty: the owner of the touchpoint or the department."),
            "valid_from": _("Empty: open start."),
            "valid_until": _("Empty: open end."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = _metric_choices(self.instance.metric if self.instance.pk else None)
        self.fields["journey"].queryset = Journey.objects.select_related("segment").order_by("name")
        self.fields["stage"].queryset = Stage.objects.select_related("journey").order_by("journey__name", "position")
        self.fields["touchpoint"].queryset = Touchpoint.objects.order_by("code")
        self.fields["department"].queryset = Department.objects.order_by("name")
        self.fields["owner_department"].queryset = Department.objects.order_by("name")
        self.fields["owner_department"].required = False
        self.fields["owner_department"].empty_label = _("Owner of the touchpoint or department")
        for name in ("journey", "stage", "touchpoint", "department"):
            self.fields[name].empty_label = _("Choose …")
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def limit_choices(self, access) -> None:
        """Offer ambassadors only their own department and its touchpoints (the view enforces it on save)."""
        if access.can_edit_all:
            return
        department_ids = access.ambassador_of
        self.fields["scope_type"].choices = [c for c in Target.Scope.choices if c[0] in AMBASSADOR_SCOPES]
        own_touchpoints = Touchpoint.objects.filter(owner_department_id__in=department_ids)
        self.fields["touchpoint"].queryset = own_touchpoints.order_by("code")
        self.fields["department"].queryset = Department.objects.filter(id__in=department_ids).order_by("name")
        self.fields["owner_department"].queryset = self.fields["department"].queryset

    @property
    def scope_type_value(self) -> str:
        """The scope chosen (submitted, stored or default), to show only the matching scope field."""
        value = self.data.get(self.add_prefix("scope_type")) if self.is_bound else None
        return value or self.initial.get("scope_type") or self.instance.scope_type or Target.Scope.COMPANY

    def clean(self):
        cleaned = super().clean()
        scope_type = cleaned.get("scope_type")
        for name in ("journey", "stage", "touchpoint", "department"):
            if name != scope_type:
                cleaned[name] = None  # only the field matching the scope counts
            elif not cleaned.get(name) and name not in self.errors:
                self.add_error(name, _("Required for this scope."))
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and start > end:
            self.add_error("valid_until", _("The period ends before it starts."))
        return cleaned

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


def _metric_choices(current: str | None) -> list:
    choices = [(key, str(definition.label)) for key, definition in REGISTRY.items()]
    if current and current not in REGISTRY:  # a target on a custom operational figure keeps its key
        choices.append((current, current))
    return choices
