"""Text preparation: decoding, HTML stripping, truncation, tokenising, sentence splitting."""

from __future__ import annotations

import html
import re
import unicodedata

from .base import MAX_CHARS

_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]{0,500}>", re.IGNORECASE | re.DOTALL)
_BLOCK_TAG = re.compile(r"<\s*(br|/p|/div|/li|/h\d|/tr|p|div|li)\b[^>]{0,200}>", re.IGNORECASE)
_WS = re.compile(r"[ \t\f\v\u00a0]+")
_NL = re.compile(r"\s*\n\s*")
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# words: letters/digits incl. umlauts, inner hyphens and apostrophes ("E-Mail", "don't")
TOKEN = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*", re.UNICODE)
_SENT_END = re.compile(r"(?<=[.!?…])[\"'”)]*\s+(?=[\"'„“(]*[A-ZÄÖÜ0-9])|(?<=[!?])\s*(?=[A-ZÄÖÜ])|\n+")
_SENT_HINT = re.compile(r"[.!?…\n]")
_ABBREV = re.compile(
    r"\b(?:z\.B|d\.h|u\.a|bzw|ca|Nr|Hr|Fr|Dr|Mr|Mrs|Ms|St|usw|etc|vs|inkl|ggf|evtl|bspw|e\.g|i\.e)\.$", re.IGNORECASE
)


def to_text(value) -> str:
    """Turn whatever a file gave us into str: bytes are decoded (UTF-8, then cp1252 as a fallback), None is ""."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return bytes(value).decode("cp1252", errors="replace")
    if isinstance(value, float) and value != value:  # NaN from spreadsheets
        return ""
    return str(value)


def looks_like_html(text: str) -> bool:
    return "<" in text and ">" in text or "&" in text and ";" in text


def strip_html(text: str) -> str:
    """Remove tags (script/style with content), keep the text, unescape entities."""
    if "<" in text:
        text = _BLOCK_TAG.sub("\n", text)
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def clean(value, max_chars: int = MAX_CHARS) -> tuple[str, bool]:
    """Return (cleaned text, truncated?). Cleaning: decode, NFC, strip HTML, drop control chars, squeeze spaces.

    Text longer than ``max_chars`` after cleaning is cut at the last word boundary before the limit.
    """
    text = to_text(value)
    if not text:
        return "", False
    if len(text) > max_chars * 4:  # do not run the regexes over megabytes
        text = text[: max_chars * 4]
    text = unicodedata.normalize("NFC", text)
    if looks_like_html(text):
        text = strip_html(text)
    if "\ufffd" in text:
        text = text.replace("\ufffd", " ")
    if text.isprintable():  # no control characters, newlines, tabs or no-break spaces: only runs of spaces
        text = (_WS.sub(" ", text) if "  " in text else text).strip()
    else:
        text = _CTRL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
        text = _NL.sub("\n", _WS.sub(" ", text)).strip()
    truncated = False
    if len(text) > max_chars:
        cut = text.rfind(" ", 0, max_chars)
        text = text[: cut if cut > max_chars // 2 else max_chars].rstrip()
        truncated = True
    return text, truncated


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in ``text``. Simple rules: ., !, ?, … followed by a capital, or a newline."""
    spans: list[tuple[int, int]] = []
    start = 0
    # every boundary follows one of .!?… or is a newline: no such character, no boundary; and none can start
    # before the first one, so the search starts there
    hint = _SENT_HINT.search(text)
    for m in _SENT_END.finditer(text, hint.start()) if hint else ():
        piece = text[start : m.start()].rstrip()
        if piece.endswith(".") and _ABBREV.search(piece[-8:]):  # an abbreviation is at most 5 characters
            continue
        if piece.strip():
            spans.append(_trim(text, start, m.start()))
        start = m.end()
    if text[start:].strip():
        spans.append(_trim(text, start, len(text)))
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def letter_count(text: str) -> int:
    return sum(map(str.isalpha, text))


def sentence_batch(texts: list[str], *, sentences: bool, limit: int, skip_empty: bool = False):
    """What a model scores in one batch: each text whole and, when it has more than one sentence, its first
    `limit` sentences. Returns (pieces, owners); owners[k] = (text index, start, end) of pieces[k], start -1
    for a whole text. `skip_empty`: empty texts get no piece."""
    pieces: list[str] = []
    owners: list[tuple[int, int, int]] = []
    for index, text in enumerate(texts):
        if skip_empty and not text:
            continue
        pieces.append(text)
        owners.append((index, -1, -1))
        if sentences:
            spans = split_sentences(text)
            if len(spans) > 1:
                for start, end in spans[:limit]:
                    pieces.append(text[start:end])
                    owners.append((index, start, end))
    return pieces, owners


def regroup(owners: list[tuple[int, int, int]], results) -> tuple[dict, dict]:
    """The results of a sentence_batch back per text: ({index: result of the whole text}, {index: [(start, end,
    result), ...] of its sentences})."""
    whole: dict = {}
    spans: dict = {}
    for (index, start, end), result in zip(owners, results, strict=True):
        if start < 0:
            whole[index] = result
        else:
            spans.setdefault(index, []).append((start, end, result))
    return whole, spans
