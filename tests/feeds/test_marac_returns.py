"""The MARAC returns' contract: quarters, counts, cross-column rules, partitions, replacement."""

from __future__ import annotations

import pytest

FEED = "marac_returns"
HEADER = ["MARAC Area", "Quarter", "Cases Discussed", "Repeat Cases", "Children in Households", "Referrals Police",
          "Referrals IDVA", "Referrals Health", "Referrals Childrens Services", "Referrals Other", "Cases BME",
          "Cases Disabled", "Cases LGBT", "Cases Male", "Cases Aged 16-17"]


def row(area: str = "Preston", quarter: str = "2024/25 Q1", **values: str) -> dict[str, str]:
    base = dict(zip(HEADER, [area, quarter, "40", "12", "55", "25", "6", "4", "2", "3", "5", "3", "1", "2", "1"]))
    base.update({k.replace("_", " "): v for k, v in values.items()})
    return base


def test_quarters_load_with_their_dates(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, "marac.csv", feed_csv(HEADER, [row(), row("Burnley", "2024/25 Q4")]))
    assert (result.status, result.rows_loaded, result.partition_key) == ("loaded", 2, "2024-25-Q1..2024-25-Q4")
    raw = {r["marac_area"]: r for r in feed_kit.raw(FEED, result.sha256).to_dicts()}
    assert (str(raw["Preston"]["quarter_start"]), str(raw["Preston"]["quarter_end_month"])) == ("2024-04-01",
                                                                                                "2024-06-01")
    assert (str(raw["Burnley"]["quarter_start"]), str(raw["Burnley"]["quarter_end_month"])) == ("2025-01-01",
                                                                                                "2025-03-01")
    assert raw["Preston"]["financial_year"] == "2024/25" and raw["Burnley"]["fy_quarter"] == 4
    assert raw["Preston"]["cases_discussed"] == 40


@pytest.mark.parametrize(("change", "rule"), [
    ({"Quarter": "2024 Q1"}, "quarter_format"),
    ({"Quarter": "2024/26 Q1"}, "quarter_format"),
    ({"Repeat Cases": "41"}, "repeat_cases_within_cases"),
    ({"Referrals Police": "26"}, "referrals_sum_to_cases"),
    ({"Cases Male": "41"}, "characteristic_within_cases"),
    ({"Children in Households": "-1"}, "count_whole_number"),
    ({"Cases Discussed": ""}, "required"),
])
def test_bad_rows_quarantined(feed_kit, feed_csv, change, rule) -> None:
    result = feed_kit.load(FEED, "marac.csv", feed_csv(HEADER, [row(), row("Chorley", **change)]))
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert rule in feed_kit.quarantine(result.sha256)["check_name"].to_list()
    assert feed_kit.balanced(FEED)


def test_same_area_and_quarter_twice_in_a_file(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, "marac.csv", feed_csv(HEADER, [row(), row()]))
    assert feed_kit.quarantine(result.sha256)["check_name"].to_list() == ["area_quarter_unique_in_file"]


def test_file_without_any_quarter_is_rejected(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, "marac.csv", feed_csv(HEADER, [row(quarter="Q1")]))
    assert result.status == "rejected" and "2024/25 Q1" in result.reason


def test_missing_column_is_rejected(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, "marac.csv", feed_csv(HEADER[:-1], [row()]))
    assert result.status == "rejected" and "Cases Aged 16-17" in result.reason
