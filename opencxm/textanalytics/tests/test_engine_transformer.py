"""The transformer engine on a tiny real ONNX model built here (onnx + tokenizers); no database, no download."""

import csv
import json

import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")
pytest.importorskip("onnx")

from django.core.management import CommandError, call_command  # noqa: E402
from django.utils.translation import override  # noqa: E402

from opencxm.textanalytics.engine import ENGINE_NAMES, get_engine, transformer_available  # noqa: E402
from opencxm.textanalytics.engine.transformer import (  # noqa: E402
    MODEL_ENV,
    TransformerClassifier,
    TransformerEngine,
    TransformerError,
    choose_providers,
    class_weights,
    weight_for,
)
from opencxm.textanalytics.tests.transformer_model import build_model  # noqa: E402


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return build_model(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def engine(model_dir):
    return get_engine("transformer", model_path=model_dir)


def test_registered_and_available():
    assert "transformer" in ENGINE_NAMES
    assert transformer_available()


def test_predictions_follow_the_words(engine):
    results = engine.analyze_many(["Die Rechnung ist falsch", "Super, gut!", "okay", "terrible terrible great"])
    assert [a.sentiment_label for a in results] == ["negative", "positive", "neutral", "negative"]
    assert results[0].sentiment_score < -0.2 and results[1].sentiment_score > 0.5
    assert results[2].sentiment_score == pytest.approx(0.0, abs=0.02)
    assert all(-1 <= a.sentiment_score <= 1 and a.engine == "transformer" for a in results)


def test_score_is_expected_polarity(model_dir):
    model = TransformerClassifier(model_dir)
    probs, truncated = model.predict(["gut schlecht okay"])
    assert probs.shape == (1, 3) and probs.sum() == pytest.approx(1.0)
    preds, _ = model.sentiments(["gut schlecht okay"])
    label, score = preds[0]
    assert score == pytest.approx(probs[0, 2] - probs[0, 0], abs=1e-4)
    assert label == ("negative", "neutral", "positive")[int(probs[0].argmax())]
    assert truncated == [False]


def test_language_topics_redaction_come_from_the_fast_pipeline(engine):
    fast = get_engine("fast")
    text = "Die Rechnung ist falsch, schreiben Sie an max@example.de"
    a, f = engine.analyze(text), fast.analyze(text)
    assert a.language == f.language == "de"
    assert [t.key for t in a.topics] == [t.key for t in f.topics] and a.topics
    assert a.redacted_text == f.redacted_text and "[E-MAIL]" in a.redacted_text
    assert engine.analyze("Great service", language="EN").language == "en"


def test_sentences_scored_separately(engine):
    text = "Die Rechnung ist falsch. Aber super gut. Great great."
    a = engine.analyze(text)
    assert [(s.text, s.label) for s in a.sentences] == [
        ("Die Rechnung ist falsch.", "negative"),
        ("Aber super gut.", "positive"),
        ("Great great.", "positive"),
    ]
    assert all(text[s.start : s.end] == s.text for s in a.sentences)
    single = engine.analyze("super gut")
    assert len(single.sentences) == 1 and single.sentences[0].score == single.sentiment_score


def test_empty_and_blank_comments(engine):
    results = engine.analyze_many(["", "   ", None])
    assert [(a.language, a.sentiment_label, a.sentiment_score, a.sentences) for a in results] == [
        ("und", "neutral", 0.0, [])
    ] * 3
    assert engine.analyze_many([]) == []


def test_batching_and_padding_do_not_change_results(model_dir):
    """Mixed lengths in one padded batch give what each text gives alone. The padding token has a strongly
    positive embedding, so an engine that left the attention mask out would turn short texts positive."""
    texts = ["schlecht", "die rechnung ist falsch falsch schlecht schlecht", "okay okay", "gut", "falsch"] * 3
    batched = TransformerClassifier(model_dir, batch_size=4)
    single = TransformerClassifier(model_dir, batch_size=1)
    probs_b, _ = batched.predict(texts)
    probs_s, _ = single.predict(texts)
    assert probs_b == pytest.approx(probs_s, abs=1e-5)
    labels = [label for label, _ in batched.sentiments(texts)[0]]
    assert labels[:5] == ["negative", "negative", "neutral", "positive", "negative"]


def test_token_type_ids_are_fed_when_the_model_takes_them(tmp_path):
    engine = get_engine("transformer", model_path=build_model(tmp_path, token_type_ids=True))
    assert "token_type_ids" in engine.model.inputs
    assert engine.analyze("schlecht").sentiment_label == "negative"


def test_long_texts_are_cut_to_the_model_length_with_a_note(tmp_path):
    engine = get_engine("transformer", model_path=build_model(tmp_path, max_position_embeddings=6))
    assert engine.model.max_length == 6
    # 4 words fit beside [CLS]/[SEP]: the negative start decides; the whole text would be positive
    a = engine.analyze("schlecht schlecht schlecht schlecht gut gut gut gut gut gut gut gut gut gut")
    assert a.sentiment_label == "negative"
    assert a.notes == ["sentiment read the first 6 tokens"] and not a.truncated
    short = engine.analyze("gut gut")
    assert short.notes == [] and short.sentiment_label == "positive"
    whole = get_engine("transformer", model_path=build_model(tmp_path / "long"))
    assert whole.analyze(a.redacted_text).sentiment_label == "positive"


def test_max_length_from_tokenizer_config(tmp_path):
    path = build_model(tmp_path, max_position_embeddings=514)
    (path / "tokenizer_config.json").write_text(json.dumps({"model_max_length": 128}), encoding="utf-8")
    assert TransformerClassifier(path).max_length == 128


def test_label_order_follows_id2label(tmp_path):
    """Output columns in the order positive, negative, neutral (as some German models have it)."""
    engine = get_engine("transformer", model_path=build_model(tmp_path, order=(2, 0, 1)))
    assert engine.model.labels == ["positive", "negative", "neutral"]
    results = engine.analyze_many(["schlecht", "gut", "okay"])
    assert [a.sentiment_label for a in results] == ["negative", "positive", "neutral"]
    assert results[0].sentiment_score < 0 < results[1].sentiment_score


def test_generic_labels_need_labels_json(tmp_path):
    generic = {"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"}
    with pytest.raises(TransformerError) as info:
        get_engine("transformer", model_path=build_model(tmp_path / "a", id2label=generic))
    assert info.value.code == "unmapped_labels" and "LABEL_0" in str(info.value)
    mapping = {"LABEL_0": "negative", "LABEL_1": "neutral", "LABEL_2": "positive"}
    engine = get_engine("transformer", model_path=build_model(tmp_path / "b", id2label=generic, labels_json=mapping))
    assert [a.sentiment_label for a in engine.analyze_many(["schlecht", "okay", "gut"])] == [
        "negative",
        "neutral",
        "positive",
    ]
    by_index = {"0": -1, "1": 0, "2": 0.5}  # ids and weights work too
    engine = get_engine("transformer", model_path=build_model(tmp_path / "c", id2label=generic, labels_json=by_index))
    assert 0 < engine.analyze("gut gut").sentiment_score <= 0.5
    with pytest.raises(TransformerError) as info:
        build = build_model(tmp_path / "d", id2label=generic, labels_json={"LABEL_0": "bad"})
        get_engine("transformer", model_path=build)
    assert info.value.code == "bad_mapping"


@pytest.mark.parametrize(
    ("name", "weight"),
    [
        ("NEGATIVE", -1.0),
        ("neutral", 0.0),
        ("Positive", 1.0),
        ("very_negative", -1.0),
        ("positiv", 1.0),
        ("1 star", -1.0),
        ("2 stars", -0.5),
        ("3 stars", 0.0),
        ("5 stars", 1.0),
        ("LABEL_1", None),
        ("joy", None),
    ],
)
def test_weight_for_class_names(name, weight):
    assert weight_for(name) == weight


def test_star_models_map_to_three_groups(tmp_path):
    config = {"id2label": {str(i): f"{i + 1} star{'s' if i else ''}" for i in range(5)}}
    names, weights = class_weights(tmp_path, config)
    assert names == ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"]
    assert weights.tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]


