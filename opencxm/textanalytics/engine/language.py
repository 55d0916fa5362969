"""Language identification restricted to German/English, everything else "other", too little text "und".

Fast path: German and English function words decide most comments. The rest goes to py3langid (BSD-3) over
all its languages; a clear non-de/en winner on enough text gives "other", otherwise the better of de/en.
"""

from __future__ import annotations

import math

from .base import OTHER, UNDETERMINED

DE_WORDS = frozenset(
    [
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "ich",
        "sie",
        "wir",
        "mit",
        "auf",
        "für",
        "von",
        "zu",
        "den",
        "dem",
        "ein",
        "eine",
        "einen",
        "einem",
        "mein",
        "meine",
        "meinen",
        "ihr",
        "ihre",
        "ihnen",
        "sich",
        "auch",
        "noch",
        "schon",
        "nur",
        "aber",
        "wenn",
        "dass",
        "weil",
        "wurde",
        "wurden",
        "wird",
        "habe",
        "hat",
        "haben",
        "war",
        "waren",
        "bin",
        "sind",
        "kein",
        "keine",
        "keinen",
        "immer",
        "seit",
        "nach",
        "bei",
        "aus",
        "zum",
        "zur",
        "im",
        "am",
        "vom",
        "über",
        "unter",
        "sehr",
        "mehr",
        "wieder",
        "man",
        "mir",
        "mich",
        "uns",
        "euch",
        "es",
        "er",
        "doch",
        "leider",
        "bitte",
        "danke",
        "gut",
        "schlecht",
        "wie",
        "was",
        "warum",
        "wann",
        "wo",
        "oder",
        "jetzt",
        "heute",
    ]
)
EN_WORDS = frozenset(
    [
        "the",
        "and",
        "is",
        "are",
        "was",
        "were",
        "not",
        "my",
        "me",
        "you",
        "your",
        "we",
        "our",
        "it",
        "its",
        "this",
        "that",
        "with",
        "for",
        "from",
        "to",
        "of",
        "in",
        "on",
        "at",
        "by",
        "be",
        "been",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "no",
        "never",
        "again",
        "still",
        "can",
        "can't",
        "cannot",
        "don't",
        "didn't",
        "i",
        "i'm",
        "they",
        "them",
        "their",
        "there",
        "what",
        "why",
        "when",
        "how",
        "very",
        "just",
        "but",
        "or",
        "so",
        "if",
        "would",
        "could",
        "should",
        "will",
        "thanks",
        "thank",
        "please",
        "good",
        "bad",
    ]
)
_EN_ONLY = EN_WORDS - DE_WORDS
OTHER_MIN_LETTERS = 15
OTHER_GAP = 4.0
LANGID_MAX_CHARS = 400


class LanguageDetector:
    def __init__(self):
        self._idf = None

    def _identifier(self):
        if self._idf is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            self._idf = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
            classes = self._idf.nb_classes
            self._de, self._en = classes.index("de"), classes.index("en")
        return self._idf

    def detect(self, text: str, lowered_tokens: list[str], letters: int) -> str:
        if letters < 3:
            return UNDETERMINED
        de = sum(map(DE_WORDS.__contains__, lowered_tokens))
        en = sum(map(_EN_ONLY.__contains__, lowered_tokens))  # a word of both lists counts for German
        if de >= 2 and de >= 2 * en:
            return "de"
        if en >= 2 and en >= 2 * de:
            return "en"
        return self._langid(text, letters)

    def _langid(self, text: str, letters: int) -> str:
        idf = self._identifier()
        encoded = idf._encode(text[:LANGID_MAX_CHARS])
        scores = idf._raw_score(encoded)
        best = int(scores.argmax())
        de, en = float(scores[self._de]), float(scores[self._en])
        if best in (self._de, self._en):
            return "de" if best == self._de else "en"
        gap = (float(scores[best]) - max(de, en)) / math.sqrt(len(encoded) or 1)
        if letters >= OTHER_MIN_LETTERS and gap >= OTHER_GAP:
            return OTHER
        return "de" if de >= en else "en"
