import pytest
from django.test import Client

from opencxm.journeys.models import Journey, JourneyStep, Segment, Stage
from opencxm.journeys.tests.helpers import build_journey
from tests import factories as f

HTMX = {"HX-Request": "true"}


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor(world):
    return _client(world.users["cx_team"])


@pytest.fixture
def ambassador(world):
    return _client(world.users["ambassador"])


def test_journey_map_renders_every_lane_and_the_stage_header(world, editor):
    html = editor.get(f"/journeys/{world.journey.public_id}/").content.decode()

    lanes = ("Touchpoints", "Kundenaktionen", "Kundengedanken", "Emotionskurve", "Pain Points", "Zielwert")
    for lane in (*lanes, "Abteilungen"):
        assert f'class="lane">{lane}' in html
    assert '<th scope="colgroup" colspan="2" class="jm-stage jm-stage-start">' in html
    assert "Hotline Störung" in html and "Vertragsabschluss" in html
    assert 'data-chart="journey-emotion"' in html
    assert '<script id="journey-emotion" type="application/json">' in html
    assert "vendor/echarts/echarts.min.js" in html and "opencxm/charts.js" in html


def test_journey_map_marks_the_handover(world, editor):
    html = editor.get(f"/journeys/{world.journey.public_id}/").content.decode()

    assert html.count("Übergabe Kundenservice → Vertrieb") == 2  # in the swimlane and in the summary
    assert "handover-mark" in html


