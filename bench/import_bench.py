# ruff: noqa: S108, S603, S608 -- a benchmark: fixed /tmp paths, its own commands and SQL built from constants
"""Benchmark (a): the product's feedback import against the raw bulk load of the same rows.

    .venv/bin/python bench/import_bench.py [--rows 1000000] [--repeat 3] [--engines sqlite,postgresql]

For each engine a fresh database (migrated, demo company loaded, no feedback) gets the generated CSV through
`opencxm import FILE --source NAME --mapping bench/mapping.json` in a subprocess (wall time, peak RSS of that
process via os.wait4). The reference, in this script, loads the same rows into a plain table with the same
columns: PostgreSQL `COPY ... FROM STDIN (FORMAT csv)`, SQLite `executemany` in one transaction (same
pragmas as the product: WAL, synchronous=NORMAL). Reported: rows/s of both, the ratio product/raw
(goal on PostgreSQL: >= 0.2) and peak RSS (goal: < 500 MB whatever the file size). Medians of --repeat runs.

A third figure, the schema floor (skip with --no-floor), moves the same rows with one `INSERT ... SELECT` from
the plain table into the product's own feedback table of a fresh database (its indexes, check constraints and
foreign keys; the deferred PostgreSQL foreign-key checks run at the timed COMMIT): what the table alone costs,
with no validation, upsert or rollups. floor/raw shows how far the goal can be met at all with this schema,
product/floor how much the import adds on top.
"""

import argparse
import csv
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import generate  # noqa: E402
from bench.common import BENCH, OPENCXM, Database, log, median, run_with_rusage, save  # noqa: E402

RAW_COLUMNS = """
    external_id varchar(120) NOT NULL, responded_at {ts} NOT NULL, touchpoint varchar(40), channel varchar(40),
    segment varchar(60), nps smallint, csat smallint, ces smallint, comment text
"""
CHUNK = 1 << 20


def product_import(db: Database, path: Path, rows: int) -> dict:
    db.fresh()
    args = [OPENCXM, "import", str(path), "--source", "Benchmark", "--mapping", str(BENCH / "mapping.json")]
    result = run_with_rusage(args, db.env())
    if result["returncode"] != 0:
        raise SystemExit(f"import failed:\n{result['output_tail']}")
    stored = count_feedback(db)
    if stored != rows:
        raise SystemExit(f"expected {rows} feedback rows, found {stored}:\n{result['output_tail']}")
    result["rows_per_s"] = rows / result["seconds"]
    return result


def count_feedback(db: Database) -> int:
    if db.engine == "sqlite":
        with sqlite3.connect(db.sqlite_path()) as conn:
            return conn.execute("SELECT count(*) FROM feedback_feedback").fetchone()[0]
    with db.connect_pg() as conn:
        return conn.execute("SELECT count(*) FROM feedback_feedback").fetchone()[0]


def raw_postgresql(db: Database, path: Path, rows: int, keep: bool = False) -> dict:
    with db.connect_pg() as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw")
        conn.execute(f"CREATE TABLE bench_raw ({RAW_COLUMNS.format(ts='timestamptz')})")
        conn.commit()
        started = time.perf_counter()
        copy_sql = "COPY bench_raw FROM STDIN (FORMAT csv, HEADER true)"
        with conn.cursor() as cursor, open(path, "rb") as fh, cursor.copy(copy_sql) as copy:
            while chunk := fh.read(CHUNK):
                copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - started
        stored = conn.execute("SELECT count(*) FROM bench_raw").fetchone()[0]
        if not keep:
            conn.execute("DROP TABLE bench_raw")
        conn.commit()
    assert stored == rows, stored
    return {"seconds": seconds, "rows_per_s": rows / seconds}


def raw_sqlite(db: Database, path: Path, rows: int, keep: bool = False) -> dict:
    conn = sqlite3.connect(db.sqlite_path(), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("DROP TABLE IF EXISTS bench_raw")
    conn.execute(f"CREATE TABLE bench_raw ({RAW_COLUMNS.format(ts='datetime')})")
    started = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO bench_raw VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (_typed(row) for row in reader))
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    stored = conn.execute("SELECT count(*) FROM bench_raw").fetchone()[0]
    if not keep:
        conn.execute("DROP TABLE bench_raw")
    conn.close()
    assert stored == rows, stored
    return {"seconds": seconds, "rows_per_s": rows / seconds}


