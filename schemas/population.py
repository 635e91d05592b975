"""Row contract of ONS mid-year population estimates (LSOA or local authority district, all ages).

Rules: ``area_code_format`` (an English or Welsh GSS code, E/W + 8 digits: LSOAs E01/W01, districts
E06-E09/W06; Scottish, Northern Irish and UK codes are outside the warehouse), ``population_integer``
(a non-negative whole number; thousands separators such as "1,944" are how ONS publishes them),
``year_in_range`` (1981..2100) and ``required`` (the code, the year, and a population: in the wide
``Mid-YYYY`` layout, at least one year's).

The wide layout's ``Mid-YYYY`` columns arrive as ``population_YYYY`` and each is checked with the
same ``population_integer`` rule, so a bad figure quarantines its row before any unpivoting.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import rules

AREA_CODE_PATTERN = r"^[EW][0-9]{8}$"
FIRST_YEAR, LAST_YEAR = 1981, 2100
WIDE_COLUMN = r"^population_[0-9]{4}$"  # one per Mid-YYYY column of a wide file

_POPULATION = rules.whole_number("population_integer")

SCHEMA = pa.DataFrameSchema(
    name="population",
    columns={
        "year": rules.text_column(
            rules.integer("year_in_range", FIRST_YEAR, LAST_YEAR, separators=False),
            # wide files carry the year in each Mid-YYYY column instead
            rules.column_check(pl.col("year").is_not_null() | pl.col("_wide").is_not_null(), "required",
                               "a value is required", ignore_na=False),
        ),
        "area_code": rules.text_column(
            rules.matches(AREA_CODE_PATTERN, "area_code_format",
                          "area code must be an English or Welsh GSS code (E/W + 8 digits, e.g. E01012607)"),
            required_=True,
        ),
        "area_name": rules.text_column(),
        "population": rules.text_column(
            _POPULATION,
            rules.column_check(pl.col("_has_population").is_not_null(), "required", "a value is required",
                               ignore_na=False),
        ),
        WIDE_COLUMN: pa.Column(pl.Utf8, nullable=True, regex=True, required=False, checks=[_POPULATION]),
        "_wide": pa.Column(pl.Utf8, nullable=True),
        "_has_population": pa.Column(pl.Utf8, nullable=True),
    },
    strict=False,
)
