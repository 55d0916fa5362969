# ruff: noqa: S108, S603 -- a benchmark: a fixed /tmp result path, its own child process
"""Key drivers at 1,000,000 responses × 30 touchpoints (issue 6: "under 3 s"), on SQLite and PostgreSQL.

Per engine: a fresh bench database (migrated, demo company without feedback; see bench/common.py), then a child
process with Django that writes `--customers` customers (default: a tenth of the responses) with one
relationship NPS rating each and the rest of the responses as touchpoint feedback over `--touchpoints` active demo
touchpoints, all in the year ending 2026-10-31. The relationship rating is generated from planted drivers (a
bad experience at the first three touchpoints costs 2.5, 1.5 and 1.0 rating points; in the second segment the
fourth touchpoint costs 2.0 instead of the first), so the run also checks that the analysis finds them.

Timed (median of `--repeat` runs, after one warm-up): the selector `drivers_compute` for both driver types
(all customers and each of the three segments, bootstrap included), split into the aggregated query with its
fetch and the numpy part, and the whole request path: `GET /api/v1/analytics/drivers` and the page
`/cockpit/drivers/` through Django's test client (URL routing, permission, JSON or template rendering).

    .venv/bin/python bench/drivers_bench.py                      # 1,000,000 responses, 30 touchpoints, both engines
    .venv/bin/python bench/drivers_bench.py --rows 100000 --engines sqlite
"""

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Database, log, median, save  # noqa: E402

END = date(2026, 10, 31)
SEED = 2026
COSTS = (2.5, 1.5, 1.0)  # rating points a bad experience at touchpoint 0, 1, 2 costs (segment 0 and 2)
SEGMENT_ONE = {1: 1.5, 2: 1.0, 3: 2.0}  # segment 1: touchpoint 3 instead of touchpoint 0


def generate(rows: int, customers: int, touchpoints: int):
    """Customers' segments, touchpoint responses and relationship ratings as numpy arrays (deterministic)."""
    import numpy as np

    rng = np.random.default_rng(SEED)
    segment = rng.integers(0, 3, customers)
    m = rows - customers
    weights = rng.uniform(0.5, 2.0, touchpoints)
    who = rng.integers(0, customers, m)
    where = rng.choice(touchpoints, m, p=weights / weights.sum())
    bad_rate = rng.uniform(0.05, 0.3, touchpoints)
    bad = rng.random(m) < bad_rate[where]
    csat = np.where(bad, rng.integers(1, 3, m), rng.integers(3, 6, m))
    nps = np.clip(np.round(np.where(bad, rng.normal(4, 2, m), rng.normal(8.5, 1.2, m))), 0, 10).astype(int)
    cost = np.zeros((3, touchpoints))
    cost[:, :3] = COSTS
    cost[1, 0] = 0.0
    for column, value in SEGMENT_ONE.items():
        cost[1, column] = value
    penalty = np.bincount(who, weights=cost[segment[who], where] * bad, minlength=customers)
    rating = np.clip(np.round(8.8 - penalty + rng.normal(0, 1.5, customers)), 0, 10).astype(int)
    seconds = rng.integers(0, 365 * 86400, rows)
    return segment, who, where, csat, nps, rating, seconds


