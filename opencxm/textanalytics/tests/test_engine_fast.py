import pytest

from opencxm.textanalytics.engine import MAX_CHARS, get_engine


@pytest.fixture(scope="module")
def engine():
    return get_engine("fast")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Die Rechnung ist schon wieder falsch und niemand hilft mir.", "de"),
        ("The technician never showed up and nobody called me back.", "en"),
        ("Alles gut", "de"),
        ("Bonjour, je voudrais résilier mon contrat s'il vous plaît", "other"),
        ("Il treno era in ritardo di nuovo e nessuno ci ha informato", "other"),
        ("👍👍", "und"),
        ("", "und"),
    ],
)
def test_language(engine, text, language):
    assert engine.analyze(text).language == language


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Vielen Dank, der Mitarbeiter war sehr freundlich und hat mir schnell geholfen.", "positive"),
        ("Der Techniker ist nicht gekommen, ich habe den ganzen Tag umsonst gewartet.", "negative"),
        ("Ich möchte meine Adresse ändern.", "neutral"),
        ("Das war nicht schlecht.", "positive"),
        ("Great service, thank you so much!", "positive"),
        ("I have been waiting for my refund for six weeks.", "negative"),
        ("Please update my address.", "neutral"),
    ],
)
def test_sentiment(engine, text, label):
    a = engine.analyze(text)
    assert a.sentiment_label == label
    assert -1.0 <= a.sentiment_score <= 1.0


def test_sentence_level_sentiment(engine):
    a = engine.analyze("Der Mitarbeiter war sehr freundlich. Aber die Rechnung ist immer noch falsch!")
    assert [s.label for s in a.sentences] == ["positive", "negative"]
    assert a.sentences[1].text == "Aber die Rechnung ist immer noch falsch!"
    assert a.sentiment_label == "negative"


def test_topics_redaction_and_explanation(engine):
    a = engine.analyze("Seit drei Tagen kein Internet! Rückruf an 0171 1234567 bitte, Herr Meier")
    assert [t.key for t in a.topics] == ["reach.no_callback", "network.outage"]
    assert a.redacted_text == "Seit drei Tagen kein Internet! Rückruf an [TELEFON] bitte, Herr [NAME]"
    assert a.cues


def test_language_override(engine):
    a = engine.analyze("Router kaputt", language="DE")
    assert a.language == "de"
    assert [t.key for t in a.topics] == ["device.defect"]
    assert engine.analyze("Hola", language="es").language == "other"


def test_empty_comment(engine):
    a = engine.analyze("")
    assert (a.language, a.sentiment_label, a.sentiment_score, a.topics, a.sentences, a.redacted_text) == (
        "und",
        "neutral",
        0.0,
        [],
        [],
        "",
    )


def test_very_long_comment_is_truncated_with_a_note(engine):
    a = engine.analyze("Die Rechnung ist falsch. " * 2000)
    assert a.truncated is True
    assert a.notes == [f"truncated to {MAX_CHARS} characters"]
    assert len(a.redacted_text) <= MAX_CHARS
    assert a.sentiment_label == "negative"


def test_mixed_language_comment(engine):
    a = engine.analyze("Die Hotline ist nie erreichbar. The app is great though, thanks!")
    assert a.language in ("de", "en")
    assert len(a.sentences) == 2
    assert a.topics


def test_emoji_only_comment(engine):
    assert engine.analyze("😡😡😡").sentiment_label == "negative"
    assert engine.analyze("😀👍").sentiment_label == "positive"
    assert engine.analyze("🙈").sentiment_label == "neutral"


def test_html_laden_comment(engine):
    a = engine.analyze("<div><p>Die <b>App</b> stürzt&nbsp;ständig ab!</p><style>p{color:red}</style></div>")
    assert a.redacted_text == "Die App stürzt ständig ab!"
    assert a.sentiment_label == "negative"
    assert [t.key for t in a.topics] == ["digital.app"]


def test_non_utf8_comment(engine):
    a = engine.analyze("Die Gebühren sind ärgerlich".encode("cp1252"))
    assert a.redacted_text == "Die Gebühren sind ärgerlich"
    assert a.language == "de"
    assert a.sentiment_label == "negative"
    assert engine.analyze(b"\xff\xfe\x00broken").language in ("und", "de", "en", "other")


def test_analyze_many_is_deterministic_and_checks_lengths(engine):
    texts = ["Rechnung falsch", "Great app", "", "Danke!"]
    first = [a.to_dict() for a in engine.analyze_many(texts)]
    second = [a.to_dict() for a in get_engine("fast").analyze_many(texts)]
    assert first == second
    with pytest.raises(ValueError):
        engine.analyze_many(["a"], ["de", "en"])


def test_unknown_engine():
    with pytest.raises(ValueError):
        get_engine("magic")
