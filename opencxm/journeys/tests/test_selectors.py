from opencxm.core.permissions import Access
from opencxm.journeys import selectors
from opencxm.journeys.tests.helpers import build_journey
from tests import factories as f


def _names(steps):
    return [step.touchpoint.name for step in steps]


def test_journey_steps_are_in_stage_then_step_order(db):
    sales = f.DepartmentFactory(name="Vertrieb")
    journey = build_journey([[sales, sales], [sales]])
    first, second = journey.stages.order_by("position")
    second.position, first.position = 1, 2  # swap the stages
    first.save()
    second.save()

    assert _names(selectors.journey_steps(journey)) == ["TP 2.1", "TP 1.1", "TP 1.2"]


def test_handovers_are_consecutive_steps_of_different_departments_across_stage_borders(db):
    sales, tech, service = (f.DepartmentFactory(name=name) for name in ("Vertrieb", "Technik", "Service"))
    journey = build_journey([[sales, sales], [tech], [tech, service, sales]])

    handovers = selectors.journey_handovers(journey)

    assert [(h.from_department.name, h.to_department.name) for h in handovers] == [
        ("Vertrieb", "Technik"),
        ("Technik", "Service"),
        ("Service", "Vertrieb"),
    ]
    assert [(h.from_step.touchpoint.name, h.to_step.touchpoint.name) for h in handovers] == [
        ("TP 1.2", "TP 2.1"),
        ("TP 3.1", "TP 3.2"),
        ("TP 3.2", "TP 3.3"),
    ]


def test_no_handovers_within_one_department(db):
    sales = f.DepartmentFactory()
    assert selectors.journey_handovers(build_journey([[sales], [sales, sales]])) == []


def test_journey_map_columns_include_a_placeholder_for_an_empty_stage(db):
    sales, tech = f.DepartmentFactory(name="Vertrieb"), f.DepartmentFactory(name="Technik")
    journey = build_journey([[sales], [], [tech]], emotions=[2, -1])

    journey_map = selectors.journey_map(journey)

    assert [entry.span for entry in journey_map.stages] == [1, 1, 1]
    assert [column.step is None for column in journey_map.columns] == [False, True, False]
    assert journey_map.chart["values"] == [2, None, -1]
    assert journey_map.chart["type"] == "emotion"
    assert journey_map.columns[2].handover.from_department == sales


def test_journey_map_marks_editable_steps_and_move_limits(db):
    own, other = f.DepartmentFactory(), f.DepartmentFactory()
    journey = build_journey([[own, other], [own]])
    ambassador = Access(authenticated=True, ambassador_of=frozenset({own.pk}))

    columns = selectors.journey_map(journey, access=ambassador).columns

    assert [column.editable for column in columns] == [True, False, True]
    assert [column.can_move_left for column in columns] == [False, True, True]
    assert [column.can_move_right for column in columns] == [True, True, False]


def test_journey_compare_splits_stages_and_touchpoints_and_averages_emotion(db):
    sales = f.DepartmentFactory()
    segment = f.SegmentFactory()
    current = build_journey([[sales, sales], [sales]], segment=segment, emotions=[-2, 0, 1])
    target = build_journey([[sales]], segment=segment, kind="target", emotions=[2])
    shared = current.stages.get(position=1).steps.get(position=1).touchpoint
    target_step = target.stages.get().steps.get()
    target_step.touchpoint = shared
    target_step.save()
    extra = f.StageFactory(journey=target, position=2, name="Empfehlung")

    result = selectors.journey_compare(current, target)

    assert result["stages"] == {"only_current": ["Phase 2"], "only_target": ["Empfehlung"], "both": ["Phase 1"]}
    assert [tp.name for tp in result["touchpoints"]["both"]] == ["TP 1.1"]
    assert [tp.name for tp in result["touchpoints"]["only_current"]] == ["TP 1.2", "TP 2.1"]
    assert result["touchpoints"]["only_target"] == []
    rows = [(row.stage, row.current, row.target, row.delta) for row in result["emotion_rows"]]
    assert rows == [("Phase 1", -1.0, 2.0, 3.0), ("Phase 2", 1.0, None, None), (extra.name, None, None, None)]


def test_compare_pairs_only_for_segments_with_both_kinds(db):
    both, only_current = f.SegmentFactory(), f.SegmentFactory()
    current = f.JourneyFactory(segment=both, kind="current")
    target = f.JourneyFactory(segment=both, kind="target")
    f.JourneyFactory(segment=only_current, kind="current")

    assert selectors.compare_pairs() == {both.pk: (current.public_id, target.public_id)}


def test_touchpoint_choices_for_an_ambassador_are_their_departments(db):
    own, other = f.DepartmentFactory(), f.DepartmentFactory()
    mine = f.TouchpointFactory(owner_department=own)
    f.TouchpointFactory(owner_department=other)
    f.TouchpointFactory(owner_department=own, status="retired")

    choices = selectors.touchpoint_choices(Access(authenticated=True, ambassador_of=frozenset({own.pk})))

    assert list(choices) == [mine]
