# ruff: noqa: S108, S608 -- a benchmark: a fixed /tmp path and SQL built from constants
"""Event logs against pm4py, in the same process on the same real log (../shared/data/event-logs/helpdesk.xes.gz):

1. importing the XES file (parse, validate, write events, cases, variants, transitions) vs `pm4py.read_xes`, run
   alternately (so both meet the same load on a shared machine), wall time and CPU time (for the import: this
   process plus its PostgreSQL backend, read from /proc when the server runs on this machine);
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
import resource
import statistics
import sys
import time
from pathlib import Path

from bench.events.common import fresh_database

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT.parent / "shared" / "data" / "event-logs" / "helpdesk.xes.gz"
# BENCH_SQLITE / BENCH_PG_NAME: another file or database name, when several people run the bench at once
SQLITE = Path(os.environ.get("BENCH_SQLITE", "/tmp/opencxm-bench-events.sqlite3"))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_NAME = os.environ.get("BENCH_PG_NAME", "opencxm_bench_events")


def _database(engine: str) -> str:
    return fresh_database(engine, SQLITE, PG, PG_NAME)


def _timed(function, runs: int) -> tuple[float, object]:
    times, result = [], None
    for run in range(runs):
        started = time.perf_counter()
        result = function(run)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _process_seconds() -> float:
    """CPU seconds of this process and of its finished child processes (the import's XES reading process)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _server_seconds() -> float:
    """CPU seconds of this session's PostgreSQL backend so far (same machine: /proc); 0 on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # the server on another machine
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _interleaved(ours, peer, runs: int) -> dict:
    """Import and read_xes alternately (the order swapped every run), so both meet the same machine load; the
    medians of wall time and of CPU time (this process, plus the database server's backend for the import)."""
    wall: dict = {"ours": [], "peer": []}
    cpu: dict = {"ours": [], "peer": []}
    results = {}
    for run in range(runs):
        for name in ("ours", "peer") if run % 2 == 0 else ("peer", "ours"):
            function = ours if name == "ours" else peer
            server, process, started = _server_seconds(), _process_seconds(), time.perf_counter()
            results[name] = function(run)
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(_process_seconds() - process + (_server_seconds() - server))
    return {
        "import_s": statistics.median(wall["ours"]),
        "read_s": statistics.median(wall["peer"]),
        "import_cpu_s": statistics.median(cpu["ours"]),
        "read_cpu_s": statistics.median(cpu["peer"]),
        "result": results["ours"],
        "log": results["peer"],
        "import_runs_s": [round(t, 3) for t in wall["ours"]],
        "read_runs_s": [round(t, 3) for t in wall["peer"]],
    }


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

    load_before = os.getloadavg()
    timed = _interleaved(ours_import, peer_read, args.runs)
    load_after = os.getloadavg()
    import_s, read_s, result, log = timed["import_s"], timed["read_s"], timed["result"], timed["log"]
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
        "import_cpu_seconds": round(timed["import_cpu_s"], 3),
        "pm4py_read_xes_cpu_seconds": round(timed["read_cpu_s"], 3),
        "import_cpu_speedup": round(timed["read_cpu_s"] / timed["import_cpu_s"], 2),
        "import_runs_seconds": timed["import_runs_s"],
        "pm4py_read_xes_runs_seconds": timed["read_runs_s"],
        "load_average_1min_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
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
    print(
        f"import CPU {rows['import_cpu_seconds']} s (process, its reading process + database backend) vs read_xes CPU "
        f"{rows['pm4py_read_xes_cpu_seconds']} s: {rows['import_cpu_speedup']}x; runs (s): import "
        f"{rows['import_runs_seconds']}, read_xes {rows['pm4py_read_xes_runs_seconds']}; load average "
        f"{rows['load_average_1min_before_after'][0]} -> {rows['load_average_1min_before_after'][1]}"
    )


if __name__ == "__main__":
    main()
