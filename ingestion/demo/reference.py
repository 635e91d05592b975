"""Synthetic reference files: the ONS LSOA -> district lookups (``ons_lsoa_lookup``, one of them the
IMD 2019 lookup with each English LSOA's deprivation rank), the district -> CSP -> police force area
lookup (``ons_lad_csp_pfa``) and the population estimates (``population``), all in the ONS layouts.

EVERYTHING HERE IS SYNTHETIC. The 2021 lookup leaves out five new LSOA codes on purpose, so the
warehouse must attribute them from the LSOA name.

Given the comparator geography (``geography.comparator_geography``), each file also carries the
comparator forces' LSOAs and districts, as rows after Lancashire's, in the same files: a second file
of a partition (the same lookup vintages and nations, the same population years) would supersede the
first, and Lancashire's rows stay exactly as they are written without comparators.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from ingestion.demo.geography import (AREAS, COMPARATOR_DISTRICTS, COUNTY, _area_arrays, _area_index,
                                      _area_population, _comparator_index, _comparator_population,
                                      lancashire_imd19_ranks, lsoa21_codes_missing_from_lookup)
from schemas.seeds import seed

LSOA_POPULATION_YEARS = (2019, 2020, 2021)  # small-area estimates (2011 LSOAs), long format
DISTRICT_POPULATION_YEARS = (2022, 2023, 2024)  # district estimates, wide format
LAD_CSP_PFA_VINTAGE = "23"  # the demo's district -> CSP -> force area lookup is a LAD23_CSP23_PFA23 file
DISTRICT_KIND = {"E06": "Unitary Authority", "E07": "Non-metropolitan District", "E08": "Metropolitan District"}


def _write_lookups(landing: Path, geo: pl.DataFrame, comparators: pl.DataFrame | None = None) -> list[Path]:
    """ONS LSOA->LAD lookups; the 2021 one omits five new codes on purpose. Comparator LSOAs follow
    Lancashire's rows (the files keep their partition: LSOA11_LAD19 and LSOA21_LAD22, England and Wales)."""
    d = landing / "ons_lsoa_lookup"
    d.mkdir(parents=True, exist_ok=True)
    p11, p21 = d / "LSOA11_LAD19_Lancashire_lookup.csv", d / "LSOA21_LAD22_Lancashire_lookup.csv"
    extra = comparators if comparators is not None else geo.clear()
    l11 = pl.concat([g.select(pl.col("lsoa11_code").alias("LSOA11CD"), pl.col("lsoa11_name").alias("LSOA11NM"),
                              pl.col("lad_code").alias("LAD19CD"), pl.col("lad_name").alias("LAD19NM"))
                     for g in (geo, extra)])
    l11.with_row_index("FID", offset=1).write_csv(p11)
    missing = lsoa21_codes_missing_from_lookup(geo)
    l21 = pl.concat([g.select(pl.col("lsoa21_code").alias("LSOA21CD"), pl.col("lsoa21_name").alias("LSOA21NM"),
                              pl.col("lad_code").alias("LAD22CD"), pl.col("lad_name").alias("LAD22NM"))
                     for g in (geo.filter(~pl.col("lsoa21_code").is_in(missing)), extra)])
    l21.with_row_index("ObjectId", offset=1).select(
        "LSOA21CD", "LSOA21NM", "LAD22CD", "LAD22NM", "ObjectId").write_csv(p21)
    return [p11, p21]


def _write_imd_lookup(landing: Path, geo: pl.DataFrame, seed: int, comparators: pl.DataFrame | None = None) -> Path:
    """The ONS IMD 2019 lookup (``LSOA11CD, LSOA11NM, LAD19CD, LAD19NM, IMD19, FID``): a synthetic
    rank for every English LSOA, Lancashire's (in and out of the county) first, then the comparators'.
    England only, as the real file: its partition (LSOA11_LAD19, scope E+IMD19) is its own, so it
    neither replaces nor is replaced by the plain 2011 lookup."""
    d = landing / "ons_lsoa_lookup"
    d.mkdir(parents=True, exist_ok=True)
    path = d / "IMD19_LSOA11_LAD19_England_lookup.csv"
    english = geo.join(lancashire_imd19_ranks(seed, geo), on="lsoa11_code", how="inner", maintain_order="left")
    frames = [english] + ([comparators] if comparators is not None else [])
    pl.concat([g.select(pl.col("lsoa11_code").alias("LSOA11CD"), pl.col("lsoa11_name").alias("LSOA11NM"),
                        pl.col("lad_code").alias("LAD19CD"), pl.col("lad_name").alias("LAD19NM"),
                        pl.col("imd_rank").cast(pl.Int64).alias("IMD19")) for g in frames]
              ).with_row_index("FID", offset=1).select("LSOA11CD", "LSOA11NM", "LAD19CD", "LAD19NM", "IMD19",
                                                      "FID").write_csv(path)
    return path


