# ruff: noqa: S108, S311 -- a benchmark: a fixed /tmp path, a seeded (not cryptographic) generator
"""Handover friction on a large synthetic log: how long `handover_report` (the page's and the API's work) takes.

Cases walk a small seeded Markov chain over eight activities owned by five departments (through their mapped
touchpoints), 3–8 events each; ~40 % of the customers have an NPS answer, lower when the path had the
field-service → customer-service handover. Rows are written straight into the tables the import fills (events,
cases, variants, transitions with departments and times), because the import is not what is measured here.

    .venv/bin/python -m bench.events.handovers_bench --engine sqlite|postgres [--cases 200000] [--runs 3]

Prints the timings and writes bench/results/handovers-<engine>-<cases>.json.
"""

import argparse
import hashlib
import json
import os
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.events.common import fresh_database, timed

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_NAME = "opencxm_bench_handovers"
SQLITE = Path("/tmp/opencxm-bench-handovers.sqlite3")
START = datetime(2026, 1, 1, tzinfo=UTC)
ACTIVITIES = {  # activity: (channel kind, department code)
    "Online bestellt": ("web", "sales"),
    "Auftrag bestätigt": ("letter", "sales"),
    "Techniker-Termin": ("field_service", "field"),
    "Techniker vor Ort": ("field_service", "field"),
    "Hotline angerufen": ("hotline", "service"),
    "E-Mail geschrieben": ("email", "service"),
    "Rechnung erhalten": ("letter", "billing"),
    "Reklamation": ("email", "complaints"),
}
NEXT = {  # Markov chain: activity -> [(next, weight)]
    "Online bestellt": [("Auftrag bestätigt", 6), ("Hotline angerufen", 2), ("Techniker-Termin", 2)],
    "Auftrag bestätigt": [("Techniker-Termin", 6), ("Rechnung erhalten", 3), ("E-Mail geschrieben", 1)],
    "Techniker-Termin": [("Techniker vor Ort", 7), ("Hotline angerufen", 3)],
    "Techniker vor Ort": [("Rechnung erhalten", 5), ("Hotline angerufen", 3), ("Reklamation", 1)],
    "Hotline angerufen": [("Techniker-Termin", 3), ("Rechnung erhalten", 3), ("Hotline angerufen", 2),
                          ("E-Mail geschrieben", 1)],
    "E-Mail geschrieben": [("Hotline angerufen", 2), ("Rechnung erhalten", 3), ("Reklamation", 1)],
    "Rechnung erhalten": [("Reklamation", 1), ("Hotline angerufen", 1)],
    "Reklamation": [("Hotline angerufen", 2), ("Rechnung erhalten", 1)],
}  # fmt: skip


def _database(engine: str) -> str:
    return fresh_database(engine, SQLITE, PG, PG_NAME)


def _reused(engine: str) -> str:
    return f"sqlite:///{SQLITE}" if engine == "sqlite" else f"{PG}/{PG_NAME}"


def _counts() -> dict:
    from opencxm.events.models import Case, Event, EventLog, Transition
    from opencxm.feedback.models import Feedback

    return {"cases": Case.objects.count(), "events": Event.objects.count(), "transitions": Transition.objects.count(),
            "answers": Feedback.objects.count(), "log": str(EventLog.objects.get(name="bench").public_id)}  # fmt: skip


def _path(rng: random.Random) -> list[str]:
    path = ["Online bestellt"]
    for _ in range(rng.randint(2, 7)):
        names, weights = zip(*NEXT[path[-1]], strict=True)
        path.append(rng.choices(names, weights)[0])
    return path


def _company():
    from opencxm.accounts.models import Department
    from opencxm.events.models import Activity, EventLog
    from opencxm.feedback.models import DataSource
    from opencxm.touchpoints.models import Channel, Touchpoint

    departments = {code: Department.objects.create(code=code, name=code.title())
                   for code in {d for _, d in ACTIVITIES.values()}}  # fmt: skip
    channels = {
        kind: Channel.objects.create(code=kind, name=kind, kind=kind) for kind in {k for k, _ in ACTIVITIES.values()}
    }
    activities = {}
    for n, (name, (kind, code)) in enumerate(ACTIVITIES.items()):
        touchpoint = Touchpoint.objects.create(code=f"TP-B{n}", name=name, channel=channels[kind],
                                               owner_department=departments[code])  # fmt: skip
        activities[name] = Activity.objects.create(name=name, touchpoint=touchpoint).pk
    source = DataSource.objects.create(name="bench survey", kind="survey")
    return EventLog.objects.create(name="bench"), activities, source


