"""Shared pytest fixtures: the permission `world` (one object of each kind, one user per persona)."""

from dataclasses import dataclass, field

import pytest

from tests import factories as f

PERSONAS = ("anonymous", "other_department", "viewer", "ambassador", "cx_team", "admin")


@dataclass
class World:
    """Department `own` (the ambassador's) and `other`; a touchpoint, journey, stage, step owned by `own`,
    and a touchpoint/step owned by `other`. `users` maps persona -> user (None for anonymous)."""

    own: object
    other: object
    channel: object
    touchpoint: object
    other_touchpoint: object
    segment: object
    journey: object
    stage: object
    step: object
    other_step: object
    users: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


@pytest.fixture
def world(db):
    own = f.DepartmentFactory(code="kundenservice", name="Kundenservice")
    other = f.DepartmentFactory(code="vertrieb", name="Vertrieb")
    channel = f.ChannelFactory(code="hotline", name="Hotline", kind="hotline")
    touchpoint = f.TouchpointFactory(code="TP-OWN", name="Hotline Störung", channel=channel, owner_department=own)
    other_touchpoint = f.TouchpointFactory(
        code="TP-OTHER", name="Vertragsabschluss", channel=channel, owner_department=other
    )
    segment = f.SegmentFactory(code="privat", name="Privatkunden")
    journey = f.JourneyFactory(name="Störung beheben", segment=segment)
    stage = f.StageFactory(journey=journey, position=1, name="Service")
    step = f.JourneyStepFactory(stage=stage, position=1, touchpoint=touchpoint)
    other_step = f.JourneyStepFactory(stage=stage, position=2, touchpoint=other_touchpoint)
    users = {"anonymous": None}
    users["other_department"] = _member("p_other", other, "ambassador")
    users["viewer"] = _member("p_viewer", own, "viewer")
    users["ambassador"] = _member("p_ambassador", own, "ambassador")
    users["cx_team"] = _member("p_cxteam", own, "cx_team")
    admin = f.UserFactory(username="p_admin", is_superuser=True, is_staff=True)
    users["admin"] = admin
    return World(own, other, channel, touchpoint, other_touchpoint, segment, journey, stage, step, other_step, users)


def _member(username, department, role):
    user = f.UserFactory(username=username)
    f.MembershipFactory(user=user, department=department, role=role)
    return user


@pytest.fixture
def cx_lead(db):
    department = f.DepartmentFactory(code="cx", name="CX-Team")
    return _member("lead", department, "cx_lead")


@dataclass
class SmtpInbox:
    """Messages received by the test's real SMTP server (aiosmtpd on loopback)."""

    host: str
    port: int
    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1; settings.MAILERS point at it for the test."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = SmtpInbox("127.0.0.1", port)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "use_ssl": False, "timeout": 10},
        }
    }
    yield inbox
    controller.stop()
