"""Real survey exports (read-only, outside the repository) and our own samples of the other tools' layouts."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from opencxm.feedback.ingest import IngestError, Record, RowError, detect_layout, open_table, records

EXPORTS = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "survey-exports"
SAMPLES = Path(__file__).resolve().parent / "samples"

# relative path -> (layout, data rows)
QUALTRICS_CSV = {
    "Better Sample Survey/Better_Sample_Survey.csv": ("qualtrics", 10),
    "Comment Coding/Test_Survey_for_Coded_Comments.csv": ("qualtrics", 10),
    "Long Exhaustive Sample Survey/Long_Exhaustive_Sample_Survey.csv": ("qualtrics", 31),
    "Many Different Question Types/Sample_Survey (Insights).csv": ("qualtrics", 5),
    "Many Different Question Types/Sample_Survey.csv": ("qualtrics_legacy", 5),
    "Matrix Single Answer Survey/Matrix_Single_Answer_Testing.csv": ("qualtrics", 5),
    "Multiple Answer Matrix Questions/Multiple_Answer_Matrix_Questions (Insights).csv": ("qualtrics", 5),
    "Multiple Answer Matrix Questions/Multiple_Answer_Matrix_Questions.csv": ("qualtrics_legacy", 5),
    "Multiple Answer Multiple Choices Questions/Multiple_Answer_MC_Questions (Insights).csv": ("qualtrics", 5),
    "Multiple Answer Multiple Choices Questions/Multiple_Answer_MC_Questions.csv": ("qualtrics_legacy", 5),
    "No Basis for Evaluation/No_Basis_for_Evaluation (Insights).csv": ("qualtrics", 15),
    "No Basis for Evaluation/No_Basis_for_Evaluation (Legacy).csv": ("qualtrics_legacy", 15),
    "Sample Survey/Sample_Survey.csv": ("qualtrics", 5),
    "Side-by-Side Questions/SidebySide_Questions (Insights).csv": ("qualtrics", 25),
    "Side-by-Side Questions/SidebySide_Questions (Legacy).csv": ("qualtrics_legacy", 25),
    "Single Answer Matrix Questions/Single_Answer_Matrix_Questions (Insights).csv": ("qualtrics", 5),
    "Single Answer Matrix Questions/Single_Answer_Matrix_Questions.csv": ("qualtrics_legacy", 5),
    "Single Answer Multiple Choice Questions/Single_Answer_MC_Questions (Insights).csv": ("qualtrics", 5),
    "Single Answer Multiple Choice Questions/Single_Answer_MC_Questions.csv": ("qualtrics_legacy", 5),
    "Survey Logic/Survey_Logic_EVERYWHERE.csv": ("qualtrics_legacy", 10),
    "Test Getting Choice Text from Response Columns/Choice_Text_from_Response_Columns.csv": ("qualtrics", 5),
    "Text Entry Components/Questions_with_Text_Entry_Components.csv": ("qualtrics", 15),
    "User Notes Survey/Notes_Survey.csv": ("qualtrics", 5),
}
NOT_RESPONSES = {  # suffix -> IngestError code, for the other files lying next to the exports
    ".qsf": "survey_structure",
    ".lss": "survey_structure",
    ".lsg": "survey_structure",
    ".rds": "not_a_table",
    ".docx": "not_a_table",
    ".json": "not_a_table",
    ".xls": "xls",
}


def _exports(folder: str) -> Path:
    path = EXPORTS / folder
    if not path.is_dir():
        pytest.skip(f"survey exports not available at {path}")
    return path


def _qualtrics_files() -> list[str]:
    folder = EXPORTS / "qualtrics" / "sample-surveys"
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*.csv")) if folder.is_dir() else []


def _import(path: Path):
    table = open_table(path)
    layout = detect_layout(table)
    return table, layout, list(records(table, layout))


def test_every_qualtrics_csv_in_the_folder_is_known():
    _exports("qualtrics")
    assert _qualtrics_files() == sorted(QUALTRICS_CSV)


@pytest.mark.parametrize("name", sorted(QUALTRICS_CSV))
def test_qualtrics_export_is_recognised_and_every_row_has_id_and_time(name):
    path = _exports("qualtrics") / "sample-surveys" / name
    _table, layout, results = _import(path)

    expected_layout, rows = QUALTRICS_CSV[name]
    assert layout.name == expected_layout
    assert (layout.mapping.external_id, layout.mapping.time) == ("ResponseID", "EndDate")
    assert len(results) == rows
    assert all(isinstance(result, Record) for result in results)
    assert all(result.external_id.startswith("R_") and not result.generated_id for result in results)
    assert all(result.responded_at.tzinfo is UTC and result.responded_at.year in (2016, 2017) for result in results)
    assert "IPAddress" not in results[0].attributes  # personal data is never kept as an attribute


def test_qualtrics_insights_and_legacy_exports_of_one_survey_give_the_same_ids_and_columns():
    folder = _exports("qualtrics") / "sample-surveys" / "Side-by-Side Questions"
    _, insights, new = _import(folder / "SidebySide_Questions (Insights).csv")
    _, legacy, old = _import(folder / "SidebySide_Questions (Legacy).csv")

    assert [record.external_id for record in new] == [record.external_id for record in old]
    assert insights.columns[:1] == legacy.columns[:1] == ["ResponseID"]
    assert "EndDate" in legacy.columns


def test_qualtrics_comment_is_proposed_from_free_text():
    path = _exports("qualtrics") / "sample-surveys" / "Better Sample Survey" / "Better_Sample_Survey.csv"
    _table, layout, results = _import(path)

    assert layout.mapping.comment == "q5_position"
    assert layout.labels[layout.columns.index("q5_position")].startswith("Please briefly state your position")
    comments = [result.comment for result in results if result.comment]
    assert len(comments) == 6
    assert comments[0].startswith("Augue ab et? Luctus dolorem")


def test_limesurvey_archive_with_responses():
    _table, layout, results = _import(_exports("limesurvey") / "colors.lsa")

    assert layout.name == "limesurvey"
    assert (layout.mapping.external_id, layout.mapping.time, layout.mapping.language) == (
        "id", "submitdate", "startlanguage",
    )  # fmt: skip
    assert [(r.row, r.external_id, r.comment, r.language) for r in results] == [
        (2, "1", "I am a fan of heavy metal music", "en"),
        (3, "2", None, "en"),  # this answer is in the second text question, kept as an attribute
    ]
    assert results[0].responded_at == datetime(1979, 12, 31, 23, 0, tzinfo=UTC)
    assert results[1].attributes == {
        "lastpage": "2", "seed": "1838533972", "841748X3X3SQ001": "Y", "841748X3X3SQ002": "Y",
        "841748X3X27": "They brighten my day", "841748X4X28": "AO01",
    }  # fmt: skip


def test_limesurvey_structure_export_is_refused_with_a_clear_message():
    table = open_table(_exports("limesurvey") / "colors.txt")
    with pytest.raises(IngestError) as error:
        detect_layout(table)

    assert error.value.code == "survey_structure"
    assert error.value.message == (
        "This is a LimeSurvey survey definition, not survey responses. Please export the responses instead."
    )


@pytest.mark.parametrize("suffix", sorted(NOT_RESPONSES))
def test_other_files_next_to_the_exports_are_refused(suffix):
    files = sorted(path for path in EXPORTS.rglob(f"*{suffix}")) if EXPORTS.is_dir() else []
    if not files:
        pytest.skip(f"no {suffix} file in {EXPORTS}")
    for path in files[:3]:
        with pytest.raises(IngestError) as error:
            open_table(path)
        assert error.value.code == NOT_RESPONSES[suffix], path


def test_spreadsheets_next_to_the_exports_open_as_generic_tables():
    files = sorted(EXPORTS.rglob("*.xlsx")) if EXPORTS.is_dir() else []
    if not files:
        pytest.skip("no xlsx files")
    for path in files:
        assert detect_layout(open_table(path)).name == "generic"
    coded = detect_layout(open_table(next(path for path in files if path.name == "Q5 Coded.xlsx")))
    assert (coded.mapping.external_id, coded.mapping.time) == ("ResponseID", None)


# --- our samples of the other tools' documented layouts -------------------------------------------------------


def test_surveymonkey_two_header_rows():
    table, layout, results = _import(SAMPLES / "surveymonkey.csv")

    assert layout.name == "surveymonkey"
    assert layout.header_count == 2
    assert layout.columns[11:14] == [
        "Which of these channels did you use to contact us? - Phone",
        "Which of these channels did you use to contact us? - E-mail",
        "Which of these channels did you use to contact us? - Live chat",
    ]
    nps = "How likely is it that you would recommend Acme Energy to a friend or colleague?"
    assert layout.mapping.scores == {"nps": nps}  # the satisfaction question has text answers: not proposed
    assert (layout.mapping.external_id, layout.mapping.time, layout.mapping.comment) == (
        "Respondent ID", "End Date", "What could we do better?",
    )  # fmt: skip
    assert [(r.row, r.external_id, r.responded_at, r.scores) for r in results] == [
        (3, "114829307342", datetime(2025, 6, 7, 8, 31, 47, tzinfo=UTC), {"nps": 9.0}),
        (4, "114829301187", datetime(2025, 6, 7, 11, 5, 40, tzinfo=UTC), {"nps": 3.0}),
        (5, "114829298005", datetime(2025, 6, 8, 7, 16, 1, tzinfo=UTC), {"nps": 10.0}),
    ]
    assert "IP Address" not in results[0].attributes
    assert results[0].attributes["Custom Data 1"] == "contract-88123"


def test_typeform_times_are_utc():
    _table, layout, results = _import(SAMPLES / "typeform.csv")

    assert layout.name == "typeform"
    assert layout.time_zone == "UTC"
    assert layout.mapping.scores == {
        "nps": "How likely are you to recommend Acme Energy to a friend?",
        "ces": "How easy was it to get your issue resolved?",
    }
    assert [(r.external_id, r.responded_at, r.scores, r.comment) for r in results][0] == (
        "x3hd9f0k2l1m4n5b6v7c8x3hd9f0k2l1",
        datetime(2025, 6, 7, 8, 22, 45, tzinfo=UTC),
        {"nps": 8.0, "ces": 6.0},
        "The app is fine, the hotline less so.",
    )
    assert "Network ID" not in results[0].attributes


def test_google_forms_german_has_no_ids_so_they_come_from_the_content():
    _table, layout, results = _import(SAMPLES / "google_forms_de.csv")

    assert layout.name == "google_forms"
    assert (layout.mapping.external_id, layout.mapping.time, layout.mapping.customer_ref) == (
        None, "Zeitstempel", "E-Mail-Adresse",
    )  # fmt: skip
    assert layout.mapping.scores == {
        "nps": "Wie wahrscheinlich ist es, dass Sie uns einem Freund weiterempfehlen?",
        "csat": "Wie zufrieden waren Sie mit der Beratung in der Filiale?",
    }
    assert layout.mapping.comment == "Was können wir verbessern?"
    assert results[0].responded_at == datetime(2025, 6, 7, 8, 29, 3, tzinfo=UTC)  # Europe/Berlin, summer time
    assert all(r.generated_id and r.external_id.startswith("auto-") for r in results)
    again = list(records(open_table(SAMPLES / "google_forms_de.csv"), layout))
    assert [r.external_id for r in again] == [r.external_id for r in results]  # re-import is idempotent


def test_google_forms_english_download_with_gmt_offset():
    _table, layout, results = _import(SAMPLES / "google_forms_en.csv")

    assert layout.name == "google_forms"
    assert [r.responded_at for r in results] == [
        datetime(2025, 6, 7, 8, 29, 3, tzinfo=UTC),
        datetime(2025, 6, 7, 12, 2, 11, tzinfo=UTC),
    ]


def test_limesurvey_csv_with_codes_rejects_the_unsubmitted_response():
    _table, layout, results = _import(SAMPLES / "limesurvey_codes.csv")

    assert layout.name == "limesurvey"
    assert layout.mapping.scores == {"nps": "nps", "csat": "csat"}
    assert [r.external_id for r in results if isinstance(r, Record)] == ["1", "2"]
    assert [r.message for r in results if isinstance(r, RowError)] == [
        "Row 4, column 'submitdate': '' is not a date and time; the response time is required"
    ]


def test_limesurvey_csv_with_question_texts_and_german_dates():
    table, layout, results = _import(SAMPLES / "limesurvey_texts.csv")

    assert (table.delimiter, layout.name) == (";", "limesurvey")
    assert (layout.mapping.external_id, layout.mapping.time) == ("Response ID", "Date submitted")
    assert layout.mapping.scores == {
        "nps": "How likely are you to recommend us to a friend or colleague?",
        "ces": "How much effort did it take to solve your issue?",
    }
    assert [(r.external_id, r.responded_at, r.scores) for r in results] == [
        ("11", datetime(2025, 6, 7, 8, 31, tzinfo=UTC), {"nps": 7.0, "ces": 2.0}),
        ("12", datetime(2025, 6, 7, 11, 5, tzinfo=UTC), {"nps": 0.0, "ces": 7.0}),
    ]


def test_current_qualtrics_layout_with_record_id_and_time_zone():
    _table, layout, results = _import(SAMPLES / "qualtrics_current.csv")

    assert layout.name == "qualtrics"
    assert layout.time_zone == "America/Denver"
    mapping = layout.mapping
    assert (mapping.external_id, mapping.time, mapping.customer_ref, mapping.channel, mapping.language) == (
        "ResponseId", "RecordedDate", "ExternalReference", "DistributionChannel", "UserLanguage",
    )  # fmt: skip
    assert mapping.scores == {"nps": "Q1", "csat": "Q2"}  # never Q1_NPS_GROUP
    assert mapping.comment == "Q3"
    assert layout.personal == {
        "IPAddress", "RecipientLastName", "RecipientFirstName", "RecipientEmail", "LocationLatitude",
        "LocationLongitude",
    }  # fmt: skip
    first = results[0]
    assert (first.external_id, first.responded_at, first.customer_ref, first.language) == (
        "R_1DlvYbk9xQz0a2B", datetime(2025, 6, 7, 14, 31, 48, tzinfo=UTC), "CUST-1001", "EN",
    )  # fmt: skip
    assert first.attributes == {
        "StartDate": "2025-06-07 08:29:03", "EndDate": "2025-06-07 08:31:47", "Status": "IP Address",
        "Progress": "100", "Duration (in seconds)": "164", "Finished": "True", "Q1_NPS_GROUP": "3",
    }  # fmt: skip
