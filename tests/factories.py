"""factory_boy factories for the domain models. Import from here in every app's tests."""

import factory

from opencxm.accounts.models import Department, Membership, User
from opencxm.journeys.models import CustomerNeed, Journey, JourneyStep, Segment, Stage
from opencxm.touchpoints.models import Channel, Touchpoint, TouchpointContribution


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Erika"
    last_name = factory.Sequence(lambda n: f"Muster{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("correct-horse-battery")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.Sequence(lambda n: f"Abteilung {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(DepartmentFactory)
    role = "viewer"


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    code = factory.Sequence(lambda n: f"channel-{n}")
    name = factory.Sequence(lambda n: f"Kanal {n}")
    kind = "web"


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    code = factory.Sequence(lambda n: f"TP-{n:04d}")
    name = factory.Sequence(lambda n: f"Touchpoint {n}")
    channel = factory.SubFactory(ChannelFactory)
    owner_department = factory.SubFactory(DepartmentFactory)
    status = "active"


class ContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TouchpointContribution

    touchpoint = factory.SubFactory(TouchpointFactory)
    department = factory.SubFactory(DepartmentFactory)
    raci = "C"


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    code = factory.Sequence(lambda n: f"segment-{n}")
    name = factory.Sequence(lambda n: f"Segment {n}")


class CustomerNeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerNeed

    segment = factory.SubFactory(SegmentFactory)
    position = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Bedürfnis {n}")


class JourneyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Journey

    name = factory.Sequence(lambda n: f"Journey {n}")
    segment = factory.SubFactory(SegmentFactory)
    kind = "current"


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    journey = factory.SubFactory(JourneyFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Phase {n}")


class JourneyStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JourneyStep

    stage = factory.SubFactory(StageFactory)
    position = factory.Sequence(lambda n: n + 1)
    touchpoint = factory.SubFactory(TouchpointFactory)
    emotion = 0
