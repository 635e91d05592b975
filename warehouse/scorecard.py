"""Which quarter the Board's scorecard is for, read from ``marts.mart_scorecard_quarterly``.

The published files themselves (quarterly report, workbook, CSV, annual update) are written by
the ``reporting`` package with disclosure control.
"""

from __future__ import annotations

import duckdb


def latest_complete_quarter(con: duckdb.DuckDBPyConnection) -> tuple[str, int] | None:
    """The latest financial-year quarter complete for at least half of the indicators.

    Feeds arrive at different lags (police.uk about two months, STATS19 a year or more), so the
    latest quarter of *any* indicator may hold only road safety, and the latest of *every*
    indicator would be a year old. Half the catalogue is the Board's quarter; indicators whose
    source has not reached it yet are absent from that quarter's file (the notes say so).
    The mart holds complete quarters only.
    """
    row = con.execute(
        """with per_quarter as (
               select financial_year, fy_quarter, count(distinct indicator_id) as indicators
               from marts.mart_scorecard_quarterly where value is not null group by all
           ),
           -- indicators with a value somewhere: a feed that has sent nothing (not received) does not count
           catalogue as (select count(distinct indicator_id) as indicators from marts.mart_scorecard_quarterly
                         where value is not null)
           select financial_year, fy_quarter from per_quarter, catalogue
           order by (2 * per_quarter.indicators >= catalogue.indicators) desc, financial_year desc, fy_quarter desc
           limit 1"""
    ).fetchone()
    return (row[0], int(row[1])) if row else None
