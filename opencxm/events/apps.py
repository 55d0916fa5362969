from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "opencxm.events"
    label = "events"
    verbose_name = _("Event logs and actual journeys")

    def ready(self):
        from django.db.models.signals import post_delete, post_migrate

        from opencxm.accounts.models import Department

        post_delete.connect(_department_deleted, sender=Department, dispatch_uid="events_department_deleted")
        post_migrate.connect(_analyze_after_migrations, sender=self, dispatch_uid="events_analyze_after_migrations")


def _department_deleted(sender, instance, **kwargs):
    from opencxm.events import casefacts

    casefacts.department_deleted(instance.pk)


def _analyze_after_migrations(sender, using="default", plan=None, **kwargs):
    """SQLite: fresh planner statistics once migrations ran. A migration that rebuilds a table (SQLite adds some
    columns by copying the table) drops its statistics, and without them discovery at 10,000,000 events chose
    slower plans (a combined filter 2.0 s -> 3.1 s). PostgreSQL's autovacuum gathers its own."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite" or not any(not backwards for _migration, backwards in plan or ()):
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