def test_providers():
    cuda = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
    assert choose_providers("auto", cuda) == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert choose_providers("auto", ["CPUExecutionProvider"]) == ["CPUExecutionProvider"]
    assert choose_providers("cpu", cuda) == ["CPUExecutionProvider"]
    assert choose_providers("cuda", cuda)[0] == "CUDAExecutionProvider"
    with pytest.raises(TransformerError, match="onnxruntime offers only"):
        choose_providers("cuda", ["CPUExecutionProvider"])
    with pytest.raises(TransformerError, match="unknown device"):
        choose_providers("tpu", cuda)


def test_engine_runs_where_onnxruntime_can(engine):
    import onnxruntime

    gpu = "CUDAExecutionProvider" in onnxruntime.get_available_providers()
    assert engine.providers[0] == ("CUDAExecutionProvider" if gpu else "CPUExecutionProvider")


def test_version_changes_with_the_model(tmp_path, engine):
    other = get_engine("transformer", model_path=build_model(tmp_path, order=(2, 0, 1)))
    assert engine.version.startswith("1-") and other.version != engine.version
    assert get_engine("transformer", model_path=engine.model.path).version == engine.version


def test_model_path_from_the_environment(monkeypatch, model_dir):
    monkeypatch.setenv(MODEL_ENV, str(model_dir))
    assert get_engine("transformer").analyze("gut").sentiment_label == "positive"
    monkeypatch.delenv(MODEL_ENV)
    with pytest.raises(TransformerError) as info:
        get_engine("transformer")
    assert info.value.code == "not_configured" and MODEL_ENV in str(info.value)


