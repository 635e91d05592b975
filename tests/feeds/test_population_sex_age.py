"""ONS population by sex and single year of age: contract and rules."""

from __future__ import annotations

import pytest

FEED = "population_sex_age"
HEADER = ["ladcode23", "laname23", "sex", "age", "population", "year"]


def test_long_format_loads_with_sex_decoded(feed_kit, feed_csv) -> None:
    rows = [["E07000123", "Preston", "1", "0", "900", "2023"], ["E07000123", "Preston", "2", "90", "1,204", "2023"],
            ["E07000123", "Preston", "F", "16", "800", "2024"]]
    result = feed_kit.load(FEED, "mye.csv", feed_csv(HEADER, rows))
    assert (result.status, result.rows_loaded, result.partition_key) == ("loaded", 3, "2023..2024")
    raw = feed_kit.raw(FEED, result.sha256).sort("source_row")
    assert raw.select("sex", "age", "population", "year").rows() == [("male", 0, 900, 2023), ("female", 90, 1204, 2023),
                                                                      ("female", 16, 800, 2024)]


@pytest.mark.parametrize(("bad", "rule"), [
    (["E07000123", "Preston", "3", "10", "5", "2023"], "sex_known"),
    (["E07000123", "Preston", "1", "91", "5", "2023"], "age_in_range"),
    (["E07000123", "Preston", "1", "10", "5.5", "2023"], "population_integer"),
    (["S12000036", "Edinburgh", "1", "10", "5", "2023"], "area_code_format"),
    (["E07000123", "Preston", "1", "10", "5", "1970"], "year_in_range"),
    (["E07000123", "Preston", "1", "0", "7", "2023"], "area_sex_age_unique_in_file"),
])
def test_bad_rows_quarantined(feed_kit, feed_csv, bad, rule) -> None:
    good = ["E07000123", "Preston", "1", "0", "900", "2023"]
    result = feed_kit.load(FEED, "mye.csv", feed_csv(HEADER, [good, bad]))
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert rule in feed_kit.quarantine(result.sha256)["check_name"].to_list()


def test_missing_columns_rejected(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, "mye.csv", feed_csv(["ladcode", "population"], [["E07000123", "5"]]))
    assert result.status == "rejected" and "sex" in result.reason and "age" in result.reason
