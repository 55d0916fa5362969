"""Four journey maps of Musterfrau AG (plain data, no Django).

Each journey: name, segment code, kind, description, and stages [(name, description, steps)]; each step
(touchpoint code, customer action, customer thoughts, emotion -2..+2, target score on a CSAT-like 1-5
scale, pain points). Journeys are keyed by (name, segment, kind): the target journey shares the name of
the current one.

The current Glasfaser journey tells the story of seed 002: Vertrieb sells, the order goes to the
Auftragsmanagement, and the appointment request never reaches the Außendienst technician.
"""

GLASFASER = "Neukunde Glasfaser: vom Interesse bis zur Nutzung"


def _step(touchpoint, action, thoughts, emotion, score, pain=""):
    return {
        "touchpoint": touchpoint,
        "customer_action": action,
        "customer_thoughts": thoughts,
        "emotion": emotion,
        "target_score": score,
        "pain_points": pain,
    }


GLASFASER_CURRENT = {
    "name": GLASFASER,
    "segment": "digitale-vielnutzer",
    "kind": "current",
    "description": (
        "Ist-Zustand: Ein digitaler Vielnutzer bestellt Glasfaser online. Vertrieb, Auftragsmanagement, Logistik "
        "und Außendienst arbeiten nacheinander, aber nicht miteinander. Der Tiefpunkt liegt bei der Installation."
    ),
    "stages": [
        (
            "Aufmerksamkeit",
            "Der Kunde erfährt, dass in seiner Straße Glasfaser ausgebaut wird.",
            [
                _step(
                    "TP-SOC-01",
                    "Sieht die Glasfaser-Anzeige auf Instagram.",
                    "Endlich Glasfaser bei uns – 1 Gbit/s klingt gut.",
                    1,
                    "3.8",
                ),
                _step(
                    "TP-PART-02",
                    "Spricht mit dem Vertriebspartner an der Haustür.",
                    "Nett, aber ich will mir das lieber selbst in Ruhe online anschauen.",
                    0,
                    "3.5",
                    "Haustürberatung wirkt aufdringlich; Angebot weicht vom Online-Preis ab.",
                ),
            ],
        ),
        (
            "Information",
            "Er prüft Verfügbarkeit und Tarife.",
            [
                _step(
                    "TP-WEB-02",
                    "Gibt seine Adresse in die Verfügbarkeitsprüfung ein.",
                    "Glasfaser verfügbar – aber wann genau?",
                    1,
                    "4.0",
                    "Kein Ausbau- oder Schalttermin sichtbar.",
                ),
                _step(
                    "TP-WEB-03",
                    "Vergleicht 500 Mbit/s und 1 Gbit/s im Tarifrechner.",
                    "Übersichtlich, der Router ist gleich dabei.",
                    1,
                    "4.1",
                ),
            ],
        ),
        (
            "Kauf",
            "Er bestellt online; der Auftrag geht vom Vertrieb an das Auftragsmanagement.",
            [
                _step(
                    "TP-WEB-04",
                    "Bestellt den Tarif „Glasfaser 1000“ mit Wunschtermin und Rufnummernmitnahme.",
                    "In zehn Minuten erledigt, das war einfach.",
                    2,
                    "4.4",
                ),
                _step(
                    "TP-MAIL-01",
                    "Liest die Auftragsbestätigung.",
                    "Schaltung in drei bis sechs Wochen? Und wann kommt der Techniker?",
                    0,
                    "3.9",
                    "Kein Technikertermin, nur ein vager Zeitraum; Wunschtermin aus der Bestellung wird ignoriert.",
                ),
            ],
        ),
        (
            "Installation",
            "Router kommt, der Technikertermin muss erst erkämpft werden.",
            [
                _step(
                    "TP-VERS-01",
                    "Nimmt das Paket mit dem Router an.",
                    "Der Router ist da – dann kann es ja bald losgehen.",
                    1,
                    "4.2",
                ),
                _step(
                    "TP-HOT-08",
                    "Ruft mehrfach beim Techniker an, um einen Installationstermin auszumachen.",
                    "Ich muss dem Techniker selbst hinterhertelefonieren? "
                    "Er weiß nicht einmal, dass ich bestellt habe.",
                    -2,
                    "4.0",
                    "Terminanfrage aus dem Auftragsmanagement erreicht den Außendienst nicht; Kunde muss den "
                    "Techniker selbst anrufen, der oft nicht erreichbar ist.",
                ),
                _step(
                    "TP-TECH-02",
                    "Lässt den Techniker in die Wohnung und erklärt den Auftrag noch einmal.",
                    "Warum weiß der Techniker nichts von meinem Auftrag? Ich habe doch alles online angegeben.",
                    -2,
                    "4.2",
                    "Techniker hat keine Auftragsdetails (Tarif, Leitungsweg, Rufnummernmitnahme); zweiter "
                    "Termin nötig, weil Material fehlt.",
                ),
            ],
        ),
        (
            "Schaltung",
            "Der Anschluss wird geschaltet und aktiviert.",
            [
                _step(
                    "TP-TECH-03",
                    "Wartet nach dem Technikerbesuch auf die Schaltung.",
                    "Die Dose hängt an der Wand, aber Internet habe ich noch keins.",
                    -1,
                    "4.3",
                    "Schaltung erst zwei Tage nach der Installation; niemand informiert den Kunden.",
                ),
                _step(
                    "TP-MAIL-02",
                    "Erhält Zugangsdaten und richtet den Router ein.",
                    "Jetzt läuft es – und es ist wirklich schnell.",
                    1,
                    "4.3",
                ),
            ],
        ),
        (
            "Nutzung",
            "Er nutzt den Anschluss und die App.",
            [
                _step(
                    "TP-APP-01",
                    "Registriert sich in der App.",
                    "Praktisch, dass ich alles in der App sehe.",
                    1,
                    "4.3",
                ),
                _step(
                    "TP-APP-05",
                    "Prüft gebuchte Optionen und Geschwindigkeit.",
                    "Die volle Geschwindigkeit kommt an. So soll es sein.",
                    2,
                    "4.5",
                ),
            ],
        ),
        (
            "Rechnung",
            "Die erste Rechnung kommt.",
            [
                _step(
                    "TP-BRIEF-02",
                    "Prüft die erste Rechnung.",
                    "Warum zahle ich den ganzen Monat, obwohl ich zwei Wochen kein Internet hatte?",
                    -1,
                    "4.0",
                    "Anteilige Beträge und Bereitstellungsentgelt nicht erklärt; Rechnung beginnt mit dem "
                    "Installationstermin, nicht mit der Schaltung.",
                ),
            ],
        ),
    ],
}

