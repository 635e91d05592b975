"""The residents' survey feed's contract: every rule, pseudonymised references, rejections, waves."""

from __future__ import annotations

import datetime as dt

import pytest

from ingestion import row_rules
from ingestion.pseudonymise import KEY_VARIABLE, hmac_hex

FEED = "residents_survey"
KEY = "test-key-for-survey"
HEADER = ["Respondent Reference", "Wave", "District", "Age Band", "Sex", "Survey Weight", "Safe Alone Day",
          "Safe Alone After Dark", "Agencies Dealing With Issues"]
NAME = "lancashire-talking-2024-25-q1.csv"


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_VARIABLE, KEY)


def row(**values: str) -> dict[str, str]:
    base = {"Respondent Reference": "LT-000001", "Wave": "2024/25 Q1", "District": "Preston", "Age Band": "35-44",
            "Sex": "F", "Survey Weight": "1.25", "Safe Alone Day": "Very safe", "Safe Alone After Dark": "A bit unsafe",
            "Agencies Dealing With Issues": "Tend to agree"}
    base.update(values)
    return base


def test_valid_rows_load_canonical_and_pseudonymised(feed_kit, feed_csv) -> None:
    rows = [
        row(),
        row(**{"Respondent Reference": "LT-000002", "Wave": "2024-25-q1", "District": "e07000117", "Age Band": "75 +",
               "Sex": "male", "Survey Weight": "0.8", "Safe Alone Day": "FAIRLY SAFE",
               "Safe Alone After Dark": "Don’t know", "Agencies Dealing With Issues": "neither agree nor disagree"}),
        row(**{"Respondent Reference": "LT-000003", "District": "  blackburn WITH darwen ", "Age Band": "",
               "Sex": "", "Safe Alone Day": "", "Safe Alone After Dark": "very unsafe",
               "Agencies Dealing With Issues": "dont know"}),
    ]
    result = feed_kit.load(FEED, NAME, feed_csv(HEADER, rows))
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 3, 0)
    assert result.partition_key == "2024-25-Q1"
    raw = feed_kit.raw(FEED, result.sha256).sort("source_row").to_dicts()
    assert [r["respondent_reference"] for r in raw] == [hmac_hex(KEY.encode(), f"LT-00000{i}") for i in (1, 2, 3)]
    assert {r["wave"] for r in raw} == {"2024-25-Q1"} and {r["wave_label"] for r in raw} == {"2024/25 Q1"}
    assert (str(raw[0]["wave_start"]), str(raw[0]["wave_end_month"]), raw[0]["wave_kind"]) == (
        "2024-04-01", "2024-06-01", "quarter")
    assert [r["lad_code"] for r in raw] == ["E07000123", "E07000117", "E06000008"]
    assert [r["age_band"] for r in raw] == ["35-44", "75+", None]
    assert [r["sex"] for r in raw] == ["F", "M", None]
    assert [r["weight"] for r in raw] == [1.25, 0.8, 1.25]
    assert [r["safe_day"] for r in raw] == ["very_safe", "fairly_safe", None]
    assert [r["safe_after_dark"] for r in raw] == ["a_bit_unsafe", "dont_know", "very_unsafe"]
    assert [r["agencies_deal"] for r in raw] == ["tend_to_agree", "neither", "dont_know"]
    assert [r["source_row"] for r in raw] == [2, 3, 4]  # provenance: the file's line
    assert feed_kit.balanced(FEED)


def test_monthly_wave_and_multi_wave_file_partition(feed_kit, feed_csv) -> None:
    rows = [row(Wave="2024-05"), row(Wave="2024-03"), row(Wave="2023/24 Q4")]
    result = feed_kit.load(FEED, "survey.csv", feed_csv(HEADER, rows))
    assert result.partition_key == "2023-24-Q4..2024-05"
    raw = feed_kit.raw(FEED, result.sha256).sort("source_row").to_dicts()
    assert [(r["wave"], str(r["wave_start"]), str(r["wave_end_month"])) for r in raw] == [
        ("2024-05", "2024-05-01", "2024-05-01"), ("2024-03", "2024-03-01", "2024-03-01"),
        ("2023-24-Q4", "2024-01-01", "2024-03-01")]


@pytest.mark.parametrize(("change", "rule", "column"), [
    ({"Respondent Reference": "2.5E+10"}, "respondent_reference_format", "respondent_reference"),
    ({"Respondent Reference": "R"}, "respondent_reference_format", "respondent_reference"),
    ({"Respondent Reference": ""}, "required", "respondent_reference"),
    ({"Wave": "2024 Q1"}, "wave_format", "wave"),
    ({"Wave": "2024/26 Q1"}, "wave_format", "wave"),
    ({"Wave": "2024-13"}, "wave_format", "wave"),
    ({"Wave": ""}, "required", "wave"),
    ({"Wave": "2099-01"}, "month_not_in_future", "wave"),
    ({"District": "Manchester"}, "district_known", "district"),
    ({"District": "E07000999"}, "district_known", "district"),
    ({"District": ""}, "required", "district"),
    ({"Age Band": "18-30"}, "age_band_known", "age_band"),
    ({"Sex": "X"}, "sex_known", "sex"),
    ({"Survey Weight": "0"}, "weight_positive", "weight"),
    ({"Survey Weight": "-1.2"}, "weight_positive", "weight"),
    ({"Survey Weight": "one"}, "weight_positive", "weight"),
    ({"Survey Weight": "inf"}, "weight_positive", "weight"),
    ({"Survey Weight": ""}, "required", "weight"),
    ({"Safe Alone Day": "quite safe"}, "answer_known", "safe_day"),
    ({"Safe Alone After Dark": "Very"}, "answer_known", "safe_after_dark"),
    ({"Agencies Dealing With Issues": "Agree"}, "answer_known", "agencies_deal"),
])
def test_bad_rows_quarantined_under_their_rule(feed_kit, feed_csv, change, rule, column) -> None:
    bad = row(**{"Respondent Reference": "LT-000009"}) | change
    result = feed_kit.load(FEED, NAME, feed_csv(HEADER, [row(), bad]))
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 1, 1)
    quarantined = feed_kit.quarantine(result.sha256)
    assert (rule, column) in list(zip(quarantined["check_name"], quarantined["column_name"]))
    assert quarantined["source_row"].to_list() == [3] * quarantined.height
    text = quarantined.write_csv()
    assert "LT-000009" not in text and "2.5E+10" not in text  # references only ever as pseudonyms
    assert feed_kit.balanced(FEED)


