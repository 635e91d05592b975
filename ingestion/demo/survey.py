"""Synthetic demo files for the residents' survey (``residents_survey``): one file per quarterly
wave, as the Lancashire Talking panel exports it.

EVERYTHING HERE IS SYNTHETIC. About 1,500 respondents a wave across the 14 districts and
unitaries, drawn from a panel (so a respondent reference comes back in later waves, never twice
in one wave), with survey weights that gross each district's sample up to its share of the
population (and a spread within it, as raking to age and sex gives), normalised to a mean of 1
a wave. Answers depend on the district's crime level (the demo's ``mult``), age and sex: most
people feel safe during the day, fewer after dark (women and older residents less so), and under
half agree that the police and council deal with what matters, with more "don't know". Ribble
Valley's sample falls below 50 in every fourth wave, so the survey mart shows suppression.

The exports carry an analyst's quirks (districts sometimes as ONS codes, answers in any case,
"Don’t know" with a curly apostrophe) and in each file four rows that break a rule: a respondent
twice in the wave, a district that is not one of the 14, an answer off the scale, a weight of 0.
Generation is vectorised with numpy; the loop runs over waves only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from ingestion.demo.geography import AREAS, _quarters, _rng

FEED = "residents_survey"
HEADER = ("Respondent Reference", "Wave", "District", "Age Band", "Sex", "Survey Weight", "Safe Alone Day",
          "Safe Alone After Dark", "Agencies Dealing With Issues")
RESPONDENTS_PER_WAVE = 1_500
PANEL_SIZE = 6_000
SMALL_DISTRICT = "E07000124"  # Ribble Valley: below 50 respondents every fourth wave
SMALL_SAMPLE = 42
AGE_BANDS = np.array(["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"])
AGE_P = np.array([0.10, 0.14, 0.16, 0.18, 0.17, 0.15, 0.10])
SAFETY = np.array(["Very safe", "Fairly safe", "A bit unsafe", "Very unsafe", "Don’t know"])
AGREEMENT = np.array(["Strongly agree", "Tend to agree", "Neither agree nor disagree", "Tend to disagree",
                      "Strongly disagree", "Don't know"])


def _waves(months: list[str]) -> list[tuple[int, int]]:
    """(financial year start, quarter) of each financial quarter whose three months are all in ``months``."""
    return _quarters(months)


def _sample_sizes(rng: np.random.Generator, wave_index: int) -> np.ndarray:
    """Respondents per district: a floor of 70 each, the rest by population; the small district
    drops below 50 every fourth wave."""
    pops = np.array([a[3] for a in AREAS], dtype=float)
    base = 70 + (RESPONDENTS_PER_WAVE - 70 * len(AREAS)) * pops / pops.sum()
    sizes = rng.poisson(base)
    small = [a[0] for a in AREAS].index(SMALL_DISTRICT)
    if wave_index % 4 == 0:
        sizes[small] = SMALL_SAMPLE
    return sizes


def _scale_answer(rng: np.random.Generator, p_positive: np.ndarray, p_dont_know: float, top_share: float,
                  n_levels: int) -> np.ndarray:
    """Index into a scale whose first two levels are positive and last is don't know: positive with
    ``p_positive`` (the top level with ``top_share`` of those), else one of the negative levels
    (milder ones likelier); don't know with ``p_dont_know``."""
    negative_levels = n_levels - 3
    mild_first = np.array([1.0, 0.7, 0.4][:negative_levels])
    negative = 2 + rng.choice(negative_levels, p_positive.size, p=mild_first / mild_first.sum())
    idx = np.where(rng.random(p_positive.size) < p_positive, np.where(rng.random(p_positive.size) < top_share, 0, 1),
                   negative)
    return np.where(rng.random(p_positive.size) < p_dont_know, n_levels - 1, idx)


