"""The police crime extract's contract: header, file name, row rules, quarantine, pseudonymisation."""

from __future__ import annotations

import json

import polars as pl
import pytest

from ingestion.pseudonymise import KEY_VARIABLE, PseudonymisationKeyMissing, hmac_hex

FEED = "police_crime_extract"
KEY = "test-key-for-the-extract"
HEADER = ["Crime Reference", "Recorded Date", "Committed From", "Committed To", "HO Offence Code",
          "HO Offence Description", "LSOA Code", "Domestic Abuse", "Hate Race", "Hate Religion",
          "Hate Sexual Orientation", "Hate Transgender", "Hate Disability", "Alcohol Related",
          "Child Sexual Exploitation", "Child Criminal Exploitation", "Organised Crime Group",
          "Knife or Sharp Instrument", "Victim Reference", "Victim Age Band", "Victim Sex", "Outcome"]


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    return KEY


def row(**values: str) -> dict[str, str]:
    base = {h: "N" for h in HEADER[7:18]}
    base.update({
        "Crime Reference": "06/123456/24", "Recorded Date": "2024-01-15", "Committed From": "2024-01-13 22:30",
        "Committed To": "2024-01-13 23:00", "HO Offence Code": "8N", "HO Offence Description": "Assault with injury",
        "LSOA Code": "E01025000", "Victim Reference": "V1234567", "Victim Age Band": "18-20", "Victim Sex": "F",
        "Outcome": "Under investigation",
    })
    base.update({k.replace("_", " "): v for k, v in values.items()})
    return base


NAME = "lancashire-crime-extract-2024-01.csv"


def test_valid_file_loads_typed_and_pseudonymised(feed_kit, feed_csv) -> None:
    rows = [row(), row(**{"Crime Reference": "06/000002/24", "HO Offence Code": "0105a", "Domestic Abuse": "y",
                          "Hate Race": "Y", "Committed To": "", "LSOA Code": "", "Victim Reference": ""})]
    result = feed_kit.load(FEED, NAME, feed_csv(HEADER, rows))
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == ("loaded", 2, 2, 0)
    assert result.partition_key == "2024-01"
    raw = feed_kit.raw(FEED, result.sha256).sort("source_row")
    first, second = raw.to_dicts()
    assert first["crime_reference"] == hmac_hex(KEY.encode(), "06/123456/24")
    assert first["victim_reference"] == hmac_hex(KEY.encode(), "V1234567")
    assert str(first["month"]) == "2024-01-01" and str(first["committed_from"]) == "2024-01-13 22:30:00"
    assert first["flag_domestic_abuse"] is False and first["source_row"] == 2
    assert second["ho_offence_code"] == "105A" and second["flag_domestic_abuse"] is True
    assert second["flag_hate_race"] is True and second["committed_to"] is None
    assert second["lsoa_code"] is None and second["victim_reference"] is None
    assert feed_kit.balanced(FEED)


@pytest.mark.parametrize(("change", "rule"), [
    ({"HO Offence Code": "999Z"}, "offence_code_known"),
    ({"HO Offence Code": "assault"}, "offence_code_format"),
    ({"Recorded Date": "2024-02-01"}, "recorded_in_file_month"),
    ({"Recorded Date": "15/01/2024"}, "iso_date"),
    ({"Committed From": "2024-01-16 01:00"}, "committed_before_recorded"),
    ({"Committed From": "13/01/2024 22:30"}, "iso_datetime"),
    ({"Committed To": "2024-01-13 21:00"}, "committed_to_not_before_from"),
    ({"LSOA Code": "Preston 001A"}, "lsoa_code_format"),
    ({"Domestic Abuse": "Yes"}, "flag_y_or_n"),
    ({"Knife or Sharp Instrument": ""}, "required"),
    ({"Victim Age Band": "15-25"}, "victim_age_band_known"),
    ({"Victim Sex": "Female"}, "victim_sex_known"),
    ({"Crime Reference": "6.12346E+11"}, "crime_reference_format"),
    ({"Crime Reference": ""}, "required"),
])
def test_bad_row_is_quarantined_with_its_rule(feed_kit, feed_csv, change, rule) -> None:
    result = feed_kit.load(FEED, NAME, feed_csv(HEADER, [row(**{"Crime Reference": "06/000001/24"}), row(**change)]))
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 1, 1)
    quarantined = feed_kit.quarantine(result.sha256)
    assert rule in quarantined["check_name"].to_list()
    assert quarantined["source_row"].to_list()[0] == 3
    assert feed_kit.balanced(FEED)


