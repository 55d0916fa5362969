"""A year of feedback and operational figures for the demo company Musterfrau AG (issue 3, item 8).

Deterministic: the year is the 365 days ending on the constant `END_DATE` (2026-10-31, not today, so that
every installation and every run produces the same rows) and every number comes from `random.Random`
seeded from `SEED` (2002), one generator per data source, so one source can be rebuilt alone.

What it writes (at `scale=1`):

- "Transaktionsumfrage nach Kontakt": 52,000 survey responses after a contact (NPS, CSAT, CES, ~35 % with
  a comment, ~90 % German and ~10 % English) over the active touchpoints, weighted by realistic volume,
  with touchpoint baselines, seasons (Christmas/January for hotline and invoices, summer for installations)
  and one touchpoint, `DEGRADING_TOUCHPOINT`, whose NPS falls from about +20 to about −25 from mid-June;
- "Beziehungsumfrage NPS": four quarterly relationship-NPS waves of 1,200 responses (no touchpoint);
- "Beschwerdemanagement": 1,500 complaints, mostly about invoices and technicians;
- "Callcenter-Reporting": contacts, handling_time (seconds) and first_contact_resolution (%) per hotline
  touchpoint and opening day (Monday to Saturday), with more calls about technician appointments from mid-June;
- "Web-Analytics": sessions and web_conversion (%) per website and app touchpoint and day.

Customers: 15,000 pseudonymous customers (keyed pseudonyms of "demo-customer-<n>") with a segment.

Idempotent: rows carry the external id "demo-<n>"; a source that already holds the expected number of demo
rows is skipped entirely (a second run writes nothing). Otherwise its demo rows are replaced and its
rollups refreshed for the whole year, in one transaction per source.
"""

import math
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import NormalDist

from django.db import connection, models, transaction
from django.db.models import Max, Min
from django.utils import timezone

from opencxm.accounts.models import Department
from opencxm.analytics.rollups import local_day, local_zone, rollup_refresh
from opencxm.core.audit import audit_record, diff, snapshot
from opencxm.core.models import AuditEntry
from opencxm.demo import comments
from opencxm.feedback.choices import FeedbackKind, SourceKind
from opencxm.feedback.models import Customer, DataSource, Feedback, Measurement
from opencxm.feedback.pseudonyms import pseudonymise
from opencxm.journeys.models import Segment
from opencxm.touchpoints.models import Touchpoint

END_DATE = date(2026, 10, 31)  # fixed, not today: the same data on every run and installation
DAYS = 365
START_DATE = END_DATE - timedelta(days=DAYS - 1)  # 2025-11-01
SEED = 2002
RESPONSES = 52_000
COMPLAINTS = 1_500
CUSTOMERS = 15_000
WAVE_SIZE = 1_200
COMMENT_SHARE = 0.35
BATCH = 5_000
PREFIX = "demo-"

DEGRADING_TOUCHPOINT = "TP-TECH-02"  # technician visit: installation at the customer's home
DEGRADING_HOTLINE = "TP-HOT-08"  # customers phone about their technician appointment
DEGRADES_FROM = date(2026, 6, 15)
DEGRADATION_DAYS = 28  # the fall takes four weeks, then stays
NPS_BEFORE, NPS_AFTER = 20, -25
APP_INCIDENT = (date(2026, 3, 9), date(2026, 3, 15))  # a week of app login failures after an update

SURVEY, RELATIONSHIP, COMPLAINTS_SOURCE, CALL_CENTRE, WEB = "survey", "relationship", "complaints", "calls", "web"
SOURCES = {
    SURVEY: (
        "Transaktionsumfrage nach Kontakt",
        SourceKind.SURVEY,
        "cx-team",
        "Kurzumfrage nach jedem Kundenkontakt: Weiterempfehlung (NPS), Zufriedenheit (CSAT), Aufwand (CES) "
        "und ein freier Kommentar, je Touchpoint.",
    ),
    RELATIONSHIP: (
        "Beziehungsumfrage NPS",
        SourceKind.SURVEY,
        "cx-team",
        "Quartalsweise Befragung einer Stichprobe aller Kunden zur Weiterempfehlung von Musterfrau insgesamt.",
    ),
    COMPLAINTS_SOURCE: (
        "Beschwerdemanagement",
        SourceKind.COMPLAINTS,
        "beschwerdemanagement",
        "Schriftliche und telefonische Beschwerden aus dem Beschwerde-Tool, dem betroffenen Touchpoint zugeordnet.",
    ),
    CALL_CENTRE: (
        "Callcenter-Reporting",
        SourceKind.CALL_CENTRE,
        "kundenservice",
        "Tägliche Kennzahlen der Telefonanlage je Hotline: Kontakte, durchschnittliche Bearbeitungszeit "
        "(Sekunden) und Erstlösungsquote (%).",
    ),
    WEB: (
        "Web-Analytics",
        SourceKind.WEB_ANALYTICS,
        "it",
        "Tägliche Sitzungen und Conversion-Rate (%) je Website- und App-Touchpoint.",
    ),
}

