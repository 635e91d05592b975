"""The statistics behind every published comparison, implemented once.

Community safety reporting compares two counts (this 12 months against the previous 12), puts
exact confidence intervals on counts and rates, and places a district against the rest of its
county.

* The exact change test is the conditional binomial test: given ``n = a + b`` events, ``a`` is
  Binomial(n, p) under "no change", with ``p = e_a / (e_a + e_b)`` for exposures e (0.5 for two
  equal periods); the two-sided p-value sums the probabilities of all outcomes no more likely than
  the one observed (the "minlike" rule used by R's ``binom.test`` and SciPy's ``binomtest``).
* Counts of crime are over-dispersed: month to month they vary more than a Poisson count would
  (recording drives, operations, weather), so on large counts the exact Poisson test calls a
  change of a few per cent "significant" at p < 1e-13 when it is within the usual variation.
  :func:`change_test` allows for that: it estimates the dispersion phi from the monthly series
  of the two windows (:func:`dispersion`, never below 1, the Poisson value) and tests the two
  totals as quasi-Poisson counts, z = (a - b) / sqrt(phi (a + b)); for small counts (fewer than
  ``SMALL_COUNT`` events in the two windows together) or when phi is 1 the exact test stands.
* The interval is Garwood's exact interval from the chi-squared (gamma) quantiles.
* :func:`position_against_rest` is the exact conditional binomial test of an area's rate against
  the rest of the county's.

Functions take and return NumPy arrays so that a whole scorecard is tested at once.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

_RELATIVE_TOLERANCE = 1 + 1e-7  # as SciPy's binomtest, so ties in probability count as "as extreme"

# Below this many events in the two windows together the normal approximation of the quasi-Poisson
# test is poor and the dispersion hardly matters against the counts' own noise: the exact test stands.
SMALL_COUNT = 30

EXACT_POISSON = "exact_poisson"
QUASI_POISSON = "quasi_poisson"

SIGNIFICANCE_METHOD_NOTE = (
    "Change is tested on the rolling 12 months against the 12 months before. Counts of crime and "
    "incidents vary more from month to month than chance alone would make them (they are "
    "'over-dispersed'), so the test allows for that variation instead of treating every count as "
    "exact. For each indicator and area the extra variation (the dispersion) is measured from the "
    "24 monthly figures of the two years: how far each month's change from the same month a year "
    "before strays from the overall change, compared with what chance alone would give (Pearson's "
    "chi-squared statistic divided by its 11 degrees of freedom), so the regular seasonal pattern "
    "is not mistaken for noise. The dispersion is never taken below 1, the value for counts that "
    "vary by chance alone. The two 12-month totals are then compared by a quasi-Poisson test "
    "(the usual test with its variance multiplied by the dispersion), whose p-value is never "
    "smaller than the exact test's. Where the two years hold fewer than 30 events together, or "
    "the dispersion is 1, the exact Poisson test (the conditional binomial test) is used. MARAC "
    "returns are quarterly, so their dispersion is measured from the 8 quarterly totals of the "
    "two years (3 degrees of freedom). A change is significant when its two-sided p-value is below "
    "the partnership's significance level (the significance_level setting, 5% unless changed); "
    "an indicator with no events in either year is not rated."
)


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


def dispersion(
    periods_before: np.ndarray, periods_now: np.ndarray, by_season: bool = True
) -> np.ndarray:
    """The dispersion phi of each row's two windows of periods (months or quarters), at least 1.

    ``periods_before`` and ``periods_now`` are arrays of shape (rows, k): the k periods of each
    window in time order, so column j of both is the same calendar month (or quarter).

    With ``by_season`` (the default) phi is Pearson's chi-squared of the 2 x k table (window x
    calendar period) about the counts expected if every calendar period changed by the same
    ratio, divided by its degrees of freedom k' - 1 (k' calendar periods with any events): the
    quasi-Poisson fit of a model with a season effect and a window effect. The totals' test is the
    same score test whether or not the season is in the model, but the season must be: crime is
    strongly seasonal, and a 12-month total holds each season once, so the seasonal swing is no
    part of the totals' noise; measured about each window's mean (``by_season=False``, Pearson's
    chi-squared on 2(k - 1) degrees of freedom) the summer peak alone makes phi 20 to 30 for all
    crime in the demo data and hides every real change.

    phi is floored at 1 (Poisson: the counts cannot be less variable than chance). A row with a
    missing period gives NaN; a row with no events, or with events in one calendar period only
    (nothing to measure the scatter from), gives 1.
    """
    before = np.atleast_2d(np.asarray(periods_before, dtype=float))
    now = np.atleast_2d(np.asarray(periods_now, dtype=float))
    if before.shape != now.shape:
        raise ValueError(f"windows of different shapes: {before.shape} and {now.shape}")
    k = before.shape[1]
    missing = np.isnan(before).any(axis=1) | np.isnan(now).any(axis=1)
    table = np.stack([np.nan_to_num(before), np.nan_to_num(now)], axis=1)  # (rows, 2, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        if by_season:
            season_totals = table.sum(axis=1, keepdims=True)  # (rows, 1, k)
            window_totals = table.sum(axis=2, keepdims=True)  # (rows, 2, 1)
            grand_total = table.sum(axis=(1, 2), keepdims=True)
            expected = window_totals * season_totals / grand_total
            df = (season_totals[:, 0, :] > 0).sum(axis=1) - 1.0
        else:
            expected = np.broadcast_to(table.mean(axis=2, keepdims=True), table.shape)
            df = np.full(table.shape[0], 2.0 * (k - 1))
        terms = np.where(expected > 0, (table - expected) ** 2 / expected, 0.0)
        phi = terms.sum(axis=(1, 2)) / df
    phi = np.where(df > 0, np.maximum(phi, 1.0), 1.0)
    return np.where(missing, np.nan, phi)


def change_test(
    count_now: np.ndarray | float,
    count_before: np.ndarray | float,
    phi: np.ndarray | float = 1.0,
    exposure_now: np.ndarray | float = 1.0,
    exposure_before: np.ndarray | float = 1.0,
    small_count: float = SMALL_COUNT,
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided p-value of a change between two counts allowing for dispersion phi, and the method.

    The rule: the exact Poisson (conditional binomial) test when the two counts hold fewer than
    ``small_count`` events together or phi is 1 (method ``exact_poisson``); otherwise the
    quasi-Poisson test of the conditional binomial with its variance multiplied by phi,
    ``z = (a - n p) / sqrt(phi n p (1 - p))`` (``(a - b) / sqrt(phi (a + b))`` for equal
    exposures), its p-value never below the exact test's (``quasi_poisson``): over-dispersion
    can only add to the uncertainty, and near phi = 1 the normal approximation alone would be
    slightly less cautious than the exact test. phi below 1 is taken as 1. Missing inputs give a
    NaN p-value and a None method.
    """
    a, b, f, ea, eb = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (
        count_now, count_before, phi, exposure_now, exposure_before)))
    exact = poisson_change_p_value(a, b, ea, eb)
    known = ~(np.isnan(exact) | np.isnan(f))
    f = np.maximum(np.nan_to_num(f, nan=1.0), 1.0)
    n = a + b
    use_exact = (n < small_count) | (f <= 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = ea / (ea + eb)
        z = (a - n * share) / np.sqrt(f * n * share * (1 - share))
        quasi = np.maximum(2 * stats.norm.sf(np.abs(z)), exact)
    p_value = np.where(known, np.where(use_exact, exact, quasi), np.nan)
    method = np.where(known, np.where(use_exact, EXACT_POISSON, QUASI_POISSON), None).astype(object)
    method[~known] = None
    return p_value, method


def position_against_rest(
    count_area: np.ndarray | float,
    population_area: np.ndarray | float,
    count_rest: np.ndarray | float,
    population_rest: np.ndarray | float,
    significance_level: float = 0.05,
) -> tuple[np.ndarray, np.ndarray]:
    """An area's rate against the rest of the county's: ('above' | 'similar' | 'below', p-value).

    The exact conditional binomial test: given the n = c_area + c_rest events, c_area is
    Binomial(n, pop_area / (pop_area + pop_rest)) when the two rates are equal; the two-sided
    p-value is SciPy's ``binomtest``'s. ``above`` / ``below`` when p < significance_level and the
    area's rate is higher / lower than the rest's; ``similar`` otherwise. The rest is the county
    without the area (a district of Lancashire-12), or the whole county for an area outside it (a
    unitary). Any input missing, or a population not positive, gives (None, NaN).
    """
    c_area, p_area, c_rest, p_rest = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (
        count_area, population_area, count_rest, population_rest)))
    p_value = poisson_change_p_value(c_area, c_rest, p_area, p_rest)
    known = ~np.isnan(p_value)
    with np.errstate(divide="ignore", invalid="ignore"):
        higher = c_area / p_area > c_rest / p_rest
    significant = known & (np.nan_to_num(p_value, nan=1.0) < significance_level)
    position = np.where(significant, np.where(higher, "above", "below"), "similar").astype(object)
    position[~known] = None
    return position, p_value
