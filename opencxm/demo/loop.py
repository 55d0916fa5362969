"""Closing the loop at the demo company Musterfrau AG (issue 5, item 7): insights, a roadmap and a playbook,
case rules, and open, closed, handed-over and overdue cases from the demo feedback.

Loaded by `demo.loader` after the year of feedback and the goals, and only when there is demo feedback.
The German texts are content data of the demo company (like the touchpoints and journeys), not UI strings.

How it is written:

- **Insights and actions** go through the insight services (`insight_create`, `insight_validate`,
  `insight_transition`, `action_create`, `action_transition`), so their timelines and audit entries are the
  real ones. Each call runs on the *demo clock*: `django.utils.timezone.now` is pinned to the moment the
  step happened in the demo year (e.g. the technician insight recorded on 2026-06-30, validated with focus
  customers on 2026-07-14), so every timestamp the services write (created, event, audit, validated,
  done) carries that moment. Actions done in the demo year (done dates up to 2026-07) have 90 days of data
  before and after, so the action page's before/after figure is computed on real demo feedback: the app
  fix after the login incident of March and the extra hotline capacity after the January invoices show an
  improvement; the summer partner technicians did not stop the fall of `TP-TECH-02` (the cause is the
  handover, not capacity).
- **Evidence** is demo feedback that really says it: e.g. detractor comments at `TP-TECH-02` about the
  technician who did not come or did not know the order, found by touchpoint, score, period and words.
- **Case rules** through `rule_create` (audited). **Cases** are opened by those rules (`rule_matches` of the
  cases app decides, the most urgent rule wins as in `cases_from_feedback`) for the feedback of the last
  two weeks of the demo year only (`WINDOW_START`, a few hundred cases at the full year), routed to the
  department owning the touchpoint. Their histories (assignment, comments, handovers with notes along the
  journeys' designed handovers, escalation when the SLA passed, closing with root cause and resolution)
  are generated deterministically per feedback record and written in bulk with the same event rows,
  versions and audit entries the case services write, but with the times they happened (the services
  only know "now") and without notifications (no inbox flood or e-mail for the past). Cases still open
  at the end of the demo year are past their SLA: the overdue backlog. A few cases are opened by hand at
  load time (`FRESH_CASES`, from complaints just before the window), so the inbox also shows cases within
  their SLA.
- **Seed 002**: a customer ordered Glasfaser with installation in the shop; the order never reached the
  field technicians. Her complaint (an extra record "musterfrau-story-002" in the complaints source,
  written through the feedback service) becomes a case at Vertrieb (the owner of `TP-SHOP-02`), handed
  over to Außendienst with a note, closed with root cause "process" (the handover).

Idempotent: insights are found by title, actions by insight and title, rules by name, the story by its
external id, cases by their feedback record (one case per record). A second run only reads. When the demo
feedback of a source is about to be replaced (another scale), `release_replaced_feedback` first removes
the demo cases on those rows (a case protects its feedback record); the next load opens them again.
"""

import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from unittest import mock

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone

from opencxm.accounts.models import Department, Membership, User
from opencxm.analytics.rollups import local_zone
from opencxm.cases import services as case_services
from opencxm.cases.choices import EventKind, Priority, RootCause, Status, Trigger
from opencxm.cases.models import Case, CaseEvent, CaseRule
from opencxm.cases.permissions import WORKING_ROLES
from opencxm.core.models import AuditEntry
from opencxm.demo import feedback as demo_feedback
from opencxm.feedback.choices import FeedbackKind
from opencxm.feedback.models import DataSource, Feedback
from opencxm.insights import services as insight_services
from opencxm.insights.choices import ActionStatus, InsightStatus, Track
from opencxm.insights.models import Action, Insight
from opencxm.journeys.models import JourneyStep, Segment
from opencxm.touchpoints.models import Touchpoint

WINDOW_START = date(2026, 10, 18)  # cases for the feedback of the demo year's last two weeks
RULES_CREATED = date(2026, 10, 5)
STORY_EXTERNAL_ID = "musterfrau-story-002"
STORY_CUSTOMER = "musterfrau-story-002-kundin"
FRESH_CASES = 6


def enabled() -> bool:
    """The loop is part of every demo load; the test settings switch it off for the feedback tests."""
    return getattr(settings, "OPENCXM_DEMO_LOOP", True)


def _at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=local_zone())


def _cutoff() -> datetime:
    """Midnight after the last day of demo data: nothing in the demo's case histories happens later."""
    return _at(demo_feedback.END_DATE + timedelta(days=1), 0)


@contextmanager
def demo_clock(moment: datetime) -> Iterator[None]:
    """Run services as if it were `moment`: every `timezone.now()` (the services' times, auto_now fields,
    audit entries) returns it. Only for the loader's own single-threaded run."""
    with mock.patch.object(timezone, "now", return_value=moment):
        yield


# =============================================================================================================
# Insights and actions (content data)
# =============================================================================================================


@dataclass(frozen=True)
class Evidence:
    """Demo feedback records that say what the insight says: at these touchpoints, in this period, with a
    low score (or a complaint) and one of these words in the comment."""

    touchpoints: tuple[str, ...]
    words: tuple[str, ...]
    start: date = demo_feedback.START_DATE
    end: date = demo_feedback.END_DATE
    limit: int = 8


@dataclass(frozen=True)
class ActionSpec:
    track: str
    category: str
    title: str
    description: str
    owner: str  # department code
    user: str | None  # username
    created: date
    due: date | None
    status: str = ActionStatus.PLANNED
    started: date | None = None
    done: date | None = None
    references: tuple[tuple[str, str], ...] = ()
    metric: str = ""
    expected_change: float | None = None
    touchpoints: tuple[str, ...] = ()


@dataclass(frozen=True)
class InsightSpec:
    kind: str
    title: str
    description: str
    owner: str
    impact: int
    effort: int
    author: str
    created: date
    status: str = InsightStatus.NEW
    touchpoints: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    evidence: Evidence | None = None
    metric_query: dict = field(default_factory=dict)
    note: str = ""
    validation: tuple[str, str, str, date] | None = None  # method, note, username, day
    started: date | None = None
    finished: date | None = None
    rejected: tuple[str, str, date] | None = None  # note, username, day
    actions: tuple[ActionSpec, ...] = ()
    story: bool = False  # the seed 002 complaint is part of the evidence


R, P = Track.ROADMAP, Track.PLAYBOOK
NEW, VALIDATED, IN_PROGRESS, DONE, REJECTED = (
    InsightStatus.NEW, InsightStatus.VALIDATED, InsightStatus.IN_PROGRESS, InsightStatus.DONE, InsightStatus.REJECTED,
)  # fmt: skip
A_PLANNED, A_PROGRESS, A_DONE, A_CANCELLED = (
    ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.CANCELLED,
)  # fmt: skip
JIRA = "https://jira.musterfrau.example/browse/"
WIKI = "https://wiki.musterfrau.example/display/"

