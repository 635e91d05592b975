"""Costs of crime (issue 10): full Home Office unit costs, uprated with the GDP deflator, one table
whose total is the cost_of_crime headline, nothing left out silently, unverified figures marked.

Unit tests build a small warehouse in memory from the real seeds; the warehouse tests read the
shared demo home (``demo_home``), or the home named by ``CSW_TEST_HOME`` when set (a developer's
rebuilt copy, e.g. ``CSW_TEST_HOME=/tmp/h5``, to avoid building a night inside the test run).
"""

from __future__ import annotations

import csv
import math
import os
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from reporting import costs, html
from reporting.disclosure import DisclosureRules
from reporting.periods import FinancialYear, latest_complete_year
from reporting.tables import annual_tables
from warehouse.settings import load_settings

SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"
FORCE = "E23000003"


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def _hand_uprating() -> tuple[str, str, float]:
    """(base year, latest outturn year, factor) read straight from the seeds, by hand."""
    deflator = {r["financial_year"]: float(r["gdp_deflator_index"]) for r in _seed("gdp_deflator")
                if r["is_forecast"] == "false"}
    base = {r["price_year"] for r in _seed("crime_unit_costs")}
    assert len(base) == 1, base  # one price year for every unit cost
    base_year, latest_year = base.pop(), max(deflator)
    return base_year, latest_year, deflator[latest_year] / deflator[base_year]


def _to_pound(x: float) -> float:
    return float(math.floor(x + 0.5))


def _memory_warehouse(crimes: list[tuple[str, int]], year: str = "2024/25") -> duckdb.DuckDBPyConnection:
    """Reference tables from the real seeds and fct_crime rows (offence code, how many) costed by hand."""
    con = duckdb.connect()
    con.execute("create schema reference; create schema marts")
    for name in ("home_office_offence_codes", "crime_unit_costs", "gdp_deflator", "police_crime_types"):
        con.execute(f"create table reference.{name} as select * from read_csv(?, all_varchar = true)",
                    [str(SEEDS / f"{name}.csv")])
    con.execute("""create or replace table reference.gdp_deflator as select financial_year,
                   cast(gdp_deflator_index as double) as gdp_deflator_index, is_forecast::boolean as is_forecast,
                   is_verified::boolean as is_verified, release, cast(release_date as date) as release_date, source
                   from reference.gdp_deflator""")
    con.execute("""create or replace table reference.crime_unit_costs as select cost_category,
                   cast(unit_cost_gbp as double) as unit_cost_gbp, price_year, is_verified::boolean as is_verified,
                   source from reference.crime_unit_costs""")
    con.execute("""create or replace table reference.police_crime_types as select crime_type,
                   is_asb::boolean as is_asb, is_legacy::boolean as is_legacy, notes
                   from reference.police_crime_types""")
    con.execute("create table marts.dim_month as select date '2024-06-01' as month, ? as financial_year", [year])
    base_year, latest_year, factor = _hand_uprating()
    unit = {r["cost_category"]: float(r["unit_cost_gbp"]) for r in _seed("crime_unit_costs")}
    category = {r["ho_offence_code"]: r["cost_category"] or None for r in _seed("home_office_offence_codes")}
    rows = []
    for code, n in crimes:
        cost = unit.get(category[code]) if category[code] else None
        rows += [(code, cost, _to_pound(cost * factor) if cost is not None else None)] * n
    frame = pd.DataFrame(rows, columns=["ho_offence_code", "unit_cost_gbp", "unit_cost_gbp_uprated"])
    con.execute("""create table marts.fct_crime as select date '2024-06-01' as month,
                   'police_crime_extract' as source_system, ho_offence_code, unit_cost_gbp, unit_cost_gbp_uprated,
                   case when unit_cost_gbp is not null then ? end as price_year,
                   case when unit_cost_gbp is not null then ? end as uprated_price_year from frame""",
                [base_year, latest_year])
    return con


