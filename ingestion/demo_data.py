"""Synthetic demo partner feeds for the Lancashire community safety warehouse.

EVERYTHING THIS MODULE WRITES IS SYNTHETIC: made-up LSOAs, crimes, collisions and populations.
It is not real data and must never be reported as such. It exists so the whole pipeline (landing
-> raw -> dbt marts -> Board scorecard) can be demonstrated and tested end to end for the 14
Lancashire areas without partner files, and so tests can exercise the quirks real files have.

The default span is April 2019 to September 2025: six complete financial years (2019/20 to
2024/25) and half of the seventh, so the annual update has five complete years to trend even for
repeat-victim indicators, whose first year lacks its 12-month lookback. To keep the nightly job as
fast as it was with 3.5 years, the monthly feeds carry about half of a real force's volume a month
(police.uk ~6,000 rows, force extract ~5,500 crimes); yearly feeds (STATS19, populations) keep
realistic volumes.

The files copy the published formats exactly (headers, CRLF police files, DfT -1 codes, the STATS19
"accident_*" column names up to 2022, ONS lookup and population layouts) and reproduce known quirks:
ASB rows without Crime ID or outcome, "No Location" rows, out-of-county and Welsh LSOAs, repeated
Crime IDs, LSOA 2011 codes before 2023-07 and 2021 codes after, and five 2021 LSOA codes missing
from the 2021 lookup. Output is a pure function of the arguments: same seed and arguments give
byte-identical files. Generation is vectorised with numpy; loops run over months, areas and files
only.
"""
from __future__ import annotations

import functools
from pathlib import Path

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
FORCE = "Lancashire Constabulary"
POLICE_HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
                 "LSOA name,Crime type,Last outcome category,Context").split(",")
LSOA21_SWITCH = "2023-07"  # police.uk moved to 2021 LSOAs from this month
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
# whole of it must load no slower than 3.5 years at full volume did.
MONTHLY_ROWS = 6_000
DEMO_MONTHS = ("2019-04", "2025-09")  # six complete financial years, 2019/20 to 2024/25, and a half
# STATS19 files written: (data year, months in the file); the last one is DfT's provisional mid-year file.
STATS19_YEARS: tuple[tuple[int, int], ...] = (*((y, 12) for y in range(2019, 2025)), (2025, 6))
_TREND_CENTRE = sum(int(y) * 12 + int(m) - 1 for y, m in (d.split("-") for d in DEMO_MONTHS)) // 2  # 2022-06
LEGACY_LAST_YEAR = 2022  # DfT files up to this year use the accident_* column names
LSOA_POPULATION_YEARS = (2019, 2020, 2021)  # small-area estimates (2011 LSOAs), long format
DISTRICT_POPULATION_YEARS = (2022, 2023, 2024)  # district estimates, wide format
OUTCOMES = np.array(["Investigation complete; no suspect identified", "Unable to prosecute suspect",
                     "Status update unavailable", "Local resolution", "Offender given a caution",
                     "Court result unavailable", "Action to be taken by another organisation",
                     "Further investigation is not in the public interest", "Awaiting court outcome",
                     "Formal action is not in the public interest", "Offender given penalty notice",
                     "Under investigation"])
OUTCOME_P = np.array([40, 27, 5, 5, 2, 7, 3, 2, 3, 2, 1, 3], dtype=float) / 100
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


