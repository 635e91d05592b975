"""OHID Fingertips indicator exports: the CSV that Fingertips' "Export data" and its API give.

Header (found by name: case, spaces and punctuation ignored, so the API's ``IndicatorID`` and
``LowerCI95.0limit`` are the export's ``Indicator ID`` and ``Lower CI 95.0 limit``; any order;
unknown columns ignored)::

    Indicator ID, Indicator Name, Parent Code, Parent Name, Area Code, Area Name, Area Type, Sex, Age,
    Category Type, Category, Time period, Value, Lower CI 95.0 limit, Upper CI 95.0 limit,
    Lower CI 99.8 limit, Upper CI 99.8 limit, Count, Denominator, Value note, Recent Trend,
    Compared to England value or percentiles, Compared to Region value or percentiles,
    Time period Sortable, New data, Compared to goal

Required: Indicator ID, Area Code, Area Type, Sex, Age, Time period and Value (the column; a row
may leave it empty with a Value note, as Fingertips does when it suppresses a figure). The rest
are optional: a file without them loads, their columns empty. Older exports' ``Lower CI limit`` /
``Upper CI limit`` are the 95% limits. A file missing a required column is rejected, naming it.

One file may hold many indicators, areas, sexes, ages, categories and periods. Each time period is
parsed into start, end and grain (:mod:`ingestion.fingertips_periods`); the row rules are in
:mod:`schemas.fingertips`.

Revisions: OHID revises published figures, so a later export of an indicator-area-sex-age-
(category-)period replaces the earlier one, key by key, in staging (``stg_fingertips__indicator_values``
takes each key from the most recently received loaded file that carries it). Files never
supersede each other whole: an export of a few areas must not take away the other areas of an
earlier one. So the partition is the export's indicator ids (``11201``, ``10401+11201``, or
``10401..93203 (12 indicators)``: what the Dagster partitions show) and the scope is the file
itself (``sha256:<first 16 hex digits>``), which no other file shares.
"""

from __future__ import annotations

import hashlib
import re

import polars as pl

from ingestion.errors import FileRejected
from ingestion.fingertips_periods import with_periods
from ingestion.landing import LandedUnit
from ingestion.feed_contract import Feed, Prepared
from schemas.fingertips import CI_COLUMNS, SCHEMA

# Canonical name -> the header names that mean it, squashed (lower case, letters and digits only).
HEADER: dict[str, tuple[str, ...]] = {
    "indicator_id": ("indicatorid",),
    "indicator_name": ("indicatorname",),
    "parent_code": ("parentcode",),
    "parent_name": ("parentname",),
    "area_code": ("areacode",),
    "area_name": ("areaname",),
    "area_type": ("areatype",),
    "sex": ("sex",),
    "age": ("age",),
    "category_type": ("categorytype",),
    "category": ("category",),
    "time_period": ("timeperiod",),
    "value": ("value",),
    "lower_ci_95": ("lowerci950limit", "lowerci95limit", "lowercilimit"),
    "upper_ci_95": ("upperci950limit", "upperci95limit", "uppercilimit"),
    "lower_ci_99_8": ("lowerci998limit",),
    "upper_ci_99_8": ("upperci998limit",),
    "count": ("count",),
    "denominator": ("denominator",),
    "value_note": ("valuenote",),
    "recent_trend": ("recenttrend",),
    "compared_to_england": ("comparedtoenglandvalueorpercentiles",),
    "compared_to_region": ("comparedtoregionvalueorpercentiles",),
    "time_period_sortable": ("timeperiodsortable",),
    "new_data": ("newdata",),
    "compared_to_goal": ("comparedtogoal",),
}
REQUIRED = {
    "indicator_id": "Indicator ID", "area_code": "Area Code", "area_type": "Area Type", "sex": "Sex", "age": "Age",
    "time_period": "Time period", "value": "Value",
}
TEXT_COLUMNS = ("indicator_name", "parent_code", "parent_name", "area_code", "area_name", "area_type", "sex", "age",
                "category_type", "category", "time_period")
TRAILING_COLUMNS = ("value_note", "recent_trend", "compared_to_england", "compared_to_region",
                    "time_period_sortable", "new_data", "compared_to_goal")
