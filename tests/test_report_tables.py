"""The data layer of the Board's outputs (issue 10): ratios are ratios of sums in every period,
series are drawn at their own grain with gaps (never zeros), annual trends show every complete year
up to five, and the CSV and workbook mark hidden cells "[c]" and cells not available "[x]", with a
long-format sheet of every published cell and a District comparison coloured by position.

The expected values are computed here independently, in SQL on the marts or by hand, never by the
code under test. The warehouse is a copy of an existing demo home when ``CSW_TEST_HOME`` names one
(fast, for a developer), else of the session's demo night (``demo_home``); copied once per module.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from reporting import csv_output, tables, xlsx
from reporting.periods import Quarter, latest_complete_year, latest_quarter

pytestmark = pytest.mark.e2e

FORCE = "E23000003"
SENSITIVE = {"disclosure": {"threshold": 5, "sensitive_themes": [
    "domestic abuse", "sexual offences", "exploitation", "road safety"]}}
RAG_COLOURS = {"C0392B", "E6A019", "2E8540"}


@pytest.fixture(scope="module")
def source_warehouse(request: pytest.FixtureRequest) -> Path:
    home = os.environ.get("CSW_TEST_HOME")
    if home and (Path(home) / "warehouse.duckdb").exists():
        return Path(home) / "warehouse.duckdb"
    return request.getfixturevalue("demo_home") / "warehouse.duckdb"


@pytest.fixture(scope="module")
def warehouse(source_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("report_tables") / "warehouse.duckdb"
    shutil.copy(source_warehouse, target)
    return target


@pytest.fixture(scope="module")
def con(warehouse: Path):
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def quarter(con) -> Quarter:
    found = latest_quarter(con)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def quarterly(con, quarter: Quarter) -> tables.QuarterlyTables:
    return tables.quarterly_tables(con, quarter, SENSITIVE)


@pytest.fixture(scope="module")
def annual(con) -> tables.AnnualTables:
    year = latest_complete_year(con)
    assert year is not None
    return tables.annual_tables(con, year, SENSITIVE)


@pytest.fixture(scope="module")
def outputs(quarterly: tables.QuarterlyTables, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("report_outputs")
    csv_output.write_csv(quarterly, folder / "q.csv")
    xlsx.write_workbook(quarterly, folder / "q.xlsx")
    return {"csv": folder / "q.csv", "xlsx": folder / "q.xlsx"}


# --- ratios are ratios of sums ------------------------------------------------------------------

def test_yearly_ratio_is_the_ratio_of_the_years_sums(con, annual: tables.AnnualTables) -> None:
    truth = con.execute(
        """select d.financial_year, 100 * sum(m.numerator) / sum(m.denominator) as share, sum(m.value) as summed
           from marts.mart_indicator_monthly m join marts.dim_month d using (month)
           where m.indicator_id = 'da_share_of_violent_crime' and m.area_code = ?
           group by all having count(*) = 12""", [FORCE]).df().set_index("financial_year")
    series = annual.yearly_series
    got = series[(series["indicator_id"] == "da_share_of_violent_crime") & (series["area_code"] == FORCE)]
    got = got.set_index("period_label")
    assert [y.label for y in annual.years] == got.index.tolist()
    for label in got.index:
        assert got.at[label, "grain"] == "year" and got.at[label, "status"] == "available"
        assert got.at[label, "value"] == pytest.approx(truth.at[label, "share"], rel=1e-9)
        assert got.at[label, "value"] < 100 < truth.at[label, "summed"]  # the old bug summed 12 percentages
    # the chart's year equals the table's (the scorecard's 12 months to March) for the same year
    row = annual.scorecard[(annual.scorecard["indicator_id"] == "da_share_of_violent_crime")
                           & (annual.scorecard["area_code"] == FORCE)]
    assert got.at[annual.year.label, "value"] == pytest.approx(float(row["rolling_12m"].iloc[0]), rel=1e-6)
    # the old frame the annual page reads is the same numbers
    yearly = annual.yearly[(annual.yearly["indicator_id"] == "da_share_of_violent_crime")
                           & (annual.yearly["area_code"] == FORCE)].set_index("financial_year")["value"]
    assert np.allclose(yearly.loc[got.index].to_numpy(), got["value"].to_numpy())


def test_quarterly_ratio_is_the_ratio_of_the_quarters_sums(con, quarterly: tables.QuarterlyTables) -> None:
    truth = con.execute(
        """select d.financial_year || ' Q' || d.fy_quarter as label,
                  100 * sum(m.numerator) / sum(m.denominator) as rate
           from marts.mart_indicator_monthly m join marts.dim_month d using (month)
           where m.indicator_id = 'marac_repeat_rate' and m.area_code = ? group by all""", [FORCE]).df()
    truth = truth.set_index("label")["rate"]
    s = quarterly.series
    got = s[(s["indicator_id"] == "marac_repeat_rate") & (s["status"] == "available")]
    assert len(got) >= 4
    assert np.allclose(got["value"].to_numpy(), truth.loc[got["period_label"]].to_numpy())


# --- series at their own grain -------------------------------------------------------------------

def test_marac_series_are_quarters_and_counts_are_the_quarters_sums(con, quarterly: tables.QuarterlyTables) -> None:
    s = quarterly.series
    assert list(s.columns) == ["indicator_id", "area_code", "grain", "period_start", "period_label", "value",
                               "status", "status_reason"]
    marac = s[s["indicator_id"].str.startswith("marac_")]
    assert not marac.empty and set(marac["grain"]) == {"quarter"}
    assert marac["period_label"].str.fullmatch(r"\d{4}/\d{2} Q[1-4]").all()
    starts = pd.to_datetime(marac["period_start"])
    assert set(starts.dt.month) <= {1, 4, 7, 10} and set(starts.dt.day) == {1}
    per_year = marac[marac["indicator_id"] == "marac_cases"].groupby(marac["period_label"].str[:7]).size()
    assert per_year.max() == 4                     # four quarters a year, never twelve months
    assert len(marac[marac["indicator_id"] == "marac_cases"]) <= 12   # 36 months = 12 quarters
    truth = con.execute(
        """select d.financial_year || ' Q' || d.fy_quarter as label, sum(m.value) as cases
           from marts.mart_indicator_monthly m join marts.dim_month d using (month)
           where m.indicator_id = 'marac_cases' and m.area_code = ? group by all""", [FORCE]).df()
    cases = marac[(marac["indicator_id"] == "marac_cases") & (marac["status"] == "available")]
    assert (cases["value"] > 0).all()              # no 0 -> 600 -> 0 sawtooth
    assert np.allclose(cases["value"].to_numpy(), truth.set_index("label").loc[cases["period_label"], "cases"])
    # monthly indicators are months, labelled "Apr 2024"
    crime = s[s["indicator_id"] == "all_crime"]
    assert set(crime["grain"]) == {"month"} and crime["period_label"].str.fullmatch(r"[A-Z][a-z]{2} \d{4}").all()
    assert len(crime) <= 36
    monthly = quarterly.monthly
    assert not monthly["indicator_id"].str.startswith("marac_").any()  # the months view holds months only


def test_period_values_gap_not_zero_and_ratio_of_sums_on_a_hand_made_frame() -> None:
    cat = pd.DataFrame({"indicator_id": ["cases", "repeats", "share"], "numerator_id": [None, None, "repeats"],
                        "denominator_id": [None, None, "cases"], "ratio_scale": [np.nan, np.nan, 100.0]})
    months = [dt.date(2024, m, 1) for m in (4, 5, 6, 7, 8, 9)]
    cases = [0, 0, 600, 0, 0, 500]
    repeats = [0, 0, 150, 0, 0, 100]
    rows = pd.DataFrame({
        "indicator_id": ["cases"] * 6 + ["repeats"] * 6 + ["share"] * 6, "area_code": "A",
        "month": months * 3,
        "value": cases + repeats + [np.nan, np.nan, 25.0, np.nan, np.nan, 20.0],
        "numerator": [np.nan] * 12 + [float(r) for r in repeats],
        "denominator": [np.nan] * 12 + [float(c) for c in cases],
        "value_status": ["available"] * 12 + ["no_denominator", "no_denominator", "available"] * 2,
    })
    # the second quarter's return for "cases" is missing in August (not received) -> not available
    rows.loc[(rows["indicator_id"] == "cases") & (rows["month"] == dt.date(2024, 8, 1)), ["value", "value_status"]] = \
        [np.nan, "not_received"]
    rows.loc[(rows["indicator_id"] == "share") & (rows["month"] == dt.date(2024, 8, 1)),
             ["value", "numerator", "denominator", "value_status"]] = [np.nan, 0.0, np.nan, "not_received"]
    grid = tables.month_grid(["cases", "share"], ["A"], months)
    q = tables.period_values(rows, grid, cat, "quarter").set_index(["indicator_id", "period_label"])
    assert q.at[("cases", "2024/25 Q1"), "value"] == 600
    assert q.at[("share", "2024/25 Q1"), "value"] == pytest.approx(25.0)
    for indicator in ("cases", "share"):
        assert np.isnan(q.at[(indicator, "2024/25 Q2"), "value"])           # never 500 (a partial sum)
        assert q.at[(indicator, "2024/25 Q2"), "status"] == "not_available"
        assert q.at[(indicator, "2024/25 Q2"), "status_reason"] == "not received"
    # a month with no row at all is a gap in a monthly series, not a zero
    m = tables.period_values(rows[rows["month"] != dt.date(2024, 5, 1)], grid, cat, "month")
    may = m[(m["indicator_id"] == "cases") & (m["period_start"] == dt.date(2024, 5, 1))]
    assert len(may) == 1 and np.isnan(may["value"].iloc[0]) and may["status"].iloc[0] == "not_available"
    y = tables.period_values(rows, tables.month_grid(["share"], ["A"], months), cat, "year")
    assert y["status"].tolist() == ["not_available"]  # a year with months missing has no value


def test_a_missing_marac_return_is_a_gap_in_the_series(source_warehouse: Path, quarter: Quarter,
                                                       tmp_path: Path) -> None:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(source_warehouse, copy)
    gone_quarter = Quarter(quarter.year.previous(), quarter.number)
    gone_month = gone_quarter.end_month
    with duckdb.connect(str(copy)) as rw:
        rw.execute("delete from marts.mart_indicator_monthly where indicator_id in ('marac_cases', 'all_crime') "
                   "and area_code = ? and month = ?", [FORCE, gone_month])
    with duckdb.connect(str(copy), read_only=True) as ro:
        s = tables.quarterly_tables(ro, quarter, {}).series
    marac = s[(s["indicator_id"] == "marac_cases")].set_index("period_label")
    assert np.isnan(marac.at[gone_quarter.label, "value"]) and marac.at[gone_quarter.label, "status"] == "not_available"
    assert marac.at[gone_quarter.label, "status_reason"]
    assert (marac.drop(index=gone_quarter.label)["status"] == "available").all()
    crime = s[s["indicator_id"] == "all_crime"].set_index("period_start")
    assert np.isnan(crime.at[gone_month, "value"]) and crime.at[gone_month, "status"] == "not_available"
    assert (crime["value"].dropna() > 0).all()


# --- disclosure controls the cells shown ---------------------------------------------------------

def test_quarterly_indicators_are_controlled_as_quarter_cells(con, quarter: Quarter) -> None:
    # a threshold above the force area's MARAC quarters makes them primary: hidden in the series
    settings = {"disclosure": {"threshold": 10_000, "sensitive_themes": ["domestic abuse"]}}
    t = tables.quarterly_tables(con, quarter, settings)
    cells = t.cells
    marac = cells[(cells["indicator_id"] == "marac_cases") & (cells["area_code"] == FORCE)]
    assert not (marac["measure"] == "month").any()
    series = t.series[t.series["indicator_id"] == "marac_cases"]
    shown = marac[marac["measure"] == "quarter"].set_index("period")["suppressed"]
    assert set(series["period_label"]) <= set(shown.index)
    hidden = series.set_index("period_label")["status"].eq("suppressed")
    assert hidden.any() and (hidden == shown.loc[hidden.index]).all()
    assert series.loc[series["status"] == "suppressed", "value"].isna().all()
    # no 12-month window of four quarters gives a single hidden quarter back
    twelve = marac[marac["measure"] == "12 months"].set_index("period")["suppressed"]
    windows = 0
    for end, total_hidden in twelve.items():
        fy, n = tables.fy_quarter_of(pd.Series([dt.date.fromisoformat(end)]))
        members = _four_quarters(Quarter.of(fy.iloc[0], int(n.iloc[0])))
        if set(members) <= set(shown.index):
            windows += 1
            assert int(shown.loc[members].sum()) + int(total_hidden) != 1, end
    assert windows > 0
    # a ratio's quarter is hidden exactly where its numerator's or denominator's is
    rate = t.series[t.series["indicator_id"] == "marac_repeat_rate"].set_index("period_label")
    assert rate.loc[hidden[hidden].index, "status"].eq("suppressed").all()


def _four_quarters(q: Quarter) -> list[str]:
    ends = q.months_back(12)[2::3]
    fy, n = tables.fy_quarter_of(pd.Series(ends))
    return (fy + " Q" + n.astype(str)).tolist()


def test_ratio_cells_are_hidden_with_their_counts_not_as_small_counts(con, quarter: Quarter) -> None:
    # a threshold above every percentage: a share is not a small count, it is hidden exactly where
    # its numerator or denominator is
    plain = tables.quarterly_tables(con, quarter, {})
    shares = plain.series[plain.series["indicator_id"] == "da_share_of_violent_crime"]
    threshold = int(np.ceil(shares["value"].max())) + 1
    t = tables.quarterly_tables(con, quarter, {"disclosure": {"threshold": threshold,
                                                              "sensitive_themes": ["domestic abuse"]}})
    flags = t.cells.set_index(["indicator_id", "area_code", "measure", "period"])["suppressed"]
    share = t.cells[t.cells["indicator_id"] == "da_share_of_violent_crime"]
    assert len(share) and not share["primary"].any()
    behind = np.zeros(len(share), dtype=bool)
    for part in ("da_violent_crimes", "violence_against_the_person"):
        keys = pd.MultiIndex.from_arrays([[part] * len(share), share["area_code"], share["measure"], share["period"]])
        behind |= flags.reindex(keys).astype("boolean").fillna(False).to_numpy(dtype=bool)
    assert (share["suppressed"].to_numpy() == behind).all()
    assert (~behind).any()  # some shares (all below the threshold) are shown


# --- annual trends -------------------------------------------------------------------------------

def test_annual_trends_show_every_complete_year_up_to_five(con, annual: tables.AnnualTables) -> None:
    complete = con.execute(
        """select financial_year from (
               select m.indicator_id, d.financial_year from marts.mart_indicator_monthly m
               join marts.dim_month d using (month) where m.area_code = ? and m.indicator_id = 'all_crime'
               group by all having count(distinct m.month) = 12)
           where financial_year <= ? order by financial_year""", [FORCE, annual.year.label]).fetchall()
    expected = [r[0] for r in complete][-5:]
    assert [y.label for y in annual.years] == expected
    note = annual.trend_years_note
    assert note.startswith(f"{len(expected)} complete financial year")
    assert expected[0] in note and expected[-1] in note
    if len(expected) < 5:
        assert "the data start in April" in note
    ys = annual.yearly_series
    assert set(ys["grain"]) == {"year"} and ys["period_label"].isin(expected).all()
    assert ys["area_code"].nunique() == len(annual.geography.areas)  # every reporting area
    assert (ys.loc[ys["status"] != "available", "value"].isna()).all()
    assert tables.trend_years_note([tables.FinancialYear(f"20{n}/{n + 1}") for n in range(20, 25)]) == \
        "5 complete financial years (2020/21 to 2024/25)"


def test_position_columns_are_tolerated_and_hidden_with_their_count(quarterly: tables.QuarterlyTables) -> None:
    assert {"position_vs_county", "position_p_value"} <= set(quarterly.scorecard.columns)
    assert tables.DERIVED["position_vs_county"] == ("rolling_12m",)
    assert tables.status_label("incomplete_lookback") == "no full 12-month lookback"


# --- CSV and workbook markers --------------------------------------------------------------------

def test_csv_marks_hidden_cells_c_and_missing_cells_x(outputs: dict[str, Path], quarterly: tables.QuarterlyTables,
                                                       con) -> None:
    published = pd.read_csv(outputs["csv"], dtype=str, keep_default_na=False)
    mart = con.execute("select * from marts.mart_scorecard_quarterly where financial_year = ? and fy_quarter = ? "
                       "order by indicator_id, area_code",
                       [quarterly.quarter.year.label, quarterly.quarter.number]).df()
    assert list(published.columns[:len(mart.columns)]) == list(mart.columns)
    sensitive = mart["theme"].str.lower().isin(SENSITIVE["disclosure"]["sensitive_themes"]).to_numpy()
    small = sensitive & (mart["value"] > 0).to_numpy() & (mart["value"] < 5).to_numpy() & \
        (mart["value_kind"] == "count").to_numpy()
    assert small.any()
    assert (published.loc[small, "value"] == "[c]").all()       # never blank
    missing = mart["value"].isna().to_numpy() & (mart["value_status"] != "available").to_numpy()
    assert (published.loc[missing, "value"] == "[x]").all()
    assert not (published["value"] == "").any()
    # every hidden cell of the controlled scorecard is "[c]"
    hidden = quarterly.hidden.reset_index(drop=True)
    order = quarterly.scorecard.reset_index(drop=True)[["indicator_id", "area_code"]]
    assert order.equals(published[["indicator_id", "area_code"]].reset_index(drop=True))
    for column in ("value", "rolling_12m", "rate_per_1000", "p_value", "rag"):
        assert (published.loc[hidden[column].to_numpy(), column] == "[c]").all(), column
    # percentages change in percentage points
    pct = mart["unit"].map(tables.is_percent_unit).to_numpy() & (mart["value_kind"] == "ratio").to_numpy()
    both = pct & mart["value"].notna().to_numpy() & mart["value_same_quarter_last_year"].notna().to_numpy()
    either = (hidden["value"] | hidden["value_same_quarter_last_year"]).to_numpy()
    assert (published.loc[both & either, "change_pp"] == "[c]").all()
    shown = both & ~either
    got = pd.to_numeric(published.loc[shown, "change_pp"], errors="coerce")
    want = (mart.loc[shown, "value"] - mart.loc[shown, "value_same_quarter_last_year"]).round(2)
    assert shown.any() and np.allclose(got.to_numpy(), want.to_numpy(), atol=0.006)
    assert (published.loc[pct & mart["value"].notna().to_numpy(), "pct_change"].isin(["", "[c]"])).all()


def _sheet_rows(ws, header_row: int) -> tuple[dict[str, int], list]:
    header = [c.value for c in ws[header_row]]
    return {h: i for i, h in enumerate(header)}, list(ws.iter_rows(min_row=header_row + 1))


def test_workbook_has_c_and_x_and_no_blank_suppressed_cell(outputs: dict[str, Path],
                                                           quarterly: tables.QuarterlyTables) -> None:
    wb = load_workbook(outputs["xlsx"])
    hidden = quarterly.hidden.assign(indicator_id=quarterly.scorecard["indicator_id"],
                                     area_code=quarterly.scorecard["area_code"]).set_index(["indicator_id", "area_code"])
    seen = 0
    for name in wb.sheetnames[1:wb.sheetnames.index("District comparison")]:
        col, rows = _sheet_rows(wb[name], 4)
        for row in rows:
            key = (row[col["Indicator id"]].value, row[col["Area code"]].value)
            for header, column in (("Quarter value", "value"), ("Rolling 12 months", "rolling_12m")):
                if hidden.at[key, column]:
                    assert row[col[header]].value == "[c]"
                    seen += 1
    assert seen > 0
    notes = " ".join(str(c.value) for row in wb["Notes"].iter_rows() for c in row if c.value)
    assert "[c]" in notes and "[x]" in notes and "percentage points" in notes


def test_long_sheet_has_one_row_per_published_cell_matching_the_scorecard(outputs: dict[str, Path], con,
                                                                         quarterly: tables.QuarterlyTables) -> None:
    wb = load_workbook(outputs["xlsx"])
    assert "Data (long)" in wb.sheetnames
    ws = wb["Data (long)"]
    assert ws.freeze_panes == "A2" and len(ws.tables) == 1
    table = next(iter(ws.tables.values()))
    data = pd.DataFrame(ws.iter_rows(min_row=2, values_only=True), columns=[c.value for c in ws[1]])
    assert list(data.columns[:8]) == ["indicator_id", "indicator_name", "area_code", "area_name", "period",
                                      "measure", "value", "status"]
    assert table.ref == f"A1:{ws.cell(row=1, column=ws.max_column).column_letter}{len(data) + 1}"
    assert not data.duplicated(["indicator_id", "area_code", "period", "measure"]).any()
    assert not data["value"].isna().any()                          # a value, [c] or [x], never blank
    assert (data.loc[data["status"] == "suppressed", "value"] == "[c]").all()
    assert (data.loc[data["status"] == "not_available", "value"] == "[x]").all()
    q = quarterly.quarter
    mart = con.execute("select indicator_id, area_code, value, value_kind, rolling_12m from marts.mart_scorecard_quarterly "
                       "where financial_year = ? and fy_quarter = ?", [q.year.label, q.number]).df()
    mart = mart.set_index(["indicator_id", "area_code"])
    this_quarter = data[(data["measure"] == "quarter") & (data["period"] == q.label)].set_index(
        ["indicator_id", "area_code"])
    counted = mart[mart["value_kind"].isin(["count", "ratio"])]
    # one row per scorecard cell of the quarter that has a value, is hidden or is not available
    expected = counted.index[counted["value"].notna() | quarterly.scorecard.set_index(
        ["indicator_id", "area_code"]).loc[counted.index, "value_status"].ne("available").to_numpy()
        | quarterly.hidden.set_axis(quarterly.scorecard.set_index(["indicator_id", "area_code"]).index)
        .loc[counted.index, "value"].to_numpy()]
    this_quarter = this_quarter[this_quarter.index.isin(counted.index)]  # surveys name their own wave
    assert set(this_quarter.index) == set(expected)
    shown = this_quarter[this_quarter["status"] == "available"]
    assert len(shown) > 100
    assert np.allclose(shown["value"].astype(float).to_numpy(), mart.loc[shown.index, "value"].to_numpy())
    twelve = data[(data["measure"] == "12 months") & (data["status"] == "available")
                  & (data["period"] == f"12 months to {q.end_month:%b %Y}")].set_index(["indicator_id", "area_code"])
    assert np.allclose(twelve["value"].astype(float).to_numpy(), mart.loc[twelve.index, "rolling_12m"].to_numpy())


def test_district_comparison_is_coloured_by_position_not_rag(quarterly: tables.QuarterlyTables,
                                                             tmp_path: Path) -> None:
    # hand-set positions (h4's mart columns may not be built yet): cycle above / similar / below
    t = quarterly
    board = t.scorecard.copy()
    positions = np.array(["above", "similar", "below"], dtype=object)[np.arange(len(board)) % 3]
    board["position_vs_county"] = np.where(board["rate_per_1000"].notna(), positions, None)
    t2 = tables.QuarterlyTables(t.quarter, board, t.monthly, t.catalogue, t.geography, t.key_issues, t.mart_columns,
                                t.rules, t.cells, t.hidden, t.series)
    xlsx.write_workbook(t2, tmp_path / "q.xlsx")
    ws = load_workbook(tmp_path / "q.xlsx")["District comparison"]
    header_row = int(re.sub(r"\D", "", ws.freeze_panes)) - 1
    col, rows = _sheet_rows(ws, header_row)
    legend = " ".join(str(c.value) for row in ws.iter_rows(max_row=header_row - 1) for c in row if c.value)
    assert "lower is better" in legend and "higher is better" in legend
    truth = board.set_index(["indicator_id", "area_code"])
    expected_fill = {"concern": xlsx.POSITION_FILLS["concern"][0], "similar": xlsx.POSITION_FILLS["similar"][0],
                     "better": xlsx.POSITION_FILLS["better"][0]}
    checked = concern_while_green = 0
    for row in rows:
        key = (row[col["Indicator id"]].value, row[col["Area code"]].value)
        position, polarity = truth.at[key, "position_vs_county"], truth.at[key, "polarity"]
        rate, words = row[col["Rate per 1,000"]], row[col["Position against Lancashire-12"]]
        if position is None or not isinstance(rate.value, (int, float)):
            continue
        reading = {("above", "lower_is_better"): "concern", ("below", "lower_is_better"): "better",
                   ("above", "higher_is_better"): "better", ("below", "higher_is_better"): "concern"}.get(
            (position, polarity), "similar" if polarity in ("lower_is_better", "higher_is_better") else None)
        assert position in str(words.value)                      # words, not colour alone
        if reading is None:
            continue
        for cell in (rate, words):
            assert cell.fill.fgColor.rgb[-6:] == expected_fill[reading], (key, position, polarity)
            assert cell.fill.fgColor.rgb[-6:] not in RAG_COLOURS
        checked += 1
        concern_while_green += reading == "concern" and row[col["RAG"]].value == "green"
    assert checked > 50
    assert concern_while_green > 0  # the Burnley case: above the county is a concern even when RAG is green
