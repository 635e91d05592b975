"""A synthetic national police.uk landing: street files for up to all 43 forces of England and Wales.

EVERYTHING HERE IS SYNTHETIC. ``csw demo-data --forces N --years Y`` writes Lancashire's demo (every
feed, through :func:`ingestion.demo.write_demo_data`, over the Y years ending at the demo's latest
month, without the seven comparator forces) and then police.uk street files, one CRLF file per force
and month in the published format, for the next N - 1 forces of the ``police_forces`` seed that
have a force area. It exists to measure the warehouse at national volume (issue 11): about 60
million street rows for 43 forces over ten years at ``scale`` 1.

Each force gets a geography of its own: districts (about one per 170,000 residents) with synthetic
LAD and CSP codes (``E07``/``W06``, ``E22``/``W14`` followed by ``9``: no real code has it) in the
force's real force area (its seed ``pfa_code``), and LSOAs of ~1,650 residents with codes numbered
from ``E01100000``/``W01100000`` in a block of 10,000 per force (real LSOA numbers stop near 40,000,
the demo's Lancashire and comparator ones below 35,000), so no code collides with a real one, with
Lancashire's, or with another force's. Their rows go into the demo's lookup and population files
after Lancashire's (a second file of the same partition would supersede the first): the 2011 and
2021 LSOA lookups (one code for both vintages), the IMD 2019 lookup (English LSOAs; ranks need not be
distinct), the LSOA populations 2019-2021, the district populations 2022-2024 (each the sum of its
LSOAs) and the district -> CSP -> force area lookup.

Volume is proportional to the force's population (mid-2022, rounded) times a rate per head of its
own (the City of London's few residents, the Metropolitan Police's higher rate), scaled so that all
43 forces together publish ``NATIONAL_ROWS_A_YEAR`` rows a year at ``scale`` 1; Lancashire keeps the
demo's own volume (half its real one), so 43 forces x 10 years is about 60 million rows
(59,982,346 for the default seed).

Memory is bounded by one force-month (the Metropolitan Police's, ~80,000 rows); generation is
numpy (Poisson counts per LSOA and crime type, byte tables for the Crime IDs), each file built as
Arrow-backed polars columns and written by polars; the only Python loops are over forces and months.
Each force's geography has its own random stream (40, force), each force-month another
(41, force, month), so the files of a force do not depend on N or on the other forces, and the
same seed gives byte-identical files.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import polars as pl
import pyarrow as pa

from ingestion.demo.all_feeds import write_demo_data
from ingestion.demo.geography import (CRIME_TYPES, DEMO_MONTHS, IMD19_LSOAS, MONTHLY_SWING_SHAPE, OUTCOME_P, OUTCOMES,
                                      POLICE_HEADER, SEASON_AMP, STREETS, TYPE_SHARE, TYPE_TREND, _TREND_CENTRE,
                                      _geography, _month_list, _PoliceContext, _rng)
from ingestion.demo.police_street import _police_month
from ingestion.demo.reference import (DISTRICT_POPULATION_YEARS, LAD_CSP_PFA_VINTAGE, LSOA_POPULATION_YEARS,
                                      _write_imd_lookup, _write_lookups)
from schemas.seeds import seed as read_seed

# All 43 forces' street rows a year at scale 1, mid-span: with the crime types' trends, about 60
# million rows in ten years (police.uk publishes about 6 million street-level crimes and ASB
# incidents a year for England and Wales).
NATIONAL_ROWS_A_YEAR = 5_800_000
LSOA_RESIDENTS = 1_650  # residents of a synthetic LSOA, on average (mid-2022)
DISTRICT_RESIDENTS = 170_000  # residents of a synthetic district, on average
NO_LOCATION_SHARE = 0.035
FIRST_LSOA_NUMBER = 1_100_000  # E01100000: above every real (and demo) LSOA number
LSOAS_PER_FORCE = 10_000  # each force's block of LSOA numbers
SYNTHETIC_CODE_BASE = 900_000  # E07900000, E22900000: above every real district and CSP number


class ForceSize(NamedTuple):
    population: int  # residents of the force area, mid-2022 (rounded)
    lon: float  # rough centre
    lat: float
    rate: float  # street rows per head against the national average


# Residents (mid-2022, rounded to 10,000; the City of London's to 1,000) and rough centres of the 43
# force areas; ``rate`` departs from 1 where a force's recorded crime per head plainly does.
FORCE_SIZES: dict[str, ForceSize] = {slug: ForceSize(*v) for slug, v in {
    "avon-and-somerset": (1_760_000, -2.75, 51.25, 1.0), "bedfordshire": (700_000, -0.45, 52.05, 1.0),
    "cambridgeshire": (900_000, 0.05, 52.35, 0.95), "cheshire": (1_080_000, -2.55, 53.20, 0.95),
    "city-of-london": (9_000, -0.09, 51.515, 8.0), "cleveland": (570_000, -1.20, 54.57, 1.4),
    "cumbria": (500_000, -2.90, 54.55, 0.8), "derbyshire": (1_060_000, -1.55, 53.05, 0.9),
    "devon-and-cornwall": (1_820_000, -4.30, 50.60, 0.8), "dorset": (780_000, -2.30, 50.75, 0.8),
    "durham": (640_000, -1.70, 54.70, 1.1), "dyfed-powys": (520_000, -3.90, 52.20, 0.6),
    "essex": (1_860_000, 0.55, 51.80, 0.95), "gloucestershire": (650_000, -2.20, 51.85, 0.85),
    "greater-manchester": (2_870_000, -2.25, 53.50, 1.25), "gwent": (600_000, -3.00, 51.70, 1.0),
    "hampshire": (2_030_000, -1.30, 51.00, 0.95), "hertfordshire": (1_200_000, -0.25, 51.80, 0.85),
    "humberside": (940_000, -0.45, 53.75, 1.1), "kent": (1_880_000, 0.75, 51.20, 1.05),
    "lancashire": (1_530_000, -2.60, 53.80, 1.05), "leicestershire": (1_120_000, -1.10, 52.65, 0.95),
    "lincolnshire": (770_000, -0.35, 53.10, 0.85), "merseyside": (1_430_000, -2.95, 53.42, 1.15),
    "metropolitan": (8_870_000, -0.12, 51.50, 1.3), "norfolk": (930_000, 1.00, 52.65, 0.8),
    "north-wales": (690_000, -3.60, 53.10, 0.9), "north-yorkshire": (830_000, -1.35, 54.10, 0.75),
    "northamptonshire": (790_000, -0.85, 52.30, 1.0), "northumbria": (1_470_000, -1.70, 55.05, 1.1),
    "nottinghamshire": (1_170_000, -1.10, 53.05, 1.05), "south-wales": (1_330_000, -3.40, 51.60, 1.1),
    "south-yorkshire": (1_400_000, -1.35, 53.50, 1.15), "staffordshire": (1_140_000, -2.05, 52.85, 0.95),
    "suffolk": (770_000, 1.05, 52.20, 0.8), "surrey": (1_220_000, -0.45, 51.25, 0.7),
    "sussex": (1_730_000, -0.30, 50.95, 0.9), "thames-valley": (2_470_000, -1.00, 51.60, 0.9),
    "warwickshire": (610_000, -1.55, 52.30, 0.85), "west-mercia": (1_310_000, -2.60, 52.30, 0.85),
    "west-midlands": (2_930_000, -1.90, 52.48, 1.2), "west-yorkshire": (2_370_000, -1.65, 53.75, 1.3),
    "wiltshire": (740_000, -1.90, 51.35, 0.75),
}.items()}

# byte -> its two hex digits as one uint16 (a 1-D table: one gather per byte, not two)
_HEX = np.frombuffer(b"".join(f"{i:02x}".encode() for i in range(256)), np.uint16)
_TYPE_ORDER = np.argsort(np.argsort(CRIME_TYPES))  # crime type -> its place in name order (files are sorted by it)
_LOCATIONS = pl.Series([*np.char.add("On or near ", STREETS), "No Location"], dtype=pl.String)
_CRIME_TYPES = pl.Series(CRIME_TYPES, dtype=pl.String)
_OUTCOMES = pl.Series([*OUTCOMES, None], dtype=pl.String)  # the last: ASB rows have no outcome


def national_forces() -> pl.DataFrame:
    """The forces of the national demo in order: Lancashire first, then every other force of the
    ``police_forces`` seed that has a force area (not BTP, not Northern Ireland), in seed order."""
    forces = read_seed("police_forces").filter(pl.col("pfa_code").is_not_null())
    return pl.concat([forces.filter(pl.col("force_slug") == "lancashire"),
                      forces.filter(pl.col("force_slug") != "lancashire")])


def months_ending(years: int, last: str = DEMO_MONTHS[1]) -> list[str]:
    """The ``years`` x 12 months ending at ``last`` (the demo's latest month)."""
    if years < 1:
        raise ValueError(f"years must be at least 1, got {years}")
    y, m = map(int, last.split("-"))
    first = y * 12 + m - 1 - (12 * years - 1)
    return _month_list((f"{first // 12}-{first % 12 + 1:02d}", last))


@functools.lru_cache(maxsize=1)
def _rate_total() -> float:
    """Sum over the 43 forces of residents x rate: the denominator of every force's share."""
    return float(sum(f.population * f.rate for f in FORCE_SIZES.values()))


@dataclass
class ForceGeography:
    """One synthetic force: its districts and LSOAs (in LSOA name order) and what its months share."""

    slug: str
    name: str  # as police.uk writes "Reported by" / "Falls within"
    pfa_code: str
    pfa_name: str
    monthly_rows: float  # street rows a month at scale 1, mid-span
    lad_code: np.ndarray
    lad_name: np.ndarray
    csp_code: np.ndarray  # per district
    csp_name: np.ndarray
    lsoa_code: np.ndarray
    lsoa_name: np.ndarray
    lsoa_district: np.ndarray  # district index per LSOA
    lsoa_population: np.ndarray  # mid-2022
    lsoa_growth: np.ndarray  # yearly growth of the LSOA's population
    imd_rank: np.ndarray  # IMD 2019 rank (English LSOAs; -1 in Wales)
    share: np.ndarray  # the LSOA's share of the force's rows, mid-span
    trend: np.ndarray  # log rate per year, per LSOA (its district's)
    pt_lon: np.ndarray  # 8 snap points per LSOA
    pt_lat: np.ndarray
    pt_street: np.ndarray
    codes: pl.Series = field(init=False)  # LSOA code per index, null at the end (No Location rows)
    names: pl.Series = field(init=False)

    def __post_init__(self) -> None:
        null = pl.Series([None], dtype=pl.String)
        self.codes = pl.concat([pl.Series(self.lsoa_code, dtype=pl.String), null])
        self.names = pl.concat([pl.Series(self.lsoa_name, dtype=pl.String), null])

    @property
    def welsh(self) -> bool:
        return self.pfa_code.startswith("W")


def force_geography(seed: int, position: int, slug: str, name: str, pfa_code: str, pfa_name: str) -> ForceGeography:
    """Districts, CSPs and LSOAs of the force at ``position`` in :func:`national_forces` (stream 40)."""
    size, rng = FORCE_SIZES[slug], _rng(seed, 40, position)
    welsh = pfa_code.startswith("W")
    n_dist = max(1, round(size.population / DISTRICT_RESIDENTS))
    dist_pop = size.population * (w := rng.gamma(6.0, size=n_dist)) / w.sum()
    base = SYNTHETIC_CODE_BASE + 100 * position + np.arange(n_dist)
    lad_code = np.char.add("W06" if welsh else "E07", base.astype(str))
    lad_name = np.array([f"{pfa_name} District {d + 1:02d}" for d in range(n_dist)])  # a few dozen: not rows
    # one CSP per district, but the second and third districts of a force with four or more share one
    csp_of = np.arange(n_dist)
    if n_dist >= 4:
        csp_of[2] = 1
    csp_code = np.char.add("W14" if welsh else "E22", (SYNTHETIC_CODE_BASE + 100 * position + csp_of).astype(str))
    csp_name = np.array([f"{lad_name[1]} and {lad_name[2]}" if n_dist >= 4 and d in (1, 2) else lad_name[d]
                         for d in range(n_dist)])
    n_lsoa = np.maximum(1, np.rint(dist_pop / LSOA_RESIDENTS).astype(np.int64))
    district = np.repeat(np.arange(n_dist), n_lsoa)
    n = district.size
    if n > LSOAS_PER_FORCE:
        raise ValueError(f"{slug}: {n} LSOAs do not fit a block of {LSOAS_PER_FORCE}")
    # MSOA-numbered names within each district ("<district> 007C"), so index order is name order
    first = np.concatenate([[0], np.cumsum(n_lsoa)[:-1]])[district]
    within = np.arange(n) - first
    msoa, letter = np.divmod(within, 5)
    names = np.char.add(np.char.add(lad_name[district], " "),
                        np.char.add(np.char.zfill((msoa + 1).astype(str), 3),
                                    np.array(list("ABCDE"))[letter]))
    numbers = FIRST_LSOA_NUMBER + LSOAS_PER_FORCE * position + np.arange(n)
    codes = np.char.add("W0" if welsh else "E0", numbers.astype(str))
    spread = 0.005 if size.population < 50_000 else 0.25
    d_lon = size.lon + rng.normal(0, spread, n_dist)
    d_lat = size.lat + rng.normal(0, spread * 0.6, n_dist)
    d_spread = 0.004 if size.population < 50_000 else 0.03
    lon = d_lon[district] + rng.normal(0, d_spread, n)
    lat = d_lat[district] + rng.normal(0, d_spread * 0.6, n)
    population = np.rint(dist_pop[district] / n_lsoa[district] * rng.gamma(20.0, 1 / 20, n)).astype(np.int64)
    growth = np.clip(0.006 + rng.normal(0, 0.003, n_dist), 0.0, 0.012)[district]
    median = rng.integers(3_000, 30_000, n_dist)[district]
    logit = np.log(median / (IMD19_LSOAS - median)) + rng.normal(0, 1.2, n)
    imd = 1 + np.floor((IMD19_LSOAS - 1) / (1 + np.exp(-logit))).astype(np.int64)
    # crime per head differs by district and concentrates near district centres (hotspots)
    d_mult, d_trend = rng.lognormal(0, 0.25, n_dist), rng.normal(0, 0.02, n_dist) + rng.normal(0, 0.015)
    dist = np.hypot(lon - d_lon[district], lat - d_lat[district])
    weight = population * d_mult[district] * rng.lognormal(0, 0.5, n) * (1 + 3 * np.exp(-(dist / (d_spread / 2)) ** 2))
    return ForceGeography(
        slug=slug, name=name, pfa_code=pfa_code, pfa_name=pfa_name,
        monthly_rows=NATIONAL_ROWS_A_YEAR / 12 * size.population * size.rate / _rate_total(),
        lad_code=lad_code, lad_name=lad_name, csp_code=csp_code, csp_name=csp_name, lsoa_code=codes,
        lsoa_name=names, lsoa_district=district, lsoa_population=population, lsoa_growth=growth,
        imd_rank=np.full(n, -1) if welsh else imd, share=weight / weight.sum(), trend=d_trend[district],
        pt_lon=lon[:, None] + rng.normal(0, 0.006, (n, 8)), pt_lat=lat[:, None] + rng.normal(0, 0.004, (n, 8)),
        pt_street=rng.integers(0, STREETS.size, (n, 8)))


def _crime_id_column(raw: np.ndarray, valid: np.ndarray) -> pl.Series:
    """64-character lowercase hex Crime IDs from 32 random bytes a row, null where not ``valid``:
    the hex bytes become an Arrow string array through its buffers (no Python string per row)."""
    n = raw.shape[0]
    data = _HEX[raw].view(np.uint8).reshape(n * 64)
    offsets = np.arange(0, 64 * (n + 1), 64, dtype=np.int32)
    bitmap = pa.array(valid).buffers()[1]
    arr = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data), bitmap)
    return pl.Series("Crime ID", arr)


