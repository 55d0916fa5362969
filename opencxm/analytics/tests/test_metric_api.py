import pytest

from opencxm.accounts.models import ApiToken
from opencxm.analytics.tests.cockpit_data import sample
from opencxm.core.api_auth import token_digest

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, world):
    raw = "ocx_metrics_test"
    ApiToken.objects.create(user=world.users["viewer"], name="t", prefix=raw[:8], digest=token_digest(raw))

    def get(path, params=None):
        return client.get(f"/api/v1{path}", params or {}, headers={"Authorization": f"Bearer {raw}"})

    return get


def test_registry(api):
    response = api("/metrics")
    assert response.status_code == 200
    items = response.json()["items"]
    nps = items[0]
    assert nps["key"] == "nps" and (nps["scale_min"], nps["scale_max"], nps["higher_is_better"]) == (-100, 100, True)
    assert nps["definition"].startswith("Net Promoter Score")
    assert {"csat", "ces", "responses", "complaint_rate", "contact_rate"} <= {item["key"] for item in items}


def test_metric_without_grouping(api, world):
    sample(world)
    body = api("/metrics/nps", {"from": "2026-01-01", "to": "2026-03-31"}).json()
    assert (body["metric"]["key"], body["group_by"]) == ("nps", [])
    assert (body["from"], body["to"]) == ("2026-01-01", "2026-03-31")
    [row] = body["rows"]
    assert row["key"] == {} and round(row["value"], 3) == 11.111 and row["n"] == 9
    assert row["low"] < row["value"] < row["high"]


def test_metric_by_touchpoint_and_month_in_public_ids(api, world):
    sample(world)
    params = {"group_by": "touchpoint,time", "grain": "month", "from": "2026-01-01", "to": "2026-03-31"}
    rows = api("/metrics/csat_mean", params).json()["rows"]
    own, other = str(world.touchpoint.public_id), str(world.other_touchpoint.public_id)
    assert [(row["key"], row["value"], row["n"]) for row in rows] == [
        ({"touchpoint": own, "time": "2026-01-01"}, 3.5, 4),
        ({"touchpoint": own, "time": "2026-02-01"}, 5.0, 2),
        ({"touchpoint": other, "time": "2026-03-01"}, 1.5, 2),
    ]


def test_metric_filters_by_public_ids(api, world):
    sample(world)
    query = {"department": str(world.other.public_id), "group_by": "department"}
    rows = api("/metrics/responses", query).json()["rows"]
    assert [(row["key"], row["value"]) for row in rows] == [({"department": str(world.other.public_id)}, 2.0)]
    rows = api("/metrics/responses", {"journey": str(world.journey.public_id), "group_by": "stage"}).json()["rows"]
    assert [(row["key"], row["value"]) for row in rows] == [({"stage": str(world.stage.public_id)}, 11.0)]
    rows = api("/metrics/responses", {"segment": str(world.segment.public_id)}).json()["rows"]
    assert rows[0]["value"] == 1.0


@pytest.mark.parametrize(
    "params",
    [{"group_by": "colour"}, {"grain": "decade"}, {"touchpoint": "00000000-0000-0000-0000-000000000000"},
     {"touchpoint": "nonsense"}, {"from": "2026-03-01", "to": "2026-01-01"}],
)  # fmt: skip
def test_unknown_dimension_grain_or_object_is_422(api, world, params):
    assert api("/metrics/nps", params).status_code == 422


def test_unknown_metric_is_422_and_custom_measurements_are_known(api, world):
    from opencxm.feedback.models import DataSource, Measurement

    assert api("/metrics/happiness").status_code == 422
    source = DataSource.objects.create(name="Betrieb")
    Measurement.objects.create(source=source, touchpoint=world.touchpoint, metric="chats", day="2026-01-02", value=7)
    rows = api("/metrics/chats").json()["rows"]
    assert rows[0]["value"] == 7.0


def test_anonymous_gets_401(client):
    assert client.get("/api/v1/metrics/nps").status_code == 401
