"""Per-log discovery aggregates: the directly-follows map (count, exact median and p90 seconds per edge) and
the variant counts of each whole log, plus one row set (log NULL) for all logs together, because quantiles of
several logs cannot be merged from per-log values.

`refresh` recomputes them from the per-case transitions and variants for the touched logs and the all-logs set;
services.cases_refresh calls it in the same transaction that rewrites the cases, and migration 0004 fills them
for data that existed before. Discovery reads them when no filter other than the log is set (selectors.discover).
"""

from collections.abc import Iterable

from django.db.models import Count

from opencxm.events import selectors


def refresh(log_ids: Iterable[int], *, apps=None) -> None:
    """Recompute the summaries of these logs and of all logs together (log NULL). `apps`: a migration's
    historical models (the migration that fills the tables for existing data)."""
    models = _models(apps)
    for log_id in [*sorted(set(log_ids)), None]:
        _refresh_one(models, log_id)


def _models(apps):
    if apps is None:
        from opencxm.events import models

        return models.Case, models.Transition, models.EdgeSummary, models.VariantSummary
    return tuple(apps.get_model("events", name) for name in ("Case", "Transition", "EdgeSummary", "VariantSummary"))


def _refresh_one(models, log_id: int | None) -> None:
    case_model, transition_model, edge_model, variant_model = models
    cases = case_model.objects.filter(variant__isnull=False)
    if log_id is not None:
        cases = cases.filter(log_id=log_id)
    edge_model.objects.filter(log_id=log_id).delete()
    variant_model.objects.filter(log_id=log_id).delete()
    logs = list(cases.values_list("log_id", flat=True).distinct()[:2])
    if log_id is None and len(logs) == 1:  # all cases are in one log: all logs = that log, no second ranking
        _copy_all_logs(models, logs[0])
        return
    variants = cases.values("variant_id").annotate(n=Count("id")).order_by("variant_id")
    variant_model.objects.bulk_create(
        [variant_model(log_id=log_id, variant_id=row["variant_id"], cases=row["n"]) for row in variants],
        batch_size=5000,
    )
    edge_model.objects.bulk_create(
        [
            edge_model(log_id=log_id, from_activity_id=a, to_activity_id=b, count=n, median_seconds=median,
                       p90_seconds=p90)
            for a, b, n, median, p90 in selectors.edge_stats(transition_model.objects.filter(case__in=cases))
        ],
        batch_size=5000,
    )  # fmt: skip


def _copy_all_logs(models, log_id: int) -> None:
    _case, _transition, edge_model, variant_model = models
    edges = edge_model.objects.filter(log_id=log_id)
    edge_model.objects.bulk_create(
        [
            edge_model(log_id=None, from_activity_id=a, to_activity_id=b, count=n, median_seconds=median,
                       p90_seconds=p90)
            for a, b, n, median, p90 in edges.values_list(
                "from_activity_id", "to_activity_id", "count", "median_seconds", "p90_seconds"
            )
        ],
        batch_size=5000,
    )  # fmt: skip
    variants = variant_model.objects.filter(log_id=log_id).values_list("variant_id", "cases")
    variant_model.objects.bulk_create(
        [variant_model(log_id=None, variant_id=variant_id, cases=n) for variant_id, n in variants], batch_size=5000
    )
