"""A year of customer events for the demo company Musterfrau AG (issue 6, item 6).

One event log, "Musterfrau AG Kundenkontakte", built from the demo feedback so that what customers *did*
matches what they *said*:

- Every survey response and every complaint of the demo year anchors one **episode** (one case): the journey
  its touchpoint belongs to (new connection, fault, invoice, move, service question, tariff change,
  cancellation), placed so that the event at the answered touchpoint lies on the day of the response or the
  evening before, and the response comes after it. A complaint adds the complaint itself on its day.
  Cases are episodes, not whole customer years, so that variants repeat and can be ranked; every case is
  linked to its demo customer (`Case.customer`), whose segment the segment filter uses.
- A customer's first answer about an installation, an order or the first invoice makes that episode the
  customer's new connection (Neuanschluss); later ones of the same kind become moves or tariff changes.
- **The broken handover.** A connection sold in the shop, on the sales hotline or by a partner (Vertrieb)
  goes straight to the field service (Außendienst) without an order confirmation; online orders go through
  order management (Auftragsbestätigung) first. Most sales handovers of unhappy customers, and some of the
  others, go wrong: a long wait for the appointment proposal, calls asking about the appointment
  ("Nachfrage Techniker-Termin", up to three), or a technician who does not come. Who gets which path
  follows the customer's feedback (their average and latest NPS and the score at the answered touchpoint), so
  customers who crossed the Vertrieb → Außendienst handover are clearly less satisfied.
- Detractors call more often (second and third hotline calls in faults and invoice questions) and complain
  more; promoters rarely repeat a contact.

Deterministic: one `random.Random` per customer, seeded from `SEED` and the customer number, so the events
do not depend on the order of loading. Times are local (Europe/Berlin) and lie in the demo year (only an
answered step may fall on the day before its first day). Idempotent: when the log already holds one finished
case per demo answer, nothing is written (no query writes); otherwise the demo log's cases are replaced: cases,
then events with the dedup keys an import of the same events would give (`events.services.dedup_key`), then
`events.services.cases_refresh` for the variants and transitions.
"""

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from opencxm.accounts.models import Department
from opencxm.core.audit import audit_record
from opencxm.core.models import AuditEntry
from opencxm.demo import feedback as demo
from opencxm.demo.touchpoints import TOUCHPOINTS
from opencxm.events import bulk
from opencxm.events.models import Activity, Case, Event, EventLog, VariantDurations
from opencxm.events.services import EVENT_FIELDS, cases_refresh, dedup_key
from opencxm.feedback.models import Customer, DataSource, Feedback
from opencxm.feedback.pseudonyms import pseudonymise
from opencxm.touchpoints.models import Channel, Touchpoint

LOG_NAME = "Musterfrau AG Kundenkontakte"
SEED = 2006
FIRST = datetime(demo.START_DATE.year, demo.START_DATE.month, demo.START_DATE.day)
LAST = datetime(demo.END_DATE.year, demo.END_DATE.month, demo.END_DATE.day, 23, 59, 59)