def child(engine: str, rows: int, customers: int, touchpoints: int, repeat: int, out: Path, keep: bool) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction

    from opencxm.analytics.models import DriverDay
    from opencxm.demo.feedback import _insert
    from opencxm.feedback.models import Customer, DataSource, Feedback
    from opencxm.journeys.models import Segment
    from opencxm.touchpoints.models import Touchpoint

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    result = {"engine": engine, "rows": rows, "customers": customers, "touchpoints": touchpoints}
    tps = list(Touchpoint.objects.filter(status="active").order_by("code").values_list("id", "code")[:touchpoints])
    segments = list(Segment.objects.order_by("code").values_list("id", "code")[:3])
    assert len(tps) == touchpoints and len(segments) == 3, (len(tps), len(segments))
    source = DataSource.objects.filter(name="Benchmark key drivers").first()
    if keep and source and Feedback.objects.filter(source=source).count() == rows:
        log(f"{engine}: keeping the {rows:,} responses already loaded")
        if not DriverDay.objects.exists():
            result["rollup_rebuild_s"] = _rebuild()
        _measure(engine, result, touchpoints, tps, segments, repeat, out)
        return
    source = DataSource.objects.create(name="Benchmark key drivers")
    started = time.perf_counter()
    segment, who, where, csat, nps, rating, seconds = generate(rows, customers, touchpoints)
    result["generate_s"] = round(time.perf_counter() - started, 1)

    started = time.perf_counter()
    first = datetime(END.year, END.month, END.day, tzinfo=UTC) - timedelta(days=364)
    with transaction.atomic():
        _insert(
            Customer,
            (
                {"pseudonym": f"bench-driver-{i}", "segment_id": segments[segment[i]][0], "public_id": uuid.uuid4()}
                for i in range(customers)
            ),
        )
    ids = dict(Customer.objects.filter(pseudonym__startswith="bench-driver-").values_list("pseudonym", "id"))
    customer_id = [ids[f"bench-driver-{i}"] for i in range(customers)]
    tp_ids = [pk for pk, _ in tps]

    def feedback():
        for i in range(customers):
            yield {
                "source_id": source.pk, "external_id": f"r{i}", "public_id": uuid.uuid4(), "kind": "response",
                "responded_at": first + timedelta(seconds=int(seconds[i])), "customer_id": customer_id[i],
                "nps": int(rating[i]),
            }  # fmt: skip
        for j in range(len(who)):
            yield {
                "source_id": source.pk, "external_id": f"t{j}", "public_id": uuid.uuid4(), "kind": "response",
                "responded_at": first + timedelta(seconds=int(seconds[customers + j])),
                "customer_id": customer_id[who[j]], "touchpoint_id": tp_ids[where[j]], "csat": int(csat[j]),
                "nps": int(nps[j]),
            }  # fmt: skip

    with transaction.atomic():
        written = _insert(Feedback, feedback())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if engine == "sqlite":  # a steady state: the bulk load's write-ahead log folded into the database
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    result["load_s"] = round(time.perf_counter() - started, 1)
    result["feedback_rows"] = written
    log(f"{engine}: wrote {written:,} responses of {customers:,} customers in {result['load_s']} s")
    result["rollup_rebuild_s"] = _rebuild()
    _measure(engine, result, touchpoints, tps, segments, repeat, out)


def _rebuild() -> float:
    """The bulk load bypasses the services: rebuild the rollups and the key drivers' side table as
    `opencxm rollups rebuild` does."""
    from opencxm.analytics.rollups import rollup_rebuild

    started = time.perf_counter()
    rollup_rebuild(resume=False)
    seconds = round(time.perf_counter() - started, 1)
    log(f"rollups and key-driver side table rebuilt in {seconds} s")
    return seconds


def _reference_compute(period, driver_type):
    """The previous code path: the one query on the feedback (StringAgg), aggregation per customer × touchpoint
    by sorting, and the analyses with OpenBLAS's default threads (the engine itself is unchanged)."""
    import numpy as np

    from opencxm.analytics import drivers

    data = drivers.matrices_from_rows(drivers.driver_rows(period=period), "nps")
    columns = np.arange(len(data.touchpoints))
    common = {"driver_type": driver_type, "outcome": "nps"}
    analyses = [drivers.analyse(data, columns, np.ones(len(data.y), bool), segment_id=None, **common)]
    for segment_id in sorted({int(value) for value in data.segments if value >= 0}):
        analyses.append(drivers.analyse(data, columns, data.segments == segment_id, segment_id=segment_id, **common))
    return analyses


def _side_table_read(period):
    from opencxm.analytics import drivers

    blobs, _digest = drivers.period_answers(period)
    return drivers.driver_answers(period=period, blobs=blobs, customers=drivers.customer_segments())


