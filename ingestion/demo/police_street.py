"""Synthetic police.uk street-level crime files (``police_street``), one CRLF file a month.

EVERYTHING HERE IS SYNTHETIC. The files copy the published format and its quirks: ASB rows without
Crime ID or outcome, "No Location" rows, out-of-county and Welsh LSOAs, repeated Crime IDs, LSOA
2011 codes before 2023-07 and 2021 codes after. About half of Lancashire's real volume a month.
The format and the crime type and outcome distributions live in ``geography`` (the comparator
forces' files share them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from ingestion.demo.geography import (CRIME_TYPES, LSOA21_SWITCH, MONTHLY_ROWS, MONTHLY_SWING_SHAPE, OUTCOME_P,
                                      OUTCOMES, POLICE_HEADER, SEASON_AMP, STREETS, TYPE_SHARE, TYPE_TREND,
                                      _TREND_CENTRE, _draw_lsoa, _hex_ids, _PoliceContext, _repeat_crime_ids, _rng,
                                      _street_frame)

FORCE = "Lancashire Constabulary"
__all__ = ["CRIME_TYPES", "FORCE", "MONTHLY_ROWS", "OUTCOMES", "POLICE_HEADER"]


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
    return _street_frame(ids, month, FORCE, np.round(ctx.pt_lon[lsoa, pt], 6), np.round(ctx.pt_lat[lsoa, pt], 6),
                         STREETS[ctx.pt_street[lsoa, pt]], ctx.codes[v][lsoa], ctx.names[v][lsoa], ctype, outcome,
                         noloc)


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
