"""The indicator catalogue drives the Board's outputs (issue 13: "new indicators come from the
catalogue and appear in every output with no change to the report code").

* Static: the reporting package (Python and templates) names no indicator: no id of the catalogue
  seed or of the OHID Fingertips seed (``fingertips_<id>``) appears in it, and no code compares an
  indicator id with a literal.
* On the demo night (the session's ``demo_home``, read-only): every key issue and indicator of
  ``marts.dim_indicator`` with a value in the published quarter appears in the quarterly HTML (its
  section and its indicator), the workbook (the key issue's sheet lists its id) and the CSV; every
  indicator with a value in the annual update's year is in the annual update. That includes the
  residents' survey's key issue "feeling safe" (priority "Empower our communities to feel safe")
  and the Fingertips indicators, shown with their period, interval and source.
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
REPORTING = REPO / "reporting"
SEEDS = REPO / "dbt_project" / "seeds"
# an indicator the reports show for a period: a value somewhere, and for a count events in one of its
# two 12-month windows somewhere (legacy police.uk categories, all zeros lately, are in the workbook
# and CSV only: reporting.html.shown_indicators)
SHOWN = ("count(value) > 0 and bool_or(value_kind not in ('count', 'ratio') "
         "or coalesce(rolling_12m, 1) > 0 or coalesce(rolling_12m_previous, 1) > 0)")


def _catalogue_ids() -> set[str]:
    with (SEEDS / "indicator_catalogue.csv").open(newline="", encoding="utf-8") as fh:
        ids = {row["indicator_id"] for row in csv.DictReader(fh)}
    with (SEEDS / "fingertips_indicators.csv").open(newline="", encoding="utf-8") as fh:
        ids |= {f"fingertips_{row['fingertips_indicator_id']}" for row in csv.DictReader(fh)}
    return ids


def _reporting_sources() -> dict[Path, str]:
    files = [*REPORTING.glob("*.py"), *(REPORTING / "templates").glob("*.html")]
    return {f: f.read_text(encoding="utf-8") for f in files}


def test_reporting_code_names_no_indicator() -> None:
    ids = _catalogue_ids()
    assert {"survey_feel_safe_day", "fingertips_11201", "fire_all"} <= ids
    found = []
    for path, text in _reporting_sources().items():
        # a string literal (or template text) that is, or starts with, an indicator id; a docstring's
        # example in running text is not code
        for indicator_id in ids:
            if re.search(rf"['\">]{re.escape(indicator_id)}(?![A-Za-z0-9_])", text):
                found.append(f"{path.relative_to(REPO)}: {indicator_id}")
        # nor an id built from the Fingertips prefix ("fingertips_" + id)
        found += [f"{path.relative_to(REPO)}: {m.group(0)}" for m in re.finditer(r"['\"]fingertips_(\d|['\"{])", text)]
        # no special case by indicator: `indicator_id == "..."`, `indicator_id in ("...", ...)`
        for match in re.finditer(r"indicator_id\W{0,4}\s*(==|!=|\bin\b)\s*[\(\[\{]?\s*['\"]", text):
            found.append(f"{path.relative_to(REPO)}: {match.group(0)}")
    assert not found, found


@pytest.fixture(scope="module")
def published(demo_home: Path) -> dict:
    outputs = demo_home / "outputs"
    quarterly = sorted(outputs.glob("quarterly_report_*.html"))
    annual = sorted(outputs.glob("annual_update_*.html"))
    assert quarterly and annual, sorted(p.name for p in outputs.iterdir())
    q = re.match(r"quarterly_report_(\d{4})-(\d{2})_Q(\d)\.html", quarterly[-1].name)
    a = re.match(r"annual_update_(\d{4})-(\d{2})\.html", annual[-1].name)
    fy, quarter = f"{q.group(1)}/{q.group(2)}", int(q.group(3))
    year = f"{a.group(1)}/{a.group(2)}"
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        catalogue = con.execute("select * from marts.dim_indicator order by catalogue_order").df()
        quarter_rows = con.execute(
            f"select indicator_id, key_issue from marts.mart_scorecard_quarterly "
            f"where financial_year = ? and fy_quarter = ? group by all having {SHOWN}", [fy, quarter]).df()
        year_rows = con.execute(
            f"select indicator_id from marts.mart_scorecard_quarterly "
            f"where financial_year = ? and fy_quarter = 4 group by all having {SHOWN}", [year]).df()
    return {"quarterly": quarterly[-1], "annual": annual[-1], "catalogue": catalogue,
            "quarter_rows": quarter_rows, "year_rows": year_rows}


def test_demo_has_the_new_key_issue_and_indicators_with_values(published: dict) -> None:
    catalogue, rows = published["catalogue"], published["quarter_rows"]
    feeling_safe = catalogue[catalogue["key_issue"] == "feeling safe"]
    assert set(feeling_safe["priority"]) == {"Empower our communities to feel safe"}
    assert len(feeling_safe) == 3
    kinds = catalogue.set_index("indicator_id")["value_kind"]
    shown = set(rows["indicator_id"])
    assert shown & set(kinds[kinds == "survey_estimate"].index), "no survey estimate in the demo quarter"
    assert shown & set(kinds[kinds == "published_figure"].index), "no Fingertips figure in the demo quarter"
    assert shown & {i for i in kinds.index if i.startswith("fire_")}, "no fire indicator in the demo quarter"


def test_quarterly_html_shows_every_catalogue_key_issue_and_indicator_with_data(published: dict) -> None:
    page = html.unescape(published["quarterly"].read_text(encoding="utf-8"))
    catalogue = published["catalogue"].set_index("indicator_id")
    missing = []
    for key_issue in sorted(set(published["quarter_rows"]["key_issue"])):
        if f'id="{key_issue.replace(" ", "-")}"' not in page:
            missing.append(f"section {key_issue}")
    for indicator_id in published["quarter_rows"]["indicator_id"]:
        if f"<h3>{catalogue.at[indicator_id, 'indicator_name']}" not in page:
            missing.append(indicator_id)
    assert not missing, missing
    assert "source: OHID Fingertips" in page and "95% CI" in page
    assert "Empower our communities to feel safe" in page


def test_workbook_and_csv_list_every_indicator_with_data(published: dict) -> None:
    from openpyxl import load_workbook

    book = load_workbook(published["quarterly"].with_suffix(".xlsx"), read_only=True)
    ids_by_sheet = {}
    for ws in book.worksheets:
        header = None
        for row in ws.iter_rows(values_only=True):
            if header is None and row and "Indicator id" in row:
                header = list(row)
                continue
            if header is not None and row[header.index("Indicator id")]:
                ids_by_sheet.setdefault(ws.title.lower(), set()).add(row[header.index("Indicator id")])
    rows = published["quarter_rows"]
    missing = []
    for key_issue, sub in rows.groupby("key_issue"):
        sheet = next((ids for title, ids in ids_by_sheet.items() if title.startswith(key_issue[:31].lower())), set())
        missing += [f"{key_issue}: {i}" for i in sub["indicator_id"] if i not in sheet]
    assert not missing, missing
    table = pd.read_csv(published["quarterly"].with_suffix(".csv"))
    assert set(rows["indicator_id"]) <= set(table["indicator_id"])
    assert {"period_label", "lower_ci", "upper_ci", "value_source", "value_kind"} <= set(table.columns)


def test_annual_update_shows_every_indicator_with_data(published: dict) -> None:
    page = html.unescape(published["annual"].read_text(encoding="utf-8"))
    catalogue = published["catalogue"].set_index("indicator_id")
    # a row of the trends table: its indicator is the row header (<th scope="row">, issue 10)
    missing = [i for i in published["year_rows"]["indicator_id"]
               if not re.search(rf"<tr><t[hd][^>]*>{re.escape(catalogue.at[i, 'indicator_name'])}", page)]
    assert not missing, missing
    assert "feeling safe" in page.lower()
