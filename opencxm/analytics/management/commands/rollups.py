"""`opencxm rollups rebuild [--no-resume]` recomputes every rollup from the feedback (resumable);
`opencxm rollups verify [--sample N]` recomputes a sample of days from the raw feedback and compares (the
rollups and the key drivers' side table, DriverDay)."""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import BooleanField, ExpressionWrapper, Max, Min, Q

from opencxm.analytics.metrics import FEEDBACK_SUMS
from opencxm.analytics.models import FeedbackRollup, FeedbackRollupMonth
from opencxm.analytics.rollups import local_day, local_zone, next_month, rollup_rebuild

KEY = ("source_id", "touchpoint_id", "channel_id", "segment_id", "kind")


class Command(BaseCommand):
    help = "Rebuild the feedback rollups from the raw feedback, or verify a sample of days against it."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        rebuild = actions.add_parser("rebuild", help="recompute every rollup (resumes an interrupted rebuild)")
        rebuild.add_argument("--no-resume", action="store_true", help="start from the first day again")
        verify = actions.add_parser("verify", help="compare a sample of days with the raw feedback")
        verify.add_argument("--sample", type=int, default=31, help="number of days to check (default 31)")
        verify.add_argument("--seed", type=int, default=None, help="random seed for the sample")

    def handle(self, *args, action, **options):
        if action == "rebuild":
            written = rollup_rebuild(resume=not options["no_resume"], log=self.stdout.write)
            self.stdout.write(self.style.SUCCESS(f"Rollups rebuilt: {written} rows"))
            return
        days = sample_days(options["sample"], random.Random(options["seed"]))
        differences = [line for day in days for line in compare_day(day) + compare_driver_day(day)]
        months = sorted({day.replace(day=1) for day in days})
        differences += [line for month in months for line in compare_month(month)]
        if differences:
            for line in differences:
                self.stdout.write(line)
            raise CommandError(f"{len(differences)} rollup slices differ from the raw feedback")
        self.stdout.write(
            self.style.SUCCESS(f"OK: {len(days)} days match the raw feedback, {len(months)} months their days")
        )


def sample_days(size: int, rng: random.Random) -> list[date]:
    """The first and last day with feedback or rollups and a random sample of the days between."""
    from opencxm.feedback.models import Feedback

    bounds = Feedback.objects.aggregate(first=Min("responded_at"), last=Max("responded_at"))
    stored = FeedbackRollup.objects.aggregate(first=Min("day"), last=Max("day"))
    ends = [local_day(moment) for moment in bounds.values() if moment] + [day for day in stored.values() if day]
    if not ends:
        return []
    first, last = min(ends), max(ends)
    span = (last - first).days + 1
    if span <= size:
        return [first + timedelta(days=offset) for offset in range(span)]
    middle = rng.sample(range(1, span - 1), max(size - 2, 0))
    return sorted({first, last, *(first + timedelta(days=offset) for offset in middle)})


def compare_day(day: date) -> list[str]:
    """One line per rollup slice of the day whose stored sums differ from the raw feedback."""
    stored = {tuple(row[name] for name in KEY): row for row in FeedbackRollup.objects.filter(day=day).values()}
    raw = raw_sums(day)
    lines, zero = [], dict.fromkeys(FEEDBACK_SUMS, 0)
    for key in sorted(set(stored) | set(raw), key=str):
        expected, actual = raw.get(key, zero), stored.get(key, zero)
        changed = {
            name: (actual[name], expected[name]) for name in FEEDBACK_SUMS if abs(actual[name] - expected[name]) > 1e-6
        }
        if changed:
            slice_text = " ".join(f"{name.removesuffix('_id')}={value}" for name, value in zip(KEY, key, strict=True))
            details = ", ".join(f"{name} stored {a} raw {b}" for name, (a, b) in changed.items())
            lines.append(f"{day} {slice_text}: {details}")
    return lines


