"""Discovery filters by NPS band, comment topic and handover on a small hand-built log with known answers;
the same filters through the page, the API and the command; the import's duplicate counts everywhere."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from opencxm.accounts.models import ApiToken
from opencxm.core.api_auth import token_digest
from opencxm.events import selectors, services
from opencxm.events.models import Activity
from opencxm.events.records import EventRecord
from opencxm.feedback.pseudonyms import pseudonymise
from opencxm.textanalytics.models import CommentAnalysis, CommentTopic
from tests import factories as f
from tests.factories_cases import CustomerFactory, FeedbackFactory
from tests.factories_events import T0
from tests.factories_textanalytics import TopicFactory

# (case, activity, minutes after T0, department recorded on the event). Touchpoints: Order -> sales,
# Visit -> field, Call -> service; Letter and Note have no touchpoint.
ROWS = [
    ("c1", "Order", 0, ""), ("c1", "Visit", 10, ""), ("c1", "Call", 20, ""),
    ("c2", "Order", 0, ""), ("c2", "Visit", 30, ""),
    ("c3", "Order", 0, ""), ("c3", "Call", 40, ""),
    ("c4", "Order", 0, ""), ("c4", "Letter", 50, "field"),  # event department on an unmapped activity
    ("c5", "Visit", 0, ""), ("c5", "Order", 60, ""),  # field -> sales: the other direction
    ("c6", "Order", 0, ""), ("c6", "Note", 5, "service"), ("c6", "Visit", 70, ""),  # sales -> service -> field
    ("c7", "Order", 0, "service"), ("c7", "Visit", 80, ""),  # the event's department wins: service -> field
]  # fmt: skip


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def log(db):
    sales = f.DepartmentFactory(code="sales", name="Sales")
    field = f.DepartmentFactory(code="field", name="Field service")
    service = f.DepartmentFactory(code="service", name="Service")
    customers = {case: CustomerFactory(pseudonym=pseudonymise(case)) for case in ("c1", "c2", "c3", "c4", "c6")}
    records = [
        EventRecord(case=case, activity=activity, timestamp=T0 + timedelta(minutes=m),
                    department=department)
        for case, activity, m, department in ROWS
    ]  # fmt: skip
    services.events_write(actor=None, log_name="filters", records=records)
    for name, department in (("Order", sales), ("Visit", field), ("Call", service)):
        touchpoint = f.TouchpointFactory(owner_department=department)
        Activity.objects.filter(name=name).update(touchpoint=touchpoint)  # mapped after the import: read live
    # NPS: c1 promoter on the case's day, detractor two days later; c2 passive (a later answer without NPS);
    # c3 detractor; c4 and c6 never rated.
    FeedbackFactory(customer=customers["c1"], nps=10, responded_at=at(2))
    FeedbackFactory(customer=customers["c1"], nps=3, responded_at=at(4))
    passive = FeedbackFactory(customer=customers["c2"], nps=8, responded_at=at(2))
    FeedbackFactory(customer=customers["c2"], nps=None, responded_at=at(3))
    removed = FeedbackFactory(customer=customers["c3"], nps=6, responded_at=at(2))
    corrected = FeedbackFactory(customer=customers["c1"], nps=None, responded_at=at(5))
    # Topics: billing with the subtopic billing-late. c2 commented on the subtopic (rule), c1 got "billing"
    # by a user's correction (after the period), c3's billing topic was removed by a user.
    billing = TopicFactory(key="billing")
    late = TopicFactory(key="billing-late", parent=billing)
    _topic(passive, late, CommentTopic.Source.RULE)
    _topic(corrected, billing, CommentTopic.Source.CORRECTION)
    _topic(removed, billing, CommentTopic.Source.RULE, removed=True)
    return {"sales": sales, "field": field, "service": service}


def _topic(feedback, topic, source, removed=False):
    analysis = CommentAnalysis.objects.create(
        feedback=feedback,
        sentiment_label="negative",
        engine="rules",
        engine_version="1",
        analysed_at=feedback.responded_at,
    )
    CommentTopic.objects.create(analysis=analysis, topic=topic, source=source, removed=removed)


def selected(**filters) -> set[str]:
    keys = {pseudonymise(case): case for case in {row[0] for row in ROWS}}
    return {keys[key] for key in selectors.cases_for(selectors.Filters(**filters)).values_list("key", flat=True)}


MARCH_2 = {"start": date(2026, 3, 2), "end": date(2026, 3, 2)}


def test_nps_band_is_the_customers_latest_rating(log):
    assert selected() == {"c1", "c2", "c3", "c4", "c5", "c6", "c7"}
    assert selected(nps_band="detractor") == {"c1", "c3"}  # c1's latest rating is the 3 of 4 March
    assert selected(nps_band="passive") == {"c2"}  # a later answer without NPS does not count
    assert selected(nps_band="promoter") == set()


def test_nps_band_within_the_period_takes_the_latest_rating_in_it(log):
    assert selected(nps_band="promoter", **MARCH_2) == {"c1"}
    assert selected(nps_band="detractor", **MARCH_2) == {"c3"}
    assert selected(nps_band="passive", **MARCH_2) == {"c2"}


def test_topic_counts_subtopics_and_corrections_not_removed_topics(log):
    assert selected(topic="billing") == {"c1", "c2"}
    assert selected(topic="billing-late") == {"c2"}
    assert selected(topic="billing", **MARCH_2) == {"c2"}  # c1's corrected comment came on 5 March


def test_handover_uses_the_event_department_else_the_touchpoint_owner(log):
    assert selected(handover="sales:field") == {"c1", "c2", "c4"}
    assert selected(handover="field:sales") == {"c5"}
    assert selected(handover="field:service") == {"c1"}
    assert selected(handover="service:field") == {"c6", "c7"}
    assert selected(handover="sales:service") == {"c3", "c6"}


def test_filters_combine(log):
    assert selected(handover="sales:field", nps_band="passive") == {"c2"}
    assert selected(handover="sales:field", topic="billing") == {"c1", "c2"}
    result = selectors.discover(selectors.Filters(handover="sales:field", nps_band="detractor"))
    assert (result.cases, result.variants[0]["path"]) == (1, ["Order", "Visit", "Call"])


def test_filter_is_one_query_whatever_the_number_of_cases(log):
    filters = selectors.Filters(handover="sales:field", topic="billing", nps_band="passive")
    with CaptureQueriesContext(connection) as queries:
        list(selectors.cases_for(filters).values_list("id", flat=True))
    # the topic (and its subtopics), the two departments and the activities each owns are looked up, whether
    # any case has CaseStep rows (here some events record a department), on PostgreSQL the NPS band's customers
    # are read first (selectors._where_in), then one statement selects the cases (through the variants' steps
    # and the CaseStep codes: no transitions scanned)
    assert len(queries) == (8 if connection.vendor == "postgresql" else 7)
    assert "RECORDED_DEPARTMENT" in queries[-1]["sql"].upper()  # a flag on the case, no anti-join


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"handover": "sales"}, "FROM:TO"),
        ({"handover": "sales:sales"}, "two different departments"),
        ({"handover": "sales:nowhere"}, "Unknown department “nowhere”"),
        ({"topic": "nothing"}, "Unknown topic “nothing”"),
        ({"nps_band": "fans"}, "Unknown NPS band “fans”"),
        ({"activity": "Nothing"}, "Unknown activity “Nothing”"),
        ({"activity": "Nothing", "segment": "private"}, "Unknown activity “Nothing”"),
        ({"channel": "pigeon"}, "Unknown channel “pigeon”"),
        ({"segment": "nobody"}, "Unknown segment “nobody”"),
    ],
)
def test_bad_filters_get_a_clear_message(log, filters, message):
    with pytest.raises(selectors.FilterError, match=message):
        selectors.discover(selectors.Filters(**filters))


# The same filters in the command, the API and the page -------------------------------------------------


def test_command_takes_the_new_filters(log, tmp_path):
    output = tmp_path / "d.json"
    call_command("journeys", "discover", "--handover", "sales:field", "--nps-band", "detractor", "--output",
                 str(output))  # fmt: skip
    data = json.loads(output.read_text())
    assert (data["cases"], data["events"]) == (1, 3)
    assert set(data) == {"activities", "edges", "variants", "starts", "ends", "loops", "cases", "events"}
    call_command("journeys", "discover", "--topic", "billing-late", "--output", str(output))
    assert json.loads(output.read_text())["variants"] == [{"path": ["Order", "Visit"], "count": 1}]
    with pytest.raises(CommandError, match="Unknown topic"):
        call_command("journeys", "discover", "--topic", "nothing", "--output", str(output))
    with pytest.raises(CommandError, match="Unknown activity"):
        call_command("journeys", "discover", "--activity", "Nothing", "--output", str(output))
    with pytest.raises(CommandError, match="FROM:TO"):
        call_command("journeys", "discover", "--handover", "sales-field", "--output", str(output))


@pytest.fixture
def api(client, world):
    raw = "ocx_filters_test"
    ApiToken.objects.create(user=world.users["viewer"], name="t", prefix=raw[:8], digest=token_digest(raw),
                            scope="read")  # fmt: skip

    def get(query):
        response = client.get(f"/api/v1/journeys/discover?{query}", headers={"Authorization": f"Bearer {raw}"})
        return response.status_code, response.json()

    return get


def test_api_takes_the_new_filters(log, api):
    status, body = api("handover=service:field")
    assert (status, body["cases"]) == (200, 2)
    assert body["variants"][0]["share"] == 0.5
    assert api("topic=billing&nps_band=passive")[1]["cases"] == 1
    status, body = api("topic=nothing")
    assert status == 422 and "Unknown topic" in body["detail"][0]["message"]
    assert api("nps_band=fans")[0] == 422
    assert api("handover=sales")[0] == 422
    status, body = api("channel=pigeon")
    assert status == 422 and "Unknown channel “pigeon”" in body["detail"][0]["message"]


def test_page_takes_the_new_filters(log, client, world):
    client.force_login(world.users["viewer"])
    page = client.get("/events/discover/?handover_from=sales&handover_to=field&nps_band=passive").content.decode()
    assert '<div class="h1 mb-0" id="case-count">1</div>' in page
    page = client.get("/events/discover/?topic=billing").content.decode()
    assert '<div class="h1 mb-0" id="case-count">2</div>' in page
    page = client.get("/events/discover/?handover_from=sales").content.decode()
    assert "Choose both departments of the handover." in page
    page = client.get("/events/discover/?handover_from=sales&handover_to=sales").content.decode()
    assert "A handover needs two different departments." in page


# Duplicates: reported by the upload message, the command and the API ----------------------------------

CSV = (
    b"case,activity,timestamp\n"
    b"K1,Call hotline,2026-03-02T10:00:00Z\nK1,Call hotline,2026-03-02T10:00:00Z\nK1,Send letter,2026-03-02T11:00:00Z\n"
)


def test_upload_message_counts_repeats_and_events_already_present(client, world):
    client.force_login(world.users["cx_team"])
    client.post("/events/upload/", {"file": SimpleUploadedFile("crm.csv", CSV), "log": ""})
    page = client.get("/events/").content.decode()
    assert "3 of 3 events imported into “crm.csv”; 0 were already present." in page
    assert "1 event appeared more than once in the file" in page
    client.post("/events/upload/", {"file": SimpleUploadedFile("crm.csv", CSV), "log": ""})
    assert "0 of 3 events imported into “crm.csv”; 3 were already present." in client.get("/events/").content.decode()


def test_command_summary_counts_repeats(db, tmp_path, capsys):
    path = tmp_path / "crm.csv"
    path.write_bytes(CSV)
    call_command("events", "import", str(path))
    call_command("events", "import", str(path))
    out = capsys.readouterr().out
    assert "3 of 3 events imported into “crm.csv”; 0 were already present." in out
    assert "0 of 3 events imported into “crm.csv”; 3 were already present." in out
    assert out.count("1 event appeared more than once in the file") == 2


def test_api_counts_repeats_in_the_batch(client, world):
    raw = "ocx_repeats_test"
    ApiToken.objects.create(user=world.users["cx_team"], name="t", prefix=raw[:8], digest=token_digest(raw),
                            scope="write")  # fmt: skip
    same = {"case": "K1", "activity": "Call", "timestamp": "2026-03-02T10:00:00+01:00"}
    batch = {"log": "web", "events": [same, same, {**same, "activity": "Letter"}]}
    headers = {"Authorization": f"Bearer {raw}"}
    body = client.post("/api/v1/events", batch, content_type="application/json", headers=headers).json()
    assert (body["created"], body["already_present"], body["repeats_in_batch"]) == (3, 0, 1)
    body = client.post("/api/v1/events", batch, content_type="application/json", headers=headers).json()
    assert (body["created"], body["already_present"], body["repeats_in_batch"]) == (0, 3, 1)