def _typed(row: list[str]) -> tuple:
    return (
        row[0], row[1], row[2] or None, row[3] or None, row[4] or None,
        int(row[5]) if row[5] else None, int(row[6]) if row[6] else None, int(row[7]) if row[7] else None,
        row[8],
    )  # fmt: skip


RAW = {"sqlite": raw_sqlite, "postgresql": raw_postgresql}

# The schema floor: the same rows moved by ONE SQL statement from a plain table into the product's feedback
# table (its 11 indexes, check constraints and 6 foreign keys, deferred on PostgreSQL and checked at COMMIT),
# without any validation, upsert logic or rollups. No import into that table can be faster than this.
FLOOR_INSERT = """
    INSERT INTO feedback_feedback (public_id, created_at, updated_at, source_id, external_id, kind, responded_at,
        touchpoint_id, channel_id, segment_id, nps, csat, ces, scores, comment, language, attributes)
    SELECT {uuid}, {now}, {now}, {source}, r.external_id, 'response', {moment}, t.id, c.id, s.id,
        r.nps, r.csat, r.ces, '{{}}', coalesce(r.comment, ''), '', '{{}}'
    FROM bench_raw r LEFT JOIN touchpoints_touchpoint t ON lower(t.code) = lower(r.touchpoint)
    LEFT JOIN touchpoints_channel c ON lower(c.code) = lower(r.channel)
    LEFT JOIN journeys_segment s ON lower(s.code) = lower(r.segment)
"""
FLOOR_SOURCE = """
    INSERT INTO feedback_datasource (public_id, created_at, updated_at, name, kind, description, layout, mapping)
    VALUES ({uuid}, {now}, {now}, 'Schema floor', 'survey', '', '', '{{}}')
"""


def floor_postgresql(db: Database, path: Path, rows: int) -> dict:
    db.fresh()
    raw_postgresql(db, path, rows, keep=True)  # untimed here: only fills bench_raw
    values = {"uuid": "gen_random_uuid()", "now": "now()"}
    with db.connect_pg() as conn:
        source = conn.execute(FLOOR_SOURCE.format(**values) + " RETURNING id").fetchone()[0]
        conn.commit()
        started = time.perf_counter()
        conn.execute(FLOOR_INSERT.format(**values, source=source, moment="r.responded_at"))
        conn.commit()  # the deferred foreign-key checks run here
        seconds = time.perf_counter() - started
        stored = conn.execute("SELECT count(*) FROM feedback_feedback").fetchone()[0]
    assert stored == rows, stored
    return {"seconds": seconds, "rows_per_s": rows / seconds}


