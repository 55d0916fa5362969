"""Forms of the text analytics pages: a topic with rules per language, a correction, the analysis filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opencxm.textanalytics.engine.taxonomy import RuleError, parse_rule
from opencxm.textanalytics.models import Sentiment, Topic
from opencxm.touchpoints.models import Touchpoint

RULE_HELP = _(
    'One rule per line; a comment matches when any line matches. word* = prefix (compounds), "two words" = '
    "phrase, AND, OR, NOT, a NEAR/3 b, parentheses."
)


class TopicForm(forms.ModelForm):
    rules_de = forms.CharField(label=_("Rules (German)"), required=False, widget=forms.Textarea(), help_text=RULE_HELP)
    rules_en = forms.CharField(label=_("Rules (English)"), required=False, widget=forms.Textarea(), help_text=RULE_HELP)

    class Meta:
        model = Topic
        fields = ["parent", "name_de", "name_en", "description", "touchpoints", "active"]
        widgets = {
            "parent": forms.Select(attrs={"class": "form-select"}),
            "name_de": forms.TextInput(attrs={"class": "form-control"}),
            "name_en": forms.TextInput(attrs={"class": "form-control"}),
            "description": forms.Textarea(attrs={"class": "form-control", "rows": 2}),
            "touchpoints": forms.SelectMultiple(attrs={"class": "form-select", "size": 6}),
            "active": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }
        labels = {"parent": _("Main topic (empty: this is a main topic)")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Topic.objects.filter(parent__isnull=True).order_by("key")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
            for language in ("de", "en"):
                lines = (self.instance.rules or {}).get(language) or []
                self.fields[f"rules_{language}"].initial = "\n".join(lines if isinstance(lines, list) else [lines])
        self.fields["parent"].queryset = parents
        self.fields["parent"].required = False
        self.fields["touchpoints"].queryset = Touchpoint.objects.order_by("code")
        self.fields["touchpoints"].required = False
        for language in ("de", "en"):
            field = self.fields[f"rules_{language}"]
            field.widget.attrs.update({"class": "form-control font-monospace rule-input", "rows": 4})

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is not None and self.instance.pk and self.instance.children.exists():
            raise forms.ValidationError(_("A main topic with subtopics cannot become a subtopic."))
        return parent

    def _clean_rules(self, language):
        lines = [line.strip() for line in self.cleaned_data.get(f"rules_{language}", "").splitlines() if line.strip()]
        for number, line in enumerate(lines, start=1):
            try:
                parse_rule(line)
            except RuleError as error:
                raise forms.ValidationError(
                    _("Line %(number)s: %(error)s") % {"number": number, "error": error}
                ) from error
        return lines

    def clean_rules_de(self):
        return self._clean_rules("de")

    def clean_rules_en(self):
        return self._clean_rules("en")

    def topic_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in ["parent", "name_de", "name_en", "description", "active"]}
        data["rules"] = {
            language: self.cleaned_data[f"rules_{language}"]
            for language in ("de", "en")
            if self.cleaned_data[f"rules_{language}"]
        }
        data["touchpoints"] = list(self.cleaned_data["touchpoints"])
        return data


class PreviewForm(forms.Form):
    rules_de = forms.CharField(required=False)
    rules_en = forms.CharField(required=False)
    name_de = forms.CharField(required=False)

    def rules(self) -> dict:
        return {lang: self.cleaned_data.get(f"rules_{lang}", "") for lang in ("de", "en")}


def topic_label(topic) -> str:
    return f"{topic.parent.name} › {topic.name}" if topic.parent_id else topic.name


class TopicMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return topic_label(obj)


class CorrectionForm(forms.Form):
    sentiment = forms.ChoiceField(
        label=_("Sentiment"),
        choices=[("", _("(keep)")), *Sentiment.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    add = TopicMultipleChoiceField(
        label=_("Add topics"),
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
    )
    remove = TopicMultipleChoiceField(
        label=_("Remove topics"),
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, analysis=None, **kwargs):
        super().__init__(*args, **kwargs)
        active = Topic.objects.filter(active=True).select_related("parent").order_by("key")
        self.fields["add"].queryset = active
        self.fields["add"].to_field_name = "public_id"
        current = analysis.topic_links.filter(removed=False).values("topic_id") if analysis else []
        self.fields["remove"].queryset = Topic.objects.filter(pk__in=current).select_related("parent").order_by("key")
        self.fields["remove"].to_field_name = "public_id"

    def clean(self):
        data = super().clean()
        if not data.get("sentiment") and not data.get("add") and not data.get("remove"):
            raise forms.ValidationError(_("Choose a sentiment or topics to add or remove."))
        return data


class MatrixForm(forms.Form):
    DIMENSIONS = [("touchpoint", _("Touchpoint")), ("stage", _("Journey stage")), ("department", _("Department"))]
    by = forms.ChoiceField(
        label=_("Rows"), choices=DIMENSIONS, required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    days = forms.TypedChoiceField(
        label=_("Period"),
        coerce=int,
        required=False,
        choices=[(90, _("last 90 days")), (365, _("last 365 days"))],
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class TopicChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return topic_label(obj)


def add_explorer_fields(form) -> None:
    """The feedback explorer's text analytics filters: language, sentiment and topic (by public id)."""
    select = {"class": "form-select"}
    form.fields["language"] = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("All languages")), ("de", _("German")), ("en", _("English")), ("other", _("Other"))],
        widget=forms.Select(attrs=select),
    )
    form.fields["sentiment"] = forms.ChoiceField(
        label=_("Sentiment"),
        required=False,
        choices=[("", _("All sentiments")), *Sentiment.choices],
        widget=forms.Select(attrs=select),
    )
    form.fields["topic"] = TopicChoiceField(
        queryset=Topic.objects.filter(active=True).select_related("parent").order_by("key"),
        to_field_name="public_id",
        label=_("Topic"),
        required=False,
        empty_label=_("All topics"),
        widget=forms.Select(attrs=select),
    )
