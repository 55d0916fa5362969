# ruff: noqa: S108, S603, S608 -- a benchmark: fixed /tmp paths, its own commands and SQL built from constants
"""Benchmark (b): the cockpit's queries at N responses against a raw columnar scan of the same rows with DuckDB.

    .venv/bin/python bench/cockpit_bench.py [--rows 10000000] [--repeat 5] [--engines sqlite,postgresql]

1. The synthetic responses (demo touchpoints, channels, segments; one year; NPS, CSAT, CES; ~35 % German
   comments) are generated once by DuckDB (deterministic hashes of the row number) into a Parquet file,
   which also carries each row's local day (Europe/Berlin) and the owning department of its touchpoint.
2. Per engine, in a child process with Django set up on a fresh bench database (migrated, demo company,
   no demo feedback): the rows are bulk-loaded into `feedback_feedback` (PostgreSQL: DuckDB writes a CSV with
   the database's ids, `COPY ... FROM STDIN`; SQLite: `executemany` in transactions of 200,000 rows), the
   rollups are built with the product's `rollup_rebuild()` (timed), and then the cockpit's queries are timed
   as the product runs them: the runner calls (KPI tiles, trend, heatmap, Soll-Ist; company and department
   view) and the whole cockpit (`cockpit.cockpit_build`, every figure of the page).
3. DuckDB computes the same figures (the same sufficient statistics per group) by scanning the Parquet file;
   the cockpit total is the sum of the 16 scans that `cockpit_build` needs.
Each query is run --repeat times; medians are reported with the ratio ours / DuckDB (goal: below 0.5).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Database, log, median, save  # noqa: E402

SEGMENT_SHARE_NONE = 4  # 1 in 4 without a segment
COMMENTS = [
    "Die Beratung war freundlich, vielen Dank!",
    "Ich habe lange in der Warteschleife gehangen, das ärgert mich sehr.",
    "Die Rechnung ist schwer zu verstehen.",
    "Der Techniker kam pünktlich – weiter so.",
    "Die App stürzt beim Login ab, bitte verbessern Sie das.",
    "Mein Anliegen wurde sofort gelöst.",
    "Der Router kam zwei Tage zu spät.",
    "Niemand hat zurückgerufen, obwohl ich seit 10 Jahren Kunde bin.",
    "Die Störung wurde schnell behoben; insgesamt aber zufrieden.",
    "Der Chatbot hat meine Frage nicht verstanden.",
]
CHILD_RESULT = "/tmp/opencxm-bench-cockpit-{engine}.json"


# --- the data set (parent, DuckDB) ---------------------------------------------------------------------------


def demo_registry() -> tuple[list[tuple], list[str]]:
    """(code, channel code, department code) of the active demo touchpoints, and the segment codes."""
    from opencxm.demo.company import SEGMENTS
    from opencxm.demo.touchpoints import TOUCHPOINTS

    touchpoints = [(t["code"], t["channel"], t["owner"]) for t in TOUCHPOINTS if t["status"] == "active"]
    return touchpoints, [s["code"] for s in SEGMENTS]


def build_parquet(path: Path, rows: int) -> float:
    import duckdb

    touchpoints, segments = demo_registry()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE tp (idx INTEGER, touchpoint VARCHAR, channel VARCHAR, department VARCHAR, bias INTEGER)")
    con.executemany(
        "INSERT INTO tp VALUES (?, ?, ?, ?, ?)",
        [(i, code, channel, dept, (i * 7) % 5 - 2) for i, (code, channel, dept) in enumerate(touchpoints)],
    )
    con.execute("CREATE TABLE seg (idx INTEGER, segment VARCHAR)")
    con.executemany("INSERT INTO seg VALUES (?, ?)", list(enumerate(segments)))
    con.execute("CREATE TABLE com (idx INTEGER, comment VARCHAR)")
    con.executemany("INSERT INTO com VALUES (?, ?)", list(enumerate(COMMENTS)))
    started = time.perf_counter()
    con.execute(f"""
        COPY (
          WITH base AS (
            SELECT i,
                   hash(i, 1) AS h1, hash(i, 2) AS h2, hash(i, 3) AS h3, hash(i, 4) AS h4, hash(i, 5) AS h5
            FROM range({rows}) r(i)
          ), shaped AS (
            SELECT i, tp.touchpoint, tp.channel, tp.department,
                   TIMESTAMPTZ '2025-11-01 00:00:00+00' + to_seconds((h1 % 31536000)::BIGINT) AS responded_at,
                   CASE WHEN h2 % {SEGMENT_SHARE_NONE} = 0 THEN NULL ELSE (h2 // 7) % {len(segments)} END AS seg_idx,
                   least(10, greatest(0, (h3 % 7)::INTEGER + ((h3 // 7) % 5)::INTEGER + tp.bias)) AS nps,
                   h4, h5
            FROM base JOIN tp ON tp.idx = (base.h2 // 3) % {len(touchpoints)}
          )
          SELECT 'C-' || i AS external_id, responded_at,
                 (responded_at AT TIME ZONE 'Europe/Berlin')::DATE AS day,
                 touchpoint, channel, department, seg.segment, 'response' AS kind,
                 nps::SMALLINT AS nps,
                 CASE WHEN h4 % 100 < 8 THEN NULL ELSE least(5, greatest(1, 1 + nps // 2 - (h4 // 100) % 2))
                 END::SMALLINT AS csat,
                 CASE WHEN (h4 // 1000) % 100 < 15 THEN NULL ELSE least(7, greatest(1, 7 - nps // 2 + (h4 // 9) % 2))
                 END::SMALLINT AS ces,
                 CASE WHEN h5 % 100 < 35 THEN com.comment ELSE '' END AS comment
          FROM shaped
          LEFT JOIN seg ON seg.idx = shaped.seg_idx
          LEFT JOIN com ON com.idx = (shaped.h5 // 100) % {len(COMMENTS)}
          ORDER BY responded_at
        ) TO '{path}' (FORMAT parquet)
    """)
    return time.perf_counter() - started


# --- DuckDB queries (parent) ---------------------------------------------------------------------------------

SUMS = {
    "nps": "count(nps) AS n, count(*) FILTER (WHERE nps >= 9) AS promoters, count(*) FILTER (WHERE nps <= 6) AS detr",
    "csat": "count(csat) AS n, count(*) FILTER (WHERE csat >= 4) AS top2",
    "csat_mean": "count(csat) AS n, sum(csat) AS s, sum(csat * csat) AS ss",
    "ces": "count(ces) AS n, sum(ces) AS s, sum(ces * ces) AS ss",
    "responses": "count(*) AS n",
    "complaint_rate": "count(*) AS n",
}
KIND = {"responses": "response", "complaint_rate": "complaint"}
GROUPS = {"time": "date_trunc('month', day)", "touchpoint": "touchpoint"}


def duck_sql(parquet: Path, metric: str, group_by=(), *, start: date, end: date, department=None, touchpoints=None):
    """The raw-scan equivalent of one runner call: the metric's sums per group over the Parquet file."""
    where = [f"day BETWEEN DATE '{start}' AND DATE '{end}'"]
    if metric in KIND:
        where.append(f"kind = '{KIND[metric]}'")
    if department:
        where.append(f"department = '{department}'")
    if touchpoints:
        where.append("touchpoint IN (" + ", ".join(f"'{code}'" for code in touchpoints) + ")")
    keys = [GROUPS[g] for g in group_by]
    select = ", ".join([*keys, SUMS[metric]])
    group = f" GROUP BY {', '.join(keys)}" if keys else ""
    return f"SELECT {select} FROM read_parquet('{parquet}') WHERE {' AND '.join(where)}{group}"


def runner_calls(period: dict, department_code: str, heat_codes: list[str], journey_codes: list[str]) -> dict:
    """name -> (metric, group_by, extra) for the runner calls timed one by one, company and department."""
    calls = {}
    for prefix, dept in (("", None), ("dept_", department_code)):
        for metric in ("nps", "csat", "ces", "responses"):
            calls[f"{prefix}kpi_{metric}"] = (metric, (), {"department": dept})
        calls[f"{prefix}trend_nps_month"] = ("nps", ("time",), {"department": dept})
        calls[f"{prefix}heatmap_nps"] = ("nps", ("touchpoint", "time"), {"department": dept})
        calls[f"{prefix}soll_ist_csat_mean"] = ("csat_mean", ("touchpoint",), {"department": dept})
    return calls


def cockpit_scans(parquet: Path, period: dict, previous: dict, department, heat_codes, journey_codes) -> list[str]:
    """The 16 scans that `cockpit_build` corresponds to (tiles now and before, trend, heatmap, journey map,
    worst movers now and before)."""
    now = {"start": period["start"], "end": period["end"], "department": department}
    before = {"start": previous["start"], "end": previous["end"], "department": department}
    scans = []
    for metric in ("nps", "csat", "ces", "responses", "complaint_rate"):
        scans += [duck_sql(parquet, metric, **now), duck_sql(parquet, metric, **before)]
    scans.append(duck_sql(parquet, "nps", ("time",), **now))
    scans.append(duck_sql(parquet, "responses", ("touchpoint",), **now))
    scans.append(duck_sql(parquet, "nps", ("touchpoint", "time"), touchpoints=heat_codes, **now))
    scans.append(duck_sql(parquet, "csat_mean", ("touchpoint",), touchpoints=journey_codes, **now))
    scans.append(duck_sql(parquet, "nps", ("touchpoint",), **now))
    scans.append(duck_sql(parquet, "nps", ("touchpoint",), **before))
    return scans


ALL_SUMS = (
    "count(*) AS records, count(*) FILTER (WHERE comment <> '') AS comments, count(nps) AS nps_n, "
    "count(*) FILTER (WHERE nps >= 9) AS promoters, count(*) FILTER (WHERE nps <= 6) AS detractors, "
    "count(csat) AS csat_n, coalesce(sum(csat), 0) AS csat_sum, coalesce(sum(csat * csat), 0) AS csat_sumsq, "
    "count(*) FILTER (WHERE csat >= 4) AS csat_top2, count(ces) AS ces_n, coalesce(sum(ces), 0) AS ces_sum, "
    "coalesce(sum(ces * ces), 0) AS ces_sumsq"
)


def cockpit_scans_shared(parquet: Path, period: dict, previous: dict, department) -> list[str]:
    """DuckDB's best plan for the same page: two scans with every sum (the period by touchpoint × month × kind,
    the previous period by touchpoint × kind), from which all figures follow, as the product now does."""
    scans = []
    for span, keys in ((period, "touchpoint, date_trunc('month', day), kind"), (previous, "touchpoint, kind")):
        where = f"day BETWEEN DATE '{span['start']}' AND DATE '{span['end']}'"
        if department:
            where += f" AND department = '{department}'"
        scans.append(f"SELECT {keys}, {ALL_SUMS} FROM read_parquet('{parquet}') WHERE {where} GROUP BY {keys}")
    return scans


def duck_times(parquet: Path, child: dict, repeat: int) -> dict:
    import duckdb

    con = duckdb.connect()
    period = {k: date.fromisoformat(v) for k, v in child["period"].items()}
    previous = {k: date.fromisoformat(v) for k, v in child["previous"].items()}
    dept = child["department_code"]
    times = {}
    for name, (metric, group_by, extra) in runner_calls(period, dept, [], []).items():
        sql = duck_sql(parquet, metric, group_by, start=period["start"], end=period["end"], **extra)
        times[name] = _timed(lambda sql=sql: con.execute(sql).fetchall(), repeat)
    for prefix, department, heat, journey in (
        ("", None, child["heat_codes"], child["journey_codes"]),
        ("dept_", dept, child["dept_heat_codes"], child["dept_journey_codes"]),
    ):
        scans = cockpit_scans(parquet, period, previous, department, heat, journey)
        sixteen = _timed(lambda scans=scans: [con.execute(s).fetchall() for s in scans], repeat)
        scans = cockpit_scans_shared(parquet, period, previous, department)
        two = _timed(lambda scans=scans: [con.execute(s).fetchall() for s in scans], repeat)
        times[f"{prefix}cockpit_build_16_scans"], times[f"{prefix}cockpit_build_2_scans"] = sixteen, two
        times[f"{prefix}cockpit_build"] = min(sixteen, two, key=lambda timing: timing["median_s"])  # DuckDB's best
    check = con.execute(duck_sql(parquet, "nps", start=period["start"], end=period["end"])).fetchone()
    return {"times": times, "nps_sums": list(check)}


def _timed(call, repeat: int) -> dict:
    call()  # warm-up (file cache, plans)
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        runs.append(time.perf_counter() - started)
    return {"median_s": median(runs), "runs_s": [round(r, 5) for r in runs]}


# --- the engine side (child process with Django) -------------------------------------------------------------


def child(engine: str, parquet: Path, repeat: int, out: Path, rollups: str = "product") -> None:
    import django

    django.setup()
    from django.db import connection

    from opencxm.accounts.models import Department
    from opencxm.analytics import cockpit
    from opencxm.analytics.rollups import rollup_rebuild
    from opencxm.analytics.runner import QuerySpec, run, run_one
    from opencxm.analytics.selectors import latest_data_day, period_for
    from opencxm.feedback.models import DataSource, Feedback
    from opencxm.journeys.models import Segment
    from opencxm.touchpoints.models import Channel, Touchpoint

    result = {"engine": engine, "urlconf": _usable_urlconf()}
    source = DataSource.objects.create(name="Benchmark cockpit")
    maps = {
        "touchpoint": dict(Touchpoint.objects.values_list("code", "id")),
        "channel": dict(Channel.objects.values_list("code", "id")),
        "segment": dict(Segment.objects.values_list("code", "id")),
    }
    result["rollups"] = rollups
    result["load_s"] = result["rollup_rebuild_s"] = 0.0
    if rollups in ("product", "both"):
        started = time.perf_counter()
        loaded = (load_postgresql if engine == "postgresql" else load_sqlite)(connection, parquet, source.id, maps)
        result["load_s"] = time.perf_counter() - started
        log(f"{engine}: loaded {loaded} rows in {result['load_s']:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        started = time.perf_counter()
        result["rollup_rows"] = rollup_rebuild(resume=False)
        result["rollup_rebuild_s"] = time.perf_counter() - started
        log(f"{engine}: rollup_rebuild() wrote {result['rollup_rows']} rows in {result['rollup_rebuild_s']:.1f} s")
    if rollups in ("direct", "both"):
        product = _rollup_tables() if rollups == "both" else None
        started = time.perf_counter()
        result["rollup_rows"] = fill_rollups_direct(connection, parquet, source.id, maps)
        result["direct_fill_s"] = time.perf_counter() - started
        log(f"{engine}: rollups filled from the Parquet aggregate: {result['rollup_rows']} daily rows")
        if product is not None:
            result["direct_equals_product"] = _rollup_tables() == product
            log(f"{engine}: direct rollups equal rollup_rebuild()'s: {result['direct_equals_product']}")
            if not result["direct_equals_product"]:
                raise SystemExit("the direct rollup fill differs from the product's rollup_rebuild()")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    result["raw_rows_loaded"] = Feedback.objects.count()
    result["feedback_rows"] = _parquet_rows(parquet)

    period = period_for("12m", end=latest_data_day())
    previous = period.previous()
    department = Department.objects.get(code="kundenservice")
    result["period"] = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    result["previous"] = {"start": previous.start.isoformat(), "end": previous.end.isoformat()}
    result["department_code"] = department.code
    codes = {pk: code for code, pk in maps["touchpoint"].items()}
    dept_codes = {code for (code,) in Touchpoint.objects.filter(owner_department=department).values_list("code")}

    times = {}
    for prefix, departments in (("", ()), ("dept_", (department.id,))):
        base = {"start": period.start, "end": period.end, "departments": departments}
        for metric in ("nps", "csat", "ces", "responses"):
            spec = QuerySpec(metric, **base)
            times[f"{prefix}kpi_{metric}"] = _timed(lambda spec=spec: run_one(spec), repeat)
        spec = QuerySpec("nps", group_by=("time",), grain="month", **base)
        times[f"{prefix}trend_nps_month"] = _timed(lambda spec=spec: run(spec), repeat)
        spec = QuerySpec("nps", group_by=("touchpoint", "time"), grain="month", **base)
        times[f"{prefix}heatmap_nps"] = _timed(lambda spec=spec: run(spec), repeat)
        spec = QuerySpec("csat_mean", group_by=("touchpoint",), **base)
        times[f"{prefix}soll_ist_csat_mean"] = _timed(lambda spec=spec: run(spec), repeat)
    for prefix, scope in (("", cockpit.Scope()), ("dept_", cockpit.Scope(department))):
        choice = cockpit.CockpitChoice(period=period)
        build = lambda s=scope, c=choice: cockpit.cockpit_build(scope=s, choice=c)  # noqa: E731
        times[f"{prefix}cockpit_build"] = _timed(build, repeat)
        built = cockpit.cockpit_build(scope=scope, choice=choice)
        heat = [row.touchpoint.code for row in built.heatmap.rows]
        journey = sorted({step.step.touchpoint.code for j in built.journeys for s in j.stages for step in s.steps})
        result[f"{prefix}heat_codes"], result[f"{prefix}journey_codes"] = heat, journey
    result["times"] = times
    nps = run(QuerySpec("nps", start=period.start, end=period.end))[0].sums
    result["nps_sums"] = [nps["nps_n"], nps["nps_promoters"], nps["nps_detractors"]]
    result["dept_touchpoints"] = sorted(dept_codes)
    del codes
    out.write_text(json.dumps(result, indent=2, default=str))


def _parquet_rows(parquet: Path) -> int:
    import duckdb

    return duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{parquet}')").fetchone()[0]


def _rollup_tables() -> tuple:
    """Both rollup tables as sorted tuples without ids (to compare two ways of filling them)."""
    from opencxm.analytics.metrics import FEEDBACK_SUMS
    from opencxm.analytics.models import FeedbackRollup, FeedbackRollupMonth

    def rows(model, first):
        names = [first, "source_id", "touchpoint_id", "channel_id", "segment_id", "kind", *FEEDBACK_SUMS]
        return sorted(
            (tuple(row) for row in model.objects.values_list(*names)),
            key=lambda row: tuple((value is None, value if value is not None else 0) for value in row),
        )

    return rows(FeedbackRollup, "day"), rows(FeedbackRollupMonth, "month")


def fill_rollups_direct(connection, parquet: Path, source_id: int, maps: dict) -> int:
    """The daily rollup rows computed by DuckDB from the Parquet file (the same local days and sums the product's
    `rollup_refresh` writes; `--rollups both` checks that the tables are identical), then the monthly rows by the
    product's `month_rollup_rebuild()`. For sizes whose raw load would take hours on a small machine: the cockpit
    reads only the rollups, so its queries are the same."""
    import duckdb

    from opencxm.analytics.metrics import FEEDBACK_SUMS
    from opencxm.analytics.models import FeedbackRollup, FeedbackRollupMonth
    from opencxm.analytics.rollups import month_rollup_rebuild

    def values(kind):
        return ", ".join(f"('{code}', {pk})" for code, pk in maps[kind].items())

    con = duckdb.connect()
    rows = con.execute(f"""
        WITH tp(code, id) AS (VALUES {values("touchpoint")}),
             ch(code, id) AS (VALUES {values("channel")}),
             sg(code, id) AS (VALUES {values("segment")})
        SELECT day, {source_id}, tp.id, ch.id, sg.id, kind, {ALL_SUMS}
        FROM read_parquet('{parquet}') f
        JOIN tp ON tp.code = f.touchpoint
        LEFT JOIN ch ON ch.code = f.channel
        LEFT JOIN sg ON sg.code = f.segment
        GROUP BY day, tp.id, ch.id, sg.id, kind
    """).fetchall()
    FeedbackRollup.objects.all().delete()
    FeedbackRollupMonth.objects.all().delete()
    columns = ", ".join(["day", "source_id", "touchpoint_id", "channel_id", "segment_id", "kind", *FEEDBACK_SUMS])
    placeholders = ", ".join(["%s"] * (6 + len(FEEDBACK_SUMS)))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO analytics_feedbackrollup ({columns}) VALUES ({placeholders})", rows)
    month_rollup_rebuild()
    return len(rows)


def _usable_urlconf() -> str:
    """The project's URLconf, or bench/urls.py when it cannot be imported (the cockpit only reverses its own
    URLs for the explorer links, so the figures and their queries are the same)."""
    from importlib import import_module

    from django.conf import settings

    try:
        import_module(settings.ROOT_URLCONF)
    except Exception as error:  # noqa: BLE001 - any import problem of unrelated apps
        log(f"project URLconf not importable ({error}); using bench.urls")
        settings.ROOT_URLCONF = "bench.urls"
    return settings.ROOT_URLCONF


def _select_with_ids(parquet: Path, maps: dict, source_id: int, *, sqlite: bool) -> str:
    def values(kind):
        return ", ".join(f"('{code}', {pk})" for code, pk in maps[kind].items())

    uuid = "replace(uuid()::VARCHAR, '-', '')" if sqlite else "uuid()"
    stamp = "strftime(responded_at, '%Y-%m-%d %H:%M:%S" + ("')" if sqlite else "+00')")
    return f"""
        WITH tp(code, id) AS (VALUES {values("touchpoint")}),
             ch(code, id) AS (VALUES {values("channel")}),
             sg(code, id) AS (VALUES {values("segment")})
        SELECT {uuid} AS public_id, {stamp} AS created_at, {stamp} AS updated_at, external_id, kind, {stamp},
               nps, csat, ces, '{{}}' AS scores, comment, 'de' AS language, '{{}}' AS attributes,
               ch.id AS channel_id, NULL AS customer_id, sg.id AS segment_id, {source_id} AS source_id,
               tp.id AS touchpoint_id, NULL AS import_job_id
        FROM read_parquet('{parquet}') f
        JOIN tp ON tp.code = f.touchpoint
        LEFT JOIN ch ON ch.code = f.channel
        LEFT JOIN sg ON sg.code = f.segment
    """


COLUMNS = (
    "public_id, created_at, updated_at, external_id, kind, responded_at, nps, csat, ces, scores, comment, language, "
    "attributes, channel_id, customer_id, segment_id, source_id, touchpoint_id, import_job_id"
)


def load_postgresql(connection, parquet: Path, source_id: int, maps: dict) -> int:
    import duckdb

    csv_path = Path(f"/tmp/opencxm-bench-cockpit-{os.getpid()}.csv")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    select = _select_with_ids(parquet, maps, source_id, sqlite=False)
    con.execute(f"COPY ({select}) TO '{csv_path}' (FORMAT csv, HEADER false)")
    connection.ensure_connection()
    raw = connection.connection  # psycopg 3 connection
    copy_sql = f"COPY feedback_feedback ({COLUMNS}) FROM STDIN (FORMAT csv)"
    with raw.cursor() as cursor, open(csv_path, "rb") as fh, cursor.copy(copy_sql) as copy:
        while chunk := fh.read(1 << 20):
            copy.write(chunk)
    raw.commit()
    csv_path.unlink()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM feedback_feedback")
        return cursor.fetchone()[0]


def load_sqlite(connection, parquet: Path, source_id: int, maps: dict) -> int:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    result = con.execute(_select_with_ids(parquet, maps, source_id, sqlite=True))
    placeholders = ", ".join("?" * len(COLUMNS.split(",")))
    connection.ensure_connection()
    raw = connection.connection  # sqlite3 connection
    loaded = 0
    while batch := result.fetchmany(200_000):
        raw.execute("BEGIN")
        raw.executemany(f"INSERT INTO feedback_feedback ({COLUMNS}) VALUES ({placeholders})", batch)
        raw.execute("COMMIT")
        loaded += len(batch)
    return loaded


# --- orchestration -------------------------------------------------------------------------------------------


def run_engine(engine: str, parquet: Path, repeat: int, rollups: str) -> dict:
    db = Database(engine, "opencxm_bench_cockpit")
    db.fresh()
    out = Path(CHILD_RESULT.format(engine=engine))
    args = [sys.executable, __file__, "--child", engine, "--parquet", str(parquet), "--repeat", str(repeat),
            "--out", str(out), "--rollups", rollups]  # fmt: skip
    subprocess.run(args, env=db.env(), check=True)
    return json.loads(out.read_text())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--name", help="result file name (default: cockpit-<rows>)")
    parser.add_argument(
        "--rollups",
        choices=("product", "direct", "both"),
        default="product",
        help="product: load the raw rows and build the rollups with rollup_rebuild(); direct: fill the rollup tables "
        "from DuckDB's aggregate of the same rows (no raw load); both: do both and check the tables are identical",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--parquet", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.parquet, args.repeat, args.out, args.rollups)
        return
    parquet = Path(f"/tmp/opencxm-bench-cockpit-{args.rows}.parquet")
    generate_s = None
    if not parquet.exists():
        log(f"generating {args.rows} rows into {parquet}")
        generate_s = build_parquet(parquet, args.rows)
    results = {}
    for engine in args.engines.split(","):
        log(f"{engine}: fill, rollups and cockpit queries")
        ours = run_engine(engine, parquet, args.repeat, args.rollups)
        duck = duck_times(parquet, ours, args.repeat)
        if duck["nps_sums"] != ours["nps_sums"]:
            raise SystemExit(f"figures differ: DuckDB {duck['nps_sums']} vs {engine} {ours['nps_sums']}")
        table = {}
        for name, timing in ours["times"].items():
            theirs = duck["times"][name]["median_s"]
            table[name] = {
                "ours_ms": round(timing["median_s"] * 1000, 2),
                "duckdb_ms": round(theirs * 1000, 2),
                "ratio": round(timing["median_s"] / theirs, 3),
            }
            log(f"{engine} {name}: ours {table[name]['ours_ms']} ms, DuckDB {table[name]['duckdb_ms']} ms, "
                f"ratio {table[name]['ratio']}")  # fmt: skip
        results[engine] = {
            "rows": ours["feedback_rows"],
            "rollups": ours["rollups"],
            "raw_rows_loaded": ours["raw_rows_loaded"],
            "direct_equals_product": ours.get("direct_equals_product"),
            "load_s": round(ours["load_s"], 1),
            "rollup_rebuild_s": round(ours["rollup_rebuild_s"], 1),
            "rollup_rows": ours["rollup_rows"],
            "period": ours["period"],
            "department": ours["department_code"],
            "queries": table,
            "raw_ours": ours["times"],
            "raw_duckdb": duck["times"],
        }
    command = "python bench/cockpit_bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    save(args.name or f"cockpit-{args.rows}", {"command": command.strip(), "repeat": args.repeat,
                                                "parquet_mb": round(parquet.stat().st_size / 1e6, 1),
                                                "generate_s": generate_s, "results": results})  # fmt: skip


if __name__ == "__main__":
    main()
