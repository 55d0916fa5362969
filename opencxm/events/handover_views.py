"""Page: handover friction between departments, from the event logs (opencxm/events/handovers.py)."""

from urllib.parse import urlencode

from django import forms
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from opencxm.core.permissions import access_for, require
from opencxm.events import selectors
from opencxm.events.handovers import (
    DEFAULT_MIN_N,
    DEFAULT_WINDOW_DAYS,
    MAX_WINDOW_DAYS,
    HandoverQuery,
    handover_report,
)

CHART_BARS = 10


class HandoverForm(forms.Form):
    log = forms.ChoiceField(label=gettext_lazy("Log"), required=False)
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    window = forms.IntegerField(
        label=gettext_lazy("Re-contact window (days)"), min_value=1, max_value=MAX_WINDOW_DAYS, required=False,
        initial=DEFAULT_WINDOW_DAYS,
    )  # fmt: skip
    min_n = forms.IntegerField(
        label=gettext_lazy("Answers needed per group"), min_value=1, max_value=100000, required=False,
        initial=DEFAULT_MIN_N,
    )  # fmt: skip

    def __init__(self, *args, logs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["log"].choices = [("", _("All"))] + [(str(log.public_id), log.name) for log in logs]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the period lies before its start."))
        return data

    def query(self) -> HandoverQuery:
        data = self.cleaned_data
        filters = selectors.Filters(log=data["log"] or "", start=data["start"], end=data["end"])
        return HandoverQuery(filters, data["window"] or DEFAULT_WINDOW_DAYS, data["min_n"] or DEFAULT_MIN_N)


@require_GET
def handovers(request):
    """Every department-to-department handover of the selected cases, the ones that hurt most first."""
    require(access_for(request.user).can_read)
    form = HandoverForm(request.GET or None, logs=list(selectors.log_list()))
    if form.is_bound and not form.is_valid():
        return render(request, "events/handovers.html", {"form": form, "report": None}, status=400)
    query = form.query() if form.is_bound else HandoverQuery()
    report = handover_report(query)
    rows = [_row(item, query) for item in report.handovers]
    context = {"form": form, "report": report, "rows": rows, "chart": _chart(rows), "query": query}
    return render(request, "events/handovers.html", context)


def _row(item, query: HandoverQuery) -> dict:
    return {
        "item": item,
        "median": human_duration(item.median_seconds),
        "p90": human_duration(item.p90_seconds),
        "discover": discover_url(item, query),
        "source_url": reverse("analytics:department", args=[item.source.public_id]),
        "target_url": reverse("analytics:department", args=[item.target.public_id]),
    }


def human_duration(seconds: float | None) -> str:
    """12 min, 3.5 h, 7 d: the unit that keeps the number short, in the user's number format."""
    if seconds is None:
        return "–"
    for limit, size, template in ((3600, 60, _("%(n)s min")), (86400, 3600, _("%(n)s h")), (None, 86400, _("%(n)s d"))):
        if limit is None or seconds < limit:
            value = seconds / size
            decimals = 1 if value < 10 and round(value, 1) != round(value) else 0
            return template % {"n": number_format(round(value, decimals), decimal_pos=decimals)}
    return "–"


def discover_url(item, query: HandoverQuery) -> str:
    """Discovery of the same cases narrowed to those that cross this handover."""
    filters = query.filters
    params = {"log": filters.log, "start": filters.start or "", "end": filters.end or "",
              "handover_from": item.source.code, "handover_to": item.target.code}  # fmt: skip
    return reverse("events:discover") + "?" + urlencode({k: v for k, v in params.items() if v})


def _chart(rows: list[dict]) -> dict | None:
    """Bars of net promoters lost for the ranked handovers that hurt (positive), most first."""
    hurting = [row for row in rows if row["item"].rank is not None and row["item"].net_promoters_lost > 0]
    hurting = hurting[:CHART_BARS]
    if not hurting:
        return None
    return {
        "type": "handover-bars",
        "labels": [f"{row['item'].source.name} → {row['item'].target.name}" for row in hurting],
        "values": [round(row["item"].net_promoters_lost, 1) for row in hurting],
        "valueLabel": _("Net promoters lost"),
        "counts": [row["item"].crossed.n for row in hurting],
        "countLabel": _("crossing customers with an NPS answer"),
        "links": [row["discover"] for row in hurting],
    }  # fmt: skip