# touchpoint -> (relative survey volume, NPS baseline); active touchpoints only
PROFILES = {
    "TP-WEB-01": (3, 15), "TP-WEB-02": (3, 10), "TP-WEB-03": (2, 15), "TP-WEB-04": (4, 25), "TP-WEB-05": (3, 0),
    "TP-WEB-06": (1.5, -5), "TP-WEB-07": (4, 20), "TP-WEB-08": (1, -5), "TP-WEB-09": (0.8, -20),
    "TP-APP-01": (3, 35), "TP-APP-03": (5, 40), "TP-APP-04": (3, 25), "TP-APP-05": (5, 45),
    "TP-HOT-01": (3, 15), "TP-HOT-02": (7, 5), "TP-HOT-03": (8, -5), "TP-HOT-04": (4, -30), "TP-HOT-05": (5, -10),
    "TP-HOT-06": (2, -25), "TP-HOT-07": (2, 10), "TP-HOT-08": (2.5, -5), "TP-HOT-09": (0.8, -15),
    "TP-MAIL-01": (2, 30), "TP-MAIL-02": (2, 25), "TP-MAIL-03": (1, 0), "TP-MAIL-04": (2, -10),
    "TP-MAIL-05": (4, 10), "TP-MAIL-08": (1, -30),
    "TP-CHAT-01": (3, -5), "TP-CHAT-02": (3, 20), "TP-CHAT-03": (1, 15),
    "TP-SHOP-01": (2.5, 35), "TP-SHOP-02": (2, 30), "TP-SHOP-03": (1.5, 20), "TP-SHOP-04": (1, -15),
    "TP-TECH-01": (2, -15), "TP-TECH-02": (3, NPS_BEFORE), "TP-TECH-03": (2, 15), "TP-TECH-04": (2.5, 5),
    "TP-TECH-05": (1, 10), "TP-TECH-07": (1.5, 25),
    "TP-BRIEF-01": (1.5, 10), "TP-BRIEF-02": (4, -20), "TP-BRIEF-03": (6, 5), "TP-BRIEF-04": (1, -35),
    "TP-BRIEF-05": (2, -40), "TP-BRIEF-06": (0.8, -10), "TP-BRIEF-08": (0.8, -20),
    "TP-SOC-01": (0.3, 5), "TP-SOC-02": (1, 5), "TP-SOC-03": (0.5, 0), "TP-SOC-04": (0.5, 15),
    "TP-PART-01": (1, 20), "TP-PART-02": (1, 5), "TP-PART-03": (0.5, 10), "TP-PART-04": (0.5, 10),
    "TP-SMS-01": (1, 30), "TP-SMS-03": (1, 20), "TP-SMS-04": (1, 10),
    "TP-VERS-01": (2.5, 25), "TP-VERS-02": (1, 0),
}  # fmt: skip
COMPLAINT_WEIGHTS = {
    "TP-BRIEF-02": 25, "TP-BRIEF-03": 15, "TP-BRIEF-05": 10, "TP-BRIEF-04": 4, "TP-HOT-05": 5, "TP-TECH-02": 12,
    "TP-TECH-01": 10, "TP-HOT-08": 6, "TP-HOT-04": 8, "TP-HOT-03": 6, "TP-VERS-01": 5, "TP-WEB-09": 2,
    "TP-HOT-06": 4, "TP-SHOP-04": 3, "TP-TECH-04": 4, "TP-CHAT-01": 2,
}  # fmt: skip
# hotline -> (contacts per weekday, handling time in seconds, first-contact resolution in %)
HOTLINES = {
    "TP-HOT-01": (600, 420, 80), "TP-HOT-02": (1500, 380, 74), "TP-HOT-03": (1800, 540, 68),
    "TP-HOT-04": (5200, 150, 30), "TP-HOT-05": (900, 400, 72), "TP-HOT-06": (350, 480, 81),
    "TP-HOT-07": (450, 300, 70), "TP-HOT-08": (400, 260, 83), "TP-HOT-09": (120, 600, 60),
}  # fmt: skip
# website/app touchpoint -> (sessions per day, conversion in %)
WEB_PAGES = {
    "TP-WEB-01": (25000, 4.5), "TP-WEB-02": (8000, 35), "TP-WEB-03": (6000, 12), "TP-WEB-04": (3000, 62),
    "TP-WEB-05": (7000, 55), "TP-WEB-06": (2500, 40), "TP-WEB-07": (9000, 88), "TP-WEB-08": (600, 70),
    "TP-WEB-09": (400, 85), "TP-APP-01": (1500, 72), "TP-APP-03": (5000, 93), "TP-APP-04": (1200, 48),
    "TP-APP-05": (12000, 95),
}  # fmt: skip
# relationship waves: (first day, label, company NPS)
WAVES = [
    (date(2025, 12, 1), "Q4 2025", 14),
    (date(2026, 3, 2), "Q1 2026", 11),
    (date(2026, 6, 1), "Q2 2026", 12),
    (date(2026, 9, 1), "Q3 2026", 3),
]
WAVE_DAYS = 14

