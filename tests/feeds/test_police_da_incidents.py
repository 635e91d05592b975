"""The DA incidents feed's contract: rules, quarantine, pseudonymised references."""

from __future__ import annotations

import pytest

from ingestion.pseudonymise import KEY_VARIABLE, hmac_hex

FEED = "police_da_incidents"
KEY = "test-key-for-incidents"
HEADER = ["Incident Reference", "Incident Date Time", "LSOA Code", "DASH Risk Level", "Repeat Victim",
          "Victim Reference"]
NAME = "lancashire-da-incidents-2024-03.csv"


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_VARIABLE, KEY)


def row(**values: str) -> dict[str, str]:
    base = {"Incident Reference": "DA202403-00001", "Incident Date Time": "2024-03-02 01:15", "LSOA Code": "E01025000",
            "DASH Risk Level": "High", "Repeat Victim": "Y", "Victim Reference": "V0000001"}
    base.update({k.replace("_", " "): v for k, v in values.items()})
    return base


def test_valid_rows_load_with_risk_lower_case_and_pseudonyms(feed_kit, feed_csv) -> None:
    rows = [row(), row(**{"Incident Reference": "DA202403-00002", "DASH Risk Level": "standard",
                          "Repeat Victim": "n", "Incident Date Time": "2024-03-31T23:59:59"})]
    result = feed_kit.load(FEED, NAME, feed_csv(HEADER, rows))
    assert (result.status, result.rows_loaded, result.partition_key) == ("loaded", 2, "2024-03")
    raw = feed_kit.raw(FEED, result.sha256).sort("source_row").to_dicts()
    assert raw[0]["incident_reference"] == hmac_hex(KEY.encode(), "DA202403-00001")
    assert raw[0]["victim_reference"] == hmac_hex(KEY.encode(), "V0000001")
    assert [r["dash_risk_level"] for r in raw] == ["high", "standard"]
    assert [r["repeat_victim"] for r in raw] == [True, False]
    assert str(raw[1]["incident_datetime"]) == "2024-03-31 23:59:59"


@pytest.mark.parametrize(("change", "rule"), [
    ({"DASH Risk Level": "Very high"}, "dash_risk_known"),
    ({"DASH Risk Level": ""}, "required"),
    ({"Incident Date Time": "2024-04-01 00:00"}, "incident_in_file_month"),
    ({"Incident Date Time": "2024-03-02"}, "iso_datetime"),
    ({"Repeat Victim": "Unknown"}, "flag_y_or_n"),
    ({"LSOA Code": "E0102500"}, "lsoa_code_format"),
    ({"Incident Reference": "DA202403-00009", "Victim Reference": "2.5E+10"}, "victim_reference_format"),
])
def test_bad_rows_quarantined(feed_kit, feed_csv, change, rule) -> None:
    bad = row(**{"Incident Reference": "DA202403-00009"}) | {k.replace("_", " "): v for k, v in change.items()}
    result = feed_kit.load(FEED, NAME, feed_csv(HEADER, [row(), bad]))
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    quarantined = feed_kit.quarantine(result.sha256)
    assert rule in quarantined["check_name"].to_list()
    assert "DA202403-00009" not in quarantined.write_csv() and "2.5E+10" not in quarantined.write_csv()
    assert feed_kit.balanced(FEED)


def test_duplicate_incident_reference(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, NAME, feed_csv(HEADER, [row(), row()]))
    assert feed_kit.quarantine(result.sha256)["check_name"].to_list() == ["incident_reference_unique_in_file"]


def test_header_of_another_feed_is_rejected_naming_it(feed_kit, feed_csv) -> None:
    header = ["Crime Reference", "Recorded Date", "Committed From", "HO Offence Code"]
    result = feed_kit.load(FEED, NAME, feed_csv(header, [["06/1/24", "2024-03-01", "2024-03-01 10:00", "8N"]]))
    assert result.status == "rejected"
    assert "missing contract columns" in result.reason and "police_crime_extract" in result.reason
