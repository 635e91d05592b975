"""The demo's shared ground: where and when every synthetic feed happens.

The 14 Lancashire districts and unitaries (``AREAS``), the LSOAs drawn inside them (and a few out
of the county), the comparator police forces and their districts (``COMPARATOR_FORCES``,
``COMPARATOR_DISTRICTS``: real force slugs and real district, CSP and force area codes and names,
synthetic LSOAs), the demo span and its months and quarters, populations per area and year,
synthetic IMD 2019 ranks, the samplers that place a row in an LSOA, the snap points the police feeds
share and the police.uk street format with its crime type and outcome distributions (Lancashire's
and the comparators' street files are written alike). Every demo generator in this package builds
on this module and none on another generator, so the package has no import loops. EVERYTHING HERE
IS SYNTHETIC.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import polars as pl

# code, name, kind, population mid-2022, centre lon, centre lat, spread (deg lon),
# crime rate multiplier per head, annual crime trend (log rate per year)
AREAS: tuple[tuple[str, str, str, int, float, float, float, float, float], ...] = (
    ("E07000117", "Burnley", "Non-metropolitan District", 95_000, -2.24, 53.79, 0.03, 1.45, -0.05),
    ("E07000118", "Chorley", "Non-metropolitan District", 118_000, -2.63, 53.65, 0.05, 0.75, 0.0),
    ("E07000119", "Fylde", "Non-metropolitan District", 82_000, -2.95, 53.77, 0.05, 0.60, 0.02),
    ("E07000120", "Hyndburn", "Non-metropolitan District", 82_000, -2.38, 53.75, 0.03, 1.10, 0.0),
    ("E07000121", "Lancaster", "Non-metropolitan District", 143_000, -2.75, 54.05, 0.08, 0.95, 0.01),
    ("E07000122", "Pendle", "Non-metropolitan District", 97_000, -2.19, 53.86, 0.05, 1.05, -0.02),
    ("E07000123", "Preston", "Non-metropolitan District", 150_000, -2.70, 53.76, 0.04, 1.35, 0.04),
    ("E07000124", "Ribble Valley", "Non-metropolitan District", 62_000, -2.42, 53.87, 0.09, 0.45, 0.0),
    ("E07000125", "Rossendale", "Non-metropolitan District", 71_000, -2.28, 53.69, 0.04, 0.90, 0.0),
    ("E07000126", "South Ribble", "Non-metropolitan District", 111_000, -2.72, 53.71, 0.04, 0.70, 0.01),
    ("E07000127", "West Lancashire", "Non-metropolitan District", 118_000, -2.86, 53.58, 0.07, 0.75, -0.02),
    ("E07000128", "Wyre", "Non-metropolitan District", 113_000, -2.95, 53.90, 0.07, 0.75, 0.0),
    ("E06000008", "Blackburn with Darwen", "Unitary Authority", 155_000, -2.48, 53.75, 0.04, 1.30, 0.02),
    ("E06000009", "Blackpool", "Unitary Authority", 141_000, -3.03, 53.82, 0.02, 1.90, 0.06),
)
COUNTY = ("E10000017", "Lancashire", "County")
# LAD code, LAD name, first LSOA number (code prefix E/W + 8 digits), count, lon, lat
OUT_OF_COUNTY = (
    ("E08000010", "Wigan", "E", 1006271, 3, -2.66, 53.56),
    ("E08000014", "Sefton", "E", 1007003, 2, -3.00, 53.60),
    ("E07000031", "South Lakeland", "E", 1019435, 2, -2.78, 54.20),
    ("E07000163", "Craven", "E", 1027651, 2, -2.15, 53.94),
    ("E08000033", "Calderdale", "E", 1010650, 1, -2.05, 53.72),
    ("W06000003", "Conwy", "W", 1000091, 2, -3.75, 53.29),
)
LSOA21_SWITCH = "2023-07"  # police.uk moved to 2021 LSOAs from this month


class ComparatorForce(NamedTuple):
    slug: str  # data.police.uk force slug (the police_forces seed)
    mult: float  # crime rate multiplier per head
    trend: float  # log rate per year


class ComparatorDistrict(NamedTuple):
    force: str  # its force's slug
    lad_code: str
    lad_name: str
    csp_code: str
    csp_name: str
    first_lsoa: int  # number of its first LSOA code (E0 + 7 digits)
    lsoas: int
    lon: float  # centre
    lat: float
    spread: float  # deg lon
    mult: float  # rate multiplier, times the force's
    trend: float  # plus the force's
    imd19_median: int  # median IMD 2019 rank of the real district's LSOAs


# Comparator police forces, for relative position: the forces the force area is compared with by
# default (the `[peers] forces` setting, HMICFRS's most similar group for Lancashire), with rate
# multipliers per head against Lancashire's base rate per head, and trends.
COMPARATOR_FORCES: tuple[ComparatorForce, ...] = tuple(ComparatorForce(*f) for f in (
    ("cheshire", 0.95, 0.02),
    ("derbyshire", 0.90, -0.01),
    ("humberside", 1.10, 0.03),
    ("kent", 1.05, 0.01),
    ("nottinghamshire", 1.05, -0.02),
    ("south-yorkshire", 1.10, 0.0),
    ("staffordshire", 0.95, 0.02),
))
# Three or four real districts of each, with their real LAD and CSP codes and names (ONS
# LAD19_CSP19_PFA19 lookup: Dartford and Gravesham share a CSP, as Broxtowe, Gedling and Rushcliffe
# do in South Nottinghamshire), and synthetic LSOAs numbered from the district's first real 2011
# LSOA code; the median IMD 2019 rank of the real district's LSOAs centres its synthetic ranks.
COMPARATOR_DISTRICTS: tuple[ComparatorDistrict, ...] = tuple(ComparatorDistrict(*d) for d in (
    ("cheshire", "E06000006", "Halton", "E22000023", "Halton", 1012367, 24, -2.73, 53.34, 0.03, 1.30, 0.01, 7063),
    ("cheshire", "E06000007", "Warrington", "E22000026", "Warrington", 1012446, 30, -2.58, 53.39, 0.04, 1.05, 0.0,
     20932),
    ("cheshire", "E06000050", "Cheshire West and Chester", "E22000355", "Cheshire West and Chester", 1018308, 34,
     -2.80, 53.20, 0.08, 0.85, -0.01, 20426),
    ("derbyshire", "E06000015", "Derby", "E22000040", "Derby", 1013453, 36, -1.47, 52.92, 0.03, 1.40, 0.01, 12807),
    ("derbyshire", "E07000034", "Chesterfield", "E22000039", "Chesterfield", 1019526, 22, -1.42, 53.24, 0.03, 1.30,
     0.02, 12235),
    ("derbyshire", "E07000035", "Derbyshire Dales", "E22000041", "Derbyshire Dales", 1019594, 20, -1.65, 53.10, 0.08,
     0.55, -0.02, 24271),
    ("humberside", "E06000010", "Kingston upon Hull, City of", "E22000134", "Kingston upon Hull, City of", 1012756,
     40, -0.34, 53.76, 0.03, 1.55, 0.02, 4597),
    ("humberside", "E06000011", "East Riding of Yorkshire", "E22000133", "East Riding of Yorkshire", 1012919, 34,
     -0.60, 53.85, 0.12, 0.60, -0.01, 21665),
    ("humberside", "E06000012", "North East Lincolnshire", "E22000135", "North East Lincolnshire", 1013128, 26,
     -0.08, 53.55, 0.04, 1.25, 0.0, 9713),
    ("kent", "E07000110", "Maidstone", "E22000142", "Maidstone", 1024320, 28, 0.52, 51.27, 0.05, 0.95, 0.0, 19154),
    ("kent", "E07000114", "Thanet", "E22000147", "Thanet", 1024633, 24, 1.38, 51.36, 0.03, 1.40, 0.03, 10752),
    ("kent", "E07000107", "Dartford", "E22000352", "Dartford and Gravesham", 1024132, 20, 0.22, 51.44, 0.03, 1.00,
     0.01, 16903),
    ("kent", "E07000109", "Gravesham", "E22000352", "Dartford and Gravesham", 1024257, 20, 0.37, 51.43, 0.03, 1.05,
     -0.01, 16547),
    ("nottinghamshire", "E06000018", "Nottingham", "E22000257", "Nottingham", 1013810, 40, -1.15, 52.95, 0.03, 1.60,
     -0.01, 5179),
    ("nottinghamshire", "E07000174", "Mansfield", "E22000255", "Mansfield", 1028219, 24, -1.19, 53.14, 0.03, 1.30,
     0.02, 8790),
    ("nottinghamshire", "E07000176", "Rushcliffe", "E22000366", "South Nottinghamshire", 1028354, 26, -1.05, 52.88,
     0.05, 0.55, 0.0, 29536),
    ("south-yorkshire", "E08000019", "Sheffield", "E22000262", "Sheffield", 1007823, 40, -1.48, 53.38, 0.05, 1.00,
     -0.01, 13917),
    ("south-yorkshire", "E08000017", "Doncaster", "E22000260", "Doncaster", 1007464, 28, -1.12, 53.52, 0.06, 1.20,
     0.03, 8904),
    ("south-yorkshire", "E08000016", "Barnsley", "E22000259", "Barnsley", 1007317, 24, -1.50, 53.55, 0.05, 1.00, 0.0,
     8841),
    ("staffordshire", "E06000021", "Stoke-on-Trent", "E22000270", "Stoke-on-Trent", 1014210, 36, -2.18, 53.00, 0.03,
     1.45, 0.01, 6066),
    ("staffordshire", "E07000197", "Stafford", "E22000268", "Stafford", 1029681, 24, -2.10, 52.81, 0.06, 0.75, -0.01,
     23150),
    ("staffordshire", "E07000192", "Cannock Chase", "E22000263", "Cannock Chase", 1029345, 22, -2.00, 52.70, 0.03,
     1.00, 0.0, 15241),
))
COMPARATOR_LSOA_POPULATION = 1_500  # residents of a comparator LSOA, on average (mid-2022)
# Median IMD 2019 rank of the real LSOAs of Lancashire's districts and of the English out-of-county
# districts (ONS IMD 2019 lookup): the centre of their synthetic LSOAs' ranks
IMD19_MEDIAN_RANK = {
    "E07000117": 5644, "E07000118": 22186, "E07000119": 20378, "E07000120": 7446, "E07000121": 15346,
    "E07000122": 9754, "E07000123": 8124, "E07000124": 26132, "E07000125": 10790, "E07000126": 21612,
    "E07000127": 20421, "E07000128": 18376, "E06000008": 5122, "E06000009": 4585,
    "E08000010": 13212, "E08000014": 14354, "E07000031": 22759, "E07000163": 21042, "E08000033": 12451,
}
IMD19_LSOAS = 32_844  # English 2011 LSOAs ranked by the IMD 2019 (1 = most deprived)
DEMO_MONTHS = ("2019-04", "2025-09")  # six complete financial years, 2019/20 to 2024/25, and a half
_PARTS = ("Tintern Ravenscroft Nelson Victoria Albert Church Mill Park Station Chapel Market Queen "
          "King Moor Bank Hall Brook Willow Beech Oak").split()
_SUFFIXES = "Street Road Lane Close Crescent Avenue Drive Way Grove Terrace".split()
STREETS = np.array([f"{p} {s}" for p in _PARTS for s in _SUFFIXES]
                   + ["Supermarket", "Parking Area", "Petrol Station", "Sports/Recreation Area",
                      "Shopping Area", "Further/Higher Educational Building", "Nightclub", "Hospital"])

# The police.uk street format and what every police.uk file of the demo shares (Lancashire's and the
# comparator forces'): header, crime types and their shares, trends and seasons, outcomes.
POLICE_HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
                 "LSOA name,Crime type,Last outcome category,Context").split(",")
CRIME_TYPES = np.array(["Anti-social behaviour", "Violence and sexual offences", "Public order",
                        "Criminal damage and arson", "Shoplifting", "Other theft", "Vehicle crime",
                        "Burglary", "Drugs", "Other crime", "Possession of weapons", "Robbery",
                        "Theft from the person", "Bicycle theft"])
_CRIME_PCT = np.array([38, 10, 10, 8, 8, 5, 5, 3, 3, 1.3, 0.8, 0.8, 1.0])
TYPE_SHARE = np.concatenate([[0.25], 0.75 * _CRIME_PCT / _CRIME_PCT.sum()])
# Shoplifting up, ASB and burglary down: gives the scorecard significant changes to find.
TYPE_TREND = np.array([-0.08, 0.02, 0, -0.03, 0.20, 0, -0.04, -0.06, 0.03, 0, 0.02, 0, 0.05, -0.03])
SEASON_AMP = np.array([0.15, 0.08, 0.05, 0.05, 0.03, 0.05, 0.04, 0.04, 0.03, 0.03, 0.05, 0.03, 0.05, 0.25])
# gamma shape of the monthly swing: a coefficient of variation of 1/sqrt(shape), about 13%
MONTHLY_SWING_SHAPE = 60.0
# About half of Lancashire's real ~13,400 police.uk rows a month: the demo spans 6.5 years, and the
# whole of it must load no slower than 3.5 years at full volume did. Comparator forces get the same
# rows per head (times their own rate multipliers), so rates compare like with like.
MONTHLY_ROWS = 6_000
_TREND_CENTRE = sum(int(y) * 12 + int(m) - 1 for y, m in (d.split("-") for d in DEMO_MONTHS)) // 2  # 2022-06
OUTCOMES = np.array(["Investigation complete; no suspect identified", "Unable to prosecute suspect",
                     "Status update unavailable", "Local resolution", "Offender given a caution",
                     "Court result unavailable", "Action to be taken by another organisation",
                     "Further investigation is not in the public interest", "Awaiting court outcome",
                     "Formal action is not in the public interest", "Offender given penalty notice",
                     "Under investigation"])
OUTCOME_P = np.array([40, 27, 5, 5, 2, 7, 3, 2, 3, 2, 1, 3], dtype=float) / 100


def _rng(seed: int, *stream: int) -> np.random.Generator:
    """Independent stream per component, so changing one feed's arguments never shifts another."""
    return np.random.default_rng([seed, *stream])


