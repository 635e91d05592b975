"""Row contract of the quarterly MARAC returns (one row per MARAC area and quarter, as SafeLives
collects them).

Rules: ``required``; ``quarter_format`` (``YYYY/YY Qn``, the financial year and quarter: Q1 =
April-June); ``count_whole_number`` (every count a non-negative whole number);
``repeat_cases_within_cases``; ``referrals_sum_to_cases`` (every case discussed has one referring
agency); ``characteristic_within_cases`` (cases with a BME, disabled, LGBT, male or 16-17 year old
victim cannot exceed the cases discussed); ``area_quarter_unique_in_file``.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import rules

QUARTER_PATTERN = r"^(19|20)[0-9]{2}/[0-9]{2} Q[1-4]$"
REFERRALS = ("referrals_police", "referrals_idva", "referrals_health", "referrals_childrens_services",
             "referrals_other")
CHARACTERISTICS = ("cases_bme", "cases_disabled", "cases_lgbt", "cases_male", "cases_aged_16_17")
COUNTS = ("cases_discussed", "repeat_cases", "children_in_households", *REFERRALS, *CHARACTERISTICS)


def count(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Int64, strict=False)


def _quarter_consistent() -> pl.Expr:
    """The financial year's second half ("2024/25": 25) follows its first (2024)."""
    first = pl.col("quarter").str.slice(2, 2).cast(pl.Int64, strict=False)
    second = pl.col("quarter").str.slice(5, 2).cast(pl.Int64, strict=False)
    return pl.col("quarter").str.contains(QUARTER_PATTERN) & (second == (first + 1) % 100)


_CASES = count("cases_discussed")

SCHEMA = pa.DataFrameSchema(
    name="marac_returns",
    columns={
        "marac_area": rules.text_column(
            rules.column_check(pl.struct("marac_area", "quarter").is_first_distinct(), "area_quarter_unique_in_file",
                               "the same MARAC area and quarter appear on an earlier row of the file"),
            required_=True,
        ),
        "quarter": rules.text_column(
            rules.column_check(_quarter_consistent(), "quarter_format",
                               "quarter must be the financial year and quarter, e.g. 2024/25 Q1"),
            required_=True,
        ),
        "cases_discussed": rules.text_column(
            rules.integer("count_whole_number", 0, None, separators=False),
            rules.column_check(
                pl.sum_horizontal([count(c) for c in REFERRALS]) == _CASES, "referrals_sum_to_cases",
                "referrals by agency must add up to the cases discussed",
            ),
            required_=True,
        ),
        "repeat_cases": rules.text_column(
            rules.integer("count_whole_number", 0, None, separators=False),
            rules.column_check(count("repeat_cases") <= _CASES, "repeat_cases_within_cases",
                               "repeat cases cannot exceed the cases discussed"),
            required_=True,
        ),
        "children_in_households": rules.text_column(
            rules.integer("count_whole_number", 0, None, separators=False), required_=True,
        ),
        **{c: rules.text_column(rules.integer("count_whole_number", 0, None, separators=False), required_=True)
           for c in REFERRALS},
        **{c: rules.text_column(
            rules.integer("count_whole_number", 0, None, separators=False),
            rules.column_check(count(c) <= _CASES, "characteristic_within_cases",
                               "cases with this victim characteristic cannot exceed the cases discussed"),
            required_=True,
        ) for c in CHARACTERISTICS},
    },
    strict=False,
)
