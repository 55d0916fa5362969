"""Loading of the shipped data files (package data under opencxm/textanalytics/data)."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from xml.etree import ElementTree as ET  # noqa: S405 - our own vendored, trusted file

DATA_PACKAGE = "opencxm.textanalytics"


def data_path(name: str):
    return resources.files(DATA_PACKAGE).joinpath("data", name)


@cache
def load_json(name: str) -> dict:
    return json.loads(data_path(name).read_text(encoding="utf-8"))


@cache
def german_polarity() -> dict[str, float]:
    """Klenner et al. German polarity lexicon (Apache-2.0), lower-cased form -> polarity in -1..1."""
    root = ET.fromstring(data_path("de-sentiment.xml").read_bytes())  # noqa: S314
    lex: dict[str, list[float]] = {}
    for el in root.iter("word"):
        form = el.get("form", "").strip().lower()
        if not form or " " in form:
            continue
        lex.setdefault(form, []).append(float(el.get("polarity", "0")))
    return {k: sum(v) / len(v) for k, v in lex.items() if any(v)}


@cache
def cues() -> dict[str, dict[str, list[tuple[re.Pattern, float, str]]]]:
    """CX domain cues per language: {"de": {"pos": [(regex, weight, label)], "neg": [...]}}."""
    raw = load_json("cues.json")
    out: dict[str, dict[str, list]] = {}
    for lang, groups in raw.items():
        if lang.startswith("_"):
            continue
        out[lang] = {}
        for kind, items in groups.items():
            out[lang][kind] = [(re.compile(rx, re.IGNORECASE), float(w), rx) for rx, w in items]
    return out
