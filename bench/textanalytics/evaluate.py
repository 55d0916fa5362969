"""Evaluation harness for the text-analytics engines.

Sentiment: accuracy and macro-F1 per data set (= per language) and per class, for each engine.
Topics: precision/recall of the taxonomy (rules, plus the quality engine's similarity fallback) on
bench/textanalytics/labelled_telecom.csv.

Data (never copied into the repository, read from ../shared/data/labelled relative to the repository root,
skipped when absent):

* germeval2017-dev (de): GermEval 2017 dev, Deutsche Bahn customer feedback, document sentiment, 3 classes
* sb10k-de (de): SB-10k German tweets, dev file, 3 classes
* hotel-absa-de (de): German hotel-review sentences (dev file), 3 classes, sentences with one polarity only
* uci-sentences-en (en): Amazon/Yelp/IMDb review sentences, 2 classes (neutral predictions count as errors)
* labelled_telecom (de, en): 100 telecom comments written and labelled by the OpenCXM team after the rules and
  seeds were written (sentiment, 3 classes, and topics)

Split: every item has a fixed part by the MD5 of its text: "dev" (30 %, the only part anyone may look at for
tuning) and "test" (70 %, never tuned on). Figures are reported on the test part. Rules, cues and seeds were
tuned only on docs/research/textanalytics_devset.csv (in the research folder, not part of any set here).

Usage::

    .venv/bin/python -m bench.textanalytics.evaluate [--engines fast,quality] [--limit 400] [--part test]
        [--json bench/textanalytics/results/evaluation.json]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
import xml.etree.ElementTree as ET  # noqa: S405 - local research data
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "labelled"
HERE = Path(__file__).resolve().parent
LABELS = ("negative", "neutral", "positive")


def part_of(text: str) -> str:
    h = int(hashlib.md5(text.encode("utf-8")).hexdigest()[:8], 16)  # noqa: S324 - not security
    return "dev" if h % 10 < 3 else "test"


# ---- loaders: (dataset, language, text, gold sentiment, gold topics or None) -------------------------------


def load_germeval():
    path = DATA / "germeval2017-dev" / "dev_v1.4.xml"
    if not path.exists():
        return
    for doc in ET.parse(path).getroot().iter("Document"):  # noqa: S314
        text, label = doc.findtext("text") or "", doc.findtext("sentiment")
        if text.strip() and label in LABELS:
            yield "germeval2017-dev", "de", text, label, None


def load_sb10k():
    path = DATA / "sb10k-de" / "dev.tsv"
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) > 2 and cols[1] in LABELS:
            yield "sb10k-de", "de", cols[2], cols[1], None


def load_hotel():
    path = DATA / "hotel-absa-de" / "dev.txt"
    if not path.exists():
        return
    mapping = {"positiv": "positive", "negativ": "negative", "neutral": "neutral"}
    for line in path.read_text(encoding="utf-8").splitlines():
        labels, _, text = line.partition("\t")
        pols = {mapping.get(lb.rsplit(":", 1)[-1]) for lb in labels.split()}
        if len(pols) == 1 and None not in pols and text.strip():
            yield "hotel-absa-de", "de", text, pols.pop(), None


def load_uci():
    folder = DATA / "uci-sentences-en"
    for name in ("amazon_cells_labelled.txt", "yelp_labelled.txt", "imdb_labelled.txt"):
        path = folder / name
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            text, _, label = line.rpartition("\t")
            if label.strip() in ("0", "1") and text.strip():
                yield "uci-sentences-en", "en", text.strip(), "positive" if label.strip() == "1" else "negative", None


def load_telecom():
    with (HERE / "labelled_telecom.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            topics = {t for t in row["topics"].split("|") if t}
            yield f"labelled_telecom-{row['lang']}", row["lang"], row["text"], row["sentiment"], topics


LOADERS = (load_germeval, load_sb10k, load_hotel, load_uci, load_telecom)


# ---- metrics -------------------------------------------------------------------------------------------------


def sentiment_metrics(gold: list[str], pred: list[str]) -> dict:
    classes = [c for c in LABELS if c in set(gold)]
    per_class = {}
    for c in classes:
        tp = sum(g == c and p == c for g, p in zip(gold, pred, strict=True))
        fp = sum(g != c and p == c for g, p in zip(gold, pred, strict=True))
        fn = sum(g == c and p != c for g, p in zip(gold, pred, strict=True))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_class[c] = {"precision": round(prec, 3), "recall": round(rec, 3), "f1": round(f1, 3), "n": tp + fn}
    return {
        "n": len(gold),
        "accuracy": round(sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold), 3) if gold else 0.0,
        "macro_f1": round(sum(v["f1"] for v in per_class.values()) / len(per_class), 3) if per_class else 0.0,
        "classes": per_class,
        "predicted": dict(Counter(pred)),
    }


def topic_metrics(gold: list[set[str]], pred: list[set[str]]) -> dict:
    def pr(g_sets, p_sets):
        tp = sum(len(g & p) for g, p in zip(g_sets, p_sets, strict=True))
        npred = sum(len(p) for p in p_sets)
        ngold = sum(len(g) for g in g_sets)
        prec = tp / npred if npred else 0.0
        rec = tp / ngold if ngold else 0.0
        return {"precision": round(prec, 3), "recall": round(rec, 3), "predicted": npred, "gold": ngold}

    def parents(sets):
        return [{t.split(".")[0] for t in s} for s in sets]

    return {"child": pr(gold, pred), "parent": pr(parents(gold), parents(pred))}


# ---- run -----------------------------------------------------------------------------------------------------


def collect(part: str, limit: int | None) -> dict[str, list[tuple]]:
    by_set: dict[str, list[tuple]] = {}
    for loader in LOADERS:
        for item in loader():
            if part != "all" and part_of(item[2]) != part:
                continue
            by_set.setdefault(item[0], []).append(item)
    if limit:
        for name, items in by_set.items():
            if len(items) > limit:  # deterministic sample: smallest hashes
                items.sort(key=lambda it: hashlib.sha1(it[2].encode()).hexdigest())  # noqa: S324
                by_set[name] = items[:limit]
    return by_set


def evaluate(engine_names: list[str], part: str = "test", limit: int | None = None, use_language=True) -> dict:
    from opencxm.textanalytics.engine import get_engine

    data = collect(part, limit)
    report: dict = {"part": part, "limit": limit, "engines": {}}
    for name in engine_names:
        engine = get_engine(name)
        res: dict = {"sentiment": {}, "topics": {}, "seconds": {}}
        for ds, items in sorted(data.items()):
            texts = [it[2] for it in items]
            langs = [it[1] for it in items] if use_language else None
            started = time.perf_counter()
            analyses = []
            for i in range(0, len(texts), 64):
                analyses.extend(engine.analyze_many(texts[i : i + 64], langs[i : i + 64] if langs else None))
            res["seconds"][ds] = round(time.perf_counter() - started, 2)
            res["sentiment"][ds] = sentiment_metrics([it[3] for it in items], [a.sentiment_label for a in analyses])
            if items[0][4] is not None:
                res["topics"][ds] = topic_metrics(
                    [it[4] for it in items], [{t.key for t in a.topics} for a in analyses]
                )
            print(
                f"{name:8} {ds:22} n={len(items):5} acc={res['sentiment'][ds]['accuracy']:.3f} "
                f"macroF1={res['sentiment'][ds]['macro_f1']:.3f}",
                file=sys.stderr,
            )
        report["engines"][name] = res
    return report


def markdown(report: dict) -> str:
    lines = [
        f"Part: {report['part']}" + (f", at most {report['limit']} items per set" if report["limit"] else ""),
        "",
        "| engine | data set | lang | n | accuracy | macro-F1 | F1 negative | F1 neutral | F1 positive |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, res in report["engines"].items():
        for ds, m in res["sentiment"].items():
            lang = "en" if ds.endswith("-en") else "de"
            f = {c: (f"{m['classes'][c]['f1']:.2f}" if c in m["classes"] else "–") for c in LABELS}
            lines.append(
                f"| {name} | {ds} | {lang} | {m['n']} | {m['accuracy']:.3f} | {m['macro_f1']:.3f} | "
                f"{f['negative']} | {f['neutral']} | {f['positive']} |"
            )
    lines += [
        "",
        "| engine | data set | topic precision | topic recall | parent precision | parent recall |",
        "|---|---|---|---|---|---|",
    ]
    for name, res in report["engines"].items():
        for ds, t in res["topics"].items():
            lines.append(
                f"| {name} | {ds} | {t['child']['precision']:.3f} | {t['child']['recall']:.3f} | "
                f"{t['parent']['precision']:.3f} | {t['parent']['recall']:.3f} |"
            )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", default="fast")
    parser.add_argument("--part", choices=("test", "dev", "all"), default="test")
    parser.add_argument("--limit", type=int, default=None, help="at most N items per data set")
    parser.add_argument("--detect-language", action="store_true", help="ignore the data set's language")
    parser.add_argument("--json", help="write the full report here")
    args = parser.parse_args(argv)
    if not DATA.exists():
        print(f"note: {DATA} not found; only labelled_telecom.csv is evaluated", file=sys.stderr)
    report = evaluate(args.engines.split(","), args.part, args.limit, use_language=not args.detect_language)
    print(markdown(report))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
