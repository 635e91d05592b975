"""Which period the Board's outputs are for, read from ``marts.mart_reporting_period``.

The rule of the latest complete period (at least half of the indicators with a value somewhere in
``marts.mart_scorecard_quarterly``) is written once, in that dbt model; these functions only read it.
The published files themselves (quarterly report, workbook, CSV, annual update) are written by
the ``reporting`` package with disclosure control.
"""

from __future__ import annotations

import duckdb

REPORTING_PERIOD = "marts.mart_reporting_period"


def reporting_period(con: duckdb.DuckDBPyConnection, kind: str) -> tuple[str, int | None] | None:
    """``(financial_year, fy_quarter)`` of the latest complete period of ``kind`` ('quarter' or
    'financial_year', whose fy_quarter is None), or None when the model has no row for it.

    A warehouse built before the model existed has no such table: that is an error (rebuild with
    dbt), never a second copy of the rule.
    """
    schema, table = REPORTING_PERIOD.split(".")
    exists = con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                         [schema, table]).fetchone()[0]
    if not exists:
        raise LookupError(f"{REPORTING_PERIOD} is not in this warehouse (built before the model existed?): "
                          "rebuild it with dbt (csw run) to find the latest complete period")
    row = con.execute(f"select financial_year, fy_quarter from {REPORTING_PERIOD} where period_kind = ?",
                      [kind]).fetchone()
    if row is None:
        return None
    return row[0], (None if row[1] is None else int(row[1]))


def latest_complete_quarter(con: duckdb.DuckDBPyConnection) -> tuple[str, int] | None:
    """The latest financial-year quarter complete for at least half of the indicators (see
    mart_reporting_period: feeds arrive at different lags, so the latest quarter of *any*
    indicator may hold only road safety, and the latest of *every* indicator would be a year old).
    Indicators whose source has not reached it yet are absent from that quarter's file (the notes
    say so)."""
    found = reporting_period(con, "quarter")
    return (found[0], int(found[1])) if found else None