INSIGHTS = [
    InsightSpec(
        "pain_point",
        "Installationsauftrag erreicht den Außendienst nicht",
        "Kundinnen und Kunden bestellen Glasfaser mit Installation im Shop, im Fachhandel oder online. Der "
        "Installationswunsch landet als Freitext im Auftrag, wird aber nicht als Technikerauftrag an die "
        "Einsatzplanung übergeben. Die Techniker erfahren erst davon, wenn die Kundin selbst anruft, und kennen "
        "den Auftrag dann nicht. Seit Mitte Juni fällt der NPS des Technikerbesuchs (TP-TECH-02) von rund +20 "
        "auf unter −20; die Anrufe zur Terminabsprache (TP-HOT-08) haben sich fast verdoppelt.",
        "aussendienst",
        5,
        3,
        "ambassador.aussendienst",
        date(2026, 6, 30),
        IN_PROGRESS,
        touchpoints=("TP-TECH-02", "TP-HOT-08", "TP-MAIL-01", "TP-SHOP-02"),
        segments=("digitale-vielnutzer", "kleingewerbe-homeoffice"),
        evidence=Evidence(
            ("TP-TECH-02", "TP-HOT-08"),
            ("kam nicht", "nicht erschienen", "welcher Auftrag", "wusste von nichts"),
            start=date(2026, 6, 15),
        ),
        metric_query={"metric": "nps", "days": 90},
        note="Gespräch mit drei Servicetechnikern in Dortmund am 2. Juli: Aufträge aus Shop und Fachhandel "
        "kommen ohne Installationstermin im Einsatzplan an. „Wir erfahren vom Auftrag, wenn die Kundin uns "
        "anruft – und dann fragen wir alles noch einmal ab.“",
        validation=(
            "focus_customers",
            "Sechs Fokuskunden aus dem Segment Digitale Vielnutzer, die im Juni "
            "installiert wurden, telefonisch befragt: vier mussten den Techniker selbst anrufen, drei "
            "wurden nach Auftragsdaten gefragt, die sie schon im Shop angegeben hatten.",
            "lead",
            date(2026, 7, 14),
        ),
        started=date(2026, 7, 20),
        story=True,
        actions=(
            ActionSpec(
                R,
                "process",
                "Installationswunsch als Pflichtfeld im Auftrag und automatische Übergabe an die Einsatzplanung",
                "Jeder Auftrag mit Installation erzeugt beim Anlegen einen Technikerauftrag; ohne Termin "
                "kein Abschluss der Auftragsprüfung. Übergabepunkt Vertrieb → Auftragsmanagement → "
                "Außendienst neu beschrieben.",
                "auftragsmanagement",
                "ambassador.auftrag",
                date(2026, 7, 22),
                date(2026, 11, 30),
                A_PROGRESS,
                started=date(2026, 8, 3),
                references=(
                    ("Projekt O2A-Übergabe (OPS-412)", JIRA + "OPS-412"),
                    ("Prozess Order-to-Activation", WIKI + "PROZ/Order-to-Activation"),
                ),
                metric="nps",
                expected_change=20,
                touchpoints=("TP-TECH-02",),
            ),
            ActionSpec(
                R,
                "technology",
                "Schnittstelle SAP CRM → Einsatzplanung (Field Service)",
                "Aufträge mit Installation werden direkt in die Einsatzplanung der Techniker übertragen, "
                "mit Kundendaten, Produkt und Hausanschluss-Status.",
                "it",
                "admin",
                date(2026, 7, 22),
                date(2027, 3, 31),
                references=(("IT-Vorhaben FS-Integration (IT-1187)", JIRA + "IT-1187"),),
                metric="nps",
                expected_change=15,
                touchpoints=("TP-TECH-02", "TP-HOT-08"),
            ),
            ActionSpec(
                P,
                "touchpoint",
                "Technikertermin online selbst buchen",
                "Nach der Bestellung bucht die Kundin ihren Installationstermin in App oder Kundenportal "
                "(geplanter Touchpoint TP-APP-06) statt den Techniker anzurufen.",
                "aussendienst",
                "ambassador.aussendienst",
                date(2026, 8, 10),
                date(2027, 2, 28),
                references=(("Epic Terminbuchung (APP-233)", JIRA + "APP-233"),),
                metric="first_contact_resolution",
                expected_change=5,
                touchpoints=("TP-HOT-08",),
            ),
            ActionSpec(
                P,
                "communication",
                "SMS „Ihr Techniker ist unterwegs“ mit Name und Zeitfenster",
                "Am Einsatztag eine SMS mit Namen des Technikers und einem Zeitfenster von zwei Stunden "
                "(geplanter Touchpoint TP-SMS-02).",
                "aussendienst",
                "contributor",
                date(2026, 8, 10),
                date(2027, 1, 31),
                metric="nps",
                expected_change=5,
                touchpoints=("TP-TECH-02",),
            ),
        ),
    ),
    InsightSpec(
        "pain_point",
        "Wochenlange Wartezeit auf Technikertermine in der Urlaubszeit",
        "In Juli und August fehlen Techniker, während wegen der Umzugssaison mehr Installationen anfallen. "
        "Kunden bekommen Termine erst nach vier bis sechs Wochen.",
        "aussendienst",
        4,
        3,
        "ambassador.aussendienst",
        date(2025, 9, 12),
        DONE,
        touchpoints=("TP-TECH-01", "TP-HOT-08"),
        segments=("preisbewusste-familien", "digitale-vielnutzer"),
        evidence=Evidence(("TP-TECH-01",), ("frühestens", "Zeitfenster", "verschoben")),
        metric_query={"metric": "nps", "days": 90},
        validation=(
            "data",
            "Auswertung der Einsatzplanung 2025: mittlere Wartezeit auf den ersten Termin im "
            "August 31 Tage, sonst 12 Tage.",
            "ambassador.aussendienst",
            date(2025, 11, 20),
        ),
        started=date(2026, 3, 2),
        finished=date(2026, 6, 2),
        actions=(
            ActionSpec(
                R,
                "people",
                "Partnerfirmen für Installationen im Juli und August beauftragen",
                "Zwei regionale Partnerfirmen übernehmen Standardinstallationen in der Urlaubszeit.",
                "aussendienst",
                "ambassador.aussendienst",
                date(2026, 3, 2),
                date(2026, 6, 1),
                A_DONE,
                started=date(2026, 3, 16),
                done=date(2026, 6, 1),
                references=(("Rahmenvertrag Partnerfirmen (EK-2026-044)", WIKI + "EK/Rahmenvertrag-2026-044"),),
                metric="nps",
                expected_change=10,
                touchpoints=("TP-TECH-02",),
            ),
        ),
    ),
    InsightSpec(
        "pain_point",
        "Warteschleife nach Weihnachten und den Januar-Rechnungen",
        "Zwischen Mitte Dezember und Ende Januar steigen die Anrufe an der Rechnungshotline stark (neue Geräte, "
        "Jahresrechnungen, Preisanpassungen). Kunden hängen lange in der Warteschleife und legen auf.",
        "kundenservice",
        4,
        2,
        "ambassador.service",
        date(2026, 1, 8),
        DONE,
        touchpoints=("TP-HOT-05", "TP-HOT-04"),
        segments=("preisbewusste-familien",),
        evidence=Evidence(
            ("TP-HOT-05", "TP-HOT-04"),
            ("Warteschleife", "Wartezeit", "nicht erreichbar"),
            start=date(2025, 12, 15),
            end=date(2026, 1, 20),
        ),
        metric_query={"metric": "nps", "days": 60},
        validation=(
            "data",
            "Telefonanlage: Wartezeit im Mittel 11 Minuten (sonst 3), 18 % Abbrüche.",
            "board.service",
            date(2026, 1, 12),
        ),
        started=date(2026, 1, 13),
        finished=date(2026, 2, 20),
        actions=(
            ActionSpec(
                R,
                "people",
                "Zusatzkapazität an der Rechnungshotline nach dem Jahreswechsel",
                "Zwölf Kolleginnen aus dem Vertriebsinnendienst unterstützen für drei Wochen die "
                "Rechnungshotline, mit Kurzschulung zu den häufigsten Rechnungsfragen.",
                "kundenservice",
                "ambassador.service",
                date(2026, 1, 13),
                date(2026, 1, 20),
                A_DONE,
                started=date(2026, 1, 14),
                done=date(2026, 1, 21),
                metric="nps",
                expected_change=10,
                touchpoints=("TP-HOT-05",),
            ),
            ActionSpec(
                P,
                "channel",
                "Rückruf anbieten statt Warteschleife ab fünf Minuten",
                "Ab fünf Minuten Wartezeit bietet das Sprachmenü einen Rückruf im gewählten Zeitfenster an.",
                "kundenservice",
                "board.service",
                date(2026, 1, 13),
                date(2026, 2, 28),
                A_DONE,
                started=date(2026, 1, 26),
                done=date(2026, 2, 16),
                references=(("Change Telefonanlage (CHG-0931)", JIRA + "CHG-931"),),
                metric="csat",
                expected_change=2,
                touchpoints=("TP-HOT-04",),
            ),
        ),
    ),
    InsightSpec(
        "pain_point",
        "App-Login nach dem März-Update fehlerhaft",
        "Nach dem App-Update vom 9. März konnten sich viele Kundinnen und Kunden eine Woche lang nicht anmelden; "
        "der SMS-Code kam nicht an.",
        "it",
        4,
        1,
        "admin",
        date(2026, 3, 11),
        DONE,
        touchpoints=("TP-APP-01", "TP-SMS-04"),
        segments=("digitale-vielnutzer",),
        evidence=Evidence(
            ("TP-APP-01", "TP-SMS-04"), ("Login", "SMS-Code", "Update"), start=date(2026, 3, 9), end=date(2026, 3, 15)
        ),
        metric_query={"metric": "nps", "days": 30},
        validation=(
            "data",
            "Fehlerrate der Anmeldung im App-Monitoring: 38 % vom 9. bis 15. März, sonst 2 %.",
            "admin",
            date(2026, 3, 12),
        ),
        started=date(2026, 3, 12),
        finished=date(2026, 5, 4),
        actions=(
            ActionSpec(
                R,
                "technology",
                "Rollback-Verfahren und stufenweise Auslieferung der App",
                "Neue App-Versionen gehen erst an 5 % der Nutzer; steigt die Fehlerrate der Anmeldung, "
                "wird automatisch zurückgerollt.",
                "it",
                "admin",
                date(2026, 3, 12),
                date(2026, 3, 20),
                A_DONE,
                started=date(2026, 3, 12),
                done=date(2026, 3, 16),
                references=(
                    ("Incident INC-2026-0309", JIRA + "INC-309"),
                    ("Release-Prozess App", WIKI + "IT/Release-Prozess-App"),
                ),
                metric="nps",
                expected_change=5,
                touchpoints=("TP-APP-01",),
            ),
            ActionSpec(
                P,
                "communication",
                "Störungshinweis in App und Netzstatus bei Login-Problemen",
                "Bei bekannten Login-Störungen erscheint ein Hinweis auf der Anmeldeseite und im Netzstatus.",
                "it",
                "admin",
                date(2026, 3, 16),
                date(2026, 4, 30),
                A_DONE,
                started=date(2026, 4, 1),
                done=date(2026, 4, 28),
                touchpoints=("TP-APP-01", "TP-WEB-06"),
            ),
        ),
    ),
    InsightSpec(
        "pain_point",
        "Erste Rechnung ist unverständlich (anteilige Grundgebühr)",
        "Die erste Rechnung enthält anteilige Grundgebühren und Einmalposten; viele Neukunden halten sie für "
        "falsch und rufen an.",
        "rechnungswesen",
        4,
        2,
        "board.finanzen",
        date(2026, 2, 2),
        IN_PROGRESS,
        touchpoints=("TP-BRIEF-02", "TP-HOT-05"),
        segments=("preisbewusste-familien", "digitale-vielnutzer"),
        evidence=Evidence(("TP-BRIEF-02",), ("erste Rechnung", "anteilige", "nie bestellt")),
        metric_query={"metric": "csat", "days": 90},
        validation=(
            "sample",
            "Stichprobe: 200 erste Rechnungen vom Februar durchgesehen, 61 Anrufe dazu an der "
            "Rechnungshotline nachverfolgt; 70 % betrafen die anteilige Grundgebühr.",
            "board.finanzen",
            date(2026, 2, 27),
        ),
        started=date(2026, 3, 9),
        actions=(
            ActionSpec(
                R,
                "skills",
                "Schulung Rechnungshotline: die erste Rechnung erklären",
                "Leitfaden und Schulung für alle Agents der Rechnungshotline.",
                "kundenservice",
                "ambassador.service",
                date(2026, 3, 9),
                date(2026, 5, 15),
                A_DONE,
                started=date(2026, 4, 6),
                done=date(2026, 5, 15),
                metric="csat",
                expected_change=5,
                touchpoints=("TP-HOT-05",),
            ),
            ActionSpec(
                P,
                "communication",
                "Erklärseite zur ersten Rechnung mit Beispielrechnung",
                "Der ersten Rechnung liegt eine Seite bei, die jeden Posten an einem Beispiel erklärt.",
                "rechnungswesen",
                "board.finanzen",
                date(2026, 3, 9),
                date(2026, 12, 15),
                A_PROGRESS,
                started=date(2026, 9, 1),
                references=(("Rechnungslayout 2027 (BIL-77)", JIRA + "BIL-77"),),
                metric="nps",
                expected_change=10,
                touchpoints=("TP-BRIEF-02",),
            ),
        ),
    ),
    InsightSpec(
        "observation",
        "Preisanpassungsschreiben lösen Kündigungsanrufe aus",
        "In den zwei Wochen nach den Preisanpassungsschreiben im Januar verdoppeln sich die Anrufe an der "
        "Kündigungshotline.",
        "vertrieb",
        3,
        2,
        "ambassador.vertrieb",
        date(2026, 2, 10),
        VALIDATED,
        touchpoints=("TP-BRIEF-05", "TP-HOT-06"),
        segments=("preisbewusste-familien",),
        evidence=Evidence(("TP-BRIEF-05",), ("Preiserhöhung", "Preisanpassung")),
        metric_query={"metric": "nps", "days": 90},
        validation=(
            "data",
            "Kündigungsanrufe Januar 2026: 2,1-mal so viele wie im Vormonat; 40 % nennen das Schreiben.",
            "board",
            date(2026, 2, 24),
        ),
        actions=(
            ActionSpec(
                P,
                "communication",
                "Preisanpassung mit persönlichem Vorteilsangebot ankündigen",
                "Das Schreiben nennt den Grund und ein passendes Angebot (z. B. schnellerer Tarif zum gleichen Preis).",
                "marketing",
                "ambassador.marketing",
                date(2026, 3, 2),
                date(2026, 12, 31),
                metric="nps",
                expected_change=10,
                touchpoints=("TP-BRIEF-05",),
            ),
        ),
    ),
    InsightSpec(
        "pain_point",
        "Router kommt erst nach der Schaltung",
        "Der Anschluss ist geschaltet, aber der Router ist noch nicht da; Kunden zahlen, ohne surfen zu können.",
        "logistik",
        3,
        2,
        "team",
        date(2026, 9, 14),
        NEW,
        touchpoints=("TP-VERS-01", "TP-SMS-01"),
        evidence=Evidence(("TP-VERS-01",), ("Router kam erst", "falsche Adresse", "Netzteil")),
    ),
    InsightSpec(
        "pain_point",
        "Sprachmenü schickt Kunden im Kreis",
        "Im Sprachmenü fehlen Optionen für häufige Anliegen; Kunden landen wieder am Anfang oder beim falschen Team.",
        "kundenservice",
        3,
        3,
        "ambassador.service",
        date(2026, 4, 14),
        VALIDATED,
        touchpoints=("TP-HOT-04",),
        evidence=Evidence(("TP-HOT-04",), ("Sprachmenü",)),
        validation=(
            "sample",
            "100 Anrufaufzeichnungen angehört: 23 Anrufer wählten dreimal oder öfter neu.",
            "board.service",
            date(2026, 5, 6),
        ),
        actions=(
            ActionSpec(
                R,
                "tools",
                "Sprachmenü mit Anliegen-Erkennung neu aufsetzen",
                "Freie Spracheingabe statt Zifferntasten; Weiterleitung nach Anliegen und Kundennummer.",
                "it",
                "admin",
                date(2026, 5, 11),
                date(2027, 1, 31),
                A_PROGRESS,
                started=date(2026, 9, 7),
                references=(("Ausschreibung IVR (EK-2026-061)", WIKI + "EK/IVR-2026"),),
                metric="csat",
                expected_change=5,
                touchpoints=("TP-HOT-04",),
            ),
        ),
    ),
    InsightSpec(
        "pain_point",
        "Chatbot „Mia“ übergibt nicht an einen Menschen",
        "Der Chatbot verweist auf FAQ-Artikel, eine Übergabe an den Live-Chat mit dem Gesprächsverlauf fehlt.",
        "it",
        3,
        2,
        "ambassador.service",
        date(2026, 5, 19),
        IN_PROGRESS,
        touchpoints=("TP-CHAT-01", "TP-CHAT-02"),
        segments=("digitale-vielnutzer",),
        evidence=Evidence(("TP-CHAT-01",), ("Chatbot", "Mia", "FAQ")),
        started=date(2026, 6, 8),
        actions=(
            ActionSpec(
                P,
                "channel",
                "Übergabe vom Chatbot an den Live-Chat mit Gesprächsverlauf",
                "Nach zwei erfolglosen Antworten bietet Mia den Live-Chat an; der Agent sieht den Verlauf.",
                "it",
                "admin",
                date(2026, 6, 8),
                date(2026, 12, 1),
                A_PROGRESS,
                started=date(2026, 9, 21),
                references=(("Chat-Plattform Konfiguration (IT-1240)", JIRA + "IT-1240"),),
                metric="csat",
                expected_change=8,
                touchpoints=("TP-CHAT-01",),
            ),
        ),
    ),
    InsightSpec(
        "pain_point",
        "Versprochene Rückrufe kommen nicht",
        "Kunden wird ein Rückruf innerhalb von 24 Stunden zugesagt; ein Teil wartet tagelang.",
        "kundenservice",
        4,
        2,
        "ambassador.beschwerde",
        date(2026, 10, 6),
        NEW,
        touchpoints=("TP-HOT-07",),
        evidence=Evidence(("TP-HOT-07",), ("Rückruf",)),
    ),
    InsightSpec(
        "opportunity",
        "Fester Ansprechpartner für Geschäftskunden bei Störungen",
        "Kleingewerbe und Homeoffice verlieren mit jedem Ausfalltag Umsatz und wollen einen Ansprechpartner, "
        "der den Vorgang kennt – nicht jedes Mal eine neue Hotline-Kraft.",
        "kundenservice",
        4,
        4,
        "board.service",
        date(2026, 4, 22),
        VALIDATED,
        touchpoints=("TP-HOT-03", "TP-TECH-04"),
        segments=("kleingewerbe-homeoffice",),
        evidence=Evidence(("TP-HOT-03", "TP-TECH-04"), ("Störung", "Ausfall", "Internet")),
        metric_query={"metric": "nps", "days": 90},
        note="Workshop mit fünf Handwerksbetrieben und zwei Arztpraxen am 20. April (Kundenbeirat).",
        validation=(
            "focus_customers",
            "Kundenbeirat Kleingewerbe: 6 von 7 Teilnehmenden würden für einen "
            "festen Ansprechpartner 5 € im Monat mehr zahlen.",
            "lead",
            date(2026, 5, 5),
        ),
        actions=(
            ActionSpec(
                P,
                "relationship",
                "Business-Ansprechpartner mit Durchwahl für Kleingewerbe",
                "Jeder Geschäftskunde bekommt eine feste Ansprechpartnerin mit Durchwahl und Vertretung.",
                "kundenservice",
                "board.service",
                date(2026, 5, 11),
                date(2027, 4, 30),
                metric="nps",
                expected_change=15,
                touchpoints=("TP-HOT-03",),
            ),
            ActionSpec(
                R,
                "structure",
                "Business-Serviceteam (2nd Level) einrichten",
                "Ein Team aus Hotline und Technik für Geschäftskunden, mit Entstörziel 24 Stunden.",
                "technik",
                "ambassador.technik",
                date(2026, 5, 11),
                date(2027, 6, 30),
                references=(("Organisationsprojekt BST (ORG-12)", JIRA + "ORG-12"),),
            ),
        ),
    ),
    InsightSpec(
        "pain_point",
        "Umzug: Anschluss am neuen Standort nicht rechtzeitig geschaltet",
        "Geschäftskunden melden den Umzug rechtzeitig, trotzdem ist der neue Anschluss am Umzugstag nicht aktiv.",
        "auftragsmanagement",
        4,
        3,
        "ambassador.auftrag",
        date(2026, 8, 24),
        VALIDATED,
        touchpoints=("TP-WEB-08", "TP-TECH-03"),
        segments=("kleingewerbe-homeoffice",),
        evidence=Evidence(("TP-WEB-08", "TP-HOT-02", "TP-TECH-03"), ("Umzug",)),
        validation=(
            "data",
            "Umzugsaufträge Juli/August: 27 % am Umzugstag nicht geschaltet, weil die "
            "Technikerbestellung erst nach der Vertragsprüfung ausgelöst wird.",
            "ambassador.auftrag",
            date(2026, 9, 8),
        ),
        actions=(
            ActionSpec(
                R,
                "process",
                "Umzugsaufträge sechs Wochen vorher automatisch einplanen",
                "Schaltung und Technikereinsatz werden mit dem Umzugsauftrag reserviert, nicht erst nach "
                "der Vertragsprüfung.",
                "auftragsmanagement",
                "ambassador.auftrag",
                date(2026, 9, 14),
                date(2027, 1, 15),
                references=(("Prozess Umzug", WIKI + "PROZ/Umzug"),),
                touchpoints=("TP-WEB-08",),
            ),
        ),
    ),
    InsightSpec(
        "idea",
        "Auftragsstatus wie bei der Paketverfolgung",
        "Digitale Vielnutzer erwarten zu ihrer Bestellung einen Status: Auftrag geprüft, Router versandt, "
        "Technikertermin, Schaltung.",
        "auftragsmanagement",
        4,
        4,
        "ambassador.vertrieb",
        date(2026, 9, 2),
        NEW,
        touchpoints=("TP-MAIL-01", "TP-WEB-04"),
        segments=("digitale-vielnutzer",),
        actions=(
            ActionSpec(
                P,
                "touchpoint",
                "Auftragsstatus-Tracker in der App",
                "Geplanter Touchpoint TP-APP-02: Status der Bestellung in App und Kundenportal.",
                "auftragsmanagement",
                "ambassador.auftrag",
                date(2026, 9, 21),
                date(2027, 5, 31),
                references=(("Epic Auftragsstatus (APP-251)", JIRA + "APP-251"),),
            ),
        ),
    ),
    InsightSpec(
        "pain_point",
        "Zeitfenster von 8 bis 16 Uhr passt nicht für Berufstätige",
        "Technikertermine werden als Tageszeitfenster vergeben; Berufstätige müssen einen Urlaubstag nehmen.",
        "aussendienst",
        3,
        3,
        "contributor",
        date(2026, 10, 12),
        NEW,
        touchpoints=("TP-TECH-01",),
        evidence=Evidence(("TP-TECH-01",), ("8 bis 16 Uhr", "Urlaub")),
    ),
    InsightSpec(
        "observation",
        "Beratung im Shop wird deutlich besser bewertet als online",
        "Kunden, die im Shop abschließen, empfehlen Musterfrau häufiger weiter als Online-Besteller; der "
        "Unterschied verschwindet aber bei der Installation.",
        "vertrieb",
        2,
        1,
        "board",
        date(2026, 5, 28),
        VALIDATED,
        touchpoints=("TP-SHOP-01", "TP-SHOP-02", "TP-WEB-04"),
        metric_query={"metric": "nps", "days": 180},
        validation=(
            "data",
            "NPS Shop-Abschluss +30, Online-Bestellung +25 (Transaktionsumfrage Jan–Mai).",
            "team",
            date(2026, 6, 3),
        ),
    ),
    InsightSpec(
        "idea",
        "WLAN-Verstärker gratis für alle Bestandskunden",
        "Vorschlag aus dem Vertrieb, um Beschwerden über schwaches WLAN zu senken.",
        "marketing",
        2,
        5,
        "ambassador.marketing",
        date(2026, 3, 19),
        REJECTED,
        rejected=(
            "Stichprobe von 150 WLAN-Beschwerden: 80 % betrafen die Router-Einstellung, nicht die "
            "Reichweite. Stattdessen Einrichtungshilfe im Hilfe-Center.",
            "lead",
            date(2026, 4, 9),
        ),
    ),
    InsightSpec(
        "idea",
        "Newsletter nur noch monatlich",
        "Abmeldungen vom Newsletter steigen; weniger Ausgaben könnten sie senken.",
        "marketing",
        1,
        1,
        "ambassador.marketing",
        date(2026, 6, 16),
        REJECTED,
        touchpoints=("TP-MAIL-03",),
        rejected=(
            "Abmelderate liegt mit 0,3 % je Ausgabe im Branchenmittel; kein Zusammenhang mit dem NPS.",
            "team",
            date(2026, 6, 30),
        ),
    ),
    InsightSpec(
        "pain_point",
        "Kündigungsbestätigung kommt zu spät",
        "Nach der Online-Kündigung warten Kunden tagelang auf die Bestätigung und rufen deshalb an.",
        "kundenservice",
        3,
        1,
        "ambassador.service",
        date(2026, 10, 19),
        NEW,
        touchpoints=("TP-WEB-09", "TP-BRIEF-06"),
        evidence=Evidence(("TP-WEB-09", "TP-BRIEF-06", "TP-HOT-06"), ("Bestätigung",)),
    ),
    InsightSpec(
        "observation",
        "Antworten auf Beschwerden begründen statt zu lösen",
        "Schriftliche Antworten erklären ausführlich, warum etwas so ist, nennen aber selten eine Lösung oder "
        "einen nächsten Schritt.",
        "beschwerdemanagement",
        3,
        2,
        "ambassador.beschwerde",
        date(2026, 5, 4),
        IN_PROGRESS,
        touchpoints=("TP-BRIEF-08", "TP-HOT-09"),
        evidence=Evidence(("TP-BRIEF-08", "TP-HOT-09"), ("Antwort", "Beschwerde", "Rückruf")),
        metric_query={"metric": "csat", "days": 90},
        started=date(2026, 5, 25),
        actions=(
            ActionSpec(
                R,
                "culture",
                "Antwortleitfaden: erst die Lösung, dann die Begründung",
                "Neuer Leitfaden und Textbausteine; monatliche Fallbesprechung im Team.",
                "beschwerdemanagement",
                "ambassador.beschwerde",
                date(2026, 5, 25),
                date(2026, 12, 15),
                A_PROGRESS,
                started=date(2026, 6, 15),
                touchpoints=("TP-BRIEF-08",),
            ),
            ActionSpec(
                P,
                "relationship",
                "Rückruf des Eskalationsteams innerhalb von 24 Stunden",
                "Jede schriftliche Beschwerde bekommt binnen 24 Stunden einen persönlichen Anruf.",
                "beschwerdemanagement",
                "ambassador.beschwerde",
                date(2026, 5, 25),
                date(2026, 7, 15),
                A_DONE,
                started=date(2026, 6, 1),
                done=date(2026, 7, 13),
                metric="csat",
                expected_change=5,
                touchpoints=("TP-HOT-09",),
            ),
            ActionSpec(
                P,
                "communication",
                "Beschwerde-Antwort per SMS ankündigen",
                "Ersetzt durch den Rückruf.",
                "beschwerdemanagement",
                None,
                date(2026, 5, 25),
                date(2026, 8, 31),
                A_CANCELLED,
            ),
        ),
    ),
]

