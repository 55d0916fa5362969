"""Handover friction from event logs: every department-to-department transition with its volume, waiting
time, re-contacts after it and the satisfaction of the customers who crossed it (docs/journey-analytics.md).

The department of an event is the department recorded on the event, else the owning department of the
touchpoint its activity is mapped to. A handover A → B is a directly-follows pair of a case whose two events
have known, different departments. Everything is computed in the database from the `Transition` rows
(one per directly-follows pair, with the departments recorded on its two events and the time of the second),
so no event is loaded into Python: one statement computes every figure (FIGURES), whatever the size of the log.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import connection
from django.db.models import BigIntegerField, BooleanField, Count, ExpressionWrapper, F, Func, Q, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from opencxm.accounts.models import Department
from opencxm.analytics.stats import Estimate, nps, nps_difference, share
from opencxm.cases.choices import EventKind
from opencxm.cases.models import CaseEvent
from opencxm.events.models import Activity, Event, Transition
from opencxm.events.selectors import Filters, cases_for
from opencxm.feedback.models import Feedback
from opencxm.touchpoints.choices import ChannelKind
from opencxm.touchpoints.models import Channel

# An inbound contact: the customer got in touch through one of these channel kinds (the event's own channel,
# else the channel of the touchpoint its activity is mapped to).
CONTACT_KINDS = (ChannelKind.HOTLINE, ChannelKind.EMAIL, ChannelKind.CHAT)
DEFAULT_WINDOW_DAYS = 7
MAX_WINDOW_DAYS = 365
DEFAULT_MIN_N = 30  # NPS answers needed in each group (crossed, not crossed) before a handover is ranked


@dataclass(frozen=True)
class HandoverQuery:
    filters: Filters = field(default_factory=Filters)  # which cases (log, period of their start, segment)
    window_days: int = DEFAULT_WINDOW_DAYS
    min_n: int = DEFAULT_MIN_N


@dataclass
class Handover:
    """One department-to-department handover A → B of the selected cases."""

    source: Department
    target: Department
    transitions: int = 0
    cases: int = 0
    median_seconds: float | None = None
    p90_seconds: float | None = None
    recontacted: int = 0  # crossing cases with a contact within the window after the handover
    recontact: Estimate = field(default_factory=lambda: Estimate(None, 0))  # share of crossing cases, %
    crossed: Estimate = field(default_factory=lambda: Estimate(None, 0))  # NPS of the crossing customers
    rest: Estimate = field(default_factory=lambda: Estimate(None, 0))  # NPS of the other customers
    difference: Estimate = field(default_factory=lambda: Estimate(None, 0))  # crossed − rest, points
    case_handovers: int = 0  # closed-loop cases handed over from A to B (cases app) in the period
    rank: int | None = None  # 1 = hurts most; None when the NPS groups are too small to rank
    sufficient: bool = False

    @property
    def key(self) -> str:
        """The handover as the discovery filter names it: `A:B` with the department codes."""
        return f"{self.source.code}:{self.target.code}"

    @property
    def gap(self) -> float | None:
        """NPS points the crossing customers are below the others (positive: the handover hurts)."""
        return None if self.difference.value is None else -self.difference.value

    @property
    def net_promoters_lost(self) -> float | None:
        """How many more net promoters there would be if the crossing customers scored like the others:
        gap / 100 × crossing customers with an answer. The ranking key."""
        return None if self.gap is None else self.gap / 100 * self.crossed.n

    @property
    def significant(self) -> bool:
        """The 95 % interval of the difference lies wholly below zero (the crossing customers are less loyal)."""
        return self.difference.high is not None and self.difference.high < 0

    def as_json(self) -> dict:
        def estimate(value: Estimate) -> dict:
            return {"value": value.value, "low": value.low, "high": value.high, "n": value.n}

        return {
            "from": {"code": self.source.code, "name": self.source.name, "id": str(self.source.public_id)},
            "to": {"code": self.target.code, "name": self.target.name, "id": str(self.target.public_id)},
            "handover": self.key,
            "transitions": self.transitions,
            "cases": self.cases,
            "median_seconds": self.median_seconds,
            "p90_seconds": self.p90_seconds,
            "recontacted_cases": self.recontacted,
            "recontact_rate": estimate(self.recontact),
            "nps_crossed": estimate(self.crossed),
            "nps_rest": estimate(self.rest),
            "nps_difference": estimate(self.difference),
            "net_promoters_lost": self.net_promoters_lost,
            "case_handovers": self.case_handovers,
            "rank": self.rank,
            "sufficient": self.sufficient,
        }


@dataclass
class HandoverReport:
    window_days: int
    min_n: int
    handovers: list = field(default_factory=list)  # [Handover], ranked first, then the rest by volume
    transitions: int = 0  # all directly-follows pairs of the selected cases
    unknown: int = 0  # of those, pairs where one event has no known department
    customers: Estimate = field(default_factory=lambda: Estimate(None, 0))  # NPS of all selected customers

    @property
    def ranked(self) -> list:
        return [item for item in self.handovers if item.rank is not None]

    def as_json(self) -> dict:
        return {
            "window_days": self.window_days,
            "min_n": self.min_n,
            "transitions": self.transitions,
            "transitions_without_department": self.unknown,
            "nps_all": {"value": self.customers.value, "low": self.customers.low, "high": self.customers.high,
                        "n": self.customers.n},
            "handovers": [item.as_json() for item in self.handovers],
        }  # fmt: skip


def handover_report(query: HandoverQuery) -> HandoverReport:
    """Every handover A → B of the cases the filters select, with volume, waits, re-contacts within
    `window_days` and the NPS of crossing against other customers; ranked by net promoters lost where both
    NPS groups have at least `min_n` answers. Three queries: the figures (one statement), the closed-loop
    handovers, the departments."""
    report = HandoverReport(query.window_days, query.min_n)
    figures, inside, everyone = _figures(query, report)
    if not figures:
        return report
    report.customers = nps(*everyone)
    for key, item in figures.items():  # each customer is either crossing (inside) or not (outside)
        outside = tuple(total - part for total, part in zip(everyone, inside[key], strict=True))
        item.crossed, item.rest = nps(*inside[key]), nps(*outside)
        item.difference = nps_difference(inside[key], outside)
    _case_handovers(query.filters, figures)
    departments = Department.objects.in_bulk({d for pair in figures for d in pair})
    for (a, b), item in figures.items():
        item.source, item.target = departments[a], departments[b]
    report.handovers = _ranked(list(figures.values()), query.min_n)
    return report


def _with_departments(transitions):
    return transitions.annotate(
        a=Coalesce("from_department", "from_activity__touchpoint__owner_department"),
        b=Coalesce("to_department", "to_activity__touchpoint__owner_department"),
    )


class EpochMillis(Func):
    """A time as whole milliseconds since 1970, computed natively (SQLite: `julianday`, PostgreSQL: `EXTRACT`).
    Django's own date arithmetic calls a Python function per row on SQLite; this keeps the window check in C."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        template = "CAST(ROUND((julianday(%(expressions)s) - 2440587.5) * 86400000.0) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = "CAST(ROUND(EXTRACT(EPOCH FROM %(expressions)s) * 1000) AS BIGINT)"
        return self.as_sql(compiler, connection, template=template, **extra)