def generate(cases: int, seed: int = 7) -> dict:
    """Write `cases` synthetic cases; returns the counts written."""
    from django.db import transaction

    from opencxm.events import bulk
    from opencxm.events.models import Case, Event, Transition, Variant
    from opencxm.feedback.models import Customer, Feedback

    rng = random.Random(seed)
    log, activities, source = _company()
    variants: dict[tuple, int] = {}
    counts = {"cases": 0, "events": 0, "transitions": 0, "answers": 0}
    chunk = 10000
    with transaction.atomic():
        for first in range(0, cases, chunk):
            size = min(chunk, cases - first)
            customers = Customer.objects.bulk_create(
                [Customer(pseudonym=hashlib.sha256(f"b{first + i}".encode()).hexdigest()) for i in range(size)],
                batch_size=5000,
            )
            case_rows, event_rows, transition_rows, answers = [], [], [], []
            for i, customer in enumerate(customers):
                case_id = first + i + 1
                path = _path(rng)
                ids = tuple(activities[name] for name in path)
                if ids not in variants:
                    variants[ids] = Variant.objects.create(key=hashlib.sha256(repr(ids).encode()).hexdigest(),
                                                           path=list(ids), length=len(ids)).pk  # fmt: skip
                stamp = START + timedelta(minutes=rng.randint(0, 365 * 1440))
                times = [stamp]
                for _ in path[1:]:
                    times.append(times[-1] + timedelta(minutes=rng.choice([5, 30, 240, 1440, 2880, 7 * 1440])))
                case_rows.append((case_id, log.pk, f"{case_id:064d}", customer.pk, variants[ids], times[0], times[-1],
                                  len(path)))  # fmt: skip
                for n, (activity, at) in enumerate(zip(ids, times, strict=True)):
                    event_rows.append((case_id, activity, at, "", "", "{}", f"{case_id}-{n}"))
                for n in range(1, len(ids)):
                    transition_rows.append((case_id, ids[n - 1], ids[n], (times[n] - times[n - 1]).total_seconds(),
                                            times[n]))  # fmt: skip
                if rng.random() < 0.4:
                    hurt = (
                        "Techniker vor Ort" in path and "Hotline angerufen" in path[path.index("Techniker vor Ort") :]
                    )
                    score = min(10, max(0, round(rng.gauss(5.5 if hurt else 8.0, 2.2))))
                    answers.append(Feedback(source=source, external_id=f"b{case_id}", customer=customer, nps=score,
                                            responded_at=times[-1] + timedelta(days=2)))  # fmt: skip
            bulk.insert(Case, ["id", "log", "key", "customer", "variant", "started_at", "ended_at", "event_count"],
                        case_rows)  # fmt: skip
            bulk.insert(Event, ["case", "activity", "timestamp", "lifecycle", "resource", "attributes", "dedup_key"],
                        event_rows)  # fmt: skip
            bulk.insert(Transition, ["case", "from_activity", "to_activity", "seconds", "at"], transition_rows)
            Feedback.objects.bulk_create(answers, batch_size=5000)
            counts["cases"] += size
            counts["events"] += len(event_rows)
            counts["transitions"] += len(transition_rows)
            counts["answers"] += len(answers)
    return counts | {"log": str(log.public_id)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--cases", type=int, default=200000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="time the log a previous run generated")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = _reused(args.engine) if args.reuse else _database(args.engine)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencxm.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from opencxm.events.handovers import HandoverQuery, handover_report
    from opencxm.events.selectors import Filters

    started = time.perf_counter()
    counts = _counts() if args.reuse else generate(args.cases)
    generate_s = None if args.reuse else round(time.perf_counter() - started, 1)
    if args.engine == "postgres":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    everything_s, everything_cpu, report = timed(lambda: handover_report(HandoverQuery()), args.runs)
    quarter = Filters(log=counts["log"], start=START.date(), end=(START + timedelta(days=90)).date())
    quarter_s, quarter_cpu, _ = timed(lambda: handover_report(HandoverQuery(quarter)), args.runs)
    result = {
        "engine": args.engine,
        **{key: value for key, value in counts.items() if key != "log"},
        "generate_seconds": generate_s,
        "report_all_seconds": round(everything_s, 3),
        "report_quarter_seconds": round(quarter_s, 3),
        "report_all_process_cpu_seconds": round(everything_cpu, 3),
        "report_quarter_process_cpu_seconds": round(quarter_cpu, 3),
        "load_average": os.getloadavg()[0],
        "handovers": len(report.handovers),
        "top": report.ranked[0].key if report.ranked else None,
    }
    print(json.dumps(result, indent=1))
    out = ROOT / "bench" / "results" / f"handovers-{args.engine}-{counts['cases']}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
