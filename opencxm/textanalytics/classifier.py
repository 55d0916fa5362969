"""A small multinomial naive Bayes sentiment classifier trained on the installation's corrections.

Plain Python (no extra dependency); serialised as JSON. Used when the quality engine's own classifier
is not installed, and measured on held-back corrections (accuracy, macro-F1).
"""

import json
import math
import re
from collections import Counter

LABELS = ("negative", "neutral", "positive")
WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def tokens(text: str) -> list[str]:
    return [word.lower() for word in WORD.findall(text or "")]


def train(rows: list[tuple[str, str]]) -> dict:
    """rows: (text, label). Returns the model (priors and word counts per label)."""
    docs, words = Counter(), {label: Counter() for label in LABELS}
    for text, label in rows:
        docs[label] += 1
        words[label].update(tokens(text))
    vocabulary = sorted(set().union(*(set(c) for c in words.values())))
    return {
        "docs": {label: docs[label] for label in LABELS},
        "words": {label: dict(words[label]) for label in LABELS},
        "totals": {label: sum(words[label].values()) for label in LABELS},
        "vocabulary": len(vocabulary),
    }


def predict(model: dict, text: str) -> tuple[str | None, float]:
    """The most likely label and its posterior probability."""
    total_docs = sum(model["docs"].values())
    if not total_docs:
        return None, 0.0
    scores = {}
    size = model["vocabulary"] + 1
    for label in LABELS:
        if not model["docs"][label]:
            continue
        score = math.log(model["docs"][label] / total_docs)
        counts, total = model["words"][label], model["totals"][label]
        for word in tokens(text):
            score += math.log((counts.get(word, 0) + 1) / (total + size))
        scores[label] = score
    best = max(scores, key=lambda label: (scores[label], label))
    peak = max(scores.values())
    norm = sum(math.exp(value - peak) for value in scores.values())
    return best, 1 / norm


def evaluate(model: dict, rows: list[tuple[str, str]]) -> dict:
    """Accuracy and macro-F1 (over the labels present) on held-back rows."""
    if not rows:
        return {"accuracy": None, "macro_f1": None}
    predicted = [predict(model, text)[0] for text, _ in rows]
    truth = [label for _, label in rows]
    accuracy = sum(p == t for p, t in zip(predicted, truth, strict=True)) / len(rows)
    f1s = []
    for label in sorted(set(truth) | {p for p in predicted if p}):
        tp = sum(p == label and t == label for p, t in zip(predicted, truth, strict=True))
        fp = sum(p == label and t != label for p, t in zip(predicted, truth, strict=True))
        fn = sum(p != label and t == label for p, t in zip(predicted, truth, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return {"accuracy": round(accuracy, 4), "macro_f1": round(sum(f1s) / len(f1s), 4)}


def dump(model: dict) -> bytes:
    return json.dumps(model, sort_keys=True).encode()


def load(blob) -> dict:
    return json.loads(bytes(blob).decode())
