"""Costs of crime: the force extract's crimes of a year, costed category by category.

The Board's source is the force extract, not police.uk: the extract carries each crime's Home
Office offence code, which maps exactly to a cost category of The economic and social costs of
crime (Heeks et al. 2018, 2015/16 prices), whereas a police.uk category mixes offences of
several cost categories (and some not costed at all). So the table here sums the same rows and
the same uprated unit cost (``fct_crime.unit_cost_gbp_uprated``) as the ``cost_of_crime``
indicator: its total is the headline figure, by construction. police.uk categories are listed
with the cost categories their offences fall into, so nothing is silently left out.

A cost is a count times a unit cost, so it is hidden exactly when disclosure control would hide
its count (small counts of sensitive themes), with a second cell hidden when one alone would be
recoverable from the published total.

``indicator_unit_costs`` (unit costs matched to catalogue indicators) is kept for callers that
cost an indicator's count directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from reporting.disclosure import DisclosureRules
from warehouse.calendar import FinancialYear

EXTRACT = "police_crime_extract"
SUPPRESSED = "[c]"
# cost categories whose counts fall under a disclosure theme (the catalogue's theme of their indicators)
CATEGORY_THEMES = {"rape": "sexual offences", "other sexual offences": "sexual offences"}
UNKNOWN_GROUP = "offence code not in the Home Office list"

_CATEGORY_COLUMNS = ("cost_category", "offence", "category")
_COST_COLUMNS = ("unit_cost_gbp", "unit_cost")


@dataclass(frozen=True)
class CostSummary:
    """The year's cost of crime in the force area, by cost category, at the latest price year.

    rows: category, crimes, unit_cost_base, unit_cost, total, per_head, is_verified, source, hidden
    not_costed: offence_group, offences, crimes, reason
    police_uk: crime_type, status, cost_categories, note
    """

    year: str
    rows: pd.DataFrame
    not_costed: pd.DataFrame
    police_uk: pd.DataFrame
    total: float
    crimes_costed: int
    population: float | None
    base_price_year: str
    price_year: str
    uprating_factor: float
    deflator_source: str
    deflator_release: str
    deflator_release_date: str
    deflator_verified: bool
    unverified_categories: list[str] = field(default_factory=list)

    @property
    def total_per_head(self) -> float | None:
        return self.total / self.population if self.population else None


def uprate(cost: float | np.ndarray, base_index: float, latest_index: float) -> float | np.ndarray:
    """A cost at the base year's prices in the latest year's prices: cost x index(latest) / index(base),
    to the whole pound (half away from zero), as int_offence_codes rounds it."""
    exact = np.asarray(cost, dtype=float) * latest_index / base_index
    rounded = np.sign(exact) * np.floor(np.abs(exact) + 0.5)
    return rounded if np.ndim(cost) else float(rounded)


def deflator_years(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The GDP deflator seed (financial_year, gdp_deflator_index, release, ...), outturn years only."""
    return con.execute("""select * from reference.gdp_deflator where not is_forecast
                          order by financial_year""").df()