def _area_arrays() -> dict[str, np.ndarray]:
    """AREAS as column arrays, for vectorised arithmetic."""
    cols = list(zip(*AREAS))
    keys = ("code", "name", "kind", "pop", "lon", "lat", "spread", "mult", "trend")
    return {k: np.array(v) for k, v in zip(keys, cols)}


def _area_index(inc: pl.DataFrame) -> np.ndarray:
    """Position in AREAS of each in-county LSOA's district."""
    codes = [a[0] for a in AREAS]
    return inc["lad_code"].replace_strict(codes, range(len(codes)), return_dtype=pl.Int64).to_numpy()


def _letters(idx: np.ndarray) -> np.ndarray:
    """0 -> 'A', 1 -> 'B', ...: the LSOA letter after the MSOA number."""
    return np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))[idx]


@functools.lru_cache(maxsize=4)
def _geography(seed: int) -> pl.DataFrame:
    """Build the LSOAs area by area: MSOA-numbered names, ~7% new 2021 codes, clustered centroids."""
    rng = _rng(seed, 0)
    frames, n11, n21 = [], 1025000, 1034000
    for code, name, _, pop, lon, lat, spread, *_ in AREAS:
        n = round(pop / 1600)
        sizes = rng.integers(4, 7, size=n)  # LSOAs per MSOA
        starts = np.concatenate([[0], np.cumsum(sizes)])
        msoa = np.searchsorted(starts, np.arange(n), side="right") - 1
        letter = np.arange(n) - starts[msoa]
        rep = np.flatnonzero(rng.random(n) < 0.07)  # replaced by a new 2021 code
        uniq, first = np.unique(msoa[rep], return_index=True)
        rank = np.arange(rep.size) - first[np.searchsorted(uniq, msoa[rep])]
        letter21 = letter.copy()
        letter21[rep] = np.minimum(sizes[msoa[rep]], n - starts[msoa[rep]]) + rank
        num21 = np.arange(n) + n11
        num21[rep] = n21 + np.arange(rep.size)
        n21 += rep.size
        msoa_s = np.char.zfill((msoa + 1).astype(str), 3)
        frames.append(pl.DataFrame({
            "lsoa11_code": np.char.add("E0", (n11 + np.arange(n)).astype(str)),
            "lsoa11_name": np.char.add(f"{name} ", np.char.add(msoa_s, _letters(letter))),
            "lsoa21_code": np.char.add("E0", num21.astype(str)),
            "lsoa21_name": np.char.add(f"{name} ", np.char.add(msoa_s, _letters(letter21))),
            "lad_code": code, "lad_name": name,
            "lon": np.clip(lon + rng.normal(0, spread, n), -3.1, -2.0),
            "lat": np.clip(lat + rng.normal(0, spread * 0.6, n), 53.5, 54.2),
            "population_weight": (w := rng.gamma(20.0, size=n)) / w.sum(), "in_county": True}))
        n11 += n
    for lad, name, prefix, first_num, n, lon, lat in OUT_OF_COUNTY:
        codes = [f"{prefix}{first_num + i:08d}" for i in range(n)]  # a dozen rows: not a row loop
        names = [f"{name} {10 + 3 * i:03d}{'ACE'[i % 3]}" for i in range(n)]
        frames.append(pl.DataFrame({
            "lsoa11_code": codes, "lsoa11_name": names, "lsoa21_code": codes, "lsoa21_name": names,
            "lad_code": lad, "lad_name": name, "lon": lon + rng.normal(0, 0.02, n),
            "lat": lat + rng.normal(0, 0.012, n), "population_weight": 1.0 / n, "in_county": False}))
    return pl.concat(frames)  # in-county LSOAs first, in AREAS order (samplers rely on it)