# activity key -> (German activity name, touchpoint code, staffed: the event carries the owner department)
ACTIVITIES = {
    "tarifseite": ("Tarifseite besucht", "TP-WEB-01", False),
    "verfuegbarkeit": ("Verfügbarkeit geprüft", "TP-WEB-02", False),
    "tarifrechner": ("Tarifrechner genutzt", "TP-WEB-03", False),
    "online_bestellt": ("Online bestellt", "TP-WEB-04", False),
    "hilfe": ("Hilfe-Center besucht", "TP-WEB-05", False),
    "netzstatus": ("Netzstatus geprüft", "TP-WEB-06", False),
    "portal": ("Kundenportal besucht", "TP-WEB-07", False),
    "umzug_online": ("Umzug online gemeldet", "TP-WEB-08", False),
    "kuendigung_online": ("Online gekündigt", "TP-WEB-09", False),
    "app_registriert": ("App registriert", "TP-APP-01", False),
    "app_rechnung": ("Rechnung in der App angesehen", "TP-APP-03", False),
    "app_stoerung": ("Störung in der App gemeldet", "TP-APP-04", False),
    "app_verbrauch": ("Verbrauch in der App angesehen", "TP-APP-05", False),
    "vertrieb_beratung": ("Beratung Vertriebshotline", "TP-HOT-01", True),
    "vertrieb_bestellung": ("Bestellung über Vertriebshotline", "TP-HOT-01", True),
    "servicehotline": ("Anruf Servicehotline", "TP-HOT-02", True),
    "stoerung_hotline": ("Störung telefonisch gemeldet", "TP-HOT-03", True),
    "sprachmenue": ("Sprachmenü und Warteschleife", "TP-HOT-04", True),
    "rechnungshotline": ("Anruf Rechnungshotline", "TP-HOT-05", True),
    "kuendigung_hotline": ("Kündigung telefonisch", "TP-HOT-06", True),
    "rueckruf": ("Rückruf erhalten", "TP-HOT-07", True),
    "nachfrage_termin": ("Nachfrage Techniker-Termin (Hotline)", "TP-HOT-08", True),
    "eskalation": ("Rückruf Eskalationsteam", "TP-HOT-09", True),
    "auftragsbestaetigung": ("Auftragsbestätigung erhalten", "TP-MAIL-01", True),
    "zugangsdaten": ("Zugangsdaten erhalten", "TP-MAIL-02", True),
    "newsletter": ("Newsletter geöffnet", "TP-MAIL-03", False),
    "kontaktformular": ("Kontaktformular gesendet", "TP-MAIL-04", True),
    "rechnung_mail": ("Rechnung per E-Mail", "TP-MAIL-05", True),
    "beschwerde": ("Beschwerde eingereicht", "TP-MAIL-08", True),
    "chatbot": ("Chatbot genutzt", "TP-CHAT-01", False),
    "live_chat": ("Live-Chat mit dem Kundenservice", "TP-CHAT-02", True),
    "chat_beratung": ("Tarifberatung im Chat", "TP-CHAT-03", True),
    "shop_beratung": ("Beratung im Shop", "TP-SHOP-01", True),
    "shop_vertrag": ("Vertrag im Shop abgeschlossen", "TP-SHOP-02", True),
    "shop_geraet": ("Gerätetausch im Shop", "TP-SHOP-03", True),
    "shop_reklamation": ("Reklamation im Shop", "TP-SHOP-04", True),
    "terminvorschlag": ("Terminvorschlag Techniker", "TP-TECH-01", True),
    "installation": ("Installation durch Techniker", "TP-TECH-02", True),
    "techniker_fehlt": ("Techniker nicht erschienen", "TP-TECH-02", True),
    "schaltung": ("Anschluss geschaltet", "TP-TECH-03", True),
    "entstoerung": ("Entstörung vor Ort", "TP-TECH-04", True),
    "begehung": ("Begehung Hausanschluss", "TP-TECH-05", True),
    "router_einrichtung": ("Router durch Techniker eingerichtet", "TP-TECH-07", True),
    "vertragsunterlagen": ("Vertragsunterlagen erhalten", "TP-BRIEF-01", True),
    "erste_rechnung": ("Erste Rechnung", "TP-BRIEF-02", True),
    "monatsrechnung": ("Monatsrechnung (Brief)", "TP-BRIEF-03", True),
    "mahnung": ("Zahlungserinnerung erhalten", "TP-BRIEF-04", True),
    "preisanpassung": ("Preisanpassung erhalten", "TP-BRIEF-05", True),
    "kuendigungsbestaetigung": ("Kündigungsbestätigung erhalten", "TP-BRIEF-06", True),
    "beschwerde_antwort": ("Antwort auf Beschwerde", "TP-BRIEF-08", True),
    "social_anzeige": ("Social-Media-Anzeige geklickt", "TP-SOC-01", False),
    "social_service": ("Anfrage über Social Media", "TP-SOC-02", True),
    "bewertung": ("Bewertung geschrieben", "TP-SOC-03", False),
    "forum": ("Frage im Community-Forum", "TP-SOC-04", False),
    "fachhandel": ("Auftrag im Fachhandel", "TP-PART-01", True),
    "haustuer": ("Auftrag an der Haustür", "TP-PART-02", True),
    "hausverwaltung": ("Auftrag über Hausverwaltung", "TP-PART-03", True),
    "vergleichsportal": ("Vergleichsportal besucht", "TP-PART-04", False),
    "lieferankuendigung": ("Lieferankündigung per SMS", "TP-SMS-01", False),
    "stoerung_behoben": ("Störung behoben (SMS)", "TP-SMS-03", False),
    "sicherheitscode": ("Sicherheitscode angefordert", "TP-SMS-04", False),
    "router_zugestellt": ("Router zugestellt", "TP-VERS-01", True),
    "altgeraet": ("Altgerät zurückgesendet", "TP-VERS-02", True),
}
TOUCHPOINT_DATA = {data["code"]: data for data in TOUCHPOINTS}
# the activity an answer about a touchpoint refers to (the first activity of that touchpoint above)
ANCHOR_ACTIVITY = {}
for _key, (_name, _code, _staffed) in ACTIVITIES.items():
    ANCHOR_ACTIVITY.setdefault(_code, _key)

SALES_ORDERS = {"TP-SHOP-02": "shop_vertrag", "TP-HOT-01": "vertrieb_bestellung", "TP-PART-01": "fachhandel",
                "TP-PART-02": "haustuer", "TP-PART-03": "hausverwaltung"}  # fmt: skip
ONBOARDING = {"TP-TECH-01", "TP-TECH-02", "TP-TECH-03", "TP-TECH-05", "TP-TECH-07", "TP-HOT-08", "TP-VERS-01",
              "TP-SMS-01", "TP-WEB-04", "TP-MAIL-01", "TP-MAIL-02", "TP-BRIEF-01", "TP-BRIEF-02", "TP-APP-01",
              *SALES_ORDERS}  # fmt: skip
INSTALLING = {"TP-TECH-01", "TP-TECH-02", "TP-TECH-03", "TP-TECH-05", "TP-TECH-07", "TP-HOT-08", "TP-VERS-01",
              "TP-SMS-01"}  # fmt: skip