def test_duplicate_reference_quarantines_the_second_row_only(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, NAME, feed_csv(HEADER, [row(), row(), row(**{"Crime Reference": "06/9/24"})]))
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    quarantined = feed_kit.quarantine(result.sha256)
    assert quarantined.select("source_row", "check_name").rows() == [(3, "crime_reference_unique_in_file")]


def test_quarantine_never_holds_a_raw_reference(feed_kit, feed_csv) -> None:
    bad = row(**{"Crime Reference": "06/777777/24", "Victim Reference": "V7777777", "HO Offence Code": "999Z"})
    bad_ref = row(**{"Crime Reference": "E+12345", "Victim Reference": "V7777778"})
    result = feed_kit.load(FEED, NAME, feed_csv(HEADER, [bad, bad_ref]))
    quarantined = feed_kit.quarantine(result.sha256)
    text = quarantined.write_csv()
    for raw in ("06/777777/24", "V7777777", "E+12345", "V7777778"):
        assert raw not in text
    record = json.loads(quarantined.filter(pl.col("check_name") == "offence_code_known")["raw_record"][0])
    assert record["Crime Reference"] == hmac_hex(KEY.encode(), "06/777777/24")
    assert record["HO Offence Code"] == "999Z"  # the rest of the row stays as sent
    fmt = quarantined.filter(pl.col("check_name") == "crime_reference_format")
    assert fmt["failure_case"][0] == hmac_hex(KEY.encode(), "E+12345")


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("crime-extract.csv", None, "has no month"),
    (NAME, "Crime Reference,Recorded Date\n06/1/24,2024-01-01\n", "missing contract columns"),
])
def test_file_level_rejections(feed_kit, feed_csv, name, content, reason) -> None:
    result = feed_kit.load(FEED, name, content or feed_csv(HEADER, [row()]))
    assert result.status == "rejected" and reason in result.reason
    assert "06/" not in result.reason


def test_header_found_by_name_in_any_order_and_case(feed_kit, feed_csv) -> None:
    header = [h.upper() for h in reversed(HEADER)] + ["Extra Column"]
    data = [{h.upper(): v for h, v in row().items()} | {"Extra Column": "x"}]
    result = feed_kit.load(FEED, NAME, feed_csv(header, data))
    assert (result.status, result.rows_loaded) == ("loaded", 1)


def test_missing_key_outside_demo_mode_stops_with_the_variable_named(feed_kit, feed_csv, monkeypatch) -> None:
    monkeypatch.delenv(KEY_VARIABLE)
    path = feed_kit.write(FEED, NAME, feed_csv(HEADER, [row()]))
    with pytest.raises(PseudonymisationKeyMissing, match=KEY_VARIABLE):
        feed_kit.ingest(FEED, path)
    # nothing was recorded: the file loads once the key is set
    assert feed_kit.con.execute("select count(*) from meta.source_files").fetchone()[0] == 0
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    assert feed_kit.ingest(FEED, path).status == "loaded"


def test_resubmitted_month_supersedes(feed_kit, feed_csv) -> None:
    first = feed_kit.load(FEED, NAME, feed_csv(HEADER, [row()]))
    second = feed_kit.load(FEED, "lancashire-crime-extract-2024-01-v2.csv",
                           feed_csv(HEADER, [row(), row(**{"Crime Reference": "06/2/24"})]))
    assert feed_kit.status(first.sha256) == ("superseded", second.sha256)
    assert feed_kit.staged(FEED).height == 2
