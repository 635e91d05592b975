"""Which quarter and which financial year an output is for, and how each is written.

Financial years run April to March ("2024/25" = April 2024 to March 2025; Q1 = Apr-Jun). File
names write the year "2024-25" because "/" cannot appear in a file name.
"""

from __future__ import annotations

import duckdb

from warehouse.calendar import FinancialYear, Quarter, month_label
from warehouse.scorecard import latest_complete_quarter

__all__ = ["FinancialYear", "Quarter", "latest_complete_quarter", "latest_complete_year", "latest_quarter", "month_label"]


def latest_complete_year(con: duckdb.DuckDBPyConnection) -> FinancialYear | None:
    """The latest financial year complete (all four quarters) for at least half of the indicators.

    The same rule as the latest complete quarter (feeds arrive at different lags): an indicator
    whose source does not cover the whole year is absent from that year's update (the notes say so).
    Indicators with no value at all (a feed that has sent nothing: rows not received) do not count.
    """
    row = con.execute(
        """with per_year as (
               select financial_year, count(*) as indicators
               from (select indicator_id, financial_year from marts.mart_scorecard_quarterly
                     where value is not null group by all having count(distinct fy_quarter) = 4)
               group by all
           ),
           catalogue as (select count(distinct indicator_id) as indicators from marts.mart_scorecard_quarterly
                         where value is not null)
           select financial_year from per_year, catalogue
           where 2 * per_year.indicators >= catalogue.indicators
           order by financial_year desc limit 1"""
    ).fetchone()
    return FinancialYear(row[0]) if row else None


def latest_quarter(con: duckdb.DuckDBPyConnection) -> Quarter | None:
    found = latest_complete_quarter(con)
    return Quarter.of(*found) if found else None