GLASFASER_TARGET = {
    "name": GLASFASER,
    "segment": "digitale-vielnutzer",
    "kind": "target",
    "description": (
        "Soll-Zustand: Der Kunde bucht seinen Technikertermin direkt bei der Bestellung, verfolgt den Auftrag in "
        "der App, und der Techniker kommt mit dem vollständigen Auftrag. Weniger Übergaben, keine Telefonjagd."
    ),
    "stages": [
        (
            "Aufmerksamkeit",
            "Der Kunde erfährt vom Glasfaserausbau und sieht, wann er dran ist.",
            [
                _step(
                    "TP-SOC-01",
                    "Sieht die Glasfaser-Anzeige auf Instagram.",
                    "Endlich Glasfaser bei uns.",
                    1,
                    "4.0",
                ),
                _step(
                    "TP-WEB-10",
                    "Prüft auf der Ausbaukarte den Baufortschritt in seiner Straße.",
                    "Ausbau im März, Schaltung ab April – das kann ich planen.",
                    1,
                    "4.2",
                ),
            ],
        ),
        (
            "Information",
            "Er prüft Verfügbarkeit und lässt sich im Chat beraten.",
            [
                _step(
                    "TP-WEB-02",
                    "Gibt seine Adresse ein und sieht den frühesten Schalttermin.",
                    "Verfügbar ab dem 15. April, gut zu wissen.",
                    1,
                    "4.3",
                ),
                _step(
                    "TP-CHAT-03",
                    "Fragt im Chat nach der Rufnummernmitnahme.",
                    "Schnelle, klare Antwort – ohne Warteschleife.",
                    1,
                    "4.3",
                ),
            ],
        ),
        (
            "Kauf",
            "Bestellung und Technikertermin in einem Schritt.",
            [
                _step(
                    "TP-WEB-04",
                    "Bestellt online und wählt gleich ein Zeitfenster für den Techniker.",
                    "Bestellt und Termin gebucht – fertig.",
                    2,
                    "4.6",
                ),
                _step(
                    "TP-APP-06",
                    "Bekommt den Termin bestätigt und kann ihn in der App verschieben.",
                    "Donnerstag, 8 bis 10 Uhr, Techniker Herr Lehmann. Passt.",
                    2,
                    "4.5",
                ),
            ],
        ),
        (
            "Installation",
            "Router, Status und Techniker kommen pünktlich und informiert.",
            [
                _step(
                    "TP-APP-02",
                    "Verfolgt im Auftragsstatus Versand, Technikertermin und Schaltung.",
                    "Ich sehe genau, wo mein Auftrag steht – wie bei einem Paket.",
                    1,
                    "4.4",
                ),
                _step(
                    "TP-SMS-02",
                    "Erhält eine SMS, dass der Techniker in 30 Minuten da ist.",
                    "Super, ich muss nicht den ganzen Tag warten.",
                    1,
                    "4.4",
                ),
                _step(
                    "TP-TECH-06",
                    "Lässt den Techniker herein, der den Auftrag schon kennt.",
                    "Er wusste, dass ich 1 Gbit/s und meine alte Rufnummer will. In einer Stunde war alles fertig.",
                    2,
                    "4.6",
                    "Voraussetzung: Auftragsdaten aus dem CRM im Einsatzplan des Außendienstes.",
                ),
            ],
        ),
        (
            "Schaltung",
            "Schaltung beim Technikerbesuch, nicht Tage später.",
            [
                _step(
                    "TP-TECH-03",
                    "Testet gemeinsam mit dem Techniker Internet und Telefon.",
                    "Läuft sofort – so muss das sein.",
                    2,
                    "4.6",
                ),
                _step(
                    "TP-MAIL-02",
                    "Erhält die Willkommens-E-Mail mit App-Aktivierung.",
                    "Alles Wichtige auf einen Blick.",
                    1,
                    "4.4",
                ),
            ],
        ),
        (
            "Nutzung",
            "Er nutzt Anschluss und App.",
            [
                _step(
                    "TP-APP-05",
                    "Prüft gebuchte Optionen und Geschwindigkeit.",
                    "Volle Geschwindigkeit, alles transparent.",
                    2,
                    "4.6",
                ),
            ],
        ),
        (
            "Rechnung",
            "Eine erste Rechnung, die sich selbst erklärt.",
            [
                _step(
                    "TP-APP-03",
                    "Öffnet die erste Rechnung in der App.",
                    "Abgerechnet ab dem Tag der Schaltung, jede Position erklärt.",
                    1,
                    "4.4",
                ),
            ],
        ),
    ],
}

