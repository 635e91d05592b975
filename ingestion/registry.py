"""The feed registry: one entry per feed, so that the loader, the Dagster assets, the sensor and
the tests all iterate the same list instead of branching on feed names.

Each feed module (``ingestion/feeds/<feed>.py``) builds a :class:`~ingestion.feed_contract.Feed`
(the contract lives in ``ingestion/feed_contract.py``, so feeds never import the registry) and the
registry collects them; each feed's row contract is a Pandera schema in ``schemas/<feed>.py``.
"""

from __future__ import annotations

from ingestion.feed_contract import Feed, Prepared
from ingestion.feeds import (
    fingertips,
    fire_incidents,
    marac_returns,
    ons_boundaries,
    ons_lad_csp_pfa,
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

__all__ = ["Feed", "Prepared", "feeds", "get", "identify"]  # Feed, Prepared: re-exported for callers


def _load() -> dict[str, Feed]:
    modules = (
        police_street, police_crime_extract, police_da_incidents, fire_incidents, marac_returns, stats19_collision,
        stats19_vehicle, stats19_casualty, ons_lsoa_lookup, ons_lad_csp_pfa, population, population_sex_age,
        residents_survey, fingertips, ons_boundaries,
    )
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