def test_journey_map_shows_user_text_as_text(world, editor):
    world.step.customer_thoughts = "<script>alert(1)</script>"
    world.step.save()
    world.stage.name = "<b>Service</b>"
    world.stage.save()

    html = editor.get(f"/journeys/{world.journey.public_id}/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Service</b>" not in html


def test_viewer_sees_the_map_without_editing_controls(world):
    html = _client(world.users["viewer"]).get(f"/journeys/{world.journey.public_id}/").content.decode()

    assert "Hotline Störung" in html
    assert "hx-post" not in html
    assert "Phase hinzufügen" not in html


def test_ambassador_gets_step_controls_only_for_own_department(world, ambassador):
    html = ambassador.get(f"/journeys/{world.journey.public_id}/").content.decode()

    assert f"/journeys/steps/{world.step.public_id}/edit/" in html
    assert f"/journeys/steps/{world.other_step.public_id}/edit/" not in html
    assert f"/journeys/stages/{world.stage.public_id}/edit/" not in html
    assert 'aria-label="Schritt nach links verschieben"' not in html  # the own step is the first one
    assert 'aria-label="Schritt nach rechts verschieben"' in html


def _assert_map_partial(response):
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="journey-map"')
    assert "<html" not in html
    return html


def test_htmx_stage_actions_answer_with_the_map_partial(world, editor):
    url = f"/journeys/{world.journey.public_id}/stages/new/"
    html = _assert_map_partial(editor.get(url, headers=HTMX))
    assert f'hx-post="{url}"' in html

    _assert_map_partial(editor.post(url, {"name": "Kündigung", "description": ""}, headers=HTMX))
    new = Stage.objects.get(name="Kündigung")
    assert new.position == 2

    edit = f"/journeys/stages/{new.public_id}/edit/"
    _assert_map_partial(editor.get(edit, headers=HTMX))
    _assert_map_partial(editor.post(edit, {"name": "Abschied", "description": "Ende"}, headers=HTMX))
    _assert_map_partial(editor.post(f"/journeys/stages/{new.public_id}/move/", {"direction": "left"}, headers=HTMX))
    assert list(world.journey.stages.order_by("position").values_list("name", flat=True)) == ["Abschied", "Service"]

    html = _assert_map_partial(editor.post(f"/journeys/stages/{new.public_id}/delete/", headers=HTMX))
    assert "Abschied" not in html
    assert list(world.journey.stages.values_list("name", "position")) == [("Service", 1)]


def test_htmx_step_actions_answer_with_the_map_partial(world, editor):
    create = f"/journeys/stages/{world.stage.public_id}/steps/new/"
    _assert_map_partial(editor.get(create, headers=HTMX))
    data = {
        "touchpoint": str(world.touchpoint.public_id),
        "customer_action": "Prüft die Rechnung",
        "customer_thoughts": "Stimmt das?",
        "emotion": "-2",
        "target_score": "8.5",
        "pain_points": "Unklare Positionen",
    }
    html = _assert_map_partial(editor.post(create, data, headers=HTMX))
    assert "Prüft die Rechnung" in html
    step = JourneyStep.objects.get(customer_action="Prüft die Rechnung")
    assert (step.position, step.emotion, str(step.target_score)) == (3, -2, "8.50")

    edit = f"/journeys/steps/{step.public_id}/edit/"
    _assert_map_partial(editor.get(edit, headers=HTMX))
    _assert_map_partial(editor.post(edit, {**data, "customer_action": "Ruft an"}, headers=HTMX))
    _assert_map_partial(editor.post(f"/journeys/steps/{step.public_id}/move/", {"direction": "left"}, headers=HTMX))
    assert list(world.stage.steps.values_list("customer_action", flat=True))[1] == "Ruft an"

    _assert_map_partial(editor.post(f"/journeys/steps/{step.public_id}/delete/", headers=HTMX))
    assert not JourneyStep.objects.filter(pk=step.pk).exists()


def test_invalid_step_form_stays_open_with_errors(world, editor):
    url = f"/journeys/stages/{world.stage.public_id}/steps/new/"
    html = _assert_map_partial(editor.post(url, {"emotion": "5"}, headers=HTMX))

    assert "is-invalid" in html
    assert world.stage.steps.count() == 2


def test_editing_without_javascript_redirects_to_the_map(world, editor):
    response = editor.post(f"/journeys/steps/{world.step.public_id}/move/", {"direction": "right"})

    assert response.status_code == 302
    assert response["Location"] == f"/journeys/{world.journey.public_id}/"
    assert editor.get(f"/journeys/stages/{world.stage.public_id}/edit/").content.decode().count("<html") == 1


def test_ambassador_edits_own_step_but_not_another_departments(world, ambassador):
    own = ambassador.post(f"/journeys/steps/{world.step.public_id}/move/", {"direction": "right"}, headers=HTMX)
    other = ambassador.post(f"/journeys/steps/{world.other_step.public_id}/delete/", headers=HTMX)

    assert own.status_code == 200
    assert other.status_code == 403
    assert list(world.stage.steps.values_list("touchpoint__code", flat=True)) == ["TP-OTHER", "TP-OWN"]


def test_ambassador_may_not_give_a_step_another_departments_touchpoint(world, ambassador):
    response = ambassador.post(
        f"/journeys/steps/{world.step.public_id}/edit/",
        {"touchpoint": str(world.other_touchpoint.public_id), "emotion": "0"},
        headers=HTMX,
    )

    assert response.status_code == 403
    world.step.refresh_from_db()
    assert world.step.touchpoint == world.touchpoint


def test_ambassador_step_form_offers_only_own_touchpoints(world, ambassador):
    html = ambassador.get(f"/journeys/stages/{world.stage.public_id}/steps/new/", headers=HTMX).content.decode()

    assert f'<option value="{world.touchpoint.public_id}">TP-OWN Hotline Störung</option>' in html
    assert f'<option value="{world.other_touchpoint.public_id}"' not in html


def test_ambassador_may_not_change_stages(world, ambassador):
    response = ambassador.post(f"/journeys/stages/{world.stage.public_id}/delete/", headers=HTMX)

    assert response.status_code == 403
    assert Stage.objects.filter(pk=world.stage.pk).exists()


def test_compare_view_shows_both_maps_and_the_differences(world, editor):
    target = build_journey([[world.own]], segment=world.segment, kind="target", emotions=[2])
    target_stage = target.stages.get()
    target_stage.name = "Service"
    target_stage.save()
    f.StageFactory(journey=target, position=2, name="Empfehlung")

    response = editor.get(f"/journeys/compare/?current={world.journey.public_id}&target={target.public_id}")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="compare-grid' in html
    assert 'data-chart="emotion-current"' in html and 'data-chart="emotion-target"' in html
    assert "Nur im Soll" in html and "Empfehlung" in html
    assert "Ø Emotion" in html
    assert '<td class="text-end delta-up">+2,00</td>' in html  # Service: Ist 0, Soll 2


def test_compare_refuses_journeys_of_different_segments_or_wrong_kinds(world, editor):
    other = f.JourneyFactory(kind="target")
    same_kind = f.JourneyFactory(segment=world.segment, kind="current")

    url = f"/journeys/compare/?current={world.journey.public_id}&target="
    assert editor.get(f"{url}{other.public_id}").status_code == 404
    assert editor.get(f"{url}{same_kind.public_id}").status_code == 404
    assert editor.get("/journeys/compare/?current=nonsense").status_code == 404


def test_journey_list_links_to_compare_when_a_segment_has_both_kinds(world, editor):
    target = f.JourneyFactory(segment=world.segment, kind="target", name="Soll-Weg")

    html = editor.get("/journeys/").content.decode()

    assert f"/journeys/compare/?current={world.journey.public_id}&amp;target={target.public_id}" in html
    assert "Ist-Journey" in html and "Soll-Journey" in html


def test_journey_list_filters_by_segment_and_kind(world, editor):
    f.JourneyFactory(name="Fremd", kind="target")

    html = editor.get("/journeys/", {"segment": str(world.segment.public_id), "kind": "current"}).content.decode()

    assert "Störung beheben" in html
    assert "Fremd" not in html


def test_segment_pages(world, editor):
    world.segment.is_target = True
    world.segment.decision_drivers = ["Preis"]
    world.segment.save()
    f.CustomerNeedFactory(segment=world.segment, position=1, text="Erreichbarkeit")

    listing = editor.get("/segments/").content.decode()
    detail = editor.get(f"/segments/{world.segment.public_id}/").content.decode()

    assert "Wunschkunden" in listing and "Erreichbarkeit" in listing and "1 Journey" in listing
    assert "Preis" in detail and "Störung beheben" in detail


def test_segment_create_and_edit_with_needs_one_per_line(world, editor):
    response = editor.post(
        "/segments/new/",
        {
            "code": "geschaeft",
            "name": "Geschäftskunden",
            "needs": "Erreichbarkeit\r\nSchnelle Entstörung\r\n",
            "decision_drivers": "Preis\nService",
            "preferred_channels": ["hotline"],
            "is_target": "on",
        },
    )
    segment = Segment.objects.get(code="geschaeft")
    assert response.status_code == 302
    assert list(segment.needs.values_list("text", flat=True)) == ["Erreichbarkeit", "Schnelle Entstörung"]
    assert segment.decision_drivers == ["Preis", "Service"]
    assert list(segment.preferred_channels.all()) == [world.channel]
    assert segment.is_target is True

    form = editor.get(f"/segments/{segment.public_id}/edit/").content.decode()
    assert "Erreichbarkeit\nSchnelle Entstörung</textarea>" in form


def test_segment_delete_refused_while_it_has_journeys(world, editor):
    response = editor.post(f"/segments/{world.segment.public_id}/delete/", follow=True)

    assert Segment.objects.filter(pk=world.segment.pk).exists()
    assert "Dieses Segment hat noch Journeys" in response.content.decode()


def test_journey_create_and_delete(world, editor):
    response = editor.post(
        "/journeys/new/", {"name": "Umzug", "segment": str(world.segment.public_id), "kind": "target"}
    )
    journey = Journey.objects.get(name="Umzug")
    assert response["Location"] == f"/journeys/{journey.public_id}/"

    editor.post(f"/journeys/{journey.public_id}/delete/")
    assert not Journey.objects.filter(pk=journey.pk).exists()


@pytest.mark.parametrize("steps", [3, 30])
def test_journey_map_runs_a_bounded_number_of_queries(world, editor, steps, django_assert_num_queries):
    departments = [world.own, world.other]
    journey = build_journey([[departments[i % 2] for i in range(steps // 3)] for _ in range(3)], segment=world.segment)
    editor.get("/journeys/")  # warm the session

    with django_assert_num_queries(8):  # 7 + whether any event data exists (designed-against-actual overlay)
        response = editor.get(f"/journeys/{journey.public_id}/")
    assert response.content.decode().count("jm-lane-departments") == 1


@pytest.mark.parametrize("count", [2, 20])
def test_list_pages_run_a_bounded_number_of_queries(world, editor, count, django_assert_num_queries):
    for index in range(count):
        segment = f.SegmentFactory()
        f.CustomerNeedFactory(segment=segment, position=1)
        build_journey([[world.own, world.other]], segment=segment, kind="current" if index % 2 else "target")

    with django_assert_num_queries(6):
        editor.get("/journeys/")
    with django_assert_num_queries(5):
        editor.get("/segments/")
