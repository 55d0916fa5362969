from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CX_LEAD = "cx_lead", _("CX lead")
    CX_TEAM = "cx_team", _("CX team")
    AMBASSADOR = "ambassador", _("CX ambassador")
    BOARD_MEMBER = "board_member", _("CX board member")
    CONTRIBUTOR = "contributor", _("Contributor")
    VIEWER = "viewer", _("Viewer")


class TokenScope(models.TextChoices):
    READ = "read", _("read only")
    WRITE = "write", _("read and write")
