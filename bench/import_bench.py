# ruff: noqa: S108, S603, S608 -- a benchmark: fixed /tmp paths, its own commands and SQL built from constants
"""Benchmark (a): the product's feedback import against the raw bulk load of the same rows.

    .venv/bin/python bench/import_bench.py [--rows 1000000] [--repeat 3] [--engines sqlite,postgresql]

For each engine a fresh database (migrated, demo company loaded, no feedback) gets the generated CSV through
`opencxm import FILE --source NAME --mapping bench/mapping.json` in a subprocess (wall time, peak RSS of that
process via os.wait4). The reference, in this script, loads the same rows into a plain table with the same
columns: PostgreSQL `COPY ... FROM STDIN (FORMAT csv)`, SQLite `executemany` in one transaction (same
pragmas as the product: WAL, synchronous=NORMAL). Reported: rows/s of both, the ratio product/raw
(goal on PostgreSQL: >= 0.2) and peak RSS (goal: < 500 MB whatever the file size). Medians of --repeat runs.
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


def raw_postgresql(db: Database, path: Path, rows: int) -> dict:
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
        conn.execute("DROP TABLE bench_raw")
        conn.commit()
    assert stored == rows, stored
    return {"seconds": seconds, "rows_per_s": rows / seconds}


def raw_sqlite(db: Database, path: Path, rows: int) -> dict:
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


def bench_engine(engine: str, path: Path, rows: int, repeat: int, db_name: str = "opencxm_bench") -> dict:
    db = Database(engine, db_name)
    db.prepare_template()
    product, raw = [], []
    for attempt in range(1, repeat + 1):
        result = product_import(db, path, rows)
        log(f"{engine} product #{attempt}: {result['seconds']:.1f} s, {result['rows_per_s']:.0f} rows/s, "
            f"peak RSS {result['peak_rss_mb']:.0f} MB")  # fmt: skip
        product.append(result)
        reference = RAW[engine](db, path, rows)  # same fresh database, right after the product run
        log(f"{engine} raw #{attempt}: {reference['seconds']:.2f} s, {reference['rows_per_s']:.0f} rows/s")
        raw.append(reference)
    product_rate = median([r["rows_per_s"] for r in product])
    raw_rate = median([r["rows_per_s"] for r in raw])
    return {
        "rows": rows,
        "product_rows_per_s": round(product_rate),
        "raw_rows_per_s": round(raw_rate),
        "ratio": round(product_rate / raw_rate, 4),
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
    args = parser.parse_args(argv)
    path = args.csv or Path(f"/tmp/opencxm-bench-feedback-{args.rows}.csv")
    if not path.exists():
        log(f"generating {args.rows} rows into {path}")
        generate.write(path, args.rows)
    results = {}
    command = "python bench/import_bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    for engine in args.engines.split(","):
        results[engine] = bench_engine(engine, path, args.rows, args.repeat, args.db_name)
        # saved after every engine, so a failure later keeps the figures measured so far
        save(args.name or f"import-{args.rows}", {"command": command.strip(), "repeat": args.repeat,
                                                  "csv_mb": round(path.stat().st_size / 1e6, 1),
                                                  "results": results})  # fmt: skip
    for engine, r in results.items():
        print(f"{engine}: {r['rows']} rows, product {r['product_rows_per_s']} rows/s, "
              f"raw {r['raw_rows_per_s']} rows/s, ratio {r['ratio']:.3f}, peak RSS {r['peak_rss_mb']} MB")  # fmt: skip


if __name__ == "__main__":
    main()