def _hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random 64-char lowercase hex IDs, built from a byte table (no per-row Python)."""
    table = np.frombuffer(b"".join(f"{i:02x}".encode() for i in range(256)), np.uint8).reshape(256, 2)
    raw = np.frombuffer(rng.bytes(32 * n), np.uint8).reshape(n, 32)
    return table[raw].reshape(n, 64).copy().view("S64").ravel().astype(str)


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


def _police_month(ctx: _PoliceContext, month: str, age: int, rng: np.random.Generator, scale: float,
                  prev_ids: np.ndarray) -> pl.DataFrame:
    """One month of street-level crime and ASB, with the published file's quirks."""
    y, m = map(int, month.split("-"))
    t = (y * 12 + m - 1 - _TREND_CENTRE) / 12  # years from the default span's middle: averages match the shares
    season = 1 + SEASON_AMP * np.cos(2 * np.pi * (m - 7) / 12)
    # a month's own swing per crime type, shared by every area (weather, operations, recording drives):
    # real monthly crime counts vary more than Poisson, and the scorecard's test allows for it
    swing = rng.gamma(MONTHLY_SWING_SHAPE, 1 / MONTHLY_SWING_SHAPE, CRIME_TYPES.size)
    lam = (MONTHLY_ROWS * scale * np.outer(ctx.area_share * np.exp(ctx.area_trend * t),
                                           TYPE_SHARE * season * swing * np.exp(TYPE_TREND * t)))
    counts = rng.poisson(lam).ravel()
    k_area, k_type = np.divmod(np.arange(counts.size), CRIME_TYPES.size)
    area, ctype = np.repeat(k_area, counts), np.repeat(k_type, counts)
    n = area.size
    lsoa = _draw_lsoa(ctx.cum, area, rng)
    out = rng.random(n) < 0.003
    lsoa[out] = rng.integers(ctx.n_in, ctx.n_all, out.sum())
    pt = rng.integers(0, 8, n)
    noloc = rng.random(n) < 0.035
    p_ui = 0.03 + 0.92 * np.exp(-age / 9)  # recent outcomes lag: mostly "Under investigation"
    outcome = np.where(rng.random(n) < p_ui, OUTCOMES.size - 1, rng.choice(OUTCOMES.size, n, p=OUTCOME_P))
    ids = _repeat_crime_ids(rng, _hex_ids(rng, n), np.flatnonzero(ctype != 0), (ctype, lsoa, pt, noloc, outcome),
                            prev_ids, scale)
    v = 21 if month >= LSOA21_SWITCH else 11
    df = pl.DataFrame({
        "Crime ID": ids, "Month": np.full(n, month), **{c: np.full(n, FORCE) for c in ("Reported by", "Falls within")},
        "Longitude": np.round(ctx.pt_lon[lsoa, pt], 6), "Latitude": np.round(ctx.pt_lat[lsoa, pt], 6),
        "Location": np.char.add("On or near ", STREETS[ctx.pt_street[lsoa, pt]]),
        "LSOA code": ctx.codes[v][lsoa], "LSOA name": ctx.names[v][lsoa], "Crime type": CRIME_TYPES[ctype],
        "Last outcome category": OUTCOMES[outcome], "Context": pl.Series([None] * n, dtype=pl.String),
        "_noloc": noloc, "_asb": ctype == 0})
    blank = lambda c, cond: pl.when(pl.col(cond)).then(None).otherwise(pl.col(c)).alias(c)  # noqa: E731
    df = df.with_columns(
        *[blank(c, "_noloc") for c in ("Longitude", "Latitude", "LSOA code", "LSOA name")],
        *[blank(c, "_asb") for c in ("Crime ID", "Last outcome category")],
        pl.when("_noloc").then(pl.lit("No Location")).otherwise("Location").alias("Location"))
    return df.sort(["LSOA name", "Crime type"], nulls_last=True, maintain_order=True).select(POLICE_HEADER)


def _write_police(landing: Path, geo: pl.DataFrame, seed: int, months: list[str], scale: float) -> list[Path]:
    """One CRLF file per month; each month has its own random stream keyed by the calendar month."""
    ctx, prev, paths = _PoliceContext(geo, seed), np.array([], dtype=str), []
    (landing / "police_street").mkdir(parents=True, exist_ok=True)
    for i, month in enumerate(months):
        y, m = map(int, month.split("-"))
        df = _police_month(ctx, month, len(months) - 1 - i, _rng(seed, 2, y * 12 + m), scale, prev)
        prev = df["Crime ID"].drop_nulls().unique(maintain_order=True).to_numpy()
        path = landing / "police_street" / f"{month}-lancashire-street.csv"
        df.write_csv(path, line_terminator="\r\n", float_precision=6, null_value="")
        paths.append(path)
    return paths


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


def _area_population(seed: int, years: list[int]) -> np.ndarray:
    """Integer population per area and year (areas x years): the rough 2022 figures growing ~0.7%/yr."""
    rng = _rng(seed, 3)
    growth = 0.007 + rng.normal(0, 0.002, len(AREAS))
    base = _area_arrays()["pop"] * (1 + rng.normal(0, 0.01, len(AREAS)))  # rough figures, made less round
    return np.rint(base[:, None] * (1 + growth[:, None]) ** (np.array(years) - 2022)).astype(np.int64)


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


# --- STATS19 (DfT road safety open data) ------------------------------------------------------
COLLISION_HEADER = (
    "collision_index,collision_year,collision_ref_no,location_easting_osgr,location_northing_osgr,longitude,"
    "latitude,police_force,collision_severity,number_of_vehicles,number_of_casualties,date,day_of_week,time,"
    "local_authority_district,local_authority_ons_district,local_authority_highway,"
    "local_authority_highway_current,first_road_class,first_road_number,road_type,speed_limit,"
    "junction_detail_historic,junction_detail,junction_control,second_road_class,second_road_number,"
    "pedestrian_crossing_human_control_historic,pedestrian_crossing_physical_facilities_historic,"
    "pedestrian_crossing,light_conditions,weather_conditions,road_surface_conditions,special_conditions_at_site,"
    "carriageway_hazards_historic,carriageway_hazards,urban_or_rural_area,"
    "did_police_officer_attend_scene_of_accident,trunk_road_flag,lsoa_of_accident_location,"
    "enhanced_severity_collision,collision_injury_based,collision_adjusted_severity_serious,"
    "collision_adjusted_severity_slight").split(",")