def test_missing_and_malformed_files(tmp_path, model_dir):
    def error(path):
        with pytest.raises(TransformerError) as info:
            TransformerEngine(model_path=path)
        return info.value

    assert error(tmp_path / "nowhere").code == "no_directory"
    for name in ("model.onnx", "tokenizer.json", "config.json"):
        broken = build_model(tmp_path / f"without-{name}")
        (broken / name).unlink()
        e = error(broken)
        assert (e.code, e.params["file"]) == ("missing_file", name)
    broken = build_model(tmp_path / "garbage-model")
    (broken / "model.onnx").write_bytes(b"not an onnx graph")
    assert (error(broken).code, error(broken).params["file"]) == ("bad_model", "model.onnx")
    broken = build_model(tmp_path / "garbage-tokenizer")
    (broken / "tokenizer.json").write_text("{}", encoding="utf-8")
    assert error(broken).code == "bad_model"
    broken = build_model(tmp_path / "garbage-config")
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    assert error(broken).code == "bad_file"
    broken = build_model(tmp_path / "no-labels")
    (broken / "config.json").write_text(json.dumps({"model_type": "bert"}), encoding="utf-8")
    assert error(broken).code == "no_labels"
    import onnx

    broken = build_model(tmp_path / "other-inputs")
    graph = onnx.load(str(broken / "model.onnx"))
    graph.graph.input[0].name = "tokens"
    graph.graph.node[0].input[1] = "tokens"
    onnx.save(graph, str(broken / "model.onnx"))
    e = error(broken)
    assert e.code == "bad_model" and "inputs tokens, attention_mask" in str(e)
    broken = build_model(tmp_path / "too-few-labels", id2label={"0": "negative", "1": "positive"})
    with pytest.raises(TransformerError) as info:
        TransformerEngine(model_path=broken).analyze("gut")
    assert info.value.code == "bad_output"


# --- opencxm analyze --engine transformer ------------------------------------------------------------------


def _analyze(*args):
    call_command("analyze", "--quiet", *args)