def floor_sqlite(db: Database, path: Path, rows: int) -> dict:
    db.fresh()
    raw_sqlite(db, path, rows, keep=True)
    conn = sqlite3.connect(db.sqlite_path(), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    values = {"uuid": "lower(hex(randomblob(16)))", "now": "datetime('now')"}
    source = conn.execute(FLOOR_SOURCE.format(**values)).lastrowid
    moment = "replace(replace(r.responded_at, 'T', ' '), 'Z', '')"
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute(FLOOR_INSERT.format(**values, source=source, moment=moment))
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    stored = conn.execute("SELECT count(*) FROM feedback_feedback").fetchone()[0]
    conn.close()
    assert stored == rows, stored
    return {"seconds": seconds, "rows_per_s": rows / seconds}


FLOOR = {"sqlite": floor_sqlite, "postgresql": floor_postgresql}

# The idempotency ceiling: the least any import that keeps the issue's own rule ("a repeated record updates,
# never duplicates") must do. The same one statement as the floor, into a copy of the feedback table that keeps
# only its primary key and the unique (source, external id) index the rule needs (no other index, no foreign
# key), with ON CONFLICT so that a repeated id does not make a second row. Nothing a real import needs beyond
# that (validation, the indexes the pages read through, referential checks, rollups) is in it.
CEILING_TABLE = """
    CREATE TABLE bench_ceiling (LIKE feedback_feedback INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
    ALTER TABLE bench_ceiling ADD PRIMARY KEY (id);
    ALTER TABLE bench_ceiling ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;
    CREATE UNIQUE INDEX bench_ceiling_unique ON bench_ceiling (source_id, external_id);
"""
CEILING_TABLE_SQLITE = """
    CREATE TABLE bench_ceiling (id integer PRIMARY KEY AUTOINCREMENT, public_id char(32) NOT NULL,
        created_at datetime NOT NULL, updated_at datetime NOT NULL, source_id bigint NOT NULL,
        external_id varchar(120) NOT NULL, kind varchar(10) NOT NULL, responded_at datetime NOT NULL,
        touchpoint_id bigint, channel_id bigint, segment_id bigint,
        nps smallint CHECK (nps IS NULL OR nps BETWEEN 0 AND 10),
        csat smallint CHECK (csat IS NULL OR csat BETWEEN 1 AND 5),
        ces smallint CHECK (ces IS NULL OR ces BETWEEN 1 AND 7), scores text NOT NULL, comment text NOT NULL,
        language varchar(8) NOT NULL, attributes text NOT NULL, customer_id bigint, import_job_id bigint);
    CREATE UNIQUE INDEX bench_ceiling_unique ON bench_ceiling (source_id, external_id);
"""


def ceiling_postgresql(db: Database, path: Path, rows: int) -> dict:
    db.fresh()
    raw_postgresql(db, path, rows, keep=True)  # untimed here: only fills bench_raw
    values = {"uuid": "gen_random_uuid()", "now": "now()"}
    with db.connect_pg() as conn:
        conn.execute(CEILING_TABLE)
        conn.commit()
        sql = FLOOR_INSERT.format(**values, source=1, moment="r.responded_at").replace(
            "INSERT INTO feedback_feedback", "INSERT INTO bench_ceiling"
        )
        started = time.perf_counter()
        conn.execute(sql + " ON CONFLICT (source_id, external_id) DO NOTHING")
        conn.commit()
        seconds = time.perf_counter() - started
        stored = conn.execute("SELECT count(*) FROM bench_ceiling").fetchone()[0]
    assert stored == rows, stored
    return {"seconds": seconds, "rows_per_s": rows / seconds}


def ceiling_sqlite(db: Database, path: Path, rows: int) -> dict:
    db.fresh()
    raw_sqlite(db, path, rows, keep=True)
    conn = sqlite3.connect(db.sqlite_path(), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(CEILING_TABLE_SQLITE)
    values = {"uuid": "lower(hex(randomblob(16)))", "now": "datetime('now')"}
    moment = "replace(replace(r.responded_at, 'T', ' '), 'Z', '')"
    sql = FLOOR_INSERT.format(**values, source=1, moment=moment).replace(
        "INSERT INTO feedback_feedback", "INSERT INTO bench_ceiling"
    )
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute(sql + " WHERE true ON CONFLICT (source_id, external_id) DO NOTHING")
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    stored = conn.execute("SELECT count(*) FROM bench_ceiling").fetchone()[0]
    conn.close()
    assert stored == rows, stored
    return {"seconds": seconds, "rows_per_s": rows / seconds}


CEILING = {"sqlite": ceiling_sqlite, "postgresql": ceiling_postgresql}


def bench_engine(
    engine: str, path: Path, rows: int, repeat: int, db_name: str = "opencxm_bench", with_floor: bool = True
) -> dict:
    db = Database(engine, db_name)
    db.prepare_template()
    product, raw, floor, ceiling = [], [], [], []
    for attempt in range(1, repeat + 1):
        result = product_import(db, path, rows)
        log(f"{engine} product #{attempt}: {result['seconds']:.1f} s, {result['rows_per_s']:.0f} rows/s, "
            f"peak RSS {result['peak_rss_mb']:.0f} MB")  # fmt: skip
        product.append(result)
        reference = RAW[engine](db, path, rows)  # same fresh database, right after the product run
        log(f"{engine} raw #{attempt}: {reference['seconds']:.2f} s, {reference['rows_per_s']:.0f} rows/s")
        raw.append(reference)
        if with_floor:
            schema = FLOOR[engine](db, path, rows)
            log(f"{engine} schema floor #{attempt}: {schema['seconds']:.2f} s, {schema['rows_per_s']:.0f} rows/s")
            floor.append(schema)
            bare = CEILING[engine](db, path, rows)
            log(f"{engine} idempotency ceiling #{attempt}: {bare['seconds']:.2f} s, {bare['rows_per_s']:.0f} rows/s")
            ceiling.append(bare)
    product_rate = median([r["rows_per_s"] for r in product])
    raw_rate = median([r["rows_per_s"] for r in raw])
    floor_rate = median([r["rows_per_s"] for r in floor]) if floor else None
    ceiling_rate = median([r["rows_per_s"] for r in ceiling]) if ceiling else None
    return {
        "rows": rows,
        "product_rows_per_s": round(product_rate),
        "raw_rows_per_s": round(raw_rate),
        "ratio": round(product_rate / raw_rate, 4),
        "floor_rows_per_s": round(floor_rate) if floor else None,
        "floor_over_raw": round(floor_rate / raw_rate, 4) if floor else None,
        "product_over_floor": round(product_rate / floor_rate, 4) if floor else None,
        "floor_seconds": [round(r["seconds"], 3) for r in floor],
        "ceiling_rows_per_s": round(ceiling_rate) if ceiling else None,
        "ceiling_over_raw": round(ceiling_rate / raw_rate, 4) if ceiling else None,
        "ceiling_seconds": [round(r["seconds"], 3) for r in ceiling],
        "peak_rss_mb": round(max(r["peak_rss_mb"] for r in product), 1),
        "product_seconds": [round(r["seconds"], 2) for r in product],
        "raw_seconds": [round(r["seconds"], 3) for r in raw],
        "peak_rss_mb_runs": [round(r["peak_rss_mb"], 1) for r in product],
        "raw_method": "COPY FROM STDIN (csv)" if engine == "postgresql" else "executemany, one transaction",
        "product_output_tail": product[-1]["output_tail"][-600:],
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--csv", type=Path, help="CSV to use (default: generated under /tmp, reused)")
    parser.add_argument("--name", help="result file name (default: import-<rows>)")
    parser.add_argument("--db-name", default="opencxm_bench", help="bench database name (and <name>_tpl template)")
    parser.add_argument("--no-floor", action="store_true",
                        help="skip the schema floor and the idempotency ceiling (plain INSERT ... SELECT)")  # fmt: skip
    args = parser.parse_args(argv)
    path = args.csv or Path(f"/tmp/opencxm-bench-feedback-{args.rows}.csv")
    if not path.exists():
        log(f"generating {args.rows} rows into {path}")
        generate.write(path, args.rows)
    results = {}
    command = "python bench/import_bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    for engine in args.engines.split(","):
        results[engine] = bench_engine(engine, path, args.rows, args.repeat, args.db_name, not args.no_floor)
        # saved after every engine, so a failure later keeps the figures measured so far
        save(args.name or f"import-{args.rows}", {"command": command.strip(), "repeat": args.repeat,
                                                  "csv_mb": round(path.stat().st_size / 1e6, 1),
                                                  "results": results})  # fmt: skip
    for engine, r in results.items():
        print(f"{engine}: {r['rows']} rows, product {r['product_rows_per_s']} rows/s, "
              f"raw {r['raw_rows_per_s']} rows/s, ratio {r['ratio']:.3f}, peak RSS {r['peak_rss_mb']} MB, "
              f"schema floor {r['floor_rows_per_s']} rows/s (floor/raw {r['floor_over_raw']}, "
              f"product/floor {r['product_over_floor']}), idempotency ceiling {r['ceiling_rows_per_s']} rows/s "
              f"(ceiling/raw {r['ceiling_over_raw']})")  # fmt: skip


if __name__ == "__main__":
    main()
