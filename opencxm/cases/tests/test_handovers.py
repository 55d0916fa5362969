"""The handover view: per designed handover of a journey, the cases handed over there, the wait until the
receiving department acted, and the NPS of those customers against the rest; exact figures."""

from datetime import UTC, datetime, timedelta

import pytest

from opencxm.cases import selectors, services
from opencxm.cases.models import CaseEvent
from tests import factories as f
from tests.factories_cases import CustomerFactory, DataSourceFactory, FeedbackFactory

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _at(case, kind, when):
    CaseEvent.objects.filter(case=case, kind=kind).update(at=when)


@pytest.fixture
def scenario(world):
    source = DataSourceFactory(name="Umfrage")
    customers = {name: CustomerFactory() for name in ("c1", "c2", "c3", "c4", "c5")}

    def case(customer, nps, touchpoint=world.touchpoint):
        record = FeedbackFactory(source=source, touchpoint=touchpoint, customer=customers[customer], nps=nps)
        return services.case_create(actor=None, feedback=record)

    receiver = world.users["other_department"]
    first = case("c1", 2)
    services.case_handover(actor=None, case=first, to_department=world.other, note="n", expected_version=1)
    services.case_comment(actor=receiver, case=first, text="übernommen", expected_version=2)
    _at(first, "handed_over", T0)
    _at(first, "commented", T0 + timedelta(hours=2))
    second = case("c2", 4)
    services.case_handover(actor=None, case=second, to_department=world.other, note="n", expected_version=1)
    services.case_escalate(actor=None, case=second, expected_version=2)  # the system's escalation is no reaction
    services.case_assign(actor=None, case=second, assignee=receiver, expected_version=3)
    _at(second, "handed_over", T0)
    _at(second, "escalated", T0 + timedelta(hours=1))
    _at(second, "assigned", T0 + timedelta(hours=4))
    waiting = case("c5", 6)
    services.case_handover(actor=None, case=waiting, to_department=world.other, note="n", expected_version=1)
    case("c3", 5)  # not handed over
    backwards = case("c4", 3, touchpoint=world.other_touchpoint)  # other -> own: not a designed handover
    services.case_handover(actor=None, case=backwards, to_department=world.own, note="n", expected_version=1)
    for customer, nps in (("c3", 9), ("c4", 10)):
        FeedbackFactory(source=source, touchpoint=world.other_touchpoint, customer=customers[customer], nps=nps)
    return world


def test_handover_figures(scenario):
    [item] = selectors.journey_handover_figures(scenario.journey)
    assert (item.from_department, item.to_department) == (scenario.own, scenario.other)
    assert (item.cases, item.waits, item.waiting) == (3, [2.0, 4.0], 1)
    assert (item.median_wait, item.mean_wait) == (3.0, 3.0)
    # crossed: c1 (2), c2 (4), c5 (6): all detractors; rest: c3 (5, 9), c4 (3, 10): 2 promoters, 2 detractors
    assert (item.crossed_nps.value, item.crossed_nps.n) == (-100.0, 3)
    assert (item.rest_nps.value, item.rest_nps.n) == (0.0, 4)
    assert item.gap == 100.0


def test_handovers_sorted_by_harm_and_page(client, scenario, django_assert_max_num_queries):
    third = f.DepartmentFactory(code="technik", name="Technik")
    step = f.JourneyStepFactory(
        stage=scenario.stage, position=3, touchpoint=f.TouchpointFactory(owner_department=third)
    )
    figures = selectors.journey_handover_figures(scenario.journey)
    assert [(i.from_department.code, i.to_department.code, i.cases) for i in figures] == [
        ("kundenservice", "vertrieb", 3),
        ("vertrieb", "technik", 0),
    ]
    assert figures[1].to_step == step and figures[1].gap is None
    client.force_login(scenario.users["viewer"])
    with django_assert_max_num_queries(10):
        html = client.get("/cases/handovers/", {"journey": str(scenario.journey.public_id)}).content.decode()
    assert "Kundenservice → Vertrieb" in html and "Vertrieb → Technik" in html


def test_journey_without_handovers(client, world):
    lonely = f.JourneyFactory(name="Allein", segment=world.segment)
    f.JourneyStepFactory(stage=f.StageFactory(journey=lonely), touchpoint=world.touchpoint)
    assert selectors.journey_handover_figures(lonely) == []
    client.force_login(world.users["viewer"])
    assert client.get("/cases/handovers/", {"journey": str(lonely.public_id)}).status_code == 200
