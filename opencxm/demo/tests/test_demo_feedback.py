"""The demo company's year of feedback: sizes, patterns, comments, idempotence, rollups and run time.

The small-scale tests come first and use their own database state; the full year (52,000 responses) is
loaded once for the module by the `year` fixture, inside a transaction that is rolled back at the end.
"""

import re
import time
from datetime import date, timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Avg
from django.test.utils import CaptureQueriesContext, override_settings

from opencxm.analytics.models import FeedbackRollup
from opencxm.analytics.rollups import local_day, rollup_rebuild
from opencxm.analytics.runner import QuerySpec, run, run_one
from opencxm.demo import comments
from opencxm.demo import feedback as demo
from opencxm.demo.loader import load_demo
from opencxm.feedback.models import Customer, DataSource, Feedback, Measurement
from opencxm.touchpoints.models import Touchpoint

SMALL = 0.02
WRITES = {"INSERT", "UPDATE", "DELETE"}


def _quiet(scale):
    lines = []
    load_demo(log=lines.append, feedback_scale=scale)
    return lines


def _source(key):
    return DataSource.objects.get(name=demo.SOURCES[key][0])


def _rows(key):
    source = _source(key)
    if key in (demo.CALL_CENTRE, demo.WEB):
        return Measurement.objects.filter(source=source).count()
    return Feedback.objects.filter(source=source).count()


def _counts():
    return {key: _rows(key) for key in demo.SOURCES}


def _rollups():
    fields = [field.attname for field in FeedbackRollup._meta.concrete_fields if not field.primary_key]
    return sorted(FeedbackRollup.objects.values_list(*fields), key=repr)


def _writes(queries):
    return [query["sql"] for query in queries if query["sql"].split(None, 1)[0].upper() in WRITES]


def _tp(code):
    return Touchpoint.objects.get(code=code).pk


def _monthly(metric, codes=(), key=None):
    spec = QuerySpec(
        metric,
        ("time",),
        grain="month",
        touchpoints=tuple(_tp(code) for code in codes),
        sources=(_source(key).pk,) if key else (),
    )
    return {row.key["time"]: row.estimate for row in run(spec)}


# -- comments (no database) ----------------------------------------------------------------------------------


def test_every_topic_has_every_sentiment_in_both_languages():
    for topic, languages in comments.TOPICS.items():
        assert set(languages) == {"de", "en"}, topic
        for language, sentences in languages.items():
            assert all(sentences[sentiment] for sentiment in (comments.NEG, comments.MIX, comments.POS)), (
                topic,
                language,
            )
    used = {topic for topics in comments.TOUCHPOINT_TOPICS.values() for topic in topics}
    assert used | set(comments.RELATIONSHIP_TOPICS) <= set(comments.TOPICS)


def test_topics_by_code_then_prefix_then_general():
    assert comments.topics_for("TP-HOT-04") == ("wartezeit", "sprachmenue")
    assert comments.topics_for("TP-VERS-02") == ("router_versand",)
    assert comments.topics_for("TP-XYZ-01") == comments.RELATIONSHIP_TOPICS


def test_sentiment_follows_the_scores():
    assert [comments.sentiment_for(score) for score in (0, 6, 7, 8, 9, 10)] == [
        "neg",
        "neg",
        "mix",
        "mix",
        "pos",
        "pos",
    ]
    assert comments.sentiment_for(None, 1) == "neg"
    assert comments.sentiment_for(None, 5) == "pos"


def test_compose_is_deterministic_and_fills_every_slot():
    import random

    first = [comments.compose(random.Random(7), ("rechnung", "wartezeit"), "neg", "de") for _ in range(3)]
    assert first[0] == first[1] == first[2]
    rng = random.Random(1)
    texts = [comments.compose(rng, tuple(comments.TOPICS), sentiment, language)
             for sentiment in ("neg", "mix", "pos") for language in ("de", "en") for _ in range(300)]  # fmt: skip
    assert not [text for text in texts if "{" in text or "}" in text]
    assert all(text.strip() for text in texts)


# -- small scale ---------------------------------------------------------------------------------------------


def test_the_test_settings_load_no_feedback(db):
    load_demo(log=lambda *args: None)
    assert Feedback.objects.count() == Measurement.objects.count() == DataSource.objects.count() == 0


