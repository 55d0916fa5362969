"""Write a realistic feedback CSV of N rows for the import benchmark (streaming, constant memory, seeded).

    .venv/bin/python bench/generate.py /tmp/feedback-1m.csv --rows 1000000 [--seed 3]

Columns: response_id, responded_at (ISO 8601 UTC over one year), touchpoint (an active touchpoint code of
the demo company Musterfrau AG, e.g. TP-HOT-08, weighted), channel (that touchpoint's channel code),
segment (a demo segment code, a few empty), nps (0-10), csat (1-5), ces (1-7) (each sometimes empty),
comment (a German comment on about 35 % of the rows, some with commas, quotes and line breaks).
`mapping.json` next to this script maps these columns for `opencxm import --mapping`.
"""

import argparse
import csv
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

HEADER = ["response_id", "responded_at", "touchpoint", "channel", "segment", "nps", "csat", "ces", "comment"]
START = datetime(2025, 11, 1, tzinfo=UTC)
SECONDS_PER_YEAR = 365 * 24 * 3600
COMMENT_SHARE = 0.35

OPENINGS = [
    "Die Beratung war freundlich",
    "Der Techniker kam pünktlich",
    "Ich habe lange in der Warteschleife gehangen",
    "Die Rechnung ist schwer zu verstehen",
    "Die App stürzt beim Login ab",
    "Mein Anliegen wurde sofort gelöst",
    "Der Router kam zwei Tage zu spät",
    "Niemand hat zurückgerufen",
    "Die Bestellung im Webshop war einfach",
    "Der Mitarbeiter im Shop hat sich viel Zeit genommen",
    "Die Störung wurde schnell behoben",
    "Der Tarifwechsel hat nicht geklappt",
    "Die Umzugsmeldung war kompliziert",
    "Der Chatbot hat meine Frage nicht verstanden",
    "Die Kündigungsbestätigung kam nie an",
]
ENDINGS = [
    ".",
    ", vielen Dank!",
    ", das ärgert mich sehr.",
    " – weiter so.",
    ", bitte verbessern Sie das.",
    '. Zitat Hotline: "Da kann man nichts machen."',
    ", obwohl ich seit 10 Jahren Kunde bin.",
    ".\nZweiter Versuch, wieder dasselbe Problem.",
    "; insgesamt aber zufrieden.",
    ", Kosten: 49,90 € extra.",
]


def demo_touchpoints() -> list[tuple[str, str, float]]:
    """(code, channel code, weight) of the demo company's active touchpoints; hotline and web weigh more."""
    from opencxm.demo.touchpoints import TOUCHPOINTS

    weights = {"hotline": 4.0, "website": 3.0, "app": 3.0, "email": 2.0, "chat": 2.0}
    return [(t["code"], t["channel"], weights.get(t["channel"], 1.0)) for t in TOUCHPOINTS if t["status"] == "active"]


def demo_segments() -> list[str]:
    from opencxm.demo.company import SEGMENTS

    return [segment["code"] for segment in SEGMENTS]


def rows(count: int, seed: int):
    """Yield `count` CSV rows; every value comes from one seeded generator."""
    rng = random.Random(seed)
    touchpoints = demo_touchpoints()
    codes = [t[:2] for t in touchpoints]
    cumulative, total = [], 0.0
    for _code, _channel, weight in touchpoints:
        total += weight
        cumulative.append(total)
    segments = demo_segments() + [""]  # about a quarter without a known segment
    # per-touchpoint quality so that scores differ between touchpoints
    quality = {code: rng.uniform(-1.5, 1.0) for code, _channel in codes}
    for number in range(1, count + 1):
        code, channel = codes[_pick(rng.random() * total, cumulative)]
        moment = START + timedelta(seconds=rng.randrange(SECONDS_PER_YEAR))
        base = rng.gauss(7.6 + quality[code], 2.0)
        nps = min(10, max(0, round(base)))
        csat = "" if rng.random() < 0.08 else min(5, max(1, round(1 + base * 0.42 + rng.gauss(0, 0.5))))
        ces = "" if rng.random() < 0.15 else min(7, max(1, round(8 - base * 0.6 + rng.gauss(0, 0.7))))
        comment = ""
        if rng.random() < COMMENT_SHARE:
            comment = rng.choice(OPENINGS) + rng.choice(ENDINGS)
        yield [
            f"R-{seed}-{number:08d}",
            moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            code,
            channel,
            rng.choice(segments),
            nps,
            csat,
            ces,
            comment,
        ]


def _pick(value: float, cumulative: list[float]) -> int:
    from bisect import bisect_right

    return min(bisect_right(cumulative, value), len(cumulative) - 1)


def write(path: Path, count: int, seed: int = 3) -> Path:
    """Write the CSV (UTF-8, comma-separated, quoted where needed) and return its path."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        batch = []
        for row in rows(count, seed):
            batch.append(row)
            if len(batch) == 10_000:
                writer.writerows(batch)
                batch = []
        writer.writerows(batch)
    return path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    write(args.path, args.rows, args.seed)
    print(f"wrote {args.rows} rows to {args.path} ({args.path.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
