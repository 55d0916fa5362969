"""A tiny but real ONNX sequence-classification model and WordLevel tokenizer, laid out like an
``optimum-cli export onnx`` directory, for the transformer engine's tests.

The network: input_ids -> Gather(embedding) -> mean over the tokens the attention mask marks -> MatMul -> logits.
Each word's embedding row is its contribution to the class logits, so chosen words drive chosen classes. The
padding token has a large positive row: an engine that ignored the attention mask would get different results.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
# logit contributions per word, columns in the order negative, neutral, positive
WORDS = {
    "gut": (0.0, 0.0, 6.0),
    "super": (0.0, 0.0, 6.0),
    "great": (0.0, 0.0, 6.0),
    "schlecht": (6.0, 0.0, 0.0),
    "falsch": (6.0, 0.0, 0.0),
    "terrible": (6.0, 0.0, 0.0),
    "rechnung": (0.0, 1.0, 0.0),
    "die": (0.0, 1.0, 0.0),
    "ist": (0.0, 1.0, 0.0),
    "okay": (0.0, 3.0, 0.0),
}
PAD_ROW = (0.0, 0.0, 50.0)
CLASSES = ("negative", "neutral", "positive")


def build_model(
    directory: Path,
    *,
    id2label: dict | None = None,
    order: tuple[int, ...] = (0, 1, 2),
    max_position_embeddings: int = 64,
    token_type_ids: bool = False,
    labels_json: dict | None = None,
) -> Path:
    """Write model.onnx, tokenizer.json and config.json into ``directory``.

    ``order`` permutes the output columns (output k is class CLASSES[order[k]]); ``id2label`` defaults to the class
    names in that order.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordLevel

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    vocab = {tok: i for i, tok in enumerate(SPECIAL)}
    for word in WORDS:
        vocab[word] = len(vocab)
    table = np.zeros((len(vocab), 3), dtype=np.float32)
    table[vocab["[PAD]"]] = PAD_ROW
    for word, row in WORDS.items():
        table[vocab[word]] = row
    table = table[:, list(order)]
    weight = np.eye(3, dtype=np.float32)

    nodes = [helper.make_node("Gather", ["embedding", "input_ids"], ["embedded"], axis=0)]
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"]),
    ]
    if token_type_ids:  # BERT exports take it; this model adds zero times it to the mask (shapes must match)
        inputs.append(helper.make_tensor_value_info("token_type_ids", TensorProto.INT64, ["batch", "sequence"]))
        nodes += [
            helper.make_node("Cast", ["token_type_ids"], ["types_f"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["types_f", "zero"], ["types0"]),
            helper.make_node("Cast", ["attention_mask"], ["mask_raw"], to=TensorProto.FLOAT),
            helper.make_node("Add", ["mask_raw", "types0"], ["mask_f"]),
        ]
    else:
        nodes.append(helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT))
    nodes += [
        helper.make_node("Unsqueeze", ["mask_f", "axis2"], ["mask3"]),
        helper.make_node("Mul", ["embedded", "mask3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis1"], ["summed"], keepdims=0),
        helper.make_node("ReduceSum", ["mask_f", "axis1"], ["count"], keepdims=1),
        helper.make_node("Max", ["count", "one"], ["count1"]),
        helper.make_node("Div", ["summed", "count1"], ["pooled"]),
        helper.make_node("MatMul", ["pooled", "weight"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny-sentiment",
        inputs,
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3])],
        initializer=[
            numpy_helper.from_array(table, "embedding"),
            numpy_helper.from_array(weight, "weight"),
            numpy_helper.from_array(np.array([2], dtype=np.int64), "axis2"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
            numpy_helper.from_array(np.array([1.0], dtype=np.float32), "one"),
        ]
        + ([numpy_helper.from_array(np.array([0.0], dtype=np.float32), "zero")] if token_type_ids else []),
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(directory / "model.onnx"))

    tokenizer = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])]
    )
    tokenizer.save(str(directory / "tokenizer.json"))

    if id2label is None:
        id2label = {str(k): CLASSES[c] for k, c in enumerate(order)}
    config = {
        "architectures": ["BertForSequenceClassification"],
        "model_type": "bert",
        "id2label": id2label,
        "label2id": {v: int(k) for k, v in id2label.items()},
        "max_position_embeddings": max_position_embeddings,
        "pad_token_id": vocab["[PAD]"],
    }
    (directory / "config.json").write_text(json.dumps(config), encoding="utf-8")
    if labels_json is not None:
        (directory / "labels.json").write_text(json.dumps(labels_json), encoding="utf-8")
    return directory
