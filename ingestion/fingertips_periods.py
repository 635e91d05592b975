"""OHID Fingertips time periods, as Fingertips writes them, to a start date, an end date and a grain.

Vectorised: :func:`with_periods` adds the parsed columns to a (lazy) frame with Polars regexes and
arithmetic, no Python per row, so a whole export is parsed at once. The forms (spaces around the dash and between year and quarter may vary;
``Q`` in either case):

=========================  ======================  ===================================================
written                    grain                   start .. end
=========================  ======================  ===================================================
``2022``                   ``year``                2022-01-01 .. 2022-12-31 (calendar year)
``2022/23``                ``financial_year``      2022-04-01 .. 2023-03-31
``2020 - 22``              ``multi_year``          2020-01-01 .. 2022-12-31 (also ``2020 - 2022``)
``2021/22 - 23/24``        ``multi_financial_year`` 2021-04-01 .. 2024-03-31 (also ``2021/22 - 2023/24``)
``2023 Q1``                ``quarter``             2023-01-01 .. 2023-03-31 (calendar: Q1 = Jan-Mar)
``2023/24 Q1``             ``financial_quarter``   2023-04-01 .. 2023-06-30 (financial: Q1 = Apr-Jun)
``2023 Jan``, ``Jan 2023``  ``month``               2023-01-01 .. 2023-01-31 (full names too)
=========================  ======================  ===================================================

A financial year must be consecutive (``2022/23``, ``1999/00``), a range must end after it starts
and span at most 20 years, and years lie in 1900..2099; anything else gives nulls (the feed's ``period_parseable`` rule then
quarantines the row). Fingertips also writes academic years as ``2022/23``: the export does not
say which, so they are read as financial years (the grain says so).

:func:`format_period` writes the canonical label back (the Hypothesis tests round-trip it).
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

import polars as pl

GRAINS = ("year", "financial_year", "multi_year", "multi_financial_year", "quarter", "financial_quarter", "month")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december")
# A range spans at most this many years (Fingertips pools 2-5): "2020 - 19" is a typo, not 2020-2119.
MAX_RANGE_YEARS = 20
LAST_YEAR = 2099
_MONTH_NUMBER = {**{m: i + 1 for i, m in enumerate(MONTHS)}, **{m: i + 1 for i, m in enumerate(MONTH_NAMES)},
                 "sept": 9}

_Y = r"((?:19|20)[0-9]{2})"
_YY = r"([0-9]{2})"
_YY_OR_YYYY = r"((?:19|20)?[0-9]{2})"
_MONTH = r"([a-z]{3,9})"
PATTERNS = {
    "year": rf"^{_Y}$",
    "financial_year": rf"^{_Y}/{_YY}$",
    "multi_year": rf"^{_Y} ?- ?{_YY_OR_YYYY}$",
    "multi_financial_year": rf"^{_Y}/{_YY} ?- ?{_YY_OR_YYYY}/{_YY}$",
    "quarter": rf"^{_Y} ?q([1-4])$",
    "financial_quarter": rf"^{_Y}/{_YY} ?q([1-4])$",
    "month_after_year": rf"^{_Y} {_MONTH}$",
    "month_before_year": rf"^{_MONTH} {_Y}$",
}


FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)
_TMP = "__fingertips_period_"


def _century_year(first: pl.Expr, written: pl.Expr) -> pl.Expr:
    """The four-digit year of a range end written as ``22`` or ``2022``, at or after ``first``'s century."""
    in_century = first - first % 100 + written
    return (pl.when(written >= 100).then(written)
            .otherwise(in_century + pl.when(in_century < first).then(100).otherwise(0)))


def _consecutive(first: pl.Expr, second_yy: pl.Expr) -> pl.Expr:
    """``2022/23``: the second year is the first plus one (``1999/00`` too)."""
    return second_yy == (first + 1) % 100


def _range_ok(first: pl.Expr, last: pl.Expr) -> pl.Expr:
    return (last > first) & (last - first <= MAX_RANGE_YEARS) & (last <= LAST_YEAR)


