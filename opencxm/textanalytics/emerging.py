"""Emerging topics: cluster comments that no topic matches (TF-IDF vectors, spherical k-means in numpy).

Deterministic (fixed initialisation), so the same comments give the same clusters.
"""

import re

import numpy

WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
_STOPWORD_TEXT = """
    aber alle allem allen aller alles als also auch auf aus bei beim bin bis bitte das dass dem den der des
    dessen die dies diese diesem diesen dieser dieses doch dort durch ein eine einem einen einer eines etwas
    euch fuer für gar gegen gibt habe haben hat hatte hier hin ihr ihre ihm ihn ich immer ist jetzt kann kein
    keine keinen man mehr mein meine meinem meinen meiner mich mir mit nach nicht nichts noch nun nur oder
    ohne schon sehr sein seine sich sie sind so über uns und unser unsere viel vom von vor war waren warum was
    weil wenn wer werden wie wieder wir wird wurde wurden zum zur zwei about after again all also and any are
    because been but can could did does for from had has have her here him his how its just more not now off
    only our out over she should some than that the their them then there they this too very was were what
    when which who why will with would you your
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _tokens(text: str) -> list[str]:
    return [w for w in (m.lower() for m in WORD.findall(text or "")) if w not in STOPWORDS]


def _matrix(texts: list[str]) -> tuple[numpy.ndarray, list[str]]:
    docs = [_tokens(t) for t in texts]
    frequency: dict[str, int] = {}
    for doc in docs:
        for word in set(doc):
            frequency[word] = frequency.get(word, 0) + 1
    ceiling = 0.5 * len(docs) if len(docs) >= 20 else len(docs)  # in a large set, too common words say nothing
    vocabulary = sorted(w for w, n in frequency.items() if 2 <= n <= ceiling)
    index = {w: i for i, w in enumerate(vocabulary)}
    matrix = numpy.zeros((len(docs), len(vocabulary)), dtype=numpy.float32)
    for row, doc in enumerate(docs):
        for word in doc:
            if word in index:
                matrix[row, index[word]] += 1
    idf = numpy.log((1 + len(docs)) / (1 + numpy.array([frequency[w] for w in vocabulary], dtype=numpy.float32)))
    matrix *= idf + 1
    norms = numpy.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / numpy.where(norms == 0, 1, norms), vocabulary


def cluster(texts: list[str], languages=None, *, k: int = 6, iterations: int = 20, min_size: int = 3) -> list[dict]:
    """Groups of similar texts: member indexes, up to 3 representative indexes and up to 6 key terms."""
    if len(texts) < min_size:
        return []
    matrix, vocabulary = _matrix(texts)
    if not vocabulary:
        return []
    present = numpy.flatnonzero(matrix.any(axis=1))
    k = max(1, min(k, len(present) // min_size))
    centres = matrix[present[numpy.linspace(0, len(present) - 1, k).astype(int)]]
    for _ in range(iterations):
        assignment = numpy.argmax(matrix[present] @ centres.T, axis=1)
        new = numpy.stack([_centre(matrix[present][assignment == c], centres[c]) for c in range(k)])
        if numpy.allclose(new, centres):
            break
        centres = new
    groups = []
    for c in range(k):
        members = present[assignment == c]
        if len(members) < min_size:
            continue
        similarity = matrix[members] @ centres[c]
        order = members[numpy.argsort(-similarity, kind="stable")]
        top = numpy.argsort(-centres[c], kind="stable")[:6]
        terms = [vocabulary[i] for i in top if centres[c][i] > 0]
        groups.append({"members": members.tolist(), "representatives": order[:3].tolist(), "terms": terms})
    return groups


def _centre(rows: numpy.ndarray, previous: numpy.ndarray) -> numpy.ndarray:
    if not len(rows):
        return previous
    mean = rows.mean(axis=0)
    norm = numpy.linalg.norm(mean)
    return mean / norm if norm else previous
