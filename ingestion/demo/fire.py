"""Synthetic demo files for the fire and rescue service's incident extract (``fire_incidents``).

EVERYTHING HERE IS SYNTHETIC. Incident references look like a service's ("LFRS/202403/00017") so
that the pseudonymisation tests can look for them, but they identify nothing. The files follow the
README contract and carry what an export has: categories in mixed case, incidents located by a
district code or only a ward code instead of an LSOA, and a few rows that break a rule (a fire
without its fire type, quarantined under ``fire_type_known``).

Volumes are about half of a service the size of Lancashire's (about 8,500 incidents a year at scale
1, so the demo's six and a half years load as fast as three and a half did): about 42% false alarms,
28% special services and 30% fires, of which most are secondary fires (outdoor: grassland, refuse),
mostly deliberate, with a spring peak and one around bonfire night; primary fires are about a third
of fires, a quarter of them deliberate, about 40% in dwellings. Deliberate fires concentrate in the
districts with more crime. Generation is vectorised with numpy; loops run over months and files
only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from ingestion.demo.geography import LSOA21_SWITCH, _area_arrays, _area_index, _draw_lsoa, _lsoa_sampler, _rng
from ingestion.pseudonymise import mark_demo_landing

FEED = "fire_incidents"
HEADER = ("Incident Reference", "Call Date Time", "Incident Group", "Fire Type", "Cause", "Property Category",
          "LSOA Code", "Ward or District Code")
MONTHLY_INCIDENTS = 710  # half of Lancashire's ~1,420: see the module docstring
# kind: (incident group, fire type, share of incidents, seasonal profile Jan..Dec, trend per year)
KINDS = (
    ("Fire", "Primary", 0.105, (1.1, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 1.0, 1.0, 1.1), -0.02),
    ("Fire", "Secondary", 0.175, (0.6, 0.8, 1.3, 1.7, 1.5, 1.1, 1.0, 1.0, 0.8, 0.9, 1.2, 0.5), 0.06),
    ("Fire", "Chimney", 0.015, (1.8, 1.6, 1.2, 0.8, 0.5, 0.3, 0.3, 0.3, 0.5, 1.0, 1.4, 1.8), 0.0),
    ("False alarm", "", 0.42, (1.0,) * 12, 0.0),
    ("Special service", "", 0.285, (1.0,) * 12, 0.01),
)
CAUSES = np.array(["Deliberate", "Accidental", "Not known"])
# P(cause) per kind (rows of KINDS); non-fires have no cause
CAUSE_P = np.array([[0.26, 0.70, 0.04], [0.72, 0.24, 0.04], [0.0, 0.97, 0.03]])
PROPERTIES = np.array(["Dwelling", "Other residential", "Non residential", "Road vehicle", "Other transport vehicle",
                       "Outdoor structure", "Outdoor"])
PROPERTY_P = np.array([
    [0.42, 0.03, 0.18, 0.25, 0.02, 0.10, 0.0],  # primary fires
    [0.0, 0.0, 0.0, 0.04, 0.0, 0.08, 0.88],  # secondary fires (derelict vehicles and buildings, outdoor)
    [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],  # chimney fires
    [0.50, 0.12, 0.33, 0.0, 0.0, 0.0, 0.05],  # false alarms
    [0.40, 0.03, 0.10, 0.30, 0.01, 0.01, 0.15],  # special services (road traffic collisions, rescues, floods)
])
P_DISTRICT_ONLY, P_WARD_ONLY = 0.035, 0.01  # located by a district code, or only a ward code (no LSOA)


def _areas(geo: pl.DataFrame, seed: int) -> tuple[pl.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """(in-county LSOAs, LSOA sampler, area shares for all incidents, area shares for deliberate fires)."""
    inc = geo.filter("in_county")
    area_of = _area_index(inc)
    a = _area_arrays()
    rng = _rng(seed, 20)
    cum = _lsoa_sampler(inc["population_weight"].to_numpy() * rng.lognormal(0, 0.4, inc.height), area_of)
    pop = a["pop"].astype(float)
    every = pop * np.sqrt(a["mult"])
    deliberate = pop * a["mult"] ** 1.5
    return inc, cum, every / every.sum(), deliberate / deliberate.sum()


def _fire_month(inc: pl.DataFrame, cum: np.ndarray, share: np.ndarray, share_deliberate: np.ndarray, month: str,
                rng: np.random.Generator, scale: float) -> pl.DataFrame:
    y, m = map(int, month.split("-"))
    t = (y * 12 + m - 1 - 2024 * 12) / 12  # years from January 2024
    lam = np.array([k[2] * k[3][m - 1] * np.exp(k[4] * t) for k in KINDS]) * MONTHLY_INCIDENTS * scale
    counts = rng.poisson(lam)
    if counts.sum() == 0:  # a file always has a row
        counts[3] = 1
    kind = np.repeat(np.arange(len(KINDS)), counts)
    n = kind.size
    is_fire = kind < 3
    cause = np.full(n, -1)
    for k in range(3):  # three fire kinds, vectorised within each
        rows = np.flatnonzero(kind == k)
        cause[rows] = rng.choice(3, rows.size, p=CAUSE_P[k])
    prop = np.empty(n, dtype=np.int64)
    for k in range(len(KINDS)):
        rows = np.flatnonzero(kind == k)
        prop[rows] = rng.choice(PROPERTIES.size, rows.size, p=PROPERTY_P[k])
    deliberate = cause == 0
    area = np.where(deliberate, rng.choice(share.size, n, p=share_deliberate), rng.choice(share.size, n, p=share))
    lsoa = _draw_lsoa(cum, area, rng)
    days = (np.datetime64(f"{y + m // 12}-{m % 12 + 1:02d}-01") - np.datetime64(f"{month}-01")).astype(int)
    day = np.datetime64(f"{month}-01") + rng.integers(0, days, n).astype("timedelta64[D]")
    # deliberate fires after school and in the evening; other incidents through the day
    hour = np.where(deliberate & (rng.random(n) < 0.6), rng.integers(16, 24, n), rng.integers(0, 24, n))
    at = day.astype("datetime64[m]") + (hour * 60 + rng.integers(0, 60, n)).astype("timedelta64[m]")
    where = rng.random(n)
    district_only = where < P_DISTRICT_ONLY
    ward_only = (where >= P_DISTRICT_ONLY) & (where < P_DISTRICT_ONLY + P_WARD_ONLY)
    lower = rng.random(n) < 0.03  # some exports write categories in lower case
    bad = np.zeros(n, dtype=bool)
    fires = np.flatnonzero(is_fire)
    bad[fires[: min(fires.size, max(1, round(2 * scale)))]] = True  # a fire without its fire type
    codes = inc["lsoa21_code" if month >= LSOA21_SWITCH else "lsoa11_code"]
    district = pl.Series(list(_area_arrays()["code"]), dtype=pl.Utf8)
    pick = lambda values, index: pl.Series(list(values), dtype=pl.Utf8).gather(index)  # noqa: E731
    when = lambda flag, value, other: pl.when(pl.lit(pl.Series(flag))).then(value).otherwise(other)  # noqa: E731
    frame = pl.DataFrame({
        "_n": rng.permutation(n) + 1,
        "_at": pl.Series(at.astype("datetime64[ms]")).dt.strftime("%Y-%m-%d %H:%M"),
        "_group": pick([k[0] for k in KINDS], kind), "_type": pick([k[1] for k in KINDS], kind),
        "_cause": pl.Series(list(CAUSES), dtype=pl.Utf8).gather(np.maximum(cause, 0)),
        "_property": pick(PROPERTIES, prop),
        "_lsoa": codes.gather(lsoa), "_district": district.gather(area),
        # a synthetic ward code per district (no ward geography in the demo)
        "_ward": pl.Series(np.char.add("E0500", np.char.zfill((area * 40 + rng.integers(0, 40, n)).astype(str), 4))),
    })
    none = pl.lit(None, dtype=pl.Utf8)
    lower_or = lambda c: when(lower, pl.col(c).str.to_lowercase(), pl.col(c))  # noqa: E731
    return frame.select(
        pl.format(f"LFRS/{y}{m:02d}/{{}}", pl.col("_n").cast(pl.Utf8).str.zfill(5)).alias("Incident Reference"),
        pl.col("_at").alias("Call Date Time"),
        lower_or("_group").alias("Incident Group"),
        when(is_fire & ~bad, lower_or("_type"), none).alias("Fire Type"),
        when(cause >= 0, lower_or("_cause"), none).alias("Cause"),
        lower_or("_property").alias("Property Category"),
        when(district_only | ward_only, none, pl.col("_lsoa")).alias("LSOA Code"),
        when(district_only, pl.col("_district"), when(ward_only, pl.col("_ward"), none)).alias("Ward or District Code"),
    ).sort("Call Date Time", "Incident Reference")


def write_fire_demo(landing: Path, geo: pl.DataFrame, seed: int, months: list[str], scale: float
                    ) -> dict[str, list[Path]]:
    """One ``lancashire-fire-incidents-YYYY-MM.csv`` per month under ``landing/fire_incidents/``."""
    mark_demo_landing(landing)
    folder = Path(landing) / FEED
    folder.mkdir(parents=True, exist_ok=True)
    inc, cum, share, share_deliberate = _areas(geo, seed)
    paths = []
    for month in months:
        y, m = map(int, month.split("-"))
        frame = _fire_month(inc, cum, share, share_deliberate, month, _rng(seed, 21, y * 12 + m), scale)
        path = folder / f"lancashire-fire-incidents-{month}.csv"
        frame.write_csv(path, null_value="")
        paths.append(path)
    return {FEED: paths}
