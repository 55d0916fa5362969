# ruff: noqa: S108, S608 -- a benchmark: a fixed /tmp path and SQL built from constants
"""Event logs against pm4py, in the same process on the same real log (../shared/data/event-logs/helpdesk.xes.gz):

1. importing the XES file (parse, validate, write events, cases, variants, transitions) vs `pm4py.read_xes`;
2. a discovery request (directly-follows map + variants, from the database) vs `pm4py.discover_dfg` plus
   `pm4py.get_variants` on pm4py's already loaded log. The request names the log, so it reads the per-log
   summaries kept on write (events/aggregates.py); the general computation from the per-case transitions (what
   any other filter takes, `summaries=False`) is timed beside it and must give the identical result.

    .venv/bin/pip install pm4py   # the `peer` extra; AGPL, benchmark/test use only
    .venv/bin/python -m bench.events.bench --engine sqlite|postgres [--runs 3]
    # own database / file: BENCH_PG_NAME=mine BENCH_SQLITE=/tmp/mine.sqlite3 .venv/bin/python -m bench.events.bench

Prints a Markdown table and writes bench/results/events-<engine>.json.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT.parent / "shared" / "data" / "event-logs" / "helpdesk.xes.gz"
# BENCH_SQLITE / BENCH_PG_NAME: another file or database name, when several people run the bench at once
SQLITE = Path(os.environ.get("BENCH_SQLITE", "/tmp/opencxm-bench-events.sqlite3"))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_NAME = os.environ.get("BENCH_PG_NAME", "opencxm_bench_events")


def _database(engine: str) -> str:
    if engine == "sqlite":
        SQLITE.unlink(missing_ok=True)
        return f"sqlite:///{SQLITE}"
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
        connection.execute(f"CREATE DATABASE {PG_NAME}")
    return f"{PG}/{PG_NAME}"


def _timed(function, runs: int) -> tuple[float, object]:
    times, result = [], None
    for run in range(runs):
        started = time.perf_counter()
        result = function(run)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not LOG.exists():
        sys.exit(f"{LOG} not found")
    os.environ["DATABASE_URL"] = _database(args.engine)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencxm.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import pm4py

    from opencxm.events import selectors, services

    def ours_import(run):
        return services.events_import_file(actor=None, path=LOG, filename=LOG.name, log_name=f"helpdesk-{run}")

    def peer_read(run):
        return pm4py.read_xes(str(LOG), show_progress_bar=False)

    import_s, result = _timed(ours_import, args.runs)
    read_s, log = _timed(peer_read, args.runs)
    filters = selectors.Filters(log=str(result.log.public_id))
    discover_s, ours = _timed(lambda run: selectors.discover(filters), args.runs * 3)
    general_s, general = _timed(lambda run: selectors.discover(filters, summaries=False), args.runs * 3)
    peer_s, (dfg, variants) = _timed(lambda run: (pm4py.discover_dfg(log)[0], pm4py.get_variants(log)), args.runs * 3)
    equal = {(e.source, e.target): e.count for e in ours.edges} == dict(dfg) and {
        tuple(v["path"]): v["count"] for v in ours.variants
    } == {k: (len(v) if isinstance(v, list) else v) for k, v in variants.items()}
    rows = {
        "engine": args.engine,
        "events": result.received,
        "import_seconds": round(import_s, 3),
        "pm4py_read_xes_seconds": round(read_s, 3),
        "discover_seconds": round(discover_s, 4),
        "discover_general_seconds": round(general_s, 4),
        "summaries_equal_general": ours == general,
        "pm4py_dfg_variants_seconds": round(peer_s, 4),
        "import_speedup": round(read_s / import_s, 2),
        "discover_speedup": round(peer_s / discover_s, 2),
        "equal_to_pm4py": equal,
        "pm4py": pm4py.__version__,
    }
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / f"events-{args.engine}.json").write_text(json.dumps(rows, indent=1) + "\n")
    print("| engine | events | import (s) | pm4py.read_xes (s) | × ", end="")
    print("| discovery (s) | general path (s) | pm4py dfg+variants (s) | × | equal |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.engine} | {rows['events']} | {rows['import_seconds']} | {rows['pm4py_read_xes_seconds']} | "
        f"{rows['import_speedup']} | {rows['discover_seconds']} | {rows['discover_general_seconds']} | "
        f"{rows['pm4py_dfg_variants_seconds']} | "
        f"{rows['discover_speedup']} | {equal and rows['summaries_equal_general']} |"
    )


if __name__ == "__main__":
    main()
