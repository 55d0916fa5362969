"""Key drivers: which touchpoints move a customer's overall rating (issue 6, item 5; method in docs/key-drivers.md).

The unit is the (pseudonymous) customer. The outcome is the customer's relationship rating in the period (their
NPS answers without a touchpoint, or whether they were a detractor); the drivers are, per touchpoint, either
"had a bad experience there" (0/1; a customer who never met the touchpoint simply had none, no imputation)
or the customer's mean satisfaction there on 0..100 (mean-imputed where they did not meet it).

Importance is Johnson's relative weights (2000): the R² of the linear model split over the drivers, a close and
fast stand-in for the Shapley (LMG) decomposition. Intervals come from a bootstrap over customers with a fixed
seed, resampling random groups of customers and recombining their sufficient statistics (cross-product
matrices), so 1,000,000 responses cost one pass over the data, not one per replicate.

The engine (relative weights, bootstrap, matrices, quadrants) is plain numpy and needs no database; the selector
`drivers_compute` reads the period's answers with one query (one `StringAgg` string), aggregates them per
customer × touchpoint in numpy and runs the engine for all customers and each segment; `reading` words the result.
"""

import ctypes
import hashlib
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import numpy as np
from django.db.models import Func, TextField

MIN_CUSTOMERS = 30  # customers with an outcome needed before a segment is analysed
MIN_DRIVER = 10  # customers with a bad experience (or who met the touchpoint) needed for a driver
GROUPS = 200  # random customer groups the bootstrap resamples
REPLICATES = 500
SEED = 6005
OUTCOMES = ("nps", "detractor")
ENGINE = ("relative-weights", 1, MIN_CUSTOMERS, MIN_DRIVER, GROUPS, REPLICATES, SEED)  # part of the cache key
CACHE_SECONDS = 24 * 3600
DRIVER_TYPES = ("bad", "score")

# Columns of the aggregated rows: customer, customer's segment (-1: none), touchpoint (-1: the relationship
# outcome), count and sum of the value (outcome rows: NPS rating; touchpoint rows: satisfaction 0..100),
# count of "bad" answers (outcome rows: detractor answers; touchpoint rows: bad experiences and complaints).
CUSTOMER, SEGMENT, TOUCHPOINT, VALUES, TOTAL, BAD = range(6)


# -- BLAS threads ---------------------------------------------------------------------------------------------

_BLAS_LOCK = threading.Lock()
_BLAS = {"users": 0, "saved": None, "library": None}


def _openblas():
    """numpy's OpenBLAS as (get, set) of its thread count, or None (another BLAS, not Linux, not loaded)."""
    if _BLAS["library"] is None:
        _BLAS["library"] = False
        try:
            with open("/proc/self/maps") as maps:
                paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and ".so" in line}
            for path in sorted(paths):
                library = ctypes.CDLL(path)
                for prefix in ("scipy_openblas", "openblas"):
                    for suffix in ("64_", ""):
                        getter = getattr(library, f"{prefix}_get_num_threads{suffix}", None)
                        setter = getattr(library, f"{prefix}_set_num_threads{suffix}", None)
                        if getter and setter:
                            _BLAS["library"] = (getter, setter)
                            return _BLAS["library"]
        except OSError:
            pass
    return _BLAS["library"] or None


@contextmanager
def single_threaded_blas():
    """Run numpy's BLAS/LAPACK on one thread inside the block (restored afterwards; nested and concurrent uses
    share one setting). The analysis makes many small products and eigen-decompositions (31 × 31): OpenBLAS's
    worker threads cost more than they bring there, and on a busy machine their spinning doubles the CPU time."""
    blas = _openblas()
    if blas is None:
        yield
        return
    getter, setter = blas
    with _BLAS_LOCK:
        if _BLAS["users"] == 0:
            _BLAS["saved"] = getter()
            setter(1)
        _BLAS["users"] += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS["users"] -= 1
            if _BLAS["users"] == 0:
                setter(_BLAS["saved"])


# -- pure numpy: relative weights and their bootstrap ---------------------------------------------------------


