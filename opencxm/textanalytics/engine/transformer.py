"""The "transformer" engine: a sentiment classifier that the administrator provides as a local ONNX export.

The model directory is the layout ``optimum-cli export onnx --task text-classification`` writes::

    model.onnx       the network (inputs input_ids, attention_mask[, token_type_ids]; first output: logits)
    tokenizer.json   the fast tokenizer (Hugging Face ``tokenizers``)
    config.json      id2label (class names), max_position_embeddings, model_type
    labels.json      optional: class name -> "negative" | "neutral" | "positive" or a weight in -1..1

* Sentiment per comment and per sentence (the fast engine's sentence splitting): softmax over the logits, each
  class mapped to negative/neutral/positive (by its name or labels.json); label = the most probable of the three
  groups, score = sum of P(class) x weight (negative -1, neutral 0, positive +1) in -1..1.
* Language, cleaning, topics (taxonomy rules) and redaction come from the fast engine.
* onnxruntime runs the model on CUDA when ``onnxruntime.get_available_providers()`` lists CUDAExecutionProvider
  (``device="auto"``), else on the CPU. Batches are sorted by length and padded to their longest member, so memory
  stays bounded by ``batch_size`` x the model's maximum length; longer texts are cut to that length and get a note.

Nothing is downloaded: the model is read from the given directory only. Errors are :class:`TransformerError`
(code + params, English text by default) so a caller can word them in the user's language.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import numpy as np

from .base import MAX_CHARS, SENTIMENT_LABELS, Analysis, SentenceSentiment
from .fast import FastEngine
from .text import regroup, sentence_batch

MODEL_ENV = "OPENCXM_TRANSFORMER_MODEL"
DEVICE_ENV = "OPENCXM_TRANSFORMER_DEVICE"
DEVICES = ("auto", "cpu", "cuda")
MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE, LABELS_FILE = "model.onnx", "tokenizer.json", "config.json", "labels.json"
MAX_SENTENCES = 8
DEFAULT_MAX_LENGTH = 512
WEIGHTS = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}
_STARS = re.compile(r"^\s*([1-5])\s*stars?\s*$", re.IGNORECASE)
_STAR_WEIGHTS = {1: -1.0, 2: -0.5, 3: 0.0, 4: 0.5, 5: 1.0}
# class names recognised without a labels.json (lower case); everything else needs the mapping file
_NAMES = {
    "negative": -1.0, "neg": -1.0, "negativ": -1.0, "very negative": -1.0, "sehr negativ": -1.0,
    "neutral": 0.0, "neu": 0.0, "mixed": 0.0, "gemischt": 0.0,
    "positive": 1.0, "pos": 1.0, "positiv": 1.0, "very positive": 1.0, "sehr positiv": 1.0,
}  # fmt: skip


class TransformerError(ValueError):
    """The model directory is missing, incomplete or malformed, or the runtime is not installed.

    ``code`` and ``params`` let a caller word the message in the user's language (English is the default).
    """

    MESSAGES = {
        "not_installed": "the transformer engine needs onnxruntime and tokenizers ({error}); "
        "install opencxm[transformer]",
        "not_configured": f"no transformer model configured: set {MODEL_ENV} to a directory with "
        f"{MODEL_FILE}, {TOKENIZER_FILE} and {CONFIG_FILE}",
        "no_directory": "transformer model directory {path} does not exist or is not a directory",
        "missing_file": "transformer model directory {path} lacks {file}",
        "bad_file": "{file} in {path} cannot be read: {error}",
        "no_labels": "{file} in {path} names no classes (id2label)",
        "unmapped_labels": "classes {labels} cannot be mapped to negative/neutral/positive; "
        "add labels.json to {path}, e.g. {example}",
        "bad_mapping": "labels.json in {path}: {label!r} maps to {value!r}; "
        "use negative, neutral, positive or a number from -1 to 1",
        "bad_model": "{file} in {path} cannot be loaded: {error}",
        "bad_output": "the model returns {width} classes per text but config.json names {count}",
        "bad_device": "unknown device {device!r}; use auto, cpu or cuda",
        "no_cuda": "device cuda was asked for but onnxruntime offers only {providers}",
    }

    def __init__(self, code: str, **params):
        self.code, self.params = code, params
        super().__init__(self.MESSAGES[code].format(**params))


def weight_for(name: str) -> float | None:
    """The polarity weight of a class name the engine understands without labels.json, else None."""
    key = " ".join(str(name).strip().lower().replace("_", " ").split())
    if key in _NAMES:
        return _NAMES[key]
    m = _STARS.match(key)
    return _STAR_WEIGHTS[int(m.group(1))] if m else None


def _group(weight: float) -> int:
    """Index into SENTIMENT_LABELS for a weight: < 0 negative, 0 neutral, > 0 positive."""
    return 0 if weight < 0 else (2 if weight > 0 else 1)


def _read_json(path: Path, file: str) -> dict:
    try:
        data = json.loads((path / file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TransformerError("bad_file", file=file, path=str(path), error=exc) from exc
    if not isinstance(data, dict):
        raise TransformerError("bad_file", file=file, path=str(path), error="not a JSON object")
    return data


def class_weights(path: Path, config: dict) -> tuple[list[str], np.ndarray]:
    """Class names in output order and their polarity weights (labels.json first, then the names)."""
    id2label = config.get("id2label")
    if not isinstance(id2label, dict) or not id2label:
        raise TransformerError("no_labels", file=CONFIG_FILE, path=str(path))
    try:
        order = sorted(id2label.items(), key=lambda kv: int(kv[0]))
    except (TypeError, ValueError) as exc:
        raise TransformerError("bad_file", file=CONFIG_FILE, path=str(path), error=exc) from exc
    if [int(k) for k, _ in order] != list(range(len(order))):
        raise TransformerError("bad_file", file=CONFIG_FILE, path=str(path), error="id2label ids are not 0..n-1")
    names = [str(v) for _, v in order]
    mapping = _read_json(path, LABELS_FILE) if (path / LABELS_FILE).exists() else {}
    weights, unmapped = [], []
    for index, name in enumerate(names):
        value = mapping.get(name, mapping.get(str(index)))
        if value is None:
            w = weight_for(name)
        elif isinstance(value, str) and value.strip().lower() in WEIGHTS:
            w = WEIGHTS[value.strip().lower()]
        elif isinstance(value, int | float) and not isinstance(value, bool) and -1 <= value <= 1:
            w = float(value)
        else:
            raise TransformerError("bad_mapping", path=str(path), label=name, value=value)
        if w is None:
            unmapped.append(name)
        weights.append(w)
    if unmapped:
        example = json.dumps(dict(zip(names, ("negative", "neutral", "positive")[: len(names)], strict=False)))
        raise TransformerError("unmapped_labels", labels=", ".join(unmapped), path=str(path), example=example)
    return names, np.asarray(weights, dtype=np.float64)


def max_length_for(path: Path, config: dict) -> int:
    """tokenizer_config.json's model_max_length when sensible, else max_position_embeddings (minus RoBERTa's
    padding offset), else 512."""
    tok_config = path / "tokenizer_config.json"
    if tok_config.exists():
        try:
            value = json.loads(tok_config.read_text(encoding="utf-8")).get("model_max_length")
        except (OSError, ValueError, AttributeError):
            value = None
        if isinstance(value, int) and 3 <= value <= 100_000:
            return value
    positions = config.get("max_position_embeddings")
    if isinstance(positions, int) and positions >= 3:
        offset = 2 if config.get("model_type") in ("roberta", "xlm-roberta", "camembert", "longformer") else 0
        return positions - offset
    return DEFAULT_MAX_LENGTH


def model_fingerprint(path: Path) -> str:
    """A short digest of the model directory (config, tokenizer, labels; size, head and tail of model.onnx):
    another model gives another engine version, so stored analyses are redone."""
    h = hashlib.sha256()
    for name in (CONFIG_FILE, TOKENIZER_FILE, LABELS_FILE):
        if (path / name).exists():
            h.update(name.encode() + b"\0" + (path / name).read_bytes())
    model = path / MODEL_FILE
    size = model.stat().st_size
    h.update(str(size).encode())
    with model.open("rb") as fh:
        h.update(fh.read(1 << 20))
        if size > 2 << 20:
            fh.seek(size - (1 << 20))
            h.update(fh.read())
    return h.hexdigest()[:8]


def choose_providers(device: str, available: list[str]) -> list[str]:
    """onnxruntime execution providers for ``device`` ("auto": CUDA when onnxruntime offers it, else CPU)."""
    if device not in DEVICES:
        raise TransformerError("bad_device", device=device)
    cuda = "CUDAExecutionProvider" in available
    if device == "cuda" and not cuda:
        raise TransformerError("no_cuda", providers=", ".join(available))
    if device != "cpu" and cuda:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def model_dir(model_path=None) -> Path:
    """The model directory (argument, else OPENCXM_TRANSFORMER_MODEL), checked for the three required files."""
    raw = model_path if model_path not in (None, "") else os.environ.get(MODEL_ENV, "")
    if not str(raw).strip():
        raise TransformerError("not_configured")
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise TransformerError("no_directory", path=str(path))
    for name in (MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE):
        if not (path / name).is_file():
            raise TransformerError("missing_file", path=str(path), file=name)
    return path


def _device(device: str | None) -> str:
    return (device or os.environ.get(DEVICE_ENV) or "auto").strip().lower()


_LOADED: dict[tuple, TransformerClassifier] = {}
_KEEP = 2  # models kept loaded per process (a worker analyses batch after batch with the same one)


def load_classifier(model_path=None, device=None, batch_size: int = 16, max_length: int | None = None):
    """A :class:`TransformerClassifier`, reused while the directory's files are unchanged (loading a model takes
    seconds; enrichment tasks ask for the engine once per batch)."""
    path = model_dir(model_path)
    stamp = tuple(
        (name, st.st_size, st.st_mtime_ns)
        for name in (MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE, LABELS_FILE, "tokenizer_config.json")
        if (path / name).exists() and (st := (path / name).stat())
    )
    key = (str(path.resolve()), _device(device), int(batch_size), max_length, stamp)
    if key not in _LOADED:
        classifier = TransformerClassifier(path, device=device, batch_size=batch_size, max_length=max_length)
        while len(_LOADED) >= _KEEP:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = classifier
    return _LOADED[key]


class TransformerClassifier:
    """``predict(texts) -> (probabilities (n, classes), truncated flags)``: tokenise, pad per batch, run ONNX."""

    def __init__(
        self,
        model_path: str | os.PathLike | None = None,
        device: str | None = None,
        batch_size: int = 16,
        max_length: int | None = None,
        num_threads: int | None = None,
    ):
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise TransformerError("not_installed", error=exc) from exc
        path = self.path = model_dir(model_path)
        config = _read_json(path, CONFIG_FILE)
        self.labels, self.weights = class_weights(path, config)
        self.max_length = int(max_length or max_length_for(path, config))
        self.batch_size = max(1, int(batch_size))
        try:
            self.tokenizer = Tokenizer.from_file(str(path / TOKENIZER_FILE))
        except Exception as exc:  # tokenizers raises plain Exception for malformed files
            raise TransformerError("bad_model", file=TOKENIZER_FILE, path=str(path), error=exc) from exc
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_length)
        self.pad_id = self._pad_id(config)
        self.providers = choose_providers(_device(device), list(ort.get_available_providers()))
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only: exports often carry harmless graph warnings
        if num_threads:
            options.intra_op_num_threads = int(num_threads)
        try:
            self.session = ort.InferenceSession(str(path / MODEL_FILE), options, providers=self.providers)
        except Exception as exc:  # onnxruntime raises its own exception types for invalid graphs
            raise TransformerError("bad_model", file=MODEL_FILE, path=str(path), error=exc) from exc
        self.providers = list(self.session.get_providers())
        if _device(device) == "cuda" and "CUDAExecutionProvider" not in self.providers:  # onnxruntime fell back
            raise TransformerError("no_cuda", providers=", ".join(self.providers))
        self.inputs = {i.name: (np.int32 if i.type == "tensor(int32)" else np.int64) for i in self.session.get_inputs()}
        unknown = sorted(set(self.inputs) - {"input_ids", "attention_mask", "token_type_ids"})
        if unknown or "input_ids" not in self.inputs:
            error = f"inputs {', '.join(self.inputs)}; expected input_ids, attention_mask[, token_type_ids]"
            raise TransformerError("bad_model", file=MODEL_FILE, path=str(path), error=error)
        self.output = self.session.get_outputs()[0].name
        self.fingerprint = model_fingerprint(path)

    def _pad_id(self, config: dict) -> int:
        padding = self.tokenizer.padding
        if padding and isinstance(padding.get("pad_id"), int):
            return padding["pad_id"]
        if isinstance(config.get("pad_token_id"), int):
            return config["pad_token_id"]
        for token in ("[PAD]", "<pad>"):
            token_id = self.tokenizer.token_to_id(token)
            if token_id is not None:
                return token_id
        return 0

    def predict(self, texts: list[str]) -> tuple[np.ndarray, list[bool]]:
        n = len(texts)
        probs = np.zeros((n, len(self.labels)), dtype=np.float64)
        truncated = [False] * n
        if not n:
            return probs, truncated
        order = sorted(range(n), key=lambda i: len(texts[i]))  # similar lengths share a batch: little padding
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]  # tokenised per batch: memory bounded by the batch
            encodings = self.tokenizer.encode_batch([texts[i] if texts[i].strip() else "-" for i in idx])
            width = max(len(enc.ids) for enc in encodings)
            ids = np.full((len(idx), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            types = np.zeros((len(idx), width), dtype=np.int64)
            for row, (i, enc) in enumerate(zip(idx, encodings, strict=True)):
                ids[row, : len(enc.ids)] = enc.ids
                mask[row, : len(enc.ids)] = enc.attention_mask
                types[row, : len(enc.ids)] = enc.type_ids
                truncated[i] = bool(enc.overflowing)
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            feed = {name: feed[name].astype(dtype, copy=False) for name, dtype in self.inputs.items() if name in feed}
            logits = np.asarray(self.session.run([self.output], feed)[0], dtype=np.float64)
            if logits.ndim != 2 or logits.shape[1] != len(self.labels):
                raise TransformerError("bad_output", width=logits.shape[-1], count=len(self.labels))
            logits -= logits.max(axis=1, keepdims=True)
            e = np.exp(logits)
            probs[idx] = e / e.sum(axis=1, keepdims=True)
        return probs, truncated

    def sentiments(self, texts: list[str]) -> tuple[list[tuple[str, float]], list[bool]]:
        """(label, score) per text: label = the most probable group, score = expected weight in -1..1."""
        probs, truncated = self.predict(texts)
        groups = np.zeros((len(self.labels), 3))
        for k, w in enumerate(self.weights):
            groups[k, _group(w)] = 1.0
        grouped = probs @ groups
        scores = np.clip(probs @ self.weights, -1.0, 1.0)
        out = [(SENTIMENT_LABELS[int(g.argmax())], round(float(s), 4)) for g, s in zip(grouped, scores, strict=True)]
        return out, truncated


class TransformerEngine:
    name = "transformer"

    def __init__(
        self,
        model_path=None,
        taxonomy=None,
        pii_patterns=None,
        device: str | None = None,
        batch_size: int = 16,
        max_length: int | None = None,
        max_chars: int = MAX_CHARS,
        sentences: bool = True,
        classifier: TransformerClassifier | None = None,
    ):
        self.model = classifier or load_classifier(
            model_path, device=device, batch_size=batch_size, max_length=max_length
        )
        self.fast = FastEngine(taxonomy=taxonomy, pii_patterns=pii_patterns, max_chars=max_chars)
        self.taxonomy = self.fast.taxonomy
        self.sentences = sentences
        # bump the leading number when this code changes; the fingerprint changes with the model
        self.version = f"1-{self.model.fingerprint}"

    @property
    def providers(self) -> list[str]:
        return self.model.providers

    def analyze(self, text, language=None) -> Analysis:
        return self.analyze_many([text], [language])[0]

    def analyze_many(self, texts, languages=None) -> list[Analysis]:
        langs = languages if languages is not None else [None] * len(texts)
        if len(langs) != len(texts):
            raise ValueError("languages must have the same length as texts")
        prepared = [self.fast.prepare(t, lg) for t, lg in zip(texts, langs, strict=True)]
        batch, owners = sentence_batch(
            [p[0] for p in prepared], sentences=self.sentences, limit=MAX_SENTENCES, skip_empty=True
        )
        preds, cut = self.model.sentiments(batch)
        whole, spans = regroup(
            owners, [(label, score, was_cut) for (label, score), was_cut in zip(preds, cut, strict=True)]
        )
        sents = {
            i: [SentenceSentiment(prepared[i][0][start:end], label, score, start, end)
                for start, end, (label, score, _cut) in found]
            for i, found in spans.items()
        }  # fmt: skip
        out = []
        for i, (cleaned, truncated, lowered, lang) in enumerate(prepared):
            label, score, was_cut = whole.get(i, ("neutral", 0.0, False))
            sentence_list = sents.get(i) or (
                [SentenceSentiment(cleaned, label, score, 0, len(cleaned))] if cleaned else []
            )
            notes = [f"truncated to {self.fast.max_chars} characters"] if truncated else []
            if was_cut:
                notes.append(f"sentiment read the first {self.model.max_length} tokens")
            out.append(
                Analysis(
                    language=lang,
                    sentiment_label=label,
                    sentiment_score=score,
                    sentences=sentence_list,
                    topics=self.fast.topics_for(lowered, lang) if lowered else [],
                    redacted_text=self.fast.redactor.redact(cleaned),
                    truncated=truncated,
                    engine=self.name,
                    notes=notes,
                )
            )
        return out
