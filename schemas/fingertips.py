"""Row contract of OHID Fingertips indicator exports (the CSV of Fingertips' "Export data" and of its
API ``all_data/csv`` endpoints): one row per indicator, area, sex, age, category and time period.

Rules (``check_name``):

* ``required``: Indicator ID, Area Code, Area Type, Sex, Age and Time period;
* ``indicator_id_integer``: the Fingertips indicator id, a positive whole number;
* ``area_code_format``: a GSS code (a letter E/W/S/N/K and 8 digits: E92000001 England,
  E12 regions, E10 counties, E06/E07 districts and unitaries);
* ``period_parseable``: a time period as Fingertips writes it (``2022``, ``2022/23``, ``2020 - 22``,
  ``2021/22 - 23/24``, ``2023 Q1``, ``2023/24 Q1``, ``2023 Jan``; see
  :mod:`ingestion.fingertips_periods`);
* ``period_not_in_future``: the period starts on or before the run's date;
* ``value_number``, ``ci_number`` (the four confidence limits), ``count_number`` and
  ``denominator_number`` (non-negative): numbers where given;
* ``value_or_note``: a row carries a Value or a Value note (Fingertips suppresses small values and
  says so in the note: an empty Value with a note is a published row, an empty row is not);
* ``ci_order``: lower <= value <= upper, for the 95% and the 99.8% limits, when all three are given
  (and lower <= upper when the value is suppressed);
* ``row_unique_in_file``: one row per indicator, area, sex, age, category type, category and time
  period (the second is quarantined).
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from ingestion import row_rules
from ingestion.fingertips_periods import with_periods
from schemas import rules

AREA_CODE_PATTERN = r"^[EWSNK][0-9]{8}$"
CI_PAIRS = (("lower_ci_95", "upper_ci_95"), ("lower_ci_99_8", "upper_ci_99_8"))
CI_COLUMNS = tuple(c for pair in CI_PAIRS for c in pair)
# The key of a published figure: a later export of the same key replaces the earlier (in staging).
KEY = ("indicator_id", "area_code", "sex", "age", "category_type", "category", "time_period")


def number(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Float64, strict=False)


def _ci_order() -> pl.Expr:
    value = number("value")
    ok = pl.lit(True)
    for lower_col, upper_col in CI_PAIRS:
        lower, upper = number(lower_col), number(upper_col)
        ok = ok & (lower <= value).fill_null(True) & (value <= upper).fill_null(True) & (lower <= upper).fill_null(True)
    return ok


def _key() -> pl.Expr:
    return pl.struct([pl.col(c).fill_null("").str.to_lowercase() for c in KEY]).is_first_distinct()


def _period_check(name: str, error: str, ok) -> pa.Check:
    """A rule on the parsed time period: ``ok(start, grain)`` -> passes (an empty period passes:
    presence is the ``required`` rule's business)."""

    def check(data: pa.PolarsData) -> pl.LazyFrame:
        parsed = with_periods(data.lazyframe.select(pl.col(data.key)), data.key, prefix="_p_")
        verdict = ok(pl.col("_p_start"), pl.col("_p_grain")).fill_null(False)
        return parsed.select(pl.when(pl.col(data.key).is_null()).then(True).otherwise(verdict))

    return pa.Check(check, name=name, description=error)


PERIOD_PARSEABLE = _period_check(
    "period_parseable",
    "time period must be as Fingertips writes it: 2022, 2022/23, 2020 - 22, 2021/22 - 23/24, 2023 Q1, 2023/24 Q1, "
    "2023 Jan",
    lambda start, grain: grain.is_not_null(),
)
# The run's date is read when the check runs (row_rules.today, which tests can move).
PERIOD_NOT_IN_FUTURE = _period_check(
    "period_not_in_future", "the time period starts after the run's date",
    lambda start, grain: grain.is_null() | (start <= pl.lit(row_rules.today())),
)


SCHEMA = pa.DataFrameSchema(
    name="fingertips",
    columns={
        "indicator_id": rules.text_column(
            rules.integer("indicator_id_integer", 1, None, separators=False),
            rules.column_check(_key(), "row_unique_in_file",
                               "the same indicator, area, sex, age, category and period appear on an earlier row"),
            required_=True,
        ),
        "area_code": rules.text_column(
            rules.matches(AREA_CODE_PATTERN, "area_code_format",
                          "area code must be a GSS code (E/W/S/N/K + 8 digits, e.g. E07000123)"),
            required_=True,
        ),
        "area_type": rules.text_column(required_=True),
        "sex": rules.text_column(required_=True),
        "age": rules.text_column(required_=True),
        "time_period": rules.text_column(
            PERIOD_PARSEABLE,
            PERIOD_NOT_IN_FUTURE,
            required_=True,
        ),
        "value": rules.text_column(
            rules.number("value_number"),
            rules.column_check(pl.col("value").is_not_null() | pl.col("value_note").is_not_null(), "value_or_note",
                               "a row needs a Value, or a Value note saying why there is none", ignore_na=False),
            rules.column_check(_ci_order(), "ci_order",
                               "confidence limits must bracket the value: lower <= value <= upper", ignore_na=False),
        ),
        **{c: rules.text_column(rules.number("ci_number")) for c in CI_COLUMNS},
        "count": rules.text_column(rules.number("count_number", lo=0)),
        "denominator": rules.text_column(rules.number("denominator_number", lo=0)),
        "value_note": rules.text_column(),
    },
    strict=False,
)