COLUMNS = {
    "indicator_id": "INTEGER",
    **{c: "VARCHAR" for c in TEXT_COLUMNS},
    "period_start": "DATE",
    "period_end": "DATE",
    "period_grain": "VARCHAR",  # year, financial_year, multi_year, multi_financial_year, quarter, ...
    "value": "DOUBLE",
    **{c: "DOUBLE" for c in CI_COLUMNS},
    "numerator_count": "DOUBLE",  # Fingertips' "Count" (not always whole: pooled years may average)
    "denominator": "DOUBLE",
    **{c: "VARCHAR" for c in TRAILING_COLUMNS},
}
# More indicators than this in one export: the partition names the range and the number.
MAX_LISTED_INDICATORS = 6


def squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def find_columns(columns: list[str]) -> dict[str, str]:
    """Canonical name -> the file's column, for each canonical column the header has (first match
    by alias preference, then file order)."""
    squashed = [(squash(c), c) for c in columns]
    found: dict[str, str] = {}
    for canonical, aliases in HEADER.items():
        for alias in aliases:
            match = next((c for sq, c in squashed if sq == alias), None)
            if match is not None:
                found[canonical] = match
                break
    return found


def partition_key(ids: list[int]) -> str:
    """``11201``, ``10401+11201``, or ``10401..93203 (12 indicators)`` for a large export."""
    if len(ids) <= MAX_LISTED_INDICATORS:
        return "+".join(str(i) for i in ids)
    return f"{ids[0]}..{ids[-1]} ({len(ids)} indicators)"


def prepare(text: pl.DataFrame, unit: LandedUnit) -> Prepared:
    found = find_columns(text.columns)
    missing = [shown for canonical, shown in REQUIRED.items() if canonical not in found]
    if missing:
        raise FileRejected(
            "missing required Fingertips columns: " + ", ".join(missing)
            + f" (found: {', '.join(text.columns[:8])}{'...' if text.width > 8 else ''})"
        )
    frame = text.select(
        (pl.col(found[c]) if c in found else pl.lit(None, dtype=pl.Utf8)).alias(c) for c in HEADER
    )
    ids = (
        frame.select(pl.col("indicator_id").filter(pl.col("indicator_id").str.contains(r"^[0-9]{1,9}$"))
                     .cast(pl.Int64).unique().sort())
        .get_column("indicator_id").to_list()
    )
    ids = [i for i in ids if i > 0]
    if not ids:
        raise FileRejected("no row has an Indicator ID (a whole number): the indicators are the file's partition")
    return Prepared(frame=frame, partition_key=partition_key(ids), scope=f"sha256:{_identity(text, unit)[:16]}")


def _identity(text: pl.DataFrame, unit: LandedUnit) -> str:
    """The file's SHA-256 (as ``meta.source_files`` records it); for a unit that is not on disk
    (parsed in memory), the hash of its text."""
    try:
        return unit.read()[0]
    except FileRejected:
        return hashlib.sha256(text.write_csv().encode("utf-8")).hexdigest()


def to_raw(valid: pl.DataFrame) -> pl.DataFrame:
    return with_periods(valid, "time_period").select(
        pl.col("indicator_id").cast(pl.Int32),
        *[pl.col(c) for c in TEXT_COLUMNS],
        "period_start",
        "period_end",
        "period_grain",
        pl.col("value").cast(pl.Float64),
        *[pl.col(c).cast(pl.Float64) for c in CI_COLUMNS],
        pl.col("count").cast(pl.Float64).alias("numerator_count"),
        pl.col("denominator").cast(pl.Float64),
        *[pl.col(c) for c in TRAILING_COLUMNS],
        *[c for c in valid.columns if c == "_row"],
    )


FEED = Feed(
    name="fingertips",
    description="OHID Fingertips indicator exports: published values with 95%/99.8% confidence limits, counts "
                "and denominators per indicator, area, sex, age and period",
    raw_table="raw.fingertips",
    columns=COLUMNS,
    schema=SCHEMA,
    prepare=prepare,
    to_raw=to_raw,
    signature=frozenset({"indicator id", "area code", "time period", "value"}),
    partitions="the export's Fingertips indicator ids (each file its own scope: revisions replace key by key)",
)
