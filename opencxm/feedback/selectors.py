"""Reads of the feedback app: data sources, feedback records, import jobs, customers."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from opencxm.analytics.rollups import local_zone
from opencxm.core.audit import audit_history
from opencxm.feedback.models import Customer, DataSource, Feedback, ImportJob


def data_source_list() -> QuerySet[DataSource]:
    """Every data source with its owner, fixed touchpoint and number of import jobs."""
    return DataSource.objects.select_related("owner_department", "fixed_touchpoint").annotate(
        job_count=Count("import_jobs", distinct=True)
    )


def data_source_get(public_id) -> DataSource:
    return get_object_or_404(DataSource.objects.select_related("owner_department", "fixed_touchpoint"),
                             public_id=public_id)  # fmt: skip


def data_source_get_or_404(public_id: str | None) -> DataSource:
    """The source with this public id (as text from a form); 404 for a missing or malformed id."""
    import uuid

    from django.http import Http404

    try:
        return data_source_get(uuid.UUID(str(public_id)))
    except ValueError:
        raise Http404 from None


def data_source_history(source: DataSource):
    return audit_history(source)[:20]


def sources_for_import(access) -> QuerySet[DataSource]:
    """The sources this user may import into: all for editors, else those owned by their departments."""
    sources = DataSource.objects.select_related("owner_department")
    if access.can_edit_all:
        return sources
    return sources.filter(owner_department_id__in=access.ambassador_of)


def import_job_list(source: DataSource | None = None) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.select_related("source", "created_by")
    return jobs.filter(source=source) if source is not None else jobs


def import_job_get(public_id) -> ImportJob:
    return get_object_or_404(import_job_list(), public_id=public_id)


@dataclass(frozen=True)
class FeedbackFilters:
    source: str = ""  # name
    touchpoint: str = ""  # code
    start: date | None = None
    end: date | None = None  # inclusive, local days


def feedback_list(filters: FeedbackFilters) -> QuerySet[Feedback]:
    """Feedback records, newest first, filtered by source name, touchpoint code and local days."""
    records = Feedback.objects.select_related("source", "customer", "touchpoint", "channel", "segment", "analysis")
    if filters.source:
        records = records.filter(source__name=filters.source)
    if filters.touchpoint:
        records = records.filter(touchpoint__code=filters.touchpoint)
    if filters.start:
        records = records.filter(responded_at__gte=datetime.combine(filters.start, time.min, tzinfo=local_zone()))
    if filters.end:
        end = datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=local_zone())
        records = records.filter(responded_at__lt=end)
    return records


def feedback_get(public_id) -> Feedback:
    return get_object_or_404(feedback_list(FeedbackFilters()), public_id=public_id)


def customer_get(public_id) -> Customer:
    return get_object_or_404(Customer.objects.select_related("segment"), public_id=public_id)


def customer_feedback(customer: Customer):
    return Feedback.objects.filter(customer=customer).select_related("source", "touchpoint")[:50]


def customer_contact(customer: Customer):
    """The contact record or None (callers check the permission first)."""
    return getattr(customer, "contact", None) if hasattr(customer, "contact") else None