def force_month(g: ForceGeography, month: str, age: int, rng: np.random.Generator, scale: float,
                prev_ids: np.ndarray) -> tuple[pl.DataFrame, np.ndarray]:
    """One month of one force's street file, and its crime rows' IDs (raw bytes) for the next month.

    Counts are Poisson per LSOA and crime type (district trends, the types' shares, trends and
    seasons, a month's own swing per type, as Lancashire's); ~3.5% rows have no location, recent
    outcomes are mostly "Under investigation", ~1% of crimes share another's Crime ID (half of them
    the whole row) and a few reuse one of the previous month's."""
    y, m = map(int, month.split("-"))
    t = (y * 12 + m - 1 - _TREND_CENTRE) / 12
    season = 1 + SEASON_AMP * np.cos(2 * np.pi * (m - 7) / 12)
    swing = rng.gamma(MONTHLY_SWING_SHAPE, 1 / MONTHLY_SWING_SHAPE, CRIME_TYPES.size)
    lam = scale * g.monthly_rows * np.outer(g.share * np.exp(g.trend * t),
                                            TYPE_SHARE * season * swing * np.exp(TYPE_TREND * t))
    counts = rng.poisson(lam).ravel()
    lsoa, ctype = np.divmod(np.repeat(np.arange(counts.size), counts), CRIME_TYPES.size)
    n = lsoa.size
    pt = rng.integers(0, 8, n)
    noloc = rng.random(n) < NO_LOCATION_SHARE
    p_ui = 0.03 + 0.92 * np.exp(-age / 9)
    outcome = np.where(rng.random(n) < p_ui, OUTCOMES.size - 1, rng.choice(OUTCOMES.size, n, p=OUTCOME_P))
    ids = np.frombuffer(rng.bytes(32 * n), np.uint8).reshape(n, 32).copy()
    crimes = np.flatnonzero(ctype != 0)
    n_dup = rng.binomial(crimes.size, 0.01)
    sel = rng.choice(crimes, 2 * n_dup, replace=False)
    dst, src = sel[:n_dup], sel[n_dup:]
    full = (n_dup + 1) // 2
    for arr in (lsoa, ctype, pt, noloc, outcome):
        arr[dst[:full]] = arr[src[:full]]
    ids[dst] = ids[src]
    n_rec = min(prev_ids.shape[0], crimes.size - sel.size, max(1, round(n * 0.0013)))
    if n_rec > 0:
        free = np.setdiff1d(crimes, sel, assume_unique=True)
        ids[rng.choice(free, n_rec, replace=False)] = prev_ids[rng.choice(prev_ids.shape[0], n_rec, replace=False)]
    # as published: sorted by LSOA name (No Location rows last), then crime type
    place = np.where(noloc, g.lsoa_code.size, lsoa)
    order = np.lexsort((_TYPE_ORDER[ctype], place))
    lsoa, ctype, pt, noloc, outcome, ids, place = (a[order] for a in (lsoa, ctype, pt, noloc, outcome, ids, place))
    asb = ctype == 0
    lon = np.where(noloc, np.nan, np.round(g.pt_lon[lsoa, pt], 6))
    lat = np.where(noloc, np.nan, np.round(g.pt_lat[lsoa, pt], 6))
    frame = pl.DataFrame([
        _crime_id_column(ids, ~asb),
        pl.Series("Longitude", lon, nan_to_null=True), pl.Series("Latitude", lat, nan_to_null=True),
        _LOCATIONS.gather(np.where(noloc, _LOCATIONS.len() - 1, g.pt_street[lsoa, pt])).alias("Location"),
        g.codes.gather(place).alias("LSOA code"), g.names.gather(place).alias("LSOA name"),
        _CRIME_TYPES.gather(ctype).alias("Crime type"),
        _OUTCOMES.gather(np.where(asb, OUTCOMES.size, outcome)).alias("Last outcome category"),
    ]).with_columns(pl.lit(month).alias("Month"), pl.lit(g.name).alias("Reported by"),
                    pl.lit(g.name).alias("Falls within"), pl.lit(None, dtype=pl.String).alias("Context"))
    return frame.select(POLICE_HEADER), ids[~asb]