FAULT = {"TP-WEB-06", "TP-APP-04", "TP-HOT-03", "TP-HOT-04", "TP-TECH-04", "TP-SMS-03", "TP-SOC-04", "TP-SHOP-03"}
INVOICE = {"TP-BRIEF-03", "TP-BRIEF-04", "TP-BRIEF-05", "TP-MAIL-05", "TP-APP-03", "TP-HOT-05"}
CANCEL = {"TP-WEB-09", "TP-HOT-06", "TP-BRIEF-06", "TP-VERS-02"}
MOVE = {"TP-WEB-08"}
SALES = {"TP-WEB-01", "TP-WEB-02", "TP-WEB-03", "TP-WEB-04", "TP-CHAT-03", "TP-SHOP-01", "TP-SOC-01", "TP-PART-04",
         "TP-MAIL-03", "TP-MAIL-01", *SALES_ORDERS}  # fmt: skip
COMPLAINT_REPLIES = {"TP-MAIL-08", "TP-HOT-09", "TP-BRIEF-08", "TP-SHOP-04"}
DIGITAL_SEGMENT = "digitale-vielnutzer"

MINUTE, HOUR, DAY = 60, 3600, 86400


@dataclass
class Anchor:
    """One piece of feedback: at which touchpoint, when, the score (None for complaints), a complaint or not."""

    code: str
    moment: datetime  # naive local time
    nps: int | None
    complaint: bool


@dataclass
class Person:
    number: int
    customer_id: int
    segment: str
    mood: float = 7.0  # mean of the customer's average and latest NPS answer (7 when none)
    anchors: list = field(default_factory=list)


# -- entry point ---------------------------------------------------------------------------------------------


def load_events(*, scale: float = 1.0, log=print) -> str:
    """Create or refresh the demo event log; return "unchanged" or what was written. Silent when unchanged."""
    started = time.perf_counter()
    current = EventLog.objects.filter(name=LOG_NAME).first()
    if current is not None and _complete(current):
        return "unchanged"
    episodes = [episode for person in _people(scale) for episode in _episodes(person)]
    with transaction.atomic():
        _activities()
        if current is not None:
            current.cases.all().delete()
            VariantDurations.objects.filter(log=current).delete()  # kept per log and variant, not per case
        log_row = current or EventLog.objects.create(name=LOG_NAME)
        created = _write(log_row, episodes)
        log_row.imported_at = timezone.now()
        log_row.save(update_fields=["imported_at", "updated_at"])
        changes = {"source": "demo", "received": created, "created": created}
        audit_record(actor=None, action=AuditEntry.Action.IMPORT, instance=log_row, changes=changes)
    outcome = f"{created:,} events in {len(episodes):,} cases in {time.perf_counter() - started:.1f} s"
    log(f"Demo events ({LOG_NAME}): {outcome}")
    return outcome


def _write(log_row: EventLog, episodes: list) -> int:
    """Cases (linked to their customers), then events with the dedup keys an import of the same events would
    give (`events.services.dedup_key`), then the per-case variants and transitions (`cases_refresh`)."""
    keys = [pseudonymise(reference) for reference, _, _ in episodes]
    cases = [(log_row.pk, key, customer_id, 0) for key, (_, customer_id, _) in zip(keys, episodes, strict=True)]
    bulk.insert(Case, ["log", "key", "customer", "event_count"], cases)
    ids = dict(Case.objects.filter(log=log_row).values_list("key", "id"))
    activities = dict(
        Activity.objects.filter(name__in=[n for n, _, _ in ACTIVITIES.values()]).values_list("name", "id")
    )
    channels = dict(Channel.objects.values_list("code", "id"))
    departments = dict(Department.objects.values_list("code", "id"))
    plan = {}
    for key, (name, code, staffed) in ACTIVITIES.items():
        data = TOUCHPOINT_DATA[code]
        plan[key] = (
            name,
            activities[name],
            channels.get(data["channel"]),
            departments.get(data["owner"]) if staffed else None,
        )
    zone = demo.local_zone()
    rows = []
    for case_key, (_, _, steps) in zip(keys, episodes, strict=True):
        case_id, seen = ids[case_key], Counter()
        for key, moment in steps:
            name, activity_id, channel_id, department_id = plan[key]
            stamp = moment.replace(tzinfo=zone)
            identity = (case_id, name, stamp.isoformat(), "")
            seen[identity] += 1
            digest = dedup_key(log_row.pk, identity, seen[identity])
            rows.append((case_id, activity_id, bulk.adapt(stamp), "", "", "{}", channel_id, department_id, digest))
    bulk.insert(Event, EVENT_FIELDS, rows, skip_conflicts_on="dedup_key", adapted=True)
    cases_refresh(case_ids=ids.values())
    return len(rows)


