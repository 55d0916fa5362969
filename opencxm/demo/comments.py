"""Comment templates for the demo feedback of Musterfrau AG (plain data and one composing function, no Django).

Comments are composed from topic sentences in German (most customers) and English (a few), chosen by the
touchpoint's topics and by the sentiment of the scores ("neg", "mix", "pos"). Slots such as {minuten} are
filled with varied numbers; a small share gets typos, umlauts written out, lower case, invented names or
fake contact details (only @example.com addresses and +49 30 1234567-style numbers) so that PII redaction
has something to find. No real personal data.
"""

import random

NEG, MIX, POS = "neg", "mix", "pos"

# topic -> language -> sentiment -> sentences
TOPICS: dict[str, dict[str, dict[str, list[str]]]] = {
    "wartezeit": {
        "de": {
            NEG: [
                "Ich hing {minuten} Minuten in der Warteschleife, das ist eine Zumutung.",
                "Über {minuten} Minuten Wartezeit an der Hotline, und dann wurde ich einfach rausgeworfen.",
                "Die Hotline ist praktisch nicht erreichbar, dreimal angerufen und nie durchgekommen.",
                "Warteschleife mit Musik in Dauerschleife, nach {minuten} Minuten habe ich aufgelegt.",
                "Viel zu lange Wartezeiten, gerade abends ist niemand zu erreichen.",
            ],
            MIX: [
                "Die Wartezeit war mit {minuten} Minuten zu lang, aber dann wurde mir geholfen.",
                "Warten musste ich schon eine Weile, der Mitarbeiter war dann aber kompetent.",
            ],
            POS: [
                "Kaum Wartezeit, nach zwei Minuten hatte ich jemanden am Telefon.",
                "Sofort durchgekommen, das kenne ich von anderen Anbietern ganz anders.",
                "Erstaunlich kurze Wartezeit an der Hotline.",
            ],
        },
        "en": {
            NEG: [
                "I was on hold for {minuten} minutes, that is unacceptable.",
                "Could not get through to the hotline at all, tried three times.",
            ],
            MIX: ["Long wait on the phone, but the agent sorted it out in the end."],
            POS: ["Hardly any waiting time on the hotline, great."],
        },
    },
    "sprachmenue": {
        "de": {
            NEG: [
                "Das Sprachmenü versteht mich nicht, ich musste fünfmal meine Kundennummer sagen.",
                "Im Sprachmenü gibt es keine passende Option für mein Anliegen.",
                "Man wird im Sprachmenü im Kreis geschickt und landet wieder am Anfang.",
            ],
            MIX: ["Das Sprachmenü ist umständlich, am Ende bin ich aber richtig verbunden worden."],
            POS: ["Das Sprachmenü hat mich direkt zur richtigen Stelle durchgestellt."],
        },
        "en": {
            NEG: ["The voice menu only understands German, I kept being sent back to the start."],
            MIX: ["The phone menu is confusing but I got through eventually."],
            POS: ["The phone menu put me straight through to the right team."],
        },
    },
    "freundlich": {
        "de": {
            NEG: [
                "Der Mitarbeiter war unfreundlich und hat mich nicht ausreden lassen.",
                "Ich fühlte mich am Telefon abgewimmelt.",
            ],
            MIX: ["Freundlich war die Mitarbeiterin, lösen konnte sie mein Problem aber nicht."],
            POS: [
                "Sehr freundlicher Mitarbeiter, hat sich richtig Zeit genommen.",
                "Die Dame am Telefon war super nett und geduldig.",
                "Kompetente und freundliche Beratung, vielen Dank an {name}!",
                "Endlich mal jemand, der zuhört und mitdenkt.",
            ],
        },
        "en": {
            NEG: ["The agent was rude and did not let me finish."],
            MIX: ["Friendly staff, but the problem is still not solved."],
            POS: ["Very friendly and patient agent, thank you!", "Helpful and polite service, many thanks to {name}."],
        },
    },
    "schnelle_loesung": {
        "de": {
            NEG: [
                "Mein Anliegen ist nach {tage} Tagen immer noch nicht gelöst.",
                "Jeder sagt etwas anderes, ich musste mein Problem dreimal erklären.",
                "Ich wurde von Abteilung zu Abteilung weitergereicht.",
            ],
            MIX: ["Hat etwas gedauert, aber jetzt funktioniert alles."],
            POS: [
                "Problem wurde sofort im ersten Gespräch gelöst.",
                "Schnelle und unkomplizierte Lösung, so soll es sein.",
                "In fünf Minuten war alles erledigt, top!",
            ],
        },
        "en": {
            NEG: ["Still not resolved after {tage} days, I had to explain everything again and again."],
            MIX: ["Took a while, but it works now."],
            POS: ["Solved on the first call, quick and easy.", "Fast and uncomplicated solution."],
        },
    },
    "rueckruf": {
        "de": {
            NEG: [
                "Mir wurde ein Rückruf versprochen, der nie kam.",
                "Rückruf innerhalb von 24 Stunden? Ich warte seit {tage} Tagen.",
            ],
            MIX: ["Der Rückruf kam, allerdings erst am nächsten Tag statt wie zugesagt am selben."],
            POS: ["Der Rückruf kam pünktlich zur vereinbarten Zeit, sehr angenehm.", "Rückruf hat super geklappt."],
        },
        "en": {
            NEG: ["They promised to call me back and never did."],
            MIX: ["The callback came a day late."],
            POS: ["Got the callback exactly when promised."],
        },
    },
    "stoerung": {
        "de": {
            NEG: [
                "Seit {tage} Tagen kein Internet, und niemand kann mir sagen, wann es wieder geht.",
                "Ständige Verbindungsabbrüche, gerade im Homeoffice eine Katastrophe.",
                "Die Störung wurde als behoben gemeldet, besteht aber weiterhin.",
                "Dritte Störung in diesem Monat, so kann ich nicht arbeiten.",
            ],
            MIX: ["Die Störung hat {tage} Tage gedauert, die Infos per SMS waren aber hilfreich."],
            POS: [
                "Die Störung war innerhalb weniger Stunden behoben.",
                "Schnelle Entstörung, und ich wurde die ganze Zeit auf dem Laufenden gehalten.",
                "Die Leitungsdiagnose hat das Problem sofort gefunden.",
            ],
        },
        "en": {
            NEG: ["No internet for {tage} days and nobody can tell me when it will be fixed."],
            MIX: ["The outage took {tage} days, but the text updates were useful."],
            POS: ["The fault was fixed within a few hours."],
        },
    },
    "wlan": {
        "de": {
            NEG: [
                "Das WLAN ist viel zu langsam, statt 100 Mbit kommen abends kaum 20 an.",
                "WLAN langsam und instabil, Videokonferenzen brechen ständig ab.",
                "Gebucht habe ich 250 Mbit, messen kann ich nicht einmal die Hälfte.",
            ],
            MIX: ["Die Geschwindigkeit passt tagsüber, abends wird es deutlich langsamer."],
            POS: [
                "Das Internet läuft schnell und stabil, auch abends beim Streamen.",
                "Endlich stabiles WLAN im ganzen Haus.",
            ],
        },
        "en": {
            NEG: ["WiFi is really slow, in the evening I barely get 20 Mbit."],
            MIX: ["Speed is fine during the day but drops in the evening."],
            POS: ["Fast and stable connection, even in the evening."],
        },
    },
    "rechnung": {
        "de": {
            NEG: [
                "Die Rechnung ist falsch, mir wurden {betrag} € zu viel abgebucht.",
                "Auf der ersten Rechnung stehen Posten, die ich nie bestellt habe.",
                "Die Rechnung ist völlig unverständlich, was ist eine anteilige Grundgebühr?",
                "Doppelte Abbuchung im {monat}, und die Gutschrift lässt auf sich warten.",
                "Trotz Kündigung wird weiter abgebucht.",
            ],
            MIX: [
                "Die Rechnung war erst falsch, wurde aber nach meinem Anruf korrigiert.",
                "Rechnung ok, aber die erste war deutlich höher als erwartet.",
            ],
            POS: [
                "Die Rechnung ist übersichtlich und nachvollziehbar.",
                "Gutschrift kam schnell, danke für die unkomplizierte Korrektur.",
                "Rechnung stimmt, alles klar.",
            ],
        },
        "en": {
            NEG: [
                "The bill is wrong, I was charged {betrag} EUR too much.",
                "My first invoice contains items I never ordered.",
            ],
            MIX: ["The invoice was wrong at first but they corrected it."],
            POS: ["Clear and easy to understand invoice."],
        },
    },
    "preiserhoehung": {
        "de": {
            NEG: [
                "Schon wieder eine Preiserhöhung, das ist das zweite Mal in einem Jahr.",
                "Die Preiserhöhung um {betrag} € im Monat ist nicht nachvollziehbar.",
                "Preisanpassung ohne jede Verbesserung der Leistung, ich überlege zu wechseln.",
                "Das Schreiben zur Preisanpassung ist klein gedruckt und versteckt das Sonderkündigungsrecht.",
            ],
            MIX: ["Die Preiserhöhung ärgert mich, aber immerhin wurde sie klar angekündigt."],
            POS: ["Die Preisanpassung wurde fair und verständlich erklärt."],
        },
        "en": {
            NEG: ["Another price increase, the second one this year."],
            MIX: ["Not happy about the price increase, but at least it was announced clearly."],
            POS: ["The price change was explained fairly."],
        },
    },
    "vertragslaufzeit": {
        "de": {
            NEG: [
                "Die Vertragslaufzeit von 24 Monaten wurde mir beim Abschluss nicht klar gesagt.",
                "Ich komme aus dem Vertrag nicht raus, obwohl die Leistung nicht stimmt.",
                "Die automatische Verlängerung ist ärgerlich und war mir nicht bewusst.",
            ],
            MIX: ["Die Laufzeit ist lang, dafür ist der Preis in Ordnung."],
            POS: ["Die Vertragsdetails wurden transparent erklärt.", "Flexible Laufzeit, genau was ich wollte."],
        },
        "en": {
            NEG: ["Nobody told me about the 24-month minimum term."],
            MIX: ["Long contract term, but a fair price."],
            POS: ["Contract terms were explained clearly."],
        },
    },
    "kuendigung": {
        "de": {
            NEG: [
                "Die Kündigung war extrem umständlich, ich musste dreimal anrufen.",
                "Kündigung eingereicht und nach {tage} Tagen immer noch keine Bestätigung.",
                "Bei der Kündigung wollte man mich mit Angeboten überreden, ich wollte einfach nur kündigen.",
            ],
            MIX: ["Kündigung hat geklappt, die Bestätigung kam aber erst spät."],
            POS: [
                "Die Kündigung ging schnell und ohne Diskussion.",
                "Man hat mir ein gutes Angebot gemacht, ich bleibe doch.",
            ],
        },
        "en": {
            NEG: ["Cancelling was a nightmare, three calls and still no confirmation."],
            MIX: ["Cancellation worked, but the confirmation took long."],
            POS: ["Cancellation was quick and easy."],
        },
    },
    "umzug": {
        "de": {
            NEG: [
                "Beim Umzug war ich {wochen} Wochen ohne Internet.",
                "Umzug rechtzeitig gemeldet, trotzdem war der Anschluss in der neuen Wohnung nicht geschaltet.",
            ],
            MIX: ["Der Umzug hat geklappt, aber erst eine Woche später als versprochen."],
            POS: ["Umzug gemeldet, am Einzugstag lief das Internet schon. Super!"],
        },
        "en": {
            NEG: ["After moving house I was without internet for {wochen} weeks."],
            MIX: ["The move worked out, one week later than promised."],
            POS: ["Internet was working on the day I moved in. Great!"],
        },
    },
    "techniker_kam_nicht": {
        "de": {
            NEG: [
                "Ich habe mir einen Tag Urlaub genommen und der Techniker kam nicht.",
                "Der Techniker ist nicht erschienen, niemand hat abgesagt.",
                "Zweimal hat der Techniker den Termin platzen lassen.",
                "Techniker kam nicht, Hotline wusste von nichts.",
                "Der Techniker kam {stunden} Stunden zu spät und hatte das falsche Material dabei.",
            ],
            MIX: ["Der erste Termin ist ausgefallen, beim zweiten hat dann alles geklappt."],
            POS: ["Der Techniker kam pünktlich und hat vorher angerufen.", "Pünktlich, freundlich, sauber gearbeitet."],
        },
        "en": {
            NEG: [
                "I took a day off work and the technician never showed up.",
                "The engineer did not turn up and nobody cancelled.",
            ],
            MIX: ["The first appointment was missed, the second one went fine."],
            POS: ["The technician was on time and called ahead."],
        },
    },
    "installation": {
        "de": {
            NEG: [
                "Die Installation war schlampig, Kabel liegen jetzt quer durchs Wohnzimmer.",
                "Nach der Installation funktionierte gar nichts, der Techniker war schon weg.",
                "Der Techniker wusste nicht, welcher Auftrag eigentlich vorliegt.",
            ],
            MIX: ["Die Installation hat länger gedauert als geplant, funktioniert jetzt aber."],
            POS: [
                "Sehr saubere Installation, der Techniker hat alles erklärt.",
                "Glasfaseranschluss in zwei Stunden fertig, alles aufgeräumt. Klasse!",
                "Der Techniker hat sogar noch das WLAN eingerichtet.",
            ],
        },
        "en": {
            NEG: ["The installation was sloppy and nothing worked afterwards."],
            MIX: ["Installation took longer than planned but works now."],
            POS: ["Clean installation, the technician explained everything."],
        },
    },
    "technikertermin": {
        "de": {
            NEG: [
                "Einen Technikertermin zu bekommen ist ein Drama, frühestens in {wochen} Wochen.",
                "Das Zeitfenster von 8 bis 16 Uhr ist für Berufstätige eine Zumutung.",
                "Der Termin wurde ohne Rücksprache verschoben.",
            ],
            MIX: ["Termin bekommen, aber das Zeitfenster war sehr groß."],
            POS: ["Ich konnte mir einen passenden Termin aussuchen.", "Termin kurzfristig bekommen, sehr gut."],
        },
        "en": {
            NEG: ["Earliest technician appointment in {wochen} weeks, ridiculous."],
            MIX: ["Got an appointment, but the time window was huge."],
            POS: ["I could pick an appointment that suited me."],
        },
    },
    "router_versand": {
        "de": {
            NEG: [
                "Der Router kam erst nach {tage} Tagen, der Anschluss war längst geschaltet.",
                "Router-Versand an die falsche Adresse, Paket ist verschwunden.",
                "Im Paket fehlte das Netzteil.",
            ],
            MIX: ["Router kam etwas spät, aber gut verpackt."],
            POS: [
                "Router kam schnell und die Sendungsverfolgung hat gut funktioniert.",
                "Lieferung pünktlich, einfach angeschlossen, läuft.",
            ],
        },
        "en": {
            NEG: ["The router arrived {tage} days late."],
            MIX: ["Router was a bit late but well packed."],
            POS: ["Router arrived quickly, tracking worked well."],
        },
    },
    "app_login": {
        "de": {
            NEG: [
                "Der App-Login funktioniert seit dem Update nicht mehr.",
                "Ich bekomme den SMS-Code für den Login nie.",
                "Passwort zurücksetzen in der App klappt nicht, Fehlermeldung ohne Erklärung.",
            ],
            MIX: ["Login war umständlich, danach ist die App aber gut."],
            POS: ["Registrierung in der App war in zwei Minuten erledigt."],
        },
        "en": {
            NEG: ["Cannot log in to the app since the last update."],
            MIX: ["Login was a hassle, the app itself is fine."],
            POS: ["Signing up in the app took two minutes."],
        },
    },
    "app": {
        "de": {
            NEG: ["Die App stürzt ständig ab.", "In der App finde ich meine Rechnung nicht."],
            MIX: ["Die App ist ok, könnte aber übersichtlicher sein."],
            POS: [
                "Die App ist super übersichtlich, alles auf einen Blick.",
                "Rechnung und Verbrauch in der App, genau so muss das sein.",
                "Tolle App, Störung melden ging ganz einfach.",
                "Sehr praktische App, nutze ich ständig.",
            ],
        },
        "en": {
            NEG: ["The app keeps crashing."],
            MIX: ["The app is ok but could be clearer."],
            POS: ["Great app, everything at a glance.", "Very handy app, I use it all the time."],
        },
    },
    "website": {
        "de": {
            NEG: [
                "Auf der Website findet man nichts, die Suche ist nutzlos.",
                "Die Verfügbarkeitsprüfung sagt Glasfaser, am Ende war es doch nur DSL.",
                "Online-Bestellung brach beim Bezahlen immer wieder ab.",
            ],
            MIX: ["Die Website ist ok, aber die Tarife sind schwer zu vergleichen."],
            POS: [
                "Online-Bestellung war schnell und einfach.",
                "Die Verfügbarkeitsprüfung war klar und hilfreich.",
                "Im Hilfe-Center habe ich die Antwort sofort gefunden.",
            ],
        },
        "en": {
            NEG: ["The website is confusing, I could not find anything."],
            MIX: ["Website is ok, but the tariffs are hard to compare."],
            POS: ["Ordering online was quick and simple."],
        },
    },
    "chatbot": {
        "de": {
            NEG: [
                "Der Chatbot versteht keine einzige Frage.",
                "Mia schickt mir nur FAQ-Links, ein Mensch war nicht zu erreichen.",
            ],
            MIX: ["Der Chatbot konnte nicht helfen, hat mich aber an einen Mitarbeiter weitergeleitet."],
            POS: ["Im Chat wurde mir schnell und kompetent geholfen.", "Live-Chat ist super, keine Warteschleife."],
        },
        "en": {
            NEG: ["The chatbot does not understand anything."],
            MIX: ["The bot could not help but passed me on to a person."],
            POS: ["Quick and helpful chat."],
        },
    },
    "shop": {
        "de": {
            NEG: [
                "Im Shop wusste niemand Bescheid, ich soll doch die Hotline anrufen.",
                "Lange Schlange im Shop, nur ein Mitarbeiter da.",
            ],
            MIX: ["Beratung im Shop war ok, der Vertrag kam aber erst nach einer Woche."],
            POS: [
                "Sehr gute Beratung im Shop, ich habe den passenden Tarif gefunden.",
                "Router im Shop getauscht, in zehn Minuten erledigt.",
            ],
        },
        "en": {
            NEG: ["Nobody in the shop could help me."],
            MIX: ["Shop advice was ok."],
            POS: ["Great advice in the shop."],
        },
    },
    "post": {
        "de": {
            NEG: ["Die Unterlagen kamen nie an.", "Das Schreiben ist voller Fachbegriffe, ich verstehe es nicht."],
            MIX: ["Die Vertragsunterlagen waren vollständig, aber sehr umfangreich."],
            POS: ["Alle Unterlagen kamen schnell und vollständig.", "Klare Bestätigung per E-Mail, danke."],
        },
        "en": {
            NEG: ["The documents never arrived."],
            MIX: ["Documents were complete but very long."],
            POS: ["Got all documents quickly."],
        },
    },
    "beschwerde": {
        "de": {
            NEG: [
                "Meine Beschwerde wurde mit einem Standardschreiben beantwortet.",
                "Auf meine Beschwerde reagiert seit {wochen} Wochen niemand.",
                "Ich werde mich bei der Schlichtungsstelle der Bundesnetzagentur beschweren.",
            ],
            MIX: ["Die Antwort auf meine Beschwerde kam spät, war aber sachlich."],
            POS: [
                "Meine Beschwerde wurde ernst genommen und schnell gelöst.",
                "Das Eskalationsteam hat sich wirklich gekümmert.",
            ],
        },
        "en": {
            NEG: ["My complaint got a standard letter as answer."],
            MIX: ["The reply to my complaint was late but fair."],
            POS: ["My complaint was taken seriously and solved quickly."],
        },
    },
    "beratung": {
        "de": {
            NEG: [
                "Mir wurde ein Tarif aufgeschwatzt, den ich nicht brauche.",
                "Die Beratung an der Haustür war aufdringlich.",
            ],
            MIX: ["Die Beratung war ok, aber sehr verkaufsorientiert."],
            POS: [
                "Ehrliche Beratung, mir wurde sogar der günstigere Tarif empfohlen.",
                "Gute Beratung zum Glasfaseranschluss.",
            ],
        },
        "en": {
            NEG: ["They tried to sell me a tariff I did not need."],
            MIX: ["The advice was ok but very sales-driven."],
            POS: ["Honest advice, they even recommended the cheaper plan."],
        },
    },
    "preis": {
        "de": {
            NEG: ["Zu teuer für das, was geboten wird.", "Neukunden bekommen alles, Bestandskunden nichts."],
            MIX: ["Preis ist ok, Service könnte besser sein."],
            POS: ["Gutes Preis-Leistungs-Verhältnis.", "Für den Preis bekommt man ein stabiles Netz."],
        },
        "en": {
            NEG: ["Too expensive for what you get."],
            MIX: ["Price is ok, service could be better."],
            POS: ["Good value for money."],
        },
    },
    "sms": {
        "de": {
            NEG: ["Die SMS kam erst, als das Paket schon da war."],
            MIX: ["Die SMS war hilfreich, aber die Uhrzeit stimmte nicht."],
            POS: ["Die SMS-Info war genau zur richtigen Zeit da, sehr praktisch."],
        },
        "en": {
            NEG: ["The text message came far too late."],
            MIX: ["The text helped, the time was wrong."],
            POS: ["Helpful text message."],
        },
    },
}

