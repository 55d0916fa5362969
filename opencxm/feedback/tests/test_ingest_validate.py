"""Validating rows: scores on their scales, times in every format, ids, mapping rules and messages."""

import io
import json
from datetime import UTC, datetime

import pytest

from opencxm.feedback.ingest import ColumnMapping, IngestError, Record, RowError, detect_layout, open_table, records
from opencxm.feedback.ingest.values import TimeParser, ValueProblem, parse_number, parse_score, time_zone_named

HEADER = "id;time;nps;csat;ces;effort_minutes;comment;touchpoint;channel;segment;customer;store;email\n"


def _results(text: str, mapping: ColumnMapping | None = None, **kwargs):
    table = open_table(io.BytesIO(text.encode()), "f.csv")
    layout = detect_layout(table)
    return list(records(table, layout, mapping, **kwargs))


def _mapping(**overrides) -> ColumnMapping:
    values = {
        "external_id": "id", "time": "time", "scores": {"nps": "nps", "csat": "csat", "ces": "ces"},
        "comment": "comment", "touchpoint": "touchpoint", "channel": "channel", "segment": "segment",
        "customer_ref": "customer", "attributes": ["store"],
    } | overrides  # fmt: skip
    return ColumnMapping(**values)


def _messages(results) -> list[str]:
    return [result.message for result in results if isinstance(result, RowError)]


def test_a_full_row():
    text = HEADER + "A-1;31.12.2025 14:30;9;4,0;2;12,5; Sehr gut! ;TP-SHOP;web;private;K-77;Berlin;a@example.org\n"

    [record] = _results(text, _mapping(scores={"nps": "nps", "csat": "csat", "ces": "ces", "wait": "effort_minutes"}))

    assert record == Record(
        row=2,
        external_id="A-1",
        responded_at=datetime(2025, 12, 31, 13, 30, tzinfo=UTC),
        customer_ref="K-77",
        touchpoint_ref="TP-SHOP",
        channel_ref="web",
        segment_ref="private",
        scores={"nps": 9.0, "csat": 4.0, "ces": 2.0, "wait": 12.5},
        comment="Sehr gut!",
        attributes={"store": "Berlin"},
    )


def test_standard_scores_are_whole_numbers_custom_metrics_any_number():
    text = HEADER + "A-1;31.12.2025 14:30;9;4,5;2;0,25;;;;;;;\n"
    mapping = _mapping(scores={"csat": "csat", "wait": "effort_minutes"})

    assert _messages(_results(text, mapping)) == ["Row 2, column 'csat': '4,5' is not a whole number from 1 to 5"]
    assert _results(text, _mapping(scores={"wait": "effort_minutes"}))[0].scores == {"wait": 0.25}


def test_proposed_mapping_of_a_generic_file():
    text = HEADER + "A-1;31.12.2025 14:30;9;4;2;3;Sehr gut;TP-SHOP;web;private;K-77;Berlin;a@example.org\n"
    layout = detect_layout(open_table(io.BytesIO(text.encode()), "f.csv"))

    assert layout.mapping.to_dict() == {
        "external_id": "id", "time": "time", "customer_ref": "customer", "touchpoint": "touchpoint",
        "fixed_touchpoint": None, "channel": "channel", "segment": "segment",
        "scores": {"nps": "nps", "csat": "csat", "ces": "ces"}, "comment": "comment", "language": None,
        "attributes": ["*rest*"], "time_zone": None, "time_format": None,
    }  # fmt: skip
    [record] = _results(text)
    assert record.attributes == {"effort_minutes": "3", "store": "Berlin"}  # e-mail is personal data: left out


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("nps", "11", "Row 2, column 'nps': '11' is not a whole number from 0 to 10"),
        ("nps", "-1", "Row 2, column 'nps': '-1' is not a whole number from 0 to 10"),
        ("nps", "7,5", "Row 2, column 'nps': '7,5' is not a whole number from 0 to 10"),
        ("nps", "sehr", "Row 2, column 'nps': 'sehr' is not a whole number from 0 to 10"),
        ("csat", "0", "Row 2, column 'csat': '0' is not a whole number from 1 to 5"),
        ("csat", "6", "Row 2, column 'csat': '6' is not a whole number from 1 to 5"),
        ("ces", "8", "Row 2, column 'ces': '8' is not a whole number from 1 to 7"),
        ("effort_minutes", "viel", "Row 2, column 'effort_minutes': 'viel' is not a number"),
        ("time", "32.12.2025", "Row 2, column 'time': '32.12.2025' is not a date and time "
                               "(e.g. 2025-12-31 14:30, 31.12.2025 14:30 or 12/31/2025 2:30 PM)"),
        ("time", "", "Row 2, column 'time': '' is not a date and time; the response time is required"),
    ],
)  # fmt: skip
def test_wrong_values_are_rejected_with_row_column_value_and_expectation(column, value, message):
    cells = {"id": "A-1", "time": "2025-12-31 14:30", "nps": "9", "csat": "4", "ces": "2", "effort_minutes": "3"}
    cells[column] = value
    text = HEADER + ";".join(cells.get(name, "") for name in HEADER.strip().split(";")) + "\n"
    mapping = _mapping(scores={"nps": "nps", "csat": "csat", "ces": "ces", "wait": "effort_minutes"})

    assert _messages(_results(text, mapping)) == [message]


