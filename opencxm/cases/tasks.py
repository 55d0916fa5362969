"""Background work of the cases app (Django tasks; `opencxm worker` runs them)."""

from django.tasks import task


@task()
def create_cases(feedback_ids: list[int]) -> int:
    """Open cases for new and changed feedback records. Safe to run twice: a record with a case is skipped."""
    from opencxm.cases.services import cases_from_feedback

    return cases_from_feedback(feedback_ids=feedback_ids)


@task()
def escalate_overdue() -> int:
    """Escalate every case past its SLA (idempotent)."""
    from opencxm.cases.services import cases_escalate_overdue

    return cases_escalate_overdue()


def cases_enqueue(feedback_ids: list[int]) -> None:
    """Called by the feedback app after a write commits: queue `create_cases` when any case rule is active."""
    from opencxm.cases.models import CaseRule

    if feedback_ids and CaseRule.objects.filter(active=True).exists():
        create_cases.enqueue(list(feedback_ids))
