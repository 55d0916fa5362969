"""The key-driver page: filters, the importance × performance priority matrix, the driver table and the reading."""

from dataclasses import dataclass

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from opencxm.analytics import drivers
from opencxm.analytics.forms import DATE_INPUT, PERIODS, SELECT, PublicIdChoiceField
from opencxm.analytics.selectors import latest_data_day, period_for
from opencxm.core.permissions import access_for, require
from opencxm.journeys.models import Segment

OUTCOME_CHOICES = [
    ("nps", gettext_lazy("Relationship NPS rating (0–10)")),
    ("detractor", gettext_lazy("Detractor (rating 0–6)")),
]
DRIVER_CHOICES = [
    ("bad", gettext_lazy("Bad experience at the touchpoint")),
    ("score", gettext_lazy("Satisfaction at the touchpoint")),
]
QUADRANTS = {
    drivers.FIX: gettext_lazy("Fix first"),
    drivers.KEEP: gettext_lazy("Keep up"),
    drivers.MONITOR: gettext_lazy("Monitor"),
    drivers.SURPLUS: gettext_lazy("Lower priority"),
}


class DriverForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PERIODS, required=False)
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=DATE_INPUT)
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=OUTCOME_CHOICES, required=False)
    driver = forms.ChoiceField(label=gettext_lazy("Drivers"), choices=DRIVER_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("period", "outcome", "driver"):
            self.fields[name].widget.attrs.update(SELECT)
        self.fields["segment"] = PublicIdChoiceField(
            Segment.objects.all(), gettext_lazy("Segment"), empty_label=gettext_lazy("All customers")
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if data.get("period") == "custom" and start and end and start > end:
            self.add_error("end", gettext_lazy("The end lies before the start."))
        return data

    def choice(self, *, latest) -> dict:
        """The valid choices; an invalid field falls back to its default and shows its error."""
        data = self.cleaned_data if self.is_valid() else {}
        period_choice = data.get("period") or "12m"
        end = (data.get("end") if period_choice == "custom" else None) or latest
        return {
            "period": period_for(period_choice, end=end, start=data.get("start")),
            "segment": data.get("segment"),
            "outcome": data.get("outcome") or "nps",
            "driver_type": data.get("driver") or "bad",
        }


@dataclass
class Row:
    driver: drivers.Driver
    touchpoint: object
    quadrant_label: str


def matrix_chart(report: drivers.DriverReport, analysis: drivers.Analysis) -> dict:
    """The spec of the priority matrix (charts type "priority", registered by analytics/drivers.js)."""
    points = []
    for driver in analysis.drivers:
        if driver.performance is None:
            continue
        touchpoint = report.touchpoints[driver.touchpoint_id]
        points.append({
            "code": touchpoint.code, "name": touchpoint.name, "x": round(driver.share, 2),
            "y": round(driver.performance, 1), "low": round(driver.low, 1), "high": round(driver.high, 1),
            "n": driver.n_met, "quadrant": driver.quadrant,
        })  # fmt: skip
    return {
        "type": "priority",
        "points": points,
        "xLine": round(analysis.average_share or 0, 2),
        "yLine": round(analysis.average_performance or 0, 1),
        "xName": _("Importance (share of explained variance, %)"),
        "yName": _("Performance (score 0–100)"),
        "quadrants": {key: str(label) for key, label in QUADRANTS.items()},
        "intervalLabel": _("Interval (95 %)"),
        "countLabel": _("customers"),
    }


def _readings(report) -> list[dict]:
    return [
        {"segment": drivers.segment_label(report, analysis), "text": drivers.reading(report, analysis),
         "public_id": report.segments[analysis.segment_id].public_id if analysis.segment_id else None}
        for analysis in report.analyses
    ]  # fmt: skip


@require_GET
def driver_page(request):
    require(access_for(request.user).can_read)
    form = DriverForm(request.GET)
    choice = form.choice(latest=latest_data_day())
    report = drivers.drivers_compute(**choice)
    analysis = report.analyses[0]
    rows = [
        Row(driver, report.touchpoints[driver.touchpoint_id], QUADRANTS[driver.quadrant]) for driver in analysis.drivers
    ]
    query = request.GET.copy()
    query.pop("segment", None)
    context = {
        "form": form,
        "report": report,
        "analysis": analysis,
        "rows": rows,
        "chart": matrix_chart(report, analysis),
        "readings": _readings(report),
        "segment_label": drivers.segment_label(report, analysis),
        "outcome_label": drivers.outcome_label(report.outcome),
        "query_without_segment": query.urlencode(),
        "r2": None if analysis.r2 is None else [100 * analysis.r2, 100 * analysis.r2_low, 100 * analysis.r2_high],
        "minimum": {"customers": drivers.MIN_CUSTOMERS, "driver": drivers.MIN_DRIVER},
    }
    return render(request, "analytics/drivers.html", context)