def demo_geography(seed: int = 20240401) -> pl.DataFrame:
    """The synthetic LSOA geography behind every demo feed, one row per LSOA.

    Exposed so tests and other code can check feeds against the geography that made them.
    population_weight is the LSOA's share of its district's population (equal shares out of county).
    """
    return _geography(seed).clone()


@functools.lru_cache(maxsize=4)
def _comparator_geography(seed: int) -> pl.DataFrame:
    """The comparator districts' LSOAs, district by district in COMPARATOR_DISTRICTS order.

    MSOA-numbered names as Lancashire's, one code for 2011 and 2021 (no boundary changes), clustered
    centroids, ~1,500 residents each (mid-2022) and an IMD 2019 rank around the district's median.
    Streams of their own (30, 32): Lancashire's geography never moves when these change."""
    rng, frames = _rng(seed, 30), []
    for d in COMPARATOR_DISTRICTS:
        n = d.lsoas
        sizes = rng.integers(4, 7, size=n)  # LSOAs per MSOA
        starts = np.concatenate([[0], np.cumsum(sizes)])
        msoa = np.searchsorted(starts, np.arange(n), side="right") - 1
        prefix = d.lad_name.split(",")[0]  # ONS names LSOAs "Kingston upon Hull 025A", not "..., City of 025A"
        names = np.char.add(f"{prefix} ", np.char.add(np.char.zfill((msoa + 1).astype(str), 3),
                                                      _letters(np.arange(n) - starts[msoa])))
        codes = np.char.add("E0", (d.first_lsoa + np.arange(n)).astype(str))
        population = np.rint(COMPARATOR_LSOA_POPULATION * rng.gamma(20.0, 1 / 20, n)).astype(np.int64)
        frames.append(pl.DataFrame({
            "lsoa11_code": codes, "lsoa11_name": names, "lsoa21_code": codes, "lsoa21_name": names,
            "lad_code": d.lad_code, "lad_name": d.lad_name, "force": d.force,
            "lon": d.lon + rng.normal(0, d.spread, n), "lat": d.lat + rng.normal(0, d.spread * 0.6, n),
            "population": population, "population_weight": population / population.sum()}))
    cg = pl.concat(frames)
    median = np.array([d.imd19_median for d in COMPARATOR_DISTRICTS])[_comparator_index(cg)]
    return cg.with_columns(imd_rank=_imd19_ranks(_rng(seed, 32), median, parity=0))