def _anchors() -> int:
    """How many cases the current demo feedback gives: one per survey answer or complaint at a touchpoint."""
    names = [demo.SOURCES[key][0] for key in (demo.SURVEY, demo.RELATIONSHIP, demo.COMPLAINTS_SOURCE)]
    return Feedback.objects.filter(
        source__name__in=names, external_id__startswith=demo.PREFIX, touchpoint__code__in=ANCHOR_ACTIVITY
    ).count()


def _complete(log_row: EventLog) -> bool:
    """The log holds one finished case per piece of demo feedback (the events are deterministic in the feedback)."""
    cases = Case.objects.filter(log=log_row)
    return cases.count() == _anchors() and not cases.filter(variant__isnull=True).exists()


def _activities() -> None:
    """The activities with their German names, mapped to the demo touchpoints (the mapping is only set once:
    a mapping a user changed afterwards is kept)."""
    codes = {code for _, code, _ in ACTIVITIES.values()}
    touchpoints = dict(Touchpoint.objects.filter(code__in=codes).values_list("code", "id"))
    existing = dict(Activity.objects.filter(name__in=[name for name, _, _ in ACTIVITIES.values()]).values_list(
        "name", "touchpoint_id"))  # fmt: skip
    Activity.objects.bulk_create(
        [Activity(name=name, touchpoint_id=touchpoints.get(code)) for name, code, _ in ACTIVITIES.values()
         if name not in existing]
    )  # fmt: skip
    for name, code, _ in ACTIVITIES.values():
        if name in existing and existing[name] is None and code in touchpoints:
            Activity.objects.filter(name=name, touchpoint__isnull=True).update(touchpoint_id=touchpoints[code])


# -- the customers and their feedback ------------------------------------------------------------------------


def _people(scale: float) -> list[Person]:
    """The demo customers with the survey answers and complaints of the demo year, by customer number."""
    numbers = {pseudonymise(f"demo-customer-{n}"): n for n in range(1, max(1, round(demo.CUSTOMERS * scale)) + 1)}
    people: dict[int, Person] = {}
    pseudonyms = list(numbers)
    for start in range(0, len(pseudonyms), 900):
        rows = Customer.objects.filter(pseudonym__in=pseudonyms[start : start + 900]).values_list(
            "pseudonym", "id", "segment__code"
        )
        for pseudonym, pk, segment in rows:
            people[pk] = Person(numbers[pseudonym], pk, segment or "")
    names = [demo.SOURCES[key][0] for key in (demo.SURVEY, demo.RELATIONSHIP, demo.COMPLAINTS_SOURCE)]
    sources = dict(DataSource.objects.filter(name__in=names).values_list("name", "id"))
    complaints = sources.get(demo.SOURCES[demo.COMPLAINTS_SOURCE][0])
    scores: dict[int, list[int]] = {}
    rows = Feedback.objects.filter(source_id__in=sources.values(), external_id__startswith=demo.PREFIX)
    zone = demo.local_zone()
    fields = ("customer_id", "source_id", "touchpoint__code", "responded_at", "nps")
    for customer_id, source_id, code, responded_at, nps in rows.order_by("responded_at", "id").values_list(*fields):
        person = people.get(customer_id)
        if person is None:
            continue
        if nps is not None:
            scores.setdefault(customer_id, []).append(nps)
        if code in ANCHOR_ACTIVITY:
            moment = responded_at.astimezone(zone).replace(tzinfo=None)
            person.anchors.append(Anchor(code, moment, nps, source_id == complaints))
    for customer_id, person in people.items():
        answers = scores.get(customer_id)
        person.mood = (sum(answers) / len(answers) + answers[-1]) / 2 if answers else 7.0
    return sorted(people.values(), key=lambda p: p.number)


# -- episodes ------------------------------------------------------------------------------------------------


def _unhappy(nps: float | None) -> float:
    """0 for a delighted customer (NPS answer 9 and up), 1 for a very unhappy one (4 and below)."""
    return 1.0 if nps is None else min(1.0, max(0.0, (9 - nps) / 5))


class _Path:
    """The steps of one episode in a virtual time line, moved to the feedback's day afterwards."""

    VIRTUAL_START = datetime(2001, 1, 1, 9, 0)

    def __init__(self, rng: random.Random, menu: float = 0.35):
        self.rng = rng
        self.menu = menu  # the share of calls that record the voice menu and queue as an event of their own
        self.steps: list[tuple[str, datetime]] = []
        self.now = self.VIRTUAL_START

    def soon(self, key: str, low: float = 2, high: float = 30) -> None:
        """The next step within the same visit or call: `low`..`high` minutes later."""
        self.now += timedelta(seconds=int((low + self.rng.random() * (high - low)) * MINUTE))
        self.steps.append((key, self.now))

    def later(self, key: str, low: int = 1, high: int = 3, hours: tuple[int, int] = (8, 19)) -> None:
        """The next step `low`..`high` days later at a time within `hours`."""
        random = self.rng.random
        days = low + int(random() * (high - low + 1))
        seconds = hours[0] * HOUR + int(random() * (hours[1] - hours[0]) * HOUR)
        midnight = self.now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.now = max(midnight + timedelta(days=days, seconds=seconds), self.now + timedelta(minutes=1))
        self.steps.append((key, self.now))

    def has(self, code: str) -> bool:
        return any(ACTIVITIES[key][1] == code for key, _ in self.steps)