# touchpoint code (or code prefix) -> topics that customers write about there
TOUCHPOINT_TOPICS: dict[str, tuple[str, ...]] = {
    "TP-HOT-01": ("beratung", "wartezeit", "freundlich", "vertragslaufzeit"),
    "TP-HOT-02": ("wartezeit", "freundlich", "schnelle_loesung", "vertragslaufzeit", "umzug"),
    "TP-HOT-03": ("stoerung", "wlan", "wartezeit", "schnelle_loesung", "freundlich"),
    "TP-HOT-04": ("wartezeit", "sprachmenue"),
    "TP-HOT-05": ("rechnung", "wartezeit", "freundlich", "schnelle_loesung"),
    "TP-HOT-06": ("kuendigung", "vertragslaufzeit", "preis", "freundlich"),
    "TP-HOT-07": ("rueckruf", "freundlich"),
    "TP-HOT-08": ("technikertermin", "techniker_kam_nicht", "wartezeit"),
    "TP-HOT-09": ("rueckruf", "beschwerde", "freundlich"),
    "TP-WEB-07": ("website", "app_login", "rechnung"),
    "TP-WEB-08": ("umzug", "website"),
    "TP-WEB-09": ("kuendigung", "website"),
    "TP-WEB-06": ("stoerung", "website"),
    "TP-WEB": ("website", "preis", "beratung"),
    "TP-APP-01": ("app_login", "app"),
    "TP-APP-03": ("app", "rechnung"),
    "TP-APP-04": ("app", "stoerung"),
    "TP-APP": ("app", "app_login", "wlan"),
    "TP-MAIL-04": ("schnelle_loesung", "freundlich", "rueckruf"),
    "TP-MAIL-05": ("rechnung", "post"),
    "TP-MAIL-08": ("beschwerde", "rechnung"),
    "TP-MAIL": ("post", "preis"),
    "TP-CHAT": ("chatbot", "schnelle_loesung"),
    "TP-SHOP-04": ("beschwerde", "shop", "rechnung"),
    "TP-SHOP": ("shop", "beratung", "router_versand"),
    "TP-TECH-01": ("technikertermin", "techniker_kam_nicht"),
    "TP-TECH-02": ("techniker_kam_nicht", "installation", "technikertermin"),
    "TP-TECH-04": ("stoerung", "techniker_kam_nicht", "wlan"),
    "TP-TECH": ("installation", "techniker_kam_nicht", "wlan"),
    "TP-BRIEF-02": ("rechnung",),
    "TP-BRIEF-03": ("rechnung", "preis"),
    "TP-BRIEF-04": ("rechnung",),
    "TP-BRIEF-05": ("preiserhoehung", "vertragslaufzeit"),
    "TP-BRIEF-06": ("kuendigung", "post"),
    "TP-BRIEF-08": ("beschwerde",),
    "TP-BRIEF": ("post", "vertragslaufzeit"),
    "TP-SOC": ("stoerung", "wlan", "preis", "schnelle_loesung"),
    "TP-PART": ("beratung", "vertragslaufzeit"),
    "TP-SMS-04": ("app_login",),
    "TP-SMS": ("sms", "router_versand", "stoerung"),
    "TP-VERS": ("router_versand",),
}
# what the relationship survey ("How likely are you to recommend Musterfrau?") hears about
RELATIONSHIP_TOPICS = (
    "preis",
    "wlan",
    "stoerung",
    "wartezeit",
    "vertragslaufzeit",
    "freundlich",
    "preiserhoehung",
    "app",
)