# =============================================================================================================
# Case rules and case stories (content data)
# =============================================================================================================


@dataclass(frozen=True)
class RuleSpec:
    name: str
    trigger: str
    threshold: int | None
    priority: str
    sla_hours: int
    sources: tuple[str, ...] = ()  # demo feedback source keys
    touchpoints: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    active: bool = True


TECH_TOUCHPOINTS = ("TP-TECH-01", "TP-TECH-02", "TP-TECH-04", "TP-HOT-08")
RULES = [
    RuleSpec("Beschwerde eingegangen", Trigger.COMPLAINT, None, Priority.HIGH, 48,
             sources=(demo_feedback.COMPLAINTS_SOURCE,)),
    RuleSpec("Detraktor nach Technikereinsatz (NPS ≤ 6)", Trigger.NPS_MAX, 6, Priority.HIGH, 24,
             sources=(demo_feedback.SURVEY,), touchpoints=TECH_TOUCHPOINTS),
    RuleSpec("Detraktor Kleingewerbe & Homeoffice (NPS ≤ 6)", Trigger.NPS_MAX, 6, Priority.NORMAL, 48,
             sources=(demo_feedback.SURVEY,), segments=("kleingewerbe-homeoffice",)),
    RuleSpec("Sehr unzufrieden nach Kontakt (CSAT ≤ 2)", Trigger.CSAT_MAX, 2, Priority.NORMAL, 72,
             sources=(demo_feedback.SURVEY,)),
    # paused: every detractor would mean a thousand cases a month
    RuleSpec("Alle Detraktoren (NPS ≤ 6)", Trigger.NPS_MAX, 6, Priority.LOW, 120,
             sources=(demo_feedback.SURVEY,), active=False),
]  # fmt: skip

