"""The published quarterly scorecard file, read from ``marts.mart_scorecard_quarterly``.

The CSV has the mart's columns for one quarter, nothing else, so any tool reads it; the notes
(population year used, sources, coverage) go beside it in ``.notes.txt``.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

NOTES = """Scorecard notes
- value: count in the quarter; rolling_12m: the 12 months ending with the quarter; rolling_12m_previous: the 12 months before.
- significant_change: exact Poisson (conditional binomial) test of rolling_12m against rolling_12m_previous, two-sided, at the configured level (default 95%).
- rate_per_1000: rolling_12m per 1,000 residents, using the ONS mid-year population of the quarter's year, or the latest earlier year available (population_year says which).
- rag: red = significant deterioration, green = significant improvement, amber = no significant change (settings).
- district_rank: rank of the rate among the 14 districts and unitaries, 1 = highest rate.
- Areas: districts count rows attributed through their LSOA (road casualties: local_authority_ons_district); E10000017 (Lancashire-12) sums its 12 districts; E23000003 (Lancashire-14, the police force area) counts every row the force reported, including "No Location" and out-of-county rows.
- Coverage: the quarter is the latest complete for at least half of the indicators; indicators whose source has not been published that far yet (typically STATS19, published annually) are absent from this file.
- Crime and ASB: data.police.uk street-level data (ASB is not crime and is excluded from all crime). Road casualties: DfT STATS19; adjusted KSI = fatal + sum of adjusted serious probabilities.
"""


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
           catalogue as (select count(distinct indicator_id) as indicators from marts.mart_scorecard_quarterly)
           select financial_year, fy_quarter from per_quarter, catalogue
           order by (2 * per_quarter.indicators >= catalogue.indicators) desc, financial_year desc, fy_quarter desc
           limit 1"""
    ).fetchone()
    return (row[0], int(row[1])) if row else None


def scorecard_file_name(financial_year: str, quarter: int) -> str:
    return f"scorecard_{financial_year.replace('/', '-')}_Q{quarter}.csv"


COUNT_COLUMNS = ("value", "value_same_quarter_last_year", "rolling_12m", "rolling_12m_previous")
ROUNDED_COLUMNS = {"pct_change": 2, "rate_per_1000": 3}


def _published_columns(con: duckdb.DuckDBPyConnection) -> str:
    """The mart's columns, with counts written as whole numbers where they are whole (adjusted KSI is
    not) and percentages and rates rounded for reading; the mart keeps full precision."""
    names = [r[0] for r in con.execute(
        """select column_name from information_schema.columns
           where table_schema = 'marts' and table_name = 'mart_scorecard_quarterly' order by ordinal_position"""
    ).fetchall()]
    out = []
    for name in names:
        if name in COUNT_COLUMNS:
            out.append(f"case when {name} = trunc({name}) then cast(cast({name} as bigint) as varchar) "
                       f"else cast(round({name}, 2) as varchar) end as {name}")
        elif name in ROUNDED_COLUMNS:
            out.append(f"round({name}, {ROUNDED_COLUMNS[name]}) as {name}")
        else:
            out.append(name)
    return ", ".join(out)


def write_scorecard_csv(con: duckdb.DuckDBPyConnection, financial_year: str, quarter: int, target: Path) -> int:
    """Write one quarter of the scorecard (atomically: a reader never sees half a file); returns its rows."""
    if not re.fullmatch(r"[0-9]{4}/[0-9]{2}", financial_year) or quarter not in (1, 2, 3, 4):
        raise ValueError(f"not a financial-year quarter: {financial_year} Q{quarter}")
    tmp = target.with_suffix(".csv.tmp")
    path = str(tmp).replace("'", "''")
    con.execute(
        f"""copy (select {_published_columns(con)} from marts.mart_scorecard_quarterly
                  where financial_year = '{financial_year}' and fy_quarter = {quarter}
                  order by indicator_id, area_code)
            to '{path}' (header, delimiter ',')"""
    )
    tmp.replace(target)
    target.with_suffix(".notes.txt").write_text(NOTES, encoding="utf-8")
    return con.execute(
        "select count(*) from marts.mart_scorecard_quarterly where financial_year = ? and fy_quarter = ?",
        [financial_year, quarter],
    ).fetchone()[0]
