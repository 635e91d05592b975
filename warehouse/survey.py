"""The residents' survey estimator: weighted percentages, their confidence intervals, the change
between two waves and the small-base rule, implemented once (vectorised over NumPy arrays, so a
whole indicator x area x wave grid is estimated at once; no Python loop over rows or cells).

For one cell (an indicator, an area, a wave) the inputs are the respondents who gave a valid
answer (``y`` = 1 for the outcome, e.g. "very" or "fairly safe", 0 for the other valid answers;
"don't know" and no answer are excluded from the base) and their survey weights ``w``:

* weighted proportion ``p = sum(w * y) / sum(w)``;
* Kish effective sample size ``n_eff = (sum w)^2 / sum(w^2)`` (equal weights give ``n_eff = n``;
  unequal weights lose precision, never gain it: ``n_eff <= n``);
* standard error ``SE = sqrt(p (1 - p) / n_eff)``;
* confidence interval: **Wilson score interval computed on the effective sample size** (the
  Wilson interval with ``n`` replaced by ``n_eff``), default 95%. Unlike the normal (Wald)
  interval it stays inside [0, 1] and does not collapse to a point when ``p`` is 0 or 1;
* change between two waves: two-sided z test of two proportions on the effective sizes, with the
  pooled proportion ``(p1 n1 + p0 n0) / (n1 + n0)`` under "no change" (``n`` = ``n_eff``);
* small bases: no figure is published from fewer than ``min_respondents`` unweighted respondents
  (the ``[survey] min_respondents`` setting, default 50); the reason says so and how many
  there were. A change is published only when both waves are.

Every function works on sufficient statistics per cell (``n``, ``sum w``, ``sum w^2``,
``sum w y``), which :func:`cell_sums` computes from respondent-level arrays with ``np.bincount``
and SQL computes with ``sum()`` (the survey mart aggregates in DuckDB and estimates here).
Inputs that are missing give NaN, never 0. The normal quantile and tail come from
``scipy.special`` (as :mod:`warehouse.statistics` uses SciPy), everything else is NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

DEFAULT_MIN_RESPONDENTS = 50
DEFAULT_LEVEL = 0.95

# The survey indicators, defined once: indicator id (as in the catalogue), the fct_survey_response
# flag it estimates (1 / 0 / null = excluded), the answer column the flag is read from, and its
# name. mart_survey_indicators estimates them; csw trace re-counts a figure from the respondents.
INDICATORS = (
    ("survey_feel_safe_day", "feels_safe_day", "safe_day",
     "Residents feeling safe walking alone in their local area during the day (%)"),
    ("survey_feel_safe_after_dark", "feels_safe_after_dark", "safe_after_dark",
     "Residents feeling safe walking alone in their local area after dark (%)"),
    ("survey_agencies_deal", "agrees_agencies_deal", "agencies_deal",
     "Residents agreeing the police and council deal with the ASB and crime issues that matter (%)"),
)


def _arr(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def z_quantile(level: float = DEFAULT_LEVEL) -> float:
    """The two-sided standard normal quantile of a confidence level (1.959964 for 95%)."""
    if not 0 < level < 1:
        raise ValueError(f"confidence level must be between 0 and 1, got {level}")
    return float(special.ndtri(1 - (1 - level) / 2))


def cell_sums(y, w, groups=None, n_groups: int | None = None) -> dict[str, np.ndarray]:
    """Sufficient statistics per cell from respondent-level arrays.

    ``y``: 1/0 per respondent, NaN where the answer is excluded ("don't know", not answered);
    ``w``: survey weights; ``groups``: the cell (0..n_groups-1) of each respondent (default: one
    cell). Returns ``n`` (unweighted valid answers), ``sum_w``, ``sum_w2``, ``sum_wy`` per cell.
    """
    y, w = _arr(y), _arr(w)
    g = np.zeros(y.shape, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    size = int(n_groups if n_groups is not None else (g.max() + 1 if g.size else 1))
    valid = ~np.isnan(y) & ~np.isnan(w)
    g, y, w = g[valid], y[valid], w[valid]
    return {
        "n": np.bincount(g, minlength=size).astype(float),
        "sum_w": np.bincount(g, weights=w, minlength=size),
        "sum_w2": np.bincount(g, weights=w * w, minlength=size),
        "sum_wy": np.bincount(g, weights=w * y, minlength=size),
    }


def weighted_proportion(sum_wy, sum_w) -> np.ndarray:
    """``sum(w y) / sum(w)``; NaN where there is no weight."""
    sum_wy, sum_w = np.broadcast_arrays(_arr(sum_wy), _arr(sum_w))
    out = np.full(sum_w.shape, np.nan)
    ok = sum_w > 0
    np.divide(sum_wy, sum_w, out=out, where=ok)
    return out


def kish_effective_n(sum_w, sum_w2) -> np.ndarray:
    """Kish's effective sample size ``(sum w)^2 / sum(w^2)``; NaN where there is no weight."""
    sum_w, sum_w2 = np.broadcast_arrays(_arr(sum_w), _arr(sum_w2))
    out = np.full(sum_w.shape, np.nan)
    ok = sum_w2 > 0
    np.divide(sum_w * sum_w, sum_w2, out=out, where=ok)
    return out


def standard_error(p, n_eff) -> np.ndarray:
    """``sqrt(p (1 - p) / n_eff)``; NaN where ``n_eff`` is not positive."""
    p, n = np.broadcast_arrays(_arr(p), _arr(n_eff))
    out = np.full(p.shape, np.nan)
    ok = n > 0
    np.divide(np.clip(p * (1 - p), 0, None), n, out=out, where=ok)
    return np.sqrt(out)


