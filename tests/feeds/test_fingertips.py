"""The Fingertips feed's contract: header by name, every row rule, periods, partitions and revisions."""

from __future__ import annotations

import datetime as dt

import pytest

FEED = "fingertips"
HEADER = ["Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name", "Area Type", "Sex",
          "Age", "Category Type", "Category", "Time period", "Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit",
          "Lower CI 99.8 limit", "Upper CI 99.8 limit", "Count", "Denominator", "Value note", "Recent Trend",
          "Compared to England value or percentiles", "Compared to Region value or percentiles",
          "Time period Sortable", "New data", "Compared to goal"]
CORE = ["Indicator ID", "Area Code", "Area Type", "Sex", "Age", "Time period", "Value"]


def row(area: str = "E07000123", period: str = "2022/23", indicator: str = "11201", **values: str) -> dict[str, str]:
    base = {
        "Indicator ID": indicator, "Indicator Name": "Hospital admissions for violence (including sexual violence)",
        "Parent Code": "E10000017", "Parent Name": "Lancashire", "Area Code": area, "Area Name": "Preston",
        "Area Type": "Districts & UAs (from Apr 2023)", "Sex": "Persons", "Age": "All ages", "Category Type": "",
        "Category": "", "Time period": period, "Value": "55.5", "Lower CI 95.0 limit": "50.1",
        "Upper CI 95.0 limit": "61.2", "Lower CI 99.8 limit": "47.0", "Upper CI 99.8 limit": "64.9", "Count": "240",
        "Denominator": "432000", "Value note": "", "Recent Trend": "Cannot be calculated",
        "Compared to England value or percentiles": "Worse", "Compared to Region value or percentiles": "Similar",
        "Time period Sortable": "20220000", "New data": "New data", "Compared to goal": "Not compared",
    }
    base.update({k.replace("_", " "): v for k, v in values.items()})
    return base


def test_rows_load_with_periods_and_figures(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, "indicators-DistrictUA.data.csv",
                           feed_csv(HEADER, [row(), row("E92000001", "2020 - 22", indicator="10401")]))
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 2, 0)
    assert result.partition_key == "10401+11201" and result.scope == f"sha256:{result.sha256[:16]}"
    raw = {r["area_code"]: r for r in feed_kit.raw(FEED, result.sha256).to_dicts()}
    preston = raw["E07000123"]
    assert (preston["period_start"], preston["period_end"], preston["period_grain"]) == (
        dt.date(2022, 4, 1), dt.date(2023, 3, 31), "financial_year")
    assert (preston["value"], preston["lower_ci_95"], preston["upper_ci_99_8"]) == (55.5, 50.1, 64.9)
    assert (preston["numerator_count"], preston["denominator"], preston["indicator_id"]) == (240, 432000, 11201)
    assert preston["compared_to_england"] == "Worse" and preston["source_row"] == 2
    assert raw["E92000001"]["period_grain"] == "multi_year"
    assert feed_kit.balanced(FEED)


def test_header_found_by_name_with_optional_columns_absent(feed_kit, feed_csv) -> None:
    # Any order and case, spaces around names, only the core columns: the rest load empty.
    header = ["  time PERIOD", "VALUE", "age", "Sex", "area type", "AREA CODE", "indicator id "]
    r = row()
    rows = [[r["Time period"], r["Value"], r["Age"], r["Sex"], r["Area Type"], r["Area Code"], r["Indicator ID"]]]
    result = feed_kit.load(FEED, "core.csv", feed_csv(header, rows))
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    loaded = feed_kit.raw(FEED, result.sha256).row(0, named=True)
    assert loaded["value"] == 55.5 and loaded["lower_ci_95"] is None and loaded["value_note"] is None


def test_api_column_names_are_the_export_names(feed_kit, feed_csv) -> None:
    # fingertipsR / API spelling: IndicatorID, LowerCI95.0limit, Timeperiod.
    header = ["IndicatorID", "AreaCode", "AreaType", "Sex", "Age", "Timeperiod", "Value", "LowerCI95.0limit",
              "UpperCI95.0limit", "Count", "Denominator"]
    values = ["11201", "E07000123", "District", "Persons", "All ages", "2022", "10", "8", "12", "40", "400000"]
    result = feed_kit.load(FEED, "api.csv", feed_csv(header, [values]))
    loaded = feed_kit.raw(FEED, result.sha256).row(0, named=True)
    assert (loaded["lower_ci_95"], loaded["upper_ci_95"], loaded["period_grain"]) == (8, 12, "year")


@pytest.mark.parametrize("dropped", CORE)
def test_missing_required_column_is_rejected_naming_it(feed_kit, feed_csv, dropped) -> None:
    header = [h for h in HEADER if h != dropped]
    result = feed_kit.load(FEED, "x.csv", feed_csv(header, [row()]))
    assert result.status == "rejected" and dropped in result.reason


def test_file_without_any_indicator_id_is_rejected(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, "x.csv", feed_csv(HEADER, [row(indicator="abc")]))
    assert result.status == "rejected" and "Indicator ID" in result.reason


def test_suppressed_value_with_a_note_loads(feed_kit, feed_csv) -> None:
    suppressed = row(Value="", Count="", **{"Lower_CI_95.0_limit": "", "Upper_CI_95.0_limit": "",
                                            "Lower_CI_99.8_limit": "", "Upper_CI_99.8_limit": ""},
                     Value_note="Value suppressed for disclosure control due to small count")
    result = feed_kit.load(FEED, "x.csv", feed_csv(HEADER, [suppressed]))
    assert (result.rows_loaded, result.rows_quarantined) == (1, 0)
    loaded = feed_kit.raw(FEED, result.sha256).row(0, named=True)
    assert loaded["value"] is None and loaded["value_note"].startswith("Value suppressed")


