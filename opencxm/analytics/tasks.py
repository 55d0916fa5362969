"""Background work of the analytics app (run by `opencxm worker`)."""

from django.tasks import task


@task
def evaluate_alerts(day: str | None = None) -> dict:
    """Evaluate every active target and raise/close alerts; safe to run twice or on several machines."""
    from datetime import date

    from opencxm.analytics.alerts import evaluate

    return evaluate(date.fromisoformat(day) if day else None)