def test_every_problem_of_a_row_is_reported_and_the_row_is_not_a_record():
    text = HEADER + "A-1;gestern;12;9;0;;;;;;;;\n"

    results = _results(text, _mapping())

    assert [(error.row, error.column, error.value, error.code) for error in results] == [
        (2, "time", "gestern", "bad_time"),
        (2, "nps", "12", "score_range"),
        (2, "csat", "9", "score_range"),
        (2, "ces", "0", "score_range"),
    ]
    assert results[1].to_dict() == {
        "row": 2, "column": "nps", "value": "12", "code": "score_range", "expected": "a whole number from 0 to 10",
        "message": "Row 2, column 'nps': '12' is not a whole number from 0 to 10",
    }  # fmt: skip


def test_duplicate_id_is_rejected_for_the_later_row():
    text = (
        HEADER
        + "A-1;2025-12-30 10:00;9;;;;;;;;;;\nA-2;2025-12-30 11:00;8;;;;;;;;;;\nA-1;2025-12-31 10:00;7;;;;;;;;;;\n"
    )

    results = _results(text, _mapping())

    assert [result.external_id for result in results if isinstance(result, Record)] == ["A-1", "A-2"]
    assert _messages(results) == ["Row 4, column 'id': 'A-1' is not a new id; row 2 has the same id"]


def test_missing_ids_come_from_the_row_content_and_identical_rows_are_duplicates():
    text = HEADER + "A-1;2025-12-30 10:00;9;;;;;;;;;;\n;2025-12-30 11:00;8;;;;;;;;;;\n;2025-12-30 11:00;8;;;;;;;;;;\n"

    results = _results(text, _mapping())

    generated = results[1]
    assert (generated.generated_id, generated.external_id) == (True, "auto-c8558cf8e96912286d5cbbec3a54fc76")
    assert _messages(results) == [
        "Row 4, column 'id': 'auto-c8558cf8e96912286d5cbbec3a54fc76' is not a new id; row 3 has the same id"
    ]


def test_without_an_id_column_every_id_is_generated():
    text = "Datum,Kommentar\n31.12.2025 10:00,gut\n31.12.2025 11:00,schlecht\n"

    results = _results(text)

    assert [result.external_id[:5] for result in results] == ["auto-", "auto-"]
    assert results[0].external_id != results[1].external_id


def test_too_long_id():
    text = HEADER + "X" * 121 + ";2025-12-30 10:00;9;;;;;;;;;;\n"

    assert _messages(_results(text, _mapping())) == [
        f"Row 2, column 'id': '{'X' * 59}…' is not an id of at most 120 characters"
    ]


def test_fixed_touchpoint_for_every_row():
    text = "id,time,nps\n1,2025-12-30 10:00,9\n"

    [record] = _results(text, ColumnMapping(external_id="id", time="time", fixed_touchpoint="TP-HOTLINE"))

    assert (record.touchpoint_ref, record.scores, record.attributes) == ("TP-HOTLINE", {}, {})


def test_time_zone_of_the_mapping_and_of_the_call():
    text = "id,time\n1,2025-07-01 12:00\n"

    [berlin] = _results(text)
    [london] = _results(text, ColumnMapping(external_id="id", time="time", time_zone="Europe/London"))
    [utc] = _results(text, time_zone="UTC")

    assert [berlin.responded_at.hour, london.responded_at.hour, utc.responded_at.hour] == [10, 11, 12]


def test_explicit_time_format_wins_over_the_usual_order():
    text = "id,time\n1,03/04/2025 10:00\n"

    [american] = _results(text)
    [british] = _results(text, ColumnMapping(external_id="id", time="time", time_format="%d/%m/%Y %H:%M"))

    assert (american.responded_at.month, british.responded_at.month) == (3, 4)


# --- mapping --------------------------------------------------------------------------------------------------