def lad_csp_pfa_rows(yy: str = LAD_CSP_PFA_VINTAGE, comparators: bool = False) -> pl.DataFrame:
    """The demo's district -> CSP -> police force area rows, with the ONS lookup's header.

    Lancashire's 14 districts and unitaries (``AREAS``) with their real CSP codes (the
    ``lancashire_areas`` seed, from the ONS LAD19 lookup) in the force area of ``lancashire`` (the
    ``police_forces`` seed): the codes are written once, in the seeds. With ``comparators``, the
    comparator forces' districts follow (``COMPARATOR_DISTRICTS``: real LAD and CSP codes and names
    of the LAD19 lookup), in their forces' areas (the same seed)."""
    forces = seed("police_forces")
    force = forces.filter(pl.col("force_slug") == "lancashire")
    districts = seed("lancashire_areas").filter(pl.col("area_code").is_in([a[0] for a in AREAS]))
    rows = districts.join(force, how="cross").select(
        "area_code", "area_name", "csp_code", pl.col("area_name").alias("csp_name"), "pfa_code", "pfa_name")
    if comparators:
        other = pl.DataFrame([(d.force, d.lad_code, d.lad_name, d.csp_code, d.csp_name) for d in COMPARATOR_DISTRICTS],
                             orient="row", schema=["force_slug", "area_code", "area_name", "csp_code", "csp_name"])
        other = other.join(forces, on="force_slug", how="left", maintain_order="left").select(
            "area_code", "area_name", "csp_code", "csp_name", "pfa_code", "pfa_name")
        rows = pl.concat([rows, other])
    return rows.select(
        pl.col("area_code").alias(f"LAD{yy}CD"), pl.col("area_name").alias(f"LAD{yy}NM"),
        pl.col("csp_code").alias(f"CSP{yy}CD"), pl.col("csp_name").alias(f"CSP{yy}NM"),
        pl.col("pfa_code").alias(f"PFA{yy}CD"), pl.col("pfa_name").alias(f"PFA{yy}NM"),
    )


def _write_lad_csp_pfa(landing: Path, comparators: bool = False) -> list[Path]:
    """The ONS district -> CSP -> police force area lookup of the demo's districts (one file: a
    second of the same vintages and nations would supersede it)."""
    d = landing / "ons_lad_csp_pfa"
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"LAD{LAD_CSP_PFA_VINTAGE}_CSP{LAD_CSP_PFA_VINTAGE}_PFA{LAD_CSP_PFA_VINTAGE}_Lancashire_lookup.csv"
    lad_csp_pfa_rows(comparators=comparators).write_csv(path)
    return [path]


def _write_population(landing: Path, geo: pl.DataFrame, seed: int,
                      comparators: pl.DataFrame | None = None) -> list[Path]:
    """LSOA long-format (2019-2021; CRLF like the ONS file) and district wide-format (2022-2024).

    Every year of the demo has a population: rates use the population of the period's calendar year
    or the latest earlier one, so the first demo year needs its own estimate. Comparator LSOAs
    (2019-2021) and districts (2022-2024, each the sum of its LSOAs) follow Lancashire's rows in the
    same two files: a file of the same years would supersede them."""
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
    if comparators is not None:
        pops = _comparator_population(seed, comparators, list(LSOA_POPULATION_YEARS))
        frames += [pl.DataFrame({"Year": year, "LSOA Code": comparators["lsoa11_code"], "Population": pops[:, j]})
                   for j, year in enumerate(LSOA_POPULATION_YEARS)]
    p_lsoa = d / f"lsoa_population_mid{LSOA_POPULATION_YEARS[0]}_mid{LSOA_POPULATION_YEARS[-1]}.csv"
    pl.concat(frames).write_csv(p_lsoa, line_terminator="\r\n")
    a, pops = _area_arrays(), _area_population(seed, list(DISTRICT_POPULATION_YEARS))
    county = pops[a["kind"] == "Non-metropolitan District"].sum(axis=0)
    wide = pl.DataFrame({"Code": [*a["code"], COUNTY[0]], "Name": [*a["name"], COUNTY[1]],
                         "Geography": [*a["kind"], COUNTY[2]],
                         **{f"Mid-{y}": [*pops[:, i], county[i]] for i, y in enumerate(DISTRICT_POPULATION_YEARS)}})
    if comparators is not None:
        n = len(COMPARATOR_DISTRICTS)
        lsoa_pops = _comparator_population(seed, comparators, list(DISTRICT_POPULATION_YEARS))
        district_pops = np.stack([np.bincount(_comparator_index(comparators), weights=lsoa_pops[:, i], minlength=n)
                                  for i in range(len(DISTRICT_POPULATION_YEARS))], axis=1).astype(np.int64)
        wide = pl.concat([wide, pl.DataFrame({
            "Code": [c.lad_code for c in COMPARATOR_DISTRICTS], "Name": [c.lad_name for c in COMPARATOR_DISTRICTS],
            "Geography": [DISTRICT_KIND[c.lad_code[:3]] for c in COMPARATOR_DISTRICTS],
            **{f"Mid-{y}": district_pops[:, i] for i, y in enumerate(DISTRICT_POPULATION_YEARS)}})])
    p_lad = d / f"district_population_mid{DISTRICT_POPULATION_YEARS[0]}_mid{DISTRICT_POPULATION_YEARS[-1]}.csv"
    wide.write_csv(p_lad)
    return [p_lsoa, p_lad]
