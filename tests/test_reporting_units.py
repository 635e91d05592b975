"""Units of the reporting package: financial periods, unit costs read generically, chart and number
formatting (relative position: tests/test_report_relative_position.py)."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from reporting import charts, costs, html
from reporting.disclosure import DisclosureRules
from reporting.highlights import change_sentence
from reporting.periods import FinancialYear, Quarter, latest_complete_year, latest_quarter


def test_financial_periods() -> None:
    q = Quarter.of("2024/25", 2)
    assert (q.first_month, q.end_month) == (dt.date(2024, 7, 1), dt.date(2024, 9, 1))
    assert q.slug == "2024-25_Q2" and q.label == "2024/25 Q2"
    assert q.long_label == "Quarter 2 of 2024/25 (July to September 2024)"
    q4 = Quarter.of("2024/25", 4)
    assert (q4.first_month, q4.end_month) == (dt.date(2025, 1, 1), dt.date(2025, 3, 1))
    months = q.months_back(12)
    assert months[0] == dt.date(2023, 10, 1) and months[-1] == dt.date(2024, 9, 1) and len(months) == 12
    fy = FinancialYear("2024/25")
    assert fy.slug == "2024-25" and fy.previous().label == "2023/24" and fy.previous(4).label == "2020/21"
    assert FinancialYear("1999/00").start_year == 1999
    for bad in ("2024/26", "2024-25", "24/25", ""):
        with pytest.raises(ValueError):
            FinancialYear(bad)
    with pytest.raises(ValueError):
        Quarter.of("2024/25", 5)


def _catalogue() -> pd.DataFrame:
    return pd.DataFrame({
        "indicator_id": ["crime_robbery", "all_crime", "crime_sexual"],
        "indicator_name": ["Robbery", "All recorded crime", "Sexual offences"],
        "theme": ["acquisitive crime", "all crime", "sexual offences"],
        "source_model": ["fct_crime", "fct_crime", "fct_crime"],
        "filter_sql": ["crime_type = 'Robbery'", "true", "crime_type = 'Sexual'"],
        "value_sql": ["1", "1", "1"],
    })


def test_latest_periods_are_read_from_mart_reporting_period() -> None:
    """The rule is the dbt model's (its unit tests prove the threshold): the functions only read it,
    and a warehouse without the model is an error, never a second copy of the rule."""
    con = duckdb.connect()
    con.execute("create schema marts")
    with pytest.raises(LookupError, match="mart_reporting_period"):
        latest_quarter(con)
    with pytest.raises(LookupError, match="mart_reporting_period"):
        latest_complete_year(con)
    con.execute("""create table marts.mart_reporting_period as select * from (values
                   ('quarter', '2024/25', 2, 5, 8, true)) t(period_kind, financial_year, fy_quarter,
                   indicators_complete, indicators_with_value, is_complete)""")
    assert latest_quarter(con) == Quarter.of("2024/25", 2)
    assert latest_complete_year(con) is None  # no year complete yet: no row
    con.execute("insert into marts.mart_reporting_period values ('financial_year', '2023/24', null, 4, 8, true)")
    assert latest_complete_year(con) == FinancialYear("2023/24")


def test_unit_costs_are_found_by_their_columns_and_matched_to_indicators() -> None:
    con = duckdb.connect()
    con.execute("create schema reference")
    cat = _catalogue()
    assert costs.indicator_unit_costs(con, cat) is None  # no table: the report says costs are not available
    con.execute("""create table reference.crime_unit_costs as select * from (values
        ('robbery', 11320, '2015/16', 'Home Office'), ('rape', 39360, '2015/16', 'Home Office'))
        t(cost_category, unit_cost_gbp, price_year, source)""")
    got = costs.indicator_unit_costs(con, cat)
    assert got.to_dict("records") == [{"indicator_id": "crime_robbery", "cost_category": "robbery",
                                       "unit_cost": 11320.0, "price_year": "2015/16", "source": "Home Office"}]
    linked = cat.assign(cost_category=["", "", "Rape"])  # a catalogue column names the category
    assert set(costs.indicator_unit_costs(con, linked)["indicator_id"]) == {"crime_robbery", "crime_sexual"}


def test_formats_tell_hidden_from_missing() -> None:
    assert html.fmt_count(1234.0) == "1,234" and html.fmt_count(12.34) == "12.3"
    assert html.fmt_count(html.SUPPRESSED) == "[c]" and html.fmt_count(None) == "–"
    assert html.fmt_count(float("nan")) == "–" and html.fmt_pct(-8.04) == "-8.0%"
    assert html.fmt_money(3_200_000) == "£3.2m" and html.fmt_money(11320) == "£11,320"


def test_change_sentences() -> None:
    s = change_sentence("Violence with injury", 920.0, 1000.0, "crimes", "the 12 months to June 2024", True,
                        "lower_is_better")
    assert s == ("Violence with injury fell 8% in the 12 months to June 2024 (920 crimes, against 1,000 in the "
                 "12 months before), a statistically significant fall (an improvement).")
    assert "not a statistically significant change" in change_sentence("X", 105.0, 100.0, "crimes", "p", False,
                                                                       "lower_is_better")
    assert change_sentence("X", float("nan"), 100.0, "crimes", "p", True, "lower_is_better") is None
    assert change_sentence("X", "[c]", 100.0, "crimes", "p", True, "lower_is_better") is None


def test_charts_draw_gaps_for_hidden_values() -> None:
    """The chart API (tests/test_charts.py has the detail): a hidden month is a marked gap with its
    reason, a missing month a plain gap, and neither is a zero."""
    series = pd.DataFrame({"period_start": pd.date_range("2024-01-01", periods=6, freq="MS").date,
                           "period_label": ["Jan", "Feb", "Mar", "Apr", "May", "Jun"],
                           "value": [3.0, np.nan, 5.0, 6.0, np.nan, 7.0],
                           "status": ["available", "suppressed", "available", "available", "not_available",
                                      "available"]})
    chart = charts.trend_chart(series, chart_id="t", title="T & <x>", indicator_name="Thefts", area_name="Burnley",
                               unit_label="crimes", is_percent=False, grain="month")
    assert chart.svg.startswith("<svg") and "<title>T &amp; &lt;x&gt;</title>" in chart.svg
    assert "not published (small numbers)" in chart.svg and "1 month not available: May" in chart.description
    assert [r["value"] for r in chart.spec["data"]["values"]] == [3.0, None, 5.0, 6.0, None, 7.0]
    assert chart.csv().splitlines()[2].split(",")[4:6] == ["[c]", "suppressed"]