def test_uprating_is_cost_times_latest_over_base_deflator() -> None:
    deflator = {r["financial_year"]: float(r["gdp_deflator_index"]) for r in _seed("gdp_deflator")}
    base_year, latest_year, factor = _hand_uprating()
    assert latest_year > base_year and factor > 1  # prices rose since 2015/16
    # 14,050 (violence with injury, 2015/16) in the latest year's prices, by hand, to the pound
    by_hand = math.floor(14050.0 * deflator[latest_year] / deflator[base_year] + 0.5)
    assert costs.uprate(14050.0, deflator[base_year], deflator[latest_year]) == by_hand
    con = _memory_warehouse([("8N", 10), ("19C", 2)])
    summary = costs.cost_summary(con, FinancialYear("2024/25"), DisclosureRules(), population=1000.0)
    assert (summary.base_price_year, summary.price_year) == (base_year, latest_year)
    assert summary.uprating_factor == pytest.approx(factor)
    by = summary.rows.set_index("category")
    assert by.loc["violence with injury", "unit_cost_base"] == 14050.0
    assert by.loc["violence with injury", "unit_cost"] == by_hand
    assert by.loc["violence with injury", "total"] == 10 * by_hand
    assert summary.total == 10 * by_hand + 2 * _to_pound(39360.0 * factor)
    assert summary.total_per_head == pytest.approx(summary.total / 1000.0)


def test_the_cost_of_crime_indicator_is_in_the_deflator_seeds_latest_prices() -> None:
    """A new deflator release moves the price year: the catalogue line must move with it."""
    _, latest_year, _ = _hand_uprating()
    line = next(r for r in _seed("indicator_catalogue") if r["indicator_id"] == "cost_of_crime")
    assert line["price_year"] == latest_year
    assert line["unit"] == f"GBP ({latest_year} prices)" and latest_year in line["indicator_name"]
    assert line["value_sql"] == "unit_cost_gbp_uprated" and line["source_system"] == "police_crime_extract"


def test_every_offence_group_and_police_uk_category_is_costed_or_listed_not_costed() -> None:
    codes = _seed("home_office_offence_codes")
    crimes = [(r["ho_offence_code"], 6) for r in codes]  # one group of six crimes per offence code
    con = _memory_warehouse(crimes)
    summary = costs.cost_summary(con, FinancialYear("2024/25"), DisclosureRules(), population=None)
    costed_categories = {r["cost_category"] for r in codes if r["cost_category"]}
    assert set(summary.rows["category"]) == costed_categories
    assert set(summary.not_costed["offence_group"]) == {r["offence_group"] for r in codes if not r["cost_category"]}
    assert summary.not_costed["reason"].str.len().min() > 20  # each says why
    # nothing dropped: every crime is in the costed table or the not-costed list
    assert summary.rows["crimes"].sum() + summary.not_costed["crimes"].sum() == 6 * len(codes)
    # business robbery is not costed at the personal robbery cost; drugs are crimes against society
    assert "Robbery of business property" in " ".join(summary.not_costed["offences"])
    drugs = summary.not_costed[summary.not_costed["offence_group"] == "drug offences"]
    assert "society" in drugs["reason"].iloc[0]
    # every police.uk category, current or legacy, is placed, and a not-costed part says so
    crosswalk = summary.police_uk.set_index("crime_type")
    assert set(crosswalk.index) == {r["crime_type"] for r in _seed("police_crime_types")}
    assert set(crosswalk["status"]) <= {"costed", "partly costed", "not costed"}
    assert (crosswalk.loc[crosswalk["status"] != "costed", "note"].str.len() > 0).all()
    assert crosswalk.loc["Drugs", "status"] == "not costed"
    assert crosswalk.loc["Violence and sexual offences", "status"] == "partly costed"  # stalking, harassment
    assert crosswalk.loc["Anti-social behaviour", "status"] == "not costed"


