from opencxm.textanalytics.engine.pii import Redactor, iban_valid


def test_redacts_email_phone_iban_customer_and_contract_numbers():
    r = Redactor()
    text = (
        "Mail: max.mustermann@example.de, Tel. +49 30 1234567 oder 0171/1234567, "
        "IBAN DE89 3704 0044 0532 0130 00, Kundennummer KD-1234567, Vertrag V12345678."
    )
    assert r.redact(text) == (
        "Mail: [E-MAIL], Tel. [TELEFON] oder [TELEFON], IBAN [IBAN], Kundennummer [KUNDENNR], Vertrag [VERTRAGSNR]."
    )


def test_iban_checksum_is_verified():
    assert iban_valid("DE89370400440532013000")
    assert not iban_valid("DE00370400440532013000")
    assert "[IBAN]" not in Redactor().redact("DE00 3704 0044 0532 0130 00")


def test_names_after_salutations():
    r = Redactor()
    assert r.redact("Frau Müller und Herr Dr. Schmidt-Meyer waren nett") == ("Frau [NAME] und Herr [NAME] waren nett")
    assert r.redact("Thanks to Mrs. Jones") == "Thanks to Mrs. [NAME]"
    assert r.redact("Die Frau Kundin") == "Die Frau Kundin"


def test_dates_amounts_and_short_numbers_stay():
    r = Redactor()
    assert r.redact("Am 12.03.2024 wurden 49,99 EUR für 3 Monate abgebucht") == (
        "Am 12.03.2024 wurden 49,99 EUR für 3 Monate abgebucht"
    )


def test_configurable_patterns():
    r = Redactor({"KUNDENNR": r"\bK\d{4}\b", "AUFTRAG": r"\bA-\d{3}\b"})
    assert r.redact("K1234 und A-123") == "[KUNDENNR] und [AUFTRAG]"


def test_empty():
    assert Redactor().redact("") == ""