OPENERS = {
    "de": {
        NEG: ["Sehr enttäuscht.", "Leider schlecht.", "Unmöglich!", "So geht das nicht.", "Ärgerlich.", ""],
        MIX: ["Geht so.", "Naja.", "Im Großen und Ganzen ok.", ""],
        POS: ["Super!", "Alles bestens.", "Sehr zufrieden.", "Top.", ""],
    },
    "en": {
        NEG: ["Very disappointed.", "Not good.", ""],
        MIX: ["So-so.", "Mostly ok.", ""],
        POS: ["Excellent!", "Very happy.", ""],
    },
}
CLOSERS = {
    "de": {
        NEG: [
            "Ich überlege ernsthaft zu kündigen.",
            "Bitte verbessern Sie das dringend.",
            "So verliert man Kunden.",
            "Ich bin seit {jahre} Jahren Kunde und so etwas habe ich noch nicht erlebt.",
            "",
        ],
        MIX: ["Da ist noch Luft nach oben.", "Beim nächsten Mal bitte schneller.", ""],
        POS: ["Weiter so!", "Danke!", "Ich empfehle Sie gerne weiter.", ""],
    },
    "en": {
        NEG: ["I am thinking about switching provider.", "Please fix this.", ""],
        MIX: ["Room for improvement.", ""],
        POS: ["Keep it up!", "Thanks!", ""],
    },
}
NAMES = ["Herr Yilmaz", "Frau Schneider", "Herr Becker", "Frau Nowak", "Herr Schulz", "Frau Demir", "Herr Wagner"]
PII_SENTENCES = {
    "de": [
        "Bitte rufen Sie mich zurück unter {telefon}.",
        "Sie erreichen mich unter {email}.",
        "Meine Nummer für Rückfragen: {telefon}",
        "Antwort bitte an {email}, danke.",
    ],
    "en": ["Please call me back on {telefon}.", "You can reach me at {email}."],
}
FIRST_NAMES = ["max", "erika", "jonas", "lena", "tobias", "anna", "murat", "sophie", "lukas", "mia"]
LAST_NAMES = ["mustermann", "musterfrau", "beispiel", "schmidt", "mueller", "klein", "wolf", "kaya"]
MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def topics_for(code: str) -> tuple[str, ...]:
    """The topics of a touchpoint: its own entry, else its code prefix (e.g. "TP-HOT"), else a general mix."""
    if code in TOUCHPOINT_TOPICS:
        return TOUCHPOINT_TOPICS[code]
    return TOUCHPOINT_TOPICS.get(code.rsplit("-", 1)[0], RELATIONSHIP_TOPICS)


