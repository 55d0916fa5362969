"""Pages: data sources, upload -> preview -> import job with HTMX progress, customers."""

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from opencxm.feedback.models import Customer, CustomerContact, DataSource, Feedback, ImportJob

CSV = "id;Datum;Kunde;Touchpoint;NPS;Kommentar\n" + "".join(
    f"R{i};02.03.2026 10:{i:02d};KD-{i};TP-OWN;{i % 11};Text {i}\n" for i in range(12)
)
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def source(world):
    return DataSource.objects.create(name="Umfrage", owner_department=world.own)


def signed_in(client, user):
    client.force_login(user)
    return client


def test_upload_preview_and_import_end_to_end(client, world, source, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    signed_in(client, world.users["ambassador"])
    upload = SimpleUploadedFile("umfrage.csv", CSV.encode("utf-8"), content_type="text/csv")
    response = client.post("/feedback/import/", {"source": str(source.public_id), "file": upload})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert "Table with one header row" in html and "<code>;</code>" in html and "KD-9" in html and "KD-10" not in html
    assert html.count("<tr><td>R") == 10  # the first 10 rows
    form = preview.context["mapping_form"]
    assert (form.initial["external_id"], form.initial["time"], form.initial["nps"]) == ("id", "Datum", "NPS")
    data = {
        f"map-{name}": value for name, value in form.initial.items() if value and not isinstance(value, list | bool)
    }
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(response["Location"], data | {"partial": "on"})
    assert started.status_code == 302
    job = ImportJob.objects.get()
    assert (job.status, job.imported, job.partial, job.created_by) == ("done", 12, True, world.users["ambassador"])
    assert Feedback.objects.count() == 12
    page = client.get(started["Location"])
    assert b'hx-trigger="every 1s"' not in page.content and b'value="100"' in page.content


def test_running_job_polls_and_shows_errors(client, world, source):
    error = {"row": 3, "column": "NPS", "value": "11", "expected": "a whole number from 0 to 10"}
    job = ImportJob.objects.create(
        source=source, filename="a.csv", status="running", phase="writing", rows_total=200, imported=50, errors=[error]
    )
    signed_in(client, world.users["viewer"])
    page = client.get(f"/feedback/imports/{job.public_id}/")
    assert b'hx-trigger="every 1s"' in page.content and b'value="25"' in page.content
    fragment = client.get(f"/feedback/imports/{job.public_id}/", headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert text.lstrip().startswith('<div id="job-progress"') and "<html" not in text
    assert "a whole number from 0 to 10" in text and "<code>11</code>" in text


def test_bad_file_gives_a_clear_message_on_the_preview(client, world, source):
    signed_in(client, world.users["cx_team"])
    upload = SimpleUploadedFile("bild.csv", b"\x89PNG\r\n\x1a\nxxxx", content_type="text/csv")
    response = client.post("/feedback/import/", {"source": str(source.public_id), "file": upload})
    page = client.get(response["Location"])
    assert page.status_code == 422
    assert "The file is not a table (CSV or XLSX); it looks like a PNG image." in page.content.decode()


def test_too_large_upload_is_refused_in_the_form(client, world, source, settings):
    settings.OPENCXM_IMPORT_MAX_BYTES = 10
    signed_in(client, world.users["cx_team"])
    upload = SimpleUploadedFile("a.csv", CSV.encode(), content_type="text/csv")
    page = client.post("/feedback/import/", {"source": str(source.public_id), "file": upload})
    assert page.status_code == 200 and "The file is too large" in page.content.decode()


def test_source_create_and_edit_with_mapping_editor(client, world):
    signed_in(client, world.users["cx_team"])
    response = client.post(
        "/feedback/sources/new/", {"name": "Hotline", "kind": "call_centre", "owner_department": world.own.pk}
    )
    source = DataSource.objects.get()
    assert response["Location"] == f"/feedback/sources/{source.public_id}/"
    ImportJob.objects.create(source=source, detected={"columns": ["id", "Zeit", "Note"]})
    page = client.get(f"/feedback/sources/{source.public_id}/edit/")
    assert b'<option value="Zeit">Zeit</option>' in page.content
    client.post(f"/feedback/sources/{source.public_id}/edit/", {
        "name": "Hotline", "kind": "call_centre", "owner_department": world.own.pk,
        "map-external_id": "id", "map-time": "Zeit", "map-csat": "Note",
    })  # fmt: skip
    source.refresh_from_db()
    assert (source.mapping["time"], source.mapping["scores"]) == ("Zeit", {"csat": "Note"})


@pytest.mark.parametrize("count", [5, 40])
def test_list_pages_have_bounded_queries(client, world, count, django_assert_max_num_queries):
    for i in range(count):
        source = DataSource.objects.create(name=f"Quelle {i}", owner_department=world.own)
        ImportJob.objects.create(source=source, filename=f"{i}.csv", created_by=world.users["admin"])
    signed_in(client, world.users["viewer"])
    with django_assert_max_num_queries(8):
        assert client.get("/feedback/sources/").status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get("/feedback/imports/").status_code == 200


def _customer_with_contact(source):
    customer = Customer.objects.create(pseudonym="a" * 64)
    CustomerContact.objects.create(customer=customer, email="erika@example.com")
    Feedback.objects.create(source=source, external_id="1", responded_at=datetime(2026, 3, 2, tzinfo=UTC),
                            customer=customer, comment="Bitte rufen Sie mich an")  # fmt: skip
    return customer


@pytest.mark.parametrize(
    ("persona", "sees"), [("viewer", False), ("ambassador", False), ("cx_team", True), ("admin", True)]
)
def test_contact_details_only_for_the_cx_team(client, world, source, persona, sees):
    customer = _customer_with_contact(source)
    page = signed_in(client, world.users[persona]).get(f"/feedback/customers/{customer.public_id}/")
    assert ("erika@example.com" in page.content.decode()) is sees


def test_erase_customer(client, world, source):
    customer = _customer_with_contact(source)
    response = signed_in(client, world.users["admin"]).post(f"/feedback/customers/{customer.public_id}/erase/")
    assert response.status_code == 302
    assert (Customer.objects.count(), CustomerContact.objects.count()) == (0, 0)
    assert list(Feedback.objects.values_list("customer", "comment")) == [(None, "")]