def test_respondent_unique_in_wave(feed_kit, feed_csv) -> None:
    rows = [row(), row(Wave="2024-25 Q1"), row(Wave="2024/25 Q2")]  # same wave written twice; another wave
    result = feed_kit.load(FEED, NAME, feed_csv(HEADER, rows))
    quarantined = feed_kit.quarantine(result.sha256)
    assert quarantined["check_name"].to_list() == ["respondent_unique_in_wave"]
    assert quarantined["source_row"].to_list() == [3]
    assert quarantined["failure_case"][0] == hmac_hex(KEY.encode(), "LT-000001")
    assert result.rows_loaded == 2


def test_future_wave_follows_the_run_clock(feed_kit, feed_csv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(row_rules, "today", lambda: dt.date(2024, 6, 30))
    rows = [row(), row(**{"Respondent Reference": "LT-000002", "Wave": "2024/25 Q2"})]
    result = feed_kit.load(FEED, NAME, feed_csv(HEADER, rows))
    assert feed_kit.quarantine(result.sha256)["check_name"].to_list() == ["month_not_in_future"]
    assert result.partition_key == "2024-25-Q1"  # the future wave does not stretch the partition


def test_header_any_case_and_order_extra_columns_not_kept(feed_kit, feed_csv) -> None:
    header = [h.upper() for h in reversed(HEADER)] + ["Respondent Name"]
    values = row(**{"Sex": "Q"})
    rows = [[values[h] for h in reversed(HEADER)] + ["Jane Example"]]
    result = feed_kit.load(FEED, NAME, feed_csv(header, rows))
    assert (result.status, result.rows_quarantined) == ("loaded", 1)
    record = feed_kit.quarantine(result.sha256)["raw_record"][0]
    assert "Jane Example" not in record and "LT-000001" not in record
    assert "Respondent Name" in record  # the dropped column is named, its value is not kept


def test_missing_contract_column_rejects_the_file_naming_it(feed_kit, feed_csv) -> None:
    header = [h for h in HEADER if h != "Survey Weight"]
    result = feed_kit.load(FEED, NAME, feed_csv(header, [row()]))
    assert result.status == "rejected"
    assert "missing contract columns: Survey Weight" in result.reason
    assert "LT-000001" not in result.reason


def test_no_valid_wave_rejects_the_file(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, NAME, feed_csv(HEADER, [row(Wave="spring")]))
    assert result.status == "rejected" and "no row has a wave" in result.reason


def test_header_of_another_feed_is_rejected_naming_it(feed_kit, feed_csv) -> None:
    header = ["Incident Reference", "Incident Date Time", "LSOA Code", "DASH Risk Level", "Repeat Victim",
              "Victim Reference"]
    result = feed_kit.load(FEED, NAME, feed_csv(header, [["DA1-001", "2024-03-01 10:00", "", "High", "Y", ""]]))
    assert result.status == "rejected"
    assert "missing contract columns" in result.reason and "police_da_incidents" in result.reason


def test_resubmitted_wave_supersedes(feed_kit, feed_csv) -> None:
    first = feed_kit.load(FEED, NAME, feed_csv(HEADER, [row(), row(**{"Respondent Reference": "LT-000002"})]))
    second = feed_kit.load(FEED, "corrected.csv", feed_csv(HEADER, [
        row(), row(**{"Respondent Reference": "LT-000002", "Survey Weight": "2"})]))
    assert second.superseded == [first.sha256]
    assert feed_kit.status(first.sha256) == ("superseded", second.sha256)
    assert feed_kit.staged(FEED)["weight"].to_list() == [1.25, 2.0]


def test_generated_demo_files_load_with_their_planted_faults(feed_kit, tmp_path) -> None:
    from ingestion.demo.survey import write_survey_demo

    files = write_survey_demo(feed_kit.landing, seed=7, months=["2024-04", "2024-05", "2024-06", "2024-07",
                                                                 "2024-08", "2024-09"])
    assert len(files) == 2
    results = feed_kit.ingest_all(FEED)
    assert {r.status for r in results} == {"loaded"}
    assert sorted(r.partition_key for r in results) == ["2024-25-Q1", "2024-25-Q2"]
    rules = set(feed_kit.con.execute("select distinct check_name from meta.quarantine").pl()["check_name"])
    assert rules == {"respondent_unique_in_wave", "district_known", "answer_known", "weight_positive"}
    loaded = feed_kit.raw(FEED)
    per_wave = loaded.group_by("wave").len()["len"].to_list()
    assert all(1300 <= n <= 1700 for n in per_wave)
    assert loaded["lad_code"].n_unique() == 14
    assert feed_kit.balanced(FEED)
