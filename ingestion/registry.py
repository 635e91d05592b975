"""The feed registry: one entry per feed, so that the loader, the Dagster assets, the sensor and
the tests all iterate the same list instead of branching on feed names.

Each feed module (``ingestion/feeds/<feed>.py``) builds a :class:`Feed` and the registry collects
them; each feed's row contract is a Pandera schema in ``schemas/<feed>.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    import pandera.polars as pa

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

    @property
    def dagster_partitions_name(self) -> str:
        return f"{self.name}_partitions"


def _load() -> dict[str, Feed]:
    from ingestion.feeds import fingertips
    from ingestion.feeds import (
        fire_incidents,
        marac_returns,
        ons_lsoa_lookup,
        police_crime_extract,
        police_da_incidents,
        police_street,
        population,
        population_sex_age,
        residents_survey,
        stats19_casualty,
        stats19_collision,
        stats19_vehicle,
    )

    modules = (
        police_street, police_crime_extract, police_da_incidents, fire_incidents, marac_returns, stats19_collision,
        stats19_vehicle, stats19_casualty, ons_lsoa_lookup, population, population_sex_age,
        residents_survey,
    )
    modules = (*modules, fingertips)
    return {m.FEED.name: m.FEED for m in modules}


_FEEDS: dict[str, Feed] | None = None


def feeds() -> dict[str, Feed]:
    """All feeds by name, in load order (reference data last, so facts never wait on it)."""
    global _FEEDS
    if _FEEDS is None:
        _FEEDS = _load()
    return _FEEDS


def get(name: str) -> Feed:
    try:
        return feeds()[name]
    except KeyError as exc:
        raise KeyError(f"unknown feed {name!r}; known feeds: {', '.join(feeds())}") from exc


def identify(header: list[str]) -> str | None:
    """The feed whose signature this header carries, if any (to say 'a header from another feed')."""
    cols = {c.strip().lower() for c in header}
    best, best_score = None, 0
    for feed in feeds().values():
        score = len(feed.signature & cols)
        if score == len(feed.signature) and score > best_score:
            best, best_score = feed.name, score
    return best