VEHICLE_HEADER = (
    "collision_index,collision_year,collision_ref_no,vehicle_reference,vehicle_type,towing_and_articulation,"
    "vehicle_manoeuvre_historic,vehicle_manoeuvre,vehicle_direction_from,vehicle_direction_to,"
    "vehicle_location_restricted_lane_historic,vehicle_location_restricted_lane,junction_location,"
    "skidding_and_overturning,hit_object_in_carriageway,vehicle_leaving_carriageway,hit_object_off_carriageway,"
    "first_point_of_impact,vehicle_left_hand_drive,journey_purpose_of_driver_historic,journey_purpose_of_driver,"
    "sex_of_driver,age_of_driver,age_band_of_driver,engine_capacity_cc,propulsion_code,age_of_vehicle,"
    "generic_make_model,driver_imd_decile,lsoa_of_driver,escooter_flag,driver_distance_banding").split(",")
CASUALTY_HEADER = (
    "collision_index,collision_year,collision_ref_no,vehicle_reference,casualty_reference,casualty_class,"
    "sex_of_casualty,age_of_casualty,age_band_of_casualty,casualty_severity,pedestrian_location,"
    "pedestrian_movement,car_passenger,bus_or_coach_passenger,pedestrian_road_maintenance_worker,casualty_type,"
    "casualty_imd_decile,lsoa_of_casualty,enhanced_casualty_severity,casualty_injury_based,"
    "casualty_adjusted_severity_serious,casualty_adjusted_severity_slight,casualty_distance_banding").split(",")
# Files up to 2022 predate the "collision" renaming and the enhanced/injury-based severity columns.
LEGACY_RENAME = {"collision_index": "accident_index", "collision_year": "accident_year",
                 "collision_ref_no": "accident_reference", "collision_severity": "accident_severity",
                 "lsoa_of_collision_location": "lsoa_of_accident_location"}
LEGACY_DROP = {"enhanced_severity_collision", "collision_injury_based", "collision_adjusted_severity_serious",
               "collision_adjusted_severity_slight", "enhanced_casualty_severity", "casualty_injury_based"}
