from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class InsightKind(models.TextChoices):
    PAIN_POINT = "pain_point", _("Pain point")
    OPPORTUNITY = "opportunity", _("Opportunity")
    IDEA = "idea", _("Idea")
    OBSERVATION = "observation", _("Observation")


class InsightStatus(models.TextChoices):
    NEW = "new", _("New")
    VALIDATED = "validated", _("Validated")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    REJECTED = "rejected", pgettext_lazy("insights", "Rejected")


class ValidationMethod(models.TextChoices):
    NONE = "none", _("Not validated")
    FOCUS_CUSTOMERS = "focus_customers", _("Focus customers")
    SAMPLE = "sample", _("Customer sample")
    DATA = "data", _("Data analysis")


class Track(models.TextChoices):
    ROADMAP = "roadmap", _("Roadmap (internal)")
    PLAYBOOK = "playbook", _("Playbook (customer-side)")


class ActionCategory(models.TextChoices):
    # roadmap: internal change (seed 004)
    PROCESS = "process", _("Processes")
    STRUCTURE = "structure", _("Structures")
    PEOPLE = "people", _("People")
    SKILLS = "skills", _("Skills")
    TECHNOLOGY = "technology", _("Technology")
    TOOLS = "tools", _("Tools")
    INFORMATION = "information", _("Information")
    CULTURE = "culture", _("Culture")
    # playbook: customer-side change
    RELATIONSHIP = "relationship", _("Relationship")
    CUSTOMER_PROCESS = "customer_process", _("Customer processes")
    CHANNEL = "channel", _("Channels")
    TOUCHPOINT = "touchpoint", _("Touchpoints")
    COMMUNICATION = "communication", _("Communication")


TRACK_CATEGORIES = {
    Track.ROADMAP: (
        ActionCategory.PROCESS, ActionCategory.STRUCTURE, ActionCategory.PEOPLE, ActionCategory.SKILLS,
        ActionCategory.TECHNOLOGY, ActionCategory.TOOLS, ActionCategory.INFORMATION, ActionCategory.CULTURE,
    ),
    Track.PLAYBOOK: (
        ActionCategory.RELATIONSHIP, ActionCategory.CUSTOMER_PROCESS, ActionCategory.CHANNEL,
        ActionCategory.TOUCHPOINT, ActionCategory.COMMUNICATION,
    ),
}  # fmt: skip


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


# target status -> states it may be reached from; "validated" is reached through insight_validate only
INSIGHT_TRANSITIONS = {
    InsightStatus.NEW: (InsightStatus.REJECTED,),
    InsightStatus.IN_PROGRESS: (InsightStatus.NEW, InsightStatus.VALIDATED),
    InsightStatus.DONE: (InsightStatus.IN_PROGRESS,),
    InsightStatus.REJECTED: (InsightStatus.NEW, InsightStatus.VALIDATED, InsightStatus.IN_PROGRESS),
}
VALIDATE_FROM = (InsightStatus.NEW,)

ACTION_TRANSITIONS = {
    ActionStatus.PLANNED: (ActionStatus.CANCELLED,),
    ActionStatus.IN_PROGRESS: (ActionStatus.PLANNED, ActionStatus.DONE),
    ActionStatus.DONE: (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS),
    ActionStatus.CANCELLED: (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS),
}


class InsightEventType(models.TextChoices):
    CREATED = "created", _("created")
    UPDATED = "updated", _("changed")
    STATUS_CHANGED = "status_changed", _("status changed")
    VALIDATED = "validated", _("validated")
    EVIDENCE_ADDED = "evidence_added", _("evidence added")
    ACTION_ADDED = "action_added", _("action added")


class ActionEventType(models.TextChoices):
    CREATED = "created", _("created")
    UPDATED = "updated", _("changed")
    STATUS_CHANGED = "status_changed", _("status changed")
