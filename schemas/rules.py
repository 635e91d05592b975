"""Reusable row rules, each a named Pandera check built from Polars expressions (vectorised).

Checks ignore missing values unless they are about presence: whether a column may be empty is
its own rule (``required``), so that a row's failures say exactly what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandera.polars as pa
import polars as pl

# Great Britain's bounding box (WGS84), generous at the edges: Scilly to Shetland, Ireland excluded.
GB_LONGITUDE = (-8.75, 1.85)
GB_LATITUDE = (49.8, 60.95)
LSOA_PATTERN = r"^[EW]01\d{6}$"
LAD_PATTERN = r"^[EWSN]\d{8}$"


def _expr_check(expr_fn, name: str, error: str, ignore_na: bool = True) -> pa.Check:
    def check(data: pa.PolarsData) -> pl.LazyFrame:
        col = pl.col(data.key)
        if ignore_na:  # an empty value passes: whether it may be empty is the `required` rule's business
            return data.lazyframe.select(pl.when(col.is_null()).then(True).otherwise(expr_fn(col).fill_null(False)))
        return data.lazyframe.select(expr_fn(col).fill_null(False))

    return pa.Check(check, name=name, error=error)


def required(name: str = "required") -> pa.Check:
    return _expr_check(lambda c: c.is_not_null(), name, "a value is required", ignore_na=False)


def matches(pattern: str, name: str, error: str) -> pa.Check:
    return _expr_check(lambda c: c.str.contains(pattern), name, error)


def one_of(values: Iterable[str], name: str, error: str) -> pa.Check:
    allowed = pl.Series(sorted(set(values)), dtype=pl.Utf8)
    return _expr_check(lambda c: c.is_in(allowed.implode()), name, error)


def integer(name: str = "integer", lo: int | None = None, hi: int | None = None) -> pa.Check:
    def expr(c: pl.Expr) -> pl.Expr:
        v = c.str.replace_all(",", "").cast(pl.Int64, strict=False)
        ok = v.is_not_null()
        if lo is not None:
            ok = ok & (v >= lo)
        if hi is not None:
            ok = ok & (v <= hi)
        return ok

    bounds = f" between {lo} and {hi}" if lo is not None and hi is not None else ""
    return _expr_check(expr, name, f"must be a whole number{bounds}")


def number(name: str, lo: float | None = None, hi: float | None = None) -> pa.Check:
    def expr(c: pl.Expr) -> pl.Expr:
        v = c.cast(pl.Float64, strict=False)
        ok = v.is_not_null() & v.is_finite()
        if lo is not None:
            ok = ok & (v >= lo)
        if hi is not None:
            ok = ok & (v <= hi)
        return ok

    return _expr_check(expr, name, f"must be a number between {lo} and {hi}")


def date(fmt: str, name: str = "date_parseable") -> pa.Check:
    return _expr_check(lambda c: c.str.strptime(pl.Date, fmt, strict=False).is_not_null(), name,
                       f"must be a date in the form {fmt}")


def column_check(expr: pl.Expr, name: str, error: str) -> pa.Check:
    """A check on one column whose rule needs other columns of the row (the expression says how)."""

    def check(data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(expr.fill_null(False))

    return pa.Check(check, name=name, error=error)


def coordinates_in_gb(lon: str, lat: str) -> pa.Check:
    """Both coordinates empty (no location), or both numbers inside Great Britain."""
    x = pl.col(lon).cast(pl.Float64, strict=False)
    y = pl.col(lat).cast(pl.Float64, strict=False)
    both_empty = pl.col(lon).is_null() & pl.col(lat).is_null()
    inside = (x.is_between(*GB_LONGITUDE) & y.is_between(*GB_LATITUDE)).fill_null(False)
    return column_check(both_empty | inside, "coordinates_in_great_britain",
                        "longitude/latitude must both be empty or lie inside Great Britain")


def text_column(*checks: pa.Check, required_: bool = False) -> pa.Column:
    all_checks = ([required()] if required_ else []) + list(checks)
    return pa.Column(pl.Utf8, nullable=True, checks=all_checks)
