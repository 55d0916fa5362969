"""Background work of the feedback app (Django tasks; `opencxm worker` runs them)."""

from django.tasks import task
from django.utils.translation import gettext as _

from opencxm.feedback.choices import JobStatus
from opencxm.feedback.models import ImportJob


@task()
def run_import(job_id: int) -> str:
    """Run an import job. Safe to run twice: a finished job is left alone, an interrupted one starts over
    (the idempotent upsert makes the rerun end with exactly the expected rows)."""
    from opencxm.feedback import importing, services

    job = ImportJob.objects.select_related("source", "created_by").filter(pk=job_id).first()
    if job is None or job.status == JobStatus.DONE:
        return "skipped"
    try:
        importing.import_run(job)
    except Exception:
        services.import_job_fail(job=job, message=_("The import stopped because of an internal error. Run it again."))
        raise
    return job.status