def _episodes(person: Person) -> list[tuple[str, int, list[tuple[str, datetime]]]]:
    """(case reference, customer id, [(activity key, local time)]) for each anchor of the customer."""
    rng = random.Random(SEED * 1_000_003 + person.number)
    episodes, onboarded = [], False
    for index, anchor in enumerate(person.anchors, start=1):
        unhappy = 0.5 * _unhappy(person.mood) + 0.5 * _unhappy(anchor.nps)
        path = _Path(rng, menu=1.0 if anchor.code == "TP-HOT-04" else 0.35)
        code = anchor.code
        if code in ONBOARDING and not onboarded:
            onboarded = True
            _new_connection(path, person, anchor, unhappy)
        elif code in INSTALLING or code in MOVE:
            _move(path, person, anchor, unhappy)
        elif code in FAULT:
            _fault(path, person, anchor, unhappy)
        elif code in INVOICE or code == "TP-BRIEF-02":
            _invoice(path, person, anchor, unhappy)
        elif code in CANCEL:
            _cancel(path, person, anchor, unhappy)
        elif code in SALES or code == "TP-BRIEF-01":
            _tariff(path, person, anchor, unhappy)
        elif code in COMPLAINT_REPLIES:
            _complaint_only(path, person, anchor, unhappy)
        else:
            _service(path, person, anchor, unhappy)
        steps = _place(path, anchor, rng, unhappy)
        episodes.append((f"demo-customer-{person.number}/{index}", person.customer_id, steps))
    return episodes


def _place(path: _Path, anchor: Anchor, rng: random.Random, unhappy: float) -> list[tuple[str, datetime]]:
    """Move the episode so that its step at the anchor's touchpoint lies on the answer's day (or the day before)
    and before the answer; a complaint comes at its own time, after the complained-about step."""
    preferred = ANCHOR_ACTIVITY[anchor.code]
    at = next((i for i, (key, _) in enumerate(path.steps) if key == preferred), None)
    if at is None:
        at = next(i for i, (key, _) in enumerate(path.steps) if ACTIVITIES[key][1] == anchor.code)
    moment = path.steps[at][1]
    target = anchor.moment - timedelta(days=rng.randint(1, 6)) if anchor.complaint else anchor.moment
    shift = timedelta(days=(target.date() - moment.date()).days)
    if moment + shift > target - timedelta(minutes=3):
        shift -= timedelta(days=1)
    steps = [(key, when + shift) for key, when in path.steps]
    if anchor.complaint:
        steps = [step for step in steps if step[1] < anchor.moment]
        steps += _complaint(rng, anchor.moment, unhappy)
    return [(key, when) for i, (key, when) in enumerate(steps) if FIRST <= when <= LAST or i == at]


def _complaint(rng: random.Random, moment: datetime, unhappy: float) -> list[tuple[str, datetime]]:
    steps = [("shop_reklamation" if rng.random() < 0.2 else "beschwerde", moment)]
    if rng.random() < 0.3 + 0.3 * unhappy:
        steps.append(("eskalation", moment + timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 3))))
    if rng.random() < 0.8:
        steps.append(("beschwerde_antwort", moment + timedelta(days=rng.randint(6, 16), hours=rng.randint(0, 3))))
    return steps


def _maybe_complain(path: _Path, unhappy: float, chance: float = 0.12) -> None:
    """Unhappy customers complain now and then (promoters almost never)."""
    if path.rng.random() < chance * unhappy**2:
        path.later("beschwerde", 0, 3)
        if path.rng.random() < 0.5:
            path.later("eskalation", 1, 3)
        path.later("beschwerde_antwort", 5, 14)


def _calls(path: _Path, key: str, unhappy: float, *, first_gap: tuple[int, int] | None = None) -> None:
    """A hotline call through the voice menu, repeated by unhappy customers (the second and third call).
    `first_gap`: the first call comes that many days later; None: right away."""
    repeats = 0
    while repeats < 3 and path.rng.random() < (0.04 + 0.55 * unhappy) * (0.6**repeats):
        repeats += 1
    for call in range(repeats + 1):
        gap = first_gap if call == 0 else (1, 4)
        menu = path.rng.random() < path.menu
        if gap is None:
            path.soon("sprachmenue" if menu else key, 1, 20)
        else:
            path.later("sprachmenue" if menu else key, *gap)
        if menu:
            path.soon(key, 2, 25)


def _self_service(path: _Path, person: Person, options: tuple[str, ...], chance: float = 0.5) -> None:
    """A look at the website or app before getting in touch (digital customers more often)."""
    if path.rng.random() < (chance * 1.4 if person.segment == DIGITAL_SEGMENT else chance):
        path.soon(path.rng.choice(options), 0, 10)


