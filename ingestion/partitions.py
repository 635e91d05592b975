"""Which partition a landed unit belongs to, before it is loaded.

The Dagster ingestion assets are partitioned (months, years, vintages), and the landing sensor
must say which partition a new file fills. Most feeds can tell from the file name; otherwise the
unit is read and prepared (no database writes), which is the same rule the loader applies.
"""

from __future__ import annotations

import polars as pl

from ingestion.csv_reader import read_csv_text
from ingestion.landing import LandedUnit
from ingestion.feed_contract import Feed

UNREADABLE = "unreadable"


def partition_of(feed: Feed, unit: LandedUnit) -> str:
    """The unit's partition key, or ``'unreadable'`` for a file the loader will reject."""
    if feed.partition_hint is not None:
        key = feed.partition_hint(unit)
        if key:
            return key
    try:
        _, data = unit.read()
        text = feed.reader(data).frame if feed.reader is not None else read_csv_text(data)
        return feed.prepare(text, unit).partition_key
    except Exception:  # whatever stops the loader reading it, the loader rejects it, with the reason
        return UNREADABLE


def year_range_key(lo: int, hi: int) -> str:
    """A partition of data years: ``2024``, or ``2014..2020`` for a file that spans several."""
    return str(lo) if lo == hi else f"{lo}..{hi}"


def years_present(frame: pl.DataFrame, year: pl.Expr, first: int, last: int) -> str | None:
    """The year-range partition of the rows whose ``year`` (text) is a four-digit year in
    ``first..last``; None when no row has one. Other rows are left to the row rules."""
    lo, hi = (
        frame.select(year.alias("_year"))
        .filter(pl.col("_year").str.contains(r"^[0-9]{4}$"))
        .select(pl.col("_year").cast(pl.Int32))
        .filter(pl.col("_year").is_between(first, last))
        .select(lo=pl.col("_year").min(), hi=pl.col("_year").max())
        .row(0)
    )
    return None if lo is None else year_range_key(lo, hi)
