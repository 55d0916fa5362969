"""Classifiers (numpy only): sentiment over embeddings (seed centroids, multinomial logistic regression) and
the multi-label topic classifier learnt from corrections (one-vs-rest logistic regression over embeddings or
hashed words and lemmas).

``train_classifier(embeddings, labels)`` returns a :class:`LogisticClassifier`; ``to_bytes()`` /
``load_classifier(bytes)`` serialise it (npz) for storage in the database. ``TopicClassifier.fit(...)`` and
``load_topic_classifier(bytes)`` do the same for topics.
"""

from __future__ import annotations

import io
import itertools
import json
import zlib

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


# --- topics: one-vs-rest logistic regression (multi-label) -------------------------------------------------
#
# Features: the comment embedding (quality engine; dense, normalised) or hashed words, lemmas and the first and
# last five letters of long words (German compounds) for the fast engine (sparse, binary, row-normalised).
# Training is full-batch gradient descent with Nesterov momentum, one sigmoid per topic, class-balanced per
# topic, step size from the largest eigenvalue of each topic's weighted Gram matrix (power iteration): no
# randomness, so the same corrections give the same model on every machine.

HASH_BITS = 18
AFFIX = 5  # prefix/suffix length of words longer than AFFIX + 2 letters


class SparseRows:
    """Row-normalised binary rows (CSR: ``indptr``, sorted column ``indices``) over ``n_cols`` columns."""

    def __init__(self, rows: list[list[int]], n_cols: int):
        self.n_rows, self.n_cols = len(rows), n_cols
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        self.indptr = np.concatenate([[0], np.cumsum(lengths)])
        self.indices = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=int(lengths.sum()))
        self.rows = np.repeat(np.arange(len(rows)), lengths)
        self.values = np.repeat(1.0 / np.sqrt(np.maximum(lengths, 1)), lengths)
        self._nonempty = np.flatnonzero(lengths)
        self._by_col = None  # column order, for X.T @ g (training only), made on first use

    def _column_order(self):
        if self._by_col is None:
            order = np.argsort(self.indices, kind="stable")
            cols = self.indices[order]
            self._col_starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]]) if len(cols) else np.array([], int)
            self._cols = cols[self._col_starts] if len(cols) else np.array([], int)
            self._by_col = order
        return self._by_col

    @property
    def shape(self) -> tuple[int, int]:
        return self.n_rows, self.n_cols

    def take(self, index) -> SparseRows:
        index = np.asarray(index, dtype=np.int64)
        rows = [self.indices[self.indptr[i] : self.indptr[i + 1]].tolist() for i in index]
        return SparseRows(rows, self.n_cols)

    def __matmul__(self, w: np.ndarray) -> np.ndarray:
        out = np.zeros((self.n_rows, w.shape[1]), dtype=np.float64)
        if len(self.indices):
            contrib = self.values[:, None] * w[self.indices]
            out[self._nonempty] = np.add.reduceat(contrib, self.indptr[self._nonempty], axis=0)
        return out

    def rmatmul(self, g: np.ndarray) -> np.ndarray:
        """``X.T @ g``."""
        out = np.zeros((self.n_cols, g.shape[1]), dtype=np.float64)
        if len(self.indices):
            order = self._column_order()
            contrib = self.values[order, None] * g[self.rows[order]]
            out[self._cols] = np.add.reduceat(contrib, self._col_starts, axis=0)
        return out


def _bucket(feature: str, bits: int = HASH_BITS) -> int:
    return zlib.crc32(feature.encode("utf-8")) & ((1 << bits) - 1)