def _new_connection(path: _Path, person: Person, anchor: Anchor, unhappy: float) -> None:
    """Neuanschluss: information, order, (confirmation), appointment, installation, switching, first invoice."""
    rng, code = path.rng, anchor.code
    if code in SALES_ORDERS:
        sales = True
    elif code in ("TP-WEB-04", "TP-MAIL-01", "TP-BRIEF-01"):
        sales = False
    else:
        base = {DIGITAL_SEGMENT: 0.3, "kleingewerbe-homeoffice": 0.5}.get(person.segment, 0.55)
        leaning = 0.75 * _unhappy(person.mood) + 0.25 * _unhappy(anchor.nps)
        sales = rng.random() < min(0.97, max(0.03, base * (0.1 + 2.4 * leaning)))
    friction = code == "TP-HOT-08" or rng.random() < ((0.25 + 0.75 * unhappy) if sales else (0.02 + 0.1 * unhappy))
    # information
    if rng.random() < 0.3:
        path.soon(rng.choice(("social_anzeige", "vergleichsportal", "newsletter")), 0, 5)
        path.later("verfuegbarkeit", 0, 3)
    else:
        path.soon("verfuegbarkeit", 0, 5)
    if rng.random() < 0.5:
        path.soon("tarifrechner", 1, 8)
    if sales:
        order = (
            SALES_ORDERS.get(code)
            or rng.choices(
                ["shop_vertrag", "vertrieb_bestellung", "haustuer", "fachhandel", "hausverwaltung"], [45, 30, 12, 9, 4]
            )[0]
        )
        if order == "shop_vertrag":
            path.later("shop_beratung", 0, 6)
            path.soon("shop_vertrag", 10, 40)
        elif order == "vertrieb_bestellung":
            path.later("vertrieb_beratung", 0, 4)
            path.soon("vertrieb_bestellung", 5, 20)
        else:
            path.later(order, 1, 10)
        _field_service_after_sales(path, friction, unhappy, asked=code == "TP-HOT-08")
    else:
        if rng.random() < 0.25:
            path.soon("chat_beratung", 1, 10)
        path.later("online_bestellt", 0, 5)
        path.soon("auftragsbestaetigung", 1, 5)
        if rng.random() < 0.6 or code == "TP-BRIEF-01":
            path.later("vertragsunterlagen", 2, 4)
        if code == "TP-TECH-05" or rng.random() < 0.15:
            path.later("begehung", 3, 8)
        path.later("terminvorschlag", 1, 3)
        if friction:
            path.later("nachfrage_termin", 3, 8)
    if code == "TP-TECH-05" and not path.has("TP-TECH-05"):
        path.later("begehung", 2, 6)
    _installation(path, person, anchor, unhappy)


def _field_service_after_sales(path: _Path, friction: bool, unhappy: float, *, asked: bool) -> None:
    """The broken handover: the order goes from sales straight to the field service, which plans by phone.

    Without friction the technician proposes a date within a few days. With friction the customer waits for
    weeks, calls to ask (up to three times), or the technician does not come and a new date is needed."""
    rng = path.rng
    if not friction:
        path.later("terminvorschlag", 2, 6)
        return
    problems = rng.choices(["wait", "ask", "no_show", "ask_no_show"], [0 if asked else 3, 4, 2, 2])[0]
    if problems == "wait":
        if rng.random() < 0.5:
            path.later("nachfrage_termin", 8, 14)
            path.later("terminvorschlag", 5, 14)
        else:
            path.later("terminvorschlag", 12, 28)
    else:
        if problems in ("ask", "ask_no_show"):
            asks = 1 + (rng.random() < 0.3 + 0.4 * unhappy) + (rng.random() < 0.1 + 0.3 * unhappy)
            path.later("nachfrage_termin", 6, 12)
            for _ in range(asks - 1):
                path.later("nachfrage_termin", 2, 5)
            path.later("terminvorschlag", 1, 4)
        else:
            path.later("terminvorschlag", 4, 10)
        if problems in ("no_show", "ask_no_show"):
            path.later("techniker_fehlt", 2, 6)
            path.later("nachfrage_termin", 0, 1)
            path.later("terminvorschlag", 1, 3)


def _installation(path: _Path, person: Person, anchor: Anchor, unhappy: float) -> None:
    rng = path.rng
    if rng.random() < 0.8 or anchor.code in ("TP-SMS-01", "TP-VERS-01"):
        path.later("lieferankuendigung", 2, 5)
        path.later("router_zugestellt", 1, 2)
    path.later("installation", 3, 10)
    if rng.random() < 0.45 or anchor.code == "TP-TECH-07":
        path.soon("router_einrichtung", 20, 60)
    path.soon("schaltung", 30, 150)
    path.soon("zugangsdaten", 5, 60)
    if rng.random() < (0.7 if person.segment == DIGITAL_SEGMENT else 0.3) or anchor.code == "TP-APP-01":
        path.later("app_registriert", 0, 6)
    path.later("erste_rechnung", 18, 30)
    if rng.random() < 0.05 + 0.35 * unhappy:
        _calls(path, "rechnungshotline", unhappy, first_gap=(1, 5))
    _maybe_complain(path, unhappy)


