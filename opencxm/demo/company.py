"""Musterfrau AG, the demo company: a German internet and landline provider (seed 002).

Plain Python data, no Django. The organisation: departments, channels, customer segments and users.
Touchpoints live in `demo.touchpoints`, journeys in `demo.journeys`. Everything is keyed by a natural key
(code, username) so the loader can run twice without changing anything.
"""

from opencxm.accounts.choices import Role
from opencxm.touchpoints.choices import ChannelKind

EMAIL_DOMAIN = "musterfrau.example"

# (code, name, description, customer_facing)
DEPARTMENTS = [
    (
        "marketing",
        "Marketing",
        "Markenauftritt, Kampagnen für den Glasfaserausbau, Tarifkommunikation und Newsletter. "
        "Verantwortet Website-Inhalte, Social-Media-Werbung und Vergleichsportale.",
        True,
    ),
    (
        "vertrieb",
        "Vertrieb",
        "Neukundengewinnung über Website, Vertriebshotline, Shops, Fachhandel und Haustürvertrieb in "
        "Ausbaugebieten. Verantwortet Tarifberatung, Vertragsabschluss und Rückgewinnung.",
        True,
    ),
    (
        "kundenservice",
        "Kundenservice (Hotline)",
        "Servicehotline, technische Hotline, Chat und E-Mail-Service für Privat- und Geschäftskunden. "
        "Erste Anlaufstelle bei Fragen zu Vertrag, Tarif, Rechnung und Störungen.",
        True,
    ),
    (
        "technik",
        "Technik & Netzbetrieb",
        "Betrieb des DSL- und Glasfasernetzes, Schaltung der Anschlüsse, Netzüberwachung im NMS und "
        "Störungsbeseitigung im Netz (2nd/3rd Level).",
        True,
    ),
    (
        "aussendienst",
        "Außendienst (Servicetechniker)",
        "Servicetechnikerinnen und -techniker vor Ort: Glasfaser-Hausanschluss, Installation beim Kunden, "
        "Entstörung an der Teilnehmeranschlussleitung. Terminplanung bisher telefonisch durch die Techniker selbst.",
        True,
    ),
    (
        "auftragsmanagement",
        "Auftragsmanagement & Provisionierung",
        "Erfasst und prüft Aufträge aus allen Vertriebskanälen, stößt Schaltung, Hardware-Versand und "
        "Technikereinsatz an (Order-to-Activation) und versendet Auftrags- und Willkommensbestätigungen.",
        True,
    ),
    (
        "rechnungswesen",
        "Rechnungswesen & Billing",
        "Rechnungsstellung, Zahlungseingang, Gutschriften, Mahnwesen und Preisanpassungen für Privat- und "
        "Geschäftskunden.",
        True,
    ),
    (
        "beschwerdemanagement",
        "Beschwerdemanagement",
        "Bearbeitet schriftliche Beschwerden, Eskalationen aus Hotline und Social Media sowie Anfragen der "
        "Schlichtungsstelle der Bundesnetzagentur.",
        True,
    ),
    (
        "logistik",
        "Logistik (Router-Versand)",
        "Versand von Routern, Glasfaser-Modems und Zubehör, Retouren von Altgeräten und Gerätetausch in den Shops.",
        True,
    ),
    (
        "it",
        "IT & Digitale Kanäle",
        "Betreibt Website, Kundenportal, Kunden-App, Chatbot und die Kernsysteme (SAP CRM, Billing, "
        "Ticket-System). Kein direkter Kundenkontakt.",
        False,
    ),
    (
        "cx-team",
        "CX-Team",
        "Customer-Experience-Management: Touchpoint-Register, Journey Maps, Kundenfeedback, CX-Board und "
        "Netzwerk der CX-Botschafter in allen Abteilungen.",
        False,
    ),
]

