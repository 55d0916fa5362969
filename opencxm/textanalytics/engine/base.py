"""The engine interface: plain Python, no Django.

Callers use :func:`opencxm.textanalytics.engine.get_engine` and
``Engine.analyze_many(texts, languages=None) -> list[Analysis]``. Backends ("fast", "quality") are swapped by
name, so the Django side stores the name in configuration and never imports a backend directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

LANGUAGES = ("de", "en")
OTHER = "other"
UNDETERMINED = "und"
SENTIMENT_LABELS = ("negative", "neutral", "positive")
MAX_CHARS = 5000


@dataclass(frozen=True, slots=True)
class SentenceSentiment:
    """Sentiment of one sentence; ``start``/``end`` are offsets into the cleaned (analysed) text."""

    text: str
    label: str
    score: float
    start: int = 0
    end: int = 0


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """A taxonomy topic that applies. ``path`` is ("Parent", "Child"); ``key`` the stable id "parent.child"."""

    key: str
    path: tuple[str, ...]
    matched_terms: tuple[str, ...] = ()
    source: str = "rule"  # "rule" or "similarity" (zero-shot fallback of the quality engine)
    score: float = 1.0

    @property
    def label(self) -> str:
        return " › ".join(self.path)


@dataclass(slots=True)
class Analysis:
    """Everything the engine knows about one comment."""

    language: str  # "de", "en", "other" or "und" (too short / empty)
    sentiment_label: str  # one of SENTIMENT_LABELS
    sentiment_score: float  # -1..1
    sentences: list[SentenceSentiment] = field(default_factory=list)
    topics: list[TopicMatch] = field(default_factory=list)
    redacted_text: str = ""
    truncated: bool = False
    embedding: Any = None  # numpy float32 vector (quality engine) or None
    engine: str = ""
    notes: list[str] = field(default_factory=list)  # e.g. "truncated to 5000 characters"
    cues: tuple[str, ...] = ()  # words/cues that drove the sentiment (explainability)

    def to_dict(self) -> dict:
        """JSON-serialisable form (embedding as a list of floats or None)."""
        emb = self.embedding
        if emb is not None and hasattr(emb, "tolist"):
            emb = emb.tolist()
        return {
            "language": self.language,
            "sentiment_label": self.sentiment_label,
            "sentiment_score": self.sentiment_score,
            "sentences": [
                {"text": s.text, "label": s.label, "score": s.score, "start": s.start, "end": s.end}
                for s in self.sentences
            ],
            "topics": [
                {
                    "key": t.key,
                    "path": list(t.path),
                    "matched_terms": list(t.matched_terms),
                    "source": t.source,
                    "score": t.score,
                }
                for t in self.topics
            ],
            "redacted_text": self.redacted_text,
            "truncated": self.truncated,
            "embedding": emb,
            "engine": self.engine,
            "notes": list(self.notes),
            "cues": list(self.cues),
        }


class Engine(Protocol):
    """What every backend provides."""

    name: str

    def analyze_many(self, texts: list[str], languages: list[str | None] | None = None) -> list[Analysis]:
        """Analyse texts; ``languages`` (same length, entries may be None) overrides detection per text."""
        ...

    def analyze(self, text: str, language: str | None = None) -> Analysis:
        """Analyse one text."""
        ...