STOERUNG = {
    "name": "Störung melden und beheben",
    "segment": "preisbewusste-familien",
    "kind": "current",
    "description": (
        "Ist-Zustand: Eine Familie hat abends kein Internet. Zwischen Hotline, Technik, Außendienst und "
        "Rechnungswesen geht Information verloren; eine Gutschrift gibt es erst nach der Beschwerde."
    ),
    "stages": [
        (
            "Störung bemerken",
            "Das Internet fällt aus; die Familie sucht nach der Ursache.",
            [
                _step(
                    "TP-WEB-06",
                    "Schaut auf dem Handy nach, ob eine Störung bekannt ist.",
                    "Keine Störung gemeldet – liegt es an unserem Router?",
                    -1,
                    "3.8",
                    "Netzstatus zeigt lokale Störungen nicht an.",
                ),
                _step(
                    "TP-APP-04",
                    "Startet die Leitungsdiagnose in der App.",
                    "Fehler auf der Leitung – und jetzt?",
                    -1,
                    "3.9",
                    "Diagnose erkennt den Fehler, legt aber kein Ticket an.",
                ),
            ],
        ),
        (
            "Störung melden",
            "Die Familie ruft die technische Hotline an.",
            [
                _step(
                    "TP-HOT-04",
                    "Wählt sich durch das Sprachmenü und wartet.",
                    "Zwanzig Minuten Warteschleife, die Kinder brauchen das Internet für die Schule.",
                    -2,
                    "3.5",
                    "Wartezeit über 15 Minuten am Abend; Rückruf wird nicht angeboten.",
                ),
                _step(
                    "TP-HOT-03",
                    "Schildert die Störung und macht die Schritte am Router mit.",
                    "Das habe ich doch schon alles in der App gemacht.",
                    -1,
                    "4.0",
                    "Ergebnis der App-Diagnose liegt der Hotline nicht vor.",
                ),
            ],
        ),
        (
            "Termin",
            "Ein Technikereinsatz wird vereinbart.",
            [
                _step(
                    "TP-TECH-01",
                    "Wartet auf den Anruf der Disposition und vereinbart einen Termin.",
                    "Ein Zeitfenster von 8 bis 16 Uhr? Da muss ich mir freinehmen.",
                    -2,
                    "3.8",
                    "Lange Zeitfenster, Termin erst nach drei Tagen.",
                ),
            ],
        ),
        (
            "Entstörung",
            "Der Techniker behebt die Störung.",
            [
                _step(
                    "TP-TECH-04",
                    "Lässt den Techniker an den Hausanschluss.",
                    "Er hat es in einer halben Stunde gefunden. Endlich.",
                    1,
                    "4.3",
                ),
                _step(
                    "TP-SMS-03",
                    "Erhält die SMS, dass die Störung behoben ist.",
                    "Gut, dass ich es auch schriftlich habe.",
                    1,
                    "4.2",
                ),
            ],
        ),
        (
            "Rechnung",
            "Die nächste Rechnung kommt.",
            [
                _step(
                    "TP-BRIEF-03",
                    "Sucht auf der Rechnung eine Gutschrift für die Ausfalltage.",
                    "Vier Tage kein Internet und trotzdem der volle Preis?",
                    -1,
                    "3.9",
                    "Entschädigung nach TKG wird nicht automatisch gutgeschrieben.",
                ),
                _step(
                    "TP-HOT-05",
                    "Ruft bei der Rechnungshotline an.",
                    "Dafür muss ich mich extra beschweren?",
                    -2,
                    "3.7",
                    "Hotline verweist an das Beschwerdemanagement.",
                ),
            ],
        ),
        (
            "Beschwerde",
            "Die Familie beschwert sich schriftlich.",
            [
                _step(
                    "TP-MAIL-08",
                    "Schreibt eine Beschwerde über das Formular.",
                    "Mal sehen, ob das überhaupt jemand liest.",
                    -1,
                    "3.8",
                ),
                _step(
                    "TP-HOT-09",
                    "Wird vom Eskalationsteam zurückgerufen und erhält eine Gutschrift.",
                    "Immerhin haben sie sich entschuldigt und es gutgeschrieben.",
                    1,
                    "4.1",
                ),
            ],
        ),
        (
            "Nachbereitung",
            "Musterfrau AG fragt nach der Zufriedenheit.",
            [
                _step(
                    "TP-MAIL-07",
                    "Beantwortet die Kurzumfrage.",
                    "Die Technik war gut, der Weg dahin nicht.",
                    0,
                    "4.0",
                ),
            ],
        ),
    ],
}