# (code, name, kind, description)
CHANNELS = [
    ("website", "Website", ChannelKind.WEB, "www.musterfrau.example mit Tarifen, Bestellstrecke und Hilfe-Center."),
    ("app", "Kunden-App „MeinMusterfrau“", ChannelKind.APP, "App für iOS und Android: Vertrag, Rechnung, Störung."),
    ("hotline", "Hotline", ChannelKind.HOTLINE, "Vertriebs-, Service- und technische Hotline, Mo–Sa 8–20 Uhr."),
    ("email", "E-Mail", ChannelKind.EMAIL, "Transaktions-E-Mails, Newsletter und Service-Postfach."),
    ("chat", "Chat", ChannelKind.CHAT, "Chatbot „Mia“ und Live-Chat auf Website und in der App."),
    ("shop", "Shop / Filiale", ChannelKind.SHOP, "Rund 40 Musterfrau-Shops in Innenstädten und Einkaufszentren."),
    (
        "techniker",
        "Außendienst / Techniker vor Ort",
        ChannelKind.FIELD_SERVICE,
        "Besuche der Servicetechniker beim Kunden: Hausanschluss, Installation, Entstörung.",
    ),
    (
        "brief",
        "Brief / Rechnung",
        ChannelKind.LETTER,
        "Vertragsunterlagen, Rechnungen und Mahnungen per Post oder PDF.",
    ),
    ("social", "Social Media", ChannelKind.SOCIAL, "Facebook, Instagram, X und Bewertungsportale."),
    (
        "partner",
        "Fachhandel / Partner",
        ChannelKind.PARTNER,
        "Elektrofachhandel, Haustürvertrieb, Wohnungswirtschaft und Vergleichsportale.",
    ),
    ("sms", "SMS", ChannelKind.OTHER, "Statusnachrichten per SMS: Lieferung, Technikerankunft, Entstörung."),
    ("versand", "Paketversand", ChannelKind.OTHER, "Zustellung und Rücksendung von Routern und Zubehör."),
]

SEGMENTS = [
    {
        "code": "preisbewusste-familien",
        "name": "Preisbewusste Familien",
        "is_target": False,
        "description": (
            "Familien mit zwei bis drei Kindern im Reihenhaus oder in der Mietwohnung, meist DSL 100 mit "
            "Festnetz-Flatrate. Vergleichen Preise genau, wechseln für Wechselbonus und melden sich lieber "
            "telefonisch oder im Shop als per App."
        ),
        "decision_drivers": [
            "Monatlicher Preis",
            "Wechselbonus und Aktionsrabatte",
            "Empfehlungen von Freunden und Nachbarn",
            "Vertragslaufzeit und Kündigungsfrist",
            "Erreichbarkeit der Hotline",
        ],
        "preferred_channels": ["hotline", "shop", "brief", "partner"],
        "needs": [
            "Stabiles Internet am Abend für Homeschooling, Streaming und Videotelefonie",
            "Gleichbleibende monatliche Kosten ohne Überraschungen auf der Rechnung",
            "Schnelle Hilfe bei Störungen ohne lange Warteschleife",
            "Persönliche Beratung im Shop in der Nähe",
            "Einfache Router-Einstellungen, auch für Jugendschutz und WLAN für Gäste",
        ],
    },
    {
        "code": "digitale-vielnutzer",
        "name": "Digitale Vielnutzer",
        "is_target": True,
        "description": (
            "Wunschkunden: Singles und Paare zwischen 25 und 45, streamen, spielen online und arbeiten in der "
            "Cloud. Buchen Glasfaser bis 1 Gbit/s, erledigen alles digital und erwarten Statusinformationen "
            "wie bei einer Paketverfolgung."
        ),
        "decision_drivers": [
            "Geschwindigkeit und Latenz (Glasfaser bis 1 Gbit/s)",
            "Digitale Self-Services in App und Kundenportal",
            "Online-Bewertungen und Testberichte",
            "Flexible Vertragslaufzeit",
            "Schnelle Installation ohne Wartezeit",
        ],
        "preferred_channels": ["website", "app", "chat", "social", "email"],
        "needs": [
            "Hohe Bandbreite und niedrige Latenz zu jeder Tageszeit",
            "Bestellung, Terminbuchung und Rechnung vollständig digital erledigen",
            "Verbindliche Technikertermine mit Statusinformationen in Echtzeit",
            "Schnelle Schaltung ohne Medienbrüche und doppelte Rückfragen",
            "Fairer Preis pro Mbit/s ohne versteckte Kosten",
            "Einen Techniker, der den Auftrag kennt",
        ],
    },
    {
        "code": "kleingewerbe-homeoffice",
        "name": "Kleingewerbe & Homeoffice",
        "is_target": True,
        "description": (
            "Wunschkunden: Selbstständige, Handwerksbetriebe, Praxen und Angestellte im Homeoffice. Internet "
            "und Festnetz sind ihre Arbeitsgrundlage; jeder Ausfalltag kostet Umsatz. Wollen einen festen "
            "Ansprechpartner und nachvollziehbare Rechnungen."
        ),
        "decision_drivers": [
            "Entstörzeit und Service-Level",
            "Verlässlichkeit des Anschlusses",
            "Feste IP-Adresse und Business-Router",
            "Kostentransparenz und Vorsteuerausweis",
        ],
        "preferred_channels": ["hotline", "email", "techniker", "app"],
        "needs": [
            "Ausfallsicherheit: Entstörung innerhalb von 24 Stunden",
            "Fester Ansprechpartner, der den Vorgang kennt",
            "Nachvollziehbare Rechnungen mit Vorsteuerausweis, digital abrufbar",
            "Rufnummernmitnahme und feste IP-Adresse beim Umzug",
            "Umzug des Anschlusses ohne Unterbrechung des Geschäftsbetriebs",
        ],
    },
]