def _contacts(cases):
    """Contact events of the selected cases as (case_id, ms): the event's own channel is a contact channel, or it
    has none and its activity's touchpoint is in one. The IN lists are not correlated: evaluated once. Written as
    one expression (not `channel IN … OR activity IN …`) so SQLite reads the events once instead of walking two
    indexes and looking up every row they list."""
    channels = Channel.objects.filter(kind__in=CONTACT_KINDS).values("id")
    activities = Activity.objects.filter(touchpoint__channel__kind__in=CONTACT_KINDS).values("id")
    contact = Coalesce(
        ExpressionWrapper(Q(channel_id__in=channels), output_field=BooleanField()),
        ExpressionWrapper(Q(activity_id__in=activities), output_field=BooleanField()),
    )
    events = Event.objects.filter(case__in=cases).alias(contact=contact).filter(contact=True)
    return events.annotate(ms=EpochMillis("timestamp")).values("case_id", "ms").order_by()


# All figures of the report in one statement, so the steps of the selected cases (departments resolved through
# the activities' touchpoints), their contact events and the customers' latest answers are each computed once
# (materialised) instead of once per figure:
#   x: every step of the selected cases (a, b: departments, NULL where unknown), its wait and its customer;
#   e: the contact events of those cases: materialised on SQLite (computed once, then looked up through an
#      automatic index on the case; inlined, SQLite searched every step's events), inlined on PostgreSQL (the
#      planner then sees the events' statistics; as a CTE it guessed 16M joined rows and spent 1.2 s of the
#      demo's 1.9 s JIT-compiling the plan);
#   s: each customer's latest NPS answer;
#   h: per handover and crossing case, whether a contact followed one of its A → B steps within the window
#      (edge included): a join on the case (a hash join on PostgreSQL, an automatic index on SQLite), no
#      correlated EXISTS (PostgreSQL spent seconds JIT-compiling one);
#   NPS groups: distinct customers in non-correlated IN sets over s (never a plan pairing rows with answers).
# Rows (the first one types the columns for PostgreSQL): ('t', NULL, NULL, steps, without department);
# ('c', NULL, NULL, promoters, detractors, answers) over all customers of the selected cases; ('h', a, b, cases,
# re-contacted cases, promoters, detractors, answers) per handover; ('w', a, b, steps, rank, seconds) for the ranks
# the median and 90th percentile need (numpy's linear method).
FIGURES = """
WITH x AS MATERIALIZED ({steps}),
e AS {contacts_cte} ({contacts}),
s AS MATERIALIZED ({scores}),
h AS (
  SELECT x.a, x.b, x.case_id, x.who,
    MAX(CASE WHEN e.case_id IS NULL THEN 0 ELSE 1 END) AS hit
  FROM x LEFT JOIN e ON e.case_id = x.case_id AND e.ms > x.since AND e.ms <= x.since + %s
  WHERE x.a <> x.b
  GROUP BY x.a, x.b, x.case_id, x.who
)
SELECT 't', CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), COUNT(*),
  CAST(SUM(CASE WHEN x.a IS NULL OR x.b IS NULL THEN 1 ELSE 0 END) AS BIGINT), CAST(NULL AS BIGINT),
  CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS DOUBLE PRECISION)
FROM x
UNION ALL
SELECT 'c', NULL, NULL,
  COUNT(DISTINCT CASE WHEN c.who IN (SELECT customer_id FROM s WHERE s.nps >= 9) THEN c.who END),
  COUNT(DISTINCT CASE WHEN c.who IN (SELECT customer_id FROM s WHERE s.nps <= 6) THEN c.who END),
  COUNT(DISTINCT CASE WHEN c.who IN (SELECT customer_id FROM s) THEN c.who END), NULL, NULL, NULL
FROM ({customers}) c
UNION ALL
SELECT 'h', h.a, h.b, COUNT(*), CAST(SUM(h.hit) AS BIGINT),
  COUNT(DISTINCT CASE WHEN h.who IN (SELECT customer_id FROM s WHERE s.nps >= 9) THEN h.who END),
  COUNT(DISTINCT CASE WHEN h.who IN (SELECT customer_id FROM s WHERE s.nps <= 6) THEN h.who END),
  COUNT(DISTINCT CASE WHEN h.who IN (SELECT customer_id FROM s) THEN h.who END), NULL
FROM h GROUP BY h.a, h.b
UNION ALL
SELECT 'w', r.a, r.b, r.n, r.r, NULL, NULL, NULL, r.s FROM (
  SELECT x.a, x.b, x.seconds AS s, ROW_NUMBER() OVER (PARTITION BY x.a, x.b ORDER BY x.seconds) - 1 AS r,
    COUNT(*) OVER (PARTITION BY x.a, x.b) AS n
  FROM x WHERE x.a <> x.b
) r
WHERE r.r IN ((r.n - 1) / 2, r.n / 2, (9 * (r.n - 1)) / 10, (9 * (r.n - 1) + 9) / 10)
"""