def test_small_scale_has_the_expected_rows_and_a_second_run_writes_nothing(db):
    lines = _quiet(SMALL)
    assert _counts() == demo.expected_counts(SMALL)
    assert demo.expected_counts(SMALL)[demo.SURVEY] == 1040
    assert any(line.startswith("Demo feedback for 2025-11-01 to 2026-10-31 written in ") for line in lines)
    rollups = _rollups()
    with CaptureQueriesContext(connection) as queries:
        lines = _quiet(SMALL)
    assert _writes(queries) == []
    assert lines[-1] == "Demo feedback for 2025-11-01 to 2026-10-31 unchanged."
    assert _rollups() == rollups


def test_sources_have_kinds_and_owners(db):
    _quiet(SMALL)
    sources = {s.name: (s.kind, s.owner_department.code) for s in DataSource.objects.select_related("owner_department")}
    assert sources == {
        "Transaktionsumfrage nach Kontakt": ("survey", "cx-team"),
        "Beziehungsumfrage NPS": ("survey", "cx-team"),
        "Beschwerdemanagement": ("complaints", "beschwerdemanagement"),
        "Callcenter-Reporting": ("call_centre", "kundenservice"),
        "Web-Analytics": ("web_analytics", "it"),
    }


def test_generation_is_deterministic(db):
    _quiet(SMALL)
    survey = _source(demo.SURVEY)
    fields = ("external_id", "responded_at", "touchpoint__code", "nps", "csat", "ces", "comment", "language")
    before = list(Feedback.objects.filter(source=survey).order_by("external_id").values_list(*fields))
    Feedback.objects.filter(source=survey).delete()
    _quiet(SMALL)
    after = list(Feedback.objects.filter(source=survey).order_by("external_id").values_list(*fields))
    assert after == before


def test_another_scale_replaces_only_demo_rows_and_keeps_rollups_exact(db):
    _quiet(SMALL)
    survey = _source(demo.SURVEY)
    imported = Feedback.objects.create(
        source=survey, external_id="import-1", responded_at=Feedback.objects.first().responded_at, nps=3
    )
    _quiet(0.03)
    assert Feedback.objects.filter(source=survey, external_id__startswith="demo-").count() == 1560
    assert Feedback.objects.filter(pk=imported.pk).exists()
    assert Customer.objects.count() == 450  # 300 at 0.02, the first 300 again at 0.03
    current = _rollups()
    rollup_rebuild(resume=False)
    assert _rollups() == current


@override_settings(OPENCXM_DEMO_FEEDBACK_SCALE=SMALL)
def test_demo_command_loads_the_feedback(db):
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "Demo feedback for 2025-11-01 to 2026-10-31 written in" in out.getvalue()
    assert "Transaktionsumfrage nach Kontakt: 1,040 rows in" in out.getvalue()
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "Demo feedback for 2025-11-01 to 2026-10-31 unchanged." in out.getvalue()
    assert "unchanged (0 created, 0 updated)" in out.getvalue()


# -- the full year (loaded once for the module) --------------------------------------------------------------


