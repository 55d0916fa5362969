"""factory_boy factories for insights and actions."""

import factory

from opencxm.insights.models import Action, Insight
from tests.factories import DepartmentFactory


class InsightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Insight

    kind = "pain_point"
    title = factory.Sequence(lambda n: f"Erkenntnis {n}")
    owner_department = factory.SubFactory(DepartmentFactory)
    impact = 3
    effort = 3
    status = "new"


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    insight = factory.SubFactory(InsightFactory)
    track = "roadmap"
    category = "process"
    title = factory.Sequence(lambda n: f"Maßnahme {n}")
    owner_department = factory.LazyAttribute(lambda o: o.insight.owner_department)
    status = "planned"
