"""Missing or quarantined data never fails the night (issue 9, requirement 2).

The session's six-month demo night (conftest.six_month_night) is built on a landing whose MARAC
returns are damaged: Preston's row of the 2023/24 return has ``Cases Discussed`` = -5 (quarantined),
and the 2024/25 return is held back (not received). The night must still publish, with those cells
null and their ``value_status`` saying why, every other cell as before, and outputs that show them as
not available. A second night, on a copy (conftest.recovery_night), lands the late 2024/25 return and
a corrected 2023/24 return: everything is available again.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

pytestmark = pytest.mark.e2e

PRESTON, BURNLEY, BLACKPOOL = "E07000123", "E07000117", "E06000009"
COUNTY, FORCE_AREA = "E10000017", "E23000003"
MARAC = ("marac_cases", "marac_repeat_cases", "marac_repeat_rate")
STATUSES = {
    "available", "not_received", "quarantined", "no_denominator", "incomplete_lookback", "small_base", "suppressed"
}
Q4, Q1 = ("2023/24", 4), ("2024/25", 1)
# indicators that count repeats: not published until their lookback (12 months) is loaded
with (Path(__file__).parents[1] / "dbt_project" / "seeds" / "indicator_catalogue.csv").open(encoding="utf-8") as _fh:
    LOOKBACK = {r["indicator_id"] for r in csv.DictReader(_fh) if r["lookback_months"]}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _scorecard(home: Path) -> pd.DataFrame:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("select * from marts.mart_scorecard_quarterly").df()


def _cell(card: pd.DataFrame, indicator: str, area: str, quarter: tuple[str, int]) -> dict:
    rows = card[(card["indicator_id"] == indicator) & (card["area_code"] == area)
                & (card["financial_year"] == quarter[0]) & (card["fy_quarter"] == quarter[1])]
    assert len(rows) == 1, (indicator, area, quarter, len(rows))
    return rows.iloc[0].to_dict()


@pytest.fixture(scope="module")
def nights(published_home: Path, missing_marac: dict, recovery_night: dict) -> dict:
    """The first night is the session's six-month night (conftest.six_month_night), whose landing has
    Preston's 2023/24 row damaged and the 2024/25 return held back; the second is the session's
    recovery night (conftest.recovery_night: a copy where both returns arrive; its publish is
    interrupted and then finished, as the next night would)."""
    assert recovery_night["finished"] == "published"
    home = published_home
    intact = _read_csv(missing_marac["intact"])
    assert {r["Quarter"] for r in intact} == {"2023/24 Q4"}
    landed = _read_csv(home / "landing" / "marac_returns" / missing_marac["damaged"])
    assert [r["Cases Discussed"] for r in landed if r["MARAC Area"] == "Preston"] == ["-5"]
    assert not (home / "landing" / "marac_returns" / missing_marac["late"].name).exists()
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        monthly_1 = con.execute("select * from marts.mart_indicator_monthly where indicator_id like 'marac%'").df()
        quarantine_1 = con.execute("select * from meta.quarantine where feed = 'marac_returns'").df()
    outputs_1 = {p.name: p.read_bytes() for p in (home / "outputs").glob("quarterly_report_*")}
    return {"home": home, "intact": intact, "card_1": _scorecard(home), "monthly_1": monthly_1,
            "quarantine_1": quarantine_1, "outputs_1": outputs_1, "warehouse_1": home / "warehouse.duckdb",
            "card_2": _scorecard(recovery_night["home"])}


def test_the_night_publishes_with_a_quarantined_return(nights) -> None:
    quarantine = nights["quarantine_1"]
    assert len(quarantine) > 0 and (quarantine["check_name"] == "count_whole_number").any()
    card = nights["card_1"]
    assert set(card["value_status"]) <= STATUSES
    # value is null exactly when it is not available; never a 0 standing in for a missing return
    assert (card["value"].isna() == (card["value_status"] != "available")).all()
    assert card.loc[card["value_status"] != "available", "rag"].isna().all()
    assert card["value_status_reason"].notna().eq(card["value_status"] != "available").all()


def test_the_quarantined_district_quarter_is_not_available_and_says_why(nights) -> None:
    card = nights["card_1"]
    for indicator in MARAC:
        cell = _cell(card, indicator, PRESTON, Q4)
        assert cell["value_status"] == "quarantined", (indicator, cell["value_status"])
        assert pd.isna(cell["value"]) and pd.isna(cell["rag"]) and pd.isna(cell["rolling_12m"])
        assert "quarantined" in cell["value_status_reason"] and "marac-returns-2023-24.csv" in cell["value_status_reason"]
    # an aggregate of Preston is not available either (a sum without Preston would count it as 0)
    for area in (COUNTY, FORCE_AREA, "CLUSTER_CENTRAL"):
        cell = _cell(card, "marac_cases", area, Q4)
        assert cell["value_status"] == "quarantined" and pd.isna(cell["value"])
        assert "Preston (quarantined)" in cell["value_status_reason"]
    monthly = nights["monthly_1"]
    preston = monthly[(monthly["area_code"] == PRESTON) & (monthly["indicator_id"] == "marac_cases")
                      & (monthly["month"].astype(str).str.startswith("2024-0"))]
    assert len(preston) == 3 and preston["value"].isna().all() and (preston["value_status"] == "quarantined").all()


def test_other_cells_are_unaffected(nights) -> None:
    card = nights["card_1"]
    cases = {r["MARAC Area"]: int(r["Cases Discussed"]) for r in nights["intact"]}
    repeats = {r["MARAC Area"]: int(r["Repeat Cases"]) for r in nights["intact"]}
    for area, name in ((BURNLEY, "Burnley"), (BLACKPOOL, "Blackpool")):
        cell = _cell(card, "marac_cases", area, Q4)
        assert cell["value_status"] == "available" and cell["value"] == cases[name]
        rate = _cell(card, "marac_repeat_rate", area, Q4)
        if cases[name] > 0:
            assert rate["value_status"] == "available"
            assert rate["value"] == pytest.approx(100 * repeats[name] / cases[name])
        else:
            assert rate["value_status"] == "no_denominator" and pd.isna(rate["value"])
    north = _cell(card, "marac_cases", "CLUSTER_NORTH", Q4)  # Lancaster, Wyre, Fylde, Blackpool
    assert north["value_status"] == "available"
    assert north["value"] == sum(cases[n] for n in ("Lancaster", "Wyre", "Fylde", "Blackpool"))
    # every other indicator, in the quarters its feed covers (police and extracts: to June 2024;
    # later quarters are listed as not received), is as it would be without the damage
    others = card[~card["indicator_id"].str.startswith("marac")
                  & (pd.to_datetime(card["quarter_end_month"]) <= pd.Timestamp("2024-06-01"))]
    counts = others[others["value_kind"] == "count"]  # survey estimates and published figures have their own statuses
    # a repeat needs its lookback: the first year of a repeat indicator is not published, whatever MARAC did
    lookback = counts["value_status"] == "incomplete_lookback"
    assert set(counts.loc[lookback, "indicator_id"]) <= LOOKBACK
    missing = counts[(counts["value_status"] != "available") & ~lookback]
    assert missing.empty, missing[["indicator_id", "area_code", "financial_year", "fy_quarter", "value_status",
                                   "value_status_reason"]].drop_duplicates("indicator_id").to_string()
    assert counts.loc[~lookback, "value"].notna().all()
    ratios = others[others["is_ratio"].astype(bool)]
    assert ratios["value_status"].isin(["available", "no_denominator"]).all()


def test_a_quarter_with_no_return_is_not_received(nights) -> None:
    card = nights["card_1"]
    q1 = card[card["indicator_id"].isin(MARAC) & (card["financial_year"] == Q1[0]) & (card["fy_quarter"] == Q1[1])]
    assert len(q1) == 3 * card["area_code"].nunique()
    assert (q1["value_status"] == "not_received").all() and q1["value"].isna().all() and q1["rag"].isna().all()
    assert q1["value_status_reason"].str.contains("2024/25 Q1").all()


def test_outputs_show_cells_not_available(nights) -> None:
    outputs = nights["outputs_1"]
    name = "quarterly_report_2024-25_Q1"
    published = pd.read_csv(io.BytesIO(outputs[f"{name}.csv"]), dtype=str, keep_default_na=False)
    rows = published[published["indicator_id"].isin(MARAC)]
    assert len(rows) and (rows["value_status"] == "not_received").all() and (rows["value"] == "[x]").all()
    assert "n/a" in outputs[f"{name}.html"].decode("utf-8")
    assert f"{name}.xlsx" in outputs


def test_the_quarantined_quarter_reports_as_not_available(nights, tmp_path: Path) -> None:
    """`csw report` of the damaged quarter from the first night's warehouse: written, with the
    quarantined cells "[x]" in the CSV and workbook with their status, and shown as n/a in the HTML."""
    from openpyxl import load_workbook

    from cli.main import main

    home = tmp_path / "report_home"
    home.mkdir()
    shutil.copy(nights["warehouse_1"], home / "warehouse.duckdb")
    assert main(["--home", str(home), "report", "quarterly", "--fy", "2023/24", "--quarter", "4"]) == 0
    name = home / "outputs" / "quarterly_report_2023-24_Q4"
    published = pd.read_csv(name.with_suffix(".csv"), dtype=str, keep_default_na=False)
    preston = published[(published["area_code"] == PRESTON) & published["indicator_id"].isin(MARAC)]
    assert len(preston) == 3 and (preston["value_status"] == "quarantined").all() and (preston["value"] == "[x]").all()
    assert preston["rag"].isin(["", "[x]"]).all()
    county = published[(published["area_code"] == COUNTY) & (published["indicator_id"] == "marac_cases")]
    assert county["value_status"].tolist() == ["quarantined"] and county["value"].tolist() == ["[x]"]
    html = name.with_suffix(".html").read_text(encoding="utf-8")
    assert "n/a" in html and "quarantined" in html
    sheet = load_workbook(name.with_suffix(".xlsx"))["Domestic abuse"]
    header = [c.value for c in sheet[4]]
    rows = [dict(zip(header, (c.value for c in r))) for r in sheet.iter_rows(min_row=5)]
    cell = next(r for r in rows if r["Indicator id"] == "marac_cases" and r["Area code"] == PRESTON)
    assert cell["Quarter value"] == "[x]" and cell["Value status"] == "quarantined"
    assert "quarantined" in cell["Why not available"]


def test_the_second_night_recovers_every_cell(nights) -> None:
    card = nights["card_2"]
    card = card[pd.to_datetime(card["quarter_end_month"]) <= pd.Timestamp("2024-06-01")]  # the covered quarters
    marac = card[card["indicator_id"].isin(("marac_cases", "marac_repeat_cases"))]
    assert (marac["value_status"] == "available").all() and marac["value"].notna().all()
    cases = {r["MARAC Area"]: int(r["Cases Discussed"]) for r in nights["intact"]}
    assert _cell(card, "marac_cases", PRESTON, Q4)["value"] == cases["Preston"]
    assert _cell(card, "marac_cases", COUNTY, Q4)["value"] == sum(
        v for k, v in cases.items() if k not in ("Blackpool", "Blackburn with Darwen"))
    counted = card[card["value_kind"].isin(("count", "ratio"))]  # survey estimates and published figures aside
    assert set(counted["value_status"]) <= {"available", "no_denominator", "incomplete_lookback"}
    assert set(counted.loc[counted["value_status"] == "incomplete_lookback", "indicator_id"]) <= LOOKBACK
    assert len(marac) == 2 * 2 * card["area_code"].nunique()  # both quarters, every area
