# ruff: noqa: S108, S608 -- a benchmark: a fixed /tmp path and SQL built from constants
"""Filtered discovery against pm4py on the real log (../shared/data/event-logs/helpdesk.xes.gz), in one process:
the request as the user makes it (`selectors.discover(Filters(...))`, from the database) vs pm4py filtering
its already loaded log the same way and running `discover_dfg` + `get_variants` on the result.

Filters: a period (cases that started within a month / a quarter, local days in OPENCXM_TIME_ZONE; pm4py:
the cases whose first event falls in it, selected on its DataFrame) and an activity (cases containing it;
pm4py: `filter_event_attribute_values(level="case")`). Helpdesk carries no channel, segment or feedback, so
those filters are measured on synthetic data (scale_bench.py). `equal`: directly-follows counts and variants
identical to pm4py's.

    .venv/bin/python -m bench.events.filtered_bench --engine sqlite|postgres [--runs 9]

Prints a Markdown table and writes bench/results/events-filtered-<engine>.json.
"""

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.events.common import fresh_database, timed

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT.parent / "shared" / "data" / "event-logs" / "helpdesk.xes.gz"
SQLITE = Path("/tmp/h_events10m_filtered.sqlite3")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_NAME = "h_events10m_filtered"


def _database(engine: str) -> str:
    return fresh_database(engine, SQLITE, PG, PG_NAME)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    if not LOG.exists():
        sys.exit(f"{LOG} not found")
    os.environ["DATABASE_URL"] = _database(args.engine)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencxm.config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import pm4py

    from opencxm.events import selectors, services

    result = services.events_import_file(actor=None, path=LOG, filename=LOG.name, log_name="helpdesk")
    log_id = str(result.log.public_id)
    frame = pm4py.read_xes(str(LOG), show_progress_bar=False)
    zone = ZoneInfo(settings.TIME_ZONE)

    def peer_period(first: date, last: date):
        starts = frame.groupby("case:concept:name")["time:timestamp"].min().dt.tz_convert(zone).dt.date
        chosen = starts[(starts >= first) & (starts <= last)].index
        selected = frame[frame["case:concept:name"].isin(chosen)]
        return pm4py.discover_dfg(selected)[0], pm4py.get_variants(selected)

    def peer_activity(name: str):
        selected = pm4py.filter_event_attribute_values(frame, "concept:name", [name], level="case", retain=True)
        return pm4py.discover_dfg(selected)[0], pm4py.get_variants(selected)

    cases = {"month": (date(2011, 1, 1), date(2011, 1, 31)), "quarter": (date(2011, 1, 1), date(2011, 3, 31))}
    requests = {
        name: (selectors.Filters(log=log_id, start=first, end=last),
               lambda first=first, last=last: peer_period(first, last))
        for name, (first, last) in cases.items()
    }  # fmt: skip
    requests["activity"] = (selectors.Filters(log=log_id, activity="Wait"),
                            lambda: peer_activity("Wait"))  # fmt: skip
    rows = []
    for name, (filters, peer) in requests.items():
        ours_s, ours_cpu, ours = timed(lambda filters=filters: selectors.discover(filters), args.runs)
        exact_s, _cpu, _exact = timed(lambda filters=filters: selectors.discover(filters, summaries=False), args.runs)
        peer_s, peer_cpu, (dfg, variants) = timed(peer, args.runs)
        equal = {(e.source, e.target): e.count for e in ours.edges} == dict(dfg) and {
            tuple(v["path"]): v["count"] for v in ours.variants
        } == {k: (len(v) if isinstance(v, list) else v) for k, v in variants.items()}
        rows.append({
            "request": name, "cases": ours.cases, "seconds": round(ours_s, 4),
            "process_cpu_seconds": round(ours_cpu, 4), "exact_path_seconds": round(exact_s, 4),
            "pm4py_seconds": round(peer_s, 4), "pm4py_cpu_seconds": round(peer_cpu, 4),
            "speedup": round(peer_s / ours_s, 2), "equal_to_pm4py": equal,
        })  # fmt: skip
    out = {"engine": args.engine, "events": result.received, "pm4py": pm4py.__version__,
           "load_average": round(os.getloadavg()[0], 2), "requests": rows}  # fmt: skip
    (ROOT / "bench" / "results" / f"events-filtered-{args.engine}.json").write_text(json.dumps(out, indent=1) + "\n")
    print(f"load average {out['load_average']}")
    print("| engine | request | cases | discovery (s) | exact path (s) | pm4py filter+dfg+variants (s) | × | equal |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {args.engine} | {row['request']} | {row['cases']} | {row['seconds']} | {row['exact_path_seconds']} | "
              f"{row['pm4py_seconds']} | {row['speedup']} | {row['equal_to_pm4py']} |")  # fmt: skip


if __name__ == "__main__":
    main()