def sentiment_for(nps: int | None, csat: int | None = None) -> str:
    """The sentiment that the scores express: detractors negative, passives mixed, promoters positive."""
    if nps is None:
        return NEG if (csat or 3) <= 2 else POS if (csat or 3) >= 4 else MIX
    return NEG if nps <= 6 else MIX if nps <= 8 else POS


def compose(rng: random.Random, topics: tuple[str, ...], sentiment: str, language: str) -> str:
    """One comment about one or two of `topics` in `language` ("de" or "en") with the given sentiment."""
    if sentiment != MIX and rng.random() < 0.1:
        sentiment = MIX  # some detractors and promoters write a balanced comment
    parts = [rng.choice(OPENERS[language][sentiment])]
    distinct = tuple(dict.fromkeys(topics))
    chosen = rng.sample(distinct, 2) if len(distinct) > 1 and rng.random() < 0.25 else [rng.choice(topics)]
    for topic in chosen:
        parts.append(rng.choice(TOPICS[topic][language][sentiment]))
    parts.append(rng.choice(CLOSERS[language][sentiment]))
    roll = rng.random()
    if roll < 0.012:
        parts.append(rng.choice(PII_SENTENCES[language]))
    text = " ".join(part for part in parts if part)
    return _noisy(rng, _filled(rng, text, language), language)