HOTLINE_LIKE = ("TP-HOT", "TP-CHAT", "TP-MAIL-04")
INVOICE = ("TP-BRIEF-02", "TP-BRIEF-03", "TP-BRIEF-04", "TP-BRIEF-05", "TP-HOT-05", "TP-MAIL-05", "TP-APP-03")
INSTALLATION = ("TP-TECH", "TP-HOT-08", "TP-VERS-01", "TP-SMS-01")
MONTH_VOLUME = {
    11: 1.0,
    12: 1.12,
    1: 1.3,
    2: 1.05,
    3: 1.0,
    4: 0.92,
    5: 0.93,
    6: 0.97,
    7: 1.05,
    8: 1.05,
    9: 1.0,
    10: 1.0,
}
SEGMENT_SHARES = {"preisbewusste-familien": 0.45, "digitale-vielnutzer": 0.35, "kleingewerbe-homeoffice": 0.20}
DIGITAL = ("TP-WEB", "TP-APP", "TP-CHAT", "TP-SOC", "TP-SMS-04")
PERSONAL = ("TP-HOT", "TP-SHOP", "TP-BRIEF", "TP-PART")

# latent satisfaction s = mu + N(0, 1); NPS = A + B*s + N(0, E), CSAT and CES from the same s (correlated)
NPS_A, NPS_B, NPS_E = 7.2, 2.0, 0.8


@dataclass(frozen=True)
class Context:
    touchpoints: dict  # code -> (id, channel id)
    segments: dict  # code -> id
    customers: dict  # segment code -> [(customer id, language)]


# -- entry point ---------------------------------------------------------------------------------------------


def expected_counts(scale: float = 1.0) -> dict[str, int]:
    """Rows per source at `scale` (the measurements do not scale: one row per touchpoint, metric and day)."""
    return {
        SURVEY: round(RESPONSES * scale),
        RELATIONSHIP: len(WAVES) * round(WAVE_SIZE * scale),
        COMPLAINTS_SOURCE: round(COMPLAINTS * scale),
        CALL_CENTRE: 3 * len(HOTLINES) * sum(1 for day in _days() if day.weekday() != 6),
        WEB: 2 * len(WEB_PAGES) * DAYS,
    }


