from django.db import migrations


def drop(apps, schema_editor):
    """All logs together keep no summary any more (aggregates.refresh): discovery of all logs reads the
    per-variant durations, so the rows with no log are removed."""
    for name in ("EdgeSummary", "VariantSummary"):
        apps.get_model("events", name).objects.filter(log__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0012_case_recorded_department"),
    ]

    operations = [
        migrations.RunPython(drop, migrations.RunPython.noop),
    ]
