"""Every demo feed into one landing area: :func:`write_demo_data` (what ``csw demo-data`` runs)."""

from __future__ import annotations

from pathlib import Path

from ingestion.demo.comparators import write_comparator_police
from ingestion.demo.fingertips import write_fingertips_demo
from ingestion.demo.fire import write_fire_demo
from ingestion.demo.geography import DEMO_MONTHS, _comparator_geography, _geography, _month_list
from ingestion.demo.police_street import _write_police
from ingestion.demo.reference import (_write_imd_lookup, _write_lad_csp_pfa, _write_lookups,
                                      _write_population)
from ingestion.demo.restricted import write_restricted_demo
from ingestion.demo.stats19 import _write_stats19
from ingestion.demo.survey import write_survey_demo


def write_demo_data(landing: Path, seed: int = 20240401, months: tuple[str, str] = DEMO_MONTHS,
                    scale: float = 1.0, comparators: bool = True) -> dict[str, list[Path]]:
    """Write demo feeds under landing/<feed>/ and return the files written per feed.

    scale multiplies row volumes (police rows, STATS19 collisions); geography and populations keep
    their size so codes and denominators stay realistic at any scale. With ``comparators`` (the
    default) the comparator forces' police.uk street files follow Lancashire's in ``police_street``,
    and their LSOAs, districts and populations are rows added to the lookup and population files;
    without, every file is as Lancashire's demo alone (its rows are the same either way).
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    landing = Path(landing)
    geo = _geography(seed)
    cgeo = _comparator_geography(seed) if comparators else None
    police = _write_police(landing, geo, seed, _month_list(months), scale)
    if cgeo is not None:
        police += write_comparator_police(landing, cgeo, seed, _month_list(months), scale)
    files = {"police_street": police,
             "ons_lsoa_lookup": [*_write_lookups(landing, geo, cgeo), _write_imd_lookup(landing, geo, seed, cgeo)],
             "ons_lad_csp_pfa": _write_lad_csp_pfa(landing, comparators),
             "population": _write_population(landing, geo, seed, cgeo)}
    files.update(_write_stats19(landing, geo, seed, scale))
    # The restricted feeds (crime extract, DA incidents, MARAC, population by sex and age); this
    # also marks the landing area as a demo one, so references are hashed with the demo key.
    files.update(write_restricted_demo(landing, geo, seed, _month_list(months), scale))
    files.update(write_fingertips_demo(landing, geo, seed))
    files["residents_survey"] = write_survey_demo(landing, seed, _month_list(months))
    files.update(write_fire_demo(landing, geo, seed, _month_list(months), scale))
    return files
