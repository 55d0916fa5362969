import pytest

from opencxm.textanalytics.engine.taxonomy import Doc, Lemmatizer, RuleError, Taxonomy, parse_rule
from opencxm.textanalytics.engine.text import tokens


def doc(text, lang="de"):
    toks = [t.lower() for t in tokens(text)]
    return Doc(toks, Lemmatizer().lemmas(toks, lang))


def matches(rule, text, lang="de"):
    return parse_rule(rule).matches(doc(text, lang))


def test_prefix_matches_german_compounds_and_lemmas():
    assert matches("rechnung*", "Der Rechnungsbetrag stimmt nicht")
    assert matches("rechnung", "Die Rechnungen sind falsch")  # lemma
    assert not matches("rechnung", "Der Rechnungsbetrag")


def test_infix():
    assert matches("*rechnung*", "Meine Handyrechnung")
    assert not matches("rechnung*", "Meine Handyrechnung")


def test_boolean_and_or_not():
    rule = "rechnung* AND (falsch* OR fehler* OR doppelt*) NOT gutschrift*"
    assert matches(rule, "Die Rechnung ist fehlerhaft")
    assert not matches(rule, "Die Rechnung ist fehlerhaft, Gutschrift kommt")
    assert not matches(rule, "Die Rechnung ist korrekt")
    assert matches("rechnung* falsch*", "falsche Rechnung")  # implicit AND
    assert matches("rechnung* AND NOT gutschrift*", "Rechnung da")


def test_phrase_and_near():
    assert matches('"nicht gekommen"', "Der Techniker ist nicht gekommen")
    assert not matches('"nicht gekommen"', "gekommen ist er nicht")
    assert matches("techniker* NEAR/3 termin*", "Der Techniker hat den Termin verpasst")
    assert not matches("techniker NEAR/1 termin*", "Der Techniker hat den ganzen Termin verpasst")
    assert matches("termin* NEAR/3 techniker*", "Termin: der Techniker kam nicht")


def test_rule_errors():
    for bad in ["", "a AND", "(a OR b", "a OR OR b", "re*ch", '""']:
        with pytest.raises(RuleError):
            parse_rule(bad)


def test_default_taxonomy_two_levels_and_match_explains_terms():
    tax = Taxonomy.default()
    assert len({t.path[0] for t in tax.topics}) >= 10
    assert all(len(t.path) == 2 and t.rules.get("de") and t.rules.get("en") for t in tax.topics)
    toks = [t.lower() for t in tokens("Meine Rechnung ist doppelt so hoch wie sonst")]
    found = tax.match(tax.doc(toks, Lemmatizer().lemmas(toks, "de")), "de")
    assert [m.key for m in found] == ["billing.wrong_invoice"]
    assert found[0].label == "Rechnung & Preis › Falsche Rechnung"
    assert "rechnung" in found[0].matched_terms


def test_custom_taxonomy_dict_and_language_specific_rules():
    tax = Taxonomy(
        {
            "label_language": "en",
            "topics": [
                {
                    "key": "a",
                    "label": {"en": "Access", "de": "Zugang"},
                    "children": [
                        {"key": "a.login", "label": {"en": "Login"}, "rules": {"de": ["anmeld*"], "en": ["login*"]}}
                    ],
                }
            ],
        }
    )
    toks = ["login", "fails"]
    assert [m.path for m in tax.match(tax.doc(toks, toks), "en")] == [("Access", "Login")]
    assert tax.match(tax.doc(toks, toks), "de") == []
    assert [m.key for m in tax.match(tax.doc(toks, toks), "other")] == ["a.login"]