@pytest.fixture(scope="module")
def year(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        started = time.perf_counter()
        lines = _quiet(1)
        seconds = time.perf_counter() - started
        # Check the deferred foreign keys once, here at the top level: otherwise PostgreSQL re-checks all rows
        # at every test's teardown (the per-test savepoint rollback makes them pending again).
        connection.check_constraints()
        print(f"\nfull demo year ({connection.vendor}): {seconds:.1f} s including the company")
        print("\n".join(lines))
        yield SimpleNamespace(seconds=seconds, lines=lines)
        transaction.set_rollback(True)


def test_year_sizes(year, db):
    expected = demo.expected_counts()
    assert _counts() == expected
    assert expected[demo.SURVEY] >= 50_000
    assert Feedback.objects.filter(kind="response").count() == 52_000 + 4_800
    assert Feedback.objects.filter(kind="complaint").count() == 1_500
    assert set(Feedback.objects.filter(kind="complaint").values_list("source__name", flat=True)) == {
        "Beschwerdemanagement"
    }
    assert Customer.objects.count() == 15_000
    assert Customer.objects.filter(segment__isnull=True).count() == 0
    first, last = (Feedback.objects.order_by(order).first().responded_at for order in ("responded_at", "-responded_at"))
    assert local_day(first) >= demo.START_DATE == date(2025, 11, 1)
    assert local_day(last) <= demo.END_DATE == date(2026, 10, 31)


def test_year_relationship_waves_have_no_touchpoint(year, db):
    waves = Feedback.objects.filter(source=_source(demo.RELATIONSHIP))
    assert waves.filter(touchpoint__isnull=False).count() == 0
    assert sorted(set(waves.values_list("attributes__wave", flat=True))) == ["Q1 2026", "Q2 2026", "Q3 2026", "Q4 2025"]
    assert all(row.estimate.n == 1200 for row in run(QuerySpec("responses", ("time",), sources=(waves[0].source_id,))))


def test_year_measurements_per_hotline_and_web_touchpoint(year, db):
    hotlines = Measurement.objects.filter(source=_source(demo.CALL_CENTRE))
    assert set(hotlines.values_list("metric", flat=True)) == {"contacts", "handling_time", "first_contact_resolution"}
    assert set(hotlines.values_list("touchpoint__code", flat=True)) == set(demo.HOTLINES)
    assert hotlines.filter(day__week_day=1).count() == 0  # closed on Sundays
    web = Measurement.objects.filter(source=_source(demo.WEB))
    assert set(web.values_list("metric", flat=True)) == {"sessions", "web_conversion"}
    assert {code[:6] for code in web.values_list("touchpoint__code", flat=True)} == {"TP-WEB", "TP-APP"}
    conversion = run_one(QuerySpec("web_conversion", touchpoints=(_tp("TP-WEB-04"),)))
    assert 55 < conversion.value < 70


def test_year_comments_in_german_and_english_with_some_fake_contact_details(year, db):
    survey = Feedback.objects.filter(source=_source(demo.SURVEY))
    commented = survey.exclude(comment="")
    share = commented.count() / survey.count()
    assert 0.30 < share < 0.40
    languages = {language: commented.filter(language=language).count() for language in ("de", "en")}
    assert set(commented.values_list("language", flat=True)) == {"de", "en"}
    assert 0.05 < languages["en"] / commented.count() < 0.15
    texts = list(Feedback.objects.exclude(comment="").values_list("comment", flat=True))
    assert len(set(texts)) > 5_000  # varied, not a handful of fixed sentences
    emails = {match for text in texts for match in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text)}
    assert emails
    assert all(email.endswith("@example.com") for email in emails)
    assert sum("+49 30 1234567-" in text for text in texts) > 20
    assert sum(any(name in text for name in comments.NAMES) for text in texts) < len(texts) * 0.02
    assert any(word in text for text in texts for word in ("Unmoeglich", "Aergerlich", "enttaeuscht"))


def test_year_comment_sentiment_matches_the_score(year, db):
    survey = Feedback.objects.filter(source=_source(demo.SURVEY), language="de").exclude(comment="")
    detractors = list(survey.filter(nps__lte=3).values_list("comment", flat=True)[:500])
    promoters = list(survey.filter(nps=10).values_list("comment", flat=True)[:500])
    negative = [sentence for topic in comments.TOPICS.values() for sentence in topic["de"]["neg"]]
    stems = {sentence.split("{")[0][:25].lower() for sentence in negative}
    assert sum(any(stem in text.lower() for stem in stems) for text in detractors) > 0.7 * len(detractors)
    assert sum(any(stem in text.lower() for stem in stems) for text in promoters) < 0.1 * len(promoters)


def test_year_scores_are_consistent(year, db):
    survey = Feedback.objects.filter(source=_source(demo.SURVEY))
    promoters = survey.filter(nps__gte=9).aggregate(csat=Avg("csat"), ces=Avg("ces"))
    detractors = survey.filter(nps__lte=6).aggregate(csat=Avg("csat"), ces=Avg("ces"))
    assert promoters["csat"] - detractors["csat"] > 1
    assert promoters["ces"] - detractors["ces"] > 1