def test_analyze_command_end_to_end(tmp_path, model_dir):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    rows = [
        ["1", "Die Rechnung ist falsch, max@example.de"],
        ["2", "Super gut!"],
        ["3", ""],
        ["4", "okay"],
    ]
    with src.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows([["id", "Kommentar"], *rows])
    _analyze("--input", str(src), "--text-column", "Kommentar", "--output", str(dst), "--engine", "transformer",
             "--transformer-model", str(model_dir), "--device", "auto")  # fmt: skip
    with dst.open(encoding="utf-8", newline="") as fh:
        out = list(csv.reader(fh))
    assert out[0] == ["id", "Kommentar", "language", "sentiment_label", "sentiment_score", "topics", "text_redacted"]
    assert [r[3] for r in out[1:]] == ["negative", "positive", "neutral", "neutral"]
    assert out[1][5] == "Rechnung & Preis › Falsche Rechnung"
    assert out[1][6] == "Die Rechnung ist falsch, [E-MAIL]"
    assert float(out[1][4]) < 0 < float(out[2][4])


def test_analyze_command_reads_the_environment_and_explains_errors(tmp_path, model_dir, monkeypatch):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("Kommentar\nsuper gut\n", encoding="utf-8")
    args = ["--input", str(src), "--text-column", "Kommentar", "--output", str(dst), "--engine", "transformer"]
    monkeypatch.setenv(MODEL_ENV, str(model_dir))
    _analyze(*args)
    assert "positive" in dst.read_text(encoding="utf-8")
    monkeypatch.delenv(MODEL_ENV)
    with override("de"), pytest.raises(CommandError, match="Kein Transformer-Modell"):
        _analyze(*args)
    with override("en"), pytest.raises(CommandError, match="No transformer model is configured"):
        _analyze(*args)
    with override("de"), pytest.raises(CommandError, match="fehlt model.onnx"):
        empty = tmp_path / "empty"
        empty.mkdir()
        _analyze(*args, "--transformer-model", str(empty))


# --- enrichment of stored comments (database) -------------------------------------------------------------


def test_enrichment_with_the_transformer_setting(taxonomy, comments, model_dir, settings, tmp_path):
    from opencxm.textanalytics import services
    from opencxm.textanalytics.models import CommentAnalysis

    settings.OPENCXM_TEXT_ENGINE = "transformer"
    settings.OPENCXM_TRANSFORMER_MODEL = str(model_dir)
    run = services.enrich_pending()
    assert (run.status, run.engine, run.processed, run.changed) == ("done", "transformer", 6, 6)
    stored = {a.feedback_id: a for a in CommentAnalysis.objects.all()}
    first, happy = stored[comments[0].pk], stored[comments[3].pk]
    assert (first.engine, first.sentiment_label, happy.sentiment_label) == ("transformer", "negative", "positive")
    assert sorted(first.topic_links.values_list("topic__key", flat=True)) == ["billing.payment", "billing.wrong"]
    assert "mueller@example.com" not in stored[comments[1].pk].redacted_text
    assert services.enrich_pending().changed == 0  # same model: nothing to redo
    settings.OPENCXM_TRANSFORMER_MODEL = str(build_model(tmp_path / "other", order=(2, 0, 1)))
    assert services.enrich_pending().processed == 6  # another model: every comment is checked again


def test_enrich_command_explains_a_missing_model(db, settings, tmp_path):
    settings.OPENCXM_TRANSFORMER_MODEL = str(tmp_path / "missing")
    with override("de"), pytest.raises(CommandError, match="existiert nicht"):
        call_command("enrich", "--engine", "transformer")


def test_a_loaded_model_is_reused_until_its_files_change(tmp_path):
    path = build_model(tmp_path, id2label={"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"},
                       labels_json={"LABEL_0": "negative", "LABEL_1": "neutral", "LABEL_2": "positive"})  # fmt: skip
    first = get_engine("transformer", model_path=path)
    assert get_engine("transformer", model_path=path).model is first.model
    assert get_engine("transformer", model_path=path, device="cpu").model is not first.model  # another device
    swapped = {"LABEL_0": "positive", "LABEL_1": "neutral", "LABEL_2": "negative"}
    (path / "labels.json").write_text(json.dumps(swapped, indent=1), encoding="utf-8")
    changed = get_engine("transformer", model_path=path)
    assert changed.model is not first.model
    assert changed.analyze("schlecht").sentiment_label == "positive"  # the new mapping is used
