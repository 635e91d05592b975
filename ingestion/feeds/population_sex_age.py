"""ONS mid-year population estimates by sex and single year of age, per local authority district.

Contract (README "population_sex_age"), after the ONS MYE long format: ``ladcode, laname, sex,
age, population, year`` (one row per district, sex, single year of age and mid-year; ``sex`` 1 =
male, 2 = female as ONS codes it; age 90 means 90 and over). Header names are found
case-insensitively; ``ladcodeYY`` / ``lanameYY`` (the ONS vintage suffix) are accepted. The
all-ages ``population`` feed stays the source of the all-residents population: this feed is only
for the population groups of indicators that need one (adult females, residents aged 15-25).
Partition: the mid-year(s) in the file, as for ``population``.
"""

from __future__ import annotations

import re

import polars as pl

from ingestion.errors import FileRejected
from ingestion.landing import LandedUnit
from ingestion.partitions import years_present
from ingestion.feed_contract import Feed, Prepared
from schemas.population_sex_age import SCHEMA, SEX_CODES
from schemas.population import FIRST_YEAR, LAST_YEAR

PATTERNS = {
    "area_code": r"ladcode([0-9]{2})?|lad[0-9]{2}cd|areacode",
    "area_name": r"laname([0-9]{2})?|lad[0-9]{2}nm|areaname",
    "sex": r"sex",
    "age": r"age",
    "population": r"population",
    "year": r"year|midyear",
}
REQUIRED = ("area_code", "sex", "age", "population", "year")
COLUMNS = {
    "year": "INTEGER",
    "area_code": "VARCHAR",
    "area_name": "VARCHAR",
    "sex": "VARCHAR",  # male | female
    "age": "INTEGER",  # 0..90 (90 = 90 and over)
    "population": "BIGINT",
}


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def prepare(text: pl.DataFrame, unit: LandedUnit) -> Prepared:
    found: dict[str, str] = {}
    for target, pattern in PATTERNS.items():
        match = next((c for c in text.columns if re.fullmatch(pattern, _squash(c))), None)
        if match is not None:
            found[target] = match
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise FileRejected(
            "missing columns: " + ", ".join(missing) + " (expected ladcode, laname, sex, age, population, year; "
            f"found: {', '.join(text.columns[:8])})"
        )
    frame = text.select(
        [(pl.col(found[c]) if c in found else pl.lit(None, dtype=pl.Utf8)).alias(c) for c in PATTERNS]
    )
    key = years_present(frame, pl.col("year"), FIRST_YEAR, LAST_YEAR)
    if key is None:
        raise FileRejected(f"cannot tell the mid-year: no row has a year between {FIRST_YEAR} and {LAST_YEAR}")
    return Prepared(frame=frame, partition_key=key)


def to_raw(valid: pl.DataFrame) -> pl.DataFrame:
    return valid.select(
        pl.col("year").cast(pl.Int32),
        "area_code",
        "area_name",
        pl.col("sex").str.to_lowercase().replace_strict(SEX_CODES, default=None, return_dtype=pl.Utf8),
        pl.col("age").cast(pl.Int32),
        pl.col("population").str.replace_all(",", "").cast(pl.Int64),
        *[c for c in valid.columns if c == "_row"],
    )


FEED = Feed(
    name="population_sex_age",
    description="ONS mid-year population estimates by sex and single year of age (local authority districts)",
    raw_table="raw.population_sex_age",
    columns=COLUMNS,
    schema=SCHEMA,
    prepare=prepare,
    to_raw=to_raw,
    signature=frozenset({"ladcode", "sex", "age", "population"}),
    partitions="mid-year (YYYY, or YYYY..YYYY for a multi-year file)",
)