def cost_summary(con: duckdb.DuckDBPyConnection, year: FinancialYear, rules: DisclosureRules,
                 population: float | None) -> CostSummary | None:
    """Costs of the force extract's crimes recorded in ``year`` (the cost_of_crime indicator's
    rows), or None when the warehouse has no uprated unit costs yet (an older build)."""
    if not _has_columns(con, "marts", "fct_crime", "unit_cost_gbp_uprated") or \
            not _has_columns(con, "reference", "gdp_deflator", "gdp_deflator_index"):
        return None
    counts = con.execute("""
        select f.ho_offence_code, f.unit_cost_gbp_uprated is not null as is_costed,
               count(*) as crimes, sum(f.unit_cost_gbp) as total_base, sum(f.unit_cost_gbp_uprated) as total,
               max(f.unit_cost_gbp) as unit_cost_base, max(f.unit_cost_gbp_uprated) as unit_cost,
               max(f.price_year) as base_price_year, max(f.uprated_price_year) as price_year
        from marts.fct_crime as f join marts.dim_month as d using (month)
        where f.source_system = ? and d.financial_year = ?
        group by all""", [EXTRACT, year.label]).df()
    codes = con.execute("""select ho_offence_code, offence_description, offence_group, cost_category,
                                  police_uk_crime_type, not_costed_reason
                           from reference.home_office_offence_codes""").df()
    unit_costs = con.execute("""select cost_category, unit_cost_gbp as seed_unit_cost, price_year, is_verified, source
                                from reference.crime_unit_costs""").df()
    deflators = deflator_years(con)
    latest = deflators.iloc[-1]
    base_year = str(unit_costs["price_year"].mode().iloc[0])
    base_index = float(deflators.loc[deflators["financial_year"] == base_year, "gdp_deflator_index"].iloc[0])

    crimes = codes.merge(counts, on="ho_offence_code", how="outer")
    crimes["crimes"] = crimes["crimes"].fillna(0).astype(int)
    # a code with no crimes this year is costed when it has a cost category (it then shows 0 crimes)
    crimes["is_costed"] = np.where(crimes["is_costed"].isna(), crimes["cost_category"].notna(),
                                   crimes["is_costed"].eq(True))
    crimes["offence_group"] = crimes["offence_group"].fillna(UNKNOWN_GROUP)

    costed = crimes[crimes["is_costed"]]
    rows = (costed.groupby("cost_category", as_index=False)
            .agg(crimes=("crimes", "sum"), total=("total", "sum"), unit_cost_base=("unit_cost_base", "max"),
                 unit_cost=("unit_cost", "max"))
            .rename(columns={"cost_category": "category"})
            .merge(unit_costs, left_on="category", right_on="cost_category", how="left"))
    # a category with no crimes this year has no fct_crime row: its costs come from the seed
    missing = rows["unit_cost_base"].isna()
    rows.loc[missing, "unit_cost_base"] = rows.loc[missing, "seed_unit_cost"]
    rows.loc[missing, "unit_cost"] = uprate(rows.loc[missing, "seed_unit_cost"].to_numpy(), base_index,
                                            float(latest["gdp_deflator_index"]))
    from_settings = ~np.isclose(rows["unit_cost_base"], rows["seed_unit_cost"])
    rows.loc[from_settings, "source"] = rows.loc[from_settings, "source"] + \
        " (unit cost set in the warehouse settings, [crime_costs])"
    rows["is_verified"] = rows["is_verified"].fillna(False).astype(bool)
    rows = rows.sort_values("total", ascending=False, kind="stable").reset_index(drop=True)
    rows["per_head"] = rows["total"] / population if population else np.nan
    rows["hidden"] = _hidden(rows, rules)
    rows = rows[["category", "crimes", "unit_cost_base", "unit_cost", "total", "per_head", "is_verified",
                 "source", "hidden"]]

    not_costed = crimes[~crimes["is_costed"]].copy()
    not_costed["not_costed_reason"] = not_costed["not_costed_reason"].fillna(
        "Its offence code has no cost category in the Home Office offence code list.")
    not_costed["offence_description"] = not_costed["offence_description"].fillna("(unknown offence code)")
    not_costed = (not_costed.groupby(["offence_group", "not_costed_reason"], as_index=False, sort=False)
                  .agg(offences=("offence_description", lambda s: "; ".join(sorted(set(s)))),
                       crimes=("crimes", "sum"))
                  .rename(columns={"not_costed_reason": "reason"})
                  .sort_values("crimes", ascending=False, kind="stable").reset_index(drop=True))
    not_costed = not_costed[["offence_group", "offences", "crimes", "reason"]]

    unverified = rows.loc[~rows["is_verified"], "category"].tolist()
    return CostSummary(
        year=year.label, rows=rows, not_costed=not_costed, police_uk=police_uk_crosswalk(con, codes),
        total=float(rows["total"].sum()), crimes_costed=int(rows["crimes"].sum()), population=population,
        base_price_year=base_year, price_year=str(latest["financial_year"]),
        uprating_factor=float(latest["gdp_deflator_index"]) / base_index,
        deflator_source=str(latest["source"]), deflator_release=str(latest["release"]),
        deflator_release_date=str(pd.Timestamp(latest["release_date"]).date()),
        deflator_verified=bool(deflators["is_verified"].all()), unverified_categories=unverified)


