"""The residents' survey indicators of the key issue "Feeling safe" (priority "Empower our
communities to feel safe"): one row per indicator, reporting area and survey wave.

Indicators (fct_survey_response flags; "don't know" and no answer are excluded from the base):

* ``survey_feel_safe_day``: % feeling very or fairly safe walking alone in their area during the day;
* ``survey_feel_safe_after_dark``: the same after dark;
* ``survey_agencies_deal``: % who strongly agree or tend to agree that the police and the council
  are dealing with the anti-social behaviour and crime issues that matter in their area.

Areas: each of the 14 districts and unitaries, Lancashire-12, the police force area and each
configured cluster (int_area_district_members); an area's estimate pools its members' respondents
with their survey weights as given (so weights must be comparable across districts, e.g. grossing
weights or weights proportional to the district's population share).

Everything statistical is warehouse.survey, the one implementation: weighted percentage,
Kish effective sample size, Wilson 95% interval on the effective size (config
``confidence_level``), the z test of the change from the previous wave on the effective sizes
(two-sided, at ``significance_level``), and the small-base rule: a cell with fewer than
``min_respondents`` unweighted respondents publishes no percentage, interval or change
(``is_published`` false, ``suppression_reason`` says why); its counts stay. A wave an area has
no respondents in is a row with n = 0, never a 0%. The previous wave is the wave before in the
order of all waves loaded (by first and last month).
"""

import numpy as np
import pandas as pd

# The project's own package (installed with `make`): the one implementation of the estimator.
from warehouse import survey

KEY_ISSUE = "Feeling safe"
PRIORITY = "Empower our communities to feel safe"
# (indicator id, fct_survey_response flag, name): defined once in warehouse.survey, which csw trace
# also reads to re-count a figure from the respondents' rows.
INDICATORS = tuple((indicator_id, flag, name) for indicator_id, flag, _, name in survey.INDICATORS)
COLUMN_TYPES = {
    "indicator_id": "varchar", "indicator_name": "varchar", "key_issue": "varchar", "priority": "varchar",
    "area_code": "varchar", "area_name": "varchar", "area_type": "varchar", "wave": "varchar",
    "wave_label": "varchar", "wave_kind": "varchar", "wave_start": "date", "wave_end_month": "date",
    "financial_year": "varchar", "fy_quarter": "integer", "previous_wave": "varchar", "value_pct": "double",
    "ci_low_pct": "double", "ci_high_pct": "double", "standard_error_pct": "double", "n_unweighted": "integer",
    "n_effective": "double", "is_published": "boolean", "suppression_reason": "varchar",
    "previous_value_pct": "double", "change_pp": "double", "change_z": "double", "p_value": "double",
    "significant_change": "boolean", "change_reason": "varchar", "min_respondents": "integer",
    "confidence_level": "double", "significance_level": "double",
}
WAVE_COLUMNS = ["wave", "wave_label", "wave_kind", "wave_start", "wave_end_month", "financial_year", "fy_quarter"]


