"""Two-level topic taxonomy with boolean matching rules per language.

Rule syntax (case-insensitive)::

    rechnung* AND (falsch* OR fehler* OR doppelt*) NOT gutschrift*
    "nicht gekommen" OR techniker* NEAR/3 termin*
    *rechnung*            (infix: matches inside compounds, "Handyrechnung")

* ``word`` matches a token or its simplemma lemma exactly; ``word*`` is a prefix (German compounds:
  "rechnung*" matches "Rechnungsbetrag"); ``*word*`` matches anywhere inside a token.
* ``"two words"`` is a phrase: consecutive tokens, each element may use ``*``.
* ``A NEAR/n B``: A and B at most n tokens apart (either order).
* ``AND`` (also implicit between adjacent terms), ``OR``, ``NOT`` (``a NOT b`` = a AND NOT b), parentheses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import simplemma

from . import resources
from .base import TopicMatch

_TOKEN_RX = re.compile(r'\(|\)|"[^"]*"|NEAR/\d+|[^\s()"]+')
_HAS_DIGIT = re.compile(r"\d").search
CACHE_SIZE = 50_000  # entries per word cache (token -> terms, token -> lemma); cleared when full


class RuleError(ValueError):
    pass


# ---- terms ---------------------------------------------------------------------------------------------------


class Term:
    """A rule term; instances are interned (one object per text and kind), so hashing is by identity."""

    __slots__ = ("text", "kind")
    _interned: dict[tuple[str, str], Term] = {}

    def __new__(cls, text: str, kind: str):
        key = (text, kind)
        obj = cls._interned.get(key)
        if obj is None:
            obj = super().__new__(cls)
            obj.text = text
            obj.kind = kind
            cls._interned[key] = obj
        return obj

    def __repr__(self) -> str:
        return f"Term({self.text!r}, {self.kind!r})"

    @classmethod
    def parse(cls, raw: str) -> Term:
        w = raw.lower()
        if w.startswith("*") and w.endswith("*") and len(w) > 2:
            return cls(w.strip("*"), "infix")
        if w.endswith("*") and len(w) > 1:
            return cls(w.rstrip("*"), "prefix")
        if "*" in w or not w:
            raise RuleError(f"unsupported wildcard in {raw!r}")
        return cls(w, "exact")

    def __str__(self) -> str:
        return {"exact": self.text, "prefix": self.text + "*", "infix": f"*{self.text}*"}[self.kind]


class TermIndex:
    """All terms of a rule set, indexed so a document is matched in one pass over its tokens."""

    def __init__(self, terms):
        self.exact: dict[str, list[Term]] = {}
        self.prefix: dict[str, list[Term]] = {}
        self.infix: list[Term] = []
        for t in set(terms):
            if t.kind == "exact":
                self.exact.setdefault(t.text, []).append(t)
            elif t.kind == "prefix":
                self.prefix.setdefault(t.text, []).append(t)
            else:
                self.infix.append(t)
        self.prefix_lengths = sorted({len(k) for k in self.prefix})
        # prefixes grouped by their first three characters (shorter prefixes: by themselves)
        self.by_head: dict[str, list[Term]] = {}
        self.short_prefix: dict[str, list[Term]] = {}
        for text, terms in self.prefix.items():
            if len(text) >= 3:
                self.by_head.setdefault(text[:3], []).extend(terms)
            else:
                self.short_prefix.setdefault(text, []).extend(terms)
        self._token_cache: dict[str, frozenset] = {}
        self._lemma_cache: dict[str, frozenset] = {}

    def word_terms(self, w: str) -> frozenset:
        """Exact and prefix terms that ``w`` (a token or a lemma) matches."""
        seen: set[Term] = set()
        found = self.exact.get(w)
        if found:
            seen.update(found)
        cands = self.by_head.get(w[:3])
        if cands:
            for t in cands:
                if w.startswith(t.text):
                    seen.add(t)
        if self.short_prefix:
            for n in (1, 2):
                found = self.short_prefix.get(w[:n])
                if found:
                    seen.update(found)
        return frozenset(seen)

    def token_terms(self, tok: str) -> frozenset:
        """Terms a token matches by itself: its exact and prefix terms and the infix terms inside it."""
        terms = self._token_cache.get(tok)
        if terms is None:
            terms = self.word_terms(tok)
            infix = [t for t in self.infix if t.text in tok]
            if infix:
                terms = terms.union(infix)
            if tok.isalpha() or not _HAS_DIGIT(tok):  # tokens with digits are nearly always unique
                if len(self._token_cache) >= CACHE_SIZE:
                    self._token_cache.clear()  # bounded: memory stays flat on any number of comments
                self._token_cache[tok] = terms
        return terms

    def lemma_terms(self, lemma: str) -> frozenset:
        terms = self._lemma_cache.get(lemma)
        if terms is None:
            terms = self.word_terms(lemma)
            if lemma.isalpha() or not _HAS_DIGIT(lemma):
                if len(self._lemma_cache) >= CACHE_SIZE:
                    self._lemma_cache.clear()
                self._lemma_cache[lemma] = terms
        return terms

    def scan(self, tokens: list[str], lemmas: list[str], joined: str) -> dict[Term, list[int]]:
        """Term -> ascending token positions. A token matches exact and prefix terms by itself or its lemma,
        infix terms by itself only (``joined`` is kept for callers; a token-level test is the same test)."""
        hits: dict[Term, list[int]] = {}
        token_cache, lemma_cache = self._token_cache, self._lemma_cache
        for i, tok in enumerate(tokens):
            terms = token_cache.get(tok)
            if terms is None:
                terms = self.token_terms(tok)
            lm = lemmas[i]
            if lm != tok:
                more = lemma_cache.get(lm)
                if more is None:
                    more = self.lemma_terms(lm)
                if more:
                    terms = terms | more
            for t in terms:
                found = hits.get(t)
                if found is None:
                    hits[t] = [i]
                else:
                    found.append(i)
        return hits


class Doc:
    """A tokenised text: lower-cased tokens and their lemmas, with term positions."""

    __slots__ = ("tokens", "lemmas", "_cache", "joined", "_indexed")

    def __init__(self, tokens: list[str], lemmas: list[str], index: TermIndex | None = None):
        self.tokens = tokens
        self.lemmas = lemmas
        self.joined = " ".join(tokens)
        self._indexed = index is not None
        self._cache: dict[Term, tuple[int, ...]] = (
            {t: tuple(p) for t, p in index.scan(tokens, lemmas, self.joined).items()} if index is not None else {}
        )

    @property
    def hit_terms(self):
        return self._cache.keys()

    def positions(self, term: Term) -> tuple[int, ...]:
        hit = self._cache.get(term)
        if hit is not None:
            return hit
        if self._indexed:
            return ()
        s = term.text
        if term.kind == "exact":
            pos = tuple(i for i, (t, lm) in enumerate(zip(self.tokens, self.lemmas, strict=True)) if s in (t, lm))
        elif term.kind == "prefix":
            pos = tuple(
                i
                for i, (t, lm) in enumerate(zip(self.tokens, self.lemmas, strict=True))
                if t.startswith(s) or lm.startswith(s)
            )
        else:
            pos = tuple(i for i, t in enumerate(self.tokens) if s in t) if s in self.joined else ()
        self._cache[term] = pos
        return pos


def node_terms(node) -> set[Term]:
    """Positive terms of a rule (those under NOT excluded): a rule can only match if one of them occurs."""
    if isinstance(node, TermNode):
        return {node.term}
    if isinstance(node, PhraseNode):
        return set(node.terms)
    if isinstance(node, NearNode):
        return node_terms(node.left) | node_terms(node.right)
    if isinstance(node, AndNode | OrNode):
        return set().union(*(node_terms(p) for p in node.parts))
    return set()


def required_sets(node) -> list[frozenset]:
    """Term sets of which each must occur for ``node`` to match (a necessary condition, used as a pre-filter)."""
    if isinstance(node, TermNode):
        return [frozenset({node.term})]
    if isinstance(node, PhraseNode):
        return [frozenset({t}) for t in node.terms]
    if isinstance(node, NearNode):
        return required_sets(node.left) + required_sets(node.right)
    if isinstance(node, AndNode):
        return [s for p in node.parts for s in required_sets(p)]
    if isinstance(node, OrNode):
        return [frozenset(node_terms(node))]
    return []


def all_terms(node) -> set[Term]:
    out = node_terms(node)
    if isinstance(node, AndNode):
        for n in node.negated:
            out |= all_terms(n)
    for child in getattr(node, "parts", ()):
        out |= all_terms(child)
    return out


# ---- expression nodes: positions(doc) -> tuple of hit positions (empty = no match); terms() for explanation ---


class Node:
    def positions(self, doc: Doc) -> tuple[int, ...]:
        raise NotImplementedError

    def matches(self, doc: Doc) -> bool:
        return bool(self.positions(doc))

    def hits(self, doc: Doc) -> list[str]:
        """Matched surface tokens (for explanations)."""
        return []


@dataclass
class TermNode(Node):
    term: Term

    def positions(self, doc):
        return doc.positions(self.term)

    def hits(self, doc):
        return [doc.tokens[i] for i in doc.positions(self.term)]


@dataclass
class PhraseNode(Node):
    terms: list[Term]

    def positions(self, doc):
        first = doc.positions(self.terms[0])
        out = []
        for p in first:
            if all(p + k in doc.positions(t) for k, t in enumerate(self.terms[1:], start=1)):
                out.append(p)
        return tuple(out)

    def hits(self, doc):
        n = len(self.terms)
        return [" ".join(doc.tokens[p : p + n]) for p in self.positions(doc)]


@dataclass
class NearNode(Node):
    left: Node
    right: Node
    distance: int

    def positions(self, doc):
        lp, rp = self.left.positions(doc), self.right.positions(doc)
        if not lp or not rp:
            return ()
        return tuple(sorted({a for a in lp for b in rp if abs(a - b) <= self.distance}))

    def hits(self, doc):
        return self.left.hits(doc) + self.right.hits(doc) if self.positions(doc) else []


@dataclass
class AndNode(Node):
    parts: list[Node]
    negated: list[Node] = field(default_factory=list)

    def positions(self, doc):
        found: set[int] = set()
        for p in self.parts:
            pos = p.positions(doc)
            if not pos:
                return ()
            found.update(pos)
        for n in self.negated:
            if n.positions(doc):
                return ()
        return tuple(sorted(found))

    def matches(self, doc):
        return all(p.matches(doc) for p in self.parts) and not any(n.matches(doc) for n in self.negated)

    def hits(self, doc):
        return [h for p in self.parts for h in p.hits(doc)] if self.matches(doc) else []


@dataclass
class OrNode(Node):
    parts: list[Node]

    def positions(self, doc):
        found: set[int] = set()
        for p in self.parts:
            found.update(p.positions(doc))
        return tuple(sorted(found))

    def __post_init__(self):
        terms = [p.term for p in self.parts if isinstance(p, TermNode)]
        self._simple = frozenset(terms) if len(terms) == len(self.parts) else None

    def matches(self, doc):
        if self._simple is not None and doc._indexed:
            return not self._simple.isdisjoint(doc.hit_terms)
        return any(p.matches(doc) for p in self.parts)

    def hits(self, doc):
        return [h for p in self.parts if p.matches(doc) for h in p.hits(doc)]


def compile_matcher(node: Node):
    """``(matches, hits)`` of ``node`` for indexed docs, as generated code over the doc's dict of hit terms.

    ``matches(c, d)`` is ``node.matches(d)`` and ``hits(c, d)`` is ``node.hits(d)`` (``c`` is ``d``'s term ->
    positions dict): terms, AND, OR and NOT become ``in``/``and``/``or``/``not`` tests and list extends instead
    of method calls; phrases and NEAR keep their node (they need positions). A node's hits are empty whenever
    it does not match, so OR concatenates the hits of all its parts. The generated source only names objects
    held in its namespace (no rule text), so compiling it is safe.
    """
    names: dict[str, object] = {}

    def ref(obj) -> str:
        name = f"_{len(names)}"
        names[name] = obj
        return name

    def expr(n) -> str:
        if isinstance(n, TermNode):
            return f"({ref(n.term)} in c)"
        if isinstance(n, OrNode):
            return "(" + " or ".join(expr(p) for p in n.parts) + ")"
        if isinstance(n, AndNode):
            parts = [expr(p) for p in n.parts] + [f"not {expr(x)}" for x in n.negated]
            return "(" + " and ".join(parts) + ")"
        # phrases and NEAR need all their (positive) terms: test that first, positions only then
        needed = (
            " and ".join(f"{ref(t)} in c" for t in sorted(node_terms(n), key=str)) if isinstance(n, PhraseNode) else ""
        )
        if isinstance(n, NearNode):
            needed = f"{expr(n.left)} and {expr(n.right)}"
        return f"({needed} and {ref(n.matches)}(d))" if needed else f"{ref(n.matches)}(d)"

    def stmts(n, indent: str) -> list[str]:
        if isinstance(n, TermNode):
            return [f"{indent}p = c.get({ref(n.term)})", f"{indent}if p:", f"{indent}    out.extend(map(get, p))"]
        if isinstance(n, OrNode):
            return [line for part in n.parts for line in stmts(part, indent)]
        if isinstance(n, AndNode):
            return [f"{indent}if {expr(n)}:"] + [line for part in n.parts for line in stmts(part, indent + "    ")]
        return [f"{indent}if {expr(n)}:", f"{indent}    out.extend({ref(n.hits)}(d))"]

    namespace: dict[str, object] = {"__builtins__": {"map": map}}
    source = "\n".join(
        [
            f"def matches(c, d):\n    return {expr(node)}",
            "def hits(c, d):",
            "    out = []",
            "    get = d.tokens.__getitem__",
        ]
        + stmts(node, "    ")
        + ["    return out"]
    )
    namespace.update(names)
    exec(source, namespace)  # noqa: S102 - generated from our own node tree
    return namespace["matches"], namespace["hits"]


class _Parser:
    def __init__(self, text: str):
        self.toks = _TOKEN_RX.findall(text)
        self.i = 0
        self.source = text

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def parse(self) -> Node:
        if not self.toks:
            raise RuleError("empty rule")
        node = self.or_expr()
        if self.peek() is not None:
            raise RuleError(f"unexpected {self.peek()!r} in rule {self.source!r}")
        return node

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else OrNode(parts)

    def and_expr(self) -> Node:
        parts: list[Node] = []
        negated: list[Node] = []
        parts.append(self.near_expr())
        while True:
            tok = self.peek()
            if tok is None or tok in (")", "OR"):
                break
            if tok == "NOT":
                self.take()
                negated.append(self.near_expr())
            elif tok == "AND":
                self.take()
                if self.peek() == "NOT":
                    self.take()
                    negated.append(self.near_expr())
                else:
                    parts.append(self.near_expr())
            else:
                parts.append(self.near_expr())  # implicit AND
        if len(parts) == 1 and not negated:
            return parts[0]
        return AndNode(parts, negated)

    def near_expr(self) -> Node:
        left = self.atom()
        while self.peek() and self.peek().startswith("NEAR/"):
            distance = int(self.take().split("/")[1])
            left = NearNode(left, self.atom(), distance)
        return left

    def atom(self) -> Node:
        tok = self.take()
        if tok is None:
            raise RuleError(f"rule ends too early: {self.source!r}")
        if tok == "(":
            node = self.or_expr()
            if self.take() != ")":
                raise RuleError(f"missing ')' in rule {self.source!r}")
            return node
        if tok in (")", "AND", "OR", "NOT") or tok.startswith("NEAR/"):
            raise RuleError(f"unexpected {tok!r} in rule {self.source!r}")
        if tok.startswith('"'):
            words = tok.strip('"').split()
            if not words:
                raise RuleError("empty phrase")
            terms = [Term.parse(w) for w in words]
            return TermNode(terms[0]) if len(terms) == 1 else PhraseNode(terms)
        return TermNode(Term.parse(tok))


def parse_rule(text: str) -> Node:
    """Parse a rule expression (raises RuleError with a readable message)."""
    return _Parser(text).parse()


# ---- taxonomy ------------------------------------------------------------------------------------------------


@dataclass
class Topic:
    key: str
    path: tuple[str, ...]
    rules: dict[str, list[Node]]  # language -> parsed rules
    descriptions: dict[str, str]


class Taxonomy:
    """Parsed taxonomy. ``data`` is the JSON form (see data/taxonomy_default.json)."""

    def __init__(self, data: dict, label_language: str | None = None):
        self.data = data
        self.label_language = label_language or data.get("label_language", "de")
        self.topics: list[Topic] = []
        # per language: [(topic, rule, positive terms)]
        self._rules: dict[str, list[tuple[Topic, Node, tuple[frozenset, ...], object]]] = {}
        self._by_term: dict[str, dict[Term, list[int]]] = {}  # language -> term -> rule numbers
        terms: set[Term] = set()
        for parent in data.get("topics", []):
            plabel = _label(parent, self.label_language)
            for child in parent.get("children", []):
                rules = {
                    lang: [parse_rule(r) for r in exprs if r.strip()] for lang, exprs in child.get("rules", {}).items()
                }
                topic = Topic(
                    key=child["key"],
                    path=(plabel, _label(child, self.label_language)),
                    rules=rules,
                    descriptions=dict(child.get("description", {})),
                )
                self.topics.append(topic)
                for lang, nodes in rules.items():
                    for node in nodes:
                        rules_for_lang = self._rules.setdefault(lang, [])
                        by_term = self._by_term.setdefault(lang, {})
                        required = tuple(sorted(set(required_sets(node)), key=len))
                        for term in required[0]:  # index by the smallest required set: complete and selective
                            by_term.setdefault(term, []).append(len(rules_for_lang))
                        rules_for_lang.append((topic, node, required[1:], compile_matcher(node)))
                        terms |= all_terms(node)
        self.index = TermIndex(terms)
        self._order = {t.key: i for i, t in enumerate(self.topics)}

    @classmethod
    def default(cls) -> Taxonomy:
        return cls(resources.load_json("taxonomy_default.json"))

    @classmethod
    def coerce(cls, value) -> Taxonomy:
        if value is None:
            return cls.default()
        if isinstance(value, Taxonomy):
            return value
        return cls(value)

    def doc(self, tokens: list[str], lemmas: list[str]) -> Doc:
        return Doc(tokens, lemmas, self.index)

    def match(self, doc: Doc, language: str) -> list[TopicMatch]:
        """Topics whose rules (for ``language``; both languages when it is not de/en) match ``doc``."""
        langs = (language,) if language in ("de", "en") else ("de", "en")
        if not doc.hit_terms:
            return []
        cache, indexed = doc._cache, doc._indexed  # compiled matchers: indexed docs (no empty positions cached)
        found: dict[str, TopicMatch] = {}
        for lang in langs:
            by_term = self._by_term.get(lang, {})
            candidates: set[int] = set()
            for term in cache:
                rule_ids = by_term.get(term)
                if rule_ids:
                    candidates.update(rule_ids)
            rules = self._rules.get(lang, ())
            for rule_id in sorted(candidates):
                topic, node, _required, (matcher, hits) = rules[rule_id]
                if topic.key in found:
                    continue
                if indexed:
                    if not matcher(cache, doc):
                        continue
                    terms = tuple(dict.fromkeys(hits(cache, doc)))
                elif node.matches(doc):
                    terms = tuple(dict.fromkeys(node.hits(doc)))
                else:
                    continue
                found[topic.key] = TopicMatch(key=topic.key, path=topic.path, matched_terms=terms, source="rule")
        if len(found) < 2:
            return list(found.values())
        order = self._order
        return sorted(found.values(), key=lambda m: order[m.key])


def _label(node: dict, language: str) -> str:
    label = node.get("label", node.get("key", ""))
    if isinstance(label, dict):
        return label.get(language) or label.get("en") or next(iter(label.values()), node.get("key", ""))
    return label


class Lemmatizer:
    """Cached simplemma lemmatiser per language (lower-cased output).

    The cache is bounded (cleared when ``max_cache`` entries are reached) and skips tokens with a digit
    (customer numbers, dates: nearly always unique), so memory stays flat over any number of comments.
    """

    def __init__(self, max_cache: int = 50_000):
        self.caches: dict[str, dict[str, str]] = {"de": {}, "en": {}}
        self.max_cache = max_cache

    def lemmas(self, tokens: list[str], language: str) -> list[str]:
        lang = language if language in ("de", "en") else "de"
        cache = self.caches[lang]
        out = list(map(cache.get, tokens))
        if None not in out:
            return out
        for i, lm in enumerate(out):
            if lm is not None:
                continue
            t = tokens[i]
            if t.isdigit() or len(t) < 3:
                out[i] = t
                continue
            lm = out[i] = simplemma.lemmatize(t, lang=lang).lower()
            if t.isalpha() or not _HAS_DIGIT(t):
                if len(cache) >= self.max_cache:
                    cache.clear()
                cache[t] = lm
        return out
