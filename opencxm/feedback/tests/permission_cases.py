from datetime import UTC, datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from opencxm.feedback import importing
from opencxm.feedback.models import Customer, DataSource, Feedback, ImportJob, Measurement
from tests.permissions import ALL, EDITORS, ORG_MANAGERS, OWN_DEPARTMENT, Case

SOME_EDITORS = OWN_DEPARTMENT | {"other_department"}  # every ambassador and the editors
CSV = "id;Datum;Touchpoint;NPS\nR1;02.03.2026 10:00;TP-OWN;9\n"


def _source(w):
    if "source" not in w.extra:
        w.extra["source"] = DataSource.objects.create(name="Umfrage Service", owner_department=w.own)
    return w.extra["source"]


def _feedback(w):
    if "feedback" not in w.extra:
        customer = Customer.objects.create(pseudonym="p" * 64)
        w.extra["feedback"] = Feedback.objects.create(
            source=_source(w), external_id="F1", responded_at=datetime(2026, 3, 2, tzinfo=UTC), customer=customer
        )
    return w.extra["feedback"]


def _customer(w):
    return _feedback(w).customer


def _job(w):
    if "job" not in w.extra:
        w.extra["job"] = ImportJob.objects.create(source=_source(w), filename="a.csv", status="failed")
    return w.extra["job"]


class _Upload:
    filename = "umfrage.csv"

    def __init__(self, content: bytes):
        self.name, self.content = self.filename, content

    def chunks(self):
        yield self.content


def _upload(w):
    if "upload" not in w.extra:
        w.extra["upload"] = importing.upload_store(_Upload(CSV.encode()), source=_source(w), user=w.users["admin"])
    return w.extra["upload"]


def _sources_state(w):
    return sorted(DataSource.objects.values_list("name", "kind", "owner_department_id", "description"))


def _source_state(w):
    return _sources_state(w)


def _source_form(w, name="Neue Quelle"):
    return {"name": name, "kind": "survey", "owner_department": w.own.pk, "description": "x"}


def _upload_form(w):
    file = SimpleUploadedFile("umfrage.csv", CSV.encode(), content_type="text/csv")
    return {"source": str(_source(w).public_id), "file": file}


def _uploads_state(w):
    return sorted(path.name for path in importing.upload_dir().iterdir())


def _start_form(w):
    return {"map-external_id": "id", "map-time": "Datum", "map-touchpoint": "Touchpoint", "map-nps": "NPS"}


def _jobs_state(w):
    return sorted(ImportJob.objects.values_list("filename", "status"))


def _customers_state(w):
    return (
        sorted(Customer.objects.values_list("pseudonym", flat=True)),
        sorted(Feedback.objects.values_list("comment")),
    )


def _feedback_state(w):
    return sorted(Feedback.objects.values_list("external_id", "nps"))


def _api_feedback(w):
    _source(w)
    return {"records": [{"source": "Umfrage Service", "external_id": "A1", "responded_at": "2026-03-02T10:00:00+01:00",
                         "touchpoint": "TP-OWN", "nps": 9}]}  # fmt: skip


def _api_measurements(w):
    _source(w)
    return {"records": [{"source": "Umfrage Service", "touchpoint": "TP-OWN", "metric": "contacts", "day": "2026-03-02",
                         "value": 120}]}  # fmt: skip


def _measurements_state(w):
    return sorted(Measurement.objects.values_list("metric", "value"))


def _api_source(w, name="API-Quelle"):
    return {"name": name, "kind": "complaints", "owner_department": "kundenservice"}


CASES = [
    Case("feedback:sources", lambda w: "/feedback/sources/", ALL),
    Case("feedback:source_create", lambda w: "/feedback/sources/new/", EDITORS),
    Case("feedback:source_create", lambda w: "/feedback/sources/new/", EDITORS, "POST", _source_form, _sources_state),
    Case("feedback:source_detail", lambda w: f"/feedback/sources/{_source(w).public_id}/", ALL),
    Case("feedback:source_edit", lambda w: f"/feedback/sources/{_source(w).public_id}/edit/", EDITORS),
    Case(
        "feedback:source_edit",
        lambda w: f"/feedback/sources/{_source(w).public_id}/edit/",
        EDITORS,
        "POST",
        lambda w: _source_form(w, "Umbenannt"),
        _source_state,
    ),
    Case("feedback:import", lambda w: "/feedback/import/", SOME_EDITORS),
    Case("feedback:import", lambda w: "/feedback/import/", OWN_DEPARTMENT, "POST", _upload_form, _uploads_state),
    Case("feedback:import_preview", lambda w: f"/feedback/import/{_upload(w)}/", OWN_DEPARTMENT),
    Case(
        "feedback:import_preview",
        lambda w: f"/feedback/import/{_upload(w)}/",
        OWN_DEPARTMENT,
        "POST",
        _start_form,
        _jobs_state,
    ),  # fmt: skip
    Case("feedback:jobs", lambda w: "/feedback/imports/", ALL),
    Case("feedback:job", lambda w: f"/feedback/imports/{_job(w).public_id}/", ALL),
    Case("feedback:job", lambda w: f"/feedback/imports/{_job(w).public_id}/", ALL, htmx=True),
    Case(
        "feedback:job_rerun",
        lambda w: f"/feedback/imports/{_job(w).public_id}/rerun/",
        OWN_DEPARTMENT,
        "POST",
        state=_jobs_state,
    ),  # fmt: skip
    Case("feedback:customer", lambda w: f"/feedback/customers/{_customer(w).public_id}/", ALL),
    Case("feedback:customer_erase", lambda w: f"/feedback/customers/{_customer(w).public_id}/erase/", ORG_MANAGERS),
    Case(
        "feedback:customer_erase",
        lambda w: f"/feedback/customers/{_customer(w).public_id}/erase/",
        ORG_MANAGERS,
        "POST",
        state=_customers_state,
    ),  # fmt: skip
    # API
    Case("POST /api/v1/feedback", lambda w: "/api/v1/feedback", OWN_DEPARTMENT, "POST", _api_feedback, _feedback_state),
    Case("GET /api/v1/feedback", lambda w: "/api/v1/feedback", ALL),
    Case("GET /api/v1/feedback/{public_id}", lambda w: f"/api/v1/feedback/{_feedback(w).public_id}", ALL),
    Case(
        "POST /api/v1/measurements",
        lambda w: "/api/v1/measurements",
        OWN_DEPARTMENT,
        "POST",
        _api_measurements,
        _measurements_state,
    ),  # fmt: skip
    Case("GET /api/v1/sources", lambda w: "/api/v1/sources", ALL),
    Case("POST /api/v1/sources", lambda w: "/api/v1/sources", EDITORS, "POST", _api_source, _sources_state),
    Case("GET /api/v1/sources/{public_id}", lambda w: f"/api/v1/sources/{_source(w).public_id}", ALL),
    Case(
        "PUT /api/v1/sources/{public_id}",
        lambda w: f"/api/v1/sources/{_source(w).public_id}",
        EDITORS,
        "PUT",
        lambda w: _api_source(w, "Umbenannt"),
        _sources_state,
    ),  # fmt: skip
    Case(
        "DELETE /api/v1/sources/{public_id}",
        lambda w: f"/api/v1/sources/{_source(w).public_id}",
        EDITORS,
        "DELETE",
        state=_sources_state,
    ),  # fmt: skip
    Case("GET /api/v1/imports/{public_id}", lambda w: f"/api/v1/imports/{_job(w).public_id}", ALL),
]
