"""Sentiment classifiers over embeddings (numpy only): seed centroids and multinomial logistic regression.

``train_classifier(embeddings, labels)`` returns a :class:`LogisticClassifier`; ``to_bytes()`` /
``load_classifier(bytes)`` serialise it (npz) for storage in the database.
"""

from __future__ import annotations

import io
import json

import numpy as np

from .base import SENTIMENT_LABELS

TEMPERATURE = 0.02


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norm, 1e-9)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class _Base:
    labels: tuple[str, ...]

    def predict_proba(self, embeddings) -> np.ndarray:
        raise NotImplementedError

    def predict(self, embeddings) -> list[tuple[str, float]]:
        """(label, score in -1..1 = P(positive) - P(negative)) per row."""
        proba = self.predict_proba(embeddings)
        labels = self.labels
        pos = labels.index("positive") if "positive" in labels else None
        neg = labels.index("negative") if "negative" in labels else None
        out = []
        for row in proba:
            score = (row[pos] if pos is not None else 0.0) - (row[neg] if neg is not None else 0.0)
            out.append((labels[int(row.argmax())], round(float(score), 4)))
        return out


class CentroidClassifier(_Base):
    """Nearest centroid with softmax over cosine similarities (zero-shot from seed sentences)."""

    kind = "centroid"

    def __init__(self, centroids: np.ndarray, labels, temperature: float = TEMPERATURE):
        self.centroids = _normalise(centroids)
        self.labels = tuple(labels)
        self.temperature = temperature

    @classmethod
    def from_examples(cls, embeddings, labels, temperature: float = TEMPERATURE) -> CentroidClassifier:
        emb = _normalise(embeddings)
        names = [lb for lb in SENTIMENT_LABELS if lb in set(labels)] or sorted(set(labels))
        cents = np.stack([emb[[i for i, lb in enumerate(labels) if lb == name]].mean(axis=0) for name in names])
        return cls(cents, names, temperature)

    def predict_proba(self, embeddings):
        sims = _normalise(np.atleast_2d(embeddings)) @ self.centroids.T
        return _softmax(sims / self.temperature)


class LogisticClassifier(_Base):
    """Multinomial logistic regression with L2 penalty and class balancing."""

    kind = "logistic"

    def __init__(self, weights: np.ndarray, bias: np.ndarray, labels):
        self.weights = np.asarray(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.labels = tuple(labels)

    def predict_proba(self, embeddings):
        x = _normalise(np.atleast_2d(embeddings))
        return _softmax(x @ self.weights + self.bias)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, weights=self.weights, bias=self.bias, labels=np.array(json.dumps(list(self.labels))))
        return buf.getvalue()


def train_classifier(embeddings, labels, *, l2: float = 1e-3, epochs: int = 300, lr: float = 2.0) -> LogisticClassifier:
    """Fit a balanced multinomial logistic regression (full-batch gradient descent; deterministic)."""
    x = _normalise(np.atleast_2d(embeddings)).astype(np.float64)
    labels = list(labels)
    if len(labels) != len(x):
        raise ValueError("embeddings and labels differ in length")
    names = [lb for lb in SENTIMENT_LABELS if lb in set(labels)] + sorted(set(labels) - set(SENTIMENT_LABELS))
    if len(names) < 2:
        raise ValueError("need at least two classes to train")
    idx = {n: i for i, n in enumerate(names)}
    y = np.array([idx[lb] for lb in labels])
    onehot = np.eye(len(names))[y]
    counts = onehot.sum(axis=0)
    sample_w = (len(y) / (len(names) * counts))[y][:, None]
    w = np.zeros((x.shape[1], len(names)))
    b = np.zeros(len(names))
    n = len(y)
    for _ in range(epochs):
        p = _softmax(x @ w + b)
        g = (p - onehot) * sample_w / n
        w -= lr * (x.T @ g + l2 * w)
        b -= lr * g.sum(axis=0)
    return LogisticClassifier(w.astype(np.float32), b.astype(np.float32), names)


def load_classifier(data) -> _Base:
    """Accept a classifier object, or bytes from ``LogisticClassifier.to_bytes()``."""
    if data is None or isinstance(data, _Base):
        return data
    with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as z:
        return LogisticClassifier(z["weights"], z["bias"], json.loads(str(z["labels"])))