def wilson_interval(p, n_eff, level: float = DEFAULT_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion ``p`` on ``n_eff`` (effective) respondents.

    ``centre = (p + z^2 / 2n) / (1 + z^2 / n)``,
    ``half = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)``. NaN where ``n_eff <= 0``.
    """
    p, n = np.broadcast_arrays(_arr(p), _arr(n_eff))
    z = z_quantile(level)
    ok = (n > 0) & ~np.isnan(p)
    safe_n = np.where(ok, n, 1.0)
    denom = 1 + z * z / safe_n
    centre = (p + z * z / (2 * safe_n)) / denom
    half = z / denom * np.sqrt(np.clip(p * (1 - p), 0, None) / safe_n + z * z / (4 * safe_n * safe_n))
    low = np.where(ok, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(ok, np.clip(centre + half, 0.0, 1.0), np.nan)
    # The interval always holds p; make rounding agree at the edges (p = 0 or 1).
    low = np.where(ok, np.minimum(low, p), np.nan)
    high = np.where(ok, np.maximum(high, p), np.nan)
    return low, high


def suppression(n, min_respondents: int = DEFAULT_MIN_RESPONDENTS) -> tuple[np.ndarray, np.ndarray]:
    """(published, reason): a figure is published only from ``min_respondents`` or more unweighted
    respondents; the reason of one that is not says how many there were (None when published)."""
    n = np.nan_to_num(_arr(n), nan=0.0)
    published = n >= min_respondents
    counts = n.astype(np.int64).astype(str)
    few = np.char.add(np.char.add(f"fewer than {min_respondents} respondents answered (", counts), ")")
    reason = np.where(n == 0, "no respondents answered", few).astype(object)
    reason[published] = None
    return published, reason


def change_test(p_now, n_eff_now, p_before, n_eff_before) -> tuple[np.ndarray, np.ndarray]:
    """(z, two-sided p-value) of the change between two independent waves' proportions.

    z test of two proportions on the effective sample sizes, with the pooled proportion under the
    null hypothesis: ``z = (p1 - p0) / sqrt(pp (1 - pp) (1/n1 + 1/n0))``,
    ``pp = (p1 n1 + p0 n0) / (n1 + n0)``. Equal proportions give z = 0, p = 1 (also when both are
    0 or 1); NaN where either wave is missing or has no effective respondents.
    """
    p1, n1, p0, n0 = np.broadcast_arrays(_arr(p_now), _arr(n_eff_now), _arr(p_before), _arr(n_eff_before))
    ok = ~(np.isnan(p1) | np.isnan(p0) | np.isnan(n1) | np.isnan(n0)) & (n1 > 0) & (n0 > 0)
    s1, s0 = np.where(ok, n1, 1.0), np.where(ok, n0, 1.0)
    pooled = (p1 * s1 + p0 * s0) / (s1 + s0)
    se = np.sqrt(np.clip(pooled * (1 - pooled), 0, None) * (1 / s1 + 1 / s0))
    diff = p1 - p0
    z = np.divide(diff, se, out=np.zeros(diff.shape), where=se > 0)
    # se = 0 only when both proportions are 0 or both are 1 (pooled 0 or 1): no change, z = 0.
    p_value = special.erfc(np.abs(z) / np.sqrt(2.0))
    return np.where(ok, z, np.nan), np.where(ok, np.minimum(p_value, 1.0), np.nan)


@dataclass(frozen=True)
class Estimate:
    """Per-cell results, each an array of the cells' shape (proportions, not percentages)."""

    proportion: np.ndarray
    standard_error: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n_unweighted: np.ndarray
    n_effective: np.ndarray
    sum_weights: np.ndarray
    published: np.ndarray
    reason: np.ndarray  # object array: None where published


def estimate_from_sums(n, sum_w, sum_w2, sum_wy, min_respondents: int = DEFAULT_MIN_RESPONDENTS,
                       level: float = DEFAULT_LEVEL) -> Estimate:
    """Estimate every cell from its sufficient statistics (see :func:`cell_sums`).

    The proportion, interval and effective size are computed for every cell with respondents;
    ``published`` and ``reason`` say whether it may be shown (callers hide unpublished values).
    """
    n, sum_w, sum_w2, sum_wy = np.broadcast_arrays(_arr(n), _arr(sum_w), _arr(sum_w2), _arr(sum_wy))
    p = weighted_proportion(sum_wy, sum_w)
    n_eff = kish_effective_n(sum_w, sum_w2)
    low, high = wilson_interval(p, n_eff, level)
    published, reason = suppression(n, min_respondents)
    return Estimate(proportion=p, standard_error=standard_error(p, n_eff), ci_low=low, ci_high=high,
                    n_unweighted=np.nan_to_num(n, nan=0.0), n_effective=n_eff, sum_weights=sum_w,
                    published=published, reason=reason)


def estimate(y, w, groups=None, n_groups: int | None = None, min_respondents: int = DEFAULT_MIN_RESPONDENTS,
             level: float = DEFAULT_LEVEL) -> Estimate:
    """Estimate from respondent-level arrays (``y`` NaN = excluded answer), per group if given."""
    s = cell_sums(y, w, groups, n_groups)
    return estimate_from_sums(s["n"], s["sum_w"], s["sum_w2"], s["sum_wy"], min_respondents, level)
