import django.db.models
from django.db import migrations


def backfill(apps, schema_editor):
    """Existing transitions get the time of their second event: the cases are rebuilt from their events (the
    same order as services.cases_refresh: time, then arrival)."""
    event_model = apps.get_model("events", "Event")
    transition_model = apps.get_model("events", "Transition")
    case_ids = sorted(set(transition_model.objects.filter(at__isnull=True).values_list("case_id", flat=True)))
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start : start + 500]
        steps: dict[int, list] = {}
        rows = event_model.objects.filter(case_id__in=chunk).order_by("case_id", "timestamp", "id")
        for case_id, activity_id, stamp, department_id in rows.values_list(
            "case_id", "activity_id", "timestamp", "department_id"
        ):
            steps.setdefault(case_id, []).append((activity_id, stamp, department_id))
        transition_model.objects.filter(case_id__in=chunk).delete()
        transition_model.objects.bulk_create(
            [
                transition_model(case_id=case_id, from_activity_id=a, to_activity_id=b,
                                 seconds=(t2 - t1).total_seconds(), from_department_id=d1, to_department_id=d2,
                                 at=t2)
                for case_id, path in steps.items()
                for (a, t1, d1), (b, t2, d2) in zip(path, path[1:], strict=False)
            ],
            batch_size=5000,
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_transition_departments"),
    ]

    operations = [
        migrations.AddField(
            model_name="transition",
            name="at",
            field=django.db.models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
