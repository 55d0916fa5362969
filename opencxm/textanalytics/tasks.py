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


@task
def topic_classifier_train_task(actor_id: int | None = None) -> dict:
    """Train the topic classifier on the topic corrections, then analyse the comments again with it."""
    from django.contrib.auth import get_user_model

    from opencxm.textanalytics import services, topiclearning

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        trained = services.topic_classifier_train(actor=actor)
    except topiclearning.TooFewCorrections as error:
        return {"trained": False, "counts": {key: list(value) for key, value in error.counts.items()}}
    services.enrichment_enqueue()
    return {"trained": True, "model": str(trained.public_id), "n_train": trained.n_train, "n_test": trained.n_test}
