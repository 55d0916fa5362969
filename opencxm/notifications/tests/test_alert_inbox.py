"""A raised or closed alert also lands in the in-app inbox of the ambassadors it is mailed to."""

import pytest

from opencxm.analytics import alerts
from opencxm.analytics.tests.test_targets import TODAY, add_feedback, make_target
from opencxm.feedback.models import DataSource
from opencxm.notifications.models import Notification


@pytest.fixture
def source(db):
    return DataSource.objects.create(name="Umfrage Hotline")


def test_raised_alert_reaches_the_inbox_without_a_second_mail(world, source, smtp_server, settings):
    settings.LANGUAGE_CODE = "en"
    make_target(world)
    add_feedback(source, world.touchpoint, [10, 10] + [3] * 8)
    alerts.evaluate(TODAY)
    assert len(smtp_server.messages) == 1  # the alert's own e-mail only
    rows = list(Notification.objects.values_list("user__username", "event", "subject", "link", "delivery"))
    assert rows == [
        (
            "p_ambassador",
            "alert_raised",
            "OpenCXM alert: NPS for TP-OWN Hotline Störung is -60 (target 30)",
            f"/goals/alerts/{world.own.public_id}/",
            "off",
        )
    ]
    alerts.evaluate(TODAY)
    assert Notification.objects.count() == 1  # still open: nothing new
