from opencxm.textanalytics.engine.text import clean, split_sentences, to_text


def test_clean_strips_html_keeps_text_and_unescapes():
    text, truncated = clean("<p>Die <b>Rechnung</b> ist&nbsp;falsch &amp; teuer</p><script>alert(1)</script>")
    assert text == "Die Rechnung ist falsch & teuer"
    assert truncated is False


def test_clean_block_tags_become_line_breaks():
    assert clean("Erster Satz<br>Zweiter Satz")[0] == "Erster Satz\nZweiter Satz"


def test_clean_truncates_very_long_text_at_a_word_boundary():
    text, truncated = clean("wort " * 5000, max_chars=100)
    assert truncated is True
    assert len(text) <= 100
    assert text.endswith("wort")


def test_clean_empty_and_none():
    assert clean("") == ("", False)
    assert clean(None) == ("", False)
    assert clean("   \n\t ") == ("", False)
    assert clean(float("nan")) == ("", False)


def test_to_text_decodes_utf8_and_falls_back_to_cp1252():
    assert to_text("Grüße".encode()) == "Grüße"
    assert to_text("Grüße".encode("cp1252")) == "Grüße"


def test_clean_removes_control_characters_and_replacement_chars():
    assert clean("a\x00b\ufffdc")[0] == "a b c"


def test_split_sentences():
    text = "Der Service war gut. Aber die Rechnung ist falsch! Warum? z.B. heute."
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Der Service war gut.",
        "Aber die Rechnung ist falsch!",
        "Warum? z.B. heute.",
    ]


def test_split_sentences_single_and_empty():
    assert split_sentences("kein Punkt") == [(0, 10)]
    assert split_sentences("") == []