def _write_street(frame: pl.DataFrame, path: Path) -> None:
    frame.write_csv(path, line_terminator="\r\n", float_precision=6, null_value="")


def write_force_street(landing: Path, g: ForceGeography, position: int, seed: int, months: list[str],
                       scale: float, last: str = DEMO_MONTHS[1]) -> tuple[list[Path], int]:
    """Every month's street file of one force (stream 41, force, month); the paths and rows written.

    ``age`` (months before ``last``) drives the outcome lag, so a month's file is the same whatever
    span it is written in."""
    (landing / "police_street").mkdir(parents=True, exist_ok=True)
    prev, paths, rows = np.empty((0, 32), np.uint8), [], 0
    ly, lm = map(int, last.split("-"))
    for month in months:
        y, m = map(int, month.split("-"))
        frame, prev = force_month(g, month, ly * 12 + lm - (y * 12 + m), _rng(seed, 41, position, y * 12 + m),
                                  scale, prev)
        path = landing / "police_street" / f"{month}-{g.slug}-street.csv"
        _write_street(frame, path)
        paths.append(path)
        rows += frame.height
    return paths, rows


def _reference_frame(geos: list[ForceGeography]) -> pl.DataFrame:
    """The forces' LSOAs in the columns the reference writers read (one code for 2011 and 2021)."""
    return pl.concat([pl.DataFrame({
        "lsoa11_code": g.lsoa_code, "lsoa11_name": g.lsoa_name, "lsoa21_code": g.lsoa_code,
        "lsoa21_name": g.lsoa_name, "lad_code": g.lad_code[g.lsoa_district],
        "lad_name": g.lad_name[g.lsoa_district], "imd_rank": g.imd_rank}) for g in geos])