@pytest.mark.parametrize(("change", "rule"), [
    ({"Indicator ID": "11201.5"}, "indicator_id_integer"),
    ({"Indicator ID": "0"}, "indicator_id_integer"),
    ({"Area Code": "E0700012"}, "area_code_format"),
    ({"Area Code": "Preston"}, "area_code_format"),
    ({"Time period": "2022/24"}, "period_parseable"),
    ({"Time period": "Q1 2023 to date"}, "period_parseable"),
    ({"Time period": "2099"}, "period_not_in_future"),
    ({"Value": "n/a"}, "value_number"),
    ({"Value": "", "Value note": ""}, "value_or_note"),
    ({"Value": "70"}, "ci_order"),
    ({"Value": "", "Value note": "suppressed", "Lower CI 95.0 limit": "70"}, "ci_order"),
    ({"Upper CI 99.8 limit": "high"}, "ci_number"),
    ({"Count": "-3"}, "count_number"),
    ({"Count": "many"}, "count_number"),
    ({"Denominator": "-1"}, "denominator_number"),
    ({"Sex": ""}, "required"),
    ({"Age": ""}, "required"),
    ({"Area Type": ""}, "required"),
    ({"Time period": ""}, "required"),
    ({"Indicator ID": ""}, "required"),
])
def test_bad_rows_quarantined(feed_kit, feed_csv, change, rule) -> None:
    result = feed_kit.load(FEED, "x.csv", feed_csv(HEADER, [row(), row("E07000117", **{k.replace(" ", "_"): v
                                                                                        for k, v in change.items()})]))
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    quarantined = feed_kit.quarantine(result.sha256)
    assert rule in quarantined["check_name"].to_list()
    assert set(quarantined["source_row"].to_list()) == {3}
    assert feed_kit.balanced(FEED)


def test_same_key_twice_in_a_file(feed_kit, feed_csv) -> None:
    rows = [row(), row(), row(Sex="Male"), row(Age="18+ yrs"), row(period="2021/22"), row(indicator="10401"),
            row(Category_Type="County & UA deprivation deciles", Category="Most deprived decile")]
    result = feed_kit.load(FEED, "x.csv", feed_csv(HEADER, rows))
    assert feed_kit.quarantine(result.sha256)["check_name"].to_list() == ["row_unique_in_file"]
    assert result.rows_loaded == 6


def test_later_export_replaces_the_earlier_for_the_same_key_only(feed_kit, feed_csv) -> None:
    first = feed_kit.load(FEED, "indicators.csv", feed_csv(HEADER, [
        row("E07000123"), row("E07000117"), row("E07000123", "2021/22")]))
    revised = feed_kit.load(FEED, "indicators.csv", feed_csv(HEADER, [row("E07000123", Value="56.0")]))
    assert (first.status, revised.status) == ("loaded", "loaded")
    assert revised.partition_key == first.partition_key and revised.scope != first.scope
    # Neither file supersedes the other: staging takes each key from the latest file carrying it.
    assert feed_kit.status(first.sha256) == ("loaded", None)
    latest = feed_kit.con.execute(
        """select r.area_code, r.time_period, r.value, r.source_file from raw.fingertips r
           join meta.source_files f on f.sha256 = r.source_file and f.status = 'loaded'
           qualify row_number() over (partition by r.indicator_id, r.area_code, r.sex, r.age, r.time_period
                                      order by f.received_at desc, f.sha256 desc) = 1
           order by all""").fetchall()
    assert latest == [
        ("E07000117", "2022/23", 55.5, first.sha256),
        ("E07000123", "2021/22", 55.5, first.sha256),
        ("E07000123", "2022/23", 56.0, revised.sha256),
    ]
    assert feed_kit.balanced(FEED)


@pytest.mark.parametrize(("period", "start", "end", "grain"), [
    ("2022", dt.date(2022, 1, 1), dt.date(2022, 12, 31), "year"),
    ("2021/22 - 23/24", dt.date(2021, 4, 1), dt.date(2024, 3, 31), "multi_financial_year"),
    ("2023 Q1", dt.date(2023, 1, 1), dt.date(2023, 3, 31), "quarter"),
    ("2023/24 Q1", dt.date(2023, 4, 1), dt.date(2023, 6, 30), "financial_quarter"),
])
def test_periods_loaded_with_start_end_and_grain(feed_kit, feed_csv, period, start, end, grain) -> None:
    result = feed_kit.load(FEED, "x.csv", feed_csv(HEADER, [row(period=period)]))
    loaded = feed_kit.raw(FEED, result.sha256).row(0, named=True)
    assert (loaded["period_start"], loaded["period_end"], loaded["period_grain"]) == (start, end, grain)


def test_large_export_partition_names_the_range(feed_kit, feed_csv) -> None:
    rows = [row(indicator=str(i)) for i in (10401, 11001, 11201, 90244, 90245, 92331, 92863)]
    result = feed_kit.load(FEED, "x.csv", feed_csv(HEADER, rows))
    assert result.partition_key == "10401..92863 (7 indicators)"


def test_header_of_fingertips_is_recognised_in_another_feeds_folder(feed_kit, feed_csv) -> None:
    result = feed_kit.load("marac_returns", "x.csv", feed_csv(HEADER, [row()]))
    assert result.status == "rejected" and "fingertips" in result.reason
