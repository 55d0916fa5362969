"""Lexicon + rules sentiment: VADER for English, Klenner lexicon + simplemma + rules for German; both with
CX domain cues ("warte seit", "never showed up"). Scores in -1..1, labels with a neutral band."""

from __future__ import annotations

import math

import simplemma
from vader import SentimentIntensityAnalyzer

from . import resources
from .text import TOKEN

NEUTRAL_BAND = {"de": 0.12, "en": 0.1}
_VADER_ALPHA = 15.0
_DE_ALPHA = 4.0

DE_NEGATORS = {
    "nicht",
    "kein",
    "keine",
    "keinen",
    "keinem",
    "keiner",
    "keines",
    "nie",
    "niemals",
    "nichts",
    "ohne",
    "weder",
    "noch nie",
    "niemand",
    "kaum",
}
DE_INTENSIFIERS = {
    "sehr": 1.5,
    "wirklich": 1.4,
    "total": 1.5,
    "extrem": 1.7,
    "absolut": 1.6,
    "äußerst": 1.6,
    "besonders": 1.3,
    "super": 1.5,
    "echt": 1.3,
    "völlig": 1.5,
    "komplett": 1.4,
    "so": 1.2,
    "zu": 1.2,
    "ziemlich": 1.2,
    "richtig": 1.3,
    "mega": 1.5,
    "voll": 1.3,
    "immer": 1.1,
    "wenig": 0.6,
    "etwas": 0.7,
    "bisschen": 0.7,
    "eher": 0.8,
}
DE_CONTRAST = {"aber", "jedoch", "allerdings", "trotzdem", "dennoch", "doch", "leider", "nur"}
# words the lexicon misjudges in CX text: domain nouns that are not opinions, politeness formulas
DE_OVERRIDES = {
    "problem": -0.5,
    "probleme": -0.5,
    "schaden": -0.2,
    "danke": 0.4,
    "vielen": 0.0,
    "bitte": 0.0,
    "frage": 0.0,
    "fragen": 0.0,
    "kunde": 0.0,
    "kunden": 0.0,
    "service": 0.0,
    "zug": 0.0,
    "ende": 0.0,
    "leider": -0.6,
    "super": 0.9,
    "top": 0.8,
    "toll": 0.9,
    "klasse": 0.8,
    "prima": 0.8,
    "schnell": 0.6,
    "freundlich": 0.8,
    "zufrieden": 0.8,
    "unzufrieden": -0.9,
    "katastrophe": -1.0,
    "frechheit": -1.0,
    "unverschämt": -1.0,
    "unverschämtheit": -1.0,
    "ärgerlich": -0.8,
    "enttäuscht": -0.9,
    "enttäuschend": -0.9,
    "kompetent": 0.8,
    "hilfsbereit": 0.8,
    "gut": 0.7,
    "geholfen": 0.6,
    "reibungslos": 0.8,
    "unkompliziert": 0.7,
    "pünktlich": 0.6,
    "lob": 0.7,
    "erreichbar": 0.3,
    "nett": 0.7,
    "warten": -0.2,
    "gewartet": -0.3,
    "wartezeit": -0.3,
    "kaputt": -0.8,
    "defekt": -0.8,
    "falsch": -0.7,
    "fehler": -0.6,
    "ausfall": -0.6,
    "verspätung": -0.6,
    "störung": -0.6,
    "gekündigt": -0.2,
    "abgesagt": -0.5,
    "abzocke": -1.0,
    "mies": -0.9,
    "schlecht": -0.9,
    "schlechter": -0.9,
    "schlechteste": -1.0,
    "gerne": 0.5,
    "möchte": 0.0,
    "möchten": 0.0,
    "nutze": 0.0,
    "vertrag": 0.0,
    "nächste": 0.0,
    "dauert": 0.0,
    "dauerte": 0.0,
    "besondere": 0.0,
    "besten": 0.2,
    "hoch": 0.0,
    "höher": 0.0,
    "einfach": 0.1,
    "empfehlen": 0.6,
    "weiterempfehlen": 0.7,
    "perfekt": 1.0,
    "hervorragend": 1.0,
    "spitze": 0.9,
}


def _squash(x: float, alpha: float) -> float:
    return x / math.sqrt(x * x + alpha)


def _unsquash(c: float, alpha: float) -> float:
    c = max(min(c, 0.9999), -0.9999)
    return c * math.sqrt(alpha) / math.sqrt(1 - c * c)


