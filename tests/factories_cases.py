"""Factories for the cases app (and the feedback records cases are opened from)."""

from datetime import UTC, datetime, timedelta

import factory

from opencxm.cases.models import Case, CaseRule
from opencxm.feedback.models import Customer, DataSource, Feedback


class DataSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataSource
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Quelle {n}")
    kind = "survey"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    pseudonym = factory.Sequence(lambda n: f"{n:064d}")


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    source = factory.SubFactory(DataSourceFactory)
    external_id = factory.Sequence(lambda n: f"R-{n:05d}")
    kind = "response"
    responded_at = factory.Sequence(lambda n: datetime(2026, 3, 2, 10, 0, tzinfo=UTC) + timedelta(minutes=n))
    nps = 3
    comment = "Niemand hat mich zurückgerufen."


class CaseRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseRule

    name = factory.Sequence(lambda n: f"Regel {n}")
    trigger = "nps_max"
    threshold = 6
    sla_hours = 48


class CaseFactory(factory.django.DjangoModelFactory):
    """A case as the rules would open it: routed to the touchpoint's owner, due in two days."""

    class Meta:
        model = Case

    feedback = factory.SubFactory(FeedbackFactory)
    touchpoint = factory.LazyAttribute(lambda o: o.feedback.touchpoint)
    customer = factory.LazyAttribute(lambda o: o.feedback.customer)
    department = factory.LazyAttribute(lambda o: o.feedback.touchpoint.owner_department)
    sla_due_at = factory.LazyFunction(lambda: datetime.now(UTC) + timedelta(hours=48))
    number = factory.Sequence(lambda n: f"C-2026-{n + 1:06d}")