def _move(path: _Path, person: Person, anchor: Anchor, unhappy: float) -> None:
    """Umzug: notified online or by phone, order management confirms, the technician connects the new home."""
    rng = path.rng
    path.soon("verfuegbarkeit", 0, 5)
    if anchor.code == "TP-WEB-08" or rng.random() < 0.55:
        path.soon("umzug_online", 2, 15)
    else:
        _calls(path, "servicehotline", unhappy * 0.5)
    path.later("auftragsbestaetigung", 0, 2)
    path.later("terminvorschlag", 2, 6)
    if anchor.code == "TP-HOT-08" or rng.random() < 0.05 + 0.2 * unhappy:
        path.later("nachfrage_termin", 3, 8)
    if anchor.code in ("TP-SMS-01", "TP-VERS-01"):
        path.later("lieferankuendigung", 2, 5)
        path.later("router_zugestellt", 1, 2)
    if anchor.code == "TP-TECH-05":
        path.later("begehung", 2, 5)
    path.later("installation", 5, 14)
    if anchor.code == "TP-TECH-07" or rng.random() < 0.2:
        path.soon("router_einrichtung", 20, 60)
    path.soon("schaltung", 30, 150)
    if rng.random() < 0.4:
        path.later("shop_geraet" if rng.random() < 0.5 else "altgeraet", 3, 14)
    _maybe_complain(path, unhappy)


def _fault(path: _Path, person: Person, anchor: Anchor, unhappy: float) -> None:
    """Störung: noticed, reported (often more than once), fixed remotely, by a new router or by a technician."""
    rng, code = path.rng, anchor.code
    if code == "TP-SOC-04" or rng.random() < 0.1:
        path.soon("forum", 0, 10)
    _self_service(path, person, ("netzstatus", "app_stoerung", "chatbot"), 0.55)
    if code == "TP-WEB-06" and not path.has(code):
        path.soon("netzstatus", 0, 5)
    if code == "TP-APP-04" and not path.has(code):
        path.soon("app_stoerung", 0, 5)
    _calls(path, "stoerung_hotline", unhappy)
    outcome = "technician" if code in ("TP-TECH-04",) else "router" if code == "TP-SHOP-03" else None
    outcome = outcome or rng.choices(["remote", "technician", "router"], [50, 38, 12])[0]
    if outcome == "technician":
        path.later("terminvorschlag", 0, 2)
        if rng.random() < 0.03 + 0.12 * unhappy:
            path.later("nachfrage_termin", 1, 3)
        path.later("entstoerung", 1, 4)
    elif outcome == "router":
        path.later("shop_geraet", 1, 3)
    if outcome != "router" or rng.random() < 0.3 or code == "TP-SMS-03":
        if outcome == "remote":
            path.later("stoerung_behoben", 0, 2)
        else:
            path.soon("stoerung_behoben", 10, 120)
    _maybe_complain(path, unhappy, 0.18)


def _invoice(path: _Path, person: Person, anchor: Anchor, unhappy: float) -> None:
    """Rechnung: the bill (or price change, or reminder) arrives, some look it up, unhappy ones call and complain."""
    rng, code = path.rng, anchor.code
    first = {"TP-BRIEF-05": "preisanpassung", "TP-BRIEF-04": "mahnung", "TP-BRIEF-02": "erste_rechnung",
             "TP-BRIEF-03": "monatsrechnung", "TP-MAIL-05": "rechnung_mail"}.get(code)  # fmt: skip
    if first is None:
        first = "rechnung_mail" if person.segment == DIGITAL_SEGMENT or rng.random() < 0.4 else "monatsrechnung"
    path.soon(first, 0, 1)
    if code == "TP-APP-03" or rng.random() < (0.5 if person.segment == DIGITAL_SEGMENT else 0.2):
        path.later("app_rechnung", 0, 2)
    elif rng.random() < 0.2:
        path.later("sicherheitscode", 0, 2)
        path.soon("portal", 1, 3)
    if code == "TP-HOT-05" or rng.random() < 0.12 + 0.25 * unhappy:
        _calls(path, "rechnungshotline", unhappy, first_gap=(0, 4))
    if first == "preisanpassung" and rng.random() < 0.05 + 0.25 * unhappy:
        _calls(path, "kuendigung_hotline", 0, first_gap=(1, 10))
    _maybe_complain(path, unhappy, 0.2)


def _cancel(path: _Path, person: Person, anchor: Anchor, unhappy: float) -> None:
    """Kündigung: online or by phone, a win-back call, then the confirmation and the returned router, or stay."""
    rng, code = path.rng, anchor.code
    if code == "TP-WEB-09" or code != "TP-HOT-06" and rng.random() < 0.5:
        path.soon("kuendigung_online", 0, 10)
        path.later("kuendigung_hotline", 1, 4)  # the win-back call
    else:
        _calls(path, "kuendigung_hotline", 0)
    if code in ("TP-BRIEF-06", "TP-VERS-02") or rng.random() < 0.35 + 0.5 * unhappy:
        path.later("kuendigungsbestaetigung", 2, 6)
        if code == "TP-VERS-02" or rng.random() < 0.6:
            path.later("altgeraet", 10, 40)


