"""ONS mid-year population estimates, all ages and persons, for LSOAs or local authority districts.

Accepted (CSV or gzipped CSV, columns found by header name, case-insensitively; a BOM and quoted
thousands separators such as "1,944" are fine):

* small-area long format: ``Year, LSOA Code, Population`` (one row per LSOA and year);
* single-year small-area: ``LSOA Code, Population``; the mid-year is then taken from the file name
  (the first ``mid2020``, ``mid-2020`` or bare ``2020`` in it), and a name without a year is
  rejected, because the year cannot be guessed;
* district level: a code column (``Code``, ``LAD code``, ``ladcode``, ``LADyyCD``, ``area_code``),
  optionally ``Name`` (or ``Geography`` where there is no name), and either an ``All ages`` /
  ``Population`` column (the year from a ``Year`` column or the file name) or wide ``Mid-YYYY``
  columns, one per year.

A wide row stays one row through validation (each ``Mid-YYYY`` column arrives as
``population_YYYY`` and is checked by the same rule), and :func:`to_raw` unpivots the valid rows
to one raw row per area and year; every raw row keeps the file line it came from.
geography is ``lsoa`` for E01/W01 codes and ``lad`` otherwise; sex and age_band are ``all``.
Partition: the mid-year(s) in the file, ``YYYY`` or ``YYYY..YYYY``; a later file with the same
years supersedes the earlier.
"""

from __future__ import annotations

import re

import polars as pl

from ingestion.errors import FileRejected
from ingestion.landing import LandedUnit
from ingestion.partitions import year_range_key, years_present
from ingestion.feed_contract import Feed, Prepared
from schemas.population import FIRST_YEAR, LAST_YEAR, SCHEMA

# Header names squashed to lower-case letters and digits ("LAD code" -> "ladcode"), in preference order.
CODE_COLUMNS = (r"lsoacode", r"lsoa[0-9][0-9]cd", r"ladcode", r"lad[0-9][0-9]cd", r"areacode", r"geographycode",
                r"code")
NAME_COLUMNS = (r"lsoaname", r"lsoa[0-9][0-9]nm", r"ladname", r"laname", r"lad[0-9][0-9]nm", r"areaname", r"name",
                r"geography")
POPULATION_COLUMNS = (r"population", r"allages")
YEAR_COLUMNS = (r"year",)
WIDE = re.compile(r"^mid([0-9]{4})$")  # Mid-2020, Mid 2020, mid_2020 (squashed)
FILE_YEAR = re.compile(r"(?<![0-9])(?:mid[-_ ]?)?((?:19|20)[0-9][0-9])(?![0-9])", re.IGNORECASE)
LSOA_CODE = r"^[EW]01"

COLUMNS = {
    "year": "INTEGER",
    "area_code": "VARCHAR",
    "area_name": "VARCHAR",
    "geography": "VARCHAR",
    "sex": "VARCHAR",
    "age_band": "VARCHAR",
    "population": "BIGINT",
}


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _find(columns: list[str], patterns: tuple[str, ...]) -> str | None:
    """The first column (by pattern preference, then file order) whose squashed name matches."""
    squashed = [(_squash(c), c) for c in columns]
    for pattern in patterns:
        for sq, col in squashed:
            if re.fullmatch(pattern, sq):
                return col
    return None


def _found(columns: list[str]) -> str:
    return f"(found: {', '.join(columns[:8])}{'...' if len(columns) > 8 else ''})"


def file_year(name: str) -> int | None:
    """The mid-year in a file name: the first ``mid2020`` / ``mid-2020`` / ``2020`` in it."""
    match = FILE_YEAR.search(name)
    return int(match.group(1)) if match else None


