"""Costs of crime: unit cost x count, with the price year stated.

Read generically so the report needs no change when the reference data arrives: any
``reference`` table with ``unit_cost_gbp`` (or ``unit_cost``) and ``price_year`` columns and a
category column (``cost_category``/``offence``) is a unit-cost table. An indicator is costed when
the catalogue names its category (a ``cost_category`` column) or, failing that, when its name is a
category (e.g. "Robbery" = "robbery"). Without such a table the report says costs are not available.
"""

from __future__ import annotations

import duckdb
import pandas as pd

_CATEGORY_COLUMNS = ("cost_category", "offence", "category")
_COST_COLUMNS = ("unit_cost_gbp", "unit_cost")


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
    return bool(con.execute(
        "select count(*) from information_schema.columns where table_schema = 'reference' and table_name = ? "
        "and column_name = ?", [table, column]).fetchone()[0])