def _difference(old, new) -> float:
    """Largest absolute difference between two lists of analyses (shares, intervals, R², effects)."""
    largest = 0.0
    assert [a.segment_id for a in old] == [a.segment_id for a in new]
    for a, b in zip(old, new, strict=True):
        assert a.n == b.n and [d.touchpoint_id for d in a.drivers] == [d.touchpoint_id for d in b.drivers]
        for x, y in zip(a.drivers, b.drivers, strict=True):
            assert (x.n_met, x.n_bad, x.quadrant, x.expected_direction) == (
                y.n_met,
                y.n_bad,
                y.quadrant,
                y.expected_direction,
            )
            for name in ("share", "low", "high", "raw", "effect"):
                largest = max(largest, abs(getattr(x, name) - getattr(y, name)))
            largest = max(largest, abs((x.performance or 0) - (y.performance or 0)))
        for name in ("r2", "r2_low", "r2_high"):
            largest = max(largest, abs((getattr(a, name) or 0) - (getattr(b, name) or 0)))
    return largest


def _server_ms(period) -> dict:
    """PostgreSQL's own time (EXPLAIN ANALYZE) for the new path's two queries. EXPLAIN does not read TOASTed
    values it does not need, so the days are read with md5(data), which detoasts each array (an upper bound:
    md5 costs more than sending)."""
    from django.db import connection

    queries = {
        "side_table_days_detoasted": (
            'SELECT "answers", md5("data") FROM "analytics_driverday" WHERE "day" >= %s AND "day" <= %s '
            'ORDER BY "day", "source_id"', (period.start, period.end)
        ),
        "customer_segments": (
            'SELECT STRING_AGG(CAST("id" AS varchar) || \',\' || CAST(COALESCE("segment_id", -1) AS varchar), \',\') '
            'FROM "feedback_customer"', ()
        ),
    }  # fmt: skip
    found = {}
    with connection.cursor() as cursor:
        for name, (sql, params) in queries.items():
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
            plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
            found[name] = round(plan["Execution Time"], 1)
    return found


def _measure(engine, result, touchpoints, tps, segments, repeat, out) -> None:
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from opencxm.analytics import drivers
    from opencxm.analytics.selectors import Period

    if engine == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    first = datetime(END.year, END.month, END.day, tzinfo=UTC) - timedelta(days=364)
    period = Period(first.date(), END)
    user = get_user_model().objects.filter(username="bench-drivers").first()
    user = user or get_user_model().objects.create_superuser("bench-drivers", password="bench")  # noqa: S106
    client = Client()
    client.force_login(user)
    window = f"from={period.start}&to={period.end}"
    page_window = f"period=custom&start={period.start}&end={period.end}"
    cold = cache.clear  # before each timed call: the analyses are computed, not taken from the cache
    calls = {
        "reference_query_and_fetch": (None, lambda: drivers.driver_rows(period=period)),
        "reference_compute_bad": (None, lambda: _reference_compute(period, "bad")),
        "reference_compute_score": (None, lambda: _reference_compute(period, "score")),
        "side_table_read": (None, lambda: _side_table_read(period)),
        "drivers_compute_bad": (None, lambda: drivers.drivers_compute(period=period, use_cache=False)),
        "drivers_compute_score": (
            None, lambda: drivers.drivers_compute(period=period, driver_type="score", use_cache=False)
        ),
        "api_request_bad": (cold, lambda: _ok(client.get(f"/api/v1/analytics/drivers?{window}&driver=bad"))),
        "api_request_score": (cold, lambda: _ok(client.get(f"/api/v1/analytics/drivers?{window}&driver=score"))),
        "page_request": (cold, lambda: _ok(client.get(f"/cockpit/drivers/?{page_window}"))),
        "api_request_bad_cached": (None, lambda: _ok(client.get(f"/api/v1/analytics/drivers?{window}&driver=bad"))),
        "page_request_cached": (None, lambda: _ok(client.get(f"/cockpit/drivers/?{page_window}"))),
    }  # fmt: skip
    times = {}
    for name, (before, call) in calls.items():
        if before:
            before()
        call()  # warm-up
        runs, cpu, load = [], [], []
        for _ in range(repeat):
            if before:
                before()
            began, began_cpu = time.perf_counter(), time.process_time()
            call()
            runs.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
            load.append(os.getloadavg()[0])
        times[name] = {
            "median_s": round(median(runs), 4),
            "runs_s": [round(r, 4) for r in runs],
            "cpu_median_s": round(median(cpu), 4),  # this process only: excludes PostgreSQL's own work
            "load_average": [round(value, 1) for value in load],
        }
        log(f"{engine} {name}: median {times[name]['median_s']:.3f} s (CPU {times[name]['cpu_median_s']:.3f} s)")
    result["times"] = times
    if engine == "postgresql":
        result["server_ms"] = _server_ms(period)
        log(f"{engine}: server time (EXPLAIN ANALYZE, ms): {result['server_ms']}")
    differences = {}
    for driver_type in drivers.DRIVER_TYPES:
        new = drivers.drivers_compute(period=period, driver_type=driver_type, use_cache=False).analyses
        differences[driver_type] = _difference(_reference_compute(period, driver_type), new)
    result["largest_difference_to_reference"] = differences
    log(f"{engine}: largest difference new vs reference path: {differences}")
    result["check"] = _check(drivers.drivers_compute(period=period), tps, segments)
    log(f"{engine}: planted drivers found: {result['check']}")
    out.write_text(json.dumps(result, indent=2))


