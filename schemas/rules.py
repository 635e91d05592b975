"""Reusable row rules, each a named Pandera check built from Polars expressions (vectorised).

Checks ignore missing values unless they are about presence: whether a column may be empty is
its own rule (``required``), so that a row's failures say exactly what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandera.polars as pa
import polars as pl
from pandera.backends.polars.checks import PolarsCheckBackend

# Great Britain's bounding box (WGS84), generous at the edges: Scilly to Shetland, Ireland excluded.
GB_LONGITUDE = (-8.75, 1.85)
GB_LATITUDE = (49.8, 60.95)
LSOA_PATTERN = r"^[EW]01[0-9]{6}$"
LAD_PATTERN = r"^[EWSN][0-9]{8}$"
# Community Safety Partnerships (England E22, Wales W14) and police force areas (England E23,
# Wales W15), as the ONS LAD -> CSP -> PFA lookups code them; Scotland and Northern Ireland have neither.
CSP_PATTERN = r"^(E22|W14)[0-9]{6}$"
PFA_PATTERN = r"^(E23|W15)[0-9]{6}$"
# A number as a spreadsheet shows it in scientific notation ("2.02401E+12", "2024E10"): an identifier
# mangled this way has lost digits and can never be trusted again. Exponents have at most 3 digits.
SCIENTIFIC_NOTATION = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]{1,3}$"
# A non-negative whole number, optionally with thousands separators ("1944" or "1,944").
WHOLE_NUMBER = r"^([0-9]+|[0-9]{1,3}(,[0-9]{3})+)$"


def _named(check_fn, name: str, error: str) -> pa.Check:
    # Pandera reports a check by its `error` when one is set, so the explanation goes in the
    # description and the failure cases carry the rule's name (what meta.quarantine.check_name holds).
    return pa.Check(check_fn, name=name, description=error)


def _expr_check(expr_fn, name: str, error: str, ignore_na: bool = True, missing: Iterable[str] = ()) -> pa.Check:
    """A per-value rule. ``missing``: published "no value" markers (e.g. ``-1``) that pass like an empty value."""
    markers = pl.Series(sorted(set(missing)), dtype=pl.Utf8)

    def check(data: pa.PolarsData) -> pl.LazyFrame:
        col = pl.col(data.key)
        ok = expr_fn(col).fill_null(False)
        if markers.len():
            ok = ok | col.is_in(markers.implode()).fill_null(False)
        if ignore_na:  # an empty value passes: whether it may be empty is the `required` rule's business
            return data.lazyframe.select(pl.when(col.is_null()).then(True).otherwise(ok))
        return data.lazyframe.select(ok)

    return _named(check, name, error)


def required(name: str = "required") -> pa.Check:
    return _expr_check(lambda c: c.is_not_null(), name, "a value is required", ignore_na=False)


def matches(pattern: str, name: str, error: str, missing: Iterable[str] = ()) -> pa.Check:
    return _expr_check(lambda c: c.str.contains(pattern), name, error, missing=missing)


def identifier(pattern: str, name: str, error: str) -> pa.Check:
    """An identifier that matches ``pattern`` and is not a number in scientific notation."""
    return _expr_check(lambda c: c.str.contains(pattern) & ~c.str.contains(SCIENTIFIC_NOTATION), name, error)


def code_in(codes: Iterable[int], name: str = "code_known", error: str | None = None) -> pa.Check:
    """A published integer code (compared as a number, so ``01`` is code 1) from a closed list."""
    allowed = pl.Series(sorted(set(codes)), dtype=pl.Int64)
    message = error or f"must be one of the published codes {', '.join(str(c) for c in allowed)}"
    return _expr_check(
        lambda c: c.str.contains(r"^-?[0-9]+$") & c.cast(pl.Int64, strict=False).is_in(allowed.implode()), name, message
    )


def whole_number(name: str, error: str = "must be a non-negative whole number (thousands separators allowed)"
                 ) -> pa.Check:
    return matches(WHOLE_NUMBER, name, error)


def one_of(values: Iterable[str], name: str, error: str) -> pa.Check:
    allowed = pl.Series(sorted(set(values)), dtype=pl.Utf8)
    return _expr_check(lambda c: c.is_in(allowed.implode()), name, error)


def integer(name: str = "integer", lo: int | None = None, hi: int | None = None, separators: bool = True
            ) -> pa.Check:
    """A whole number within bounds; ``separators=False`` refuses thousands separators ("1,591")."""

    def expr(c: pl.Expr) -> pl.Expr:
        v = (c.str.replace_all(",", "") if separators else c).cast(pl.Int64, strict=False)
        ok = v.is_not_null()
        if lo is not None:
            ok = ok & (v >= lo)
        if hi is not None:
            ok = ok & (v <= hi)
        return ok

    bounds = f" between {lo} and {hi}" if lo is not None and hi is not None else ""
    return _expr_check(expr, name, f"must be a whole number{bounds}")


def number(name: str, lo: float | None = None, hi: float | None = None, missing: Iterable[str] = ()) -> pa.Check:
    def expr(c: pl.Expr) -> pl.Expr:
        v = c.cast(pl.Float64, strict=False)
        ok = v.is_not_null() & v.is_finite()
        if lo is not None:
            ok = ok & (v >= lo)
        if hi is not None:
            ok = ok & (v <= hi)
        return ok

    return _expr_check(expr, name, f"must be a number between {lo} and {hi}", missing=missing)


def parse_date(c: pl.Expr, fmts: str | Sequence[str]) -> pl.Expr:
    """The date in the first of ``fmts`` that parses (null when none does)."""
    fmts = (fmts,) if isinstance(fmts, str) else tuple(fmts)
    return pl.coalesce([c.str.strptime(pl.Date, f, strict=False) for f in fmts])


def date(fmt: str | Sequence[str], name: str = "date_parseable") -> pa.Check:
    shown = fmt if isinstance(fmt, str) else " or ".join(fmt)
    return _expr_check(lambda c: parse_date(c, fmt).is_not_null(), name, f"must be a date in the form {shown}")


def column_check(expr: pl.Expr, name: str, error: str, ignore_na: bool = True) -> pa.Check:
    """A check on one column whose rule needs other columns of the row (the expression says how).

    As every rule here, it passes an empty value of its own column unless ``ignore_na`` is False
    (presence rules, and rules about a pair of columns where one alone is the failure).
    """

    def check(data: pa.PolarsData) -> pl.LazyFrame:
        if ignore_na:
            return data.lazyframe.select(pl.when(pl.col(data.key).is_null()).then(True).otherwise(expr.fill_null(False)))
        return data.lazyframe.select(expr.fill_null(False))

    return _named(check, name, error)


def coordinates_in_gb(lon: str, lat: str, missing: Iterable[str] = ()) -> pa.Check:
    """Both coordinates empty (no location), or both numbers inside Great Britain.

    ``missing``: published "no location" markers (e.g. ``-1``) that count as empty when both carry one.
    """
    x = pl.col(lon).cast(pl.Float64, strict=False)
    y = pl.col(lat).cast(pl.Float64, strict=False)
    markers = pl.Series(sorted(set(missing)), dtype=pl.Utf8).implode()
    x_empty = pl.col(lon).is_null() | pl.col(lon).is_in(markers)
    y_empty = pl.col(lat).is_null() | pl.col(lat).is_in(markers)
    both_empty = x_empty & y_empty
    inside = (x.is_between(*GB_LONGITUDE) & y.is_between(*GB_LATITUDE)).fill_null(False)
    return column_check(both_empty | inside, "coordinates_in_great_britain",
                        "longitude/latitude must both be empty or lie inside Great Britain", ignore_na=False)


def text_column(*checks: pa.Check, required_: bool = False) -> pa.Column:
    all_checks = ([required()] if required_ else []) + list(checks)
    return pa.Column(pl.Utf8, nullable=True, checks=all_checks)


class _CheckReportingColumn(pa.Check):
    """A check whose failure case is the value of another column of the failing row.

    Pandera reports a failing row by the checked column's value; a rule about how rows relate
    (an LSOA mapped to two districts) is better explained by what the row conflicts with, which
    the feed's ``prepare`` computes into a helper column.
    """

    failure_case_column: str = ""


class _ReportingColumnBackend(PolarsCheckBackend):
    def postprocess(self, check_obj: pa.PolarsData, check_output):
        # The failure cases are the checked column's values at the failing rows: show the helper's.
        source = pl.col(self.check.failure_case_column).cast(pl.Utf8)
        swapped = pa.PolarsData(check_obj.lazyframe.with_columns(source.alias(check_obj.key)), check_obj.key)
        return super().postprocess(swapped, check_output)


_CheckReportingColumn.register_backend(pl.LazyFrame, _ReportingColumnBackend)


def column_check_reporting(expr: pl.Expr, failure_case_column: str, name: str, error: str,
                           ignore_na: bool = True) -> pa.Check:
    """As :func:`column_check`, but the quarantine's ``failure_case`` is ``failure_case_column``'s value."""
    plain = column_check(expr, name, error, ignore_na=ignore_na)
    check = _CheckReportingColumn(plain._check_fn, name=name, description=error)
    check.failure_case_column = failure_case_column
    return check
