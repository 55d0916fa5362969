"""Factory-made feedback for the cockpit, explorer, export and API tests (exact expected values in comments)."""

from datetime import datetime
from itertools import count

from opencxm.analytics.rollups import local_day, local_zone, rollup_refresh
from opencxm.feedback.models import DataSource, Feedback

_external = count(1)


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=local_zone())


def make_feedback(source, when, touchpoint, *, nps=None, csat=None, ces=None, kind="response", comment="", **extra):
    return Feedback(
        source=source, external_id=f"fb-{next(_external)}", kind=kind, responded_at=when, touchpoint=touchpoint,
        channel=touchpoint.channel if touchpoint else None, nps=nps, csat=csat, ces=ces, comment=comment, **extra,
    )  # fmt: skip


def store(rows):
    """Save feedback and refresh the rollups of the touched (source, day) slices, as every write must."""
    Feedback.objects.bulk_create(rows)
    slices = {}
    for row in rows:
        slices.setdefault(row.source_id, set()).add(local_day(row.responded_at))
    for source_id, days in slices.items():
        rollup_refresh(source_id=source_id, days=days)
    return rows


def sample(world):
    """Current period 2026-01-01..2026-03-31 and the 90 days before.

    TP-OWN (own department): Jan 15 nps 10, 9, 7, 3 / csat 5, 4, 3, 2 / ces 6, 6, 4, 4;
    Feb 10 nps 10, 10, 8 / csat 5, 5, -. TP-OTHER: Mar 5 nps 0, 6 / csat 1, 2 and one complaint.
    Company NPS now: 4 promoters, 3 detractors of 9 = 11.1; CSAT 4 of 8 top-2 = 50 %; CES 5.0; 9 responses.
    Previous period (Nov 2025, TP-OWN): nps 10, 0 -> NPS 0; 2 responses.
    """
    source = DataSource.objects.create(name="Umfrage")
    own, other = world.touchpoint, world.other_touchpoint
    rows = [
        make_feedback(source, at("2026-01-15"), own, nps=10, csat=5, ces=6, comment="Sehr freundlich"),
        make_feedback(source, at("2026-01-15"), own, nps=9, csat=4, ces=6, comment='=HYPERLINK("x")'),
        make_feedback(source, at("2026-01-15"), own, nps=7, csat=3, ces=4),
        make_feedback(source, at("2026-01-15"), own, nps=3, csat=2, ces=4, comment="Warteschleife zu lang"),
        make_feedback(source, at("2026-02-10"), own, nps=10, csat=5, segment=world.segment),
        make_feedback(source, at("2026-02-10"), own, nps=10, csat=5),
        make_feedback(source, at("2026-02-10"), own, nps=8),
        make_feedback(source, at("2026-03-05"), other, nps=0, csat=1, comment="Techniker kam nicht"),
        make_feedback(source, at("2026-03-05"), other, nps=6, csat=2),
        make_feedback(source, at("2026-03-05"), other, kind="complaint", comment="Beschwerde: Rechnung falsch"),
        make_feedback(source, at("2025-11-20"), own, nps=10),
        make_feedback(source, at("2025-11-20"), own, nps=0),
    ]
    store(rows)
    return source


PERIOD = {"period": "custom", "start": "2026-01-01", "end": "2026-03-31"}
