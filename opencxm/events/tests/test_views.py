"""Pages: log list and upload, the mapping table (HTMX save, bounded queries), discovery with filters."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opencxm.events.models import Activity, Event
from tests.factories_events import write_events

CSV = b"case,activity,timestamp\nK1,Call hotline,2026-03-02T10:00:00Z\nK1,Send letter,2026-03-02T11:00:00Z\n"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def test_upload_imports_and_lists_the_log(client, world):
    client.force_login(world.users["cx_team"])
    response = client.post("/events/upload/", {"file": SimpleUploadedFile("crm.csv", CSV), "log": ""})
    assert response.status_code == 302
    assert Event.objects.count() == 2
    page = client.get("/events/").content.decode()
    assert "crm.csv" in page
    assert "2 of 2 events imported into “crm.csv”; 0 were already present." in page


def test_upload_error_is_shown_next_to_the_file_field(client, world):
    client.force_login(world.users["cx_team"])
    bad = SimpleUploadedFile("bad.xes", b"<log><trace>")
    response = client.post("/events/upload/", {"file": bad, "log": "x"})
    assert response.status_code == 200
    assert "The file is not well-formed XML" in response.content.decode()
    assert Event.objects.count() == 0


def test_viewer_sees_no_upload_form(client, world):
    client.force_login(world.users["viewer"])
    assert 'action="/events/upload/"' not in client.get("/events/").content.decode()


def test_htmx_mapping_returns_the_row(client, world):
    write_events([("K1", "Call hotline", 0)])
    activity = Activity.objects.get()
    client.force_login(world.users["cx_team"])
    response = client.post(f"/events/activities/{activity.public_id}/map/",
                           {"touchpoint": str(world.touchpoint.public_id)}, headers={"HX-Request": "true"})  # fmt: skip
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="activity-{activity.public_id}">')
    assert "Saved" in body
    assert Activity.objects.get().touchpoint == world.touchpoint


@pytest.mark.parametrize("count", [5, 50])
def test_mapping_table_queries_are_bounded(client, world, count, django_assert_max_num_queries):
    write_events([(f"K{i}", f"Activity {i}", i) for i in range(count)])
    client.force_login(world.users["viewer"])
    with django_assert_max_num_queries(8):
        response = client.get("/events/activities/")
    assert response.content.decode().count('<tr id="activity-') == count


def test_discovery_page_shows_variants_and_edges(client, world):
    write_events([("K1", "A", 0), ("K1", "B", 10), ("K2", "A", 0)])
    client.force_login(world.users["viewer"])
    body = client.get("/events/discover/").content.decode()
    assert "A → B" in body
    assert '<div class="h1 mb-0" id="case-count">2</div>' in body
    filtered = client.get("/events/discover/", {"activity": "B"}).content.decode()
    assert '<div class="h1 mb-0" id="case-count">1</div>' in filtered