def _figures(query: HandoverQuery, report: HandoverReport) -> tuple[dict, dict, tuple]:
    """Runs FIGURES: sets the report's step totals; returns the handovers by (A, B) with volumes, re-contacts and
    waits, the tally (promoters, detractors, answers) of each one's crossing customers, and that of all
    customers."""
    cases = cases_for(query.filters)
    steps = _with_departments(Transition.objects.filter(case__in=cases)).annotate(
        since=EpochMillis("at"), who=F("case__customer_id")
    )
    parts = {
        "steps": steps.values("a", "b", "case_id", "seconds", "since", "who").order_by(),
        "contacts": _contacts(cases),
        "scores": _latest_scores(query),
        "customers": cases.filter(customer__isnull=False).annotate(who=F("customer_id")).values("who").distinct(),
    }
    sql = {name: part.order_by().query.sql_with_params() for name, part in parts.items()}
    params = (*sql["steps"][1], *sql["contacts"][1], *sql["scores"][1], query.window_days * 86_400_000,
              *sql["customers"][1])  # fmt: skip
    figures: dict[tuple, Handover] = {}
    inside: dict[tuple, tuple] = {}
    ranked: dict[tuple, dict] = defaultdict(dict)
    everyone = (0, 0, 0)
    with connection.cursor() as cursor:
        contacts_cte = "MATERIALIZED" if connection.vendor == "sqlite" else "NOT MATERIALIZED"
        cursor.execute(FIGURES.format(contacts_cte=contacts_cte, **{name: text for name, (text, _) in sql.items()}),
                       params)  # fmt: skip
        for kind, a, b, *values, seconds in cursor.fetchall():
            if kind == "t":
                report.transitions, report.unknown = values[0], values[1] or 0
            elif kind == "c":
                everyone = tuple(values[:3])
            elif kind == "h":
                crossing, again, *tally = values
                figures[(a, b)] = Handover(None, None, cases=crossing, recontacted=again,
                                           recontact=share(again, crossing))  # fmt: skip
                inside[(a, b)] = tuple(tally)
            else:
                ranked[(a, b, values[0])][values[1]] = seconds
    for (a, b, n), values in ranked.items():
        item = figures[(a, b)]
        item.transitions = n
        item.median_seconds, item.p90_seconds = _quantile(values, n, 0.5), _quantile(values, n, 0.9)
    return figures, inside, everyone