def _population(g: ForceGeography, years: tuple[int, ...]) -> np.ndarray:
    """Integer residents per LSOA and year (LSOAs x years): mid-2022 grown by the district's rate."""
    return np.rint(g.lsoa_population[:, None] * (1 + g.lsoa_growth[:, None]) ** (np.array(years) - 2022)
                   ).astype(np.int64)


def _append_csv(frame: pl.DataFrame, path: Path, line_terminator: str) -> None:
    """Rows after the file's own (the file keeps its partition: one file per lookup vintage or years)."""
    with path.open("ab") as fh:
        frame.write_csv(fh, include_header=False, line_terminator=line_terminator)


def write_national_reference(landing: Path, geo: pl.DataFrame, seed: int, geos: list[ForceGeography]) -> None:
    """The forces' rows after Lancashire's in the lookup and population files the demo wrote."""
    if not geos:
        return
    extra = _reference_frame(geos)
    _write_lookups(landing, geo, extra)
    _write_imd_lookup(landing, geo, seed, extra.filter(pl.col("imd_rank") > 0))
    long = pl.concat([pl.DataFrame({"Year": year, "LSOA Code": g.lsoa_code, "Population": pops[:, j]})
                      for g in geos for pops in [_population(g, LSOA_POPULATION_YEARS)]
                      for j, year in enumerate(LSOA_POPULATION_YEARS)])
    p_lsoa = landing / "population" / (f"lsoa_population_mid{LSOA_POPULATION_YEARS[0]}"
                                       f"_mid{LSOA_POPULATION_YEARS[-1]}.csv")
    _append_csv(long, p_lsoa, "\r\n")
    wide = []
    for g in geos:
        pops = _population(g, DISTRICT_POPULATION_YEARS)
        by_district = np.stack([np.bincount(g.lsoa_district, weights=pops[:, i], minlength=g.lad_code.size)
                                for i in range(pops.shape[1])], axis=1).astype(np.int64)
        wide.append(pl.DataFrame({
            "Code": g.lad_code, "Name": g.lad_name,
            "Geography": "Unitary Authority" if g.welsh else "Non-metropolitan District",
            **{f"Mid-{y}": by_district[:, i] for i, y in enumerate(DISTRICT_POPULATION_YEARS)}}))
    p_lad = landing / "population" / (f"district_population_mid{DISTRICT_POPULATION_YEARS[0]}"
                                      f"_mid{DISTRICT_POPULATION_YEARS[-1]}.csv")
    _append_csv(pl.concat(wide), p_lad, "\n")
    yy = LAD_CSP_PFA_VINTAGE
    rows = pl.concat([pl.DataFrame({
        f"LAD{yy}CD": g.lad_code, f"LAD{yy}NM": g.lad_name, f"CSP{yy}CD": g.csp_code, f"CSP{yy}NM": g.csp_name,
        f"PFA{yy}CD": g.pfa_code, f"PFA{yy}NM": g.pfa_name}) for g in geos])
    _append_csv(rows, landing / "ons_lad_csp_pfa" / f"LAD{yy}_CSP{yy}_PFA{yy}_Lancashire_lookup.csv", "\n")


