"""The statistics behind every published comparison, implemented once.

Community safety reporting compares two counts (this 12 months against the previous 12) and puts
exact confidence intervals on counts and rates. Both are exact Poisson methods:

* the change test is the conditional binomial test: given ``n = a + b`` events, ``a`` is
  Binomial(n, p) under "no change", with ``p = e_a / (e_a + e_b)`` for exposures e (0.5 for two
  equal periods); the two-sided p-value sums the probabilities of all outcomes no more likely than
  the one observed (the "minlike" rule used by R's ``binom.test`` and SciPy's ``binomtest``);
* the interval is Garwood's exact interval from the chi-squared (gamma) quantiles.

Functions take and return NumPy arrays so that a whole scorecard is tested at once.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

_RELATIVE_TOLERANCE = 1 + 1e-7  # as SciPy's binomtest, so ties in probability count as "as extreme"


def poisson_change_p_value(
    count_now: np.ndarray | float,
    count_before: np.ndarray | float,
    exposure_now: np.ndarray | float = 1.0,
    exposure_before: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Two-sided exact p-value that two Poisson counts come from the same rate.

    Missing inputs (NaN) give NaN. Counts are rounded to whole events.
    """
    a = np.asarray(count_now, dtype=float)
    b = np.asarray(count_before, dtype=float)
    a, b, ea, eb = np.broadcast_arrays(a, b, np.asarray(exposure_now, float), np.asarray(exposure_before, float))
    out = np.full(a.shape, np.nan)
    ok = ~(np.isnan(a) | np.isnan(b) | np.isnan(ea) | np.isnan(eb)) & (ea > 0) & (eb > 0)
    if not ok.any():
        return out
    k = np.rint(a[ok])
    n = k + np.rint(b[ok])
    p = ea[ok] / (ea[ok] + eb[ok])
    p_value = np.ones(k.shape)
    nonzero = n > 0
    k, n, p = k[nonzero], n[nonzero], p[nonzero]
    d = stats.binom.pmf(k, n, p) * _RELATIVE_TOLERANCE
    mode = np.floor((n + 1) * p)
    # Outcomes on the other side of the mode that are no more likely than the observed one.
    # Binary search per element, vectorised: the pmf is monotone on each side of the mode.
    lower_side = k < mode
    result = np.empty(k.shape)
    # Observed below the mode: add the upper tail from the first j >= mode with pmf(j) <= d.
    lo = np.where(lower_side, mode, 0.0)
    hi = np.where(lower_side, n + 1, mode)  # search interval [lo, hi)
    for _ in range(64):
        mid = np.floor((lo + hi) / 2)
        pm = stats.binom.pmf(mid, n, p)
        go_right = np.where(lower_side, pm > d, pm <= d)
        lo = np.where(go_right & (hi - lo > 0), mid + 1, lo)
        hi = np.where(~go_right & (hi - lo > 0), mid, hi)
    j = lo
    upper_tail = stats.binom.sf(j - 1, n, p)
    lower_tail = stats.binom.cdf(k, n, p)
    # Observed above (or at) the mode: add the lower tail up to the last i < mode with pmf(i) <= d.
    i = j - 1
    result = np.where(lower_side, lower_tail + upper_tail, stats.binom.cdf(i, n, p) + stats.binom.sf(k - 1, n, p))
    at_mode = k == mode
    result = np.where(at_mode & (d >= stats.binom.pmf(mode, n, p)), 1.0, result)
    p_value[nonzero] = np.minimum(1.0, result)
    out[ok] = p_value
    return out


def poisson_confidence_interval(count: np.ndarray | float, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) confidence interval for a Poisson count."""
    x = np.asarray(count, dtype=float)
    alpha = 1 - level
    lower = np.where(x > 0, stats.gamma.ppf(alpha / 2, np.where(x > 0, x, 1)), 0.0)
    upper = stats.gamma.ppf(1 - alpha / 2, x + 1)
    lower = np.where(np.isnan(x), np.nan, lower)
    return lower, upper


def rate_confidence_interval(
    count: np.ndarray | float, population: np.ndarray | float, per: float = 1000.0, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact confidence interval for a rate per ``per`` residents."""
    lower, upper = poisson_confidence_interval(count, level)
    pop = np.asarray(population, dtype=float)
    return lower / pop * per, upper / pop * per


def significant_change(
    count_now: np.ndarray | float, count_before: np.ndarray | float, significance_level: float = 0.05
) -> np.ndarray:
    """True where the two counts differ significantly (two-sided), NaN-safe (False when unknown)."""
    p = poisson_change_p_value(count_now, count_before)
    return np.where(np.isnan(p), False, p < significance_level)
