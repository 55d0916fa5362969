"""Topic learning from corrections: training time and the prediction cost during enrichment (no database).

1. Synthetic corrected comments (German; deterministic): ``--topics`` topics, each with its own words, written
   in templates with filler words; a comment has one or two topics, a few none. "Rules" know only the first of
   each topic's words, so the corrections teach the rest.
2. Training (``topiclearning.train``: 4 out-of-fold fits for the thresholds + the final fit) on ``--sizes``
   corrected comments, hashed features (fast engine) and 384-dimensional embeddings (quality engine; random
   vectors with a topic signal), CPU seconds of this process.
3. Prediction: the fast engine on ``--predict`` comments of the speed bench's generator (realistic lengths), and
   the hashed topic classifier on the same comments (features + probabilities); the ratio is the share the
   classifier adds to enrichment.
4. The held-back figures of the runs (rules alone vs rules + classifier, pooled over topics).

Usage: .venv/bin/python -m bench.textanalytics.topiclearn [--sizes 500,2000,5000] [--topics 20] [--predict 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

FILLER = [
    "leider",
    "heute",
    "wieder",
    "seit",
    "Wochen",
    "bitte",
    "endlich",
    "schon",
    "wirklich",
    "total",
    "immer",
    "noch",
    "gestern",
    "ganz",
    "sehr",
    "einfach",
    "nochmal",
    "trotzdem",
    "eigentlich",
]
NOUNS = [
    "Paket",
    "Lieferung",
    "Rechnung",
    "Gutschrift",
    "Hotline",
    "Warteschleife",
    "Techniker",
    "Termin",
    "Router",
    "Störung",
    "Vertrag",
    "Kündigung",
    "Tarif",
    "App",
    "Login",
    "Passwort",
    "Zähler",
    "Abschlag",
    "Filiale",
    "Beratung",
    "Netz",
    "Empfang",
    "Erstattung",
    "Mahnung",
    "Preis",
    "Rabatt",
    "Rückruf",
    "Email",
    "Formular",
    "Website",
    "Kundenkonto",
    "Lastschrift",
    "Bestellung",
    "Umzug",
    "Anschluss",
    "Glasfaser",
    "Mobilfunk",
    "SIM",
    "Roaming",
    "Datenvolumen",
    "Hardware",
    "Display",
    "Akku",
    "Garantie",
    "Reparatur",
    "Versand",
    "Zustellung",
    "Abholung",
    "Bonus",
    "Prämie",
]
VERBS = ["funktioniert", "kam", "fehlt", "hängt", "dauert", "stimmt", "klappt", "geht", "ärgert", "verschwunden"]


def corpus(n: int, topics: int, seed: int = 1):
    rng = random.Random(seed)
    words = {t: [NOUNS[(t * 3 + k) % len(NOUNS)] + ("" if t * 3 + k < len(NOUNS) else str(t)) for k in range(3)]
             for t in range(topics)}  # fmt: skip
    rows = []
    for _ in range(n):
        k = rng.choice([0, 1, 1, 1, 2])
        chosen = set(rng.sample(range(topics), k))
        parts = []
        for t in sorted(chosen):
            parts += [rng.choice(words[t]), rng.choice(VERBS)]
        parts += rng.sample(FILLER, 4)
        rng.shuffle(parts)
        text = " ".join(parts)
        truth = {f"t{t}" for t in chosen}
        rules = {f"t{t}" for t in chosen if words[t][0] in text}  # the rules know one word per topic
        rows.append((text, truth, rules))
    return rows


def examples(rows, *, embedding_dim: int = 0, seed: int = 2):
    from opencxm.textanalytics import topiclearning

    rng = np.random.default_rng(seed)
    directions = None
    out = []
    for i, (text, truth, rules) in enumerate(rows):
        vector = None
        if embedding_dim:
            if directions is None:
                directions = rng.normal(size=(100, embedding_dim))
            vector = rng.normal(size=embedding_dim) + sum(2 * directions[int(key[1:])] for key in truth)
        example = topiclearning.Example(i, text, "de", truth, vector)
        example.rules = rules
        out.append(example)
    return out


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, round(time.perf_counter() - wall, 3), round(time.process_time() - cpu, 3)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,2000,5000")
    parser.add_argument("--topics", type=int, default=20)
    parser.add_argument("--predict", type=int, default=5000)
    parser.add_argument("--json", default="bench/results/topiclearn.json")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencxm.config.settings")
    import django

    django.setup()
    from opencxm.textanalytics import topiclearning
    from opencxm.textanalytics.engine import get_engine
    from opencxm.textanalytics.engine.classifier import HashedFeatures

    report = {"load_before": os.getloadavg(), "topics": args.topics, "training": [], "prediction": {}}
    model = None
    for size in [int(s) for s in args.sizes.split(",")]:
        rows = corpus(size, args.topics)
        for feature, dim in (("hashed", 0), ("embedding", 384)):
            data = examples(rows, embedding_dim=dim)
            (trained, metrics, n_train, n_test), wall, cpu = timed(lambda d=data, f=feature: topiclearning.train(d, f))
            if feature == "hashed" and model is None:
                model = trained
            entry = {
                "comments": size,
                "feature": feature,
                "topics_learnt": len(metrics["topics"]),
                "n_train": n_train,
                "n_test": n_test,
                "wall_s": wall,
                "cpu_s": cpu,
                "held_back_f1_rules": metrics["pooled"]["rules"]["f1"],
                "held_back_f1_rules_plus_classifier": metrics["pooled"]["model"]["f1"],
                "load": os.getloadavg()[0],
            }
            report["training"].append(entry)
            print(json.dumps(entry))
    from bench.textanalytics.speed import comment

    rng = random.Random(42)
    texts = [comment(rng) for _ in range(args.predict)]  # the speed bench's realistic comments
    engine = get_engine("fast")
    engine.analyze_many(texts[:200])  # warm caches
    _, engine_wall, engine_cpu = timed(lambda: engine.analyze_many(texts))
    _, clf_wall, clf_cpu = timed(lambda: model.predict(texts, ["de"] * len(texts)))
    hashed = HashedFeatures()
    _, feat_wall, feat_cpu = timed(lambda: hashed.matrix(texts, ["de"] * len(texts)))
    report["prediction"] = {
        "comments": len(texts),
        "fast_engine_cpu_s": engine_cpu,
        "topic_classifier_cpu_s": clf_cpu,
        "of_which_features_cpu_s": feat_cpu,
        "ratio_classifier_to_engine": round(clf_cpu / engine_cpu, 3) if engine_cpu else None,
        "classifier_comments_per_cpu_s": round(len(texts) / clf_cpu) if clf_cpu else None,
        "load": os.getloadavg()[0],
    }
    print(json.dumps(report["prediction"]))
    report["load_after"] = os.getloadavg()
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
