"""Rules shared by the restricted extracts' schemas (police crime extract, DA incidents)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import rules

ISO_DATE = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
ISO_DATETIME = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")


def parse_datetime(column: str | pl.Expr) -> pl.Expr:
    """An ISO date-time ("2024-01-05 21:30", seconds and a T separator optional), null otherwise."""
    c = pl.col(column) if isinstance(column, str) else column
    return pl.coalesce([c.str.strptime(pl.Datetime("us"), f, strict=False) for f in DATETIME_FORMATS])


def parse_date(column: str) -> pl.Expr:
    return pl.col(column).str.strptime(pl.Date, "%Y-%m-%d", strict=False)


def iso_date(name: str = "iso_date") -> pa.Check:
    return rules._expr_check(lambda c: c.str.contains(ISO_DATE) & c.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
                             .is_not_null(), name, "must be a date YYYY-MM-DD")


def iso_datetime(name: str = "iso_datetime") -> pa.Check:
    return rules._expr_check(lambda c: c.str.contains(ISO_DATETIME) & parse_datetime(c).is_not_null(), name,
                             "must be a date-time YYYY-MM-DD HH:MM (seconds optional)")


def yes_no(name: str = "flag_y_or_n") -> pa.Column:
    """A Y/N flag: required, Y or N (either case)."""
    return rules.text_column(
        rules.one_of(("Y", "N", "y", "n"), name, "flag must be Y or N"), required_=True,
    )


def reference(column: str, required: bool, unique_in_file: bool) -> pa.Column:
    """A pseudonymised reference: its format was judged before hashing (``_<column>_ok``)."""
    checks = [
        rules.column_check(pl.col(f"_{column}_ok") == "1", f"{column}_format",
                           "reference must be 3-40 letters, digits or / - _ . (not a number in scientific notation)"),
    ]
    if unique_in_file:
        checks.append(rules.column_check(pl.col(column).is_first_distinct(), f"{column}_unique_in_file",
                                         "the same reference appears on an earlier row of the file"))
    return rules.text_column(*checks, required_=required)


def helper(name: str) -> dict[str, pa.Column]:
    return {name: pa.Column(pl.Utf8, nullable=True)}
