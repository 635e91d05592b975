"""What the three STATS19 feeds (DfT road safety open data) share: reading the header, the
partition, and turning validated text into the raw columns.

Headers are matched by name, never by position, after normalising them to lower case with every
run of non-alphanumerics as ``_``: the 2005-2015 files' ``Accident_Index``, ``Police_Force``,
``Local_Authority_(Highway)`` or ``Engine_Capacity_(CC)`` read as ``accident_index``,
``police_force``, ``local_authority_highway`` and ``engine_capacity_cc``. The names used before
DfT's "collision" renaming (``accident_index``, ``accident_year``, ``accident_reference``,
``accident_severity``, ``lsoa_of_accident_location``) read as their current names; where a file
has both (the 2024 collision file still has ``lsoa_of_accident_location``), the current name wins.

Partition: the data year(s) of the file, ``YYYY`` or ``YYYY..YYYY`` for a multi-year file, from
``collision_year`` (or the first four characters of ``collision_index`` where a row has no year).
The provisional mid-year file simply carries its year, so the later final file for that year
supersedes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import polars as pl

from ingestion.errors import FileRejected
from ingestion.partitions import years_present
from ingestion.feed_contract import Feed, Prepared
from schemas.rules import SCIENTIFIC_NOTATION, parse_date
from schemas import stats19 as stats19_rules
from schemas.stats19 import DATE_FORMATS

# Older names -> current names (after normalisation).
RENAMES = {
    "accident_index": "collision_index",
    "accident_year": "collision_year",
    "accident_reference": "collision_ref_no",
    "accident_ref_no": "collision_ref_no",
    "collision_reference": "collision_ref_no",
    "accident_severity": "collision_severity",
    "lsoa_of_accident_location": "lsoa_of_collision_location",
    "enhanced_collision_severity": "enhanced_severity_collision",
    "casualty_adjusted_serious": "casualty_adjusted_severity_serious",
    "casualty_adjusted_slight": "casualty_adjusted_severity_slight",
}
_OLDER = {"collision_index": "accident_index", "collision_severity": "accident_severity"}  # for messages

# The columns that only one table has, to say "this header is another STATS19 table's".
TABLE_MARKERS = {
    "stats19_collision": ("police_force", "collision_severity", "date"),
    "stats19_vehicle": ("vehicle_reference", "vehicle_type"),
    "stats19_casualty": ("casualty_reference", "casualty_severity", "casualty_type"),
}

FIRST_YEAR, LAST_YEAR = 1979, 2100  # STATS19 open data starts in 1979
MISSING = stats19_rules.MISSING[0]  # DfT's "data missing or out of range"
# Raw text columns that are null when DfT writes -1 (or nothing).
NULL_WHEN_MISSING = frozenset({"local_authority_ons_district", "lsoa_of_collision_location", "lsoa_of_casualty"})


@dataclass(frozen=True)
class Table:
    """One STATS19 table: its feed name, raw column <- (normalised) header name, required headers."""

    feed: str
    header: Mapping[str, str]
    required: tuple[str, ...]


def normalise(name: str) -> str:
    """``Local_Authority_(District)`` -> ``local_authority_district``."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def published_names(columns: Iterable[str]) -> dict[str, str]:
    """Current STATS19 name -> the column as published (the first one, if a name repeats)."""
    exact: dict[str, str] = {}
    renamed: dict[str, str] = {}
    for col in columns:
        name = normalise(col)
        exact.setdefault(name, col)
        if name in RENAMES:
            renamed.setdefault(RENAMES[name], col)
    return {**renamed, **exact}  # a current name beats an older one


def _shown(name: str) -> str:
    return f"{name} (or {_OLDER[name]})" if name in _OLDER else name


def _missing_reason(missing: list[str], names: Mapping[str, str], table: Table, columns: list[str]) -> str:
    reason = "missing required columns: " + ", ".join(_shown(m) for m in missing)
    reason += f" (found: {', '.join(columns[:8])}{'...' if len(columns) > 8 else ''})"
    other = next((feed for feed, markers in TABLE_MARKERS.items()
                  if feed != table.feed and all(m in names for m in markers)), None)
    if other:
        reason += f"; the header is a {other} file's: land it in landing/{other}/"
    return reason


