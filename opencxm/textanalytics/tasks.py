"""Background work of text analytics (run by `opencxm worker`); tasks reload state and are safe to run twice."""

from django.tasks import task


@task
def enrich_pending_task(engine: str | None = None) -> dict:
    """Analyse every comment without a current analysis (resuming a stopped run)."""
    from opencxm.textanalytics.services import enrich_pending

    run = enrich_pending(engine_name=engine)
    return {"processed": run.processed, "changed": run.changed}


@task
def enrich_feedback_task(feedback_ids: list[int]) -> int:
    """Analyse the given feedback records (unchanged ones are not written)."""
    from opencxm.textanalytics.services import enrich_feedback

    return enrich_feedback(feedback_ids=feedback_ids)