GROUPS = {
    "technik": ("TP-TECH-01", "TP-TECH-02", "TP-TECH-04", "TP-TECH-05", "TP-TECH-07", "TP-HOT-08", "TP-HOT-03"),
    "rechnung": ("TP-BRIEF-02", "TP-BRIEF-03", "TP-BRIEF-04", "TP-HOT-05", "TP-MAIL-05", "TP-APP-03"),
    "vertrag": ("TP-BRIEF-05", "TP-HOT-06", "TP-WEB-09", "TP-BRIEF-06", "TP-HOT-02"),
    "auftrag": ("TP-WEB-02", "TP-WEB-04", "TP-MAIL-01", "TP-MAIL-02", "TP-WEB-08", "TP-BRIEF-01", "TP-TECH-03",
                "TP-SHOP-01", "TP-SHOP-02", "TP-PART-01", "TP-PART-02", "TP-PART-03"),
    "versand": ("TP-VERS-01", "TP-VERS-02", "TP-SMS-01", "TP-SHOP-03"),
    "digital": ("TP-APP-01", "TP-APP-04", "TP-APP-05", "TP-WEB-07", "TP-CHAT-01", "TP-SMS-04", "TP-WEB-05"),
}  # fmt: skip

COMMENTS = {
    "technik": [
        "Kunde angerufen: Termin war im Einsatzplan nicht vorhanden. Neuer Termin vereinbart.",
        "Einsatzbericht geprüft: der Techniker stand ohne Auftragsdaten vor der Tür.",
        "Kunde hat zweimal umsonst gewartet. Ersatztermin am Vormittag zugesagt, Gutschrift angeboten.",
        "Rücksprache mit der Einsatzplanung: der Termin wurde ohne Information an den Kunden verschoben.",
    ],
    "rechnung": [
        "Rechnung geprüft: die anteilige Grundgebühr ist korrekt, dem Kunden am Telefon erklärt.",
        "Fehlbuchung bestätigt, Gutschrift im Billing angelegt.",
        "Kunde per E-Mail um die Rechnungsnummer gebeten; Rückmeldung liegt vor.",
    ],
    "vertrag": [
        "Kunde möchte kündigen; Rückrufangebot mit Tarifwechsel unterbreitet.",
        "Vertragsdaten geprüft: Mindestlaufzeit endet im März, Sonderkündigungsrecht besteht nicht.",
        "Kündigungsbestätigung war nicht versendet worden, heute nachgeholt.",
    ],
    "auftrag": [
        "Auftrag im SAP CRM geprüft: Auftragsbestätigung fehlte, heute erneut versendet.",
        "Schaltdatum mit der Technik abgestimmt und dem Kunden per E-Mail bestätigt.",
        "Kunde hatte online bestellt, der Auftrag hing in der Vertragsprüfung.",
    ],
    "versand": [
        "Sendungsverfolgung geprüft: Paket liegt im Depot, neue Zustellung beauftragt.",
        "Ersatzgerät über den Shop in der Nähe bereitgestellt.",
    ],
    "digital": [
        "Fehler nachgestellt und an das App-Team gemeldet.",
        "Kunde per E-Mail durch die Anmeldung geführt; Zugang funktioniert wieder.",
    ],
    "": [
        "Kunde zurückgerufen und Anliegen aufgenommen.",
        "Anliegen geklärt, Kunde wartet auf die schriftliche Bestätigung.",
        "Rückruf versucht, Kunde nicht erreicht; E-Mail mit Rückrufbitte gesendet.",
    ],
}
RESOLUTIONS = {
    "technik": [
        (
            RootCause.PROCESS,
            "Auftrag kam ohne Installationstermin im Einsatzplan an.",
            "Neuer Termin vereinbart und durchgeführt, Anschluss läuft. Gutschrift einer Monatsgrundgebühr.",
        ),
        (
            RootCause.PARTNER,
            "Partnerfirma hat den Termin kurzfristig abgesagt.",
            "Ersatztermin mit eigenem Techniker am Folgetag, Kunde informiert.",
        ),
        (
            RootCause.EMPLOYEE,
            "Techniker hat den Kunden nicht über die Verspätung informiert.",
            "Entschuldigung per Anruf, Feedback an den Teamleiter Außendienst.",
        ),
    ],
    "rechnung": [
        (
            RootCause.SYSTEM,
            "Doppelte Buchung der Einrichtungsgebühr im Billing.",
            "Gutschrift erstellt, korrigierte Rechnung per E-Mail versendet.",
        ),
        (
            RootCause.COMMUNICATION,
            "Anteilige Grundgebühr auf der ersten Rechnung nicht erklärt.",
            "Rechnung am Telefon erklärt; Kunde ist einverstanden.",
        ),
    ],
    "vertrag": [
        (
            RootCause.COMMUNICATION,
            "Preisanpassung ohne verständliche Begründung angekündigt.",
            "Tarifwechsel ohne Mehrkosten angeboten und angenommen.",
        ),
        (
            RootCause.PROCESS,
            "Kündigungsbestätigung wurde nicht automatisch versendet.",
            "Bestätigung versendet, Kunde informiert.",
        ),
        (
            RootCause.CUSTOMER,
            "Kunde erwartete ein Sonderkündigungsrecht, das nicht besteht.",
            "Vertragslage erklärt, Wechsel in einen flexibleren Tarif zum Laufzeitende vorgemerkt.",
        ),
    ],
    "auftrag": [
        (
            RootCause.PROCESS,
            "Auftrag blieb in der Vertragsprüfung liegen.",
            "Auftrag freigegeben, Schaltung terminiert, Kunde per E-Mail informiert.",
        ),
        (
            RootCause.SYSTEM,
            "Auftragsbestätigung wegen Schnittstellenfehler nicht versendet.",
            "Bestätigung manuell versendet, Fehler an die IT gemeldet.",
        ),
    ],
    "versand": [
        (
            RootCause.PARTNER,
            "Zusteller hat das Paket an die falsche Adresse geliefert.",
            "Ersatzgerät im Shop übergeben, Reklamation beim Versanddienstleister.",
        ),
    ],
    "digital": [
        (
            RootCause.SYSTEM,
            "Fehler in der App-Version 5.2 bei der Anmeldung.",
            "Update 5.2.1 behebt den Fehler, Kunde informiert.",
        ),
    ],
    "": [
        (
            RootCause.COMMUNICATION,
            "Kunde wurde über den Stand seines Anliegens nicht informiert.",
            "Rückruf, Anliegen geklärt, Kunde zufrieden.",
        ),
        (RootCause.OTHER, "Einzelfall ohne wiederkehrende Ursache.", "Anliegen im Gespräch geklärt."),
    ],
}
# (current department, topic group) -> receiving departments; mostly the journeys' designed handovers
HANDOVERS = {
    ("aussendienst", "technik"): ("technik", "auftragsmanagement"),
    ("kundenservice", "technik"): ("aussendienst", "technik"),
    ("kundenservice", "rechnung"): ("rechnungswesen",),
    ("rechnungswesen", "rechnung"): ("kundenservice",),
    ("kundenservice", "vertrag"): ("beschwerdemanagement", "vertrieb"),
    ("vertrieb", "vertrag"): ("rechnungswesen", "kundenservice"),
    ("vertrieb", "auftrag"): ("auftragsmanagement",),
    ("auftragsmanagement", "auftrag"): ("aussendienst", "logistik"),
    ("technik", "auftrag"): ("auftragsmanagement",),
    ("logistik", "versand"): ("auftragsmanagement", "aussendienst"),
    ("it", "digital"): ("kundenservice",),
    ("beschwerdemanagement", ""): ("kundenservice",),
    ("kundenservice", ""): ("beschwerdemanagement",),
}
# touchpoint -> receiving departments, following the designed handovers of the journeys where one exists
# (the handover view counts those); other touchpoints fall back to HANDOVERS
TOUCHPOINT_HANDOVERS = {
    "TP-WEB-02": ("auftragsmanagement",), "TP-WEB-04": ("auftragsmanagement",),
    "TP-MAIL-01": ("logistik", "aussendienst"), "TP-VERS-01": ("aussendienst",),
    "TP-HOT-08": ("technik", "auftragsmanagement"), "TP-TECH-01": ("technik", "auftragsmanagement"),
    "TP-TECH-02": ("technik",), "TP-TECH-04": ("technik",),
    "TP-TECH-03": ("auftragsmanagement", "logistik", "kundenservice"),
    "TP-HOT-03": ("aussendienst",), "TP-HOT-02": ("auftragsmanagement",),
    "TP-HOT-05": ("beschwerdemanagement", "rechnungswesen"), "TP-HOT-04": ("beschwerdemanagement",),
    "TP-BRIEF-02": ("kundenservice",), "TP-BRIEF-03": ("kundenservice",), "TP-BRIEF-04": ("kundenservice",),
    "TP-SMS-03": ("rechnungswesen", "kundenservice"), "TP-APP-04": ("kundenservice",),
    "TP-WEB-06": ("kundenservice",), "TP-BRIEF-05": ("rechnungswesen", "kundenservice"),
    "TP-HOT-06": ("kundenservice",), "TP-MAIL-08": ("kundenservice",), "TP-HOT-09": ("kundenservice",),
}  # fmt: skip
HANDOVER_NOTES = {
    "technik": "Bitte Leitung und Schaltung prüfen; vor Ort war alles angeschlossen. Die Aussage des Kunden "
    "steht oben, bitte nicht erneut abfragen.",
    "auftragsmanagement": "Bitte den Auftrag prüfen: im Einsatzplan fehlen Produkt und Termin. Kunde wartet auf "
    "einen Rückruf mit verbindlichem Datum.",
    "aussendienst": "Bitte Technikertermin direkt mit dem Kunden vereinbaren. Auftragsdaten und Anschrift sind "
    "im Fall, der Kunde hat schon mehrfach angerufen.",
    "rechnungswesen": "Bitte Gutschrift prüfen und veranlassen; Betrag und Rechnungsnummer stehen im Kommentar.",
    "kundenservice": "Bitte den Kunden zurückrufen und die Lösung erklären; die Korrektur ist erledigt.",
    "beschwerdemanagement": "Kunde droht mit Kündigung und Schlichtungsstelle. Bitte übernehmen.",
    "vertrieb": "Kunde möchte kündigen; bitte Rückgewinnungsangebot prüfen.",
    "logistik": "Bitte Versandstatus klären, Router ist laut Kunde nicht angekommen.",
}

