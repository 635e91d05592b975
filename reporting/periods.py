"""Which quarter and which financial year an output is for, and how each is written.

Financial years run April to March ("2024/25" = April 2024 to March 2025; Q1 = Apr-Jun). File
names write the year "2024-25" because "/" cannot appear in a file name.
"""

from __future__ import annotations

import duckdb

from warehouse.calendar import FinancialYear, Quarter, month_label
from warehouse.scorecard import latest_complete_quarter, reporting_period

__all__ = ["FinancialYear", "Quarter", "latest_complete_quarter", "latest_complete_year", "latest_quarter", "month_label"]


def latest_complete_year(con: duckdb.DuckDBPyConnection) -> FinancialYear | None:
    """The latest financial year complete (all four quarters) for at least half of the indicators,
    as ``marts.mart_reporting_period`` says (the rule is written there once, as for the latest
    complete quarter): an indicator whose source does not cover the whole year is absent from that
    year's update (the notes say so)."""
    found = reporting_period(con, "financial_year")
    return FinancialYear(found[0]) if found else None


def latest_quarter(con: duckdb.DuckDBPyConnection) -> Quarter | None:
    found = latest_complete_quarter(con)
    return Quarter.of(*found) if found else None