def _wave_frame(fy: int, q: int, wave_index: int, seed: int) -> pl.DataFrame:
    rng = _rng(seed, 21, fy * 4 + q)
    sizes = _sample_sizes(rng, wave_index)
    n = int(sizes.sum())
    area = np.repeat(np.arange(len(AREAS)), sizes)
    codes = np.array([a[0] for a in AREAS])
    names = np.array([a[1] for a in AREAS])
    pops = np.array([a[3] for a in AREAS], dtype=float)
    crime = np.array([a[7] for a in AREAS], dtype=float)  # the demo's crime multiplier
    age = rng.choice(AGE_BANDS.size, n, p=AGE_P)
    female = rng.random(n) < 0.52
    # weights: population share / sample share of the district, times a raking-like spread
    design = (pops / pops.sum())[area] / (sizes / n)[area]
    weight = design * rng.lognormal(0.0, 0.35, n)
    weight = weight / weight.mean()
    trend = 0.01 * wave_index
    older = age >= 5
    p_day = np.clip(0.95 - 0.06 * (crime[area] - 1) - 0.03 * older, 0.5, 0.99)
    p_dark = np.clip(0.72 - 0.18 * (crime[area] - 1) - 0.10 * female - 0.08 * older + trend, 0.2, 0.95)
    p_agree = np.clip(0.50 - 0.10 * (crime[area] - 1) + 0.5 * trend, 0.15, 0.85)
    day = _scale_answer(rng, p_day, 0.01, 0.6, SAFETY.size)
    dark = _scale_answer(rng, p_dark, 0.03, 0.35, SAFETY.size)
    agree = _scale_answer(rng, p_agree, 0.12, 0.25, AGREEMENT.size)
    # about 1% skip a question (empty answer)
    skipped = rng.random((n, 3)) < 0.01
    panel = rng.choice(PANEL_SIZE, n, replace=False) + 1
    as_code = rng.random(n) < 0.2
    lower = rng.random(n) < 0.05
    pick = lambda values, index: pl.Series(list(values), dtype=pl.Utf8).gather(index)  # noqa: E731
    when = lambda flag, value, other: pl.when(pl.lit(pl.Series(flag))).then(value).otherwise(other)  # noqa: E731
    frame = pl.DataFrame({
        "_panel": panel, "_code": pick(codes, area), "_name": pick(names, area), "_day": pick(SAFETY, day),
        "_dark": pick(SAFETY, dark), "_agree": pick(AGREEMENT, agree), "_weight": np.round(weight, 4),
    })
    out = frame.select(
        pl.format("LT-{}", pl.col("_panel").cast(pl.Utf8).str.zfill(6)).alias("Respondent Reference"),
        pl.lit(f"{fy}/{(fy + 1) % 100:02d} Q{q}").alias("Wave"),
        when(as_code, pl.col("_code"), pl.col("_name")).alias("District"),
        pick(AGE_BANDS, age).alias("Age Band"),
        when(female, pl.lit("F"), pl.lit("M")).alias("Sex"),
        pl.col("_weight").cast(pl.Utf8).alias("Survey Weight"),
        when(skipped[:, 0], pl.lit(""), when(lower, pl.col("_day").str.to_lowercase(), pl.col("_day")))
        .alias("Safe Alone Day"),
        when(skipped[:, 1], pl.lit(""), pl.col("_dark")).alias("Safe Alone After Dark"),
        when(skipped[:, 2], pl.lit(""), when(lower, pl.col("_agree").str.to_uppercase(), pl.col("_agree")))
        .alias("Agencies Dealing With Issues"),
    )
    return _plant_faults(out)


def _plant_faults(frame: pl.DataFrame) -> pl.DataFrame:
    """Four rows that break a rule (each quarantined under its name), appended to the wave."""
    first = frame.head(1)
    faults = pl.concat([
        first,  # the same respondent twice in the wave: respondent_unique_in_wave
        first.with_columns(pl.lit("LT-900001").alias("Respondent Reference"), pl.lit("Lancashire").alias("District")),
        first.with_columns(pl.lit("LT-900002").alias("Respondent Reference"),
                           pl.lit("Quite safe").alias("Safe Alone Day")),
        first.with_columns(pl.lit("LT-900003").alias("Respondent Reference"), pl.lit("0").alias("Survey Weight")),
    ])
    return pl.concat([frame, faults])


def write_survey_demo(landing: Path, seed: int, months: list[str]) -> list[Path]:
    """One file per financial quarter fully inside ``months`` under landing/residents_survey/."""
    folder = Path(landing) / FEED
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for index, (fy, q) in enumerate(_waves(months)):
        path = folder / f"lancashire-talking-{fy}-{(fy + 1) % 100:02d}-q{q}.csv"
        _wave_frame(fy, q, index, seed).write_csv(path)
        written.append(path)
    return written