def comparator_geography(seed: int = 20240401) -> pl.DataFrame:
    """The synthetic LSOAs of the comparator forces' districts, one row per LSOA (a copy)."""
    return _comparator_geography(seed).clone()


def _comparator_index(cg: pl.DataFrame) -> np.ndarray:
    """Position in COMPARATOR_DISTRICTS of each comparator LSOA's district."""
    codes = [d.lad_code for d in COMPARATOR_DISTRICTS]
    return cg["lad_code"].replace_strict(codes, range(len(codes)), return_dtype=pl.Int64).to_numpy()


def _comparator_population(seed: int, cg: pl.DataFrame, years: list[int]) -> np.ndarray:
    """Integer population per comparator LSOA and year (LSOAs x years): mid-2022 growing ~0.6%/yr."""
    rng = _rng(seed, 33)
    growth = np.clip(0.006 + rng.normal(0, 0.003, len(COMPARATOR_DISTRICTS)), 0.0, 0.012)[_comparator_index(cg)]
    base = cg["population"].to_numpy().astype(float)
    return np.rint(base[:, None] * (1 + growth[:, None]) ** (np.array(years) - 2022)).astype(np.int64)


def _imd19_ranks(rng: np.random.Generator, median_rank: np.ndarray, parity: int) -> np.ndarray:
    """Distinct synthetic IMD 2019 ranks (1 = most deprived), spread around each LSOA's district median.

    parity 1 gives odd ranks, 0 even ones: Lancashire's LSOAs and the comparators' draw from
    streams of their own and still never share a rank."""
    n, half = median_rank.size, IMD19_LSOAS // 2
    logit = np.log(median_rank / (IMD19_LSOAS - median_rank)) + rng.normal(0, 1.2, n)
    target = 1 + np.floor((half - n) / (1 + np.exp(-logit))).astype(np.int64)  # 1 .. half - n
    order, i = np.argsort(target, kind="stable"), np.arange(n)
    k = np.empty(n, dtype=np.int64)
    k[order] = np.maximum.accumulate(target[order] - i) + i  # strictly increasing, at most half
    return 2 * k - parity


