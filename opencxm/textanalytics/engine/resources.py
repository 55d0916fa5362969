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


_LITERAL = re.compile(r"[a-zäöüß]{3,}")


@cache
def cues() -> dict[str, tuple[list[tuple[re.Pattern, float, frozenset]], tuple[str, ...]]]:
    """CX domain cues per language: {"de": ([(regex, weight, gate words)], all gate words)}.

    The gate words are the literal words of the regex: a cue can only match when one of them occurs in the
    lower-cased text, so most regexes are skipped with a cheap substring test (no gate words: always tried).
    """
    raw = load_json("cues.json")
    out: dict[str, list] = {}
    for lang, groups in raw.items():
        if lang.startswith("_"):
            continue
        items = []
        for entries in groups.values():
            for rx, w in entries:
                gate = tuple(sorted(set(_LITERAL.findall(rx.replace("\\b", " ").replace("\\w", " ")))))
                items.append((re.compile(rx, re.IGNORECASE), float(w), frozenset(gate)))
        out[lang] = (items, tuple(sorted(set().union(*(g for _r, _w, g in items)))))
    return out