STORY_COMMENT = (
    "Ich habe am 26. September im Shop in der Königstraße Glasfaser mit Installation bestellt. Mir wurde gesagt, "
    "der Techniker meldet sich innerhalb einer Woche. Es hat sich niemand gemeldet. Ich habe zweimal bei der "
    "Hotline angerufen, dort hieß es, der Auftrag sei in Bearbeitung. Als ich endlich eine Nummer vom Außendienst "
    "bekommen habe, wusste der Techniker nichts von meinem Auftrag und hat alle Daten noch einmal abgefragt. Seit "
    "drei Wochen zahle ich für einen Anschluss, den ich nicht nutzen kann. Wenn sich bis Ende der Woche nichts "
    "tut, kündige ich."
)


# =============================================================================================================
# Entry points
# =============================================================================================================


def release_replaced_feedback(scale: float) -> int:
    """Before the demo feedback of a source is replaced (another scale), remove the demo cases on its demo
    rows: a case protects its feedback record. Reads only when nothing will be replaced. Returns the number
    of cases removed; the loop opens them again after the new feedback is loaded."""
    expected = demo_feedback.expected_counts(scale)
    replaced = []
    for key, (name, *_rest) in demo_feedback.SOURCES.items():
        if key in (demo_feedback.CALL_CENTRE, demo_feedback.WEB):
            continue
        source = DataSource.objects.filter(name=name).first()
        rows = Feedback.objects.filter(source=source, external_id__startswith=demo_feedback.PREFIX)
        if source is not None and rows.count() != expected[key]:
            replaced.append(source.pk)
    if not replaced:
        return 0
    cases = Case.objects.filter(feedback__source_id__in=replaced, feedback__external_id__startswith="demo-")
    with transaction.atomic():
        removed, _ = cases.delete()  # their events go with them (a demo reload, not a user's change)
    return removed


