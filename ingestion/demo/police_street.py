"""Synthetic police.uk street-level crime files (``police_street``), one CRLF file a month.

EVERYTHING HERE IS SYNTHETIC. The files copy the published format and its quirks: ASB rows without
Crime ID or outcome, "No Location" rows, out-of-county and Welsh LSOAs, repeated Crime IDs, LSOA
2011 codes before 2023-07 and 2021 codes after. About half of Lancashire's real volume a month.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from ingestion.demo.geography import DEMO_MONTHS, LSOA21_SWITCH, STREETS, _draw_lsoa, _PoliceContext, _rng

FORCE = "Lancashire Constabulary"
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
# whole of it must load no slower than 3.5 years at full volume did.
MONTHLY_ROWS = 6_000
_TREND_CENTRE = sum(int(y) * 12 + int(m) - 1 for y, m in (d.split("-") for d in DEMO_MONTHS)) // 2  # 2022-06
OUTCOMES = np.array(["Investigation complete; no suspect identified", "Unable to prosecute suspect",
                     "Status update unavailable", "Local resolution", "Offender given a caution",
                     "Court result unavailable", "Action to be taken by another organisation",
                     "Further investigation is not in the public interest", "Awaiting court outcome",
                     "Formal action is not in the public interest", "Offender given penalty notice",
                     "Under investigation"])
OUTCOME_P = np.array([40, 27, 5, 5, 2, 7, 3, 2, 3, 2, 1, 3], dtype=float) / 100


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
