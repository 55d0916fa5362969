"""Try quality-engine seed sentences and neutral margins on the DEV parts of the labelled sets (never the test part).

The seeds' German additions and the neutral margin of version 2 were chosen with this loop: read the errors on
the dev parts, write new seed sentences (own words, never copied from a data set), compare macro-F1 per set.
Embeddings of the dev comments and of the seeds are cached (``~/.cache/opencxm/tune_seeds.pkl``, text -> vector),
so a second run only embeds new seed sentences.

Usage::

    .venv/bin/python -m bench.textanalytics.tune_seeds [--seeds opencxm/textanalytics/data/seeds.json]
        [--margins 0,0.002,0.004] [--errors germeval2017-dev --show 10]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import random
import sys
from pathlib import Path

import numpy as np

from .evaluate import LABELS, ROOT, collect, sentiment_metrics

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "opencxm" / "tune_seeds.pkl"
UCI_DEV_ITEMS = 300  # the English review set is large and easy; a fixed sample keeps the loop fast


class CachedEmbedder:
    def __init__(self, path: Path = CACHE):
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with path.open("rb") as fh:
                self.vectors = pickle.load(fh)  # noqa: S301 - our own local cache
        self._model = None

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            if self._model is None:
                from opencxm.textanalytics.engine.quality import E5Embedder

                self._model = E5Embedder()
            print(f"embedding {len(missing)} texts", file=sys.stderr)
            for text, vec in zip(missing, self._model.encode(missing), strict=True):
                self.vectors[text] = vec
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("wb") as fh:
                pickle.dump(self.vectors, fh)
        return np.stack([self.vectors[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)


def dev_sets() -> dict[str, list[tuple]]:
    data = collect("dev", None)
    if len(data.get("uci-sentences-en", [])) > UCI_DEV_ITEMS:
        items = sorted(data["uci-sentences-en"], key=lambda it: hashlib.sha1(it[2].encode()).hexdigest())  # noqa: S324
        data["uci-sentences-en"] = items[:UCI_DEV_ITEMS]
    return data


def centroids(seeds: dict, embedder: CachedEmbedder) -> np.ndarray:
    cents = []
    for label in LABELS:
        vecs = embedder.encode(list(seeds["sentiment"][label]))
        c = vecs.mean(axis=0)
        cents.append(c / np.linalg.norm(c))
    return np.stack(cents)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default=str(ROOT / "opencxm" / "textanalytics" / "data" / "seeds.json"))
    parser.add_argument("--margins", default="0,0.001,0.002,0.003,0.004", help="neutral margins to compare")
    parser.add_argument("--errors", help="print misclassified dev items of this data set (at the first margin)")
    parser.add_argument("--show", type=int, default=10)
    args = parser.parse_args(argv)

    from opencxm.textanalytics.engine.fast import FastEngine

    fast = FastEngine()
    embedder = CachedEmbedder()
    seeds = json.loads(Path(args.seeds).read_text(encoding="utf-8"))
    cents = centroids(seeds, embedder)
    data = dev_sets()
    vectors = {
        ds: embedder.encode([fast.prepare(it[2], it[1])[0] or "-" for it in items]) for ds, items in data.items()
    }
    margins = [float(m) for m in args.margins.split(",")]
    print("| neutral margin | " + " | ".join(data) + " |")
    print("|---|" + "---|" * len(data))
    for margin in margins:
        row = []
        for ds, items in data.items():
            sims = vectors[ds] @ cents.T + np.array([0.0, margin, 0.0])
            pred = [LABELS[i] for i in sims.argmax(axis=1)]
            row.append(f"{sentiment_metrics([it[3] for it in items], pred)['macro_f1']:.3f}")
        print(f"| {margin} | " + " | ".join(row) + " |")
    if args.errors:
        items = data[args.errors]
        sims = vectors[args.errors] @ cents.T + np.array([0.0, margins[0], 0.0])
        predicted = [LABELS[p] for p in sims.argmax(axis=1)]
        wrong = [(it[3], p, it[2]) for it, p in zip(items, predicted, strict=True) if it[3] != p]
        random.Random(0).shuffle(wrong)
        for gold, pred, text in wrong[: args.show]:
            print(f"gold {gold:8} predicted {pred:8} {text[:160]!r}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
