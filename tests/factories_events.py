"""Factories for the events app: logs, activities, and a helper that writes events through the service."""

from datetime import UTC, datetime, timedelta

import factory

from opencxm.events import services
from opencxm.events.models import Activity, EventLog
from opencxm.events.records import EventRecord

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class EventLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventLog
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"log-{n}")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Activity {n}")


def write_events(rows, *, log: str = "test-log", actor=None):
    """rows: (case, activity, minutes after T0[, channel]) tuples; written through services.events_write."""
    records = [
        EventRecord(case=row[0], activity=row[1], timestamp=T0 + timedelta(minutes=row[2]),
                    channel=row[3] if len(row) > 3 else "")
        for row in rows
    ]  # fmt: skip
    return services.events_write(actor=actor, log_name=log, records=records)