_DIR = ((1, 2, 3, 4, 5, 6, 7, 8, 0, -1), (22, 5, 15, 4, 17, 4, 15, 4, 5, 9))
_DECILES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1)
# column -> (codes, relative weights); anything in a header that is neither here nor computed is -1
SPECS: dict[str, tuple[tuple, tuple]] = {
    "first_road_class": ((6, 3, 4, 1, 2), (50, 35, 9, 5, 1)),
    "road_type": ((6, 3, 9, 1, 2, 7), (75, 15, 3.5, 3.5, 1.5, 1.5)),
    "speed_limit": ((30, 20, 40, 60, 50), (66, 11, 11, 8, 4)),
    "junction_detail": ((0, 13, 16, 19, -1, 18, 17), (40, 27, 14, 11, 5, 2, 1)),
    "junction_control": ((4, 2, 3, 1), (80, 17, 1.5, 1.5)),
    "second_road_class": ((6, 3, 4, 1), (80, 13, 5, 2)),
    "pedestrian_crossing": ((0, 15, 14, 13, 12, 17, 11), (81, 6, 4, 4, 2.6, 2, 0.4)),
    "light_conditions": ((1, 4, 6, 7, 5), (68, 26, 3, 2, 1)),
    "weather_conditions": ((1, 2, 8, 9, 4, 5, 3, 7), (76, 14, 3, 2, 2, 1.5, 1, 0.5)),
    "carriageway_hazards": ((0, 13, 17, 11, 16, 21), (95, 1.5, 1.3, 1, 0.6, 0.6)),
    "urban_or_rural_area": ((1, 2), (72, 28)),
    "did_police_officer_attend_scene_of_accident": ((1, 2, 3), (75, 20, 5)),
    "towing_and_articulation": ((0, 1, 4), (99.6, 0.2, 0.2)),
    "vehicle_manoeuvre": ((19, 9, -1, 2, 5, 4, 7, 3, 18, 16), (55, 10, 8, 7, 5, 4, 3, 3, 3, 2)),
    "vehicle_direction_from": _DIR, "vehicle_direction_to": _DIR,
    "vehicle_location_restricted_lane": ((0, -1, 9, 4, 2, 1), (87, 9, 3, 0.5, 0.25, 0.25)),
    "junction_location": ((0, 8, 1, 2, -1, 6, 4, 3), (40, 25, 19, 5, 4, 3, 2.5, 1.5)),
    "skidding_and_overturning": ((0, -1, 1, 5, 2), (82, 9, 5, 3, 1)),
    "hit_object_in_carriageway": ((0, -1, 4, 10, 11, 7), (86.6, 9, 2.2, 1, 0.8, 0.4)),
    "vehicle_leaving_carriageway": ((0, -1, 1, 7, 3, 2), (82.4, 9, 4.5, 2.5, 0.8, 0.8)),
    "hit_object_off_carriageway": ((0, -1, 11, 1, 10, 2, 4), (90, 5.6, 1.6, 0.8, 0.8, 0.6, 0.6)),
    "first_point_of_impact": ((1, 3, 2, 4, -1, 0), (46, 15, 13, 13, 9, 4)),
    "vehicle_left_hand_drive": ((1, 2), (98.5, 1.5)),
    "journey_purpose_of_driver": ((6, 9, 1, 2, 7), (45, 32, 13, 9, 1)),
    "sex_of_driver": ((1, 2, 3, -1), (57, 24, 12, 7)),
    "propulsion_code": ((1, 2, 8, 3), (45, 42, 10, 3)),
    "driver_imd_decile": (_DECILES, (20, 13, 10, 8, 7, 7, 6, 5, 4, 3, 17)),
    "driver_distance_banding": ((1, 2, 3, 4, 5, -1), (47, 13, 10, 7, 2, 21)),
    "sex_of_casualty": ((1, 2, -1), (60, 39, 1)),
    "casualty_imd_decile": (_DECILES, (25, 14, 11, 8, 7, 7, 6, 6, 5, 4, 7)),
    "casualty_distance_banding": ((1, 2, 3, 4, 5, -1), (63, 14, 10, 7, 3, 3)),
}
ROAD_NUMBERS = {1: (6, 55, 61, 65), 2: (6,), 3: (6, 59, 56, 583, 582, 585, 587, 588, 671, 682, 6068, 666, 565),
                4: (5251, 5256, 6231, 5269, 6243, 5192)}
# casualty_type shares: pedestrian 13%, cyclist 10%, motorcyclists 10%, car 58%, others 9%
CAS_TYPES = np.array([0, 1, 2, 3, 4, 5, 23, 97, 9, 8, 11, 19, 20, 21, 90])
CAS_P = np.array([13, 10, 1.5, 3.5, 1.5, 3, 0.2, 0.3, 58, 1.1, 1.4, 4, 0.7, 0.9, 0.9]) / 100
OTHER_VEH = ((9, 19, 1, 3, 5, 11, 8, 21, 20, 90), (74, 9, 2, 2, 2, 2.5, 2, 2, 1, 1.5))
RIDERS = np.array([1, 2, 3, 4, 5, 23, 97])  # pedal cycles and motorcycles
BUS_PASSENGER = ((4, 3, 1, 2), (6, 2, 1, 1))  # seated, standing, boarding, alighting
ENHANCED_SERIOUS = ((5, 6, 7), (13, 23, 64))  # very / moderately / less serious
HOUR_W = np.array([1, .7, .5, .4, .4, .7, 1.5, 3.5, 6, 4.5, 4.5, 5, 5.5, 5.8, 6.2, 7.5, 8, 8.5, 6.5, 5, 4, 3, 2.4, 1.6])
CARS = ("VOLKSWAGEN GOLF", "FORD FIESTA", "VAUXHALL CORSA", "FORD FOCUS", "TOYOTA YARIS", "TOYOTA AURIS",
        "BMW 3 SERIES", "NISSAN QASHQAI", "VAUXHALL ASTRA", "AUDI A3", "KIA SPORTAGE", "SKODA OCTAVIA",
        "PEUGEOT 208", "RENAULT CLIO", "TOYOTA PRIUS", "HYUNDAI TUCSON")
MODELS = {9: CARS, 8: CARS, 19: ("FORD TRANSIT", "VOLKSWAGEN TRANSPORTER", "MERCEDES SPRINTER", "VAUXHALL VIVARO"),
          3: ("HONDA PCX", "YAMAHA YBR", "HONDA CBF"), 5: ("TRIUMPH STREET", "BMW R SERIES", "KAWASAKI Z"),
          4: ("HONDA CBF", "SUZUKI GSX"), 11: ("ALEXANDER DENNIS ENVIRO", "WRIGHTBUS STREETLITE")}
