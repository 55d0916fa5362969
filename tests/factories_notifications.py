"""factory_boy factories for the notifications app."""

import factory

from opencxm.notifications.models import Notification, WebhookEndpoint
from tests.factories import UserFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    event = "case_created"
    subject = factory.Sequence(lambda n: f"Neuer Fall {n}")
    body = "Ein Kunde hat sich beschwert."
    link = "/"


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    name = factory.Sequence(lambda n: f"CRM {n}")
    url = "https://crm.example.com/hooks/opencxm"
    secret = "whsec_test"
    events = factory.LazyFunction(lambda: ["case_created", "case_handed_over", "case_closed"])
