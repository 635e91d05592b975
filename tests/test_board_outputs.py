"""The Board's outputs checked against the marts: values, suppression, sheet structure,
self-containment; the nightly job's files and the on-demand command.

The demo catalogue has no indicator in a sensitive theme yet, so the outputs under test are built by
``csw report`` from the shared demo warehouse with settings that also treat road safety as
sensitive: its small district counts then exercise primary and secondary suppression everywhere.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from cli.main import main
from reporting import write_outputs as publish
from reporting.expectations import OutputCheckFailed
from reporting.periods import FinancialYear, Quarter
from warehouse.settings import Paths, load_settings

pytestmark = pytest.mark.e2e

QUARTER = "2024-25_Q2"  # the demo months end in September 2024
YEAR = "2023-24"        # the latest financial year with every month loaded
COUNTS = ["value", "value_same_quarter_last_year", "rolling_12m", "rolling_12m_previous"]
SENSITIVE = {"domestic abuse", "sexual offences", "exploitation", "road safety"}
COUNTY, FORCE = "E10000017", "E23000003"


@pytest.fixture(scope="module")
def controlled_home(controlled_reports: Path) -> Path:
    """The demo warehouse with road safety sensitive; outputs built on demand by ``csw report``
    (conftest.controlled_reports; read-only: a test that writes copies it)."""
    return controlled_reports


@pytest.fixture(scope="module")
def outputs(controlled_home: Path) -> Path:
    return controlled_home / "outputs"


@pytest.fixture(scope="module")
def mart(demo_home: Path) -> pd.DataFrame:
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("select * from marts.mart_scorecard_quarterly where financial_year = '2024/25' "
                           "and fy_quarter = 2 order by indicator_id, area_code").df()


@pytest.fixture(scope="module")
def areas(demo_home: Path) -> pd.DataFrame:
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("select * from marts.dim_area where is_reporting_area").df()


@pytest.fixture(scope="module")
def published(outputs: Path) -> pd.DataFrame:
    return pd.read_csv(outputs / f"quarterly_report_{QUARTER}.csv", dtype=str, keep_default_na=False)


def test_the_nightly_job_publishes_every_output_under_its_name(demo_home: Path) -> None:
    outputs = demo_home / "outputs"
    names = {p.name for p in outputs.iterdir()}
    for suffix in ("html", "xlsx", "csv"):
        assert f"quarterly_report_{QUARTER}.{suffix}" in names
    assert {f"annual_update_{YEAR}.html", f"annual_update_{YEAR}.pdf"} <= names
    assert (outputs / "data_docs" / "index.html").exists()
    assert not [n for n in names if n.startswith(".staging") or n.startswith("scorecard_")]


def _groups(areas: pd.DataFrame) -> dict[str, list[str]]:
    districts = areas[areas["is_district"]]
    groups = {COUNTY: districts.loc[districts["in_lancashire_12"], "area_code"].tolist(),
              FORCE: districts.loc[districts["in_lancashire_14"], "area_code"].tolist()}
    for cluster in areas.loc[areas["area_type"] == "cluster", "area_code"]:
        groups[cluster] = districts.loc[districts["cluster"] == cluster, "area_code"].tolist()
    return groups


def test_csv_is_the_mart_with_small_sensitive_counts_suppressed(published: pd.DataFrame, mart: pd.DataFrame,
                                                                 areas: pd.DataFrame) -> None:
    assert list(published.columns[:len(mart.columns)]) == list(mart.columns)  # + changes in pp (issue 10)
    assert len(published) == len(mart)
    assert list(zip(published["indicator_id"], published["area_code"])) == list(zip(mart["indicator_id"],
                                                                                     mart["area_code"]))
    sensitive = mart["theme"].str.lower().isin(SENSITIVE).to_numpy()
    # a hidden cell is "[c]", never blank (issue 10); a percentage is not a count (hidden with its counts)
    hidden = {c: (published[c] == "[c]").to_numpy() & mart[c].notna().to_numpy() for c in COUNTS}
    counts = (mart["value_kind"] == "count").to_numpy() if "value_kind" in mart.columns else np.ones(len(mart), bool)
    for c in COUNTS:
        truth = mart[c].to_numpy(dtype=float)
        small = sensitive & counts & (truth > 0) & (truth < 5)
        assert hidden[c][small].all(), c                       # primary: every small sensitive count hidden
        assert not hidden[c][~sensitive].any(), c              # other themes are never suppressed
        shown = ~hidden[c] & mart[c].notna().to_numpy()
        got = published.loc[shown, c].astype(float).to_numpy()
        assert np.allclose(got, np.round(truth[shown], 2)), c  # what is shown is the true value
    assert any(hidden["rolling_12m"]) and any(hidden["value"])  # the demo exercises suppression
    # secondary: no aggregate (county, force area, cluster) has exactly one hidden member-or-total
    for c in COUNTS:
        frame = published.assign(hidden=hidden[c])
        for total, members in _groups(areas).items():
            for indicator, rows in frame[frame["area_code"].isin([total, *members])].groupby("indicator_id"):
                if rows["theme"].iloc[0].lower() in SENSITIVE and rows["is_additive"].iloc[0] == "true":
                    assert rows["hidden"].sum() != 1, (c, indicator, total)
    # derived numbers go with their counts
    no_rolling = hidden["rolling_12m"] | hidden["rolling_12m_previous"]
    for derived in ("p_value", "significant_change", "direction", "rag"):
        assert published.loc[no_rolling, derived].isin(["", "[c]"]).all(), derived
    assert published.loc[hidden["rolling_12m"], "rate_per_1000"].isin(["", "[c]"]).all()
    assert published.loc[hidden["value"] | hidden["value_same_quarter_last_year"], "pct_change"].isin(["", "[c]"]).all()
    # the quarter of the report, and rates as in the mart where shown
    assert set(published["financial_year"]) == {"2024/25"} and set(published["fy_quarter"]) == {"2"}
    shown = ~published["rate_per_1000"].isin(["", "[c]", "[x]"])
    assert np.allclose(published.loc[shown, "rate_per_1000"].astype(float),
                       mart.loc[shown.to_numpy(), "rate_per_1000"].round(3), atol=1e-9)


def test_workbook_structure_numbers_and_rag(outputs: Path, mart: pd.DataFrame, published: pd.DataFrame) -> None:
    wb = load_workbook(outputs / f"quarterly_report_{QUARTER}.xlsx")
    issues = list(dict.fromkeys(mart["key_issue"]))
    assert wb.sheetnames[0] == "Summary" and wb.sheetnames[-4:] == ["District comparison", "Peer comparison",
                                                                    "Data (long)", "Notes"]
    assert sorted(s.lower() for s in wb.sheetnames[1:-4]) == sorted(i.lower()[:31] for i in issues)
    truth = mart.set_index(["indicator_id", "area_code"])
    hidden = published.set_index(["indicator_id", "area_code"])
    colours = {"red": "C0392B", "amber": "E6A019", "green": "2E8540"}
    checked = 0
    # not Peer comparison (tests/test_report_relative_position.py), Data (long) (tests/test_report_tables.py) nor Notes
    for name in wb.sheetnames[:-3]:
        ws = wb[name]
        top = 8 if name == "District comparison" else 4  # its position legend takes rows 3-7
        assert ws.freeze_panes == f"C{top + 1}" and ws.auto_filter.ref and ws.auto_filter.ref.startswith(f"A{top}:")
        header = [c.value for c in ws[top]]
        col = {h: i for i, h in enumerate(header)}
        for row in ws.iter_rows(min_row=top + 1, values_only=False):
            key = (row[col["Indicator id"]].value, row[col["Area code"]].value)
            assert key in truth.index, key
            assert row[col["Financial year"]].value == "2024/25" and row[col["Quarter"]].value == 2
            rag = row[col["RAG"]]
            if rag.value in colours:
                assert rag.fill.fgColor.rgb.endswith(colours[rag.value])
                assert rag.value == truth.loc[key, "rag"]
            for header_name, column in (("Rolling 12 months", "rolling_12m"), ("Rate per 1,000 (12 months)",
                                                                                "rate_per_1000")):
                if header_name not in col:
                    continue
                cell = row[col[header_name]]
                if hidden.loc[key, column] in ("", "[c]", "[x]"):
                    assert cell.value in (hidden.loc[key, column] or None, None)
                else:
                    assert cell.data_type == "n" and isinstance(cell.value, (int, float))
                    assert cell.value == pytest.approx(truth.loc[key, column])
                    checked += 1
    assert checked > 500
    notes = " ".join(str(c.value) for row in wb["Notes"].iter_rows() for c in row if c.value)
    assert "[c]" in notes and "counts 1 to 4" in notes


def test_quarterly_html_is_self_contained_and_shows_the_mart(outputs: Path, mart: pd.DataFrame,
                                                           published: pd.DataFrame) -> None:
    page = (outputs / f"quarterly_report_{QUARTER}.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"<(script|link|img|iframe)\b", page, re.I)
    assert "<svg" in page and "@import" not in page and "url(" not in page
    for issue in set(mart["key_issue"]):
        assert re.search(rf">\s*{re.escape(issue)}\s*<", page, re.I), issue
    force = mart[(mart["area_code"] == FORCE) & (mart["rolling_12m"] > 0)]
    for row in force.itertuples():
        assert row.indicator_name in page
    all_crime = mart[(mart["indicator_id"] == "all_crime") & (mart["area_code"] == FORCE)].iloc[0]
    assert f"{all_crime['rolling_12m']:,.0f}" in page and f"{all_crime['rate_per_1000']:,.2f}" in page
    # highlights are written from the published numbers
    assert re.search(r"(rose|fell) \d+% in the 12 months to September 2024", page)
    # hidden counts appear as [c] and never as their value in a district table
    assert "[c]" in page and "not published" in page


def test_annual_update_html_and_pdf(outputs: Path, demo_home: Path, areas: pd.DataFrame) -> None:
    """The latest complete year of the demo months (2023/24), built on demand."""
    page = (outputs / f"annual_update_{YEAR}.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    for section in ("Trends by key issue", "Costs of crime", "relative position", "Priorities each indicator serves"):
        assert section in page
    # the trend heading says how many complete years it shows ("Five-year" only when there are five)
    assert re.search(r"Five-year trends by key issue|Trends by key issue: \w+ complete years?<", page)
    districts = areas[areas["is_district"]]
    for code, name in zip(districts["area_code"], districts["area_name"]):
        assert f'id="profile-{code}"' in page and name in page
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        truth = con.execute("""select rolling_12m, rolling_12m_previous from marts.mart_scorecard_quarterly
                               where indicator_id = 'all_crime' and area_code = ? and financial_year = '2023/24'
                                 and fy_quarter = 4""", [FORCE]).fetchone()
        years = con.execute("""select d.financial_year, sum(m.value) from marts.mart_indicator_monthly m
                               join marts.dim_month d using (month) where m.indicator_id = 'all_crime'
                               and m.area_code = ? group by 1 having count(*) = 12 order by 1""", [FORCE]).fetchall()
    assert f"{truth[0]:,.0f}" in page and f"{truth[1]:,.0f}" in page
    for label, total in years:  # the five-year trend of all crime, year by year
        assert label in page and f"{total:,.0f}" in page
    # costs of crime: the force extract's crimes by Home Office cost category, uprated to the latest
    # price year; the table's total is the cost_of_crime headline (tests/test_costs.py has the detail)
    from reporting.html import fmt_money

    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        headline = con.execute("""select rolling_12m, price_year from marts.mart_scorecard_quarterly
                                  where indicator_id = 'cost_of_crime' and area_code = ?
                                    and financial_year = '2023/24' and fy_quarter = 4""", [FORCE]).fetchone()
    costs_section = page[page.index('<section id="costs">'):]
    costs_section = costs_section[:costs_section.index("</section>")]
    assert headline and "Estimated cost of crime by Home Office cost category" in costs_section
    assert fmt_money(headline[0]) in costs_section and f"{headline[1]} prices" in costs_section
    pdf = outputs / f"annual_update_{YEAR}.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 1 + len(districts)  # a profile page for each district at least
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Annual Performance and Priorities Update" in text and "Blackburn with Darwen" in text
    assert f"{truth[0]:,.0f}" in text


def test_a_failed_check_publishes_nothing(controlled_home: Path, tmp_path: Path) -> None:
    settings = load_settings(controlled_home)
    target = Paths(tmp_path)
    calls = []

    def failing(name, frame, settings, home=None):
        calls.append((name, len(frame), bool(frame["suppressed"].any())))
        raise OutputCheckFailed(f"{name}: 1 of 9 expectations failed", None)

    with duckdb.connect(str(controlled_home / "warehouse.duckdb"), read_only=True) as con:
        with pytest.raises(OutputCheckFailed, match="expectations failed"):
            publish.publish_quarterly(con, Quarter.of("2024/25", 2), settings, target, check=failing)
        with pytest.raises(OutputCheckFailed):
            publish.publish_annual(con, FinancialYear("2023/24"), settings, target, check=failing)
    assert calls == [("quarterly_report_2024-25_Q2", calls[0][1], True), ("annual_update_2023-24", calls[1][1], True)]
    assert not (tmp_path / "outputs").exists() or not [p for p in (tmp_path / "outputs").iterdir()
                                                         if not p.name.startswith("data_docs")]


def test_the_suite_rejects_an_unsuppressed_small_count(controlled_home: Path, tmp_path: Path) -> None:
    """The real Great Expectations suite on the true (uncontrolled) rows of a sensitive theme."""
    from reporting.checks import check_output_table
    from reporting.tables import quarterly_tables

    home = controlled_home
    settings = load_settings(home)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        tables = quarterly_tables(con, Quarter.of("2024/25", 2), settings)
        truth = con.execute("select * from marts.mart_scorecard_quarterly where financial_year = '2024/25' "
                            "and fy_quarter = 2 order by indicator_id, area_code").df()
    check_output_table("controlled", tables.scorecard, settings, home=tmp_path)  # passes
    leaked = truth.assign(suppressed=False)
    with pytest.raises(OutputCheckFailed) as failed:
        check_output_table("leaked", leaked, settings, home=tmp_path)
    assert "leaked" in str(failed.value)


def test_csw_report_builds_a_past_period(controlled_home: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    home.mkdir()
    for name in ("warehouse.duckdb", "settings.toml"):
        shutil.copy(controlled_home / name, home / name)
    capsys.readouterr()
    assert main(["--home", str(home), "report", "quarterly", "--fy", "2023/24", "--quarter", "3"]) == 0
    out = capsys.readouterr().out
    assert "2023/24 Q3" in out and "cells suppressed" in out
    csv = pd.read_csv(home / "outputs" / "quarterly_report_2023-24_Q3.csv", dtype=str, keep_default_na=False)
    assert set(csv["financial_year"]) == {"2023/24"} and set(csv["fy_quarter"]) == {"3"}
    assert (home / "outputs" / "quarterly_report_2023-24_Q3.xlsx").exists()
    assert main(["--home", str(home), "report", "annual", "--fy", "2015/16"]) == 1
    assert "no fourth quarter of 2015/16" in capsys.readouterr().err
    assert main(["--home", str(home), "report", "quarterly", "--fy", "2023/24"]) == 2