def _sums(responses: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """n, sum w, sum w^2, sum w y per indicator, area and wave (valid answers only)."""
    flags = [flag for _, flag, _ in INDICATORS]
    long = responses[["wave", "lad_code", "weight", *flags]].melt(
        id_vars=["wave", "lad_code", "weight"], value_vars=flags, var_name="flag", value_name="y"
    ).dropna(subset=["y"])
    long = long.merge(members[["area_code", "lad_code"]], on="lad_code")
    w = long["weight"].astype(float)
    long = long.assign(sum_w=w, sum_w2=w * w, sum_wy=w * long["y"].astype(float), n=1.0)
    return long.groupby(["flag", "area_code", "wave"], as_index=False)[["n", "sum_w", "sum_w2", "sum_wy"]].sum()


def model(dbt, session):
    dbt.config(materialized="table")
    min_respondents = int(dbt.config.get("min_respondents"))
    level = float(dbt.config.get("confidence_level"))
    significance_level = float(dbt.config.get("significance_level"))

    responses = dbt.ref("fct_survey_response").df()
    members = dbt.ref("int_area_district_members").df()
    areas = members[["area_code", "area_name", "area_type"]].drop_duplicates("area_code")

    waves = (
        responses[WAVE_COLUMNS].drop_duplicates("wave")
        .sort_values(["wave_start", "wave_end_month", "wave"]).reset_index(drop=True)
    )
    waves["previous_wave"] = waves["wave"].shift(1)
    indicators = pd.DataFrame(INDICATORS, columns=["indicator_id", "flag", "indicator_name"])

    # The full grid: every indicator x area x wave, whether or not anyone answered.
    grid = indicators.merge(areas, how="cross").merge(waves, how="cross")
    grid = grid.merge(_sums(responses, members), on=["flag", "area_code", "wave"], how="left")
    for column in ("n", "sum_w", "sum_w2", "sum_wy"):
        grid[column] = grid[column].fillna(0.0)

    est = survey.estimate_from_sums(grid["n"].to_numpy(), grid["sum_w"].to_numpy(), grid["sum_w2"].to_numpy(),
                                    grid["sum_wy"].to_numpy(), min_respondents=min_respondents, level=level)
    shown = est.published
    grid["value_pct"] = np.where(shown, 100 * est.proportion, np.nan)
    grid["ci_low_pct"] = np.where(shown, 100 * est.ci_low, np.nan)
    grid["ci_high_pct"] = np.where(shown, 100 * est.ci_high, np.nan)
    grid["standard_error_pct"] = np.where(shown, 100 * est.standard_error, np.nan)
    grid["n_unweighted"] = est.n_unweighted.astype("int64")
    grid["n_effective"] = est.n_effective
    grid["is_published"] = shown
    grid["suppression_reason"] = est.reason
    grid["_p"] = np.where(shown, est.proportion, np.nan)

    # The previous wave's estimate of the same indicator and area, and the test of the change.
    before = grid[["indicator_id", "area_code", "wave", "_p", "n_effective", "is_published"]].rename(
        columns={"wave": "previous_wave", "_p": "_p_before", "n_effective": "_n_eff_before",
                 "is_published": "_published_before"})
    grid = grid.merge(before, on=["indicator_id", "area_code", "previous_wave"], how="left")
    published_before = grid["_published_before"].eq(True).to_numpy()  # False where no previous wave
    both = grid["is_published"].to_numpy() & published_before
    z, p_value = survey.change_test(
        grid["_p"].to_numpy(), grid["n_effective"].to_numpy(),
        grid["_p_before"].to_numpy(dtype=float), grid["_n_eff_before"].to_numpy(dtype=float),
    )
    grid["previous_value_pct"] = 100 * grid["_p_before"].astype(float)
    grid["change_pp"] = np.where(both, 100 * (grid["_p"] - grid["_p_before"].astype(float)), np.nan)
    grid["change_z"] = np.where(both, z, np.nan)
    grid["p_value"] = np.where(both, p_value, np.nan)
    grid["significant_change"] = pd.array(np.where(both, p_value < significance_level, None), dtype="boolean")
    grid["change_reason"] = np.select(
        [grid["previous_wave"].isna().to_numpy(), ~grid["is_published"].to_numpy(),
         ~published_before],
        ["no previous wave", "this wave is not published", "the previous wave is not published"],
        default=None,
    )
    grid["change_reason"] = grid["change_reason"].where(~both, None)
    grid["key_issue"] = KEY_ISSUE
    grid["priority"] = PRIORITY
    grid["min_respondents"] = min_respondents
    grid["confidence_level"] = level
    grid["significance_level"] = significance_level

    out = grid[list(COLUMN_TYPES)].sort_values(["indicator_id", "area_code", "wave_start", "wave"])
    for column in ("previous_wave", "suppression_reason", "change_reason"):
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    # Explicit types, so the table has the same columns whether or not any wave has landed.
    return session.from_df(out).project(", ".join(f"cast({c} as {t}) as {c}" for c, t in COLUMN_TYPES.items()))