def national_geographies(seed: int, forces: int) -> list[ForceGeography]:
    """The geographies of the first ``forces`` national forces after Lancashire."""
    table = national_forces()
    if not 1 <= forces <= table.height:
        raise ValueError(f"forces must be between 1 and {table.height}, got {forces}")
    return [force_geography(seed, i, r["force_slug"], r["reported_by"], r["pfa_code"], r["pfa_name"])
            for i, r in enumerate(table.head(forces).iter_rows(named=True)) if i > 0]


@dataclass
class NationalDemo:
    files: dict[str, list[Path]]
    street_rows: int  # the national forces' rows (Lancashire's not counted: see ``lancashire_rows``)
    lancashire_rows: int
    forces: list[str]
    months: list[str]


def _data_rows(paths: list[Path]) -> int:
    """Rows of CRLF CSV files without quoted newlines (the demo's street files): lines minus headers."""
    return sum(p.read_bytes().count(b"\n") - 1 for p in paths)


def write_national_demo(landing: Path, forces: int, years: int, seed: int = 20240401,
                        scale: float = 1.0) -> NationalDemo:
    """Lancashire's demo over the ``years`` ending at the demo's latest month (every feed, no
    comparator forces) and the street files of the next ``forces`` - 1 national forces, one force and
    month at a time, with their rows in the lookup and population files."""
    landing = Path(landing)
    months = months_ending(years)
    geos = national_geographies(seed, forces)  # validates forces before anything is written
    files = write_demo_data(landing, seed=seed, months=(months[0], months[-1]), scale=scale, comparators=False)
    lancashire_rows = _data_rows(files["police_street"])
    rows = 0
    for i, g in enumerate(geos, start=1):
        paths, n = write_force_street(landing, g, i, seed, months, scale)
        files["police_street"] += paths
        rows += n
    write_national_reference(landing, _geography(seed), seed, geos)
    return NationalDemo(files, rows, lancashire_rows, ["lancashire", *(g.slug for g in geos)], months)