def data_year() -> pl.Expr:
    """The row's data year as text: collision_year, else the first four characters of the index."""
    return pl.coalesce(pl.col("collision_year"), pl.col("collision_index").str.slice(0, 4))


def partition_key(frame: pl.DataFrame) -> str:
    """``YYYY`` or ``YYYY..YYYY``: the years present in the file.

    A row counts by its collision_year, or by its index where it has no year and the index is well
    formed (a mangled index such as ``2000E5`` says nothing about the year); rows without either
    are ignored here (they are quarantined by the row rules).
    """
    index = pl.col("collision_index")
    good_index = index.str.contains(stats19_rules.COLLISION_INDEX_PATTERN) & ~index.str.contains(SCIENTIFIC_NOTATION)
    year = pl.coalesce(pl.col("collision_year"), pl.when(good_index).then(index.str.slice(0, 4)))
    key = years_present(frame, year, FIRST_YEAR, LAST_YEAR)
    if key is None:
        raise FileRejected(
            "cannot tell the data year: no row has a collision_year or a collision_index starting with a year "
            f"between {FIRST_YEAR} and {LAST_YEAR}"
        )
    return key


def prepare(text: pl.DataFrame, table: Table) -> Prepared:
    """Header by name -> the table's canonical text columns (absent ones empty), in file order."""
    names = published_names(text.columns)
    missing = [c for c in table.required if c not in names]
    if missing:
        raise FileRejected(_missing_reason(missing, names, table, text.columns))
    frame = text.select(
        [
            (pl.col(names[src]) if src in names else pl.lit(None, dtype=pl.Utf8)).alias(dst)
            for dst, src in table.header.items()
        ]
    )
    return Prepared(frame=frame, partition_key=partition_key(frame))


def _raw_expr(name: str, dtype: str) -> pl.Expr:
    col = pl.col(name)
    if name == "collision_year":
        return data_year().cast(pl.Int32).alias(name)
    if name in NULL_WHEN_MISSING:
        return pl.when(col == MISSING).then(None).otherwise(col).alias(name)
    if name in ("longitude", "latitude"):
        no_location = pl.all_horizontal(
            [(pl.col(c).is_null() | (pl.col(c) == MISSING)) for c in ("longitude", "latitude")]
        )
        return pl.when(no_location).then(None).otherwise(col.cast(pl.Float64)).alias(name)
    if name == "collision_date":
        return parse_date(col, DATE_FORMATS).alias(name)
    if name == "collision_time":
        return col.str.zfill(5).alias(name)  # 9:05 -> 09:05
    if dtype == "INTEGER":
        return col.cast(pl.Int32)
    if dtype == "DOUBLE":  # the adjusted severities: -1 means not published
        return pl.when(col == MISSING).then(None).otherwise(col).cast(pl.Float64).alias(name)
    return col


def to_raw(valid: pl.DataFrame, columns: Mapping[str, str]) -> pl.DataFrame:
    """Valid canonical text -> the raw columns (``_row`` kept when given, for the loader's source_row)."""
    keep = ["_row"] if "_row" in valid.columns else []
    return valid.select(*keep, *[_raw_expr(name, dtype) for name, dtype in columns.items()])


def feed(table: Table, columns: Mapping[str, str], schema, description: str, signature: Iterable[str]) -> Feed:
    """The registry entry of one STATS19 table: the three tables differ only in these arguments."""

    def prepare_unit(text: pl.DataFrame, unit) -> Prepared:
        return prepare(text, table)

    def to_raw_rows(valid: pl.DataFrame) -> pl.DataFrame:
        return to_raw(valid, columns)

    return Feed(
        name=table.feed,
        description=description,
        raw_table=f"raw.{table.feed}",
        columns=columns,
        schema=schema,
        prepare=prepare_unit,
        to_raw=to_raw_rows,
        signature=frozenset(signature),
        partitions="data year (YYYY, or YYYY..YYYY for a multi-year file)",
    )