def _tariff(path: _Path, person: Person, anchor: Anchor, unhappy: float) -> None:
    """Information and tariff change: many look and leave; some order (no technician needed)."""
    rng, code = path.rng, anchor.code
    start = {"TP-SOC-01": "social_anzeige", "TP-PART-04": "vergleichsportal", "TP-MAIL-03": "newsletter"}.get(code)
    if start or rng.random() < 0.3:
        path.soon(start or rng.choice(("social_anzeige", "newsletter")), 0, 5)
    path.soon("tarifseite", 0, 5)
    if code in ("TP-WEB-03",) or rng.random() < 0.6:
        path.soon("tarifrechner", 1, 8)
    if code in ("TP-WEB-02",) or rng.random() < 0.4:
        path.soon("verfuegbarkeit", 1, 5)
    if code == "TP-CHAT-03" or rng.random() < 0.15:
        path.soon("chat_beratung", 2, 15)
    if code == "TP-SHOP-01":
        path.later("shop_beratung", 0, 5)
    orders = code in ("TP-WEB-04", "TP-MAIL-01", "TP-BRIEF-01", *SALES_ORDERS) or rng.random() < 0.35
    if orders:
        order = {"TP-SHOP-01": "shop_vertrag", **SALES_ORDERS}.get(code)
        if order in SALES_ORDERS.values() and order not in ("shop_vertrag", "vertrieb_bestellung"):
            path.later(order, 0, 5)
        elif order == "shop_vertrag":
            if not path.has("TP-SHOP-01"):
                path.later("shop_beratung", 0, 5)
            path.soon("shop_vertrag", 10, 30)
        elif order == "vertrieb_bestellung":
            path.later("vertrieb_bestellung", 0, 3)
        else:
            path.later("online_bestellt", 0, 3)
        path.soon("auftragsbestaetigung", 1, 30)
        if code == "TP-BRIEF-01" or rng.random() < 0.3:
            path.later("vertragsunterlagen", 2, 4)


def _service(path: _Path, person: Person, anchor: Anchor, unhappy: float) -> None:
    """A question about contract or account: self-service first, then chat, e-mail or phone; repeats when unhappy."""
    rng, code = path.rng, anchor.code
    portal = {"TP-WEB-05": "hilfe", "TP-WEB-07": "portal", "TP-APP-05": "app_verbrauch", "TP-SMS-04": "sicherheitscode",
              "TP-APP-01": "app_registriert", "TP-MAIL-02": "zugangsdaten", "TP-SOC-03": "bewertung",
              "TP-CHAT-01": "chatbot"}.get(code)  # fmt: skip
    if portal == "bewertung":
        path.soon("portal", 0, 10)
    elif portal:
        if portal in ("portal", "app_verbrauch") and rng.random() < 0.3:
            path.soon("sicherheitscode", 0, 3)
        path.soon(portal, 0, 5)
    else:
        _self_service(path, person, ("hilfe", "portal", "app_verbrauch", "chatbot"), 0.6)
    contact = {"TP-HOT-02": "hotline", "TP-HOT-07": "hotline", "TP-MAIL-04": "mail", "TP-CHAT-02": "chat",
               "TP-SOC-02": "social"}.get(code)  # fmt: skip
    if contact is None and rng.random() < 0.15 + 0.5 * unhappy:
        contact = rng.choices(["hotline", "mail", "chat", "social"], [55, 20, 20, 5])[0]
    if contact == "hotline":
        _calls(path, "servicehotline", unhappy, first_gap=(0, 1) if path.steps else None)
        if code == "TP-HOT-07" or rng.random() < 0.1 + 0.2 * unhappy:
            path.later("rueckruf", 0, 2)
    elif contact == "mail":
        path.soon("kontaktformular", 1, 10)
        if rng.random() < 0.2 + 0.4 * unhappy:
            _calls(path, "servicehotline", unhappy, first_gap=(2, 5))
    elif contact == "chat":
        path.soon("live_chat", 1, 10)
        if rng.random() < 0.1 + 0.4 * unhappy:
            _calls(path, "servicehotline", unhappy, first_gap=(0, 2))
    elif contact == "social":
        path.soon("social_service", 1, 10)
    if portal == "bewertung":
        path.later("bewertung", 0, 3)
    _maybe_complain(path, unhappy, 0.08)


def _complaint_only(path: _Path, person: Person, anchor: Anchor, unhappy: float) -> None:
    """An answer about complaint handling: something went wrong before (an invoice or a fault), then the complaint."""
    rng, code = path.rng, anchor.code
    if rng.random() < 0.5:
        path.soon(rng.choice(("monatsrechnung", "rechnung_mail")), 0, 1)
        _calls(path, "rechnungshotline", unhappy, first_gap=(0, 3))
    else:
        _calls(path, "stoerung_hotline", unhappy)
    path.later("shop_reklamation" if code == "TP-SHOP-04" else "beschwerde", 0, 3)
    if code == "TP-HOT-09" or rng.random() < 0.4:
        path.later("eskalation", 1, 3)
    if code == "TP-BRIEF-08" or rng.random() < 0.7:
        path.later("beschwerde_antwort", 5, 14)
