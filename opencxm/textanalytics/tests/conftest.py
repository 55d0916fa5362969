import pytest

from opencxm.textanalytics.models import Topic
from tests.factories_textanalytics import FeedbackFactory, SourceFactory, TopicFactory


@pytest.fixture
def taxonomy(db):
    """A main topic 'billing' with two subtopics (German and English rules) and a main topic with own rules."""
    billing = TopicFactory(key="billing", name_de="Rechnung", name_en="Billing")
    wrong = TopicFactory(
        key="billing.wrong", parent=billing, name_de="Falsche Rechnung", name_en="Wrong invoice",
        rules={"de": ["rechnung* AND (falsch* OR doppelt*)"], "en": ["invoice* AND wrong"]},
    )  # fmt: skip
    payment = TopicFactory(
        key="billing.payment", parent=billing, name_de="Zahlung", name_en="Payment",
        rules={"de": ["abgebucht OR abbuchung*"], "en": ["debit*"]},
    )  # fmt: skip
    app = TopicFactory(key="app", name_de="App", name_en="App", rules={"de": ["app*"], "en": ["app*"]})
    return {"billing": billing, "wrong": wrong, "payment": payment, "app": app, "all": Topic.objects.all()}


@pytest.fixture
def comments(db, world):
    """Six comments of one source at the world's touchpoint, on two days."""
    source = SourceFactory(name="Umfrage")
    texts = [
        ("Die Rechnung ist falsch und doppelt abgebucht.", 2),
        ("Rechnung falsch, bitte korrigieren. Herr Müller, mueller@example.com", 3),
        ("Die App stürzt ständig ab.", 5),
        ("Super Service, sehr freundlich!", 10),
        ("Geld wurde doppelt abgebucht.", 6),
        ("The invoice is wrong.", 4),
    ]
    return [
        FeedbackFactory(source=source, touchpoint=world.touchpoint, comment=text, nps=nps,
                        language="en" if text.startswith("The") else "de")
        for text, nps in texts
    ]  # fmt: skip