class HashedFeatures:
    """Comment text -> hashed feature columns (words, lemmas, affixes of long words)."""

    def __init__(self, bits: int = HASH_BITS, max_cache: int = 100_000):
        from .taxonomy import Lemmatizer

        self.bits = bits
        self.lemmatizer = Lemmatizer()
        self.cache: dict[tuple[str, str], tuple[int, ...]] = {}  # (language, word) -> its columns
        self.max_cache = max_cache

    def _word(self, word: str, lang: str) -> tuple[int, ...]:
        key = (lang, word)
        cols = self.cache.get(key)
        if cols is None:
            names = [f"w:{word}", f"l:{self.lemmatizer.lemmas([word], lang)[0]}"]
            if len(word) > AFFIX + 2:
                names += [f"p:{word[:AFFIX]}", f"s:{word[-AFFIX:]}"]
            cols = tuple(_bucket(name, self.bits) for name in names)
            if len(self.cache) < self.max_cache:
                self.cache[key] = cols
        return cols

    def columns(self, text: str, language: str | None) -> list[int]:
        from .text import TOKEN

        lang = language if language in ("de", "en") else "de"
        found: set[int] = set()
        for token in TOKEN.findall(text or ""):
            if not token.isdigit():
                found.update(self._word(token.lower(), lang))
        return sorted(found)

    def matrix(self, texts, languages=None) -> SparseRows:
        languages = languages if languages is not None else [None] * len(texts)
        return SparseRows([self.columns(t, lg) for t, lg in zip(texts, languages, strict=True)], 1 << self.bits)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _matmul(x, w):
    return x @ w


def _rmatmul(x, g):
    return x.rmatmul(g) if isinstance(x, SparseRows) else x.T @ g


