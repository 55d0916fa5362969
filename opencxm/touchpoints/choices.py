from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    WEB = "web", _("Website")
    APP = "app", _("App")
    HOTLINE = "hotline", _("Hotline / phone")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    SHOP = "shop", _("Shop / branch")
    FIELD_SERVICE = "field_service", _("Field service")
    LETTER = "letter", _("Letter / invoice")
    SOCIAL = "social", _("Social media")
    PARTNER = "partner", _("Partner / retail")
    OTHER = "other", _("Other")


class TouchpointStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    ACTIVE = "active", _("active")
    RETIRED = "retired", _("retired")


class Raci(models.TextChoices):
    RESPONSIBLE = "R", _("Responsible")
    ACCOUNTABLE = "A", _("Accountable")
    CONSULTED = "C", _("Consulted")
    INFORMED = "I", _("Informed")
