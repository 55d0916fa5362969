"""Lexicon + rules sentiment: VADER for English, Klenner lexicon + simplemma + rules for German; both with
CX domain cues ("warte seit", "never showed up"). Scores in -1..1, labels with a neutral band."""

from __future__ import annotations

import math
import re

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


_RUN = re.compile(r"[a-zäöüß]{3,}")  # gate words are such runs (resources.cues), so they lie inside one
_RUN_CACHE_SIZE = 50_000


_SAFE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzäöüß0123456789 !?'-.,:;")
# characters that IGNORECASE matches to one of the letters above but that lower-case to something else
# (Turkish İ and ı, long s); text containing one skips the literal test (test_cue_literals_case_folding)
_CASE_EXOTIC = re.compile("[\u0130\u0131\u017f]")


def _literal_clauses(pattern: str, flags: int) -> tuple[tuple[str, ...], ...]:
    """Necessary conditions for ``pattern`` to match, on the lower-cased text: every clause (a tuple of
    words) must have one word inside the text. Clauses: each run of literal characters at the pattern's top
    level, and for a top-level alternation the longest literal run of each of its branches (a clause only
    when every branch has one). Only characters whose case folding is plain (``_SAFE_CHARS``) are used."""
    from re import _constants as sre  # noqa: PLC0415 - stdlib regex parser, only at start-up
    from re import _parser

    def runs(items) -> list[str]:
        out, current = [], ""
        for op, av in items:
            if op is sre.LITERAL:
                current += chr(av).lower()
                continue
            if op is sre.MAX_REPEAT and av[0] >= 1 and len(av[2]) == 1 and av[2][0][0] is sre.LITERAL:
                current += chr(av[2][0][1]).lower() * av[0]
            out.append(current)
            current = ""
        out.append(current)
        return [r for r in out if r and set(r) <= _SAFE_CHARS]

    try:
        items = list(_parser.parse(pattern, flags))
    except Exception:  # noqa: BLE001 - an unparsable pattern simply gets no clauses (always tried)
        return ()
    clauses = [(r,) for r in runs(items)]
    for op, av in items:
        if op is sre.BRANCH:
            best = [max(runs(list(branch)), key=len, default="") for branch in av[1]]
            if all(best):
                clauses.append(tuple(dict.fromkeys(best)))
    return tuple(clauses)


class _CueIndex:
    """The cues of one language, indexed by gate word: a letter run of the lower-cased text maps (cached) to
    the cues whose gate words occur inside it, so a text tries only those cues (plus the ungated ones), in
    their original order: the same cues match, and their weights add up in the same order."""

    def __init__(self, items: list, all_gates: tuple[str, ...]):
        self.items = items
        self.gates = all_gates
        self.by_gate = {g: tuple(i for i, (_rx, _w, gate) in enumerate(items) if g in gate) for g in all_gates}
        self.always = tuple(i for i, (_rx, _w, gate) in enumerate(items) if not gate)
        self.runs: dict[str, tuple[int, ...]] = {}
        self.clauses = [_literal_clauses(rx.pattern, rx.flags) for rx, _w, _gate in items]

    def _for_run(self, run: str) -> tuple[int, ...]:
        found: set[int] = set()
        for g in self.gates:
            if g in run:
                found.update(self.by_gate[g])
        out = tuple(sorted(found))
        if len(self.runs) >= _RUN_CACHE_SIZE:
            self.runs.clear()  # bounded
        self.runs[run] = out
        return out

    def candidates(self, lowered: str) -> list[int]:
        runs = self.runs
        found: set[int] = set(self.always)
        for run in _RUN.findall(lowered):
            ids = runs.get(run)
            if ids is None:
                ids = self._for_run(run)
            if ids:
                found.update(ids)
        return sorted(found)


_CUE_INDEX: dict[str, _CueIndex | None] = {}


def _cue_index(language: str) -> _CueIndex | None:
    index = _CUE_INDEX.get(language, False)
    if index is False:
        compiled = resources.cues().get(language)
        index = _CUE_INDEX[language] = _CueIndex(*compiled) if compiled else None
    return index


def _cue_sum(text: str, language: str) -> tuple[float, list[str]]:
    """Sum of the weights of the CX cues found in ``text`` and the matched phrases."""
    index = _cue_index(language)
    if index is None:
        return 0.0, []
    items, clauses = index.items, index.clauses
    total = 0.0
    hits: list[str] = []
    lowered = text.lower()
    plain = _CASE_EXOTIC.search(text) is None
    for i in index.candidates(lowered):
        if plain:  # the cue's literal words must occur (a regex search costs more than these tests)
            for clause in clauses[i]:
                for word in clause:
                    if word in lowered:
                        break
                else:
                    break
            else:
                clause = None
            if clause is not None:
                continue
        rx, weight, _gate = items[i]
        m = rx.search(text)
        if m:
            total += weight
            hits.append(m.group(0).strip().lower())
    return total, hits


class _AsciiSkippingTranslator:
    """VADER's emoji translator, skipped for pure-ASCII text when no emoji key is pure ASCII (nothing to replace;
    VADER only strips the text then, which changes neither its tokens nor its punctuation counts)."""

    def __init__(self, translator):
        self.translator = translator
        self.ascii_keys = any(key.isascii() for first in translator._index.values() for key, _d in first)

    def translate(self, text: str) -> str:
        if not self.ascii_keys and text.isascii():
            return text.strip()
        return self.translator.translate(text)