ENGINE_CC = {9: (998, 999, 1199, 1248, 1395, 1498, 1598, 1798, 1968, 1995, 2143), 8: (1598, 1798, 1968, 2143),
             19: (1560, 1995, 2143, 2198), 20: (2998, 4580), 21: (6700, 7700, 10837, 12800), 11: (6700, 7200, 8900),
             2: (49, 50), 3: (124, 125), 4: (250, 300, 390, 471, 499), 5: (649, 689, 865, 1000, 1170)}
AGE_BAND_EDGES = np.array([6, 11, 16, 21, 26, 36, 46, 56, 66, 76])


def _draw(rng: np.random.Generator, spec: tuple[tuple, tuple], n: int) -> np.ndarray:
    """n codes drawn with the spec's relative weights."""
    codes, w = spec
    return rng.choice(np.array(codes), n, p=np.array(w, float) / sum(w))


def _by_group(rng: np.random.Generator, key: np.ndarray, choices: dict, default) -> np.ndarray:
    """Per-row value drawn from the choice list of the row's group (a loop over groups, not rows)."""
    out = np.full(key.size, default, dtype=object if isinstance(default, str) else np.int64)
    for k, opts in choices.items():
        m = key == k
        out[m] = rng.choice(np.array(opts, dtype=out.dtype), m.sum())
    return out


def _age_band(age: np.ndarray) -> np.ndarray:
    """DfT age bands 1 (0-5) .. 11 (over 75); -1 stays -1."""
    return np.where(age < 0, -1, np.searchsorted(AGE_BAND_EDGES, age, side="right") + 1)


def _ages(rng: np.random.Generator, n: int) -> np.ndarray:
    """Casualty ages 0-95 with ~16% aged 17-24 and ~1% missing (-1)."""
    w = np.r_[np.full(16, .5), 1.5, np.zeros(8), np.full(15, 1.6), np.full(20, 1.2), np.full(20, .8), np.full(16, .35)]
    w = 0.83 * w / w.sum()
    w[17:25] = 0.16 / 8
    return np.where(rng.random(n) < 0.01, -1, rng.choice(96, n, p=w / w.sum()))


def _frame(header: list[str], cols: dict[str, object], n: int) -> pl.DataFrame:
    """Columns in published order; any column we do not model is -1, as DfT publishes uncollected fields."""
    return pl.DataFrame({c: cols[c] if c in cols else np.full(n, -1) for c in header})


def _collisions(rng: np.random.Generator, inc: pl.DataFrame, year: int, n_months: int, scale: float) -> dict:
    """Where and when: date, time, district (by population), LSOA, coordinates and the DfT index."""
    a = _area_arrays()
    cum = _lsoa_sampler(inc["population_weight"].to_numpy(), _area_index(inc))
    codes = inc["lsoa11_code" if year <= LEGACY_LAST_YEAR else "lsoa21_code"].to_numpy().astype(str)  # census vintage
    nc = max(1, rng.poisson(3000 * scale * n_months / 12))  # keep every file non-empty at tiny scales
    start = np.datetime64(f"{year}-01", "M")
    n_days = ((start + n_months).astype("datetime64[D]") - start.astype("datetime64[D]")).astype(int)
    dates = start.astype("datetime64[D]") + np.sort(rng.integers(0, n_days, nc))
    area = rng.choice(len(AREAS), nc, p=a["pop"] / a["pop"].sum())
    lsoa = _draw_lsoa(cum, area, rng)
    lon = inc["lon"].to_numpy()[lsoa] + rng.normal(0, 0.006, nc)
    lat = inc["lat"].to_numpy()[lsoa] + rng.normal(0, 0.004, nc)
    ref = np.char.add("04", np.char.zfill(np.sort(rng.choice(10**7, nc, replace=False)).astype(str), 7))
    hour = np.char.zfill(rng.choice(24, nc, p=HOUR_W / HOUR_W.sum()).astype(str), 2)
    minute = np.where(rng.random(nc) < .55, rng.integers(0, 12, nc) * 5, rng.integers(0, 60, nc))
    highway = np.where(a["kind"] == "Unitary Authority", a["code"], COUNTY[0])[area]  # county runs the roads
    return {
        "collision_index": np.char.add(str(year), ref), "collision_year": np.full(nc, year), "collision_ref_no": ref,
        "location_easting_osgr": np.rint(400000 + (lon + 2) * 111320 * np.cos(np.radians(lat))).astype(int),
        "location_northing_osgr": np.rint(-100000 + (lat - 49) * 111200).astype(int),
        "longitude": np.round(lon, 5), "latitude": np.round(lat, 5), "police_force": np.full(nc, 4),
        "date": pl.Series(dates).dt.strftime("%d/%m/%Y"), "day_of_week": (dates.astype(int) + 4) % 7 + 1,
        "time": np.char.add(np.char.add(hour, ":"), np.char.zfill(minute.astype(str), 2)),
        "local_authority_ons_district": a["code"][area], "local_authority_highway": highway,
        "local_authority_highway_current": highway, "lsoa_of_accident_location": codes[lsoa],
        "number_of_vehicles": rng.choice([1, 2, 3], nc, p=[.30, .55, .15]),
        "number_of_casualties": 1 + np.minimum(rng.poisson(0.33, nc), 7), "_area": area, "_cum": cum, "_codes": codes}