def load_loop(*, log=print) -> dict[str, int]:
    """Insights, actions, case rules and cases of the demo company; creates only what is missing."""
    started = time.perf_counter()
    context = _Context.load()
    created = {"insights": 0, "actions": 0, "rules": 0, "cases": 0}
    with transaction.atomic():
        story = _story_feedback(context)
        for spec in INSIGHTS:
            made, actions = _insight(context, spec, story)
            created["insights"] += made
            created["actions"] += actions
        rules, created["rules"] = _rules(context)
        created["cases"] = _cases(context, rules, story)
    if any(created.values()):
        log(
            f"Closing the loop: {created['insights']} insights, {created['actions']} actions, {created['rules']} case "
            f"rules and {created['cases']} cases created in {time.perf_counter() - started:.1f} s."
        )
    return created


# =============================================================================================================
# Loading
# =============================================================================================================


@dataclass
class _Context:
    departments: dict
    users: dict
    touchpoints: dict
    segments: dict
    sources: dict
    workers: dict  # department id -> [users who work cases there]

    @classmethod
    def load(cls) -> "_Context":
        departments = {d.code: d for d in Department.objects.all()}
        users = {u.username: u for u in User.objects.filter(username__in=_usernames())}
        workers = {}
        memberships = Membership.objects.filter(user__in=users.values()).select_related("user").order_by("role", "pk")
        for membership in memberships:
            if membership.role in WORKING_ROLES:
                workers.setdefault(membership.department_id, []).append(membership.user)
        return cls(
            departments=departments,
            users=users,
            touchpoints={t.code: t for t in Touchpoint.objects.all()},
            segments={s.code: s for s in Segment.objects.all()},
            sources={key: DataSource.objects.filter(name=v[0]).first() for key, v in demo_feedback.SOURCES.items()},
            workers=workers,
        )


def _usernames() -> set[str]:
    from opencxm.demo.company import USERS

    return {username for username, *_ in USERS}


def _story_feedback(context: _Context) -> Feedback | None:
    """The seed 002 customer's complaint, through the feedback service (rollups refreshed); found by its id."""
    source = context.sources.get(demo_feedback.COMPLAINTS_SOURCE)
    if source is None:
        return None
    found = Feedback.objects.filter(source=source, external_id=STORY_EXTERNAL_ID).first()
    if found is not None:
        return found
    from opencxm.feedback.services import feedback_upsert_batch

    record = {
        "external_id": STORY_EXTERNAL_ID,
        "responded_at": _at(date(2026, 10, 20), 10, 14),
        "customer_ref": STORY_CUSTOMER,
        "touchpoint": "TP-SHOP-02",
        "channel": "shop",
        "segment": "digitale-vielnutzer",
        "kind": FeedbackKind.COMPLAINT,
        "comment": STORY_COMMENT,
        "language": "de",
        "attributes": {"topic": "techniker_kam_nicht"},
    }
    feedback_upsert_batch(source=source, records=[record])
    return Feedback.objects.get(source=source, external_id=STORY_EXTERNAL_ID)


def _evidence(context: _Context, evidence: Evidence | None) -> list[Feedback]:
    if evidence is None:
        return []
    words = Q()
    for word in evidence.words:
        words |= Q(comment__icontains=word)
    rows = Feedback.objects.filter(
        Q(nps__lte=6) | Q(kind=FeedbackKind.COMPLAINT) | Q(csat__lte=2),
        words,
        touchpoint__code__in=evidence.touchpoints,
        responded_at__gte=_at(evidence.start, 0),
        responded_at__lt=_at(evidence.end + timedelta(days=1), 0),
        external_id__startswith=demo_feedback.PREFIX,
    )
    return list(rows.order_by("-responded_at", "pk")[: evidence.limit])


def _insight(context: _Context, spec: InsightSpec, story: Feedback | None) -> tuple[int, int]:
    """Create the insight (and its actions) through the services on the demo clock; 0 when it exists."""
    insight = Insight.objects.filter(title=spec.title).first()
    created = 0
    demo_rows = insight.feedback.filter(external_id__startswith=demo_feedback.PREFIX) if insight else None
    if insight is not None and (spec.evidence is None or demo_rows.exists()):
        return created, sum(_action(context, insight, spec_action) for spec_action in spec.actions)
    evidence = _evidence(context, spec.evidence) + ([story] if spec.story and story else [])
    if insight is None:
        created = 1
        author = context.users.get(spec.author)
        touchpoints = [context.touchpoints[c] for c in spec.touchpoints if c in context.touchpoints]
        steps = list(JourneyStep.objects.filter(touchpoint__in=touchpoints, stage__journey__kind="current"))
        data = {
            "kind": spec.kind,
            "title": spec.title,
            "description": spec.description,
            "owner_department": context.departments[spec.owner],
            "impact": spec.impact,
            "effort": spec.effort,
            "evidence_query": spec.metric_query,
            "evidence_note": spec.note,
        }
        relations = {
            "touchpoints": touchpoints,
            "steps": steps,
            "segments": [context.segments[c] for c in spec.segments if c in context.segments],
            "feedback": evidence,
        }
        with demo_clock(_at(spec.created, 10, 30)):
            insight = insight_services.insight_create(actor=author, data=data, relations=relations)
        if spec.validation:
            method, note, username, day = spec.validation
            with demo_clock(_at(day, 15, 10)):
                insight_services.insight_validate(
                    actor=context.users.get(username), insight=insight, method=method, note=note
                )
        if spec.started:
            with demo_clock(_at(spec.started, 9, 45)):
                insight_services.insight_transition(actor=author, insight=insight, status=IN_PROGRESS)
        if spec.finished:
            with demo_clock(_at(spec.finished, 16, 20)):
                insight_services.insight_transition(
                    actor=author, insight=insight, status=DONE, note="Maßnahmen umgesetzt, Wirkung wird beobachtet."
                )
        if spec.rejected:
            note, username, day = spec.rejected
            with demo_clock(_at(day, 11, 0)):
                insight_services.insight_transition(
                    actor=context.users.get(username), insight=insight, status=REJECTED, note=note
                )
    elif evidence:
        # the demo feedback was replaced (another scale): link the new records that say the same
        insight_services.insight_update(actor=None, insight=insight, data={}, relations={"feedback": evidence})
    actions = sum(_action(context, insight, spec_action) for spec_action in spec.actions)
    return created, actions


def _action(context: _Context, insight: Insight, spec: ActionSpec) -> int:
    if Action.objects.filter(insight=insight, title=spec.title).exists():
        return 0
    owner = context.users.get(spec.user) if spec.user else None
    data = {
        "track": spec.track,
        "category": spec.category,
        "title": spec.title,
        "description": spec.description,
        "owner_department": context.departments[spec.owner],
        "owner_user": owner,
        "due_date": spec.due,
        "references": [{"label": label, "url": url} for label, url in spec.references],
        "metric": spec.metric,
        "expected_change": spec.expected_change,
    }
    touchpoints = [context.touchpoints[c] for c in spec.touchpoints if c in context.touchpoints]
    actor = owner or context.users.get("lead")
    with demo_clock(_at(spec.created, 14, 0)):
        action = insight_services.action_create(actor=actor, insight=insight, data=data, touchpoints=touchpoints)
    if spec.started:
        with demo_clock(_at(spec.started, 9, 0)):
            insight_services.action_transition(actor=actor, action=action, status=A_PROGRESS)
    if spec.done:
        with demo_clock(_at(spec.done, 17, 30)):
            insight_services.action_transition(actor=actor, action=action, status=A_DONE, note="Umgesetzt.")
    if spec.status == A_CANCELLED:
        with demo_clock(_at(spec.created + timedelta(days=20), 11, 0)):
            insight_services.action_transition(
                actor=context.users.get("ambassador.beschwerde"), action=action, status=A_CANCELLED,
                note="Ersetzt durch den persönlichen Rückruf.",
            )  # fmt: skip
    return 1


