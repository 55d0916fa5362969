from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from opencxm.accounts.models import Department
from opencxm.core.forms import tabler_classes
from opencxm.touchpoints.choices import Raci, TouchpointStatus
from opencxm.touchpoints.importing import normalize_reference
from opencxm.touchpoints.models import Channel, Touchpoint
from opencxm.touchpoints.selectors import TouchpointFilters

YES_NO = [("", _("all")), ("yes", _("yes")), ("no", _("no"))]


class TouchpointFilterForm(forms.Form):
    """The list's filters as GET parameters. Invalid values are ignored rather than failing the page."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    department = forms.ChoiceField(label=_("Owning department"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("all")), *TouchpointStatus.choices])
    mot = forms.ChoiceField(label=_("Moment of truth"), required=False, choices=YES_NO)

    def __init__(self, *args, channels=(), departments=(), stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", _("all")), *[(c.code, c.name) for c in channels]]
        self.fields["department"].choices = [("", _("all")), *[(d.code, d.name) for d in departments]]
        self.fields["stage"].choices = [("", _("all")), *[(name, name) for name in stages]]
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": _("Code, name or description")})
        for field in self.fields.values():
            css = "form-control" if field is self.fields["q"] else "form-select"
            field.widget.attrs["class"] = css

    def filters(self) -> TouchpointFilters:
        self.is_valid()  # an invalid parameter is dropped; the valid ones still filter
        data = self.cleaned_data
        mot = {"yes": True, "no": False}.get(data.get("mot", ""))
        return TouchpointFilters(
            channel=data.get("channel", ""),
            department=data.get("department", ""),
            stage=data.get("stage", ""),
            status=data.get("status", ""),
            moment_of_truth=mot,
            q=data.get("q", "").strip(),
        )


class ReferenceListField(forms.CharField):
    """A textarea with one entry per line, stored as a list of strings."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [normalize_reference(line) for line in text.splitlines() if line.strip()]


class TouchpointForm(forms.ModelForm):
    processes = ReferenceListField(
        label=_("Linked processes"),
        required=False,
        help_text=_("One per line. “Name | https://…” shows the name as a link."),
    )
    systems = ReferenceListField(
        label=_("Linked systems"),
        required=False,
        help_text=_("One per line. “Name | https://…” shows the name as a link."),
    )

    class Meta:
        model = Touchpoint
        fields = [
            "code",
            "name",
            "description",
            "channel",
            "owner_department",
            "status",
            "moment_of_truth",
            "processes",
            "systems",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        error_messages = {"code": {"unique": _("A touchpoint with this code exists already; choose another code.")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = Channel.objects.order_by("name")
        self.fields["owner_department"].queryset = Department.objects.order_by("name")
        tabler_classes(self)

    def limit_owner_choices(self, department_ids) -> None:
        """Show only the departments the user may own touchpoints for (the view enforces it, too)."""
        self.fields["owner_department"].queryset = Department.objects.filter(id__in=department_ids).order_by("name")

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ContributionForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.order_by("name"), required=False, empty_label="—"
    )
    raci = forms.ChoiceField(label=_("RACI role"), choices=[("", "—"), *Raci.choices], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].widget.attrs["class"] = "form-select"
        self.fields["raci"].widget.attrs["class"] = "form-select"

    def clean(self):
        data = super().clean()
        if data.get("department") and not data.get("raci"):
            self.add_error("raci", _("Choose a RACI role for this department."))
        if data.get("raci") and not data.get("department"):
            self.add_error("department", _("Choose a department for this role."))
        return data


class BaseContributionFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            department = form.cleaned_data.get("department")
            if department is None or form.cleaned_data.get("DELETE"):
                continue
            if department in seen:
                raise forms.ValidationError(_("%(department)s is listed twice.") % {"department": department.name})
            seen.add(department)

    def contributions(self) -> list:
        return [
            (form.cleaned_data["department"], form.cleaned_data["raci"])
            for form in self.forms
            if form.cleaned_data.get("department") and not form.cleaned_data.get("DELETE")
        ]


ContributionFormSet = forms.formset_factory(
    ContributionForm, formset=BaseContributionFormSet, extra=2, can_delete=True, max_num=50
)


def contribution_initial(touchpoint: Touchpoint | None) -> list[dict]:
    if touchpoint is None or touchpoint.pk is None:
        return []
    return [{"department": c.department, "raci": c.raci} for c in touchpoint.contributions.all()]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("CSV with “;” or “,”, UTF-8 or Windows-1252; or an Excel workbook (.xlsx)."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv,.txt,.xlsx"}),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file, write nothing"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.OPENCXM_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(_("The file is too large (at most %(size)s bytes allowed).") % {"size": limit})
        return upload


class ChannelForm(forms.ModelForm):
    class Meta:
        model = Channel
        fields = ["code", "name", "kind", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
