from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from opencxm.analytics.tests.cockpit_data import PERIOD, at, make_feedback, sample, store
from opencxm.feedback.models import DataSource
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(client, world):
    client.force_login(world.users["viewer"])
    return client


def tiles(response):
    return {tile.metric.key: tile for tile in response.context["cockpit"].tiles}


def params(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_tiles_show_the_exact_figures_and_change(viewer, world):
    sample(world)
    response = viewer.get("/cockpit/", PERIOD, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    found = tiles(response)
    assert list(found) == ["nps", "csat", "ces", "responses", "complaint_rate"]
    assert (found["nps"].value_text, found["nps"].current.n, found["nps"].delta_text) == ("11", 9, "+11")
    assert (found["nps"].direction, found["nps"].tone) == ("up", "success")
    assert (found["csat"].value_text, found["csat"].current.n) == ("50.0 %", 8)
    assert (found["ces"].value_text, found["ces"].current.n) == ("5.00", 4)
    assert (found["responses"].value_text, found["responses"].delta_text) == ("9", "+350 %")
    assert found["complaint_rate"].value_text == "–"  # no contact measurements
    body = response.content.decode()
    assert 'data-metric="nps"' in body and "vs previous period" in body


def test_tiles_in_german_use_the_decimal_comma(viewer, world):
    sample(world)
    response = viewer.get("/cockpit/", PERIOD, headers={"Accept-Language": "de"})
    found = tiles(response)
    assert (found["csat"].value_text, found["ces"].value_text) == ("50,0 %", "5,00")
    assert "Vorperiode" in response.content.decode()


def test_tile_links_drill_down_to_the_period_and_kind(viewer, world):
    sample(world)
    found = tiles(viewer.get("/cockpit/", PERIOD))
    assert params(found["nps"].link) == {"start": "2026-01-01", "end": "2026-03-31"}
    assert params(found["responses"].link) == {"start": "2026-01-01", "end": "2026-03-31", "kind": "response"}
    assert params(found["complaint_rate"].link)["kind"] == "complaint"
    listed = viewer.get(found["responses"].link)
    assert listed.context["page"].paginator.count == 9


def test_default_period_is_twelve_months_up_to_the_latest_data(viewer, world):
    sample(world)
    response = viewer.get("/cockpit/")
    period = response.context["period"]
    assert (period.start.isoformat(), period.end.isoformat()) == ("2025-04-01", "2026-03-05")
    assert tiles(response)["responses"].current.n == 11


def test_preset_periods_end_at_the_latest_data(viewer, world):
    sample(world)
    period = viewer.get("/cockpit/", {"period": "30d"}).context["period"]
    assert (period.start.isoformat(), period.end.isoformat()) == ("2026-02-04", "2026-03-05")
    assert period.previous().end.isoformat() == "2026-02-03"


def test_heatmap_cells_link_to_the_touchpoint_and_month(viewer, world):
    sample(world)
    response = viewer.get("/cockpit/", PERIOD)
    chart = response.context["heatmap_chart"]
    assert chart["x"] == ["Jan 2026", "Feb 2026", "Mär 2026"]
    assert chart["y"] == ["TP-OWN Hotline Störung", "TP-OTHER Vertragsabschluss"]
    assert chart["cells"] == [[0, 0, 25.0, 4], [1, 0, 66.67, 3], [2, 1, -100.0, 2]]
    assert params(chart["links"]["1,0"]) == {
        "start": "2026-02-01",
        "end": "2026-02-28",
        "touchpoint": str(world.touchpoint.public_id),
    }
    listed = viewer.get(chart["links"]["1,0"])
    assert listed.context["page"].paginator.count == 3


def test_trend_by_week_and_month(viewer, world):
    sample(world)
    monthly = viewer.get("/cockpit/", PERIOD).context["trend_chart"]
    assert monthly["series"][0]["values"] == [25.0, 66.67, -100.0]
    assert monthly["counts"] == [4, 3, 2]
    assert monthly["band"]["low"][0] < 25.0 < monthly["band"]["high"][0]
    assert params(monthly["links"][2]) == {"start": "2026-03-01", "end": "2026-03-31"}
    weekly = viewer.get("/cockpit/", PERIOD | {"grain": "week", "metric": "csat_mean"}).context["trend_chart"]
    assert weekly["series"][0]["values"] == [3.5, 5.0, 1.5]
    assert params(weekly["links"][0]) == {"start": "2026-01-12", "end": "2026-01-18"}


def test_soll_ist_journey_colours_steps_against_their_target_score(viewer, world):
    sample(world)
    world.step.target_score = 4  # TP-OWN CSAT mean 4.0 (6 ratings): on target
    world.step.save()
    world.other_step.target_score = 4  # TP-OTHER CSAT mean 1.5: below target
    world.other_step.save()
    response = viewer.get("/cockpit/", PERIOD, headers={"Accept-Language": "en"})
    journeys = response.context["cockpit"].journeys
    assert [j.journey.name for j in journeys] == ["Störung beheben"]
    steps = [s for stage in journeys[0].stages for s in stage.steps]
    assert [(s.step.touchpoint.code, s.value_text, s.target_value, s.status) for s in steps] == [
        ("TP-OWN", "4.00", 4.0, "ok"),
        ("TP-OTHER", "1.50", 4.0, "breach"),
    ]
    assert params(steps[1].link)["touchpoint"] == str(world.other_touchpoint.public_id)
    body = response.content.decode()
    assert "soll-ist-step status-ok" in body and "soll-ist-step status-breach" in body


def test_soll_ist_amber_band_is_five_percent_of_the_scale(viewer, world):
    sample(world)
    world.step.target_score = "4.15"  # actual 4.0, band 0.2 on the 1–5 scale: close to target
    world.step.save()
    steps = viewer.get("/cockpit/", PERIOD).context["cockpit"].journeys[0].stages[0].steps
    assert steps[0].status == "warning"


def test_worst_movers_need_thirty_answers_and_sort_by_drop(viewer, world):
    source = DataSource.objects.create(name="Viele")
    third = f.TouchpointFactory(code="TP-THIRD", owner_department=world.own)
    rows = []
    for touchpoint, before, now in ((world.touchpoint, 10, 0), (world.other_touchpoint, 10, 7), (third, 0, 10)):
        for i in range(30):
            rows.append(make_feedback(source, at("2025-12-01") + timedelta(hours=i), touchpoint, nps=before))
            rows.append(make_feedback(source, at("2026-02-01") + timedelta(hours=i), touchpoint, nps=now))
    rows.append(make_feedback(source, at("2026-02-01"), f.TouchpointFactory(code="TP-FEW"), nps=0))
    store(rows)
    movers = viewer.get("/cockpit/", PERIOD).context["cockpit"].movers
    assert [(m.touchpoint.code, round(m.delta)) for m in movers] == [("TP-OWN", -200), ("TP-OTHER", -100)]
    assert params(movers[0].link)["touchpoint"] == str(world.touchpoint.public_id)


def test_department_view_shows_only_its_touchpoints(viewer, world):
    sample(world)
    response = viewer.get(f"/cockpit/department/{world.own.public_id}/", PERIOD)
    assert response.status_code == 200
    found = tiles(response)
    assert (found["nps"].value_text, found["nps"].current.n) == ("43", 7)  # 4 promoters, 1 detractor of 7
    assert response.context["heatmap_chart"]["y"] == ["TP-OWN Hotline Störung"]
    steps = response.context["cockpit"].journeys[0].stages[0].steps
    assert [s.step.touchpoint.code for s in steps] == ["TP-OWN"]
    assert params(found["nps"].link)["department"] == str(world.own.public_id)
    assert viewer.get(found["nps"].link).context["page"].paginator.count == 7


def test_department_view_of_an_unknown_department_is_404(viewer):
    assert viewer.get("/cockpit/department/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_start_page_is_the_cockpit_with_the_registry_figures(viewer, world):
    sample(world)
    response = viewer.get("/", PERIOD, headers={"Accept-Language": "en"})
    body = response.content.decode()
    assert tiles(response)["nps"].value_text == "11"
    assert 'data-chart="trend-chart"' in body and 'id="soll-ist"' in body
    assert "Registry and organisation" in body and response.context["touchpoints"]["active"] == 2


def test_cockpit_without_data_shows_dashes(viewer, world):
    response = viewer.get("/cockpit/")
    assert response.status_code == 200
    assert [tile.value_text for tile in response.context["cockpit"].tiles] == ["–"] * 5
    assert response.context["cockpit"].heatmap.rows == []


def test_invalid_choices_fall_back_to_defaults(viewer, world):
    sample(world)
    query = {"period": "custom", "start": "2026-03-31", "end": "2026-01-01", "metric": "x"}
    response = viewer.get("/cockpit/", query, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.context["cockpit"].choice.metric == "nps"
    assert response.context["form"].errors == {
        "metric": ["Select a valid choice. x is not one of the available choices."],
        "end": ["The end lies before the start."],
    }


def _volume(world, rows_per_touchpoint):
    source = DataSource.objects.create(name=f"Umfrage {rows_per_touchpoint}")
    touchpoints = [world.touchpoint, world.other_touchpoint]
    store(
        [
            make_feedback(source, at("2026-01-05") + timedelta(days=i % 80), tp, nps=i % 11, csat=1 + i % 5)
            for tp in touchpoints
            for i in range(rows_per_touchpoint)
        ]
    )


@pytest.mark.parametrize("url", ["/cockpit/", "/cockpit/department/{own}/", "/"])
def test_cockpit_query_count_does_not_grow_with_the_data(viewer, world, url, django_assert_num_queries):
    url = url.format(own=world.own.public_id)
    _volume(world, 5)
    viewer.get(url, PERIOD)  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        viewer.get(url, PERIOD)
    _volume(world, 50)
    for extra in range(10):
        f.JourneyStepFactory(stage=world.stage, position=10 + extra, touchpoint=f.TouchpointFactory())
    with CaptureQueriesContext(connection) as large:
        viewer.get(url, PERIOD)
    assert len(large) == len(small)
    assert len(small) <= 40


def test_metric_definitions_list_the_registry(viewer):
    response = viewer.get("/cockpit/metrics/", headers={"Accept-Language": "en"})
    body = response.content.decode()
    assert [m.key for m in response.context["metrics"]][:4] == ["nps", "csat", "csat_mean", "ces"]
    assert "Net Promoter Score" in body and "lower is better" in body and "higher is better" in body


def _target(world, metric_key, value, warning, **scope):
    from opencxm.analytics.models import Target

    scope_type = next(iter(scope), "company")
    return Target.objects.create(
        metric=metric_key, scope_type=scope_type, target_value=value, warning_value=warning,
        owner_department=world.own, **scope,
    )  # fmt: skip


def test_tiles_and_trend_show_company_targets(viewer, world):
    sample(world)
    _target(world, "nps", 20, 10)  # NPS 11.1: between warning and target
    _target(world, "csat", 40, 30)  # CSAT 50 %: on target
    response = viewer.get("/cockpit/", PERIOD, headers={"Accept-Language": "en"})
    found = tiles(response)
    assert (found["nps"].target_text, found["nps"].status) == ("20", "warning")
    assert (found["csat"].target_text, found["csat"].status) == ("40.0 %", "ok")
    assert found["ces"].target_value is None
    assert response.context["trend_chart"]["target"] == 20.0
    assert "status-badge status-warning" in response.content.decode()


def test_department_view_uses_department_targets_and_touchpoint_targets_for_steps(viewer, world):
    sample(world)
    _target(world, "nps", 50, 40, department=world.own)  # department NPS 42.9: warning
    _target(world, "nps", 80, 0)  # company target: not for the department view
    _target(world, "nps", 30, 20, touchpoint=world.touchpoint)
    query = PERIOD | {"journey_metric": "nps"}
    response = viewer.get(f"/cockpit/department/{world.own.public_id}/", query)
    assert (tiles(response)["nps"].target_value, tiles(response)["nps"].status) == (50.0, "warning")
    [step] = response.context["cockpit"].journeys[0].stages[0].steps
    assert (step.target_value, step.status) == (30.0, "ok")  # touchpoint NPS 42.9 >= 30


def _figures(built):
    """Every number of a cockpit build, comparable between two ways of computing it."""
    tiles = [(t.metric.key, t.current, t.previous, t.target_value, t.status) for t in built.tiles]
    heat = built.heatmap.chart()
    journeys = [
        (step.step.id, step.estimate, step.status)
        for journey in built.journeys
        for stage in journey.stages
        for step in stage.steps
    ]
    movers = [(m.touchpoint.id, m.current, m.previous) for m in built.movers]
    return tiles, built.trend, heat, journeys, movers


@pytest.mark.parametrize("metric_key", ["nps", "csat", "csat_mean", "ces", "responses", "complaints", "complaint_rate"])
@pytest.mark.parametrize("grain", ["month", "week"])
@pytest.mark.parametrize(("start", "end"), [("2026-01-01", "2026-03-31"), ("2026-01-10", "2026-03-20")])
def test_shared_scans_give_the_same_cockpit_as_one_query_per_figure(world, metric_key, grain, start, end):
    from datetime import date

    from opencxm.analytics.cockpit import CockpitChoice, Scope, cockpit_build
    from opencxm.analytics.selectors import Period

    sample(world)
    _volume(world, 40)
    choice = CockpitChoice(period=Period(date.fromisoformat(start), date.fromisoformat(end)), metric=metric_key,
                           grain=grain, journey_metric="csat_mean" if metric_key != "nps" else "nps")  # fmt: skip
    for scope in (Scope(), Scope(world.own)):
        shared = cockpit_build(scope=scope, choice=choice)
        alone = cockpit_build(scope=scope, choice=choice, shared=False)
        assert _figures(shared) == _figures(alone)
    assert any(tile.current.n for tile in shared.tiles)
