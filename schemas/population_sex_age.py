"""Row contract of ONS mid-year population estimates by sex and single year of age (long format).

Rules: ``required``; ``area_code_format`` (an English or Welsh local authority GSS code);
``sex_known`` (ONS codes 1 = male, 2 = female, or M/F/Male/Female, any case); ``age_in_range``
(0..90; ONS publishes 90 as "90 and over"); ``population_integer``; ``year_in_range``;
``area_sex_age_unique_in_file``.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import rules
from schemas.population import AREA_CODE_PATTERN, FIRST_YEAR, LAST_YEAR

SEX_CODES = {"1": "male", "2": "female", "m": "male", "f": "female", "male": "male", "female": "female"}

SCHEMA = pa.DataFrameSchema(
    name="population_sex_age",
    columns={
        "year": rules.text_column(rules.integer("year_in_range", FIRST_YEAR, LAST_YEAR, separators=False),
                                  required_=True),
        "area_code": rules.text_column(
            rules.matches(AREA_CODE_PATTERN, "area_code_format",
                          "area code must be an English or Welsh GSS code (E/W + 8 digits)"),
            rules.column_check(pl.struct("year", "area_code", "sex", "age").is_first_distinct(),
                               "area_sex_age_unique_in_file",
                               "the same year, area, sex and age appear on an earlier row of the file"),
            required_=True,
        ),
        "area_name": rules.text_column(),
        "sex": rules.text_column(
            rules._expr_check(lambda c: c.str.to_lowercase().is_in(pl.Series(list(SEX_CODES)).implode()),
                              "sex_known", "sex must be 1 (male) or 2 (female), or M/F"),
            required_=True,
        ),
        "age": rules.text_column(rules.integer("age_in_range", 0, 90, separators=False), required_=True),
        "population": rules.text_column(rules.whole_number("population_integer"), required_=True),
    },
    strict=False,
)
