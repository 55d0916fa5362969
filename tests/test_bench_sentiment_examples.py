"""Our German example comments for trained sentiment heads (bench/textanalytics/data/sentiment_de_examples.json)
stay apart from the evaluation data, and the benchmark's trainer is deterministic."""

import json

import numpy as np

from bench.textanalytics import evaluate
from bench.textanalytics.train_sentiment_head import EXAMPLES, standardised_head, training_texts


def test_examples_are_ours_german_unique_and_not_evaluation_items():
    data = json.loads(EXAMPLES.read_text(encoding="utf-8"))
    assert data["licence"] == "Apache-2.0"
    texts = [t for label in evaluate.LABELS for t in data[label]]
    assert all(len(data[label]) >= 300 for label in evaluate.LABELS)
    assert len(texts) == len(set(texts)), "an example appears twice (or in two classes)"
    from opencxm.textanalytics.engine import get_engine

    langs = [a.language for a in get_engine("fast").analyze_many(texts)]
    assert langs.count("de") >= 0.95 * len(texts)
    # no example is an item of the labelled evaluation sets (those present on this machine, and our telecom set)
    evaluation = {item[2].strip().lower() for loader in evaluate.LOADERS for item in loader()}
    assert not {t.strip().lower() for t in texts} & evaluation


def test_standardised_head_is_deterministic_and_learns():
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(3, 16))
    labels = [evaluate.LABELS[i % 3] for i in range(90)]
    x = np.stack([centres[i % 3] + 0.3 * rng.normal(size=16) for i in range(90)])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    w1, b1 = standardised_head(x, labels, 0.1, iterations=300)
    w2, b2 = standardised_head(x, labels, 0.1, iterations=300)
    assert np.array_equal(w1, w2) and np.array_equal(b1, b2)
    predicted = [evaluate.LABELS[i] for i in (x @ w1 + b1).argmax(axis=1)]
    assert sum(p == g for p, g in zip(predicted, labels, strict=True)) >= 85


def test_training_texts_add_the_seeds_without_duplicates():
    only, labels = training_texts(False)
    both, labels_both = training_texts(True)
    assert len(only) == len(labels) and len(both) == len(labels_both)
    assert len(both) > len(only) and len(both) == len(set(both))
