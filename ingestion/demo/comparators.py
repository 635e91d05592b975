"""Synthetic police.uk street files of the comparator forces (``police_street``), for relative position.

EVERYTHING HERE IS SYNTHETIC. One CRLF file per force and month, ``YYYY-MM-<force slug>-street.csv``,
for the forces of ``COMPARATOR_FORCES`` (the forces the ``[peers] forces`` setting compares the force
area with by default: HMICFRS's most similar group for Lancashire), in the format the Lancashire
files have: the same header, "Reported by" and "Falls within" the force's
name as police.uk writes it (the ``police_forces`` seed), 64-hex Crime IDs (a few repeated, as
published), ASB rows without Crime ID or outcome, ~3.5% "No Location" rows, crime types and outcomes
from the same distributions, recent outcomes mostly "Under investigation". Every located row is in
an LSOA of one of the force's own districts (``COMPARATOR_DISTRICTS``), so no comparator row is
ever attributed to a Lancashire district.

Rows per head are Lancashire's (``MONTHLY_ROWS`` over its population, by rate multiplier) times the
force's and the district's own multipliers, with their own trends, so districts and forces differ
(some above Lancashire's average, some below) and rates compare like with like; volume is
proportional to ``scale`` (about 65% of Lancashire's police.uk rows: ~4,000 a month at scale 1). The LSOAs, their
populations and IMD ranks are the shared ``geography``'s; the lookups and population files that
carry them are written by ``reference``. Each force and month has its own random stream (35, force,
month), so these files never move Lancashire's, nor one force another's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from ingestion.demo.geography import (COMPARATOR_DISTRICTS, COMPARATOR_FORCES, CRIME_TYPES, MONTHLY_ROWS,
                                      MONTHLY_SWING_SHAPE, OUTCOME_P, OUTCOMES, SEASON_AMP, STREETS, TYPE_SHARE,
                                      TYPE_TREND, _TREND_CENTRE, _area_arrays, _comparator_index, _draw_lsoa,
                                      _hex_ids, _lsoa_sampler, _repeat_crime_ids, _rng, _street_frame)
from schemas.seeds import seed as read_seed

NO_LOCATION_SHARE = 0.035


def force_names() -> dict[str, str]:
    """Comparator force slug -> the force's name as police.uk writes it (the police_forces seed)."""
    forces = read_seed("police_forces").filter(pl.col("force_slug").is_in([f.slug for f in COMPARATOR_FORCES]))
    return dict(zip(forces["force_slug"], forces["reported_by"]))


class _ComparatorContext:
    """What every comparator month shares: district rates and trends, LSOA sampler, snap points."""

    def __init__(self, cg: pl.DataFrame, seed: int) -> None:
        rng, n = _rng(seed, 34), cg.height
        slugs = [f.slug for f in COMPARATOR_FORCES]
        names = force_names()
        self.forces = [(slug, names[slug]) for slug in slugs]
        force_of = np.array([slugs.index(d.force) for d in COMPARATOR_DISTRICTS])
        f_mult, f_trend = (np.array([getattr(f, k) for f in COMPARATOR_FORCES]) for k in ("mult", "trend"))
        d_lon, d_lat, d_mult, d_trend = (np.array([getattr(d, k) for d in COMPARATOR_DISTRICTS])
                                         for k in ("lon", "lat", "mult", "trend"))
        self.district = _comparator_index(cg)
        self.districts_of = [np.flatnonzero(force_of == i) for i in range(len(slugs))]
        # Lancashire's police.uk rows per head and month at scale 1, per unit of rate multiplier
        a = _area_arrays()
        per_head = MONTHLY_ROWS / float((a["pop"] * a["mult"]).sum())
        population = np.bincount(self.district, weights=cg["population"].to_numpy(),
                                 minlength=len(COMPARATOR_DISTRICTS))
        self.rate = per_head * population * f_mult[force_of] * d_mult  # rows a month at scale 1, mid-span
        self.trend = f_trend[force_of] + d_trend
        lon, lat = cg["lon"].to_numpy(), cg["lat"].to_numpy()
        # crime concentrates in town centres: hotspot boost near the district centre
        dist = np.hypot(lon - d_lon[self.district], lat - d_lat[self.district])
        w = cg["population_weight"].to_numpy() * rng.lognormal(0, 0.5, n) * (1 + 3 * np.exp(-(dist / 0.015) ** 2))
        self.cum = _lsoa_sampler(w, self.district)
        self.codes = cg["lsoa21_code"].to_numpy().astype(str)  # the same codes in 2011 and 2021
        self.names = cg["lsoa21_name"].to_numpy().astype(str)
        self.pt_lon = lon[:, None] + rng.normal(0, 0.006, (n, 8))
        self.pt_lat = lat[:, None] + rng.normal(0, 0.004, (n, 8))
        self.pt_street = rng.integers(0, STREETS.size, (n, 8))