def _road_and_conditions(rng: np.random.Generator, col: dict) -> None:
    """Road, junction and weather codes, kept mutually consistent (motorways are 70 mph, rain wets roads)."""
    nc = col["police_force"].size
    col.update({c: _draw(rng, SPECS[c], nc) for c in COLLISION_HEADER if c in SPECS})
    rc, jd = col["first_road_class"], col["junction_detail"]
    col["first_road_number"] = _by_group(rng, rc, ROAD_NUMBERS, 0)
    col["speed_limit"] = np.where(rc <= 2, 70, col["speed_limit"])
    col["trunk_road_flag"] = np.where((rc <= 2) | ((rc == 3) & (rng.random(nc) < 0.1)), 1, 2)
    col["junction_control"] = np.where(np.isin(jd, (0, -1)), -1, col["junction_control"])
    col["second_road_class"] = src = np.where(jd == -1, -1, col["second_road_class"])
    col["second_road_number"] = np.where(src == -1, -1, _by_group(rng, src, ROAD_NUMBERS, 0))
    wet = np.isin(col["weather_conditions"], (2, 5))
    col["road_surface_conditions"] = np.where(wet, 2, _draw(rng, ((1, 2, 4, 3), (86, 11, 2, 1)), nc))


def _casualties(rng: np.random.Generator, col: dict, v_start: np.ndarray, n_veh: int) -> tuple[dict, np.ndarray]:
    """Casualty rows, and the vehicle types they imply (an occupant's type is its vehicle's type)."""
    nv, nk = col["number_of_vehicles"], col["number_of_casualties"]
    k_coll = np.repeat(np.arange(nk.size), nk)
    n = k_coll.size
    ctype = rng.choice(CAS_TYPES, n, p=CAS_P)
    vref = (rng.random(n) * nv[k_coll]).astype(int) + 1
    veh = v_start[k_coll] + vref - 1
    vtype, occ = _draw(rng, OTHER_VEH, n_veh), ctype != 0
    vtype[veh[occ]] = ctype[occ]
    ctype[occ] = vtype[veh[occ]]  # two occupants of one vehicle with different types: the last one wins
    rider = np.isin(ctype, RIDERS)
    first = np.zeros(n, bool)  # a vehicle has one driver: only its first occupant casualty can be it
    first[np.flatnonzero(occ)[np.unique(veh[occ], return_index=True)[1]]] = True
    p_driver = np.select([rider, ctype == 11], [0.93, 0.1], 0.68)
    cclass = np.where(~occ, 3, np.where(first & (rng.random(n) < p_driver), 1, 2))
    age = _ages(rng, n)
    age = np.where((cclass == 1) & (ctype != 1) & (age < 17), rng.integers(25, 65, n), age)
    home = np.where(rng.random(n) < 0.85, col["_area"][k_coll], rng.choice(col["_area"], n))
    home_lsoa = col["_codes"][_draw_lsoa(col["_cum"], home, rng)]
    ped, passenger = ctype == 0, cclass == 2
    cas = {"vehicle_reference": vref, "casualty_reference": np.arange(n) - (np.cumsum(nk) - nk)[k_coll] + 1,
           "casualty_class": cclass, "sex_of_casualty": _draw(rng, SPECS["sex_of_casualty"], n),
           "age_of_casualty": age, "age_band_of_casualty": _age_band(age), "casualty_type": ctype,
           "lsoa_of_casualty": np.where(rng.random(n) < 0.03, "-1", home_lsoa),
           "pedestrian_location": np.where(ped, _draw(rng, ((5, 8, 10, 6, 1, 9, 4), (34, 22, 13, 12, 8, 6, 5)), n), 0),
           "pedestrian_movement": np.where(ped, _draw(rng, ((1, 9, 3, 7, 8, 5, 2), (33, 21, 19, 10, 5, 4, 4)), n), 0),
           "car_passenger": np.where(passenger & (ctype == 9), _draw(rng, ((1, 2), (6, 4)), n), 0),
           "bus_or_coach_passenger": np.where(passenger & (ctype == 11), _draw(rng, BUS_PASSENGER, n), 0),
           "pedestrian_road_maintenance_worker": np.where(ped, -1, 0), "_coll": k_coll, "_veh": veh}
    _severity(rng, cas)
    return cas, vtype


