"""Forms of the feedback app: data sources, file upload, the column mapping editor, customer erasure."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opencxm.accounts.models import Department
from opencxm.feedback.ingest import REST, ColumnMapping, IngestError
from opencxm.feedback.models import DataSource
from opencxm.touchpoints.models import Touchpoint

SINGLE_FIELDS = {
    "external_id": _("External id"),
    "time": _("Time"),
    "customer_ref": _("Customer reference"),
    "touchpoint": _("Touchpoint (code or name)"),
    "channel": _("Channel"),
    "segment": _("Segment"),
    "nps": _("NPS (0–10)"),
    "csat": _("CSAT (1–5)"),
    "ces": _("CES (1–7)"),
    "comment": _("Comment text"),
    "language": _("Language"),
}
SCORE_FIELDS = ("nps", "csat", "ces")


def _select(widget_class=forms.Select):
    return widget_class(attrs={"class": "form-select"})


class DataSourceForm(forms.ModelForm):
    class Meta:
        model = DataSource
        fields = ["name", "kind", "owner_department", "fixed_touchpoint", "description"]
        widgets = {
            "name": forms.TextInput(attrs={"class": "form-control"}),
            "kind": _select(),
            "owner_department": _select(),
            "fixed_touchpoint": _select(),
            "description": forms.Textarea(attrs={"class": "form-control", "rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_department"].queryset = Department.objects.order_by("name")
        self.fields["fixed_touchpoint"].queryset = Touchpoint.objects.exclude(status="retired").order_by("code")
        self.fields["fixed_touchpoint"].help_text = _("Used for every record of this source that names no touchpoint.")


class UploadForm(forms.Form):
    source = forms.ModelChoiceField(
        label=_("Data source"),
        queryset=DataSource.objects.none(),
        widget=_select(),
        empty_label=None,
        to_field_name="public_id",
    )
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv,.txt,.tsv,.xlsx,.lsr,.lsa"}),
        help_text=_("CSV (any delimiter, UTF-8 or Windows-1252), XLSX or a LimeSurvey responses file."),
    )

    def __init__(self, *args, sources=None, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        self.fields["source"].queryset = sources if sources is not None else DataSource.objects.none()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                _("The file is too large (%(size)s bytes; the limit is %(limit)s bytes).")
                % {"size": upload.size, "limit": self.max_bytes}
            )
        return upload


class MappingForm(forms.Form):
    """One select per target field listing the file's columns; saved as the JSON column mapping."""

    fixed_touchpoint = forms.ChoiceField(label=_("Fixed touchpoint (when no column)"), required=False)
    custom_metric = forms.RegexField(
        label=_("Custom metric key"), regex=r"^[a-z][a-z0-9_]{0,59}$", required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=_("Lower-case letters, digits and _, e.g. effort_score."),
    )  # fmt: skip
    custom_column = forms.ChoiceField(label=_("Custom metric column"), required=False, widget=_select())
    attributes = forms.MultipleChoiceField(
        label=_("Extra attributes"), required=False, widget=_select(forms.SelectMultiple)
    )
    keep_rest = forms.BooleanField(
        label=_("Keep all other columns as attributes (except personal data)"), required=False
    )
    time_zone = forms.CharField(
        label=_("Time zone for times without offset"), required=False, max_length=60,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "Europe/Berlin"}),
    )  # fmt: skip
    time_format = forms.CharField(
        label=_("Time format (optional)"), required=False, max_length=60,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "%d.%m.%Y %H:%M"}),
    )  # fmt: skip

    def __init__(self, *args, columns: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        choices = [("", _("— not in the file —")), *((column, column) for column in columns)]
        for name, label in SINGLE_FIELDS.items():
            self.fields[name] = forms.ChoiceField(label=label, required=False, choices=choices, widget=_select())
        self.fields["custom_column"].choices = choices
        self.fields["attributes"].choices = [(column, column) for column in columns]
        codes = Touchpoint.objects.exclude(status="retired").order_by("code").values_list("code", "name")
        self.fields["fixed_touchpoint"].choices = [("", "—"), *((code, f"{code} {name}") for code, name in codes)]
        self.fields["fixed_touchpoint"].widget = _select()
        self.order_fields([*SINGLE_FIELDS, "custom_metric", "custom_column", "fixed_touchpoint", "attributes"])

    @classmethod
    def initial_for(cls, mapping: ColumnMapping) -> dict:
        data = {name: getattr(mapping, name, None) or "" for name in SINGLE_FIELDS if name not in SCORE_FIELDS}
        data.update({name: mapping.scores.get(name, "") for name in SCORE_FIELDS})
        custom = [(key, column) for key, column in mapping.scores.items() if key not in SCORE_FIELDS]
        if custom:
            data["custom_metric"], data["custom_column"] = custom[0]
        data["fixed_touchpoint"] = mapping.fixed_touchpoint or ""
        data["attributes"] = [column for column in mapping.attributes if column != REST]
        data["keep_rest"] = REST in mapping.attributes
        data["time_zone"] = mapping.time_zone or ""
        data["time_format"] = mapping.time_format or ""
        return data

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if not cleaned.get("time"):
            self.add_error("time", _("Choose the column that holds the time of each record."))
        if bool(cleaned.get("custom_metric")) != bool(cleaned.get("custom_column")):
            self.add_error("custom_column", _("Give both the custom metric key and its column, or neither."))
        try:
            self.mapping().check_columns(self.columns)
        except IngestError as error:
            raise forms.ValidationError(error.message) from None
        return cleaned

    def mapping(self) -> ColumnMapping:
        data = self.cleaned_data
        scores = {name: data[name] for name in SCORE_FIELDS if data.get(name)}
        if data.get("custom_metric") and data.get("custom_column"):
            scores[data["custom_metric"]] = data["custom_column"]
        attributes = list(data.get("attributes") or []) + ([REST] if data.get("keep_rest") else [])
        single = {name: data.get(name) or None for name in SINGLE_FIELDS if name not in SCORE_FIELDS}
        return ColumnMapping(
            **single, scores=scores, attributes=attributes, fixed_touchpoint=data.get("fixed_touchpoint") or None,
            time_zone=data.get("time_zone") or None, time_format=data.get("time_format") or None,
        )  # fmt: skip


class ImportOptionsForm(forms.Form):
    partial = forms.BooleanField(
        label=_("Import valid rows, report rejected ones"),
        required=False,
        help_text=_("Without this, any rejected row stops the import and nothing is written."),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: only check the file"), required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )  # fmt: skip
    save_mapping = forms.BooleanField(
        label=_("Save this mapping for the data source"), required=False, initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )  # fmt: skip