def _rules(context: _Context) -> tuple[list[tuple[CaseRule, dict]], int]:
    """The demo case rules (created through `rule_create`), most urgent first as the cases app orders them."""
    created = 0
    rules = []
    for spec in RULES:
        rule = CaseRule.objects.filter(name=spec.name).first()
        if rule is None:
            data = {
                "name": spec.name,
                "active": spec.active,
                "trigger": spec.trigger,
                "threshold": spec.threshold,
                "priority": spec.priority,
                "sla_hours": spec.sla_hours,
                "sources": [context.sources[k] for k in spec.sources if context.sources.get(k)],
                "touchpoints": [context.touchpoints[c] for c in spec.touchpoints if c in context.touchpoints],
                "segments": [context.segments[c] for c in spec.segments if c in context.segments],
            }
            with demo_clock(_at(RULES_CREATED, 11, 0)):
                rule = case_services.rule_create(actor=context.users.get("lead"), data=data)
            created += 1
        if rule.active:
            relations = case_services.RULE_RELATIONS
            filters = {name: {o.pk for o in getattr(rule, name).all()} for name in relations}
            rules.append((rule, filters))
    order = case_services.PRIORITY_ORDER
    rules.sort(key=lambda item: (order[item[0].priority], item[0].sla_hours, item[0].name))
    return rules, created


# =============================================================================================================
# Cases
# =============================================================================================================


def _group(code: str | None) -> str:
    return next((name for name, codes in GROUPS.items() if code in codes), "")


def _working_time(moment: datetime) -> datetime:
    """Moves a moment into working hours (Monday to Saturday, 8 to 18 o'clock local)."""
    local = moment.astimezone(local_zone())
    if local.hour >= 18:
        local = (local + timedelta(days=1)).replace(hour=8, minute=local.minute)
    elif local.hour < 8:
        local = local.replace(hour=8)
    while local.weekday() == 6:
        local += timedelta(days=1)
    return local


@dataclass
class _CaseDraft:
    """A case and its history, built event by event with the state changes the case services make."""

    feedback: Feedback
    rule: CaseRule | None
    department: Department
    priority: str
    created: datetime
    sla_hours: int
    creator: User | None = None
    status: str = Status.OPEN
    assignee: User | None = None
    escalated_at: datetime | None = None
    root_cause: str = ""
    root_cause_detail: str = ""
    resolution: str = ""
    closed_at: datetime | None = None
    version: int = 1
    events: list = field(default_factory=list)
    audits: list = field(default_factory=list)

    def __post_init__(self):
        self.sla_due_at = self.created + timedelta(hours=self.sla_hours)
        self.events.append(self._event(EventKind.CREATED, self.created, self.creator,
                                       data={"rule": self.rule.name if self.rule else None}))  # fmt: skip
        self.audits.append((self.created, self.creator, "create", self._snapshot()))

    def _snapshot(self) -> dict:
        return {
            "status": self.status,
            "department": str(self.department),
            "assignee": str(self.assignee) if self.assignee else None,
            "priority": self.priority,
            "sla_due_at": str(self.sla_due_at),
            "escalated_at": str(self.escalated_at) if self.escalated_at else None,
            "root_cause": self.root_cause,
            "root_cause_detail": self.root_cause_detail,
            "resolution": self.resolution,
            "closed_at": str(self.closed_at) if self.closed_at else None,
        }

    def _event(self, kind, at, actor, *, note="", data=None, from_department=None) -> dict:
        return {"kind": kind, "at": at, "actor": actor, "department": self.department, "note": note,
                "data": data or {}, "from_department": from_department}  # fmt: skip

    def _change(self, at, actor, **changes) -> None:
        before = self._snapshot()
        for name, value in changes.items():
            setattr(self, name, value)
        self.version += 1
        after = self._snapshot()
        diff = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if diff:
            self.audits.append((at, actor, "update", diff))

    def last(self) -> datetime:
        return self.events[-1]["at"]

    def escalate_if_due(self, until: datetime) -> None:
        """The SLA job escalates an open case a few minutes after its due time, if that is before `until`."""
        moment = self.sla_due_at + timedelta(minutes=12)
        if self.escalated_at is None and self.status != Status.CLOSED and moment < until:
            self._change(moment, None, escalated_at=moment)
            self.events.append(self._event(EventKind.ESCALATED, moment, None, note="SLA überschritten"))

    def assign(self, at, actor, user) -> None:
        self.escalate_if_due(at)
        self._change(at, actor, assignee=user, status=Status.IN_PROGRESS)
        self.events.append(self._event(EventKind.ASSIGNED, at, actor, data={"assignee": str(user)}))

    def comment(self, at, actor, text) -> None:
        self.escalate_if_due(at)
        self.version += 1
        self.events.append(self._event(EventKind.COMMENTED, at, actor, note=text))

    def handover(self, at, actor, to: Department, note: str) -> None:
        self.escalate_if_due(at)
        source = self.department
        self._change(at, actor, department=to, assignee=None, status=Status.HANDED_OVER)
        self.events.append(self._event(EventKind.HANDED_OVER, at, actor, note=note, from_department=source,
                                       data={"from": source.name, "to": to.name}))  # fmt: skip

    def close(self, at, actor, root_cause, detail, resolution) -> None:
        self.escalate_if_due(at)
        self._change(at, actor, status=Status.CLOSED, root_cause=root_cause, root_cause_detail=detail,
                     resolution=resolution, closed_at=at)  # fmt: skip
        self.events.append(self._event(EventKind.CLOSED, at, actor, note=resolution, data={"root_cause": root_cause}))


def _cases(context: _Context, rules: list, story: Feedback | None) -> int:
    drafts = []
    if story is not None and not Case.objects.filter(feedback=story).exists():
        complaint_rule = next((rule for rule, _f in rules if rule.trigger == Trigger.COMPLAINT), None)
        drafts.append(_story_case(context, story, complaint_rule))
    drafts.extend(_rule_cases(context, rules))
    drafts.extend(_fresh_cases(context))
    _write(drafts)
    return len(drafts)


def _rule_cases(context: _Context, rules: list) -> list[_CaseDraft]:
    """The demo rules applied to the window's demo feedback (records without a case), with their histories."""
    if not rules:
        return []
    records = (
        Feedback.objects.filter(
            responded_at__gte=_at(WINDOW_START, 0),
            responded_at__lt=_cutoff(),
            external_id__startswith=demo_feedback.PREFIX,
            case__isnull=True,
        )
        .select_related("touchpoint", "source", "customer")
        .order_by("responded_at", "pk")
    )
    drafts = []
    for feedback in records:
        rule = next((rule for rule, filters in rules if case_services.rule_matches(rule, feedback, filters)), None)
        department_id = case_services.owner_department_id(feedback)
        if rule is None or department_id is None:
            continue
        rng = random.Random(f"{demo_feedback.SEED}-case-{feedback.external_id}")
        created = feedback.responded_at + timedelta(minutes=rng.randint(3, 40))
        department = next(d for d in context.departments.values() if d.pk == department_id)
        draft = _CaseDraft(feedback, rule, department, rule.priority, created, rule.sla_hours)
        _history(context, draft, rng, _cutoff())
        drafts.append(draft)
    return drafts


def _history(context: _Context, draft: _CaseDraft, rng: random.Random, cutoff: datetime) -> None:
    """What happened to the case until `cutoff`: assignment, comments, maybe a handover, closing, escalation."""
    age_days = (cutoff - draft.created) / timedelta(days=1)
    roll = rng.random()
    if age_days > 7:
        target = "closed" if roll < 0.82 else "stuck"
    elif age_days > 2:
        target = "closed" if roll < 0.45 else "working" if roll < 0.85 else "open"
    else:
        target = "closed" if roll < 0.12 else "working" if roll < 0.45 else "open"
    group = _group(draft.feedback.touchpoint.code if draft.feedback.touchpoint_id else None)
    if target != "open":
        _work(context, draft, rng, group, cutoff, handover_chance=0.35 if target != "stuck" else 0.6)
    if target == "closed":
        worker = draft.assignee or _worker(context, draft.department, rng)
        moment = _working_time(draft.last() + timedelta(hours=rng.uniform(1, 30)))
        if worker is not None and moment < cutoff:
            cause, detail, resolution = rng.choice(RESOLUTIONS.get(group) or RESOLUTIONS[""])
            draft.close(moment, worker, cause, detail, resolution)
    draft.escalate_if_due(cutoff)


def _worker(context: _Context, department: Department, rng: random.Random) -> User | None:
    workers = context.workers.get(department.pk) or []
    return rng.choice(workers) if workers else None


def _work(context, draft: _CaseDraft, rng, group: str, cutoff: datetime, *, handover_chance: float) -> None:
    """Assign, comment, maybe hand over (and be picked up there), all before `cutoff`."""
    worker = _worker(context, draft.department, rng)
    targets = _targets(draft, group)
    if worker is None:  # no ambassador or contributor (Logistik, Rechnungswesen): the CX team hands some on
        moment = _working_time(draft.created + timedelta(hours=rng.uniform(4, 40)))
        if targets and moment < cutoff and rng.random() < 0.6:
            to = context.departments[targets[0]]
            note = f"{draft.department.name} hat niemanden für Fälle eingeteilt. {HANDOVER_NOTES[to.code]}"
            draft.handover(moment, context.users.get("team"), to, note)
            worker = _worker(context, to, rng)
            moment = _working_time(moment + timedelta(hours=rng.uniform(1, 20)))
            if worker is not None and moment < cutoff:
                draft.assign(moment, worker, worker)
        return
    moment = _working_time(draft.created + timedelta(hours=rng.uniform(0.3, 8)))
    if moment >= cutoff:
        return
    draft.assign(moment, worker, worker)
    if rng.random() < 0.7:
        moment = _working_time(moment + timedelta(hours=rng.uniform(0.5, 6)))
        if moment < cutoff:
            draft.comment(moment, worker, rng.choice(COMMENTS.get(group) or COMMENTS[""]))
    if targets and rng.random() < handover_chance:
        to = context.departments[rng.choice(targets)]
        moment = _working_time(draft.last() + timedelta(hours=rng.uniform(0.5, 10)))
        if moment >= cutoff:
            return
        draft.handover(moment, worker, to, HANDOVER_NOTES[to.code])
        receiver = _worker(context, to, rng)
        moment = _working_time(moment + timedelta(hours=rng.uniform(0.5, 40)))
        if receiver is not None and moment < cutoff and rng.random() < 0.85:
            draft.assign(moment, receiver, receiver)
            moment = _working_time(moment + timedelta(hours=rng.uniform(0.5, 8)))
            if moment < cutoff:
                draft.comment(moment, receiver, rng.choice(COMMENTS.get(_group_of(to.code)) or COMMENTS[""]))