def fit_one_vs_rest(x, y, *, l2: float = 1e-3, epochs: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """One balanced logistic regression per column of ``y`` (n x topics, 0/1) on ``x`` (dense normalised
    rows or :class:`SparseRows`). Returns (weights d x topics, bias)."""
    y = np.asarray(y, dtype=np.float64)
    n, k = y.shape
    if x.shape[0] != n:
        raise ValueError("features and labels differ in length")
    positives = y.sum(axis=0)
    pos_w = n / (2 * np.maximum(positives, 1))
    neg_w = n / (2 * np.maximum(n - positives, 1))
    weight = np.where(y > 0, pos_w, neg_w)
    # largest eigenvalue of X^T diag(weight_t) X / n per topic (power iteration), for a safe step size
    v = np.ones((x.shape[1], k)) / np.sqrt(x.shape[1])
    lam = np.ones(k)
    for _ in range(30):
        u = _rmatmul(x, weight * _matmul(x, v)) / n
        lam = np.maximum(np.linalg.norm(u, axis=0), 1e-9)
        v = u / lam
    step = 1.0 / (0.25 * (lam + weight.mean(axis=0)) + l2)  # the bias term adds at most mean(weight)
    w = np.zeros((x.shape[1], k))
    b = np.zeros(k)
    w_prev, b_prev = w, b
    for epoch in range(epochs):
        momentum = epoch / (epoch + 3)
        wz, bz = w + momentum * (w - w_prev), b + momentum * (b - b_prev)
        g = (_sigmoid(_matmul(x, wz) + bz) - y) * weight / n
        w_prev, b_prev = w, b
        w = wz - step * (_rmatmul(x, g) + l2 * wz)
        b = bz - step * g.sum(axis=0)
    return w, b


class TopicClassifier:
    """Multi-label topic classifier: P(topic | comment) per label, and per label the threshold above which it
    adds the topic (None: not used for that topic)."""

    def __init__(self, feature: str, weights, bias, labels, thresholds, columns=None, bits: int = HASH_BITS):
        if feature not in ("embedding", "hashed"):
            raise ValueError(f"unknown feature kind {feature!r}")
        self.feature = feature
        self.weights = np.asarray(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.labels = tuple(labels)
        self.thresholds = [None if t is None or t != t else float(t) for t in thresholds]
        self.columns = None if columns is None else np.asarray(columns, dtype=np.int64)  # hashed: used columns
        self.bits = bits
        self._hasher = None

    @classmethod
    def fit(cls, feature: str, x, y, labels, thresholds=None, **kwargs) -> TopicClassifier:
        """Train on ``x`` (embeddings, or :class:`SparseRows` for hashed features)."""
        columns = None
        if feature == "hashed":
            columns = np.unique(x.indices)
            x = SparseRows(
                [np.searchsorted(columns, x.indices[x.indptr[i] : x.indptr[i + 1]]).tolist() for i in range(len(y))],
                len(columns),
            )
            w, b = fit_one_vs_rest(x, y, **kwargs)
        else:
            w, b = fit_one_vs_rest(_normalise(x).astype(np.float64), y, **kwargs)
        thresholds = thresholds if thresholds is not None else [None] * len(labels)
        return cls(feature, w, b, labels, thresholds, columns)

    def hashed(self) -> HashedFeatures:
        if self._hasher is None:
            self._hasher = HashedFeatures(self.bits)
        return self._hasher

    def predict_proba(self, x) -> np.ndarray:
        """Probabilities (n x labels) for embeddings or hashed :class:`SparseRows`."""
        if self.feature == "hashed":
            z = np.zeros((x.shape[0], len(self.labels)), dtype=np.float64)
            known = np.zeros(x.shape[0], dtype=bool)
            if len(self.columns) and len(x.indices):
                pos = np.minimum(np.searchsorted(self.columns, x.indices), len(self.columns) - 1)
                keep = self.columns[pos] == x.indices  # words never seen in training weigh nothing
                rows, values, weights = x.rows[keep], x.values[keep], self.weights[pos[keep]]
                known[rows] = True
                for j in range(len(self.labels)):
                    z[:, j] = np.bincount(rows, weights=values * weights[:, j], minlength=x.shape[0])
            # a comment without a single known word (empty, emoji, unseen words) gets no topic from the bias alone
            return np.where(known[:, None], _sigmoid(z + self.bias), 0.0)
        else:
            z = _normalise(np.atleast_2d(x)).astype(np.float64) @ self.weights
        return _sigmoid(z + self.bias)

    def features(self, texts, languages=None, embeddings=None):
        """The model's input for these comments; None when it needs embeddings and one is missing."""
        if self.feature == "hashed":
            return self.hashed().matrix(texts, languages)
        if embeddings is None or any(e is None for e in embeddings):
            return None
        x = np.atleast_2d(np.asarray(list(embeddings), dtype=np.float32))
        return x if x.shape[1] == self.weights.shape[0] else None

    def predict(self, texts, languages=None, embeddings=None) -> list[dict[str, float]]:
        """Per comment {label: probability} of the labels at or above their threshold."""
        x = self.features(texts, languages, embeddings)
        if x is None or not len(texts):
            return [{} for _ in texts]
        proba = self.predict_proba(x)
        limits = np.array([np.inf if t is None else t for t in self.thresholds], dtype=np.float64)
        out: list[dict[str, float]] = [{} for _ in texts]
        for row, col in zip(*np.nonzero(proba >= limits), strict=True):
            out[row][self.labels[col]] = round(float(proba[row, col]), 4)
        return out

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        thresholds = np.array([np.nan if t is None else t for t in self.thresholds], dtype=np.float64)
        extra = {"columns": self.columns} if self.columns is not None else {}
        np.savez(
            buf,
            kind=np.array("topics"),
            feature=np.array(self.feature),
            weights=self.weights,
            bias=self.bias,
            labels=np.array(json.dumps(list(self.labels))),
            thresholds=thresholds,
            bits=np.array(self.bits),
            **extra,
        )
        return buf.getvalue()


def load_topic_classifier(data) -> TopicClassifier | None:
    """Accept a :class:`TopicClassifier` or bytes from its ``to_bytes()``."""
    if data is None or isinstance(data, TopicClassifier):
        return data
    with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as z:
        return TopicClassifier(
            str(z["feature"]),
            z["weights"],
            z["bias"],
            json.loads(str(z["labels"])),
            z["thresholds"].tolist(),
            z["columns"] if "columns" in z.files else None,
            int(z["bits"]),
        )
