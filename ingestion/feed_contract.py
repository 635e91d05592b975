"""The feed contract: what a feed module hands the generic loader (:class:`Feed`) and what its
``prepare`` step returns (:class:`Prepared`).

It lives apart from the registry so that the feed modules depend on the contract only, and the
registry (the list of feeds) depends on the feed modules: one direction, no loop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    import pandera.polars as pa

    from ingestion.csv_reader import CsvText
    from ingestion.landing import LandedUnit


@dataclass(frozen=True)
class Prepared:
    """A unit read as its feed: canonical text columns in file order, and where it belongs."""

    frame: pl.DataFrame  # canonical column names, all text (helper columns start with "_")
    partition_key: str
    scope: str = ""
    # The file's own columns as they may be stored (the quarantine's raw_record): set by feeds that
    # pseudonymise identifiers, so no raw reference is ever written. None: the text as read.
    source_text: pl.DataFrame | None = None


@dataclass(frozen=True)
class Feed:
    """Everything the generic loader needs to know about one feed."""

    name: str
    description: str
    raw_table: str
    columns: Mapping[str, str]  # raw column -> DuckDB type, provenance columns excluded
    schema: "pa.DataFrameSchema"  # the row contract, checked on the canonical text columns
    prepare: Callable[[pl.DataFrame, "LandedUnit"], Prepared]  # header -> canonical text; may reject
    to_raw: Callable[[pl.DataFrame], pl.DataFrame]  # valid canonical text rows -> typed raw columns
    signature: frozenset[str]  # lower-case header names that identify this feed's files
    partitions: str  # what a partition is, for people: "month", "year", ...
    accepts: tuple[str, ...] = (".csv", ".csv.gz")
    expand_zip: bool = False
    partition_hint: Callable[["LandedUnit"], str | None] | None = None  # cheap partition from the name
    # Restricted (personal) data: nothing from a row is written in clear outside the landing folder;
    # reasons never quote values, the quarantine keeps contract columns only (references hashed).
    restricted: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    # How the unit's bytes become text rows (None: the CSV reader). A feed whose partners send
    # another format (GeoJSON boundaries) reads it into the same rows-of-text shape, so validation,
    # quarantine and accounting stay the loader's one path; ``file_kind`` names the format in reasons.
    reader: Callable[[bytes], "CsvText"] | None = None
    file_kind: str = "CSV"

    @property
    def dagster_partitions_name(self) -> str:
        return f"{self.name}_partitions"