def _targets(draft: _CaseDraft, group: str) -> tuple[str, ...]:
    code = draft.feedback.touchpoint.code if draft.feedback.touchpoint_id else ""
    targets = TOUCHPOINT_HANDOVERS.get(code) or HANDOVERS.get((draft.department.code, group)) or ()
    return tuple(target for target in targets if target != draft.department.code)


def _group_of(department_code: str) -> str:
    return {"aussendienst": "technik", "technik": "technik", "rechnungswesen": "rechnung",
            "auftragsmanagement": "auftrag", "logistik": "versand"}.get(department_code, "")  # fmt: skip


def _story_case(context: _Context, story: Feedback, rule: CaseRule | None) -> _CaseDraft:
    """Seed 002: the installation ordered in the shop never reached the field technicians."""
    users, departments = context.users, context.departments
    vertrieb, aussendienst = users.get("ambassador.vertrieb"), users.get("ambassador.aussendienst")
    technician = users.get("contributor")
    draft = _CaseDraft(story, rule, departments["vertrieb"], Priority.HIGH, _at(date(2026, 10, 20), 10, 31),
                       rule.sla_hours if rule else 48)  # fmt: skip
    draft.assign(_at(date(2026, 10, 20), 11, 5), vertrieb, vertrieb)
    draft.comment(
        _at(date(2026, 10, 20), 11, 40), vertrieb,
        "Auftrag im SAP CRM gefunden: Abschluss am 26.09. im Shop Königstraße, Glasfaser 500 mit Installation. "
        "Das Auftragsmanagement hat den Auftrag am 29.09. angelegt, der Router wurde am 02.10. geliefert. Einen "
        "Technikerauftrag gibt es nicht: der Installationswunsch steht nur im Freitext des Shop-Formulars.",
    )  # fmt: skip
    draft.comment(
        _at(date(2026, 10, 20), 12, 10), vertrieb,
        "Kundin angerufen und entschuldigt. Sie erwartet heute noch einen Anruf vom Außendienst. Gutschrift einer "
        "Monatsgrundgebühr zugesagt (mit Rechnungswesen abgestimmt).",
    )  # fmt: skip
    draft.handover(
        _at(date(2026, 10, 20), 12, 25), vertrieb, departments["aussendienst"],
        "Bitte den Installationstermin direkt mit der Kundin vereinbaren – sie hat schon zweimal angerufen und "
        "soll nichts ein drittes Mal erzählen müssen. Alles Nötige steht hier im Fall: Glasfaser 500, der "
        "Hausanschluss ist gesetzt (Begehung 12.09.), der Router ist da. Wunsch der Kundin: vormittags, ab "
        "Donnerstag. Ursache aus unserer Sicht: Der Installationswunsch aus dem Shop wird nicht als "
        "Technikerauftrag an den Außendienst übergeben.",
    )  # fmt: skip
    draft.assign(_at(date(2026, 10, 20), 13, 2), aussendienst, technician)
    draft.comment(
        _at(date(2026, 10, 20), 13, 40), technician,
        "Kundin angerufen, Termin am Donnerstag, 22.10., zwischen 8 und 12 Uhr vereinbart. Der Auftrag war im "
        "Einsatzplan nicht vorhanden – bestätigt.",
    )  # fmt: skip
    draft.comment(
        _at(date(2026, 10, 22), 11, 50), technician,
        "Installation erledigt, Anschluss geschaltet, Router eingerichtet, Speedtest 480 Mbit/s. Die Kundin ist "
        "zufrieden, möchte aber wissen, wie wir verhindern, dass das anderen auch passiert.",
    )  # fmt: skip
    draft.close(
        _at(date(2026, 10, 22), 14, 15), aussendienst, RootCause.PROCESS,
        "Übergabe Vertrieb → Außendienst: Der Installationswunsch aus dem Shop-Auftrag wird nur als Freitext erfasst "
        "und vom Auftragsmanagement nicht als Technikerauftrag an die Einsatzplanung weitergegeben. Die Techniker "
        "erfahren davon erst, wenn die Kundin selbst anruft. Dasselbe Muster zeigt das Insight „Installationsauftrag "
        "erreicht den Außendienst nicht“.",
        "Installation am 22.10. durchgeführt, Anschluss läuft. Gutschrift einer Monatsgrundgebühr veranlasst, Kundin "
        "per Anruf informiert. Den Prozessfehler an die Maßnahme „Installationswunsch als Pflichtfeld im Auftrag“ "
        "gemeldet.",
    )  # fmt: skip
    return draft


def _fresh_cases(context: _Context) -> list[_CaseDraft]:
    """A few complaints from just before the window, opened by hand at load time: within their SLA."""
    source = context.sources.get(demo_feedback.COMPLAINTS_SOURCE)
    if source is None:
        return []
    window = _at(WINDOW_START, 0)
    candidates = list(
        Feedback.objects.filter(
            source=source, external_id__startswith=demo_feedback.PREFIX, responded_at__gte=window - timedelta(days=7),
            responded_at__lt=window, touchpoint__isnull=False,
        ).select_related("touchpoint").order_by("-responded_at", "pk")[:FRESH_CASES]
    )  # fmt: skip
    # decided on the stable selection, so a second run finds the same records with their cases
    candidates = [f for f in candidates if not Case.objects.filter(feedback=f).exists()]
    now = timezone.now()
    drafts = []
    for index, feedback in enumerate(candidates):
        department_id = case_services.owner_department_id(feedback)
        department = next((d for d in context.departments.values() if d.pk == department_id), None)
        if department is None:
            continue
        rng = random.Random(f"{demo_feedback.SEED}-fresh-{feedback.external_id}")
        creator = context.users.get("ambassador.beschwerde")
        created = now - timedelta(hours=2 + 5 * index, minutes=rng.randint(0, 50))
        draft = _CaseDraft(feedback, None, department, Priority.NORMAL, created, 72, creator=creator)
        worker = _worker(context, department, rng)
        if worker is not None and index % 2 == 0:
            draft.assign(created + timedelta(minutes=rng.randint(10, 90)), worker, worker)
        drafts.append(draft)
    return drafts


def _write(drafts: list[_CaseDraft]) -> None:
    """Cases, their events and audit entries in bulk (`demo.feedback`'s executemany insert), with the times
    they happened; the case numbers as the services give them ("C-<year>-<id>")."""
    if not drafts:
        return
    ids = {}
    for draft in drafts:
        ids[draft.feedback.pk] = uuid.uuid4()
    rows = (
        {
            "public_id": ids[d.feedback.pk], "created_at": d.created, "updated_at": d.last(), "number": None,
            "feedback_id": d.feedback.pk, "rule_id": d.rule.pk if d.rule else None,
            "customer_id": d.feedback.customer_id, "touchpoint_id": d.feedback.touchpoint_id,
            "department_id": d.department.pk, "assignee_id": d.assignee.pk if d.assignee else None,
            "status": d.status, "priority": d.priority, "sla_due_at": d.sla_due_at, "escalated_at": d.escalated_at,
            "root_cause": d.root_cause, "root_cause_detail": d.root_cause_detail, "resolution": d.resolution,
            "closed_at": d.closed_at, "version": d.version,
        }
        for d in drafts
    )  # fmt: skip
    demo_feedback._insert(Case, rows)
    pks = dict(Case.objects.filter(public_id__in=list(ids.values())).values_list("public_id", "pk"))
    for year in sorted({d.created.year for d in drafts}):
        wanted = [pks[ids[d.feedback.pk]] for d in drafts if d.created.year == year]
        number = Concat(Value(f"C-{year}-"), LPad(Cast("pk", CharField()), 6, Value("0")), output_field=CharField())
        Case.objects.filter(pk__in=wanted).update(number=number)
    events, audits = [], []
    for draft in drafts:
        public_id = ids[draft.feedback.pk]
        case_id = pks[public_id]
        number = f"C-{draft.created.year}-{case_id:06d}"
        for event in draft.events:
            events.append({
                "case_id": case_id, "kind": event["kind"], "at": event["at"], "note": event["note"],
                "data": event["data"], "actor_id": event["actor"].pk if event["actor"] else None,
                "department_id": event["department"].pk,
                "from_department_id": event["from_department"].pk if event["from_department"] else None,
            })  # fmt: skip
        for at, actor, action, changes in draft.audits:
            audits.append({
                "at": at, "actor_id": actor.pk if actor else None, "action": action,
                "object_type": Case._meta.label_lower, "object_id": public_id, "object_repr": number,
                "changes": changes,
            })  # fmt: skip
    demo_feedback._insert(CaseEvent, events)
    demo_feedback._insert(AuditEntry, audits)
