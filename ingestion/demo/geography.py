"""The demo's shared ground: where and when every synthetic feed happens.

The 14 Lancashire districts and unitaries (``AREAS``), the LSOAs drawn inside them (and a few out
of the county), the demo span and its months and quarters, populations per area and year, the
samplers that place a row in an LSOA, and the snap points the police feeds share. Every demo
generator in this package builds on this module and none on another generator, so the package has
no import loops. EVERYTHING HERE IS SYNTHETIC.
"""

from __future__ import annotations

import functools

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
DEMO_MONTHS = ("2019-04", "2025-09")  # six complete financial years, 2019/20 to 2024/25, and a half
_PARTS = ("Tintern Ravenscroft Nelson Victoria Albert Church Mill Park Station Chapel Market Queen "
          "King Moor Bank Hall Brook Willow Beech Oak").split()
_SUFFIXES = "Street Road Lane Close Crescent Avenue Drive Way Grove Terrace".split()
STREETS = np.array([f"{p} {s}" for p in _PARTS for s in _SUFFIXES]
                   + ["Supermarket", "Parking Area", "Petrol Station", "Sports/Recreation Area",
                      "Shopping Area", "Further/Higher Educational Building", "Nightclub", "Hospital"])


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
