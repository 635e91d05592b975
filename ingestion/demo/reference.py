"""Synthetic reference files: the ONS LSOA -> district lookups (``ons_lsoa_lookup``), the district
-> CSP -> police force area lookup (``ons_lad_csp_pfa``) and the population estimates
(``population``), all in the ONS layouts.

EVERYTHING HERE IS SYNTHETIC. The 2021 lookup leaves out five new LSOA codes on purpose, so the
warehouse must attribute them from the LSOA name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from ingestion.demo.geography import (AREAS, COUNTY, _area_arrays, _area_index, _area_population,
                                      lsoa21_codes_missing_from_lookup)
from schemas.seeds import seed

LSOA_POPULATION_YEARS = (2019, 2020, 2021)  # small-area estimates (2011 LSOAs), long format
DISTRICT_POPULATION_YEARS = (2022, 2023, 2024)  # district estimates, wide format
LAD_CSP_PFA_VINTAGE = "23"  # the demo's district -> CSP -> force area lookup is a LAD23_CSP23_PFA23 file


def _write_lookups(landing: Path, geo: pl.DataFrame) -> list[Path]:
    """ONS LSOA->LAD lookups; the 2021 one omits five new codes on purpose."""
    d = landing / "ons_lsoa_lookup"
    d.mkdir(parents=True, exist_ok=True)
    p11, p21 = d / "LSOA11_LAD19_Lancashire_lookup.csv", d / "LSOA21_LAD22_Lancashire_lookup.csv"
    l11 = geo.select(pl.col("lsoa11_code").alias("LSOA11CD"), pl.col("lsoa11_name").alias("LSOA11NM"),
                     pl.col("lad_code").alias("LAD19CD"), pl.col("lad_name").alias("LAD19NM"))
    l11.with_row_index("FID", offset=1).write_csv(p11)
    missing = lsoa21_codes_missing_from_lookup(geo)
    geo.filter(~pl.col("lsoa21_code").is_in(missing)).select(
        pl.col("lsoa21_code").alias("LSOA21CD"), pl.col("lsoa21_name").alias("LSOA21NM"),
        pl.col("lad_code").alias("LAD22CD"), pl.col("lad_name").alias("LAD22NM"),
    ).with_row_index("ObjectId", offset=1).select(
        "LSOA21CD", "LSOA21NM", "LAD22CD", "LAD22NM", "ObjectId").write_csv(p21)
    return [p11, p21]


def lad_csp_pfa_rows(yy: str = LAD_CSP_PFA_VINTAGE) -> pl.DataFrame:
    """The demo's district -> CSP -> police force area rows, with the ONS lookup's header.

    Lancashire's 14 districts and unitaries (``AREAS``) with their real CSP codes (the
    ``lancashire_areas`` seed, from the ONS LAD19 lookup) in the force area of ``lancashire`` (the
    ``police_forces`` seed): the codes are written once, in the seeds. Comparator forces' districts
    are rows to add here."""
    force = seed("police_forces").filter(pl.col("force_slug") == "lancashire")
    districts = seed("lancashire_areas").filter(pl.col("area_code").is_in([a[0] for a in AREAS]))
    return districts.join(force, how="cross").select(
        pl.col("area_code").alias(f"LAD{yy}CD"), pl.col("area_name").alias(f"LAD{yy}NM"),
        pl.col("csp_code").alias(f"CSP{yy}CD"), pl.col("area_name").alias(f"CSP{yy}NM"),
        pl.col("pfa_code").alias(f"PFA{yy}CD"), pl.col("pfa_name").alias(f"PFA{yy}NM"),
    )


def _write_lad_csp_pfa(landing: Path) -> list[Path]:
    """The ONS district -> CSP -> police force area lookup of the demo's districts."""
    d = landing / "ons_lad_csp_pfa"
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"LAD{LAD_CSP_PFA_VINTAGE}_CSP{LAD_CSP_PFA_VINTAGE}_PFA{LAD_CSP_PFA_VINTAGE}_Lancashire_lookup.csv"
    lad_csp_pfa_rows().write_csv(path)
    return [path]


def _write_population(landing: Path, geo: pl.DataFrame, seed: int) -> list[Path]:
    """LSOA long-format (2019-2021; CRLF like the ONS file) and district wide-format (2022-2024).

    Every year of the demo has a population: rates use the population of the period's calendar year
    or the latest earlier one, so the first demo year needs its own estimate."""
    d = landing / "population"
    d.mkdir(parents=True, exist_ok=True)
    inc = geo.filter("in_county")
    area_of = _area_index(inc)
    w = inc["population_weight"].to_numpy()
    frames, totals = [], _area_population(seed, list(LSOA_POPULATION_YEARS))
    for j, year in enumerate(LSOA_POPULATION_YEARS):
        total = totals[:, j][area_of]
        exact = w * total
        pop = np.floor(exact).astype(np.int64)
        short = total - np.bincount(area_of, weights=pop).astype(np.int64)[area_of]  # largest remainder
        order = np.lexsort((-(exact - pop), area_of))
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size) - np.searchsorted(area_of[order], area_of[order])
        frames.append(pl.DataFrame({"Year": year, "LSOA Code": inc["lsoa11_code"], "Population": pop + (rank < short)}))
    p_lsoa = d / f"lsoa_population_mid{LSOA_POPULATION_YEARS[0]}_mid{LSOA_POPULATION_YEARS[-1]}.csv"
    pl.concat(frames).write_csv(p_lsoa, line_terminator="\r\n")
    a, pops = _area_arrays(), _area_population(seed, list(DISTRICT_POPULATION_YEARS))
    county = pops[a["kind"] == "Non-metropolitan District"].sum(axis=0)
    wide = pl.DataFrame({"Code": [*a["code"], COUNTY[0]], "Name": [*a["name"], COUNTY[1]],
                         "Geography": [*a["kind"], COUNTY[2]],
                         **{f"Mid-{y}": [*pops[:, i], county[i]] for i, y in enumerate(DISTRICT_POPULATION_YEARS)}})
    p_lad = d / f"district_population_mid{DISTRICT_POPULATION_YEARS[0]}_mid{DISTRICT_POPULATION_YEARS[-1]}.csv"
    wide.write_csv(p_lad)
    return [p_lsoa, p_lad]