def test_year_touchpoint_baselines(year, db):
    def nps(code):
        return run_one(QuerySpec("nps", touchpoints=(_tp(code),), sources=(_source(demo.SURVEY).pk,))).value

    assert nps("TP-APP-05") > 30
    assert nps("TP-APP-03") > 30
    assert nps("TP-BRIEF-02") < -10  # first invoice
    assert nps("TP-TECH-01") < -10  # technician appointment
    assert nps("TP-HOT-04") < -20  # waiting on the hotline
    volume = {
        code: run_one(QuerySpec("responses", touchpoints=(_tp(code),))).n
        for code in ("TP-HOT-03", "TP-APP-05", "TP-BRIEF-03", "TP-SOC-03")
    }
    assert min(volume["TP-HOT-03"], volume["TP-APP-05"], volume["TP-BRIEF-03"]) > 5 * volume["TP-SOC-03"]


def test_year_the_degrading_touchpoint_drops_mid_year(year, db):
    assert demo.DEGRADING_TOUCHPOINT == "TP-TECH-02"
    touchpoint = _tp(demo.DEGRADING_TOUCHPOINT)
    rows = run(QuerySpec("nps", ("time",), grain="month", touchpoints=(touchpoint,)))
    assert len(rows) == 12
    first = sum(row.estimate.value for row in rows[:3]) / 3
    last = sum(row.estimate.value for row in rows[-3:]) / 3
    print(f"\n{demo.DEGRADING_TOUCHPOINT} NPS first 3 months {first:.0f}, last 3 months {last:.0f}")
    assert first - last >= 20
    assert first > 0 > last
    csat = run(QuerySpec("csat", ("time",), grain="month", touchpoints=(touchpoint,)))
    assert csat[0].estimate.value - csat[-1].estimate.value > 10


def test_year_the_degradation_shows_in_calls_and_complaints(year, db):
    hotline = _tp(demo.DEGRADING_HOTLINE)

    def contacts(start, end):
        return run_one(QuerySpec("contacts", touchpoints=(hotline,), start=start, end=end)).value

    spring = contacts(date(2026, 4, 1), date(2026, 5, 31))
    autumn = contacts(date(2026, 8, 1), date(2026, 9, 30))
    assert autumn > 1.5 * spring
    fcr = _monthly("first_contact_resolution", [demo.DEGRADING_HOTLINE])
    assert fcr[date(2026, 4, 1)].value - fcr[date(2026, 9, 1)].value > 8
    complaints = _monthly("complaints", [demo.DEGRADING_TOUCHPOINT])
    assert complaints[date(2026, 9, 1)].n > 2 * complaints[date(2026, 4, 1)].n


def test_year_seasonal_pattern(year, db):
    responses = _monthly("responses", key=demo.SURVEY)
    per_day = {month: estimate.n / (((month + timedelta(days=32)).replace(day=1) - month).days)
               for month, estimate in responses.items()}  # fmt: skip
    assert per_day[date(2026, 1, 1)] > 1.2 * per_day[date(2026, 4, 1)]
    hotlines = list(demo.HOTLINES)
    nps = _monthly("nps", hotlines, demo.SURVEY)
    assert nps[date(2026, 1, 1)].value < nps[date(2026, 4, 1)].value - 5
    installation = _monthly("responses", ["TP-TECH-03", "TP-TECH-07", "TP-VERS-01"])
    summer = installation[date(2026, 7, 1)].n + installation[date(2026, 8, 1)].n
    spring = installation[date(2026, 4, 1)].n + installation[date(2026, 5, 1)].n
    assert summer > 1.2 * spring


def test_year_second_run_writes_nothing(year, db):
    before = _counts()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        lines = _quiet(1)
    print(f"\nsecond run: {time.perf_counter() - started:.2f} s")
    assert _writes(queries) == []
    assert lines[-1] == "Demo feedback for 2025-11-01 to 2026-10-31 unchanged."
    assert _counts() == before


def test_year_rollups_equal_a_rebuild(year, db):
    current = _rollups()
    assert len(current) > 10_000
    started = time.perf_counter()
    rollup_rebuild(resume=False)
    print(f"\nrollup rebuild: {time.perf_counter() - started:.1f} s")
    assert _rollups() == current


def test_year_run_time_is_reported(year, db):
    print(f"\nfirst load of the demo year: {year.seconds:.1f} s (budget 20 s on an idle machine)")
    assert "Transaktionsumfrage nach Kontakt: 52,000 rows in" in "\n".join(year.lines)
