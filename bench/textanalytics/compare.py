"""Interleaved A/B of the fast engine: the engine package of an earlier commit against the working tree's.

The earlier ``opencxm/textanalytics/engine`` is written by ``git show`` into a temporary package and imported
beside the current one (both read the current data files). The same generated comments (speed.py's generator) go
through both, alternating which runs first, in chunks of ``--rows``; CPU seconds of this process. On a shared
machine both engines see the same load, so the ratio is the figure to quote.

Usage: .venv/bin/python -m bench.textanalytics.compare [--commit 672c75d] [--rows 5000] [--rounds 4]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.textanalytics.speed import ROOT, comment

ENGINE_DIR = "opencxm/textanalytics/engine"


def _git(*args: str) -> str:
    cmd = ["git", *args]  # our own fixed git commands on this checkout
    return subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout  # noqa: S603


def load_engine(commit: str, into: Path):
    package = into / "engine_then"
    package.mkdir()
    for name in _git("ls-tree", "--name-only", f"{commit}:{ENGINE_DIR}").split():
        if name.endswith(".py"):
            (package / name).write_text(_git("show", f"{commit}:{ENGINE_DIR}/{name}"), encoding="utf-8")
    sys.path.insert(0, str(into))
    return importlib.import_module("engine_then.fast").FastEngine


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="fast engine: earlier commit vs working tree")
    parser.add_argument("--commit", default="672c75d", help="earlier commit (default: before the speed-up)")
    parser.add_argument("--rows", type=int, default=5000, help="comments per chunk")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args(argv)
    from opencxm.textanalytics.engine.fast import FastEngine as Now

    with tempfile.TemporaryDirectory() as tmp:
        Then = load_engine(args.commit, Path(tmp))
        rng = random.Random(42)
        texts = [comment(rng) for _ in range(args.rows * args.rounds)]
        then, now = Then(), Now()
        then.analyze_many(texts[:300])
        now.analyze_many(texts[:300])
        cpu = {"then": 0.0, "now": 0.0}
        for r in range(args.rounds):
            chunk = texts[r * args.rows : (r + 1) * args.rows]
            order = (("then", then), ("now", now)) if r % 2 == 0 else (("now", now), ("then", then))
            for label, engine in order:
                t0 = time.process_time()
                engine.analyze_many(chunk)
                cpu[label] += time.process_time() - t0
    n = args.rows * args.rounds
    report = {
        "commit": args.commit,
        "comments": n,
        "load_avg": os.getloadavg(),
        "then_rows_per_cpu_s": round(n / cpu["then"]),
        "now_rows_per_cpu_s": round(n / cpu["now"]),
        "speed_up": round(cpu["then"] / cpu["now"], 2),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
