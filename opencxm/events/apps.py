from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "opencxm.events"
    label = "events"
    verbose_name = _("Event logs and actual journeys")

    def ready(self):
        from django.db.models.signals import post_delete

        from opencxm.accounts.models import Department

        post_delete.connect(_department_deleted, sender=Department, dispatch_uid="events_department_deleted")


def _department_deleted(sender, instance, **kwargs):
    from opencxm.events import casefacts

    casefacts.department_deleted(instance.pk)