# username -> first name, last name, memberships [(department code, role)], admin flag.
# `lead`, `team`, `ambassador.service`, `board`, `contributor`, `viewer` and `admin` are printed by `opencxm demo`.
USERS = [
    ("lead", "Katrin", "Vogel", [("cx-team", Role.CX_LEAD)], False),
    ("team", "Jonas", "Berger", [("cx-team", Role.CX_TEAM)], False),
    ("ambassador.service", "Aylin", "Demir", [("kundenservice", Role.AMBASSADOR)], False),
    ("ambassador.vertrieb", "Tobias", "Wagner", [("vertrieb", Role.AMBASSADOR)], False),
    ("ambassador.marketing", "Lea", "Schmitt", [("marketing", Role.AMBASSADOR)], False),
    ("ambassador.technik", "Stefan", "Krüger", [("technik", Role.AMBASSADOR)], False),
    ("ambassador.aussendienst", "Marco", "Schulte", [("aussendienst", Role.AMBASSADOR)], False),
    ("ambassador.auftrag", "Nadine", "Hoffmann", [("auftragsmanagement", Role.AMBASSADOR)], False),
    ("ambassador.beschwerde", "Sabine", "Koch", [("beschwerdemanagement", Role.AMBASSADOR)], False),
    # The CX board: heads of the line departments, each a member of their own department.
    ("board", "Michael", "Richter", [("vertrieb", Role.BOARD_MEMBER)], False),
    ("board.service", "Claudia", "Neumann", [("kundenservice", Role.BOARD_MEMBER)], False),
    ("board.technik", "Frank", "Weber", [("technik", Role.BOARD_MEMBER)], False),
    ("board.finanzen", "Andrea", "Zimmermann", [("rechnungswesen", Role.BOARD_MEMBER)], False),
    ("contributor", "Dennis", "Lehmann", [("aussendienst", Role.CONTRIBUTOR)], False),
    ("viewer", "Petra", "Schäfer", [("rechnungswesen", Role.VIEWER)], False),
    ("admin", "Thomas", "Braun", [("it", Role.VIEWER)], True),
]

# Customer-facing departments deliberately left without an ambassador: the organisation page shows the gap.
DEPARTMENTS_WITHOUT_AMBASSADOR = ["logistik", "rechnungswesen"]


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def email_for(first_name: str, last_name: str) -> str:
    """katrin.vogel@musterfrau.example; umlauts spelled out as in real mail addresses."""
    local = f"{first_name}.{last_name}".lower().translate(_UMLAUTS)
    return f"{local}@{EMAIL_DOMAIN}"