def lancashire_imd19_ranks(seed: int, geo: pl.DataFrame) -> pl.DataFrame:
    """A synthetic IMD 2019 rank for every English LSOA of the Lancashire geography (in the county
    and out of it; the IMD 2019 ranks England only, so not the Welsh ones): lsoa11_code, imd_rank."""
    english = geo.filter(pl.col("lsoa11_code").str.starts_with("E"))
    median = english["lad_code"].replace_strict(IMD19_MEDIAN_RANK, return_dtype=pl.Int64).to_numpy()
    return english.select("lsoa11_code").with_columns(imd_rank=_imd19_ranks(_rng(seed, 31), median, parity=1))


def lsoa21_codes_missing_from_lookup(geo: pl.DataFrame) -> list[str]:
    """The five new 2021 LSOA codes left out of the 2021 lookup on purpose.

    Police data uses them (they are the most populous new codes), so the warehouse has to fall back
    to the district name at the start of the LSOA name to attribute them.
    """
    new = geo.filter(pl.col("in_county") & (pl.col("lsoa21_code") != pl.col("lsoa11_code")))
    return new.sort(["population_weight", "lsoa21_code"], descending=[True, False])["lsoa21_code"][:5].to_list()


def _lsoa_sampler(weights: np.ndarray, area_of_lsoa: np.ndarray) -> np.ndarray:
    """Cumulative weights offset by area index: searchsorted(cum, area + u) draws an LSOA of that area."""
    tot = np.bincount(area_of_lsoa, weights=weights)
    w = weights / tot[area_of_lsoa]
    cum = np.cumsum(w)
    first = np.searchsorted(area_of_lsoa, area_of_lsoa)
    return cum - (cum[first] - w[first]) + area_of_lsoa


