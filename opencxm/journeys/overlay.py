"""Designed against actual on the journey map: the event-log figures of `opencxm.events.conformance`, placed on
the map's columns (one per step), and the same figures as API JSON."""

from dataclasses import dataclass

from opencxm.events.conformance import Conformance, StepFigures, has_cases, journey_conformance
from opencxm.events.models import EventLog
from opencxm.events.selectors import Filters
from opencxm.journeys.forms import ConformanceForm
from opencxm.journeys.selectors import JourneyMap


@dataclass(frozen=True)
class Share:
    """A number of cases and its share of the relevant cases: `bar` 0..100 for a <progress>, `label` to read."""

    cases: int
    bar: int
    label: str


def share_of(n: int, total: int) -> Share:
    if not total:
        return Share(n, 0, "–")
    percent = 100 * n / total
    if 0 < percent < 1:
        label = "<1 %"
    elif 99 < percent < 100:
        label = ">99 %"
    else:
        label = f"{int(percent + 0.5)} %"  # half up, as people round (12.5 -> 13)
    return Share(n, int(percent + 0.5), label)


@dataclass
class StepShare:
    """One step's figures as shares of the relevant cases."""

    figures: StepFigures
    reached: Share
    skipped: Share
    left: Share
    returned: Share
    final: bool


@dataclass
class Overlay:
    result: Conformance
    lane: list  # [(MapColumn, StepShare | None)] aligned with the map's columns
    added: list  # [{"touchpoint", "cases", "share", "after": [{"step": JourneyStep | None, "cases"}]}]
    form: ConformanceForm

    @property
    def follows(self) -> Share:
        return share_of(self.result.follows, self.result.relevant)

    @property
    def stats(self) -> dict:
        result = self.result
        return {name: share_of(getattr(result, name), result.relevant)
                for name in ("skipping", "adding", "returning", "left_early")}  # fmt: skip


def conformance_form(data) -> ConformanceForm:
    return ConformanceForm(data or None, logs=EventLog.objects.order_by("name"))


def filters_from(form: ConformanceForm) -> Filters | None:
    """The filters the form selects; None when the form is not valid (the page shows its errors)."""
    if not form.is_bound:
        return Filters()
    if not form.is_valid():
        return None
    data = form.cleaned_data
    return Filters(log=data["log"] or "", start=data["start"], end=data["end"])


def journey_overlay(journey_map: JourneyMap, form: ConformanceForm) -> Overlay | None:
    """The overlay for the map, or None when there is nothing to compare (no steps, no event data, bad form)."""
    filters = filters_from(form)
    if not journey_map.steps or filters is None:
        return None
    result = journey_conformance(design=[step.touchpoint_id for step in journey_map.steps], filters=filters)
    shares = dict(zip((step.pk for step in journey_map.steps), _step_shares(result), strict=True))
    lane = [(column, shares.get(column.step.pk) if column.step else None) for column in journey_map.columns]
    return Overlay(result, lane, _added(result, journey_map.steps), form)


def overlay_available(journey_map: JourneyMap) -> bool:
    return bool(journey_map.steps) and has_cases()


def _step_shares(result: Conformance) -> list[StepShare]:
    final = len(result.steps) - 1
    total = result.relevant
    return [
        StepShare(figures, share_of(figures.reached, total), share_of(figures.skipped, total),
                  share_of(figures.left, total), share_of(figures.returned, total), figures.index == final)
        for figures in result.steps
    ]  # fmt: skip


def _added(result: Conformance, steps: list) -> list[dict]:
    return [
        {
            "touchpoint": entry["touchpoint"],
            "cases": entry["cases"],
            "share": share_of(entry["cases"], result.relevant),
            "after": [{"step": None if index is None else steps[index], "cases": n} for index, n in entry["after"]],
        }
        for entry in result.added
    ]


def overlay_json(journey, journey_map: JourneyMap, result: Conformance) -> dict:
    """The API's answer: counts of cases (shares are counts / relevant)."""
    steps = journey_map.steps
    return {
        "journey": journey.public_id,
        "cases": result.cases,
        "relevant": result.relevant,
        "follows": result.follows,
        "follows_share": result.share(result.follows),
        "skipping": result.skipping,
        "adding": result.adding,
        "returning": result.returning,
        "left_early": result.left_early,
        "steps": [
            {"step": step.public_id, "touchpoint": step.touchpoint.code, "reached": figures.reached,
             "skipped": figures.skipped, "left": figures.left, "returned": figures.returned}
            for step, figures in zip(steps, result.steps, strict=True)
        ],
        "added": [
            {"touchpoint": entry["touchpoint"].code, "name": entry["touchpoint"].name, "cases": entry["cases"],
             "after": [{"step": None if index is None else steps[index].public_id, "cases": n}
                       for index, n in entry["after"]]}
            for entry in result.added
        ],
        "unmapped": [{"activity": entry["name"], "cases": entry["cases"]} for entry in result.unmapped],
    }  # fmt: skip