def _ok(response):
    if response.status_code != 200:
        raise SystemExit(f"request failed: {response.status_code} {response.content[:300]!r}")
    return response


def _check(report, tps, segments) -> dict:
    """The top touchpoints found, per analysis, against the planted ones."""
    code = dict(tps)
    found = {}
    for analysis in report.analyses:
        name = "all" if analysis.segment_id is None else dict(segments)[analysis.segment_id]
        found[name] = [code[driver.touchpoint_id] for driver in analysis.drivers[:3]]
    planted_all = [code[tps[i][0]] for i in range(3)]
    planted_one = [code[tps[i][0]] for i in (3, 1, 2)]
    seg = [name for _, name in segments]
    # sets, not order: the importance also weighs how many customers had the bad experience
    ok = (
        set(found["all"]) <= set(planted_all + [planted_one[0]])
        and set(found[seg[0]]) == set(planted_all)
        and set(found[seg[1]]) == set(planted_one)
        and set(found[seg[2]]) == set(planted_all)
    )
    return {"found": found, "planted_all": planted_all, "planted_segment_1": planted_one, "ok": bool(ok)}


def run_engine(engine: str, args) -> dict:
    db = Database(engine, args.database)
    if not args.keep_data:
        db.fresh()
    out = Path(f"/tmp/opencxm-bench-drivers-{engine}.json")
    command = [sys.executable, __file__, "--child", engine, "--rows", str(args.rows), "--customers",
               str(args.customers), "--touchpoints", str(args.touchpoints), "--repeat", str(args.repeat),
               "--out", str(out)] + (["--keep-data"] if args.keep_data else [])  # fmt: skip
    subprocess.run(command, env=db.env() | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}, check=True)
    return json.loads(out.read_text())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="responses in all (relationship + touchpoint)")
    parser.add_argument("--customers", type=int, help="default: a tenth of the responses")
    parser.add_argument("--touchpoints", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--keep-data", action="store_true", help="time again on the rows a previous run loaded")
    parser.add_argument("--database", default="opencxm_bench_drivers", help="bench database name (per engine)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.customers = args.customers or args.rows // 10
    if args.child:
        child(args.child, args.rows, args.customers, args.touchpoints, args.repeat, args.out, args.keep_data)
        return
    results = {engine: run_engine(engine, args) for engine in args.engines.split(",")}
    command = "python bench/drivers_bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    name = f"drivers-{args.rows}" + ("" if len(results) > 1 else f"-{next(iter(results))}")
    save(name, {"command": command.strip(), "repeat": args.repeat, "results": results})


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencxm.config.settings")
    main()