def compare_month(month: date) -> list[str]:
    """One line per monthly slice whose stored sums differ from its daily rows added up."""
    stored = {tuple(row[name] for name in KEY): row for row in FeedbackRollupMonth.objects.filter(month=month).values()}
    added = defaultdict(lambda: dict.fromkeys(FEEDBACK_SUMS, 0))
    for row in FeedbackRollup.objects.filter(day__gte=month, day__lt=next_month(month)).values():
        target = added[tuple(row[name] for name in KEY)]
        for name in FEEDBACK_SUMS:
            target[name] += row[name]
    lines, zero = [], dict.fromkeys(FEEDBACK_SUMS, 0)
    for key in sorted(set(stored) | set(added), key=str):
        expected, actual = added.get(key, zero), stored.get(key, zero)
        changed = [name for name in FEEDBACK_SUMS if abs(actual[name] - expected[name]) > 1e-6]
        if changed:
            slice_text = " ".join(f"{name.removesuffix('_id')}={value}" for name, value in zip(KEY, key, strict=True))
            details = ", ".join(f"{name} stored {actual[name]} days {expected[name]}" for name in changed)
            lines.append(f"{month:%Y-%m} {slice_text}: {details}")
    return lines


def raw_sums(day: date) -> dict:
    """The rollup sums of one local day computed in Python from the feedback rows (independent of the SQL)."""
    from opencxm.feedback.models import Feedback

    zone = local_zone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    rows = (
        Feedback.objects.filter(responded_at__gte=start, responded_at__lt=end)
        .annotate(has_comment=ExpressionWrapper(~Q(comment=""), output_field=BooleanField()))
        .values_list(*KEY, "nps", "csat", "ces", "has_comment")
    )
    sums = defaultdict(lambda: dict.fromkeys(FEEDBACK_SUMS, 0))
    for *key, nps, csat, ces, has_comment in rows:
        _add(sums[tuple(key)], nps, csat, ces, has_comment)
    return dict(sums)


def _add(target: dict, nps, csat, ces, has_comment) -> None:
    target["records"] += 1
    target["comments"] += bool(has_comment)
    if nps is not None:
        target["nps_n"] += 1
        target["nps_promoters"] += nps >= 9
        target["nps_detractors"] += nps <= 6
    if csat is not None:
        target["csat_n"] += 1
        target["csat_sum"] += csat
        target["csat_sumsq"] += csat * csat
        target["csat_top2"] += csat >= 4
    if ces is not None:
        target["ces_n"] += 1
        target["ces_sum"] += ces
        target["ces_sumsq"] += ces * ces


def compare_driver_day(day: date) -> list[str]:
    """One line per source whose stored key-driver answers of the day (DriverDay) differ from the raw feedback,
    computed here in Python (independent of the SQL that writes them)."""
    from opencxm.analytics.drivers import unpack_answers
    from opencxm.analytics.models import DriverDay
    from opencxm.feedback.models import Feedback

    zone = local_zone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    raw = defaultdict(list)
    rows = Feedback.objects.filter(responded_at__gte=start, responded_at__lt=end, customer__isnull=False)
    for source_id, customer_id, touchpoint_id, kind, nps, csat in rows.values_list(
        "source_id", "customer_id", "touchpoint_id", "kind", "nps", "csat"
    ):
        if touchpoint_id is None:
            if kind != "response" or nps is None:
                continue
            value, bad = nps, nps <= 6
        else:
            value = (csat - 1) * 25 if csat is not None else nps * 10 if nps is not None else -1
            bad = (
                kind == "complaint"
                or (csat is not None and csat <= 2)
                or (csat is None and nps is not None and nps <= 6)
            )
        raw[source_id].append((customer_id, -1 if touchpoint_id is None else touchpoint_id, (value + 1) * 2 + bad))
    stored = {}
    for source_id, answers, data in DriverDay.objects.filter(day=day).values_list("source_id", "answers", "data"):
        columns = unpack_answers([(answers, data)])
        stored[source_id] = sorted(zip(*(column.tolist() for column in columns), strict=True))
    lines = []
    for source_id in sorted(set(raw) | set(stored)):
        expected, actual = sorted(raw.get(source_id, [])), stored.get(source_id, [])
        if expected != actual:
            lines.append(f"{day} key-driver answers source={source_id}: stored {len(actual)} raw {len(expected)}")
    return lines
