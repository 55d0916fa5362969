from datetime import timedelta

import pytest

from opencxm.analytics.tests.cockpit_data import at, make_feedback, sample, store
from opencxm.feedback.models import DataSource
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(client, world):
    client.force_login(world.users["viewer"])
    return client


def ids(response):
    return sorted(item.external_id for item in response.context["feedback"])


def count(response):
    return response.context["page"].paginator.count


def test_explorer_lists_all_feedback_newest_first(viewer, world):
    sample(world)
    response = viewer.get("/cockpit/feedback/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert count(response) == 12
    times = [item.responded_at for item in response.context["feedback"]]
    assert times == sorted(times, reverse=True)
    body = response.content.decode()
    assert "12 feedback records" in body and "Warteschleife zu lang" in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"start": "2026-02-01", "end": "2026-02-28"}, 3),
        ({"start": "2026-03-05", "end": "2026-03-05"}, 3),
        ({"end": "2025-12-31"}, 2),
        ({"kind": "complaint"}, 1),
        ({"kind": "response"}, 11),
        ({"nps_band": "promoter"}, 5),
        ({"nps_band": "passive"}, 2),
        ({"nps_band": "detractor"}, 4),
        ({"has_comment": "yes"}, 5),
        ({"has_comment": "no"}, 7),
    ],
)
def test_explorer_filters(viewer, world, query, expected):
    sample(world)
    assert count(viewer.get("/cockpit/feedback/", query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"), [({"q": "WARTESCHLEIFE"}, 1), ({"q": "rechnung", "kind": "complaint"}, 1)]
)
def test_explorer_search_by_a_reader_of_original_comments(client, world, query, expected):
    """Free-text search matches the original comment for CX team and administrators (readers of redacted text
    search the redacted text: opencxm/textanalytics/tests/test_redaction.py)."""
    sample(world)
    client.force_login(world.users["cx_team"])
    assert count(client.get("/cockpit/feedback/", query)) == expected


def test_explorer_filters_by_public_ids(viewer, world):
    source = sample(world)
    other_source = DataSource.objects.create(name="Beschwerden")
    store([make_feedback(other_source, at("2026-01-20"), world.other_touchpoint, kind="complaint")])
    third_stage = f.StageFactory(position=5)
    f.JourneyStepFactory(stage=third_stage, touchpoint=world.other_touchpoint)
    cases = [
        ({"touchpoint": world.touchpoint.public_id}, 9),
        ({"department": world.other.public_id}, 4),
        ({"channel": world.channel.public_id}, 13),
        ({"segment": world.segment.public_id}, 1),
        ({"source": other_source.public_id}, 1),
        ({"source": source.public_id}, 12),
        ({"stage": world.stage.public_id}, 13),
        ({"stage": third_stage.public_id}, 4),
        ({"journey": third_stage.journey.public_id}, 4),
        ({"journey": world.journey.public_id, "touchpoint": world.touchpoint.public_id}, 9),
    ]
    for query, expected in cases:
        assert count(viewer.get("/cockpit/feedback/", query)) == expected, query


def test_unknown_filter_is_shown_as_error_and_ignored(viewer, world):
    sample(world)
    response = viewer.get("/cockpit/feedback/", {"touchpoint": "not-a-uuid", "kind": "response"})
    assert response.status_code == 200
    assert count(response) == 11
    assert "touchpoint" in response.context["form"].errors


def test_explorer_pages_by_25(viewer, world):
    source = DataSource.objects.create(name="Viele")
    store([make_feedback(source, at("2026-01-01") + timedelta(hours=i), world.touchpoint, nps=5) for i in range(30)])
    first = viewer.get("/cockpit/feedback/", {"nps_band": "detractor"})
    assert len(first.context["feedback"]) == 25
    second = viewer.get("/cockpit/feedback/", {"nps_band": "detractor", "page": 2})
    assert len(second.context["feedback"]) == 5
    assert "nps_band=detractor&amp;page=2" in first.content.decode()


def test_explorer_escapes_comments(viewer, world):
    source = DataSource.objects.create(name="Web")
    store([make_feedback(source, at("2026-01-01"), world.touchpoint, comment="<script>alert(1)</script>")])
    body = viewer.get("/cockpit/feedback/").content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body


def test_explorer_shows_local_time(viewer, world):
    source = DataSource.objects.create(name="Zeit")
    from datetime import UTC, datetime

    store([make_feedback(source, datetime(2026, 7, 1, 22, 30, tzinfo=UTC), world.touchpoint)])
    body = viewer.get("/cockpit/feedback/", headers={"Accept-Language": "de"}).content.decode()
    assert "02.07.2026 00:30" in body  # Europe/Berlin, summer time


def _many(world, n):
    source = DataSource.objects.create(name=f"Quelle {n}")
    segment = f.SegmentFactory()
    store(
        [
            make_feedback(source, at("2026-01-01") + timedelta(hours=i), tp, nps=i % 11, comment="Te", segment=segment)
            for i in range(n)
            for tp in (world.touchpoint, world.other_touchpoint)
        ]
    )


@pytest.mark.parametrize("query", [{}, {"q": "te", "nps_band": "detractor"}, {"stage": "STAGE"}])
def test_explorer_query_count_does_not_grow_with_the_data(viewer, world, query):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    query = {k: (world.stage.public_id if v == "STAGE" else v) for k, v in query.items()}
    _many(world, 5)
    viewer.get("/cockpit/feedback/", query)
    with CaptureQueriesContext(connection) as small:
        viewer.get("/cockpit/feedback/", query)
    _many(world, 50)
    f.TouchpointFactory.create_batch(10)
    with CaptureQueriesContext(connection) as large:
        viewer.get("/cockpit/feedback/", query)
    assert len(large) == len(small) <= 16
