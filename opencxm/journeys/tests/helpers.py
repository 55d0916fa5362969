"""Build journeys for tests: `build_journey([[dept, dept], [dept]])` gives one stage per inner list."""

from tests import factories as f


def build_journey(layout, *, segment=None, kind="current", emotions=None, channel=None):
    """layout: a list of stages, each a list of departments (one step per department, in order)."""
    journey = f.JourneyFactory(segment=segment or f.SegmentFactory(), kind=kind)
    channel = channel or f.ChannelFactory()
    emotions = iter(emotions or [])
    for stage_position, departments in enumerate(layout, start=1):
        stage = f.StageFactory(journey=journey, position=stage_position, name=f"Phase {stage_position}")
        for step_position, department in enumerate(departments, start=1):
            touchpoint = f.TouchpointFactory(
                owner_department=department, channel=channel, name=f"TP {stage_position}.{step_position}"
            )
            f.JourneyStepFactory(stage=stage, position=step_position, touchpoint=touchpoint, emotion=next(emotions, 0))
    return journey