def squash(raw: float, language: str) -> float:
    """Raw lexicon sum -> -1..1 with the language's normalisation."""
    return round(_squash(raw, _DE_ALPHA if language == "de" else _VADER_ALPHA), 4)


def unsquash(score: float, language: str) -> float:
    return _unsquash(score, _DE_ALPHA if language == "de" else _VADER_ALPHA) if score else 0.0


def label_for(score: float, language: str = "en") -> str:
    band = NEUTRAL_BAND.get(language, 0.1)
    if score >= band:
        return "positive"
    if score <= -band:
        return "negative"
    return "neutral"


def _cue_sum(text: str, language: str) -> tuple[float, list[str]]:
    """Sum of the weights of the CX cues found in ``text`` and the matched phrases."""
    compiled = resources.cues().get(language)
    if not compiled:
        return 0.0, []
    items, all_gates = compiled
    lowered = text.lower()
    present = {g for g in all_gates if g in lowered}
    total = 0.0
    hits: list[str] = []
    for rx, weight, gate in items:
        if gate and present.isdisjoint(gate):
            continue
        m = rx.search(text)
        if m:
            total += weight
            hits.append(m.group(0).strip().lower())
    return total, hits


class EnglishSentiment:
    def __init__(self):
        self.vader = SentimentIntensityAnalyzer()

    def score(self, text: str) -> tuple[float, list[str]]:
        compound = self.vader.polarity_scores(text)["compound"]
        raw = _unsquash(compound, _VADER_ALPHA) if compound else 0.0
        cue, hits = _cue_sum(text, "en")
        if not cue:
            return round(compound, 4), hits
        return round(_squash(raw + cue, _VADER_ALPHA), 4), hits


class GermanSentiment:
    def __init__(self):
        self.lex = dict(resources.german_polarity())
        self.lex.update(DE_OVERRIDES)
        self._lemma_cache: dict[str, str] = {}

    def _polarity(self, tok: str) -> float:
        pol = self.lex.get(tok)
        if pol is None:
            lemma = self._lemma_cache.get(tok)
            if lemma is None and (tok.isdigit() or len(tok) < 3):
                return 0.0
            if lemma is None:
                lemma = simplemma.lemmatize(tok, lang="de").lower()
                if len(self._lemma_cache) < 100_000:
                    self._lemma_cache[tok] = lemma
            pol = self.lex.get(lemma, 0.0)
        return pol

    def score(self, text: str) -> tuple[float, list[str]]:
        toks = [t.lower() for t in TOKEN.findall(text)]
        n = len(toks)
        # clause weights: after the last contrast word the clause counts more
        weights = [1.0] * n
        last_contrast = -1
        for i, t in enumerate(toks):
            if t in DE_CONTRAST and t not in ("leider", "nur", "doch") and i > 0:
                last_contrast = i
        if last_contrast > 0:
            for i in range(n):
                weights[i] = 0.5 if i < last_contrast else 1.5
        total = 0.0
        fired: list[str] = []
        for i, t in enumerate(toks):
            pol = self._polarity(t)
            if not pol or t in DE_NEGATORS:
                continue
            mult = 1.0
            if i > 0 and toks[i - 1] in DE_INTENSIFIERS:
                mult *= DE_INTENSIFIERS[toks[i - 1]]
            window = toks[max(0, i - 3) : i] + toks[i + 1 : i + 3]
            if any(w in DE_NEGATORS for w in window):
                pol = -0.8 * pol if pol > 0 else -0.5 * pol
            total += pol * mult * weights[i]
            fired.append(t)
        if "!" in text and total:
            total *= 1.0 + min(text.count("!"), 3) * 0.1
        cue, hits = _cue_sum(text, "de")
        total += cue
        return round(_squash(total, _DE_ALPHA), 4), fired + hits


NEG_EMOJI = frozenset("😠😡🤬😤😞😟😢😭😩😫👎💩☹🙁😒😣😖")
POS_EMOJI = frozenset("😀😃😄😁😊🙂😍🥰👍👏💯🎉❤💚💙⭐🌟😎🤩")


def emoji_score(text: str) -> float:
    pos = sum(1 for ch in text if ch in POS_EMOJI)
    neg = sum(1 for ch in text if ch in NEG_EMOJI)
    return round(_squash(pos - neg, 2.0), 4) if pos != neg else 0.0