def police_uk_crosswalk(con: duckdb.DuckDBPyConnection, codes: pd.DataFrame) -> pd.DataFrame:
    """Every police.uk crime type with the cost categories its offence codes fall into: costed
    (every code costed), partly costed, or not costed, and why. Approximate by nature: a police.uk
    row has no offence code, which is why the Board's costs come from the force extract."""
    types = con.execute("select crime_type, is_asb, is_legacy, notes from reference.police_crime_types").df()
    by_type = codes.groupby("police_uk_crime_type").agg(
        codes=("ho_offence_code", "size"), costed=("cost_category", "count"),
        cost_categories=("cost_category", lambda s: ", ".join(sorted(set(s.dropna())))))
    # a wholly uncosted offence group by its name; within a partly costed group, the offences
    partly = codes.groupby("offence_group")["cost_category"].transform("count") > 0
    left_out = codes[codes["cost_category"].isna()].assign(
        label=lambda c: c["offence_group"].where(~partly[c.index], c["offence_description"]))
    not_costed = left_out.groupby("police_uk_crime_type")["label"].agg(lambda s: "; ".join(sorted(set(s))))
    out = types.merge(by_type, left_on="crime_type", right_index=True, how="left")
    out["codes"] = out["codes"].fillna(0).astype(int)
    out["costed"] = out["costed"].fillna(0).astype(int)
    out["status"] = np.select([out["codes"] == 0, out["costed"] == out["codes"], out["costed"] > 0],
                              ["not costed", "costed", "partly costed"], "not costed")
    out["note"] = np.where(
        out["codes"] == 0,
        ("No force extract offence code publishes under it. " + out["notes"].fillna("")).str.strip(),
        np.where(out["status"] == "costed", "",
                 out["crime_type"].map(not_costed).fillna("")))
    out["cost_categories"] = out["cost_categories"].fillna("")
    return out[["crime_type", "status", "cost_categories", "note"]].sort_values("crime_type").reset_index(drop=True)


def annual_cost_summary(con: duckdb.DuckDBPyConnection, tables: Any) -> CostSummary | None:
    """cost_summary of an AnnualTables' year, with the force area's population from its scorecard."""
    rows = tables.scorecard
    force = rows[(rows["area_code"] == tables.geography.force_area) & rows["population"].notna()]
    # cost per head is per resident: the population of an indicator counted over all residents
    residents = force[force["population_group"].fillna("").str.lower() == "all residents"]
    source = residents if not residents.empty else force
    population = float(source["population"].iloc[0]) if not source.empty else None
    return cost_summary(con, tables.year, tables.rules, population)


