"""GET forms of the cockpit (period, metrics, grain) and of the feedback explorer (filters)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opencxm.analytics.cockpit import CHART_METRICS, JOURNEY_METRICS, STEP_TARGET_METRIC, CockpitChoice
from opencxm.analytics.metrics import metric
from opencxm.analytics.selectors import NPS_BANDS, FeedbackFilters, period_for
from opencxm.feedback.choices import FeedbackKind

PERIODS = [
    ("12m", _("Last 12 months")),
    ("30d", _("Last 30 days")),
    ("90d", _("Last 90 days")),
    ("365d", _("Last 365 days")),
    ("custom", _("Custom range")),
]
GRAINS = [("month", _("Month")), ("week", _("Week"))]
DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
SELECT = {"class": "form-select"}


def _metric_choices(keys):
    return [(key, metric(key).label) for key in keys]


class CockpitForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)
    metric = forms.ChoiceField(label=_("Metric"), choices=_metric_choices(CHART_METRICS), required=False)
    grain = forms.ChoiceField(label=_("Trend by"), choices=GRAINS, required=False)
    journey_metric = forms.ChoiceField(
        label=_("Journey map metric"), choices=_metric_choices(JOURNEY_METRICS), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("period", "metric", "journey_metric"):
            self.fields[name].widget.attrs.update(SELECT)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if data.get("period") == "custom" and start and end and start > end:
            self.add_error("end", _("The end lies before the start."))
        return data

    def choice(self, *, latest) -> CockpitChoice:
        """The user's choice; invalid or missing values fall back to the defaults (12 months up to the latest data)."""
        data = self.cleaned_data if self.is_valid() else {}
        choice = data.get("period") or "12m"
        end = (data.get("end") if choice == "custom" else None) or latest
        period = period_for(choice, end=end, start=data.get("start"))
        return CockpitChoice(
            period=period,
            metric=data.get("metric") or "nps",
            grain=data.get("grain") or "month",
            journey_metric=data.get("journey_metric") or STEP_TARGET_METRIC,
        )


class PublicIdChoiceField(forms.ModelChoiceField):
    def __init__(self, queryset, label, **kwargs):
        super().__init__(queryset, label=label, required=False, to_field_name="public_id", **kwargs)
        self.widget.attrs.update(SELECT)


class StageChoiceField(PublicIdChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.journey.name} · {obj.name}"


class TouchpointChoiceField(PublicIdChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class ExplorerForm(forms.Form):
    """Filters of the feedback explorer; objects are addressed by public id in the URL."""

    q = forms.CharField(label=_("Search in comments"), required=False, max_length=200)
    start = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *FeedbackKind.choices])
    nps_band = forms.ChoiceField(
        label=_("NPS group"),
        required=False,
        choices=[("", _("All")), ("promoter", _("Promoters (9–10)")), ("passive", _("Passives (7–8)")),
                 ("detractor", _("Detractors (0–6)"))],
    )  # fmt: skip
    has_comment = forms.ChoiceField(
        label=_("Comment"), required=False, choices=[("", _("All")), ("yes", _("With comment")), ("no", _("Without"))]
    )

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"type": "search", "class": "form-control"})
        for name in ("kind", "nps_band", "has_comment"):
            self.fields[name].widget.attrs.update(SELECT)
        self.fields["source"] = PublicIdChoiceField(choices["sources"], _("Source"), empty_label=_("All sources"))
        self.fields["touchpoint"] = TouchpointChoiceField(
            choices["touchpoints"], _("Touchpoint"), empty_label=_("All touchpoints")
        )
        self.fields["department"] = PublicIdChoiceField(
            choices["departments"], _("Department"), empty_label=_("All departments")
        )
        self.fields["journey"] = PublicIdChoiceField(choices["journeys"], _("Journey"), empty_label=_("All journeys"))
        self.fields["stage"] = StageChoiceField(choices["stages"], _("Stage"), empty_label=_("All stages"))
        self.fields["segment"] = PublicIdChoiceField(choices["segments"], _("Segment"), empty_label=_("All segments"))
        self.fields["channel"] = PublicIdChoiceField(choices["channels"], _("Channel"), empty_label=_("All channels"))
        from opencxm.textanalytics.forms import add_explorer_fields

        add_explorer_fields(self)

    def filters(self) -> FeedbackFilters:
        """The valid filters (an invalid field is ignored and shown with its error)."""
        self.is_valid()
        data = self.cleaned_data

        def ids(name):
            return (data[name].public_id,) if data.get(name) else ()

        comment = {"yes": True, "no": False}.get(data.get("has_comment") or "")
        return FeedbackFilters(
            start=data.get("start"),
            end=data.get("end"),
            sources=ids("source"),
            touchpoints=ids("touchpoint"),
            departments=ids("department"),
            stages=ids("stage"),
            journeys=ids("journey"),
            segments=ids("segment"),
            channels=ids("channel"),
            kind=data.get("kind") or "",
            nps_band=data.get("nps_band") if data.get("nps_band") in NPS_BANDS else "",
            has_comment=comment,
            q=(data.get("q") or "").strip(),
            language=data.get("language") or "",
            sentiment=data.get("sentiment") or "",
            topic=str(data["topic"].public_id) if data.get("topic") else "",
        )
