"""`opencxm rollups rebuild` gives the same rollups as incremental refreshes; `verify` finds differences."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from opencxm.analytics.models import FeedbackRollup, RollupState
from opencxm.analytics.rollups import local_day, rollup_refresh
from opencxm.feedback.models import DataSource, Feedback
from tests import factories as f

START = datetime(2026, 1, 30, 20, tzinfo=UTC)


@pytest.fixture
def stored(db):
    """Feedback of two sources over 40 days (late hours fall on the next Berlin day), refreshed incrementally."""
    touchpoints = [f.TouchpointFactory(), f.TouchpointFactory()]
    sources = [DataSource.objects.create(name="Umfrage"), DataSource.objects.create(name="Beschwerden")]
    for index in range(120):
        source = sources[index % 2]
        moment = START + timedelta(days=index // 3, hours=(index * 5) % 7)
        Feedback.objects.create(
            source=source, external_id=str(index), kind="complaint" if index % 2 else "response",
            responded_at=moment, touchpoint=touchpoints[index % 3 == 0], nps=index % 11, csat=1 + index % 5,
            ces=None if index % 4 == 0 else 1 + index % 7, comment="Text" if index % 3 else "",
        )  # fmt: skip
        rollup_refresh(source_id=source.pk, days=[local_day(moment)])
    return sources


def _rollups():
    rows = FeedbackRollup.objects.values_list(
        "day", "source_id", "touchpoint_id", "channel_id", "segment_id", "kind", "records", "comments", "nps_n",
        "nps_promoters", "nps_detractors", "csat_n", "csat_sum", "csat_sumsq", "csat_top2", "ces_n", "ces_sum",
        "ces_sumsq",
    )  # fmt: skip
    return sorted(rows)


def test_rebuild_equals_the_incremental_rollups(stored):
    incremental = _rollups()
    assert len(incremental) > 40
    out = StringIO()
    call_command("rollups", "rebuild", "--no-resume", stdout=out)
    assert _rollups() == incremental
    assert out.getvalue().splitlines()[-1] == f"Rollups rebuilt: {len(incremental)} rows"
    state = RollupState.objects.get(name="feedback")
    assert state.finished_at is not None and state.done_until == date(2026, 3, 11)


def test_rebuild_repairs_lost_and_wrong_rollups(stored):
    incremental = _rollups()
    FeedbackRollup.objects.filter(day=date(2026, 2, 5)).delete()
    FeedbackRollup.objects.filter(day=date(2026, 2, 6)).update(records=999)
    call_command("rollups", "rebuild", stdout=StringIO())
    assert _rollups() == incremental


def test_verify_reports_ok_when_rollups_match(stored):
    out = StringIO()
    call_command("rollups", "verify", "--sample", "60", stdout=out)
    months = len({day.replace(day=1) for day in FeedbackRollup.objects.values_list("day", flat=True)})
    assert out.getvalue() == f"OK: 41 days match the raw feedback, {months} months their days\n"


def test_verify_prints_the_differing_slices(stored):
    tampered = FeedbackRollup.objects.filter(day=date(2026, 2, 6)).order_by("id").first()
    FeedbackRollup.objects.filter(pk=tampered.pk).update(records=tampered.records + 1, nps_n=0)
    lost, _ = FeedbackRollup.objects.filter(day=date(2026, 2, 7)).delete()
    out = StringIO()
    with pytest.raises(CommandError, match="rollup slices differ from the raw feedback"):
        call_command("rollups", "verify", "--sample", "60", stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line[7] == "-"]  # day lines (the month lines follow)
    month_lines = [line for line in out.getvalue().splitlines() if line[7] == " "]
    assert month_lines and all(line.startswith("2026-02 source=") for line in month_lines)
    first = (
        f"2026-02-06 source={tampered.source_id} touchpoint={tampered.touchpoint_id} channel=None segment=None "
        f"kind={tampered.kind}: records stored {tampered.records + 1} raw {tampered.records}, "
        f"nps_n stored 0 raw {tampered.nps_n}"
    )
    assert lines[0] == first
    assert len(lines) == 1 + lost
    assert all(line.startswith("2026-02-07 source=") and " records stored 0 raw " in line for line in lines[1:])


def test_verify_samples_the_first_and_last_day(stored):
    out = StringIO()
    call_command("rollups", "verify", "--sample", "5", "--seed", "1", stdout=out)
    assert out.getvalue().startswith("OK: 5 days match the raw feedback, ")


def test_verify_on_an_empty_database(db):
    out = StringIO()
    call_command("rollups", "verify", stdout=out)
    assert out.getvalue() == "OK: 0 days match the raw feedback, 0 months their days\n"


def test_verify_finds_a_monthly_row_that_differs_from_its_days(stored):
    from opencxm.analytics.models import FeedbackRollupMonth

    row = FeedbackRollupMonth.objects.order_by("month", "id").first()
    FeedbackRollupMonth.objects.filter(pk=row.pk).update(csat_sum=row.csat_sum + 2)
    out = StringIO()
    with pytest.raises(CommandError, match="1 rollup slices differ"):
        call_command("rollups", "verify", "--sample", "60", stdout=out)
    assert f"{row.month:%Y-%m} source={row.source_id}" in out.getvalue()
    assert f"csat_sum stored {row.csat_sum + 2} days {row.csat_sum}" in out.getvalue()
