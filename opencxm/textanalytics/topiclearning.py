"""Learning topics from corrections: the training data, the held-back split, thresholds and quality figures.

* Data: every comment with at least one topic correction (a topic a user added or removed). The user's
  correction is the truth for that comment's whole topic set: the topics it still has (rule, classifier or
  correction, not removed) are positive, every other topic is negative for it.
* Minimum: a topic is learnt only with at least ``MIN_POSITIVE`` corrected comments that have it and
  ``MIN_NEGATIVE`` that do not (counted over all corrected comments, before the split).
* Held back: every ``HOLD_BACK_EVERY``-th corrected comment in id order (a fifth, like the sentiment
  classifier); the model never sees them; they give the figures on the model page.
* Model: one-vs-rest logistic regression (``engine.classifier.TopicClassifier``) over the stored comment
  embeddings (quality engine) or hashed words, lemmas and word affixes (fast engine).
* Combination with the rules, add-only: the rules' topics stay; the classifier adds a topic when its
  probability reaches the topic's threshold. The threshold is chosen on the training part only, on
  out-of-fold probabilities (``FOLDS``-fold cross-validation), as the highest of ``THRESHOLDS`` with the best
  F1 of rules-plus-classifier; a topic whose best F1 is not above the rules' own F1 on the training part gets
  no threshold (the classifier never adds it). The classifier never removes a rule topic: deciding that from
  a few corrections would let one noisy correction silence a rule everywhere, and a removal that should stick
  is what a correction (kept by re-enrichment) or a rule edit is for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

HOLD_BACK_EVERY = 5
MIN_POSITIVE = 8
MIN_NEGATIVE = 8
FOLDS = 4
THRESHOLDS = tuple(round(0.5 + 0.05 * step, 2) for step in range(10))  # 0.50 ... 0.95


@dataclass
class Example:
    """One corrected comment: its text, language, optional embedding and its true topic keys."""

    analysis_id: int
    text: str
    language: str
    truth: set[str]
    embedding: object = None
    feedback_language: str = ""  # the language given with the feedback (the engine's override), or ""
    rules: set[str] = field(default_factory=set)  # what the rules alone find (filled before training)


class TooFewCorrections(ValueError):
    """No topic has enough corrected examples; ``counts`` = {key: (positives, negatives)}."""

    def __init__(self, counts: dict[str, tuple[int, int]]):
        super().__init__("too few topic corrections")
        self.counts = counts


def held_back(index: int) -> bool:
    return index % HOLD_BACK_EVERY == HOLD_BACK_EVERY - 1


def topic_counts(examples: list[Example]) -> dict[str, tuple[int, int]]:
    """{topic key: (comments with it, comments without it)} over the corrected comments."""
    keys = sorted(set().union(*(e.truth for e in examples))) if examples else []
    return {key: (sum(key in e.truth for e in examples), sum(key not in e.truth for e in examples)) for key in keys}


def eligible(counts: dict[str, tuple[int, int]]) -> list[str]:
    return [key for key, (pos, neg) in counts.items() if pos >= MIN_POSITIVE and neg >= MIN_NEGATIVE]


def scores(truth, predicted) -> dict:
    """Precision, recall and F1 of boolean predictions (None where undefined), with the counts."""
    truth, predicted = np.asarray(truth, bool), np.asarray(predicted, bool)
    tp = int((truth & predicted).sum())
    fp = int((~truth & predicted).sum())
    fn = int((truth & ~predicted).sum())
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
        "f1": round(2 * tp / (2 * tp + fp + fn), 4) if tp + fp + fn else None,
    }


def choose_threshold(truth, rules, proba) -> float | None:
    """The highest threshold with the best F1 of rules-or-classifier, if that beats the rules alone."""
    truth, rules, proba = np.asarray(truth, bool), np.asarray(rules, bool), np.asarray(proba, float)
    best, best_f1 = None, scores(truth, rules)["f1"] or 0.0
    for threshold in sorted(THRESHOLDS, reverse=True):
        f1 = scores(truth, rules | (proba >= threshold))["f1"] or 0.0
        if f1 > best_f1 + 1e-9:
            best, best_f1 = threshold, f1
    return best


def train(examples: list[Example], feature: str, labels: list[str] | None = None):
    """Train on the non-held-back examples; returns (TopicClassifier, metrics dict).

    ``examples`` in id order with ``rules`` filled; ``feature`` "embedding" or "hashed"."""
    from opencxm.textanalytics.engine.classifier import HashedFeatures, TopicClassifier

    counts = topic_counts(examples)
    labels = labels if labels is not None else eligible(counts)
    if not labels:
        raise TooFewCorrections(counts)
    train_part = [e for i, e in enumerate(examples) if not held_back(i)]
    test_part = [e for i, e in enumerate(examples) if held_back(i)]

    def matrix(rows):
        if feature == "embedding":
            return np.stack([np.asarray(e.embedding, dtype=np.float32) for e in rows])
        return HashedFeatures().matrix([e.text for e in rows], [e.language for e in rows])

    def truth(rows):
        return np.array([[key in e.truth for key in labels] for e in rows], dtype=bool).reshape(len(rows), -1)

    def rules(rows):
        return np.array([[key in e.rules for key in labels] for e in rows], dtype=bool).reshape(len(rows), -1)

    # out-of-fold probabilities on the training part choose the thresholds
    x_train, y_train = matrix(train_part), truth(train_part)
    oof = np.zeros(y_train.shape)
    for fold in range(FOLDS):
        inside = np.array([i % FOLDS != fold for i in range(len(train_part))])
        if inside.all() or not inside.any():
            continue
        model = TopicClassifier.fit(feature, _take(x_train, inside), y_train[inside], labels)
        oof[~inside] = model.predict_proba(_take(x_train, ~inside))
    r_train = rules(train_part)
    thresholds = [choose_threshold(y_train[:, j], r_train[:, j], oof[:, j]) for j in range(len(labels))]
    model = TopicClassifier.fit(feature, x_train, y_train, labels, thresholds)

    # held-back figures: the rules alone and rules plus classifier, per topic and pooled
    y_test, r_test = truth(test_part), rules(test_part)
    added = np.zeros(y_test.shape, dtype=bool)
    if test_part:
        proba = model.predict_proba(matrix(test_part))
        for j, threshold in enumerate(thresholds):
            if threshold is not None:
                added[:, j] = proba[:, j] >= threshold
    combined = r_test | added
    topics = []
    for j, key in enumerate(labels):
        topics.append(
            {
                "key": key,
                "positives": counts.get(key, (0, 0))[0],
                "negatives": counts.get(key, (0, 0))[1],
                "threshold": thresholds[j],
                "support": int(y_test[:, j].sum()),
                "rules": scores(y_test[:, j], r_test[:, j]),
                "model": scores(y_test[:, j], combined[:, j]),
            }
        )
    model_f1 = [t["model"]["f1"] for t in topics if t["model"]["f1"] is not None]
    metrics = {
        "feature": feature,
        "hold_back_every": HOLD_BACK_EVERY,
        "min_positive": MIN_POSITIVE,
        "min_negative": MIN_NEGATIVE,
        "topics": topics,
        "pooled": {
            "rules": scores(y_test.ravel(), r_test.ravel()),
            "model": scores(y_test.ravel(), combined.ravel()),
        },
        "macro_f1": round(sum(model_f1) / len(model_f1), 4) if model_f1 else None,
        "too_few": {key: list(value) for key, value in counts.items() if key not in labels},
    }
    return model, metrics, len(train_part), len(test_part)


def _take(x, mask):
    from opencxm.textanalytics.engine.classifier import SparseRows

    index = np.flatnonzero(mask)
    return x.take(index) if isinstance(x, SparseRows) else x[index]