def _quantile(at_rank: dict, total: int, q: float) -> float:
    rank = q * (total - 1)
    low = int(rank)
    high = min(low + 1, total - 1) if rank > low else low
    return at_rank[low] + (at_rank[high] - at_rank[low]) * (rank - low)


def _latest_scores(query: HandoverQuery):
    """Per customer their latest NPS answer (0–10), as rows (customer_id, nps): from the period's first day on, up
    to its last day plus the window (feedback follows the journey). Ranked once in the database."""
    answers = Feedback.objects.filter(nps__isnull=False, customer__isnull=False)
    if query.filters.start:
        answers = answers.filter(responded_at__gte=_day_start(query.filters.start))
    if query.filters.end:
        answers = answers.filter(responded_at__lt=_day_start(query.filters.end) + timedelta(days=1 + query.window_days))
    order = [F("responded_at").desc(), F("id").desc()]
    latest = answers.annotate(r=Window(RowNumber(), partition_by=[F("customer_id")], order_by=order)).filter(r=1)
    return latest.values("customer_id", "nps").order_by()


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _case_handovers(filters: Filters, figures: dict) -> None:
    """Closed-loop cases (cases app) handed over from A to B, within the period when one is chosen."""
    events = CaseEvent.objects.filter(kind=EventKind.HANDED_OVER, from_department__isnull=False)
    if filters.start:
        events = events.filter(at__gte=_day_start(filters.start))
    if filters.end:
        events = events.filter(at__lt=_day_start(filters.end) + timedelta(days=1))
    rows = events.values("from_department_id", "department_id").annotate(n=Count("case", distinct=True)).order_by()
    for row in rows:
        item = figures.get((row["from_department_id"], row["department_id"]))
        if item is not None:
            item.case_handovers = row["n"]


def _ranked(items: list[Handover], min_n: int) -> list[Handover]:
    """Ranked by net promoters lost where both NPS groups have at least `min_n` answers; the others follow,
    by crossing cases."""
    for item in items:
        item.sufficient = item.crossed.n >= min_n and item.rest.n >= min_n and item.difference.value is not None
    ranked = sorted((i for i in items if i.sufficient),
                    key=lambda i: (-i.net_promoters_lost, -i.cases, i.source.name, i.target.name))  # fmt: skip
    for position, item in enumerate(ranked, start=1):
        item.rank = position
    rest = sorted((i for i in items if not i.sufficient), key=lambda i: (-i.cases, i.source.name, i.target.name))
    return ranked + rest