def _severity(rng: np.random.Generator, cas: dict) -> None:
    """Severity (~1.2% fatal, ~22% serious; worse for vulnerable road users), enhanced and adjusted severity.

    Adjusted 'serious' probabilities are set so fatal + sum(adjusted serious) is ~25% of casualties (~1,000 a
    year at scale 1), the way DfT's adjustment lifts slight casualties reported by non-CRASH forces.
    """
    ctype = cas["casualty_type"]
    n = ctype.size
    ksi = rng.random(n) < np.select([ctype == 0, ctype == 1, np.isin(ctype, RIDERS)], [0.38, 0.30, 0.40], 0.165)
    sev = np.where(ksi, np.where(rng.random(n) < 0.052, 1, 2), 3)
    p_ser = np.where(sev == 2, rng.uniform(0.75, 1.0, n), 0.05 + 0.2 * rng.beta(0.25, 5, n))
    ser = np.where(sev == 1, np.nan, np.round(p_ser, 6))
    cas.update({"casualty_severity": sev, "casualty_injury_based": np.ones(n, int),
                "enhanced_casualty_severity": np.select([sev == 1, sev == 2], [1, _draw(rng, ENHANCED_SERIOUS, n)], 3),
                "casualty_adjusted_severity_serious": ser, "casualty_adjusted_severity_slight": np.round(1 - ser, 6)})


def _collision_severity(col: dict, cas: dict) -> None:
    """A collision is as severe as its worst casualty; its adjusted 'serious' is P(any casualty serious)."""
    starts = np.cumsum(col["number_of_casualties"]) - col["number_of_casualties"]
    sev, ser = cas["casualty_severity"], cas["casualty_adjusted_severity_serious"]
    any_fatal = np.maximum.reduceat((sev == 1).astype(int), starts) == 1
    log_not = np.add.reduceat(np.log1p(-np.minimum(np.nan_to_num(ser), 1 - 1e-9)), starts)
    c_ser = np.where(any_fatal, np.nan, np.round(-np.expm1(log_not), 6))
    rank = np.array([9, 0, 9, 4, 9, 1, 2, 3])[cas["enhanced_casualty_severity"]]  # 1 < 5 < 6 < 7 < 3
    col.update({"collision_severity": np.minimum.reduceat(sev, starts),
                "enhanced_severity_collision": np.array([1, 5, 6, 7, 3])[np.minimum.reduceat(rank, starts)],
                "collision_injury_based": np.ones(starts.size, int), "collision_adjusted_severity_serious": c_ser,
                "collision_adjusted_severity_slight": np.where(any_fatal, np.nan, np.round(1 - c_ser, 6))})


def _vehicles(rng: np.random.Generator, col: dict, vtype: np.ndarray, cas: dict) -> dict:
    """Vehicle rows; a driver casualty lends age and sex to the driver fields of its vehicle."""
    nv = col["number_of_vehicles"]
    v_coll = np.repeat(np.arange(nv.size), nv)
    n = v_coll.size
    age = np.where(rng.random(n) < 0.2, -1, np.clip(np.rint(rng.normal(42, 16, n)), 17, 95).astype(int))
    age = np.where((vtype == 1) & (age > 0), rng.integers(8, 75, n), age)
    sex = _draw(rng, SPECS["sex_of_driver"], n)
    drv = cas["casualty_class"] == 1
    age[cas["_veh"][drv]], sex[cas["_veh"][drv]] = cas["age_of_casualty"][drv], cas["sex_of_casualty"][drv]
    unknown = (rng.random(n) < 0.2) | (vtype == 1)  # untraced vehicles and pedal cycles: no DVLA details
    prop = np.select([vtype == 23, np.isin(vtype, RIDERS)], [3, 1], _draw(rng, SPECS["propulsion_code"], n))
    home = col["_codes"][_draw_lsoa(col["_cum"], col["_area"][v_coll], rng)]
    return {"vehicle_reference": np.arange(n) - (np.cumsum(nv) - nv)[v_coll] + 1, "vehicle_type": vtype,
            "sex_of_driver": sex, "age_of_driver": age, "age_band_of_driver": _age_band(age),
            "engine_capacity_cc": np.where(unknown, -1, _by_group(rng, vtype, ENGINE_CC, -1)),
            "propulsion_code": np.where(unknown, -1, prop),
            "age_of_vehicle": np.where(unknown, -1, np.minimum(rng.gamma(2.5, 3.5, n), 30).astype(int)),
            "generic_make_model": np.where(unknown, "-1", _by_group(rng, vtype, MODELS, "-1")).astype(str),
            "lsoa_of_driver": np.where(rng.random(n) < 0.21, "-1", home),
            "escooter_flag": ((vtype == 90) & (rng.random(n) < 0.4)).astype(int), "_coll": v_coll}