def _comparator_month(ctx: _ComparatorContext, force: int, month: str, age: int, rng: np.random.Generator,
                      scale: float, prev_ids: np.ndarray) -> pl.DataFrame:
    """One month of one comparator force's street-level crime and ASB."""
    y, m = map(int, month.split("-"))
    t = (y * 12 + m - 1 - _TREND_CENTRE) / 12
    season = 1 + SEASON_AMP * np.cos(2 * np.pi * (m - 7) / 12)
    swing = rng.gamma(MONTHLY_SWING_SHAPE, 1 / MONTHLY_SWING_SHAPE, CRIME_TYPES.size)
    districts = ctx.districts_of[force]
    lam = scale * np.outer(ctx.rate[districts] * np.exp(ctx.trend[districts] * t),
                           TYPE_SHARE * season * swing * np.exp(TYPE_TREND * t))
    counts = rng.poisson(lam).ravel()
    k_district, k_type = np.divmod(np.arange(counts.size), CRIME_TYPES.size)
    area, ctype = np.repeat(districts[k_district], counts), np.repeat(k_type, counts)
    n = area.size
    lsoa = _draw_lsoa(ctx.cum, area, rng)
    pt = rng.integers(0, 8, n)
    noloc = rng.random(n) < NO_LOCATION_SHARE
    p_ui = 0.03 + 0.92 * np.exp(-age / 9)  # recent outcomes lag: mostly "Under investigation"
    outcome = np.where(rng.random(n) < p_ui, OUTCOMES.size - 1, rng.choice(OUTCOMES.size, n, p=OUTCOME_P))
    ids = _repeat_crime_ids(rng, _hex_ids(rng, n), np.flatnonzero(ctype != 0), (ctype, lsoa, pt, noloc, outcome),
                            prev_ids, scale)
    return _street_frame(ids, month, ctx.forces[force][1], np.round(ctx.pt_lon[lsoa, pt], 6),
                         np.round(ctx.pt_lat[lsoa, pt], 6), STREETS[ctx.pt_street[lsoa, pt]], ctx.codes[lsoa],
                         ctx.names[lsoa], ctype, outcome, noloc)


def write_comparator_police(landing: Path, cg: pl.DataFrame, seed: int, months: list[str],
                            scale: float) -> list[Path]:
    """One CRLF file per comparator force and month (force by force), as police.uk names them."""
    ctx, paths = _ComparatorContext(cg, seed), []
    (landing / "police_street").mkdir(parents=True, exist_ok=True)
    for f, (slug, _) in enumerate(ctx.forces):
        prev = np.array([], dtype=str)
        for i, month in enumerate(months):
            y, m = map(int, month.split("-"))
            df = _comparator_month(ctx, f, month, len(months) - 1 - i, _rng(seed, 35, f, y * 12 + m), scale, prev)
            prev = df["Crime ID"].drop_nulls().unique(maintain_order=True).to_numpy()
            path = landing / "police_street" / f"{month}-{slug}-street.csv"
            df.write_csv(path, line_terminator="\r\n", float_precision=6, null_value="")
            paths.append(path)
    return paths