UMZUG = {
    "name": "Umzug mit Festnetz und Internet",
    "segment": "kleingewerbe-homeoffice",
    "kind": "current",
    "description": (
        "Ist-Zustand: Eine selbstständige Steuerberaterin zieht mit ihrem Homeoffice um und braucht Internet, "
        "Rufnummer und feste IP ab dem ersten Tag. Der Umzug läuft über fünf Abteilungen."
    ),
    "stages": [
        (
            "Umzug planen",
            "Die Kundin prüft, ob ihr Tarif an die neue Adresse mitgeht.",
            [
                _step(
                    "TP-WEB-02",
                    "Prüft die Verfügbarkeit an der neuen Adresse.",
                    "Gibt es dort Glasfaser, oder muss ich zurück auf DSL?",
                    0,
                    "4.0",
                ),
                _step(
                    "TP-WEB-08",
                    "Füllt das Online-Umzugsformular aus.",
                    "Feste IP und Rufnummer kann ich hier gar nicht angeben.",
                    -1,
                    "4.0",
                    "Formular kennt keine Geschäftskunden-Optionen.",
                ),
            ],
        ),
        (
            "Umzug beauftragen",
            "Die Kundin klärt die Details telefonisch.",
            [
                _step(
                    "TP-HOT-02",
                    "Ruft die Servicehotline an, um feste IP und Rufnummer zu klären.",
                    "Ich erkläre das jetzt zum zweiten Mal.",
                    -1,
                    "4.0",
                    "Formulardaten liegen der Hotline nicht vor.",
                ),
                _step(
                    "TP-MAIL-01",
                    "Erhält die Auftragsbestätigung für den Umzug.",
                    "Umzugstermin bestätigt – aber wer kommt wann?",
                    0,
                    "4.1",
                ),
            ],
        ),
        (
            "Anschluss am neuen Standort",
            "Installation und Schaltung an der neuen Adresse.",
            [
                _step(
                    "TP-TECH-01",
                    "Wird zwei Tage vor dem Umzug wegen eines Technikertermins angerufen.",
                    "Erst nach dem Umzug? Dann kann ich drei Tage nicht arbeiten.",
                    -2,
                    "3.8",
                    "Termin wird erst nach dem Umzugsdatum vergeben; Auftragsmanagement plant ohne Außendienst.",
                ),
                _step(
                    "TP-TECH-02",
                    "Empfängt den Techniker in den neuen Büroräumen.",
                    "Er wusste nichts von der festen IP-Adresse.",
                    -2,
                    "4.0",
                    "Geschäftskundenoptionen fehlen im Einsatzauftrag.",
                ),
                _step(
                    "TP-TECH-03",
                    "Testet Internet und Telefonie nach der Schaltung.",
                    "Endlich wieder online und unter meiner Nummer erreichbar.",
                    1,
                    "4.3",
                ),
            ],
        ),
        (
            "Geräte",
            "Alter Router zurück, neues Modem an.",
            [
                _step(
                    "TP-SHOP-03",
                    "Tauscht den alten DSL-Router im Shop gegen ein Glasfaser-Modem.",
                    "Schnell erledigt, das war unkompliziert.",
                    1,
                    "4.3",
                ),
                _step(
                    "TP-VERS-02",
                    "Erhält trotzdem eine Aufforderung, das Altgerät zurückzuschicken.",
                    "Den habe ich doch im Shop abgegeben.",
                    -1,
                    "4.0",
                    "Rückgabe im Shop wird in der Logistik nicht verbucht.",
                ),
            ],
        ),
        (
            "Rechnung",
            "Die erste Rechnung nach dem Umzug.",
            [
                _step(
                    "TP-BRIEF-03",
                    "Prüft die Rechnung für den Umzugsmonat.",
                    "Alter und neuer Anschluss doppelt berechnet – und die Vorsteuer fehlt.",
                    -2,
                    "3.9",
                    "Doppelte Abrechnung im Umzugsmonat; Rechnung ohne Umsatzsteuerausweis.",
                ),
                _step(
                    "TP-HOT-05",
                    "Ruft bei der Rechnungshotline an.",
                    "Ich brauche eine korrigierte Rechnung für meine Buchhaltung.",
                    -1,
                    "4.0",
                ),
            ],
        ),
        (
            "Klärung",
            "Beschwerde und Gutschrift.",
            [
                _step(
                    "TP-MAIL-08",
                    "Beschwert sich schriftlich über Ausfall und Doppelabrechnung.",
                    "Als Geschäftskundin erwarte ich mehr.",
                    -1,
                    "3.9",
                ),
                _step(
                    "TP-BRIEF-08",
                    "Erhält eine korrigierte Rechnung und eine Gutschrift.",
                    "Gut gelöst, aber es hat zu lange gedauert.",
                    1,
                    "4.2",
                ),
            ],
        ),
    ],
}

JOURNEYS = [GLASFASER_CURRENT, GLASFASER_TARGET, STOERUNG, UMZUG]