def _stats19_year(geo: pl.DataFrame, seed: int, year: int, n_months: int, scale: float) -> list[pl.DataFrame]:
    """Collisions, vehicles and casualties for one year (or its first n_months), current column names."""
    rng = _rng(seed, 4, year)
    col = _collisions(rng, geo.filter("in_county"), year, n_months, scale)
    _road_and_conditions(rng, col)
    nv = col["number_of_vehicles"]
    cas, vtype = _casualties(rng, col, np.cumsum(nv) - nv, int(nv.sum()))
    _collision_severity(col, cas)
    veh = _vehicles(rng, col, vtype, cas)
    for tab, header in ((veh, VEHICLE_HEADER), (cas, CASUALTY_HEADER)):
        rows = tab["_coll"]
        tab.update({k: col[k][rows] for k in ("collision_index", "collision_year", "collision_ref_no")})
        tab.update({c: _draw(rng, SPECS[c], rows.size) for c in header if c in SPECS and c not in tab})
    frames = [_frame(COLLISION_HEADER, col, nv.size), _frame(VEHICLE_HEADER, veh, veh["_coll"].size),
              _frame(CASUALTY_HEADER, cas, cas["_coll"].size)]
    return [f.with_columns(pl.selectors.float().fill_nan(None)) for f in frames]


def _legacy(df: pl.DataFrame) -> pl.DataFrame:
    """Layout up to 2022: accident_* names, no enhanced/injury-based columns (adjusted casualty kept)."""
    return df.drop([c for c in df.columns if c in LEGACY_DROP]).rename(
        {k: v for k, v in LEGACY_RENAME.items() if k in df.columns})


def _write_stats19(landing: Path, geo: pl.DataFrame, seed: int, scale: float) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {f"stats19_{t}": [] for t in ("collision", "vehicle", "casualty")}
    for year, n_months in STATS19_YEARS:
        suffix = str(year) if n_months == 12 else f"provisional-mid-year-unvalidated-{year}"
        for table, df in zip(("collision", "vehicle", "casualty"), _stats19_year(geo, seed, year, n_months, scale)):
            d = landing / f"stats19_{table}"
            d.mkdir(parents=True, exist_ok=True)
            path = d / f"dft-road-casualty-statistics-{table}-{suffix}.csv"
            (_legacy(df) if year <= LEGACY_LAST_YEAR else df).write_csv(path, null_value="")
            out[f"stats19_{table}"].append(path)
    return out


def write_demo_data(landing: Path, seed: int = 20240401, months: tuple[str, str] = DEMO_MONTHS,
                    scale: float = 1.0) -> dict[str, list[Path]]:
    """Write demo feeds under landing/<feed>/ and return the files written per feed.

    scale multiplies row volumes (police rows, STATS19 collisions); geography and populations keep
    their size so codes and denominators stay realistic at any scale.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    landing = Path(landing)
    geo = _geography(seed)
    files = {"police_street": _write_police(landing, geo, seed, _month_list(months), scale),
             "ons_lsoa_lookup": _write_lookups(landing, geo),
             "population": _write_population(landing, geo, seed)}
    files.update(_write_stats19(landing, geo, seed, scale))
    # The restricted feeds (crime extract, DA incidents, MARAC, population by sex and age); this
    # also marks the landing area as a demo one, so references are hashed with the demo key.
    from ingestion.demo_restricted import write_restricted_demo  # it builds on this module's geography

    files.update(write_restricted_demo(landing, geo, seed, _month_list(months), scale))
    from ingestion.demo_fingertips import write_fingertips_demo  # OHID Fingertips exports (synthetic)

    files.update(write_fingertips_demo(landing, geo, seed))
    from ingestion.demo_survey import write_survey_demo  # the residents' survey, one file per quarterly wave

    files["residents_survey"] = write_survey_demo(landing, seed, _month_list(months))
    from ingestion.demo_fire import write_fire_demo  # the fire and rescue incidents, on the same geography

    files.update(write_fire_demo(landing, geo, seed, _month_list(months), scale))
    return files
