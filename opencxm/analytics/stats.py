"""Pure statistics for CX metrics (no Django): NPS with its confidence interval, means, shares.

Every function works on sufficient statistics (counts and sums), so the same code serves rollups,
raw rows and tests.
"""

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    value: float | None
    n: int
    low: float | None = None
    high: float | None = None


def nps(promoters: int, detractors: int, n: int) -> Estimate:
    """Net Promoter Score in points (−100..100) with a 95 % interval from the trinomial variance."""
    if n <= 0:
        return Estimate(None, 0)
    p, d = promoters / n, detractors / n
    score = (p - d) * 100
    variance = (p + d - (p - d) ** 2) / n
    half = Z95 * math.sqrt(max(variance, 0.0)) * 100
    return Estimate(score, n, max(score - half, -100.0), min(score + half, 100.0))


def mean(total: float, total_sq: float, n: int) -> Estimate:
    """Arithmetic mean with a normal-approximation 95 % interval (sample variance)."""
    if n <= 0:
        return Estimate(None, 0)
    value = total / n
    if n == 1:
        return Estimate(value, 1, value, value)
    variance = max((total_sq - n * value * value) / (n - 1), 0.0)
    half = Z95 * math.sqrt(variance / n)
    return Estimate(value, n, value - half, value + half)


def share(hits: int, n: int, scale: float = 100.0) -> Estimate:
    """A proportion (×scale) with a Wilson score 95 % interval."""
    if n <= 0:
        return Estimate(None, 0)
    p = hits / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denominator
    return Estimate(p * scale, n, max(centre - half, 0.0) * scale, min(centre + half, 1.0) * scale)


def rate(events: float, exposure: float, per: float = 1000.0) -> Estimate:
    """Events per `per` units of exposure (e.g. complaints per 1,000 contacts), Poisson interval approx."""
    if exposure <= 0:
        return Estimate(None, 0)
    value = events / exposure * per
    half = Z95 * math.sqrt(max(events, 0.0)) / exposure * per
    return Estimate(value, int(exposure), max(value - half, 0.0), value + half)


def nps_difference(first: tuple[int, int, int], second: tuple[int, int, int]) -> Estimate:
    """NPS of the first group minus NPS of the second, in points, each given as (promoters, detractors, n).
    The 95 % interval adds the two trinomial variances (independent groups); n is both groups together."""
    (p1, d1, n1), (p2, d2, n2) = first, second
    if n1 <= 0 or n2 <= 0:
        return Estimate(None, max(n1, 0) + max(n2, 0))
    a, b = nps(p1, d1, n1), nps(p2, d2, n2)
    variance = sum((p / n + d / n - (p / n - d / n) ** 2) / n for p, d, n in ((p1, d1, n1), (p2, d2, n2)))
    half = Z95 * math.sqrt(max(variance, 0.0)) * 100
    value = a.value - b.value
    return Estimate(value, n1 + n2, max(value - half, -200.0), min(value + half, 200.0))