def relative_weights(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Johnson's relative weights from covariance matrices with the outcome last: (weights, R²).

    Works on one matrix (q × q) or a stack (..., q, q). The weights are ≥ 0 and sum to R². A driver without
    variance gets weight 0; collinear drivers share theirs (pseudo-inverse square root).
    """
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=-2, axis2=-1), 0, None))
    safe = np.where(sd > 1e-12, sd, np.inf)
    corr = cov / (safe[..., :, None] * safe[..., None, :])
    p = cov.shape[-1] - 1
    rxx = corr[..., :p, :p].copy()
    rxx[..., np.arange(p), np.arange(p)] = 1.0
    rxy = corr[..., :p, p]
    eigenvalues, vectors = np.linalg.eigh(rxx)
    root = np.sqrt(np.clip(eigenvalues, 0, None))
    inverse_root = np.where(root > 1e-6, 1 / np.where(root > 1e-6, root, 1), 0.0)
    loadings = (vectors * root[..., None, :]) @ np.swapaxes(vectors, -1, -2)  # R^(1/2)
    beta = (vectors * inverse_root[..., None, :]) @ (np.swapaxes(vectors, -1, -2) @ rxy[..., None])
    beta = beta[..., 0]
    weights = (loadings**2) @ (beta**2)[..., None]
    return weights[..., 0], (beta**2).sum(axis=-1)


def _group_moments(z: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts, sums and cross-product matrices of `groups` consecutive, nearly equal blocks of the rows of z
    (the rows must already be in random order, so the blocks are random groups of customers)."""
    bounds = np.linspace(0, len(z), groups + 1).astype(int)
    counts = np.diff(bounds).astype(float)
    sums = np.add.reduceat(z, bounds[:-1], axis=0)
    products = np.stack([z[a:b].T @ z[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)])
    return counts, sums, products


def _covariances(weights, counts, sums, products) -> np.ndarray:
    """Covariance matrices (population) of the data reweighted by group weights (one row of weights each)."""
    n = weights @ counts
    mean = (weights @ sums) / n[:, None]
    q = sums.shape[1]
    second = (weights @ products.reshape(len(counts), q * q)).reshape(-1, q, q) / n[:, None, None]
    return second - mean[:, :, None] * mean[:, None, :]


@dataclass(frozen=True)
class Importance:
    """Relative weights of the drivers (columns) with bootstrap percentile intervals."""

    raw: np.ndarray  # share of the outcome's variance, sums to r2
    share: np.ndarray  # % of r2, sums to 100
    share_low: np.ndarray
    share_high: np.ndarray
    r2: float
    r2_low: float
    r2_high: float
    correlation: np.ndarray  # simple correlation of each driver with the outcome (its direction)


def importance(
    x: np.ndarray, y: np.ndarray, *, replicates=REPLICATES, groups=GROUPS, seed=SEED, shuffled=False
) -> Importance:
    """Relative weights of the columns of x for y, with 95 % intervals from the grouped bootstrap.

    `shuffled`: the rows are already in random order (saves a copy of the data; the selector shuffles the
    small boolean matrices instead)."""
    rng = np.random.default_rng(seed)
    z = np.column_stack([x, y]).astype(float)
    if not shuffled:
        z = z[rng.permutation(len(z))]
    z -= z.mean(axis=0)  # shift-invariant; keeps the cross products small
    groups = max(1, min(groups, len(z)))
    counts, sums, products = _group_moments(z, groups)
    everything = np.ones((1, groups))
    draws = rng.multinomial(groups, np.full(groups, 1 / groups), size=replicates).astype(float)
    covariances = _covariances(np.vstack([everything, draws]), counts, sums, products)
    weights, r2 = relative_weights(covariances)
    shares = 100 * weights / np.where(r2 > 0, r2, np.inf)[:, None]
    low, high = np.percentile(shares[1:], [2.5, 97.5], axis=0)
    r2_low, r2_high = np.percentile(r2[1:], [2.5, 97.5])
    full = covariances[0]
    sd = np.sqrt(np.diagonal(full))
    correlation = full[:-1, -1] / np.where(sd[:-1] * sd[-1] > 0, sd[:-1] * sd[-1], np.inf)
    return Importance(weights[0], shares[0], low, high, float(r2[0]), float(r2_low), float(r2_high), correlation)


# -- from aggregated rows to customer × touchpoint matrices ---------------------------------------------------


@dataclass(frozen=True)
class Matrices:
    """The analysis data of one selection: one row per customer with an outcome, one column per touchpoint."""

    touchpoints: np.ndarray  # touchpoint ids (columns)
    segments: np.ndarray  # segment id per customer (-1: none)
    y: np.ndarray
    met: np.ndarray  # bool, customer × touchpoint: gave feedback there in the period
    bad: np.ndarray  # bool: had a bad experience there (bad answer or complaint)
    score: np.ndarray  # mean satisfaction 0..100 there (nan where not rated)
    performance: dict  # segment id (None: all) -> touchpoint score 0..100 per column (all customers)


def matrices_from_rows(rows: np.ndarray, outcome: str) -> Matrices:
    """Turn the aggregated rows (see the column constants) into the customer × touchpoint matrices."""
    is_outcome = (rows[:, TOUCHPOINT] < 0) & (rows[:, VALUES] > 0)
    outcome_rows = rows[is_outcome]
    driver_rows = rows[rows[:, TOUCHPOINT] >= 0]
    customers = outcome_rows[:, CUSTOMER]
    order = np.argsort(customers)
    customers, outcome_rows = customers[order], outcome_rows[order]
    if outcome == "detractor":
        y = outcome_rows[:, BAD] / outcome_rows[:, VALUES]
    else:
        y = outcome_rows[:, TOTAL] / outcome_rows[:, VALUES]
    touchpoints, column = np.unique(driver_rows[:, TOUCHPOINT], return_inverse=True)
    shape = (len(customers), len(touchpoints))
    position = np.searchsorted(customers, driver_rows[:, CUSTOMER])
    position = np.minimum(position, max(len(customers) - 1, 0))
    known = (customers[position] == driver_rows[:, CUSTOMER]) if len(customers) else np.zeros(len(position), bool)
    row, col, kept = position[known], column[known], driver_rows[known]
    met = np.zeros(shape, bool)
    met[row, col] = True
    bad = np.zeros(shape, bool)
    bad[row, col] = kept[:, BAD] > 0
    score = np.full(shape, np.nan)
    rated = kept[:, VALUES] > 0
    score[row[rated], col[rated]] = kept[rated, TOTAL] / kept[rated, VALUES]
    performance = _performance(driver_rows, column, len(touchpoints))
    return Matrices(touchpoints.astype(int), outcome_rows[:, SEGMENT].astype(int), y, met, bad, score, performance)


def _performance(driver_rows, column, width) -> dict:
    """Mean satisfaction 0..100 per touchpoint over every rated answer in the selection, overall and per segment."""

    def mean_for(mask):
        answers = np.bincount(column[mask], driver_rows[mask, VALUES], minlength=width)
        total = np.bincount(column[mask], driver_rows[mask, TOTAL], minlength=width)
        return np.where(answers > 0, total / np.where(answers > 0, answers, 1), np.nan)

    result = {None: mean_for(np.ones(len(driver_rows), bool))}
    for segment in np.unique(driver_rows[:, SEGMENT]).astype(int):
        if segment >= 0:
            result[segment] = mean_for(driver_rows[:, SEGMENT] == segment)
    return result


# -- one segment's analysis -----------------------------------------------------------------------------------

FIX, KEEP, MONITOR, SURPLUS = "fix", "keep", "monitor", "surplus"


@dataclass
class Driver:
    touchpoint_id: int
    share: float  # % of the explained variance
    low: float
    high: float
    raw: float  # share of the outcome's variance
    n_met: int  # customers in the analysis who gave feedback at the touchpoint
    n_bad: int  # ... who had a bad experience there
    performance: float | None  # touchpoint score 0..100
    effect: float  # bad: outcome difference bad vs. not; score: correlation with the outcome
    expected_direction: bool  # a bad experience goes with a worse outcome (a better score with a better one)
    quadrant: str = MONITOR


@dataclass
class Analysis:
    segment_id: int | None  # None: all customers
    n: int  # customers with an outcome
    r2: float | None = None
    r2_low: float | None = None
    r2_high: float | None = None
    drivers: list = field(default_factory=list)  # Driver, most important first
    skipped: int = 0  # touchpoints with too few customers
    average_share: float | None = None  # the importance line of the matrix (100 / drivers)
    average_performance: float | None = None  # the performance line

    @property
    def top(self) -> Driver | None:
        """The driver to act on: the most important one in the expected direction, preferring 'fix first'."""
        fitting = [driver for driver in self.drivers if driver.expected_direction]
        fix = [driver for driver in fitting if driver.quadrant == FIX]
        return (fix or fitting or [None])[0]


def analyse(data: Matrices, columns: np.ndarray, rows: np.ndarray, *, segment_id, driver_type, outcome) -> Analysis:
    """Relative importance of the touchpoints for the customers `rows` (bool mask) of the matrices."""
    n = int(rows.sum())
    result = Analysis(segment_id, n)
    if n < MIN_CUSTOMERS:
        return result
    rows = np.random.default_rng(SEED).permutation(np.flatnonzero(rows))  # random order: random bootstrap groups
    met, bad, y = data.met[rows][:, columns], data.bad[rows][:, columns], data.y[rows]
    n_met, n_bad = met.sum(axis=0), bad.sum(axis=0)
    if driver_type == "bad":
        x = bad.astype(float)
        eligible = (n_bad >= MIN_DRIVER) & (n_bad < n)
    else:
        x = data.score[rows][:, columns]
        rated = ~np.isnan(x)
        means = np.nanmean(np.where(rated.any(axis=0), x, 0.0), axis=0) if x.size else np.zeros(len(columns))
        x = np.where(rated, x, means)  # mean imputation: "no information" where the customer did not rate it
        eligible = (rated.sum(axis=0) >= MIN_DRIVER) & (x.std(axis=0) > 0)
    result.skipped = int((~eligible).sum())
    if not eligible.any():
        return result
    found = importance(x[:, eligible], y, shuffled=True)
    performance = data.performance.get(segment_id, data.performance[None])[columns][eligible]
    hurts = -1 if (driver_type == "bad") == (outcome == "nps") else 1  # the sign a real driver's correlation has
    for index, column in enumerate(np.flatnonzero(eligible)):
        if driver_type == "bad":
            effect = float(y[x[:, column] > 0].mean() - y[x[:, column] == 0].mean())
        else:
            effect = float(found.correlation[index])
        value = performance[index]
        result.drivers.append(
            Driver(
                touchpoint_id=int(data.touchpoints[columns][column]),
                share=float(found.share[index]),
                low=float(found.share_low[index]),
                high=float(found.share_high[index]),
                raw=float(found.raw[index]),
                n_met=int(n_met[column]),
                n_bad=int(n_bad[column]),
                performance=None if np.isnan(value) else float(value),
                effect=effect,
                expected_direction=bool(np.sign(found.correlation[index]) == hurts),
            )
        )
    result.r2, result.r2_low, result.r2_high = found.r2, found.r2_low, found.r2_high
    _place_in_quadrants(result)
    return result


def _place_in_quadrants(result: Analysis) -> None:
    """Importance line at the average share, performance line at the drivers' average score."""
    result.drivers.sort(key=lambda driver: -driver.share)
    result.average_share = 100 / len(result.drivers)
    scores = [driver.performance for driver in result.drivers if driver.performance is not None]
    result.average_performance = float(np.mean(scores)) if scores else None
    for driver in result.drivers:
        important = driver.share >= result.average_share and driver.expected_direction
        weak = (
            driver.performance is not None
            and result.average_performance is not None
            and driver.performance < result.average_performance
        )
        driver.quadrant = (FIX if weak else KEEP) if important else (MONITOR if weak else SURPLUS)


# -- the selector ---------------------------------------------------------------------------------------------


@dataclass
class DriverReport:
    period: object
    outcome: str
    driver_type: str
    analyses: list  # Analysis: all customers (or the chosen segment) first, then each segment
    touchpoints: dict  # id -> Touchpoint
    segments: dict  # id -> Segment
    customers: int  # customers with an outcome in the selection


def rows_from_answers(customer: np.ndarray, touchpoint: np.ndarray, packed: np.ndarray) -> np.ndarray:
    """Aggregate single answers to rows per customer × touchpoint (see the column constants).

    `packed` = (segment + 1) * 256 + (value + 1) * 2 + bad, with segment -1 for none and value -1 for an answer
    without a score; `touchpoint` -1 marks a relationship answer (its value is the NPS rating)."""
    if not len(customer):
        return np.zeros((0, 6))
    segment, value, bad = packed // 256 - 1, (packed % 256) // 2 - 1, packed % 2
    points, point_index = np.unique(touchpoint, return_inverse=True)
    keys, group = np.unique(customer * len(points) + point_index, return_inverse=True)
    scored = value >= 0
    segments = np.empty(len(keys))
    segments[group] = segment  # a customer's segment: the same on all of their answers
    return np.column_stack(
        [
            keys // len(points),
            segments,
            points[keys % len(points)],
            np.bincount(group, weights=scored, minlength=len(keys)),
            np.bincount(group, weights=np.where(scored, value, 0), minlength=len(keys)),
            np.bincount(group, weights=bad, minlength=len(keys)),
        ]
    ).astype(float)


class _Joined(Func):
    """Text expressions joined with the SQL standard `||` (SQLite and PostgreSQL)."""

    arg_joiner = " || "
    template = "(%(expressions)s)"
    output_field = TextField()


def _in_period(queryset, start, end, *, long: bool):
    """Answers from `start` (inclusive) to `end` (exclusive). For long periods on SQLite the time is compared as
    `+responded_at`, which keeps SQLite off the time index: over most of the table, reading it in index order
    with a row lookup each is about twice as slow as scanning it (PostgreSQL's planner decides this itself)."""
    from django.db import connection
    from django.db.models import DateTimeField, F

    if not long or connection.vendor != "sqlite":
        return queryset.filter(responded_at__gte=start, responded_at__lt=end)
    moment = Func(F("responded_at"), template="+%(expressions)s", output_field=DateTimeField())
    return queryset.alias(moment=moment).filter(moment__gte=start, moment__lt=end)


def _customer_segment():
    """The answer's customer's segment id. On SQLite a scalar subquery: with a join, SQLite starts from the
    customers and finds their answers through the customer index, far slower than one scan of the answers;
    PostgreSQL hash-joins the customers, faster than a subquery per answer."""
    from django.db import connection
    from django.db.models import F, IntegerField, OuterRef, Subquery

    from opencxm.feedback.models import Customer

    if connection.vendor != "sqlite":
        return F("customer__segment_id")
    segment_of = Customer.objects.filter(pk=OuterRef("customer_id")).values("segment_id")[:1]
    return Subquery(segment_of, output_field=IntegerField())


def _answer_terms():
    """The SQL terms of an answer shared by the side table and the reference query: its value (relationship
    answers: the NPS rating; touchpoint answers: satisfaction 0..100, -1 without a score), whether it was bad
    (0/1), and the filter of the answers that count (with a customer; at a touchpoint or a relationship rating)."""
    from django.db.models import Case, F, IntegerField, Q, Value, When

    from opencxm.feedback.choices import FeedbackKind

    number = IntegerField()
    satisfaction = Case(
        When(csat__isnull=False, then=(F("csat") - 1) * 25),
        When(nps__isnull=False, then=F("nps") * 10),
        default=Value(-1),
        output_field=number,
    )
    value = Case(When(touchpoint__isnull=True, then=F("nps")), default=satisfaction, output_field=number)
    bad_answer = Q(kind=FeedbackKind.COMPLAINT) | Q(csat__lte=2) | Q(csat__isnull=True, nps__lte=6)
    bad = Case(
        When(Q(touchpoint__isnull=True, nps__lte=6) | Q(touchpoint__isnull=False) & bad_answer, then=Value(1)),
        default=Value(0),
        output_field=number,
    )
    relationship = Q(touchpoint__isnull=True, kind=FeedbackKind.RESPONSE, nps__isnull=False)
    counted = Q(customer__isnull=False) & (Q(touchpoint__isnull=False) | relationship)
    return value, bad, counted


def driver_rows(*, period, segment_id=None) -> np.ndarray:
    """The reference query, straight from the feedback (the bench and the tests compare the side table with it):
    every answer of the period with a customer, as "customer,touchpoint,packed" numbers in one string
    (StringAgg), which numpy parses and aggregates per customer × touchpoint.

    A string instead of a result set because fetching a million rows as Python tuples costs more than the scan
    itself; a GROUP BY in the database costs more than numpy's (SQLite sorts through a B-tree)."""
    from django.db.models import CharField, IntegerField, StringAgg, Value
    from django.db.models.functions import Cast, Coalesce

    from opencxm.analytics.rollups import local_zone
    from opencxm.feedback.models import Customer, Feedback

    zone = local_zone()
    start = datetime.combine(period.start, time.min, tzinfo=zone)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone)
    number = IntegerField()
    value, bad, counted = _answer_terms()
    segment = Coalesce(_customer_segment(), Value(-1), output_field=number)
    packed = (segment + 1) * 256 + (value + 1) * 2 + bad
    text = CharField()
    answer = _Joined(
        Cast("customer_id", text),
        Value(","),
        Cast(Coalesce("touchpoint_id", Value(-1), output_field=number), text),
        Value(","),
        Cast(packed, text),
    )
    selection = _in_period(Feedback.objects.filter(counted), start, end, long=period.days >= 90)
    if segment_id is not None:
        selection = selection.filter(customer_id__in=Customer.objects.filter(segment_id=segment_id).values("pk"))
    joined = selection.aggregate(answers=StringAgg(answer, Value(",")))["answers"]
    if not joined:
        return np.zeros((0, 6))
    numbers = np.fromstring(joined, dtype=np.int64, sep=",").reshape(-1, 3)
    return rows_from_answers(numbers[:, 0], numbers[:, 1], numbers[:, 2])


