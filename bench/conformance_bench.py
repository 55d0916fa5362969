# ruff: noqa: S311, S608 -- a benchmark: pseudo-random synthetic paths; SQL built from the model's table name
"""Designed against actual at scale: N cases over V distinct variants (paths of 30 activities mapped to
touchpoints), timed `journey_conformance` for a 6-step design. Run against a scratch database only:

    DATABASE_URL=sqlite:////tmp/conformance-bench.sqlite3 .venv/bin/python bench/conformance_bench.py 1000000 5000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/conformance_bench .venv/bin/python bench/conformance_bench.py ...

It migrates the database, deletes earlier bench rows (log "conformance-bench") and writes its own.
"""

import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencxm.config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from opencxm.accounts.models import Department  # noqa: E402
from opencxm.events.conformance import journey_conformance  # noqa: E402
from opencxm.events.models import Activity, Case, EventLog, Variant  # noqa: E402
from opencxm.events.selectors import Filters  # noqa: E402
from opencxm.touchpoints.models import Channel, Touchpoint  # noqa: E402

LOG = "conformance-bench"


def setup(cases: int, variants: int) -> list[int]:
    call_command("migrate", verbosity=0)
    EventLog.objects.filter(name=LOG).delete()
    channel, _ = Channel.objects.get_or_create(code="bench", defaults={"name": "Bench", "kind": "web"})
    department, _ = Department.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    touchpoints = [
        Touchpoint.objects.get_or_create(
            code=f"BENCH-{i:02d}", defaults={"name": f"Bench {i}", "channel": channel, "owner_department": department}
        )[0]
        for i in range(30)
    ]
    activities = []
    for i, touchpoint in enumerate(touchpoints):
        activity, _ = Activity.objects.get_or_create(name=f"bench activity {i}")
        activity.touchpoint = touchpoint if i < 25 else None  # five unmapped
        activity.save()
        activities.append(activity.pk)
    rng = random.Random(7)
    design = [touchpoints[i].pk for i in (0, 3, 5, 8, 12, 20)]
    with transaction.atomic():
        log = EventLog.objects.create(name=LOG)
        Variant.objects.filter(key__startswith="bench-").delete()
        rows = []
        for v in range(variants):
            path = [rng.choice(activities) for _ in range(rng.randint(3, 12))]
            rows.append(Variant(key=f"bench-{v}", path=path, length=len(path)))
        variant_ids = [variant.pk for variant in Variant.objects.bulk_create(rows, batch_size=2000)]
        start = datetime(2026, 1, 1, tzinfo=UTC)
        weights = [1 / (rank + 1) for rank in range(variants)]  # a few common paths, a long tail
        chosen = rng.choices(variant_ids, weights=weights, k=cases)
        table = Case._meta.db_table
        sql = (
            f"INSERT INTO {table} (log_id, key, variant_id, started_at, ended_at, event_count) "
            "VALUES (%s, %s, %s, %s, %s, %s)"
        )
        with connection.cursor() as cursor:
            for offset in range(0, cases, 50_000):
                batch = [
                    (log.pk, f"bench-{n}", chosen[n], start + timedelta(minutes=n), start + timedelta(minutes=n), 5)
                    for n in range(offset, min(cases, offset + 50_000))
                ]
                cursor.executemany(sql, batch)
    return design


def main() -> None:
    cases, variants = int(sys.argv[1]), int(sys.argv[2])
    began = time.perf_counter()
    design = setup(cases, variants)
    print(f"{connection.vendor}: {cases:,} cases, {variants:,} variants written in {time.perf_counter() - began:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    timings = []
    for _ in range(3):
        began = time.perf_counter()
        result = journey_conformance(design=design, filters=Filters())
        timings.append(time.perf_counter() - began)
    print(f"journey_conformance: median {statistics.median(timings):.2f} s of {[round(t, 2) for t in timings]}; "
          f"relevant {result.relevant:,}, follows {result.follows:,}, added {len(result.added)}")  # fmt: skip


if __name__ == "__main__":
    main()
