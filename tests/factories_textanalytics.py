"""Factories for text analytics tests: topics with rules, data sources and feedback with comments."""

from datetime import datetime
from zoneinfo import ZoneInfo

import factory

from opencxm.feedback.models import DataSource, Feedback
from opencxm.textanalytics.models import Topic


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    key = factory.Sequence(lambda n: f"topic-{n}")
    name_de = factory.Sequence(lambda n: f"Thema {n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")
    rules = factory.LazyFunction(dict)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataSource

    name = factory.Sequence(lambda n: f"Umfrage {n}")


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    source = factory.SubFactory(SourceFactory)
    external_id = factory.Sequence(lambda n: f"r{n}")
    responded_at = factory.Sequence(lambda n: datetime(2026, 3, 1 + n % 28, 10, tzinfo=ZoneInfo("Europe/Berlin")))
    comment = "Alles gut."
    language = "de"
