"""A company whose relationship NPS is driven by known touchpoints, for the key-driver tests.

Touchpoints: TP-INST (installation, a bad experience there costs 4 rating points), TP-BILL (invoice, 2 points),
TP-WEB (website, no effect), TP-APP (app, no effect). Segments: "Familien" and "Gewerbe"; for "Gewerbe" the
invoice costs 4 points and the installation nothing. One relationship rating per customer in 2026-01..03;
touchpoint feedback in the same months. Outside the period: March 2025 feedback that must not count.
"""

from datetime import timedelta

import numpy as np

from opencxm.analytics.tests.cockpit_data import at, make_feedback, store
from opencxm.feedback.models import Customer, DataSource
from tests import factories as f

CODES = ("TP-INST", "TP-BILL", "TP-WEB", "TP-APP")
BAD_SHARE = {"TP-INST": 0.35, "TP-BILL": 0.25, "TP-WEB": 0.15, "TP-APP": 0.1}
COST = {"Familien": {"TP-INST": 4.0, "TP-BILL": 2.0}, "Gewerbe": {"TP-BILL": 4.0}}


def driver_company(customers=400, seed=11):
    rng = np.random.default_rng(seed)
    segments = {name: f.SegmentFactory(name=name, code=name.lower()) for name in COST}
    touchpoints = {code: f.TouchpointFactory(code=code, name=f"Touchpoint {code[3:]}") for code in CODES}
    relationship = DataSource.objects.create(name="Beziehung")
    survey = DataSource.objects.create(name="Transaktion")
    rows = []
    for number in range(customers):
        name = "Familien" if number % 3 else "Gewerbe"
        customer = Customer.objects.create(pseudonym=f"c{number:05d}", segment=segments[name])
        when = at("2026-01-05") + timedelta(days=int(rng.integers(0, 80)))
        rating = 9.0 + rng.normal(0, 1.0)
        for code in CODES:
            if rng.random() > 0.8:
                continue  # did not meet this touchpoint
            bad = rng.random() < BAD_SHARE[code]
            csat = int(rng.integers(1, 3)) if bad else int(rng.integers(3, 6))
            rows.append(make_feedback(survey, when, touchpoints[code], csat=csat, nps=None, customer=customer))
            rating -= COST[name].get(code, 0.0) if bad else 0.0
        nps = int(min(10, max(0, round(rating))))
        rows.append(make_feedback(relationship, when + timedelta(days=3), None, nps=nps, customer=customer))
    old = Customer.objects.create(pseudonym="old", segment=segments["Familien"])
    rows.append(make_feedback(relationship, at("2025-03-01"), None, nps=0, customer=old))
    rows.append(make_feedback(survey, at("2025-03-01"), touchpoints["TP-WEB"], csat=1, customer=old))
    store(rows)
    return segments, touchpoints