def prepare(text: pl.DataFrame, unit: LandedUnit) -> Prepared:
    columns = text.columns
    code = _find(columns, CODE_COLUMNS)
    if code is None:
        raise FileRejected(
            "no area code column: expected LSOA Code, Code, LAD code, ladcode, LADxxCD or area_code "
            + _found(columns)
        )
    name = _find(columns, NAME_COLUMNS)
    population = _find(columns, POPULATION_COLUMNS)
    wide = {int(m.group(1)): c for c in columns if (m := WIDE.fullmatch(_squash(c)))}
    base = [
        pl.col(code).alias("area_code"),
        (pl.col(name) if name else pl.lit(None, dtype=pl.Utf8)).alias("area_name"),
    ]

    if population is not None:
        year_col = _find(columns, YEAR_COLUMNS)
        if year_col is not None:
            year = pl.col(year_col)
        else:
            from_name = file_year(unit.logical_name)
            if from_name is None:
                raise FileRejected(
                    "cannot tell the mid-year: put it in the file name, e.g. lsoa_population_mid2020.csv "
                    "(or add a Year column)"
                )
            year = pl.lit(str(from_name))
        frame = text.select(
            year.alias("year"), *base, pl.col(population).alias("population"),
            pl.lit(None, dtype=pl.Utf8).alias("_wide"),
            pl.col(population).alias("_has_population"),
        )
        key = years_present(frame, pl.col("year"), FIRST_YEAR, LAST_YEAR)
        if key is None:
            raise FileRejected(f"cannot tell the mid-year: no row has a year between {FIRST_YEAR} and {LAST_YEAR}")
        return Prepared(frame=frame, partition_key=key)

    if wide:
        outside = [c for y, c in wide.items() if not FIRST_YEAR <= y <= LAST_YEAR]
        if outside:
            raise FileRejected(f"mid-year columns outside {FIRST_YEAR}..{LAST_YEAR}: {', '.join(outside)}")
        ordered = sorted(wide)
        frame = text.select(
            pl.lit(None, dtype=pl.Utf8).alias("year"), *base, pl.lit(None, dtype=pl.Utf8).alias("population"),
            *[pl.col(wide[y]).alias(f"population_{y}") for y in ordered],
            pl.lit("1").alias("_wide"),
            pl.coalesce([pl.col(wide[y]) for y in ordered]).alias("_has_population"),
        )
        return Prepared(frame=frame, partition_key=year_range_key(ordered[0], ordered[-1]))

    raise FileRejected(
        "no population column: expected Population or All ages, or Mid-YYYY columns " + _found(columns)
    )


def to_raw(valid: pl.DataFrame) -> pl.DataFrame:
    """Valid rows -> raw rows; a wide row becomes one raw row per year that has a figure.

    ``_row`` (the file row, given by the loader) is kept on every output row, so each raw row's
    source_row is the line it came from.
    """
    keep = "_row" in valid.columns
    frame = valid if keep else valid.with_row_index("_row")
    wide = sorted(c for c in frame.columns if re.fullmatch(r"population_[0-9]{4}", c))
    if wide:
        frame = (
            frame.select("_row", "area_code", "area_name", *wide)
            .unpivot(on=wide, index=["_row", "area_code", "area_name"], variable_name="_year", value_name="population")
            .filter(pl.col("population").is_not_null())
            .with_columns(pl.col("_year").str.slice(-4).alias("year"))
            .sort("_row", "year", maintain_order=True)
        )
    out = frame.select(
        "_row",
        pl.col("year").cast(pl.Int32),
        "area_code",
        "area_name",
        pl.when(pl.col("area_code").str.contains(LSOA_CODE)).then(pl.lit("lsoa")).otherwise(pl.lit("lad"))
        .alias("geography"),
        pl.lit("all").alias("sex"),
        pl.lit("all").alias("age_band"),
        pl.col("population").str.replace_all(",", "").cast(pl.Int64),
    )
    return out if keep else out.drop("_row")


FEED = Feed(
    name="population",
    description="ONS mid-year population estimates, all ages (LSOA or local authority district)",
    raw_table="raw.population",
    columns=COLUMNS,
    schema=SCHEMA,
    prepare=prepare,
    to_raw=to_raw,
    signature=frozenset({"lsoa code", "population"}),
    partitions="mid-year (YYYY, or YYYY..YYYY for a multi-year file)",
)
