"""PII redaction: e-mail, phone, IBAN (checksum-verified), configurable customer/contract numbers, names after
salutations. Placeholders: [E-MAIL], [TELEFON], [IBAN], [KUNDENNR], [VERTRAGSNR], [NAME]."""

from __future__ import annotations

import re

EMAIL = re.compile(r"\b[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}\b")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
# +49 30 1234567, 0049 (0)30-1234567, 030/1234567, 0171 1234567, (030) 123 45 67, +1 (555) 123-4567
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\d{1,3}[\s\-./]?(?:\(0\)[\s\-./]?)?|\(?0)\(?\d{1,5}\)?(?:[\s\-./]?\d{2,}){1,5}(?!\w)"
)
_DIGIT = re.compile(r"\d")
_IBAN_HINT = re.compile(r"[A-Z]{2}\d{2}")
DEFAULT_PATTERNS: dict[str, str] = {
    "KUNDENNR": r"\b(?:KD|KDNR|KNR|Kd\.?-?Nr\.?)[\s\-:]*\d{5,}\b",
    "VERTRAGSNR": r"\bV\d{8}\b|\b(?:VT|VN)[\s\-:]*\d{6,}\b",
}
_SALUTATION = re.compile(
    r"\b(Herrn?|Frau|Hr\.|Fr\.|Dr\.|Prof\.|Mr\.?|Mrs\.?|Ms\.?|Miss|Mister)\s+"
    r"((?:Dr\.\s+)?[A-ZÄÖÜ][\w'’\-]+(?:\s+[A-ZÄÖÜ][\w'’\-]+)?)"
)
# one of these occurs in every salutation match (a cheap test before the regex)
_SALUTATION_WORDS = ("Herr", "Frau", "Hr.", "Fr.", "Dr.", "Prof.", "Mr", "Ms", "Mis")
# capitalised words that follow "Frau/Herr" but are not names
_NOT_NAMES = {
    "Kundin",
    "Kunde",
    "Kollegin",
    "Kollege",
    "Mitarbeiterin",
    "Mitarbeiter",
    "Service",
    "Technikerin",
    "Techniker",
    "Und",
    "Oder",
    "Die",
    "Der",
    "Das",
    "Am",
    "Im",
    "Von",
    "Mit",
    "Bei",
}


def iban_valid(candidate: str) -> bool:
    s = candidate.replace(" ", "").upper()
    if not 15 <= len(s) <= 34:
        return False
    rearranged = s[4:] + s[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


class Redactor:
    """Replaces PII with placeholders. ``patterns`` adds/overrides configurable patterns {PLACEHOLDER: regex}."""

    def __init__(self, patterns: dict[str, str] | None = None):
        merged = dict(DEFAULT_PATTERNS)
        merged.update(patterns or {})
        self.custom = [(name, re.compile(rx)) for name, rx in merged.items() if rx]
        # (placeholder, regex, needs a digit, placeholder has a digit): the shipped patterns need a digit
        self._custom = [
            (f"[{name}]", rx, DEFAULT_PATTERNS.get(name) == rx.pattern, _DIGIT.search(name) is not None)
            for name, rx in self.custom
        ]

    def redact(self, text: str) -> str:
        if not text:
            return text
        if "@" in text:
            text = EMAIL.sub("[E-MAIL]", text)
        # IBAN, phone and the shipped number patterns need a digit: skipped when there is none ("digit" is
        # False only when the text has no digit; replacements add one only from a placeholder with a digit)
        digit = _DIGIT.search(text) is not None
        if digit and _IBAN_HINT.search(text):
            text = IBAN.sub(lambda m: "[IBAN]" if iban_valid(m.group(0)) else m.group(0), text)
        for placeholder, rx, needs_digit, adds_digit in self._custom:
            if digit or not needs_digit:
                text = rx.sub(placeholder, text)
                if adds_digit:
                    digit = _DIGIT.search(text) is not None
        if digit and _DIGIT.search(text):
            text = PHONE.sub(self._phone, text)
        if any(word in text for word in _SALUTATION_WORDS):
            text = _SALUTATION.sub(self._name, text)
        return text

    @staticmethod
    def _phone(m: re.Match) -> str:
        s = m.group(0)
        digits = sum(ch.isdigit() for ch in s)
        # at least 7 digits and not a date/amount-like run: "12.03.2024" has separators every 2 digits
        if digits < 7 or re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{2,4}", s.strip()):
            return s
        return "[TELEFON]"

    @staticmethod
    def _name(m: re.Match) -> str:
        name = m.group(2)
        first = name.split()[0]
        if first in _NOT_NAMES:
            return m.group(0)
        return f"{m.group(1)} [NAME]"
