import numpy as np
import pytest

from opencxm.textanalytics.engine import CentroidClassifier, LogisticClassifier, load_classifier, train_classifier


def _toy(n=60, seed=0):
    rng = np.random.default_rng(seed)
    centres = {"negative": rng.normal(size=16), "neutral": rng.normal(size=16), "positive": rng.normal(size=16)}
    labels = [["negative", "neutral", "positive"][i % 3] for i in range(n)]
    x = np.stack([centres[lb] + 0.3 * rng.normal(size=16) for lb in labels]).astype(np.float32)
    return x, labels


def test_train_classifier_learns_and_round_trips_as_bytes():
    x, labels = _toy()
    model = train_classifier(x, labels)
    assert isinstance(model, LogisticClassifier)
    preds = model.predict(x)
    assert sum(p == lb for (p, _s), lb in zip(preds, labels, strict=True)) / len(labels) > 0.95
    assert all(-1.0 <= s <= 1.0 for _p, s in preds)
    restored = load_classifier(model.to_bytes())
    assert restored.labels == ("negative", "neutral", "positive")
    assert restored.predict(x) == preds


def test_train_classifier_is_deterministic():
    x, labels = _toy()
    assert train_classifier(x, labels).to_bytes() == train_classifier(x, labels).to_bytes()


def test_train_classifier_needs_two_classes_and_matching_lengths():
    x, _labels = _toy(6)
    with pytest.raises(ValueError):
        train_classifier(x, ["positive"] * 6)
    with pytest.raises(ValueError):
        train_classifier(x, ["positive", "negative"])


def test_centroid_classifier_scores_positive_minus_negative():
    x, labels = _toy()
    model = CentroidClassifier.from_examples(x, labels)
    label, score = model.predict(x[2])[0]
    assert label == "positive"
    assert score > 0.5
