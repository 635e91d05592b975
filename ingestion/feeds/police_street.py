"""data.police.uk street-level crime and anti-social behaviour, any force.

Accepted: ``YYYY-MM-<force>-street.csv``, the same gzipped, and the monthly archive ``.zip``
(its ``YYYY-MM/YYYY-MM-<force>-street.csv`` members; outcomes and stop-and-search are ignored).
The month and the force come from the file name; a row whose Month disagrees is quarantined.
Partition: the month; a resubmitted month for the same force replaces the earlier file.
The header is found by name, not position: older files (2010-11) without Crime ID, coordinates
or LSOA still load, with those columns empty.
"""

from __future__ import annotations

import re

import polars as pl

from ingestion.errors import FileRejected
from ingestion.landing import LandedUnit
from ingestion.feed_contract import Feed, Prepared
from schemas.police_street import SCHEMA

FILE_NAME = re.compile(r"([0-9]{4}-(?:0[1-9]|1[0-2]))-([a-z0-9-]+)-street\.csv", re.IGNORECASE | re.ASCII)

HEADER = {
    "crime id": "crime_id",
    "month": "month",
    "reported by": "reported_by",
    "falls within": "falls_within",
    "longitude": "longitude",
    "latitude": "latitude",
    "location": "location",
    "lsoa code": "lsoa_code",
    "lsoa name": "lsoa_name",
    "crime type": "crime_type",
    "last outcome category": "last_outcome_category",
    "context": "context",
}
REQUIRED = {"month": "Month", "crime type": "Crime type", "falls within": "Falls within"}  # as published

COLUMNS = {
    "crime_id": "VARCHAR",
    "month": "DATE",
    "reported_by": "VARCHAR",
    "falls_within": "VARCHAR",
    "longitude": "DOUBLE",
    "latitude": "DOUBLE",
    "location": "VARCHAR",
    "lsoa_code": "VARCHAR",
    "lsoa_name": "VARCHAR",
    "crime_type": "VARCHAR",
    "last_outcome_category": "VARCHAR",
    "context": "VARCHAR",
    "force": "VARCHAR",
}


def parse_file_name(name: str) -> tuple[str, str]:
    """(month, force) from ``YYYY-MM-<force>-street.csv``; rejects any other name."""
    match = FILE_NAME.fullmatch(name)
    if not match:
        raise FileRejected(
            f"file name {name!r} is not YYYY-MM-<force>-street.csv: the month and force are taken from the name"
        )
    return match.group(1), match.group(2).lower()


def partition_hint(unit: LandedUnit) -> str | None:
    try:
        return parse_file_name(unit.logical_name)[0]
    except FileRejected:
        return None


def prepare(text: pl.DataFrame, unit: LandedUnit) -> Prepared:
    month, force = parse_file_name(unit.logical_name)
    by_lower = {c.lower(): c for c in text.columns}
    missing = [c for c in REQUIRED if c not in by_lower]
    if missing:
        raise FileRejected(
            "missing required columns: " + ", ".join(REQUIRED[m] for m in missing)
            + f" (found: {', '.join(text.columns[:8])}{'...' if text.width > 8 else ''})"
        )
    frame = text.select(
        [
            (pl.col(by_lower[src]) if src in by_lower else pl.lit(None, dtype=pl.Utf8)).alias(dst)
            for src, dst in HEADER.items()
        ]
    ).with_columns(pl.lit(force).alias("force"), pl.lit(month).alias("_file_month"))
    return Prepared(frame=frame, partition_key=month, scope=force)


def to_raw(valid: pl.DataFrame) -> pl.DataFrame:
    return valid.with_columns(
        (pl.col("month") + "-01").str.to_date("%Y-%m-%d"),
        pl.col("longitude").cast(pl.Float64),
        pl.col("latitude").cast(pl.Float64),
    )


FEED = Feed(
    name="police_street",
    description="data.police.uk street-level crime and ASB (any force)",
    raw_table="raw.police_street",
    columns=COLUMNS,
    schema=SCHEMA,
    prepare=prepare,
    to_raw=to_raw,
    signature=frozenset({"crime id", "month", "falls within", "crime type"}),
    partitions="month (per force)",
    accepts=(".csv", ".csv.gz", ".zip"),
    expand_zip=True,
    partition_hint=partition_hint,
)