def load_feedback(*, scale: float = 1.0, log=print) -> dict[str, str]:
    """Create the demo data sources and their year of data unless already there; return what happened per source."""
    started = time.perf_counter()
    sources = _load_sources()
    expected = expected_counts(scale)
    present = {key: _demo_rows(source, key) for key, source in sources.items()}
    missing = [key for key in SOURCES if present[key] != expected[key]]
    outcome = dict.fromkeys(SOURCES, "unchanged")
    context = _context(scale) if missing else None
    for key in missing:
        step = time.perf_counter()
        _write(key, sources[key], context, scale)
        outcome[key] = f"{expected[key]:,} rows in {time.perf_counter() - step:.1f} s"
    elapsed = time.perf_counter() - started
    if missing:
        log(f"Demo feedback for {START_DATE} to {END_DATE} written in {elapsed:.1f} s:")
        for key in SOURCES:
            log(f"  {SOURCES[key][0]}: {outcome[key]}")
    else:
        log(f"Demo feedback for {START_DATE} to {END_DATE} unchanged.")
    return outcome


# -- data sources and customers ------------------------------------------------------------------------------


def _load_sources() -> dict[str, DataSource]:
    """The five demo data sources by name: created (and audited as imported) or restored, saved only on change."""
    departments = dict(Department.objects.filter(code__in={s[2] for s in SOURCES.values()}).values_list("code", "id"))
    sources = {}
    for key, (name, kind, owner, description) in SOURCES.items():
        values = {"kind": kind, "owner_department_id": departments.get(owner), "description": description}
        source = DataSource.objects.filter(name=name).first()
        if source is None:
            with transaction.atomic():
                source = DataSource.objects.create(name=name, **values)
                changes = diff({}, snapshot(source, ["name", "kind", "owner_department", "description"]))
                audit_record(actor=None, action=AuditEntry.Action.IMPORT, instance=source, changes=changes)
        elif any(getattr(source, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(source, field, value)
            source.save()
        sources[key] = source
    return sources


def _demo_rows(source: DataSource, key: str) -> int:
    if key in (CALL_CENTRE, WEB):
        return Measurement.objects.filter(source=source, day__range=(START_DATE, END_DATE)).count()
    return Feedback.objects.filter(source=source, external_id__startswith=PREFIX).count()


def _context(scale: float) -> Context:
    touchpoints = {
        code: (pk, channel_id)
        for code, pk, channel_id in Touchpoint.objects.filter(code__startswith="TP-").values_list(
            "code", "id", "channel_id"
        )
    }
    segments = dict(Segment.objects.filter(code__in=SEGMENT_SHARES).values_list("code", "id"))
    return Context(touchpoints, segments, _load_customers(scale, segments))


def _load_customers(scale: float, segments: dict) -> dict[str, list[tuple[int, str]]]:
    """The pseudonymous demo customers (created where missing), grouped by segment code."""
    rng = random.Random(SEED)
    codes, shares = list(SEGMENT_SHARES), list(SEGMENT_SHARES.values())
    wanted = {}
    for number in range(1, max(1, round(CUSTOMERS * scale)) + 1):
        segment = rng.choices(codes, shares)[0]
        english = rng.random() < (0.16 if segment == "digitale-vielnutzer" else 0.07)
        wanted[pseudonymise(f"demo-customer-{number}")] = (segment, "en" if english else "de", _uuid(rng))
    existing = _customer_ids(list(wanted))
    new = [
        {"pseudonym": pseudonym, "segment_id": segments.get(segment), "language": language, "public_id": public_id}
        for pseudonym, (segment, language, public_id) in wanted.items()
        if pseudonym not in existing
    ]
    if new:
        with transaction.atomic():
            _insert(Customer, new)
        existing = _customer_ids(list(wanted))
    pools = defaultdict(list)
    for pseudonym, (segment, language, _) in wanted.items():
        pools[segment].append((existing[pseudonym], language))
    return dict(pools)


def _customer_ids(pseudonyms: list[str]) -> dict[str, int]:
    found = {}
    for index in range(0, len(pseudonyms), 900):
        chunk = pseudonyms[index : index + 900]
        found.update(Customer.objects.filter(pseudonym__in=chunk).values_list("pseudonym", "id"))
    return found


# -- writing -------------------------------------------------------------------------------------------------


def _write(key: str, source: DataSource, context: Context, scale: float) -> None:
    """Replace the source's demo rows with freshly generated ones and refresh its rollups, in one transaction."""
    rng = random.Random(SEED * 10 + list(SOURCES).index(key))
    with transaction.atomic():
        if key in (CALL_CENTRE, WEB):
            Measurement.objects.filter(source=source, day__range=(START_DATE, END_DATE)).delete()
            rows = _calls(rng, context) if key == CALL_CENTRE else _web(rng, context)
            _insert(Measurement, ({"source_id": source.pk, **row} for row in rows))
            return
        old_days = _feedback_days(source)
        Feedback.objects.filter(source=source, external_id__startswith=PREFIX).delete()
        generate = {SURVEY: _responses, RELATIONSHIP: _waves, COMPLAINTS_SOURCE: _complaints}[key]
        _insert(
            Feedback,
            (
                {"source_id": source.pk, "external_id": f"{PREFIX}{number}", "public_id": _uuid(rng), **row}
                for number, row in enumerate(generate(rng, context, scale), start=1)
            ),
        )
        rollup_refresh(source_id=source.pk, days=old_days | set(_days()))


PREPARED_TYPES = (models.UUIDField, models.DateTimeField, models.DateField, models.JSONField)


def _insert(model, rows) -> int:
    """Insert dictionaries of attribute values in batches of `BATCH` with one `executemany` per batch.

    About three times faster than `bulk_create` for 50,000 rows (which compiles every value into its SQL):
    only UUIDs, dates and JSON are prepared by their model field for the database, other values go as they
    are; fields missing from a row get their default (timestamps: now). Like `bulk_create`, no signals.
    """
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    now = timezone.now()
    defaults, converters = [], []
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            default = now
        else:
            default = field.get_default()
        defaults.append(field.get_db_prep_save(default, connection))
        converters.append(field.get_db_prep_save if isinstance(field, PREPARED_TYPES) else None)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 (names from the model, values bound)
    plan = list(zip((field.attname for field in fields), defaults, converters, strict=True))
    written, batch = 0, []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(
                [
                    (convert(row[name], connection) if convert else row[name]) if name in row else default
                    for name, default, convert in plan
                ]
            )
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                written, batch = written + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
    return written + len(batch)


def _feedback_days(source: DataSource) -> set[date]:
    """Every local day between the first and the last demo row already there (rows of an earlier version)."""
    bounds = Feedback.objects.filter(source=source, external_id__startswith=PREFIX).aggregate(
        first=Min("responded_at"), last=Max("responded_at")
    )
    if bounds["first"] is None:
        return set()
    first, last = local_day(bounds["first"]), local_day(bounds["last"])
    return {first + timedelta(days=offset) for offset in range((last - first).days + 1)}


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _days() -> list[date]:
    return [START_DATE + timedelta(days=offset) for offset in range(DAYS)]


# -- the patterns --------------------------------------------------------------------------------------------


def _is(code: str, group: tuple[str, ...]) -> bool:
    return code.startswith(group)


def _volume(code: str, day: date) -> float:
    """Relative contact volume of a touchpoint on a day: weekdays, months, holidays, seasons, the degradation."""
    factor = MONTH_VOLUME[day.month]
    if _is(code, INVOICE) and day.month == 1:
        factor *= 1.3 if code != "TP-BRIEF-05" else 2.5  # annual price adjustment and first invoices of the year
    if _is(code, INSTALLATION):
        factor *= 1.35 if day.month in (7, 8) else 0.7 if day.month == 12 else 1.0  # moving season, no December
    if (day.month, day.day) in ((12, 24), (12, 25), (12, 26), (12, 31), (1, 1)):
        factor *= 0.3
    elif _is(code, HOTLINE_LIKE) and (day.month == 12 and day.day >= 27 or day.month == 1 and day.day <= 15):
        factor *= 1.3  # new devices after Christmas, faults over the holidays
    if code == DEGRADING_HOTLINE:
        factor *= 1 + 0.9 * _degradation(day)
    if code == DEGRADING_TOUCHPOINT:
        factor *= 1 + 0.2 * _degradation(day)
    weekday = day.weekday()
    if weekday == 6:
        factor *= 0.15 if _is(code, ("TP-HOT", "TP-TECH", "TP-SHOP")) else 0.6
    elif weekday == 5:
        factor *= 0.7
    return factor


def _degradation(day: date) -> float:
    """0 before `DEGRADES_FROM`, rising to 1 over `DEGRADATION_DAYS`."""
    return min(1.0, max(0.0, (day - DEGRADES_FROM).days / DEGRADATION_DAYS))


def _shift(code: str, day: date, segment: str) -> float:
    """Seasonal and segment shift of the latent satisfaction (about 20 NPS points per 0.5)."""
    shift = 0.0
    if _is(code, HOTLINE_LIKE + INVOICE) and (day.month == 12 and day.day >= 15 or day.month == 1 and day.day <= 20):
        shift -= 0.3  # long waits over Christmas and the January invoices
    if _is(code, INSTALLATION) and day.month in (7, 8):
        shift -= 0.25  # summer holidays: fewer technicians, longer waits for installation
    if code == DEGRADING_HOTLINE:
        shift -= 0.4 * _degradation(day)
    if code in ("TP-APP-01", "TP-SMS-04") and APP_INCIDENT[0] <= day <= APP_INCIDENT[1]:
        shift -= 1.0
    if segment == "digitale-vielnutzer":
        shift += 0.15 if _is(code, DIGITAL) else -0.1 if _is(code, PERSONAL) else 0.0
    elif segment == "kleingewerbe-homeoffice":
        shift -= 0.1
    return shift


def _latent(nps: float) -> float:
    """The mean latent satisfaction at which the expected NPS is `nps` (bisection over the score model)."""
    low, high = -5.0, 5.0
    for _ in range(50):
        middle = (low + high) / 2
        if _expected_nps(middle) < nps:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _expected_nps(mu: float) -> float:
    spread = NormalDist(NPS_A + NPS_B * mu, math.hypot(NPS_B, NPS_E))
    return 100 * ((1 - spread.cdf(8.5)) - spread.cdf(6.5))


def _clamp(value: float, low: int, high: int) -> int:
    return min(high, max(low, math.floor(value + 0.5)))


def _scores(rng: random.Random, mu: float) -> tuple[int, int | None, int | None]:
    s = mu + rng.gauss(0, 1)
    nps = _clamp(NPS_A + NPS_B * s + rng.gauss(0, NPS_E), 0, 10)
    csat = _clamp(3.75 + 0.9 * s + rng.gauss(0, 0.5), 1, 5) if rng.random() < 0.96 else None
    ces = _clamp(5.0 + 1.2 * s + rng.gauss(0, 0.7), 1, 7) if rng.random() < 0.9 else None
    return nps, csat, ces


def _moment(rng: random.Random, day: date) -> datetime:
    hour = 7 + int(rng.triangular(0, 15, 4))
    return datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=local_zone())


def _segment_weights(code: str) -> list[float]:
    families, digital, business = SEGMENT_SHARES.values()
    if _is(code, DIGITAL):
        return [families * 0.6, digital * 1.6, business]
    if _is(code, PERSONAL):
        return [families * 1.25, digital * 0.55, business * 1.2]
    return [families, digital, business]


def _customer(rng: random.Random, context: Context, code: str) -> tuple[str, int, str]:
    segment = rng.choices(list(SEGMENT_SHARES), _segment_weights(code))[0]
    pool = context.customers.get(segment) or [item for items in context.customers.values() for item in items]
    customer_id, language = pool[rng.randrange(len(pool))]
    return segment, customer_id, language


def _comment(rng: random.Random, topics: tuple[str, ...], nps: int | None, language: str) -> str:
    sentiment = comments.sentiment_for(nps)
    chance = {comments.NEG: 0.5, comments.MIX: 0.3, comments.POS: 0.24}[sentiment] * COMMENT_SHARE / 0.35
    return comments.compose(rng, topics, sentiment, language) if rng.random() < chance else ""


def _topics(code: str, day: date) -> tuple[str, ...]:
    """The touchpoint's topics; at the degrading touchpoint, no-shows dominate once it has degraded."""
    topics = comments.topics_for(code)
    if code == DEGRADING_TOUCHPOINT and _degradation(day) > 0.5:
        return ("techniker_kam_nicht",) * 4 + topics
    return topics


def _cells(rng: random.Random, weights: dict[str, float], count: int, extra=None) -> list[tuple[date, str]]:
    """`count` (day, touchpoint code) draws weighted by volume and season, sorted by day."""
    cells, cumulative, total = [], [], 0.0
    for day in _days():
        for code, weight in weights.items():
            total += weight * _volume(code, day) * (extra(code, day) if extra else 1)
            cells.append((day, code))
            cumulative.append(total)
    drawn = rng.choices(range(len(cells)), cum_weights=cumulative, k=count)
    return [cells[index] for index in sorted(drawn)]


# -- the sources ---------------------------------------------------------------------------------------------


def _responses(rng: random.Random, context: Context, scale: float):
    """Transactional survey responses after a contact, one per (day, touchpoint) draw."""
    weights = {code: weight for code, (weight, _) in PROFILES.items() if code in context.touchpoints}
    baseline = {code: _latent(nps) for code, (_, nps) in PROFILES.items()}
    after = _latent(NPS_AFTER)
    for day, code in _cells(rng, weights, round(RESPONSES * scale)):
        touchpoint_id, channel_id = context.touchpoints[code]
        segment, customer_id, language = _customer(rng, context, code)
        mu = baseline[code] + _shift(code, day, segment)
        if code == DEGRADING_TOUCHPOINT:
            mu += (after - baseline[code]) * _degradation(day)
        nps, csat, ces = _scores(rng, mu)
        yield {
            "kind": FeedbackKind.RESPONSE.value,
            "responded_at": _moment(rng, day),
            "customer_id": customer_id,
            "touchpoint_id": touchpoint_id,
            "channel_id": channel_id,
            "segment_id": context.segments.get(segment),
            "nps": nps,
            "csat": csat,
            "ces": ces,
            "comment": _comment(rng, _topics(code, day), nps, language),
            "language": language,
        }


def _waves(rng: random.Random, context: Context, scale: float):
    """Four quarterly relationship-NPS waves about the company as a whole (no touchpoint, no channel).

    A customer's rating carries their bad experiences at touchpoints in the year before the wave (see
    `_penalties`), centred on the wave's mean so that the wave still lands near its company NPS."""
    size = round(WAVE_SIZE * scale)
    decay = [0.8**offset for offset in range(WAVE_DAYS)]  # most answers right after the invitation
    experiences = _bad_experiences()
    everyone = [customer_id for pool in context.customers.values() for customer_id, _ in pool]
    for first, label, nps_target in WAVES:
        mu_wave = _latent(nps_target)
        penalties = _penalties(experiences, first)
        mean_penalty = sum(penalties.values()) / max(len(everyone), 1)
        days = sorted(rng.choices(range(WAVE_DAYS), decay, k=size))
        for offset in days:
            segment, customer_id, language = _customer(rng, context, "")
            penalty = penalties.get(customer_id, 0.0) - mean_penalty
            nps, csat, _ = _scores(rng, mu_wave + _shift("", first, segment) - penalty)
            comment = _comment(rng, comments.RELATIONSHIP_TOPICS, nps, language) if rng.random() < 0.9 else ""
            yield {
                "kind": FeedbackKind.RESPONSE.value,
                "responded_at": _moment(rng, first + timedelta(days=offset)),
                "customer_id": customer_id,
                "segment_id": context.segments.get(segment),
                "nps": nps,
                "csat": csat,
                "comment": comment,
                "language": language,
                "attributes": {"wave": label},
            }


# Latent satisfaction a bad experience at a touchpoint costs in the relationship rating (about 2 rating points
# per 1.0): a technician who does not come for the installation weighs most (the customer has no connection),
# the hotline about the appointment and invoices more than the rest (what the key drivers find in the demo).
BAD_EXPERIENCE_COST = {DEGRADING_TOUCHPOINT: 2.5, DEGRADING_HOTLINE: 0.5}
INVOICE_COST, OTHER_COST, MAX_PENALTY, MEMORY_DAYS = 0.5, 0.2, 3.0, 365


def _bad_experiences() -> dict[int, list[tuple[date, float]]]:
    """Per customer, the days and costs of their bad experiences in the demo's transactional survey: a CSAT of
    1–2 or, without CSAT, an NPS rating of 0–6 (the key-driver analysis's rule). Only the survey, which is written
    before the waves, so the waves come out the same whether written with it or alone."""
    bad = models.Q(csat__lte=2) | models.Q(csat__isnull=True, nps__lte=6)
    rows = Feedback.objects.filter(
        bad, source__name=SOURCES[SURVEY][0], external_id__startswith=PREFIX, customer__isnull=False
    ).values_list("customer_id", "touchpoint__code", "responded_at")
    experiences = defaultdict(list)
    for customer_id, code, moment in rows:
        cost = BAD_EXPERIENCE_COST.get(code, INVOICE_COST if _is(code, INVOICE) else OTHER_COST)
        experiences[customer_id].append((local_day(moment), cost))
    return experiences


def _penalties(experiences: dict, first: date) -> dict[int, float]:
    """Per customer, the summed cost of the bad experiences in the year before a wave (capped)."""
    since = first - timedelta(days=MEMORY_DAYS)
    penalties = {}
    for customer_id, items in experiences.items():
        total = sum(cost for day, cost in items if since <= day < first)
        if total:
            penalties[customer_id] = min(total, MAX_PENALTY)
    return penalties


def _complaints(rng: random.Random, context: Context, scale: float):
    """Complaints, concentrated on invoices and technicians, more about the degrading touchpoint from mid-June."""
    weights = {code: weight for code, weight in COMPLAINT_WEIGHTS.items() if code in context.touchpoints}

    def more(code, day):
        return 1 + 2.5 * _degradation(day) if code in (DEGRADING_TOUCHPOINT, DEGRADING_HOTLINE) else 1

    for day, code in _cells(rng, weights, round(COMPLAINTS * scale), more):
        touchpoint_id, channel_id = context.touchpoints[code]
        segment, customer_id, language = _customer(rng, context, code)
        topics = _topics(code, day)
        yield {
            "kind": FeedbackKind.COMPLAINT.value,
            "responded_at": _moment(rng, day),
            "customer_id": customer_id,
            "touchpoint_id": touchpoint_id,
            "channel_id": channel_id,
            "segment_id": context.segments.get(segment),
            "comment": comments.compose(rng, topics, comments.NEG, language),
            "language": language,
            "attributes": {"topic": rng.choice(topics)},
        }


def _calls(rng: random.Random, context: Context):
    """Daily call-centre figures per hotline on opening days (Monday to Saturday)."""
    for day in _days():
        if day.weekday() == 6:
            continue
        for code, (contacts, handling, resolution) in HOTLINES.items():
            if code not in context.touchpoints:
                continue
            degraded = _degradation(day) if code == DEGRADING_HOTLINE else 0.0
            busy = _volume(code, day) * (1.08 if code == "TP-HOT-03" and day >= DEGRADES_FROM else 1)
            calls = max(1, round(contacts * busy * rng.uniform(0.9, 1.1)))
            winter = 1.1 if day.month in (12, 1) else 1.0
            seconds = handling * winter * (1 + 0.25 * degraded) * rng.uniform(0.94, 1.06)
            fcr = resolution - 15 * degraded - (4 if winter > 1 else 0) + rng.uniform(-3, 3)
            touchpoint_id = context.touchpoints[code][0]
            yield {"touchpoint_id": touchpoint_id, "metric": "contacts", "day": day, "value": calls, "count": 1}
            yield {
                "touchpoint_id": touchpoint_id,
                "metric": "handling_time",
                "day": day,
                "value": round(seconds),
                "count": calls,
            }
            yield {
                "touchpoint_id": touchpoint_id,
                "metric": "first_contact_resolution",
                "day": day,
                "value": round(min(99.0, max(1.0, fcr)), 1),
                "count": calls,
            }


def _web(rng: random.Random, context: Context):
    """Daily sessions and conversion (%) per website and app touchpoint."""
    for day in _days():
        weekend = 1.12 if day.weekday() >= 5 else 1.0
        for code, (sessions, conversion) in WEB_PAGES.items():
            if code not in context.touchpoints:
                continue
            visits = max(1, round(sessions * weekend * MONTH_VOLUME[day.month] * rng.uniform(0.88, 1.12)))
            rate = conversion * rng.uniform(0.93, 1.07)
            if code in ("TP-WEB-01", "TP-WEB-03", "TP-WEB-04") and (day.month == 11 and day.day >= 20):
                rate *= 1.2  # Black Friday offers
            if code == "TP-APP-01" and APP_INCIDENT[0] <= day <= APP_INCIDENT[1]:
                rate *= 0.55  # login failures after the app update
            touchpoint_id = context.touchpoints[code][0]
            yield {"touchpoint_id": touchpoint_id, "metric": "sessions", "day": day, "value": visits, "count": 1}
            yield {
                "touchpoint_id": touchpoint_id,
                "metric": "web_conversion",
                "day": day,
                "value": round(min(99.5, rate), 2),
                "count": visits,
            }