def write_national_month(landing: Path, forces: int, month: str, seed: int = 20240401,
                         scale: float = 1.0) -> list[Path]:
    """One more month of street files for every force of a national demo (an incremental night's
    delivery): Lancashire's as its demo writes a month, the others' with the previous month's Crime
    IDs to repeat. Nothing else is written; earlier files stay as they are."""
    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month):
        raise ValueError(f"a month is YYYY-MM, not {month!r}")
    landing = Path(landing)
    (landing / "police_street").mkdir(parents=True, exist_ok=True)
    y, m = map(int, month.split("-"))
    lanc = _police_month(_PoliceContext(_geography(seed), seed), month, 0, _rng(seed, 2, y * 12 + m), scale,
                         np.array([], dtype=str))
    paths = [landing / "police_street" / f"{month}-lancashire-street.csv"]
    _write_street(lanc, paths[0])
    prev_month = f"{(y * 12 + m - 2) // 12}-{(y * 12 + m - 2) % 12 + 1:02d}"
    for i, g in enumerate(national_geographies(seed, forces), start=1):
        _, prev = force_month(g, prev_month, 1, _rng(seed, 41, i, y * 12 + m - 1), scale, np.empty((0, 32), np.uint8))
        frame, _ = force_month(g, month, 0, _rng(seed, 41, i, y * 12 + m), scale, prev)
        path = landing / "police_street" / f"{month}-{g.slug}-street.csv"
        _write_street(frame, path)
        paths.append(path)
    return paths