# -- the side table: answers per source × local day, packed (models.DriverDay) --------------------------------

PACKED = (np.dtype("<i8"), np.dtype("<i4"), np.dtype("<i2"))  # customer, touchpoint (-1: relationship), code


def pack_answers(customer, touchpoint, code) -> bytes:
    """One DriverDay blob: the three arrays one after the other (code = (value + 1) * 2 + bad)."""
    return b"".join(
        np.asarray(values).astype(dtype).tobytes()
        for values, dtype in zip((customer, touchpoint, code), PACKED, strict=True)
    )


def unpack_answers(blobs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Customer, touchpoint and code arrays of (answers, data) pairs of DriverDay rows, concatenated."""
    parts = ([], [], [])
    for count, data in blobs:
        offset = 0
        for target, dtype in zip(parts, PACKED, strict=True):
            target.append(np.frombuffer(data, dtype=dtype, count=count, offset=offset))
            offset += count * dtype.itemsize
    if not parts[0]:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    return tuple(np.concatenate(target).astype(np.int64) for target in parts)


def driver_days_refresh(*, source_id: int, chunk: list, start, end, local_day, models=None) -> int:
    """Rewrite the DriverDay rows of one source for the local days of `chunk` (inside [start, end); `local_day`:
    the expression of an answer's local day, see rollups._local_day). Called by rollup_refresh in its transaction
    (and by the migration that creates the table, with its historical models). Returns the answers written."""
    if models is None:
        from opencxm.analytics.models import DriverDay
        from opencxm.feedback.models import Feedback
    else:
        Feedback, DriverDay = models  # noqa: N806 (model classes)
    from django.db.models import CharField, IntegerField, StringAgg, Value
    from django.db.models.functions import Cast, Coalesce

    DriverDay.objects.filter(source_id=source_id, day__in=chunk).delete()
    value, bad, counted = _answer_terms()
    text = CharField()
    point = Coalesce("touchpoint_id", Value(-1), output_field=IntegerField())
    answer = _Joined(
        Cast("customer_id", text), Value(","), Cast(point, text), Value(","), Cast((value + 1) * 2 + bad, text)
    )
    days = (
        Feedback.objects.filter(counted, source_id=source_id, responded_at__gte=start, responded_at__lt=end)
        .annotate(local_day=local_day)
        .filter(local_day__in=chunk)
        .values("local_day")
        .annotate(answers=StringAgg(answer, Value(",")))
        .values_list("local_day", "answers")
        .order_by()
    )
    written, rows = 0, []
    for day, joined in days:  # one string per day, as in the reference query
        numbers = np.fromstring(joined, dtype=np.int64, sep=",").reshape(-1, 3)
        numbers = numbers[np.lexsort(numbers.T[::-1])]  # sorted: the same bytes whatever order the database chose
        rows.append(
            DriverDay(
                source_id=source_id,
                day=day,
                answers=len(numbers),
                data=pack_answers(numbers[:, 0], numbers[:, 1], numbers[:, 2]),
            )
        )
        written += len(numbers)
    DriverDay.objects.bulk_create(rows)
    return written


def customer_segments() -> tuple[np.ndarray, np.ndarray]:
    """Every customer's id (sorted) and segment id (-1: none), read now: a customer's segment is the current
    one, as in the reference query (a changed segment needs no refresh of the side table). One string
    (StringAgg) instead of a row per customer, as in the reference query."""
    from django.db.models import CharField, IntegerField, StringAgg, Value
    from django.db.models.functions import Cast, Coalesce

    from opencxm.feedback.models import Customer

    text = CharField()
    pair = _Joined(
        Cast("id", text), Value(","), Cast(Coalesce("segment_id", Value(-1), output_field=IntegerField()), text)
    )
    joined = Customer.objects.aggregate(pairs=StringAgg(pair, Value(",")))["pairs"]
    if not joined:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pairs = np.fromstring(joined, dtype=np.int64, sep=",").reshape(-1, 2)
    pairs = pairs[np.argsort(pairs[:, 0], kind="stable")]
    return pairs[:, 0], pairs[:, 1]


def period_answers(period) -> tuple[list, "hashlib._Hash"]:
    """The (answers, data) pairs of the period's DriverDay rows in a fixed order, with a running hash of them."""
    from opencxm.analytics.models import DriverDay

    digest = hashlib.blake2b(digest_size=20)
    blobs = []
    rows = DriverDay.objects.filter(day__gte=period.start, day__lte=period.end).order_by("day", "source_id")
    for count, data in rows.values_list("answers", "data").iterator(chunk_size=400):
        digest.update(count.to_bytes(8, "little"))
        digest.update(data)
        blobs.append((count, data))
    return blobs, digest


def driver_answers(*, period, segment_id=None, blobs=None, customers=None):
    """The period's answers from the side table: customer, touchpoint (-1: relationship), code and the
    customer's segment (-1: none) per answer; answers of customers that no longer exist are left out, and with
    `segment_id` only that segment's customers' answers are kept. `blobs` and `customers`: already read."""
    if blobs is None:
        blobs, _digest = period_answers(period)
    customer, touchpoint, code = unpack_answers(blobs)
    ids, segments = customers if customers is not None else customer_segments()
    _ids, position = _positions(customer, ids)
    known = position >= 0
    segment = np.where(known, np.append(segments, -1)[position], -1)
    if segment_id is not None:
        known &= segment == segment_id
    return customer[known], touchpoint[known], code[known], segment[known]


def _positions(values: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct `wanted` numbers (≥ 0, sorted) and each of `values`'s position among them (-1: not there).

    A lookup table indexed by the number where its size stays in proportion to the data (ids from one
    sequence), which costs a pass instead of a sort; otherwise a sort and binary search."""
    top = int(max(values.max(initial=-1), wanted.max(initial=-1))) + 1
    if top <= 8 * (len(values) + len(wanted)) + 1_000_000:
        flag = np.zeros(top, bool)
        flag[wanted] = True
        index = np.cumsum(flag) - 1
        return np.flatnonzero(flag), np.where(flag[values], index[values], -1)
    distinct = np.unique(wanted)
    if not len(distinct):
        return distinct, np.full(len(values), -1)
    position = np.minimum(np.searchsorted(distinct, values), len(distinct) - 1)
    return distinct, np.where(distinct[position] == values, position, -1)


def matrices_from_answers(customer, touchpoint, code, segment, outcome: str) -> Matrices:
    """The matrices of single answers (see driver_answers), the same as
    `matrices_from_rows(rows_from_answers(...))` but with lookup tables and counting sorts (bincount) instead of
    sorting a million keys. All sums are sums of whole numbers, so the results are exactly those of the
    reference path."""
    value, bad = code // 2 - 1, code % 2
    scored = value >= 0
    relationship = touchpoint < 0
    rated = relationship & scored
    customers, row = _positions(customer, customer[rated])  # customers with an outcome, sorted by id
    width = len(customers)
    outcome_at = row[rated]
    answers = np.bincount(outcome_at, minlength=width).astype(float)
    if outcome == "detractor":
        y = np.bincount(outcome_at, weights=bad[rated], minlength=width) / answers
    else:
        y = np.bincount(outcome_at, weights=value[rated], minlength=width) / answers
    outcome_segments = np.zeros(width, np.int64)
    outcome_segments[outcome_at] = segment[rated]  # a customer's segment: the same on all of their answers

    driver = ~relationship
    point, row, d_segment = touchpoint[driver], row[driver], segment[driver]
    d_bad, d_scored = bad[driver], scored[driver]
    d_total = np.where(d_scored, value[driver], 0)
    touchpoints, column = _positions(point, point)
    columns = len(touchpoints)
    known = row >= 0
    cell = row[known] * columns + column[known]
    size, shape = width * columns, (width, columns)
    met = (np.bincount(cell, minlength=size) > 0).reshape(shape)
    bad_matrix = (np.bincount(cell, weights=d_bad[known], minlength=size) > 0).reshape(shape)
    counts = np.bincount(cell, weights=d_scored[known], minlength=size).reshape(shape)
    totals = np.bincount(cell, weights=d_total[known], minlength=size).reshape(shape)
    score = np.full(shape, np.nan)
    np.divide(totals, counts, out=score, where=counts > 0)

    # touchpoint scores over every answer (customers without an outcome too), per segment in one count
    segment_ids, segment_at = _positions(d_segment + 1, d_segment + 1)
    block = (len(segment_ids), columns)
    key = segment_at * columns + column
    answered = np.bincount(key, d_scored, minlength=block[0] * columns).reshape(block)
    total = np.bincount(key, d_total, minlength=block[0] * columns).reshape(block)

    def mean(answered, total):
        return np.where(answered > 0, total / np.where(answered > 0, answered, 1), np.nan)

    performance = {None: mean(answered.sum(axis=0), total.sum(axis=0))}
    for index, segment_id in enumerate(segment_ids - 1):
        if segment_id >= 0:
            performance[int(segment_id)] = mean(answered[index], total[index])
    return Matrices(touchpoints, outcome_segments.astype(int), y, met, bad_matrix, score, performance)


def driver_choice(*, start=None, end=None, segment: str | None = None) -> dict:
    """Period and segment of an API request: `start`..`end` (default: 12 months up to the latest data) and a
    segment public id. Raises ValueError with a message for an unknown segment or a reversed range."""
    from uuid import UUID

    from opencxm.analytics.selectors import Period, latest_data_day, period_for
    from opencxm.journeys.models import Segment

    end = end or latest_data_day()
    period = Period(start, end) if start else period_for("12m", end=end)
    if period.start > period.end:
        raise ValueError("'from' lies after 'to'")
    found = None
    if segment:
        try:
            found = Segment.objects.filter(public_id=UUID(segment)).first()
        except ValueError:
            found = None
        if found is None:
            raise ValueError(f"unknown segment {segment!r}")
    return {"period": period, "segment": found}


def drivers_compute(
    *, period, segment=None, outcome="nps", driver_type="bad", per_segment=True, use_cache=True
) -> DriverReport:
    """Key-driver analysis of a period: for the chosen segment, or all customers and then each segment.

    The analyses are cached (Django's cache) under a hash of exactly what they are computed from: the period's
    side-table rows, every customer's segment and the choices. Any write changes the hash, so a cached result
    is never stale and any number of processes may share the cache; a hit saves the numpy work only."""
    from django.core.cache import cache

    from opencxm.journeys.models import Segment
    from opencxm.touchpoints.models import Touchpoint

    if outcome not in OUTCOMES or driver_type not in DRIVER_TYPES:
        raise ValueError(f"unknown outcome {outcome!r} or driver type {driver_type!r}")
    blobs, digest = period_answers(period)
    customers = customer_segments()
    for values in customers:
        digest.update(values.tobytes())
    digest.update(repr((ENGINE, segment.pk if segment else None, outcome, driver_type, per_segment)).encode())
    key = f"opencxm:drivers:{digest.hexdigest()}"
    found = cache.get(key) if use_cache else None
    if found is None:
        answers = driver_answers(
            period=period, segment_id=segment.pk if segment else None, blobs=blobs, customers=customers
        )
        del blobs
        found = _analyses(answers, segment, outcome, driver_type, per_segment)
        if use_cache:
            cache.set(key, found, CACHE_SECONDS)
    analyses, segment_ids, customer_count = found
    used = {driver.touchpoint_id for analysis in analyses for driver in analysis.drivers}
    return DriverReport(
        period=period,
        outcome=outcome,
        driver_type=driver_type,
        analyses=analyses,
        touchpoints=Touchpoint.objects.in_bulk(used),
        segments=Segment.objects.in_bulk(segment_ids + ([segment.pk] if segment else [])),
        customers=customer_count,
    )


def _analyses(answers, segment, outcome, driver_type, per_segment) -> tuple[list, list, int]:
    """The analyses of the answers (all customers or the chosen segment, then each segment), the segment ids
    and the number of customers with an outcome."""
    with single_threaded_blas():
        data = matrices_from_answers(*answers, outcome)
        columns = np.arange(len(data.touchpoints))
        everyone = np.ones(len(data.y), bool)
        common = {"driver_type": driver_type, "outcome": outcome}
        analyses = [analyse(data, columns, everyone, segment_id=segment.pk if segment else None, **common)]
        segment_ids = sorted({int(value) for value in data.segments if value >= 0})
        if segment is None and per_segment:
            for segment_id in segment_ids:
                analyses.append(analyse(data, columns, data.segments == segment_id, segment_id=segment_id, **common))
    return analyses, segment_ids, len(data.y)


# -- the plain-language reading -------------------------------------------------------------------------------


def number(value: float, decimals: int = 0) -> str:
    """A localised number, rounded first (number_format cuts digits off)."""
    from django.utils.formats import number_format

    return number_format(round(value, decimals) + 0.0, decimal_pos=decimals, use_l10n=True)


def outcome_label(outcome: str) -> str:
    from django.utils.translation import gettext as _

    return _("the relationship NPS rating") if outcome == "nps" else _("being a detractor")


def segment_label(report: DriverReport, analysis: Analysis) -> str:
    from django.utils.translation import gettext as _

    if analysis.segment_id is None:
        return _("All customers")
    segment = report.segments.get(analysis.segment_id)
    return segment.name if segment else _("Unknown segment")


def reading(report: DriverReport, analysis: Analysis) -> str:
    """One or two sentences saying what to fix for the analysis's segment ("fixing X matters most for Y")."""
    from django.utils.translation import gettext as _

    segment = _("all customers") if analysis.segment_id is None else segment_label(report, analysis)
    outcome = outcome_label(report.outcome)
    if analysis.n < MIN_CUSTOMERS:
        return _(
            "For %(segment)s there are too few customers with a relationship rating in this period (%(n)s; at least "
            "%(minimum)s are needed)."
        ) % {"segment": segment, "n": number(analysis.n), "minimum": MIN_CUSTOMERS}
    top = analysis.top
    if top is None:
        return _("For %(segment)s, no touchpoint shows a clear link with %(outcome)s in this period.") % {
            "segment": segment,
            "outcome": outcome,
        }
    touchpoint = report.touchpoints[top.touchpoint_id]
    values = {
        "segment": segment,
        "touchpoint": f"{touchpoint.name} ({touchpoint.code})",
        "outcome": outcome,
        "share": number(top.share),
        "low": number(top.low),
        "high": number(top.high),
        "performance": number(top.performance or 0),
        "average": number(analysis.average_performance or 0),
        "r2": number(100 * (analysis.r2 or 0), 1),
    }
    if top.quadrant == FIX:
        text = _(
            "For %(segment)s, fixing %(touchpoint)s matters most. It carries %(share)s %% (95 %% interval "
            "%(low)s–%(high)s %%) of what the touchpoints explain of %(outcome)s and scores %(performance)s of 100, "
            "below the average of %(average)s."
        )
    elif top.quadrant == KEEP:
        text = _(
            "For %(segment)s, %(touchpoint)s matters most (%(share)s %%, 95 %% interval %(low)s–%(high)s %%) and "
            "already scores above average (%(performance)s of 100): keep it at this level."
        )
    else:
        text = _(
            "For %(segment)s, no touchpoint stands out; the strongest is %(touchpoint)s with %(share)s %% (95 %% "
            "interval %(low)s–%(high)s %%)."
        )
    parts = [text % values, _("Together the touchpoints explain %(r2)s %% of the differences in %(outcome)s.") % values]
    if analysis.average_share and top.low < analysis.average_share:
        parts.append(_("The interval is wide: with more responses the order may change."))
    return " ".join(parts)
