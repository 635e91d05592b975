"""Row rules that hold for every feed, whatever its schema: one bad row costs one row.

The feed's Pandera schema says what a good row of that feed is; these say what no row of any feed
may be, and each is a named rule with its own quarantine entry:

* ``no_nul_bytes``: a value holding a NUL byte (a binary fragment in a text export);
* ``value_in_type_range``: a whole number too large for the column it is loaded into (a MARAC
  count of 99999999999 would otherwise fail the cast and, with it, the whole file);
* ``month_not_in_future``: a police month, a file's month, a MARAC quarter, a STATS19 year or
  collision date after the run's date (a typo such as 2042-01 would otherwise stretch every
  calendar to that year).

Each returns failures in :data:`ingestion.validation.FAILURE_SCHEMA` (``_row`` is the 0-based row
index), vectorised in Polars. The failing value is named only when it cannot be personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

from ingestion.validation import FAILURE_SCHEMA

INTEGER_RANGES = {
    "TINYINT": (-(2**7), 2**7 - 1),
    "SMALLINT": (-(2**15), 2**15 - 1),
    "INTEGER": (-(2**31), 2**31 - 1),
    "INT": (-(2**31), 2**31 - 1),
    "BIGINT": (-(2**63), 2**63 - 1),
}
# Columns that carry a month (YYYY-MM), a financial quarter (YYYY/YY Qn), a data year (YYYY) or a
# day (dd/mm/yyyy as DfT writes it, or ISO), by canonical name.
MONTH_COLUMNS = ("month", "_file_month")
QUARTER_COLUMNS = ("quarter",)
YEAR_COLUMNS = ("collision_year",)
DAY_COLUMNS = ("date",)


def today() -> dt.date:
    """The run's date (a function, so a test can move the clock)."""
    return dt.datetime.now(dt.timezone.utc).date()


def _failures(frame: pl.DataFrame, bad: pl.Expr, check: str, column: str, case: pl.Expr) -> pl.DataFrame:
    return (
        frame.with_row_index("_row")
        .filter(bad.fill_null(False))
        .select(pl.col("_row").cast(pl.Int64), pl.lit(check).alias("check_name"), pl.lit(column).alias("column_name"),
                case.cast(pl.Utf8).alias("failure_case"))
    )


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=FAILURE_SCHEMA)


def nul_bytes(text: pl.DataFrame) -> pl.DataFrame:
    """Rows with a NUL byte in any value (the column as the file names it)."""
    parts = [
        _failures(text, pl.col(c).str.contains("\x00", literal=True), "no_nul_bytes", c,
                  pl.lit("a NUL (binary zero) byte"))
        for c in text.columns if text.schema[c] == pl.Utf8
    ]
    return pl.concat(parts) if parts else _empty()


def type_ranges(frame: pl.DataFrame, columns: Mapping[str, str]) -> pl.DataFrame:
    """Whole numbers beyond the range of the integer column of the same name in the raw table."""
    parts = []
    for name, dtype in columns.items():
        bounds = INTEGER_RANGES.get(dtype.upper())
        if bounds is None or name not in frame.columns or frame.schema[name] != pl.Utf8:
            continue
        digits = pl.col(name).str.replace_all(",", "").str.strip_chars()
        whole = digits.str.contains(r"^[+-]?[0-9]+$")
        value = digits.cast(pl.Int64, strict=False)
        bad = whole & (value.is_null() | (value < bounds[0]) | (value > bounds[1]))
        parts.append(_failures(frame, bad, "value_in_type_range", name,
                               pl.lit(f"beyond the {dtype.lower()} range {bounds[0]}..{bounds[1]}: ") + digits))
    return pl.concat(parts) if parts else _empty()


def future_periods(frame: pl.DataFrame) -> pl.DataFrame:
    """Months (YYYY-MM) and financial quarters (YYYY/YY Qn) that start after the run's date."""
    now = today()
    this_month = f"{now.year:04d}-{now.month:02d}"
    parts = []
    for name in MONTH_COLUMNS:
        if name in frame.columns and frame.schema[name] == pl.Utf8:
            month = pl.col(name).str.slice(0, 7)
            bad = pl.col(name).str.contains(r"^[0-9]{4}-[0-9]{2}") & (month > this_month)
            parts.append(_failures(frame, bad, "month_not_in_future", name,
                                   pl.lit(f"after the run's month {this_month}: ") + month))
    for name in QUARTER_COLUMNS:
        if name in frame.columns and frame.schema[name] == pl.Utf8:
            year = pl.col(name).str.slice(0, 4).cast(pl.Int32, strict=False)
            q = pl.col(name).str.slice(-1).cast(pl.Int32, strict=False)
            start_year = year + pl.when(q == 4).then(1).otherwise(0)
            start_month = pl.when(q == 4).then(1).otherwise(q * 3 + 1)
            start = start_year.cast(pl.Utf8) + "-" + start_month.cast(pl.Utf8).str.zfill(2)
            bad = pl.col(name).str.contains(r"^[0-9]{4}/[0-9]{2} ?Q[1-4]$") & (start > this_month)
            parts.append(_failures(frame, bad, "month_not_in_future", name,
                                   pl.lit(f"starts after the run's month {this_month}: ") + pl.col(name)))
    for name in YEAR_COLUMNS:
        if name in frame.columns and frame.schema[name] == pl.Utf8:
            bad = pl.col(name).str.contains(r"^[0-9]{4}$") & (pl.col(name) > f"{now.year:04d}")
            parts.append(_failures(frame, bad, "month_not_in_future", name,
                                   pl.lit(f"after the run's year {now.year}: ") + pl.col(name)))
    for name in DAY_COLUMNS:
        if name in frame.columns and frame.schema[name] == pl.Utf8:
            day = pl.coalesce(pl.col(name).str.strptime(pl.Date, "%d/%m/%Y", strict=False),
                              pl.col(name).str.strptime(pl.Date, "%Y-%m-%d", strict=False))
            bad = day.dt.strftime("%Y-%m") > this_month
            parts.append(_failures(frame, bad, "month_not_in_future", name,
                                   pl.lit(f"after the run's month {this_month}: ") + pl.col(name)))
    return pl.concat(parts) if parts else _empty()


def common_failures(text: pl.DataFrame, frame: pl.DataFrame, columns: Mapping[str, str],
                    may_hold_nul: bool = True) -> pl.DataFrame:
    """Every rule above, for one unit: ``text`` as the file names its columns, ``frame`` as prepared.

    ``may_hold_nul=False`` (the file's bytes hold no NUL, a scan in C) skips the NUL rule's pass over
    every column."""
    parts = [type_ranges(frame, columns), future_periods(frame)]
    if may_hold_nul:
        parts.insert(0, nul_bytes(text))
    return pl.concat(parts)