def with_periods(frame: FrameT, column: str, prefix: str = "period_") -> FrameT:
    """``frame`` with ``<prefix>start`` (Date), ``<prefix>end`` (Date) and ``<prefix>grain`` (text)
    parsed from the time periods in ``column``: all null where the text is not a Fingertips time
    period (see the module's table).

    Vectorised in stages (each pattern's regex runs once over the column, then plain arithmetic on
    the captured numbers), for a DataFrame or a LazyFrame.
    """
    t = _TMP
    g = {name: pl.col(f"{t}{name}") for name in PATTERNS}

    def part(name: str, i: int) -> pl.Expr:
        return g[name].struct.field(str(i)).cast(pl.Int32, strict=False)

    normalised = pl.col(column).str.strip_chars().str.replace_all(r"\s+", " ").str.to_lowercase()
    frame = frame.with_columns(normalised.alias(f"{t}s"))
    frame = frame.with_columns(
        pl.col(f"{t}s").str.extract_groups(pattern).alias(f"{t}{name}") for name, pattern in PATTERNS.items()
    )
    # Per form: the start as a month index (year * 12 + month - 1) and the length in months; null
    # when the text is not that form (or is that form but not a real period).
    y = part("year", 1)
    fy1, fy2 = part("financial_year", 1), part("financial_year", 2)
    my1 = part("multi_year", 1)
    my2 = _century_year(my1, part("multi_year", 2))
    mf1, mf1b = part("multi_financial_year", 1), part("multi_financial_year", 2)
    mf2 = _century_year(mf1, part("multi_financial_year", 3))
    mf2b = part("multi_financial_year", 4)
    qy, q = part("quarter", 1), part("quarter", 2)
    fq1, fq2, fq = part("financial_quarter", 1), part("financial_quarter", 2), part("financial_quarter", 3)
    m_year = pl.coalesce(part("month_after_year", 1), part("month_before_year", 2))
    m = (pl.coalesce(g["month_after_year"].struct.field("2"), g["month_before_year"].struct.field("1"))
         .replace_strict(_MONTH_NUMBER, default=None, return_dtype=pl.Int32))
    forms = {  # grain: (valid, start month index, months)
        "year": (y.is_not_null(), y * 12, pl.lit(12)),
        "financial_year": (_consecutive(fy1, fy2), fy1 * 12 + 3, pl.lit(12)),
        "multi_year": (_range_ok(my1, my2), my1 * 12, (my2 - my1 + 1) * 12),
        "multi_financial_year": (_consecutive(mf1, mf1b) & _consecutive(mf2, mf2b) & _range_ok(mf1, mf2),
                                 mf1 * 12 + 3, (mf2 - mf1 + 1) * 12),
        "quarter": (q.is_not_null(), qy * 12 + (q - 1) * 3, pl.lit(3)),
        # financial Q1 = April-June of the first year ... Q4 = January-March of the second
        "financial_quarter": (_consecutive(fq1, fq2), fq1 * 12 + 3 + (fq - 1) * 3, pl.lit(3)),
        "month": (m_year.is_not_null() & m.is_not_null(), m_year * 12 + m - 1, pl.lit(1)),
    }
    frame = frame.with_columns(
        pl.coalesce([pl.when(ok.fill_null(False)).then(pl.lit(k)) for k, (ok, _, _) in forms.items()])
        .alias(f"{t}grain"),
        pl.coalesce([pl.when(ok.fill_null(False)).then(i) for ok, i, _ in forms.values()]).alias(f"{t}first"),
        pl.coalesce([pl.when(ok.fill_null(False)).then(n) for ok, _, n in forms.values()]).alias(f"{t}months"),
    )
    first, last = pl.col(f"{t}first"), pl.col(f"{t}first") + pl.col(f"{t}months") - 1
    return frame.with_columns(
        pl.date(first // 12, first % 12 + 1, 1).alias(f"{prefix}start"),
        pl.date(last // 12, last % 12 + 1, 1).dt.month_end().alias(f"{prefix}end"),
        pl.col(f"{t}grain").alias(f"{prefix}grain"),
    ).drop([f"{t}s", *(f"{t}{name}" for name in PATTERNS), f"{t}grain", f"{t}first", f"{t}months"])


def parse_series(periods: pl.Series) -> pl.DataFrame:
    """``period_start``, ``period_end``, ``period_grain`` for each text of ``periods``."""
    frame = pl.DataFrame({"t": periods.cast(pl.Utf8)})
    return with_periods(frame, "t").drop("t")


def parse_period(text: str) -> tuple[dt.date, dt.date, str] | None:
    """One period, for people and tests: ``(start, end, grain)`` or None."""
    row = parse_series(pl.Series([text], dtype=pl.Utf8)).row(0)
    return None if row[2] is None else (row[0], row[1], row[2])


def format_period(start: dt.date, end: dt.date, grain: str) -> str:
    """The canonical Fingertips label of a period (``parse_period(format_period(...))`` gives it back)."""
    if grain == "year":
        return f"{start.year}"
    if grain == "financial_year":
        return f"{start.year}/{(start.year + 1) % 100:02d}"
    if grain == "multi_year":
        return f"{start.year} - {end.year % 100:02d}"
    if grain == "multi_financial_year":
        last = end.year - 1
        return f"{start.year}/{(start.year + 1) % 100:02d} - {last % 100:02d}/{end.year % 100:02d}"
    if grain == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    if grain == "financial_quarter":
        fy = start.year if start.month >= 4 else start.year - 1
        return f"{fy}/{(fy + 1) % 100:02d} Q{((start.month - 4) % 12) // 3 + 1}"
    if grain == "month":
        return f"{start.year} {start.strftime('%b')}"
    raise ValueError(f"unknown grain {grain!r}; known: {', '.join(GRAINS)}")