def test_mapping_json_round_trip():
    mapping = _mapping(scores={"nps": "nps", "wait_minutes": "effort_minutes"}, attributes=["*rest*"])

    assert ColumnMapping.from_dict(json.loads(json.dumps(mapping.to_dict()))) == mapping


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "The mapping must be a JSON object."),
        ({"external_id": "id", "colour": "x"}, "Unknown key in the mapping: colour."),
        ({"time": 3}, "The mapping value for 'time' must be a column name or null."),
        ({"scores": {"Net Promoter": "nps"}},
         "'Net Promoter' is not a valid metric key (lower-case letters, digits and _)."),
        ({"scores": ["nps"]}, "The mapping value for 'scores' must be a JSON object."),
        ({"attributes": "store"}, "The mapping value for 'attributes' must be a list of column names."),
    ],
)  # fmt: skip
def test_bad_mapping_json(data, message):
    with pytest.raises(IngestError) as error:
        ColumnMapping.from_dict(data)

    assert (error.value.code, error.value.message) == ("mapping", message)


def test_mapping_naming_a_missing_column():
    with pytest.raises(IngestError) as error:
        _results("id,time\n1,2025-01-01\n", ColumnMapping(external_id="id", time="time", scores={"nps": "NPS"}))

    assert error.value.message == "The mapping names the column 'NPS', which the file does not have."


def test_mapping_without_time():
    with pytest.raises(IngestError) as error:
        _results("id,time\n1,2025-01-01\n", ColumnMapping(external_id="id"))

    assert error.value.message == "The mapping does not say which column holds the response time."


def test_unknown_time_zone():
    with pytest.raises(IngestError) as error:
        _results("id,time\n1,2025-01-01\n", time_zone="Mars/Olympus")

    assert (error.value.code, error.value.message) == ("time_zone", "'Mars/Olympus' is not a known time zone.")


# --- values -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [("4,5", 4.5), ("4.5", 4.5), ("-3", -3.0), ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("1.234.567", 1234567.0),
     (" 7 ", 7.0), (7, 7.0), ("abc", None), ("1,2,3", None), ("", None), (float("nan"), None), (True, None)],
)  # fmt: skip
def test_numbers_in_german_and_english_notation(text, number):
    assert parse_number(text) == number


def test_scores_with_labels_as_survey_tools_export_them():
    assert parse_score("nps", "10 - Extremely likely") == 10.0
    assert parse_score("nps", "") is None
    assert parse_score("custom", "2,75") == 2.75
    with pytest.raises(ValueProblem):
        parse_score("csat", "Very satisfied")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-12-31 14:30", datetime(2025, 12, 31, 13, 30, tzinfo=UTC)),
        ("2025-12-31T14:30:00Z", datetime(2025, 12, 31, 14, 30, tzinfo=UTC)),
        ("2025-12-31T14:30:00+02:00", datetime(2025, 12, 31, 12, 30, tzinfo=UTC)),
        ("2025-12-31", datetime(2025, 12, 30, 23, 0, tzinfo=UTC)),
        ("31.12.2025 14:30", datetime(2025, 12, 31, 13, 30, tzinfo=UTC)),
        ("31.12.2025 14:30:15", datetime(2025, 12, 31, 13, 30, 15, tzinfo=UTC)),
        ("1.7.2025", datetime(2025, 6, 30, 22, 0, tzinfo=UTC)),
        ("31.12.25 14:30", datetime(2025, 12, 31, 13, 30, tzinfo=UTC)),
        ("12/31/2025 2:30 PM", datetime(2025, 12, 31, 13, 30, tzinfo=UTC)),
        ("12/31/2025 02:30:05 PM", datetime(2025, 12, 31, 13, 30, 5, tzinfo=UTC)),
        ("12/31/2025 14:30", datetime(2025, 12, 31, 13, 30, tzinfo=UTC)),
        ("31/12/2025 14:30", datetime(2025, 12, 31, 13, 30, tzinfo=UTC)),
        ("2025/12/31 2:30:00 PM GMT+1", datetime(2025, 12, 31, 13, 30, tzinfo=UTC)),
        ("31.12.2025 14:30 MEZ", datetime(2025, 12, 31, 13, 30, tzinfo=UTC)),
        ("46022.5", datetime(2025, 12, 31, 11, 0, tzinfo=UTC)),
        (46022.604166666664, datetime(2025, 12, 31, 13, 30, tzinfo=UTC)),
        (datetime(2025, 12, 31, 14, 30), datetime(2025, 12, 31, 13, 30, tzinfo=UTC)),
    ],
)
def test_times(value, expected):
    parsed = TimeParser(time_zone_named("Europe/Berlin")).parse(value)

    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize("value", ["gestern", "31.02.2025", "13/31/2025", "99999", 12.0, "2025-13-01"])
def test_not_times(value):
    with pytest.raises(ValueProblem) as problem:
        TimeParser(UTC).parse(value)

    assert problem.value.code == "bad_time"
