"""Row contract of data.police.uk street-level files (crime and anti-social behaviour).

The published quirks are normal data, not failures: ASB rows have no Crime ID and no outcome,
"No Location" rows have no coordinates and no LSOA, Crime IDs repeat, LSOAs can be out of county.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import rules, seeds

# Every crime type police.uk publishes, current and legacy ("Public disorder and weapons", later split
# into Public order and Possession of weapons): the police_crime_types seed, the list dbt counts by.
CRIME_TYPES = seeds.crime_types()

SCHEMA = pa.DataFrameSchema(
    name="police_street",
    columns={
        "crime_id": rules.text_column(),
        "month": rules.text_column(
            rules.matches(r"^[0-9]{4}-(0[1-9]|1[0-2])$", "month_format", "Month must be YYYY-MM"),
            rules.column_check(pl.col("month") == pl.col("_file_month"), "month_matches_file_name",
                               "Month must equal the month in the file name"),
            required_=True,
        ),
        "reported_by": rules.text_column(),
        "falls_within": rules.text_column(),
        "longitude": rules.text_column(rules.coordinates_in_gb("longitude", "latitude")),
        "latitude": rules.text_column(),
        "location": rules.text_column(),
        "lsoa_code": rules.text_column(
            rules.matches(rules.LSOA_PATTERN, "lsoa_code_format", "LSOA code must look like E01012345 or W01001234"),
        ),
        "lsoa_name": rules.text_column(),
        "crime_type": rules.text_column(
            rules.one_of(CRIME_TYPES, "crime_type_known", "Crime type must be one of the police.uk crime types"),
            required_=True,
        ),
        "last_outcome_category": rules.text_column(),
        "context": rules.text_column(),
        "_file_month": pa.Column(pl.Utf8, nullable=True),
    },
    strict=False,
)