def cost_context(summary: CostSummary | None) -> dict[str, Any]:
    """What the annual update's costs section shows: the table, the not-costed list, the
    police.uk crosswalk and the notes (every unverified figure named)."""
    if summary is None:
        return {"available": False}
    rows = summary.rows.to_dict("records")
    for r in rows:  # a cost is the count times a unit cost: hidden with the count
        if r["hidden"]:
            r["crimes"] = r["total"] = r["per_head"] = SUPPRESSED
    notes = [f"Unverified: the unit cost of {r.category} (£{r.unit_cost_base:,.0f} in {summary.base_price_year} "
             f"prices) has not been checked against the Home Office tables here. Source: {r.source}."
             for r in summary.rows.itertuples() if not r.is_verified]
    if not summary.deflator_verified:
        notes.append(f"Unverified: the GDP deflator index values used to uprate {summary.base_price_year} costs to "
                     f"{summary.price_year} prices (x{summary.uprating_factor:.3f}) are approximate and have not been "
                     f"checked against the release ({summary.deflator_source}, {summary.deflator_release}, "
                     f"{summary.deflator_release_date}); every uprated cost is provisional until they are.")
    if summary.rows["hidden"].any():
        notes.append("[c]: a cost hidden by disclosure control, because its count of crimes is hidden (or would "
                     "be recoverable from the total); the total includes it.")
    return {
        "available": True,
        "rows": rows,
        "total": summary.total,
        "total_per_head": summary.total_per_head,
        "crimes_costed": summary.crimes_costed,
        "population": summary.population,
        "not_costed": summary.not_costed.to_dict("records"),
        "crimes_not_costed": int(summary.not_costed["crimes"].sum()),
        "police_uk": summary.police_uk.to_dict("records"),
        "base_price_year": summary.base_price_year,
        "price_year": summary.price_year,
        "uprating_factor": summary.uprating_factor,
        "deflator": f"{summary.deflator_source}, {summary.deflator_release} ({summary.deflator_release_date})",
        "deflator_verified": summary.deflator_verified,
        "unverified_categories": summary.unverified_categories,
        "notes": notes,
        "suppressed": SUPPRESSED,
    }


def _hidden(rows: pd.DataFrame, rules: DisclosureRules) -> np.ndarray:
    """Primary: a small count of a sensitive category. Secondary: when exactly one cost is
    hidden, the next smallest published one too, so the published total cannot reveal it."""
    themes = rows["category"].map(CATEGORY_THEMES)
    hidden = rules.primary(rows["crimes"].to_numpy(), rules.is_sensitive(themes))
    if hidden.sum() == 1:
        candidates = rows["total"].where(~hidden & (rows["crimes"] > 0))
        if candidates.notna().any():
            hidden[int(np.nanargmin(candidates.to_numpy()))] = True
    return hidden


def _has_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str, column: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.columns where table_schema = ? and table_name = ? "
        "and column_name = ?", [schema, table, column]).fetchone()[0])


def unit_cost_table(con: duckdb.DuckDBPyConnection) -> tuple[str, str, str] | None:
    """(table, category column, cost column) of the first unit-cost table in ``reference``, if any."""
    columns = con.execute(
        """select table_name, list(column_name) from information_schema.columns
           where table_schema = 'reference' group by table_name order by table_name"""
    ).fetchall()
    for table, names in columns:
        category = next((c for c in _CATEGORY_COLUMNS if c in names), None)
        cost = next((c for c in _COST_COLUMNS if c in names), None)
        if category and cost and "price_year" in names:
            return table, category, cost
    return None


def indicator_unit_costs(con: duckdb.DuckDBPyConnection, catalogue: pd.DataFrame) -> pd.DataFrame | None:
    """indicator_id, cost_category, unit_cost, price_year, source; None when no unit costs are loaded."""
    found = unit_cost_table(con)
    if found is None:
        return None
    table, category, cost = found
    costs = con.execute(
        f'select lower(trim("{category}")) as cost_category, cast("{cost}" as double) as unit_cost, price_year, '
        f'{"source" if _has(con, table, "source") else "null"} as source from reference."{table}"'
    ).df()
    link = catalogue[["indicator_id", "indicator_name"]].copy()
    if "cost_category" in catalogue.columns:
        link["cost_category"] = catalogue["cost_category"].fillna("").str.strip().str.lower()
        link.loc[link["cost_category"] == "", "cost_category"] = link["indicator_name"].str.lower()
    else:
        link["cost_category"] = link["indicator_name"].str.strip().str.lower()
    return link.merge(costs, on="cost_category", how="inner")[
        ["indicator_id", "cost_category", "unit_cost", "price_year", "source"]]


def _has(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return _has_columns(con, "reference", table, column)