class FastVader(SentimentIntensityAnalyzer):
    """VADER with the same scores, faster: multiword phrases and idioms are only looked for at tokens that can
    start one (the library joins and looks up every n-gram of every sentence). The tests compare it with the
    plain analyzer."""

    def __init__(self):
        super().__init__()
        self._multi_first = {
            n: frozenset(p.split(" ")[0] for p in self.multiword if p.count(" ") + 1 == n)
            for n in self._multiword_lengths
        }
        self._multi_any = frozenset().union(*self._multi_first.values())
        self._idiom_first = {
            n: frozenset(p.split(" ")[0] for p in self.idioms if p.count(" ") + 1 == n) for n in (2, 3, 4)
        }
        self._idiom_any = frozenset().union(*self._idiom_first.values())
        self._emoji = _AsciiSkippingTranslator(self._emoji)

    def _match_multiword(self, lowered):
        if not self.multiword or self._multi_any.isdisjoint(lowered):
            return {}, frozenset()
        forced: dict[int, float] = {}
        consumed: set[int] = set()
        for n in self._multiword_lengths:
            firsts = self._multi_first[n]
            for i in range(len(lowered) - n + 1):
                if lowered[i] not in firsts:
                    continue  # no phrase of n words starts here
                if i in forced or any(j in consumed or j in forced for j in range(i, i + n)):
                    continue
                phrase = " ".join(lowered[i : i + n])
                if phrase in self.multiword:
                    forced[i] = self.multiword[phrase]
                    consumed.update(range(i + 1, i + n))
        return forced, frozenset(consumed)

    def _laden_idioms(self, lowered):
        if not self.idioms or self._idiom_any.isdisjoint(lowered):
            return []
        found: list[float] = []
        n = len(lowered)
        for length in (2, 3, 4):
            firsts = self._idiom_first[length]
            for i in range(n - length + 1):
                if lowered[i] in firsts:
                    phrase = " ".join(lowered[i : i + length])
                    if phrase in self.idioms:
                        found.append(self.idioms[phrase])
        return found


class EnglishSentiment:
    def __init__(self):
        self.vader = FastVader()

    def score(self, text: str) -> tuple[float, list[str]]:
        compound = self.vader.polarity_scores(text)["compound"]
        raw = _unsquash(compound, _VADER_ALPHA) if compound else 0.0
        cue, hits = _cue_sum(text, "en")
        if not cue:
            return round(compound, 4), hits
        return round(_squash(raw + cue, _VADER_ALPHA), 4), hits


_DE_CLAUSE_CONTRAST = frozenset(DE_CONTRAST - {"leider", "nur", "doch"})
_POLARITY_CACHE_SIZE = 50_000
_HAS_DIGIT = re.compile(r"\d").search


class GermanSentiment:
    def __init__(self):
        self.lex = dict(resources.german_polarity())
        self.lex.update(DE_OVERRIDES)
        self._pol_cache: dict[str, float] = {}  # token -> polarity (bounded: cleared when full)

    def _polarity(self, tok: str) -> float:
        pol = self.lex.get(tok)
        if pol is None:
            if tok.isdigit() or len(tok) < 3:
                return 0.0
            pol = self.lex.get(simplemma.lemmatize(tok, lang="de").lower(), 0.0)
        return pol

    def _cached_polarity(self, tok: str) -> float:
        pol = self._polarity(tok)
        if tok.isalpha() or not _HAS_DIGIT(tok):  # tokens with digits are nearly always unique: not kept
            if len(self._pol_cache) >= _POLARITY_CACHE_SIZE:
                self._pol_cache.clear()
            self._pol_cache[tok] = pol
        return pol

    def score(self, text: str, lowered: list[str] | None = None) -> tuple[float, list[str]]:
        """Score ``text``; ``lowered``: its lower-cased tokens (``TOKEN``) when the caller has them already."""
        toks = [t.lower() for t in TOKEN.findall(text)] if lowered is None else lowered
        n = len(toks)
        # clause weights: after the last contrast word (not the first token) the clause counts more
        last_contrast = -1
        if not _DE_CLAUSE_CONTRAST.isdisjoint(toks):
            for i in range(n - 1, 0, -1):
                if toks[i] in _DE_CLAUSE_CONTRAST:
                    last_contrast = i
                    break
        total = 0.0
        fired: list[str] = []
        pol_cache = self._pol_cache
        for i, t in enumerate(toks):
            pol = pol_cache.get(t)
            if pol is None:
                pol = self._cached_polarity(t)
            if not pol or t in DE_NEGATORS:
                continue
            mult = 1.0
            if i > 0 and toks[i - 1] in DE_INTENSIFIERS:
                mult *= DE_INTENSIFIERS[toks[i - 1]]
            window = toks[max(0, i - 3) : i] + toks[i + 1 : i + 3]
            if any(w in DE_NEGATORS for w in window):
                pol = -0.8 * pol if pol > 0 else -0.5 * pol
            weight = 1.0 if last_contrast <= 0 else 0.5 if i < last_contrast else 1.5
            total += pol * mult * weight
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
