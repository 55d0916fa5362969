"""Key drivers: the relative-weight engine against a hand computation and reference packages, the grouped
bootstrap against an ordinary bootstrap, the one-query selector on factory data, the page and the API."""

from datetime import date
from fractions import Fraction

import numpy as np
import pytest
from django.utils import translation

from opencxm.analytics import drivers
from opencxm.analytics.drivers import importance, matrices_from_rows, relative_weights
from opencxm.analytics.selectors import Period
from opencxm.analytics.tests.driver_data import driver_company

PERIOD = Period(date(2026, 1, 1), date(2026, 3, 31))


def _correlated(n=600, seed=3):
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(n, 1))
    x = rng.normal(size=(n, 5)) + 0.7 * common
    y = x @ np.array([0.6, 0.3, 0.0, -0.5, 0.1]) + rng.normal(size=n)
    return x, y


def _cov(x, y):
    return np.cov(np.column_stack([x, y]).T)


# -- the engine -----------------------------------------------------------------------------------------------


def test_hand_computed_example_with_uncorrelated_drivers():
    """x1 = 0 0 1 1, x2 = 0 1 0 1 (uncorrelated), y = 0 1 2 4. Centred: x1 = ±½, y = -7/4 -3/4 1/4 9/4,
    Σx1y = 5/2, Σx2y = 3/2, Σx² = 1, Σy² = 35/4. Uncorrelated drivers each carry their r²:
    r1² = (5/2)² / (35/4) = 5/7, r2² = (3/2)² / (35/4) = 9/35, R² = 34/35."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 2, 4], dtype=float)
    weights, r2 = relative_weights(_cov(x, y))
    assert weights == pytest.approx([float(Fraction(5, 7)), float(Fraction(9, 35))], abs=1e-12)
    assert r2 == pytest.approx(float(Fraction(34, 35)), abs=1e-12)


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")  # inside relativeImp
def test_relative_weights_equal_the_relativeimp_package():
    """relativeImp (Johnson's relative weights, the key-driver method of market research) gives the same
    raw and normalised weights on correlated drivers."""
    pandas = pytest.importorskip("pandas")
    reference = pytest.importorskip("relativeImp").relativeImp
    x, y = _correlated()
    names = [f"x{i}" for i in range(x.shape[1])]
    frame = pandas.DataFrame(np.column_stack([x, y]), columns=[*names, "y"])
    expected = reference(frame, "y", names)
    found = importance(x, y)
    assert found.raw == pytest.approx(np.real(expected["rawRelaImpt"].to_numpy()), abs=1e-10)
    assert found.share == pytest.approx(np.real(expected["normRelaImpt"].to_numpy()), abs=1e-8)


def test_r2_and_weights_sum_equal_statsmodels_ols():
    sm = pytest.importorskip("statsmodels.api")
    x, y = _correlated()
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    found = importance(x, y)
    assert found.r2 == pytest.approx(fit.rsquared, abs=1e-12)
    assert found.raw.sum() == pytest.approx(fit.rsquared, abs=1e-12)
    assert found.share.sum() == pytest.approx(100.0)


def test_relative_weights_close_to_the_shapley_lmg_decomposition_of_pingouin():
    """Relative weights approximate the exact Shapley (LMG) decomposition; on these correlated drivers they
    differ by less than 2 points of the explained variance, and the order of the drivers is the same."""
    pingouin = pytest.importorskip("pingouin")
    pandas = pytest.importorskip("pandas")
    x, y = _correlated()
    frame = pandas.DataFrame(x, columns=[f"x{i}" for i in range(x.shape[1])])
    lmg = pingouin.linear_regression(frame, y, relimp=True)["relimp_perc"].to_numpy()[1:]
    found = importance(x, y)
    assert np.abs(found.share - lmg).max() < 2.0
    assert list(np.argsort(-found.share)) == list(np.argsort(-lmg))


def test_uncorrelated_drivers_equal_lmg_exactly():
    """With uncorrelated drivers (a balanced 2×2×2 design) both decompositions are the squared correlations."""
    pingouin = pytest.importorskip("pingouin")
    pandas = pytest.importorskip("pandas")
    grid = np.array([[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)] * 5, dtype=float)
    y = grid @ np.array([2.0, 1.0, 0.5]) + np.tile([0.3, -0.1, 0.2, -0.4, 0.1, 0.0, -0.2, 0.1], 5)
    lmg = pingouin.linear_regression(pandas.DataFrame(grid), y, relimp=True)["relimp"].to_numpy()[1:]
    assert importance(grid, y).raw == pytest.approx(lmg, abs=1e-12)


def test_collinear_and_constant_drivers_do_not_break_the_weights():
    x, y = _correlated()
    x = np.column_stack([x, x[:, 0], np.zeros(len(x))])  # a duplicate and a constant column
    weights, r2 = relative_weights(_cov(x, y))
    assert weights[-1] == 0
    assert weights[0] == pytest.approx(weights[5])
    assert weights.sum() == pytest.approx(r2)


def _ordinary_bootstrap(x, y, replicates=400, seed=5):
    rng = np.random.default_rng(seed)
    shares = []
    for _ in range(replicates):
        pick = rng.integers(0, len(y), len(y))
        weights, r2 = relative_weights(_cov(x[pick], y[pick]))
        shares.append(100 * weights / r2)
    return np.percentile(shares, [2.5, 97.5], axis=0)


def test_grouped_bootstrap_intervals_match_an_ordinary_bootstrap():
    """Resampling 200 random customer groups gives intervals of about the width of resampling customers."""
    x, y = _correlated(n=3000, seed=8)
    low, high = _ordinary_bootstrap(x, y)
    found = importance(x, y)
    ratio = (found.share_high - found.share_low) / (high - low)
    assert ((ratio > 0.7) & (ratio < 1.4)).all(), ratio
    assert ((found.share_low <= found.share) & (found.share <= found.share_high)).all()
    assert found.r2_low <= found.r2 <= found.r2_high


def test_intervals_cover_the_true_importance_and_shrink_with_more_customers():
    rng = np.random.default_rng(21)

    def sample(n):
        x = rng.normal(size=(n, 3))
        return x, x @ np.array([1.0, 0.5, 0.0]) + rng.normal(size=n)

    truth = np.array([1.0, 0.25, 0.0]) / 1.25 * 100  # uncorrelated: shares of the variances of the terms
    small, large = importance(*sample(500)), importance(*sample(20000))
    assert ((large.share_low <= truth + 0.5) & (truth - 0.5 <= large.share_high)).all()
    assert ((large.share_high - large.share_low) < (small.share_high - small.share_low)).all()


def test_the_same_seed_gives_the_same_intervals():
    x, y = _correlated()
    first, second = importance(x, y), importance(x, y)
    assert (first.share_low == second.share_low).all() and (first.share_high == second.share_high).all()


def test_matrices_from_aggregated_rows():
    """Rows: customer, segment, touchpoint (-1 = outcome), answers, total, bad. Customer 1 (segment 7) rated
    the company 3 and 9 (mean 6, one detractor answer), touchpoint 20 twice (total 100), touchpoint 30 had a
    complaint only; customer 2 rated 10 and met touchpoint 30 (score 75); customer 3 has no rating."""
    rows = np.array(
        [
            [1, 7, -1, 2, 12, 1],
            [1, 7, 20, 2, 100, 0],
            [1, 7, 30, 0, 0, 1],
            [2, -1, -1, 1, 10, 0],
            [2, -1, 30, 1, 75, 0],
            [3, 7, 20, 1, 0, 1],
        ],
        dtype=float,
    )
    nps = matrices_from_rows(rows, "nps")
    assert list(nps.touchpoints) == [20, 30]
    assert list(nps.y) == [6, 10]
    assert list(nps.segments) == [7, -1]
    assert nps.met.tolist() == [[True, True], [False, True]]
    assert nps.bad.tolist() == [[False, True], [False, False]]
    assert np.array_equal(nps.score, np.array([[50, np.nan], [np.nan, 75]]), equal_nan=True)
    assert nps.performance[None].tolist() == [pytest.approx(100 / 3), 75]  # customer 3 counts for performance
    assert nps.performance[7].tolist() == [pytest.approx(100 / 3)] + [pytest.approx(np.nan, nan_ok=True)]
    assert list(matrices_from_rows(rows, "detractor").y) == [0.5, 0]


def test_rows_from_single_answers():
    """Customer 5 (segment 7): a relationship rating 3 (detractor), two answers at touchpoint 20 with scores 100
    and 25 (bad), a complaint at 20 without a score. Customer 6 (no segment): one answer at 30 scoring 50."""

    def packed(segment, value, bad):
        return (segment + 1) * 256 + (value + 1) * 2 + bad

    customer = np.array([5, 5, 5, 5, 6])
    touchpoint = np.array([-1, 20, 20, 20, 30])
    answers = np.array([packed(7, 3, 1), packed(7, 100, 0), packed(7, 25, 1), packed(7, -1, 1), packed(-1, 50, 0)])
    rows = drivers.rows_from_answers(customer, touchpoint, answers)
    assert rows.tolist() == [[5, 7, -1, 1, 3, 1], [5, 7, 20, 2, 125, 2], [6, -1, 30, 1, 50, 0]]


# -- the selector on the database -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_drivers_compute_finds_the_planted_drivers_per_segment(django_assert_max_num_queries):
    segments, touchpoints = driver_company()
    with django_assert_max_num_queries(4):  # the side table's days, the customers, the touchpoints, the segments
        report = drivers.drivers_compute(period=PERIOD)
    everyone, *per_segment = report.analyses
    assert report.customers == everyone.n == 400  # the March 2025 customer is outside the period
    assert [analysis.segment_id for analysis in per_segment] == sorted(s.pk for s in segments.values())
    codes = {pk: tp.code for pk, tp in report.touchpoints.items()}
    assert [codes[d.touchpoint_id] for d in everyone.drivers[:2]] == ["TP-INST", "TP-BILL"]
    by_name = {report.segments[a.segment_id].name: a for a in per_segment}
    assert codes[by_name["Familien"].top.touchpoint_id] == "TP-INST"
    assert codes[by_name["Gewerbe"].top.touchpoint_id] == "TP-BILL"
    install = everyone.drivers[0]
    assert install.effect < -2.5 and install.expected_direction and install.low > everyone.average_share
    assert sum(d.share for d in everyone.drivers) == pytest.approx(100)


def _same_matrices(found, expected):
    for name in ("touchpoints", "segments", "y", "met", "bad", "score"):
        assert np.array_equal(getattr(found, name), getattr(expected, name), equal_nan=True), name
    assert found.performance.keys() == expected.performance.keys()
    for key, values in expected.performance.items():
        assert np.array_equal(found.performance[key], values, equal_nan=True), key


@pytest.mark.django_db
@pytest.mark.parametrize("outcome", drivers.OUTCOMES)
def test_side_table_gives_exactly_the_matrices_of_the_feedback(outcome):
    """The side table (DriverDay) against the reference query straight from the feedback: the same matrices,
    for the whole period, a period that cuts through the data, one segment, and after writes (a customer's
    segment changed, a customer erased, a complaint added through the service)."""
    from opencxm.feedback.models import Customer
    from opencxm.feedback.services import customer_erase
    from tests import factories as f

    segments, touchpoints = driver_company(customers=150)

    def compare(period, segment_id=None):
        found = drivers.matrices_from_answers(*drivers.driver_answers(period=period, segment_id=segment_id), outcome)
        expected = drivers.matrices_from_rows(drivers.driver_rows(period=period, segment_id=segment_id), outcome)
        _same_matrices(found, expected)
        return found

    everyone = compare(PERIOD)
    assert everyone.met.shape == (150, 4) and everyone.met.sum() > 300
    compare(Period(date(2026, 1, 20), date(2026, 2, 28)))
    compare(Period(date(2025, 1, 1), date(2026, 12, 31)))
    compare(PERIOD, segments["Gewerbe"].pk)
    moved = Customer.objects.filter(segment=segments["Familien"]).order_by("pk").first()
    Customer.objects.filter(pk=moved.pk).update(segment=segments["Gewerbe"])
    erased = Customer.objects.filter(segment=segments["Gewerbe"]).order_by("-pk").first()
    customer_erase(actor=f.UserFactory(), customer=erased)
    compare(PERIOD)
    after = compare(PERIOD, segments["Gewerbe"].pk)
    assert len(after.y) == 50 + 1 - 1  # customers 0, 3, 6, ... are "Gewerbe"; one moved in, one erased


@pytest.mark.django_db
def test_cached_analyses_are_reused_until_the_data_changes(monkeypatch):
    """The cache key is a hash of the side-table rows, the customers' segments and the choices: the same request
    is served from the cache, a new answer or a changed segment computes again."""
    from opencxm.analytics.tests.cockpit_data import at, make_feedback, store
    from opencxm.feedback.models import Customer, DataSource

    segments, touchpoints = driver_company(customers=90)
    computed = []
    original = drivers._analyses
    monkeypatch.setattr(drivers, "_analyses", lambda *args: computed.append(args[2:]) or original(*args))
    first = drivers.drivers_compute(period=PERIOD)
    again = drivers.drivers_compute(period=PERIOD)
    assert len(computed) == 1 and again.analyses == first.analyses and again.customers == first.customers
    drivers.drivers_compute(period=PERIOD, driver_type="score")
    drivers.drivers_compute(period=PERIOD, use_cache=False)
    assert len(computed) == 3
    customer = Customer.objects.order_by("pk").first()
    store(
        [make_feedback(DataSource.objects.first(), at("2026-02-02"), touchpoints["TP-APP"], csat=1, customer=customer)]
    )
    drivers.drivers_compute(period=PERIOD)
    Customer.objects.filter(pk=customer.pk).update(segment=segments["Familien"])  # was "Gewerbe"
    drivers.drivers_compute(period=PERIOD)
    assert len(computed) == 5
    assert (
        drivers.drivers_compute(period=PERIOD, use_cache=False).analyses
        == drivers.drivers_compute(period=PERIOD).analyses
    )


@pytest.mark.django_db
def test_rollups_verify_and_rebuild_cover_the_side_table():
    from io import StringIO

    from django.core.management import CommandError, call_command

    from opencxm.analytics.models import DriverDay
    from opencxm.feedback.models import Feedback

    driver_company(customers=60)
    call_command("rollups", "verify", "--sample", "500", stdout=StringIO())
    stored = sorted(DriverDay.objects.values_list("source_id", "day", "answers", "data"))
    assert sum(row[2] for row in stored) == Feedback.objects.count()  # every answer here has a customer
    day = stored[0][1]
    DriverDay.objects.filter(day=day).delete()
    out = StringIO()
    with pytest.raises(CommandError, match="differ from the raw feedback"):
        call_command("rollups", "verify", "--sample", "500", stdout=out)
    assert f"{day} key-driver answers source=" in out.getvalue()
    call_command("rollups", "rebuild", "--no-resume", stdout=StringIO())
    assert sorted(DriverDay.objects.values_list("source_id", "day", "answers", "data")) == stored
    call_command("rollups", "verify", "--sample", "500", stdout=StringIO())


@pytest.mark.django_db
def test_sample_sizes_and_performance_are_exact():
    from opencxm.feedback.models import Feedback

    _, touchpoints = driver_company(customers=120)
    report = drivers.drivers_compute(period=PERIOD, per_segment=False)
    install = next(d for d in report.analyses[0].drivers if d.touchpoint_id == touchpoints["TP-INST"].pk)
    answers = Feedback.objects.filter(touchpoint=touchpoints["TP-INST"], responded_at__year=2026)
    assert install.n_met == answers.values("customer").distinct().count()
    assert install.n_bad == answers.filter(csat__lte=2).values("customer").distinct().count()
    scores = [(csat - 1) * 25 for csat in answers.values_list("csat", flat=True)]
    assert install.performance == pytest.approx(sum(scores) / len(scores))


@pytest.mark.django_db
def test_detractor_outcome_and_score_drivers_point_the_same_way():
    driver_company()
    for outcome, driver_type in (("detractor", "bad"), ("nps", "score"), ("detractor", "score")):
        report = drivers.drivers_compute(period=PERIOD, outcome=outcome, driver_type=driver_type, per_segment=False)
        top = report.analyses[0].drivers[0]
        assert report.touchpoints[top.touchpoint_id].code == "TP-INST", (outcome, driver_type)
        assert top.expected_direction


@pytest.mark.django_db
def test_one_segment_and_too_few_customers():
    segments, _ = driver_company(customers=60)
    report = drivers.drivers_compute(period=PERIOD, segment=segments["Gewerbe"])
    assert len(report.analyses) == 1 and report.analyses[0].n == 20
    assert report.analyses[0].drivers == []
    with translation.override("en"):
        assert "too few customers" in drivers.reading(report, report.analyses[0])


@pytest.mark.django_db
def test_no_data_gives_an_empty_report():
    report = drivers.drivers_compute(period=PERIOD)
    assert report.customers == 0 and report.analyses[0].drivers == []


def test_unknown_outcome_is_refused():
    with pytest.raises(ValueError, match="unknown outcome"):
        drivers.drivers_compute(period=PERIOD, outcome="churn")


# -- page and API ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_shows_matrix_table_and_reading(client, world):
    driver_company()
    client.force_login(world.users["viewer"])
    response = client.get("/cockpit/drivers/?period=custom&start=2026-01-01&end=2026-03-31", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    chart = response.context["chart"]
    assert chart["type"] == "priority" and chart["points"][0]["code"] == "TP-INST"
    assert chart["points"][0]["quadrant"] in ("fix", "keep")
    text = response.content.decode()
    assert "Key drivers" in text and 'id="priority-chart"' in text
    readings = response.context["readings"]
    assert [item["segment"] for item in readings] == ["All customers", "Familien", "Gewerbe"]
    assert readings[1]["text"].startswith("For Familien, fixing Touchpoint INST (TP-INST) matters most.")
    assert readings[0]["text"].startswith("For all customers, fixing Touchpoint INST (TP-INST) matters most.")
    assert "For Gewerbe" in readings[2]["text"] and "TP-BILL" in readings[2]["text"]


@pytest.mark.django_db
def test_page_in_german(client, world):
    driver_company()
    client.force_login(world.users["viewer"])
    response = client.get("/cockpit/drivers/?period=custom&start=2026-01-01&end=2026-03-31", HTTP_ACCEPT_LANGUAGE="de")
    text = response.content.decode()
    assert "Treiber" in text and "Alle Kunden" in text
    assert "Prioritätenmatrix" in text


@pytest.mark.django_db
def test_page_reports_a_reversed_range(client, world):
    client.force_login(world.users["viewer"])
    response = client.get(
        "/cockpit/drivers/?period=custom&start=2026-03-01&end=2026-01-01&outcome=nope", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "The end lies before the start." in text
    assert "Select a valid choice" in text


@pytest.mark.django_db
def test_api_returns_importance_intervals_sample_sizes_and_readings(client, world):
    segments, _ = driver_company()
    client.force_login(world.users["viewer"])
    response = client.get("/api/v1/analytics/drivers?from=2026-01-01&to=2026-03-31&outcome=nps&driver=bad")
    assert response.status_code == 200
    body = response.json()
    assert body["from"] == "2026-01-01" and body["customers"] == 400
    everyone = body["analyses"][0]
    assert everyone["segment"] is None and everyone["customers"] == 400
    top = everyone["drivers"][0]
    assert top["touchpoint"]["code"] == "TP-INST"
    assert top["low"] <= top["importance"] <= top["high"] and top["customers"] >= top["bad_experiences"] > 0
    assert "TP-INST" in everyone["reading"]
    gewerbe = f"/api/v1/analytics/drivers?from=2026-01-01&to=2026-03-31&segment={segments['Gewerbe'].public_id}"
    body = client.get(gewerbe).json()
    assert [a["segment"]["name"] for a in body["analyses"]] == ["Gewerbe"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("segment=00000000-0000-0000-0000-000000000000", "unknown segment"),
        ("segment=nonsense", "unknown segment"),
        ("from=2026-03-01&to=2026-01-01", "'from' lies after 'to'"),
    ],
)
def test_api_bad_input(client, world, query, message):
    client.force_login(world.users["viewer"])
    response = client.get(f"/api/v1/analytics/drivers?{query}")
    assert response.status_code == 422
    assert message in response.json()["detail"]


@pytest.mark.django_db
def test_api_unknown_outcome_is_a_validation_error(client, world):
    client.force_login(world.users["viewer"])
    assert client.get("/api/v1/analytics/drivers?outcome=churn").status_code == 422