def _filled(rng: random.Random, text: str, language: str) -> str:
    if "{" not in text:
        return text
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return text.format(
        minuten=rng.choice([20, 25, 30, 35, 40, 45, 50, 60, 75, 90]),
        tage=rng.randint(2, 21),
        wochen=rng.randint(2, 6),
        stunden=rng.randint(2, 5),
        jahre=rng.randint(3, 20),
        betrag=f"{rng.randint(5, 120)},{rng.choice(['00', '49', '90', '99', '95'])}",
        monat=rng.choice(MONTHS),
        name=_name(rng, language),
        telefon=f"+49 30 1234567-{rng.randint(10, 99)}",
        email=f"{first}.{last}{rng.randint(1, 99)}@example.com",
    )


def _name(rng: random.Random, language: str) -> str:
    """An invented name, used rarely; otherwise a neutral phrase."""
    if rng.random() < 0.5:
        name = rng.choice(NAMES)
        return name if language == "de" else name.replace("Herr", "Mr").replace("Frau", "Ms")
    return "die Kollegin" if language == "de" else "the agent"


def _noisy(rng: random.Random, text: str, language: str) -> str:
    """Real comments are not edited: a few get typos, written-out umlauts, lower case or extra exclamation marks."""
    roll = rng.random()
    if roll < 0.06 and language == "de":
        text = text.translate(UMLAUTS)
    elif roll < 0.12:
        text = text.lower()
    elif roll < 0.15:
        text = text.rstrip(".") + "!!!"
    if rng.random() < 0.08:
        text = _typo(rng, text)
    return text


def _typo(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    candidates = [index for index, word in enumerate(words) if len(word) > 4 and word.isalpha()]
    if not candidates:
        return text
    index = rng.choice(candidates)
    word = words[index]
    at = rng.randrange(1, len(word) - 2)
    words[index] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]  # two letters swapped
    return " ".join(words)
