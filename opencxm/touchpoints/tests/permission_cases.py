from django.core.files.uploadedfile import SimpleUploadedFile

from opencxm.touchpoints.models import Channel, Touchpoint
from tests import factories as f
from tests.permissions import ALL, EDITORS, OWN_DEPARTMENT, Case

SOME_EDITORS = OWN_DEPARTMENT | {"other_department"}  # every ambassador (of any department) and the editors
OTHER_DEPARTMENT = frozenset({"other_department", "cx_team", "admin"})  # world.other_touchpoint's owners


def _touchpoint_state(touchpoint):
    def state(w):
        t = Touchpoint.objects.get(pk=getattr(w, touchpoint).pk)
        return (t.code, t.name, t.status, t.owner_department_id, t.retired_at, list(t.contributions.values_list()))

    return state


def _registry(w):
    return sorted(Touchpoint.objects.values_list("code", "name", "status", "owner_department_id"))


def _channels(w):
    return sorted(Channel.objects.values_list("code", "name", "kind"))


def _form(w, touchpoint, name="Geändert"):
    return {
        "code": touchpoint.code,
        "name": name,
        "description": "",
        "channel": w.channel.pk,
        "owner_department": touchpoint.owner_department_id,
        "status": "active",
        "processes": "",
        "systems": "",
        "contrib-TOTAL_FORMS": "0",
        "contrib-INITIAL_FORMS": "0",
    }


def _new_form(w):
    return _form(w, Touchpoint(code="TP-NEW", owner_department=w.own), name="Neu")


def _import_file(w):
    body = "code;name;channel;owner_department\nTP-IMP;Importiert;hotline;kundenservice\n"
    return {"file": SimpleUploadedFile("touchpoints.csv", body.encode("utf-8"), content_type="text/csv")}


def _spare_touchpoint(w):
    if "touchpoint" not in w.extra:
        w.extra["touchpoint"] = f.TouchpointFactory(code="TP-SPARE", channel=w.channel, owner_department=w.own)
    return w.extra["touchpoint"]


def _spare_channel(w):
    if "channel" not in w.extra:
        w.extra["channel"] = f.ChannelFactory(code="spare", name="Spare")
    return w.extra["channel"]


def _api_touchpoint(w, owner="kundenservice", code="TP-API"):
    return {"code": code, "name": "API", "channel": "hotline", "owner_department": owner}


def _api_channel(w):
    return {"code": "fax", "name": "Fax", "kind": "other"}