def test_a_cost_is_hidden_with_its_small_sensitive_count() -> None:
    con = _memory_warehouse([("19C", 3), ("8N", 40), ("45", 20), ("58A", 9)])
    summary = costs.cost_summary(con, FinancialYear("2024/25"), DisclosureRules(threshold=5), population=500.0)
    hidden = summary.rows.set_index("category")["hidden"]
    assert hidden["rape"]  # 3 rapes: count hidden, so its cost is hidden
    assert hidden.sum() == 2  # and one more, so the published total cannot give it away
    assert not hidden["violence with injury"]
    context = costs.cost_context(summary)
    shown = {r["category"]: r for r in context["rows"]}
    assert shown["rape"]["crimes"] == shown["rape"]["total"] == costs.SUPPRESSED
    assert context["total"] == pytest.approx(summary.total)  # the total still counts it


def test_every_unit_cost_category_in_the_seed_is_uprated_in_int_offence_codes(warehouse: Path) -> None:
    _, latest_year, factor = _hand_uprating()
    seed = {r["cost_category"]: float(r["unit_cost_gbp"]) for r in _seed("crime_unit_costs")}
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as con:
        got = con.execute("""select cost_category, unit_cost_gbp, unit_cost_gbp_uprated, uprated_price_year,
                                    is_unit_cost_from_settings from staging.int_offence_codes
                             where cost_category is not null""").df()
    assert not got.empty and (got["uprated_price_year"] == latest_year).all()
    hand = (got["unit_cost_gbp"] * factor + 0.5).map(math.floor)
    assert (got["unit_cost_gbp_uprated"] == hand).all()
    plain = got[~got["is_unit_cost_from_settings"]]
    assert plain["unit_cost_gbp"].to_numpy() == pytest.approx(plain["cost_category"].map(seed).to_numpy())


@pytest.fixture(scope="module")
def warehouse(request: pytest.FixtureRequest) -> Path:
    override = os.environ.get("CSW_TEST_HOME")
    return Path(override) if override else request.getfixturevalue("demo_home")


@pytest.fixture(scope="module")
def annual(warehouse: Path):
    """(tables, summary, extract crimes) of the year the annual update reports (the latest complete one)."""
    settings = load_settings(warehouse)
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as con:
        year = latest_complete_year(con)
        tables = annual_tables(con, year, settings)
        summary = costs.annual_cost_summary(con, tables)
        extract = con.execute("""select count(*) from marts.fct_crime join marts.dim_month using (month)
                                 where source_system = 'police_crime_extract' and financial_year = ?""",
                              [year.label]).fetchone()[0]
    return tables, summary, extract


def test_table_total_is_the_cost_of_crime_headline(annual) -> None:
    tables, summary, extract = annual
    assert summary is not None
    headline = tables.scorecard[(tables.scorecard["indicator_id"] == "cost_of_crime")
                                & (tables.scorecard["area_code"] == FORCE)].iloc[0]
    assert summary.total == pytest.approx(float(headline["rolling_12m"]), rel=1e-9)
    assert headline["price_year"] == summary.price_year  # same prices
    assert summary.price_year in headline["unit"]
    assert summary.total_per_head == pytest.approx(summary.total / float(headline["population"]))
    assert summary.rows["crimes"].sum() + summary.not_costed["crimes"].sum() == extract  # nothing dropped
    assert len(summary.rows) >= 10  # the full Home Office list, not three categories


def test_rendered_annual_update_marks_every_unverified_figure(annual) -> None:
    tables, summary, _ = annual
    page = html.render_annual(tables, summary)  # no peer comparison: the section says so
    section = page[page.index('<section id="costs">'):]
    section = section[:section.index("</section>")]
    notes = section[section.index("Notes on these costs"):]
    assert summary.unverified_categories  # the demo seeds have unverified unit costs
    for category in summary.unverified_categories:
        assert re.search(rf"Unverified: the unit cost of {re.escape(category)} ", notes), category
    if not summary.deflator_verified:
        assert "Unverified: the GDP deflator" in notes
    table = section[:section.index("Notes on these costs")]
    assert table.count("(unverified unit cost)") == len(summary.unverified_categories)
    assert html.fmt_money(summary.total) in table and "per resident" in table
    assert '<th scope="col"' in table and "<caption>" in table
    for group in summary.not_costed["offence_group"]:
        assert group.capitalize() in table