def _draw_lsoa(cum: np.ndarray, area: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One LSOA index per row, drawn within the row's area (see _lsoa_sampler)."""
    return np.minimum(np.searchsorted(cum, area + rng.random(area.size), side="right"), cum.size - 1)


def _month_list(months: tuple[str, str]) -> list[str]:
    """Inclusive list of YYYY-MM months between the two bounds."""
    (y0, m0), (y1, m1) = (map(int, m.split("-")) for m in months)
    return [f"{a // 12}-{a % 12 + 1:02d}" for a in range(y0 * 12 + m0 - 1, y1 * 12 + m1)]


def _area_population(seed: int, years: list[int]) -> np.ndarray:
    """Integer population per area and year (areas x years): the rough 2022 figures growing ~0.7%/yr."""
    rng = _rng(seed, 3)
    growth = 0.007 + rng.normal(0, 0.002, len(AREAS))
    base = _area_arrays()["pop"] * (1 + rng.normal(0, 0.01, len(AREAS)))  # rough figures, made less round
    return np.rint(base[:, None] * (1 + growth[:, None]) ** (np.array(years) - 2022)).astype(np.int64)



class _PoliceContext:
    """What every police month shares: geography arrays, samplers and snap points."""

    def __init__(self, geo: pl.DataFrame, seed: int) -> None:
        rng, a = _rng(seed, 1), _area_arrays()
        inc = geo.filter("in_county")
        self.n_in, self.n_all = inc.height, geo.height
        self.area_of = _area_index(inc)
        # crime concentrates in town centres: hotspot boost near the area centre
        d = np.hypot(inc["lon"].to_numpy() - a["lon"][self.area_of], inc["lat"].to_numpy() - a["lat"][self.area_of])
        w = inc["population_weight"].to_numpy() * rng.lognormal(0, 0.5, self.n_in) * (1 + 3 * np.exp(-(d / 0.015) ** 2))
        self.cum = _lsoa_sampler(w, self.area_of)
        share = a["pop"] * a["mult"]
        self.area_share, self.area_trend = share / share.sum(), a["trend"]
        self.codes = {v: geo[f"lsoa{v}_code"].to_numpy().astype(str) for v in (11, 21)}
        self.names = {v: geo[f"lsoa{v}_name"].to_numpy().astype(str) for v in (11, 21)}
        self.pt_lon = geo["lon"].to_numpy()[:, None] + rng.normal(0, 0.006, (self.n_all, 8))
        self.pt_lat = geo["lat"].to_numpy()[:, None] + rng.normal(0, 0.004, (self.n_all, 8))
        self.pt_street = rng.integers(0, STREETS.size, (self.n_all, 8))


def _hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random 64-char lowercase hex IDs, built from a byte table (no per-row Python)."""
    table = np.frombuffer(b"".join(f"{i:02x}".encode() for i in range(256)), np.uint8).reshape(256, 2)
    raw = np.frombuffer(rng.bytes(32 * n), np.uint8).reshape(n, 32)
    return table[raw].reshape(n, 64).copy().view("S64").ravel().astype(str)


def _repeat_crime_ids(rng: np.random.Generator, ids: np.ndarray, crime_rows: np.ndarray,
                      columns: tuple[np.ndarray, ...], prev_ids: np.ndarray, scale: float) -> np.ndarray:
    """Make Crime IDs non-unique the way police.uk files are; edits ids and columns in place.

    ~1% of crime rows take another row's ID (half of them copy the whole row, so fully identical
    duplicates exist) and a few rows take an ID from the previous month's file.
    """
    n_dup = rng.binomial(crime_rows.size, 0.01)
    sel = rng.choice(crime_rows, 2 * n_dup, replace=False)
    dst, src = sel[:n_dup], sel[n_dup:]
    n_full = (n_dup + 1) // 2
    for arr in columns:
        arr[dst[:n_full]] = arr[src[:n_full]]
    ids[dst] = ids[src]
    free = np.setdiff1d(crime_rows, sel)
    n_rec = min(prev_ids.size, free.size, max(1, round(8 * scale)))
    ids[rng.choice(free, n_rec, replace=False)] = rng.choice(prev_ids, n_rec, replace=False)
    return ids


def _street_frame(ids: np.ndarray, month: str, force_name: str, lon: np.ndarray, lat: np.ndarray,
                  street: np.ndarray, codes: np.ndarray, names: np.ndarray, ctype: np.ndarray,
                  outcome: np.ndarray, noloc: np.ndarray) -> pl.DataFrame:
    """One month of a force's police.uk street file as published: ASB rows without Crime ID or
    outcome, "No Location" rows without coordinates or LSOA, sorted by LSOA name and crime type."""
    n = ids.size
    df = pl.DataFrame({
        "Crime ID": ids, "Month": np.full(n, month),
        **{c: np.full(n, force_name) for c in ("Reported by", "Falls within")},
        "Longitude": lon, "Latitude": lat, "Location": np.char.add("On or near ", street),
        "LSOA code": codes, "LSOA name": names, "Crime type": CRIME_TYPES[ctype],
        "Last outcome category": OUTCOMES[outcome], "Context": pl.Series([None] * n, dtype=pl.String),
        "_noloc": noloc, "_asb": ctype == 0})
    blank = lambda c, cond: pl.when(pl.col(cond)).then(None).otherwise(pl.col(c)).alias(c)  # noqa: E731
    df = df.with_columns(
        *[blank(c, "_noloc") for c in ("Longitude", "Latitude", "LSOA code", "LSOA name")],
        *[blank(c, "_asb") for c in ("Crime ID", "Last outcome category")],
        pl.when("_noloc").then(pl.lit("No Location")).otherwise("Location").alias("Location"))
    return df.sort(["LSOA name", "Crime type"], nulls_last=True, maintain_order=True).select(POLICE_HEADER)


def _quarters(months: list[str]) -> list[tuple[int, int]]:
    """(financial year start, quarter) of every financial quarter whose three months are all in ``months``."""
    have = set(months)
    out = []
    for month in months:
        y, m = map(int, month.split("-"))
        if m in (4, 7, 10, 1):
            q = {4: 1, 7: 2, 10: 3, 1: 4}[m]
            fy = y if q < 4 else y - 1
            trio = [f"{y}-{m + i:02d}" for i in range(3)]
            if all(t in have for t in trio):
                out.append((fy, q))
    return out