CASES = [
    Case("touchpoints:list", lambda w: "/touchpoints/", ALL),
    Case("touchpoints:list", lambda w: "/touchpoints/?channel=hotline", ALL, htmx=True),
    Case("touchpoints:detail", lambda w: f"/touchpoints/{w.touchpoint.public_id}/", ALL),
    Case("touchpoints:create", lambda w: "/touchpoints/new/", SOME_EDITORS),
    Case("touchpoints:create", lambda w: "/touchpoints/new/", OWN_DEPARTMENT, "POST", _new_form, _registry),
    Case("touchpoints:edit", lambda w: f"/touchpoints/{w.touchpoint.public_id}/edit/", OWN_DEPARTMENT),
    Case(
        "touchpoints:edit",
        lambda w: f"/touchpoints/{w.touchpoint.public_id}/edit/",
        OWN_DEPARTMENT,
        "POST",
        lambda w: _form(w, w.touchpoint),
        _touchpoint_state("touchpoint"),
    ),
    Case(
        "touchpoints:edit",
        lambda w: f"/touchpoints/{w.other_touchpoint.public_id}/edit/",
        OTHER_DEPARTMENT,
        "POST",
        lambda w: _form(w, w.other_touchpoint),
        _touchpoint_state("other_touchpoint"),
    ),
    Case("touchpoints:retire", lambda w: f"/touchpoints/{w.touchpoint.public_id}/retire/", OWN_DEPARTMENT),
    Case(
        "touchpoints:retire",
        lambda w: f"/touchpoints/{w.touchpoint.public_id}/retire/",
        OWN_DEPARTMENT,
        "POST",
        state=_touchpoint_state("touchpoint"),
    ),
    Case(
        "touchpoints:retire",
        lambda w: f"/touchpoints/{w.other_touchpoint.public_id}/retire/",
        OTHER_DEPARTMENT,
        "POST",
        state=_touchpoint_state("other_touchpoint"),
    ),
    Case("touchpoints:import", lambda w: "/touchpoints/import/", SOME_EDITORS),
    # the other department's ambassador gets the page back with a row error (tested in test_import_views)
    Case("touchpoints:import", lambda w: "/touchpoints/import/", SOME_EDITORS, "POST", _import_file, _registry),
    Case("touchpoints:export", lambda w: "/touchpoints/export/?format=csv", ALL),
    Case("touchpoints:export", lambda w: "/touchpoints/export/?format=xlsx&channel=hotline", ALL),
    Case("touchpoints:channels", lambda w: "/touchpoints/channels/", ALL),
    Case(
        "touchpoints:channels",
        lambda w: "/touchpoints/channels/",
        EDITORS,
        "POST",
        lambda w: {"code": "fax", "name": "Fax", "kind": "other"},
        _channels,
    ),
    Case("touchpoints:channel_edit", lambda w: f"/touchpoints/channels/{w.channel.public_id}/", EDITORS),
    Case(
        "touchpoints:channel_edit",
        lambda w: f"/touchpoints/channels/{w.channel.public_id}/",
        EDITORS,
        "POST",
        lambda w: {"code": "hotline", "name": "Telefon", "kind": "hotline"},
        _channels,
    ),
    # API
    Case("GET /api/v1/touchpoints", lambda w: "/api/v1/touchpoints", ALL),
    Case(
        "POST /api/v1/touchpoints", lambda w: "/api/v1/touchpoints", OWN_DEPARTMENT, "POST", _api_touchpoint, _registry
    ),
    Case(
        "POST /api/v1/touchpoints",
        lambda w: "/api/v1/touchpoints",
        OTHER_DEPARTMENT,
        "POST",
        lambda w: _api_touchpoint(w, owner="vertrieb"),
        _registry,
    ),
    Case("GET /api/v1/touchpoints/{public_id}", lambda w: f"/api/v1/touchpoints/{w.touchpoint.public_id}", ALL),
    Case(
        "PUT /api/v1/touchpoints/{public_id}",
        lambda w: f"/api/v1/touchpoints/{w.touchpoint.public_id}",
        OWN_DEPARTMENT,
        "PUT",
        lambda w: _api_touchpoint(w, code="TP-OWN"),
        _touchpoint_state("touchpoint"),
    ),
    Case(
        "PUT /api/v1/touchpoints/{public_id}",
        lambda w: f"/api/v1/touchpoints/{w.other_touchpoint.public_id}",
        OTHER_DEPARTMENT,
        "PUT",
        lambda w: _api_touchpoint(w, owner="vertrieb", code="TP-OTHER"),
        _touchpoint_state("other_touchpoint"),
    ),
    Case(
        "DELETE /api/v1/touchpoints/{public_id}",
        lambda w: f"/api/v1/touchpoints/{_spare_touchpoint(w).public_id}",
        OWN_DEPARTMENT,
        "DELETE",
        state=_registry,
    ),
    Case("GET /api/v1/channels", lambda w: "/api/v1/channels", ALL),
    Case("POST /api/v1/channels", lambda w: "/api/v1/channels", EDITORS, "POST", _api_channel, _channels),
    Case("GET /api/v1/channels/{public_id}", lambda w: f"/api/v1/channels/{w.channel.public_id}", ALL),
    Case(
        "PUT /api/v1/channels/{public_id}",
        lambda w: f"/api/v1/channels/{w.channel.public_id}",
        EDITORS,
        "PUT",
        lambda w: {"code": "hotline", "name": "Telefon", "kind": "hotline"},
        _channels,
    ),
    Case(
        "DELETE /api/v1/channels/{public_id}",
        lambda w: f"/api/v1/channels/{_spare_channel(w).public_id}",
        EDITORS,
        "DELETE",
        state=_channels,
    ),
]
