from django.db import models
from django.utils.translation import gettext_lazy as _


class JourneyKind(models.TextChoices):
    CURRENT = "current", _("current (as-is)")
    TARGET = "target", _("target (to-be)")


class Emotion(models.IntegerChoices):
    VERY_NEGATIVE = -2, _("very negative")
    NEGATIVE = -1, _("negative")
    NEUTRAL = 0, _("neutral")
    POSITIVE = 1, _("positive")
    VERY_POSITIVE = 2, _("very positive")
