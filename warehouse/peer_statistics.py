"""The statistics of relative position: an area against its peers, implemented once.

The Board asks where Lancashire and each district stand among areas like them. Four questions,
each answered here for a whole long table at once (NumPy arrays in, NumPy arrays out; pandas
only where a table is the natural answer):

* **Is the area's rate significantly above or below its peer group's average?**
  :func:`position_against_peer_average`: the exact Poisson test of the area's count against the
  count its population would give at the peer group's average rate, the average being the mean of
  the members' rates as the Home Office's iQuanta tool takes it (:func:`peer_average_rate`).
* **Where does it rank in its group?** :func:`rank_in_group`: 1 for the highest rate, ties
  sharing the best rank.
* **Is it outside the funnel?** :func:`funnel_position`: 95% and 99.8% control limits around a
  target rate (the group's or the nation's) for the area's own population, widened for
  over-dispersion as Spiegelhalter (2005) recommends; :func:`funnel_curves` draws the funnel.
* **Which areas are its peers?** :func:`nearest_peers`: the k nearest areas on standardised
  variables (population, deprivation, share of young residents ...), with ties broken by area
  code so that the groups are reproducible.

Why an exact test *and* a funnel: the test answers "is this area's rate different from its
peers' average?" with a p-value at the partnership's significance level; the funnel answers "is
the difference bigger than areas of this size usually show?", which is the fairer question for
crime counts, whose rates vary between areas far more than chance alone would make them.

References: D. J. Spiegelhalter, "Funnel plots for comparing institutional performance", Stat Med
2005;24:1185-1202, and "Handling over-dispersion of performance indicators", Qual Saf Health Care
2005;14:347-351; OHID's (formerly PHE's) funnel plot methods as implemented in the R package
PHEindicatormethods (``calculate_funnel_limits``/``assign_funnel_significance``); the R package
FunnelPlotR (C. Mainey), whose winsorisation and tau-squared estimator this module follows.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import special, stats

# Shared with the exact tests of warehouse.statistics: probabilities within this relative
# tolerance of the observed outcome's count as "as extreme" (R's relErr, SciPy's binomtest).
from warehouse.statistics import _RELATIVE_TOLERANCE, poisson_confidence_interval

ABOVE = "above"
SIMILAR = "similar"
BELOW = "below"

ABOVE_998 = "above 99.8%"
ABOVE_95 = "above 95%"
WITHIN = "within"
BELOW_95 = "below 95%"
BELOW_998 = "below 99.8%"
FUNNEL_POSITIONS = (ABOVE_998, ABOVE_95, WITHIN, BELOW_95, BELOW_998)

# The two control limits of a funnel plot, by the names of their columns: about 2 and 3 standard
# deviations, the usual "warning" and "action" lines of a control chart.
FUNNEL_LEVELS = {"95": 0.95, "998": 0.998}

ADDITIVE = "additive"  # random effects: tau^2 added to each area's own variance (the default)
MULTIPLICATIVE = "multiplicative"  # every area's variance multiplied by phi
OHID = "ohid"  # exact Poisson limits: the area's exact interval just touches the target
GARWOOD = "garwood"  # exact Garwood interval of the expected count, as FunnelPlotR draws them

WINSORISE = 0.1  # the z-scores are winsorised at their 10th and 90th percentiles
OVERDISPERSION_TEST_LEVEL = 0.05
MIN_AREAS_FOR_OVERDISPERSION = 5
DEFAULT_PEERS = 15

PEER_POSITION_METHOD_NOTE = (
    "Each area is compared with the average of its peer group: the mean of the member areas' "
    "rates, as the Home Office's iQuanta tool takes it, so that every member counts once whatever "
    "its size. The area's own count is compared with the count its population would give at that "
    "average rate (its expected count), by the exact Poisson test: the two-sided p-value adds up "
    "the chance of every count no more likely than the one observed (as R's poisson.test does). "
    "The area is significantly above or below its peers when that p-value is below the "
    "partnership's significance level (the significance_level setting, 5% unless changed), and "
    "similar otherwise. An area without a population, or a group without an average, is not "
    "compared; when every member had no events at all the average is 0, and an area with none is "
    "similar, one with any is above. Within its group each area is ranked by its rate, 1 for the "
    "highest; areas with equal rates share the better rank."
)

FUNNEL_METHOD_NOTE = (
    "A funnel plot puts each area's rate against its population, with control limits around the "
    "target rate (the peer group's average, or the national rate) that narrow as the population "
    "grows: a small area's rate varies more by chance than a large one's. The limits are at 95% "
    "and 99.8% (about two and three standard deviations). Without over-dispersion they are exact "
    "Poisson limits, computed as in OHID's funnel plot methods (the PHEindicatormethods package of "
    "the Fingertips team): an area lies above the upper 95% limit exactly when the lower end of "
    "the exact 95% confidence interval of its own count is above the count expected at the target "
    "rate, and below the lower limit when the upper end is below it. Crime counts vary between "
    "areas far more than chance alone would make them (over-dispersion), which would put most "
    "large areas outside the limits. Following Spiegelhalter (2005), each area's difference from "
    "the target is measured on the square-root scale, z = 2 x (square root of the observed count - "
    "square root of the expected count); the z-scores are winsorised (those beyond the group's "
    "10th and 90th percentiles are pulled back to them, so that a few real outliers cannot widen "
    "the funnel enough to hide themselves) and their mean square is the over-dispersion factor "
    "phi. When phi is significantly above 1 (the number of areas times phi against the chi-squared "
    "distribution on one fewer degrees of freedom, at the 5% level, with at least 5 areas), the "
    "limits allow for it by the additive random-effects model the paper recommends: a between-area "
    "variance tau-squared (the DerSimonian-Laird estimate) is added to each area's own variance, "
    "so the limits of large areas widen most and those of small areas, dominated by chance, hardly "
    "move. Otherwise the exact Poisson limits stand. An area is then above or below the 99.8% "
    "limit, above or below the 95% limit, or within the funnel."
)

PEER_GROUP_METHOD_NOTE = (
    "Where the partnership has no published list of an area's most similar areas, its peer group "
    "is computed: its nearest neighbours among all community safety partnerships of England and "
    "Wales on published variables (such as population, the Index of Multiple Deprivation and the "
    "share of residents aged 15 to 24). Each variable is first standardised (its mean across the "
    "areas subtracted and the result divided by its standard deviation) so that each counts "
    "equally, and areas are compared by the straight-line (Euclidean) distance between them. An "
    "area missing a variable (the English Index of Multiple Deprivation has no value for Welsh "
    "areas) is compared on the variables it has: the distance over the variables two areas share "
    "is scaled up to the full number of variables, and two areas sharing none are never peers. "
    "The group is the k nearest other areas (15 unless set), equal distances taken in order of "
    "area code, so the same data always give the same groups."
)

# The three together, in the order a reader meets them: who the peers are, how each area compares.
RELATIVE_POSITION_METHOD_NOTE = " ".join(
    (PEER_GROUP_METHOD_NOTE, PEER_POSITION_METHOD_NOTE, FUNNEL_METHOD_NOTE))


def _floats(*values: object) -> list[np.ndarray]:
    return list(np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in values)))


def _group_codes(group: object, size: int) -> tuple[np.ndarray, int]:
    """Integer codes 0..G-1 of the group labels (-1 where the label is missing), and G."""
    if group is None:
        return np.zeros(size, dtype=np.int64), 1 if size else 0
    labels = group if isinstance(group, pd.Series) else pd.Series(np.asarray(group, dtype=object))
    if len(labels) != size:
        raise ValueError(f"group has {len(labels)} labels for {size} rows")
    codes, uniques = pd.factorize(labels, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), len(uniques)


# --------------------------------------------------------------------------------------------
# 1. The exact test against the peer group's average
# --------------------------------------------------------------------------------------------

def poisson_test_p_value(observed: np.ndarray | float, expected: np.ndarray | float) -> np.ndarray:
    """Two-sided exact p-value of an observed Poisson count against a known expected count.

    The "minlike" rule, as R's ``poisson.test(x, T, r)`` and the change test of
    :mod:`warehouse.statistics`: the p-value adds the probabilities of every count no more likely
    than the observed one (within the same relative tolerance, so that ties in probability count
    as "as extreme"). Chosen over doubling the smaller tail because it is what R reports, never
    exceeds 1, and keeps the warehouse's exact tests on one rule.

    The Poisson probabilities fall away on each side of the mode, so the far side's cut-off is
    found by a binary search, element by element but vectorised: a whole table at once.

    Counts are rounded to whole events. An expected count of 0 gives 1 for an observed 0 and 0 for
    any other count (R's convention: under a zero rate any event is impossible). Missing or
    negative inputs give NaN.
    """
    x_in, m_in = _floats(observed, expected)
    out = np.full(x_in.shape, np.nan)
    ok = np.isfinite(x_in) & np.isfinite(m_in) & (x_in >= 0) & (m_in >= 0)
    if not ok.any():
        return out
    x = np.rint(x_in[ok])
    m = m_in[ok]
    p_value = np.ones(x.shape)
    zero = m == 0
    p_value[zero] = np.where(x[zero] == 0, 1.0, 0.0)
    todo = ~zero & (x != m)
    x, m = x[todo], m[todo]
    d = stats.poisson.pmf(x, m) * _RELATIVE_TOLERANCE
    below = x < m
    # Observed below the mean: the upper tail starts at the first j >= ceil(m) with pmf(j) <= d
    # (the pmf falls from ceil(m) on); first find an end of the search with pmf <= d, as R does.
    start = np.ceil(m)
    end = np.maximum(np.ceil(2 * m - x), start)
    for _ in range(64):
        grow = below & (stats.poisson.pmf(end, m) > d)
        if not grow.any():
            break
        end = np.where(grow, 2 * end, end)
    # Observed above the mean: the lower tail is the y counts 0..y-1 with pmf <= d (the pmf rises
    # up to floor(m)); y is the first i with pmf(i) > d, floor(m) + 1 when there is none.
    lo = np.where(below, start, 0.0)
    hi = np.where(below, end, np.floor(m) + 1)
    for _ in range(70):  # the first index in [lo, hi] where the predicate holds (it holds at hi)
        open_ = lo < hi
        if not open_.any():
            break
        mid = np.floor((lo + hi) / 2)
        pm = stats.poisson.pmf(mid, m)
        holds = np.where(below, pm <= d, pm > d)
        hi = np.where(open_ & holds, mid, hi)
        lo = np.where(open_ & ~holds, mid + 1, lo)
    j = lo
    two_sided = np.where(
        below,
        stats.poisson.cdf(x, m) + stats.poisson.sf(j - 1, m),
        stats.poisson.cdf(j - 1, m) + stats.poisson.sf(x - 1, m),
    )
    p_value[todo] = np.minimum(1.0, two_sided)
    out[ok] = p_value
    return out


def peer_average_rate(rate: np.ndarray, group: object, require_all: bool = True) -> np.ndarray:
    """The peer group's average rate for each row: the mean of its members' rates.

    The unweighted mean, as iQuanta takes it: each member counts once, whatever its population,
    so the average describes a typical member rather than the group's largest areas. With
    ``require_all`` (the default) a group with any member's rate missing has no average (NaN):
    a period is compared only when every member has complete data. Rows without a group give NaN.
    """
    values = np.asarray(rate, dtype=float)
    codes, groups = _group_codes(group, values.size)
    out = np.full(values.shape, np.nan)
    member = codes >= 0
    if not member.any():
        return out
    known = member & ~np.isnan(values)
    total = np.bincount(codes[known], weights=values[known], minlength=groups)
    count = np.bincount(codes[known], minlength=groups)
    size = np.bincount(codes[member], minlength=groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / count
    if require_all:
        mean = np.where(count == size, mean, np.nan)
    out[member] = mean[codes[member]]
    return out


def position_against_peer_average(
    count: np.ndarray | float,
    population: np.ndarray | float,
    peer_rate: np.ndarray | float,
    significance_level: float = 0.05,
    per: float = 1000.0,
) -> tuple[np.ndarray, np.ndarray]:
    """An area's count against its peer group's average rate: ('above' | 'similar' | 'below', p).

    The expected count is E = peer_rate x population / per (``peer_rate`` per ``per`` residents,
    the mean of the members' rates: :func:`peer_average_rate`), and the two-sided p-value is the
    exact Poisson test of the count against E (:func:`poisson_test_p_value`). ``above`` /
    ``below`` when p < ``significance_level`` (the ``[statistics] significance_level`` setting)
    and the count is above / below E; ``similar`` otherwise.

    Not comparable (position None, p NaN): any input missing, a negative count or rate, or a
    population that is not positive. A peer rate of 0 is comparable: an area with no events is
    ``similar`` (p = 1), one with any is ``above`` (p = 0), as R's ``poisson.test`` has it.
    """
    c, n, r = _floats(count, population, peer_rate)
    with np.errstate(invalid="ignore"):
        comparable = np.isfinite(c) & np.isfinite(n) & np.isfinite(r) & (n > 0) & (r >= 0) & (c >= 0)
        expected = np.where(comparable, r * n / per, np.nan)
    p_value = poisson_test_p_value(c, expected)
    known = comparable & ~np.isnan(p_value)
    significant = known & (np.nan_to_num(p_value, nan=1.0) < significance_level)
    higher = np.rint(np.nan_to_num(c)) > np.nan_to_num(expected)
    position = np.where(significant, np.where(higher, ABOVE, BELOW), SIMILAR).astype(object)
    position[~known] = None
    return position, np.where(known, p_value, np.nan)


# --------------------------------------------------------------------------------------------
# 2. Rank in group
# --------------------------------------------------------------------------------------------

def rank_in_group(rate: np.ndarray, group: object) -> tuple[np.ndarray, np.ndarray]:
    """Each area's rank by rate within its group, and how many areas of the group were ranked.

    Rank 1 is the highest rate (crime rates: 1 = most crime per resident); equal rates share the
    best (lowest) rank of their tie, so two areas tied for second are both 2 and the next is 4
    (SQL's RANK, pandas' ``method="min"``). ``rate`` and ``group`` are columns of a long table
    (NumPy arrays or pandas Series; in a dbt Python model, the columns of the model's pandas
    frame). A missing rate is not ranked (NaN) and not counted; a missing group label leaves the
    row unranked. Both outputs are float arrays (NaN where unranked): "3 of 16".
    """
    values = pd.Series(np.asarray(rate, dtype=float))
    codes, _ = _group_codes(group, len(values))
    keys = pd.Series(np.where(codes >= 0, codes, np.nan))
    ranks = values.groupby(keys, dropna=True).rank(method="min", ascending=False)
    counted = values.groupby(keys, dropna=True).transform("count")
    rank = ranks.reindex(values.index).to_numpy(dtype=float)
    out_of = counted.reindex(values.index).to_numpy(dtype=float)
    return rank, np.where(np.isnan(rank), np.nan, out_of)


# --------------------------------------------------------------------------------------------
# 3. Funnel plots with over-dispersion
# --------------------------------------------------------------------------------------------

def funnel_z_scores(count: np.ndarray | float, expected: np.ndarray | float) -> np.ndarray:
    """Each area's z-score on the square-root scale: z = 2 (sqrt(O) - sqrt(E)).

    Spiegelhalter (2005) recommends the square root for counts: the square root of a Poisson
    count is close to normal with a variance of about 1/4 whatever its mean, even for small
    counts, where (O - E)/sqrt(E) is skewed; so the normal limits drawn from these z-scores, and
    the over-dispersion estimated from them, hold for small areas as for large. It is the "CQC"
    method of FunnelPlotR: y = sqrt(O/E) against a target of 1, standard error 1/(2 sqrt(E)).
    NaN where O is missing or negative or E is missing or not positive.
    """
    o, e = _floats(count, expected)
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(o) & np.isfinite(e) & (o >= 0) & (e > 0)
        return np.where(valid, 2.0 * (np.sqrt(np.where(valid, o, 0.0)) - np.sqrt(np.where(valid, e, 1.0))), np.nan)


class Overdispersion(NamedTuple):
    """The over-dispersion of each row's group, one value per row (NaN / False without a group).

    phi: the winsorised estimate (1/I) sum z_w^2; tau2: the DerSimonian-Laird between-area
    variance on the square-root scale (0 when I phi <= I - 1); areas: I, the areas with a z-score;
    p_value: of I phi against chi-squared on I - 1 degrees of freedom; adjusted: whether the
    limits allow for over-dispersion (the estimate is significant and the chosen model widens).
    """

    phi: np.ndarray
    tau2: np.ndarray
    areas: np.ndarray
    p_value: np.ndarray
    adjusted: np.ndarray


def overdispersion(
    count: np.ndarray | float,
    expected: np.ndarray | float,
    group: object = None,
    trim: float = WINSORISE,
    test_level: float | None = OVERDISPERSION_TEST_LEVEL,
    method: str = ADDITIVE,
    min_areas: int = MIN_AREAS_FOR_OVERDISPERSION,
) -> Overdispersion:
    """Spiegelhalter's over-dispersion of each group of areas, vectorised over the groups.

    Steps, per group (the areas of one comparison: one indicator, period and peer group):

    1. z-scores on the square-root scale (:func:`funnel_z_scores`), for the I areas with a
       count and a positive expected count;
    2. winsorised at ``trim``: values below the group's 10th / above its 90th percentile (R's
       default quantile, type 7, as FunnelPlotR) are replaced by those percentiles, so that the
       outliers the funnel is meant to find do not inflate the estimate of ordinary variation;
    3. phi = (1/I) sum z_w^2 (1 when the areas vary as chance alone would make them);
    4. the test: I phi has about a chi-squared distribution on I - 1 degrees of freedom when
       there is no over-dispersion (the target is estimated from the same areas; Cochran's Q of
       meta-analysis). Limits are widened only when its p-value is below ``test_level`` (a small
       peer group's phi is noisy, and a funnel that widens on noise hides real differences);
       ``test_level=None`` widens whenever the model's estimate does (FunnelPlotR's behaviour);
    5. tau2 = max(0, (I phi - (I - 1)) / (sum w - sum w^2 / sum w)), w = 1/s^2 = 4E: the
       DerSimonian-Laird moment estimate of the between-area variance on the sqrt(O/E) scale.

    ``adjusted`` needs at least ``min_areas`` areas, a significant test, and a model that widens
    (tau2 > 0 for ``additive``, phi > 1 for ``multiplicative``). The winsorised phi is smaller than
    the unwinsorised Pearson statistic, so the test is on the cautious side.
    """
    if method not in (ADDITIVE, MULTIPLICATIVE):
        raise ValueError(f"method must be {ADDITIVE!r} or {MULTIPLICATIVE!r}, not {method!r}")
    if not 0 <= trim < 0.5:
        raise ValueError(f"trim must be in [0, 0.5), not {trim}")
    o, e = _floats(count, expected)
    o, e = o.ravel(), e.ravel()
    z = funnel_z_scores(o, e)
    codes, groups = _group_codes(group, z.size)
    nan_rows = np.full(z.size, np.nan)
    if groups == 0:
        return Overdispersion(nan_rows, nan_rows.copy(), nan_rows.copy(), nan_rows.copy(), np.zeros(z.size, bool))
    valid = np.isfinite(z) & (codes >= 0)
    zc, gc, wc = z[valid], codes[valid], 4.0 * e[valid]
    areas = np.bincount(gc, minlength=groups).astype(float)
    # Per-group percentiles (type 7) from one sort by (group, z).
    order = np.lexsort((zc, gc))
    zs, gs = zc[order], gc[order]
    starts = np.concatenate(([0], np.cumsum(areas)[:-1])).astype(np.int64)
    size = areas.astype(np.int64)

    def percentile(p: float) -> np.ndarray:
        h = np.maximum(size - 1, 0) * p
        low = np.floor(h).astype(np.int64)
        high = np.minimum(low + 1, np.maximum(size - 1, 0))
        frac = h - low
        if zs.size == 0:
            return np.full(groups, np.nan)
        a = zs[np.clip(starts + low, 0, zs.size - 1)]
        b = zs[np.clip(starts + high, 0, zs.size - 1)]
        return np.where(size > 0, a + frac * (b - a), np.nan)

    lower_z, upper_z = percentile(trim), percentile(1 - trim)
    z_w = np.clip(zs, lower_z[gs], upper_z[gs])
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.bincount(gs, weights=z_w**2, minlength=groups) / areas
        w = wc[order]
        sum_w = np.bincount(gs, weights=w, minlength=groups)
        sum_w2 = np.bincount(gs, weights=w**2, minlength=groups)
        q = areas * phi
        tau2 = np.maximum(0.0, (q - (areas - 1)) / (sum_w - sum_w2 / sum_w))
        tau2 = np.where(np.isfinite(tau2), tau2, 0.0)
        p_value = np.where(areas >= 2, stats.chi2.sf(q, np.maximum(areas - 1, 1)), np.nan)
    estimated = areas >= max(min_areas, 2)
    phi = np.where(areas > 0, phi, np.nan)
    tau2 = np.where(areas > 0, tau2, np.nan)
    signal = np.ones(groups, dtype=bool) if test_level is None else np.nan_to_num(p_value, nan=1.0) < test_level
    widens = np.nan_to_num(tau2) > 0 if method == ADDITIVE else np.nan_to_num(phi) > 1
    adjusted = estimated & signal & widens

    member = codes >= 0

    def per_row(values: np.ndarray, fill: object = np.nan) -> np.ndarray:
        out = np.full(z.size, fill, dtype=values.dtype)
        out[member] = values[codes[member]]
        return out

    shape = np.broadcast_shapes(np.shape(count), np.shape(expected))
    return Overdispersion(
        *(per_row(v).reshape(shape) for v in (phi, tau2, areas, p_value)),
        per_row(adjusted, False).reshape(shape),
    )


def _level_quantile(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    return float(stats.norm.ppf(0.5 + level / 2))


def _poisson_count_limits(expected: np.ndarray, level: float, poisson: str) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson control limits, as counts, for expected counts E > 0 at a two-sided level."""
    alpha = 1 - level
    if poisson == OHID:
        # The count O at the upper limit is the one whose exact (Garwood) lower confidence limit
        # is E: P(Gamma(O) <= E) = alpha/2, and at the lower limit the one whose upper limit is
        # E: P(Gamma(O + 1) <= E) = 1 - alpha/2, solved for the (continuous) shape O with the
        # inverse of the chi-squared distribution in its degrees of freedom. At whole counts
        # these are the points OHID's tools draw the funnel through; between them the curve is
        # the same expression, continuous, rather than straight lines.
        upper = special.chdtriv(alpha / 2, 2 * expected) / 2
        lower = np.maximum(special.chdtriv(1 - alpha / 2, 2 * expected) / 2 - 1, 0.0)
        return lower, upper
    if poisson == GARWOOD:
        # The exact interval of E itself treated as a count (the chi-squared limits of
        # FunnelPlotR and many spreadsheets): lower gamma(alpha/2; E), upper gamma(1-alpha/2; E+1).
        return poisson_confidence_interval(expected, level)
    raise ValueError(f"poisson must be {OHID!r} or {GARWOOD!r}, not {poisson!r}")


def funnel_limits(
    target_rate: np.ndarray | float,
    population: np.ndarray | float,
    level: float,
    phi: np.ndarray | float = 1.0,
    tau2: np.ndarray | float = 0.0,
    method: str = ADDITIVE,
    poisson: str = OHID,
    per: float = 1000.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper control limits, as rates per ``per``, at two-sided ``level``.

    E = target_rate x population / per. Without over-dispersion (``tau2`` 0 for ``additive``,
    ``phi`` at most 1 for ``multiplicative``; NaN counts as none) the limits are exact Poisson
    limits (``poisson``: ``ohid`` the default, or ``garwood``). With it, the square-root scale's
    normal limits of Spiegelhalter (2005):

    * additive: target x (1 +/- z_p sqrt(1/(4E) + tau2))^2, the between-area variance tau2 added
      to each area's own 1/(4E): large areas' limits widen most, small areas' hardly;
    * multiplicative: target x (1 +/- z_p sqrt(phi/(4E)))^2, every area's variance times phi.

    The lower limit is 0 where 1 - z_p sd would be negative (squaring it would fold it back up).
    A population that is not positive, or a missing or negative target, gives NaN; a target of 0
    gives limits of 0 (under a zero rate any event is outside).
    """
    if method not in (ADDITIVE, MULTIPLICATIVE):
        raise ValueError(f"method must be {ADDITIVE!r} or {MULTIPLICATIVE!r}, not {method!r}")
    z_p = _level_quantile(level)
    target, n, f, t2 = _floats(target_rate, population, phi, tau2)
    with np.errstate(invalid="ignore", divide="ignore"):
        valid = np.isfinite(target) & np.isfinite(n) & (n > 0) & (target >= 0)
        expected = np.where(valid, target * n / per, np.nan)
        positive = valid & (expected > 0)
        e = np.where(positive, expected, 1.0)
        count_lower, count_upper = _poisson_count_limits(e, level, poisson)
        exact_lower, exact_upper = target * count_lower / e, target * count_upper / e
        if method == ADDITIVE:
            adjusted = np.nan_to_num(t2) > 0
            sd = np.sqrt(1 / (4 * e) + np.nan_to_num(t2))
        else:
            adjusted = np.nan_to_num(f, nan=1.0) > 1
            sd = np.sqrt(np.nan_to_num(f, nan=1.0) / (4 * e))
        od_lower = target * np.maximum(0.0, 1 - z_p * sd) ** 2
        od_upper = target * (1 + z_p * sd) ** 2
    lower = np.where(adjusted, od_lower, exact_lower)
    upper = np.where(adjusted, od_upper, exact_upper)
    lower = np.where(positive, lower, np.where(valid, 0.0, np.nan))
    upper = np.where(positive, upper, np.where(valid, 0.0, np.nan))
    return lower, upper


class FunnelPosition(NamedTuple):
    """Each area's place in its funnel (arrays, one value per area; ``pd.DataFrame(x._asdict())``).

    rate: count per ``per`` residents; lower_95 ... upper_998: the control limits as rates for
    the area's population; position: one of FUNNEL_POSITIONS, None when not comparable; z: the
    square-root-scale z-score; phi / tau2: the over-dispersion allowed for in the limits (phi
    under the multiplicative model, tau2 under the additive one; 1 / 0 when none);
    phi_estimate: the group's winsorised phi, allowed for or not; overdispersion_p_value: its
    test; adjusted: whether the limits allow for over-dispersion.
    """

    rate: np.ndarray
    lower_95: np.ndarray
    upper_95: np.ndarray
    lower_998: np.ndarray
    upper_998: np.ndarray
    position: np.ndarray
    z: np.ndarray
    phi: np.ndarray
    tau2: np.ndarray
    phi_estimate: np.ndarray
    overdispersion_p_value: np.ndarray
    adjusted: np.ndarray


def funnel_position(
    count: np.ndarray | float,
    population: np.ndarray | float,
    target_rate: np.ndarray | float,
    group: object = None,
    per: float = 1000.0,
    method: str = ADDITIVE,
    poisson: str = OHID,
    trim: float = WINSORISE,
    test_level: float | None = OVERDISPERSION_TEST_LEVEL,
    min_areas: int = MIN_AREAS_FOR_OVERDISPERSION,
) -> FunnelPosition:
    """Each area's funnel-plot limits and position, over-dispersion estimated per ``group``.

    ``target_rate`` (per ``per`` residents) is the centre of the funnel: the peer group's average
    or the national rate, the same for every row of a group. Over-dispersion is estimated from
    the areas of each group (:func:`overdispersion`; all rows one group when ``group`` is None)
    and allowed for by the ``additive`` random-effects model (default: Spiegelhalter's
    recommendation, the model behind the Healthcare Commission's ratings and FunnelPlotR) or the
    ``multiplicative`` one (every area's variance times phi, which widens small areas' limits as
    much as large ones', relative to their own noise). Position: ``above 99.8%`` when the rate is
    above the upper 99.8% limit, else ``above 95%`` above the upper 95% limit, likewise below,
    else ``within``; on a limit is within. Not comparable (None, NaN limits): a missing or
    negative count, a population that is not positive, a missing or negative target.
    """
    c, n, target = _floats(count, population, target_rate)
    with np.errstate(invalid="ignore", divide="ignore"):
        comparable = (np.isfinite(c) & np.isfinite(n) & np.isfinite(target) & (c >= 0) & (n > 0) & (target >= 0))
        expected = np.where(comparable, target * n / per, np.nan)
        rate = np.where(comparable, c / n * per, np.nan)
    od = overdispersion(c, expected, group, trim=trim, test_level=test_level, method=method, min_areas=min_areas)
    # What the limits allow for: phi under the multiplicative model, tau2 under the additive one.
    multiplied = od.adjusted & (method == MULTIPLICATIVE)
    added = od.adjusted & (method == ADDITIVE)
    phi = np.where(multiplied, np.maximum(np.nan_to_num(od.phi, nan=1.0), 1.0), 1.0)
    tau2 = np.where(added, np.nan_to_num(od.tau2), 0.0)
    limits = {}
    for name, level in FUNNEL_LEVELS.items():
        lower, upper = funnel_limits(target, n, level, phi, tau2, method=method, poisson=poisson, per=per)
        limits[name] = (np.where(comparable, lower, np.nan), np.where(comparable, upper, np.nan))
    (l95, u95), (l998, u998) = limits["95"], limits["998"]
    r = np.nan_to_num(rate)
    position = np.select(
        [r > np.nan_to_num(u998, nan=np.inf), r > np.nan_to_num(u95, nan=np.inf),
         r < np.nan_to_num(l998, nan=-np.inf), r < np.nan_to_num(l95, nan=-np.inf)],
        [ABOVE_998, ABOVE_95, BELOW_998, BELOW_95],
        default=WITHIN,
    ).astype(object)
    position[~comparable] = None
    return FunnelPosition(
        rate=rate,
        lower_95=l95,
        upper_95=u95,
        lower_998=l998,
        upper_998=u998,
        position=position,
        z=funnel_z_scores(c, expected),
        phi=phi,
        tau2=tau2,
        phi_estimate=od.phi,
        overdispersion_p_value=od.p_value,
        adjusted=od.adjusted,
    )


def funnel_curves(
    target_rate: np.ndarray | float,
    population_min: np.ndarray | float,
    population_max: np.ndarray | float,
    phi: np.ndarray | float = 1.0,
    tau2: np.ndarray | float = 0.0,
    curve: object = None,
    method: str = ADDITIVE,
    poisson: str = OHID,
    per: float = 1000.0,
    points: int = 100,
) -> pd.DataFrame:
    """The funnel's limit curves over a grid of populations, for drawing: a long table.

    One funnel per element of the (broadcast) parameters: its target rate, population range,
    and the ``phi`` / ``tau2`` allowed for (the ``phi`` / ``tau2`` fields of
    :class:`FunnelPosition`, the same for every area of a group). Each funnel gets ``points``
    populations spaced evenly on a log scale from ``population_min`` to ``population_max`` (so
    the curve is smooth where it bends most, at small populations; OHID's tools use 100 points
    likewise), and columns ``curve`` (the label from ``curve``, else the funnel's index),
    ``population``, ``target_rate``, ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998``.
    """
    if points < 2:
        raise ValueError("a curve needs at least 2 points")
    target, low, high, f, t2 = (np.atleast_1d(v).ravel() for v in _floats(
        target_rate, population_min, population_max, phi, tau2))
    if np.any(~(low > 0)) or np.any(~(high >= low)):
        raise ValueError("population ranges must be positive and in order")
    labels = np.arange(target.size) if curve is None else np.asarray(curve, dtype=object).ravel()
    if labels.size != target.size:
        raise ValueError(f"{labels.size} curve labels for {target.size} funnels")
    steps = np.linspace(0.0, 1.0, points)
    grid = np.exp(np.log(low)[:, None] + (np.log(high) - np.log(low))[:, None] * steps[None, :])
    table = {
        "curve": np.repeat(labels, points),
        "population": grid.ravel(),
        "target_rate": np.repeat(target, points),
    }
    for name, level in FUNNEL_LEVELS.items():
        lower, upper = funnel_limits(
            target[:, None], grid, level, f[:, None], t2[:, None], method=method, poisson=poisson, per=per)
        table[f"lower_{name}"] = lower.ravel()
        table[f"upper_{name}"] = upper.ravel()
    return pd.DataFrame(table)


# --------------------------------------------------------------------------------------------
# 4. Peer groups by nearest neighbours
# --------------------------------------------------------------------------------------------

def _as_table(variables: object) -> np.ndarray:
    if isinstance(variables, pd.DataFrame):
        values = variables.to_numpy(dtype=float)
    else:
        values = np.asarray(variables, dtype=float)
    return values[:, None] if values.ndim == 1 else values


def _mean_and_deviation(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each column's mean and sample standard deviation over the areas that have it (NaN: none)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column with no values, or just one
        return np.nanmean(values, axis=0), np.nanstd(values, axis=0, ddof=1)


def standardise(variables: object) -> np.ndarray:
    """z-scores of each column across the areas that have it: (x - mean) / standard deviation.

    The sample standard deviation (n - 1), as R's ``scale``. Missing values stay missing and take
    no part in their column's mean and deviation. A column with no spread (or one value) is 0 for
    every area that has it: it cannot tell areas apart.
    """
    values = _as_table(variables)
    mean, sd = _mean_and_deviation(values)
    spread = np.isfinite(sd) & (sd > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (values - mean) / np.where(spread, sd, 1.0)
    return np.where(np.isnan(values), np.nan, np.where(spread, z, 0.0))


def nearest_peers(area: object, variables: object, k: int = DEFAULT_PEERS) -> pd.DataFrame:
    """Each area's k nearest other areas on standardised variables, as a long table.

    ``area``: the areas' codes (unique); ``variables``: one row per area, one column per variable
    (a pandas frame of the numeric columns, or a 2-D array). Each column is standardised
    (:func:`standardise`) so every variable counts equally; pass a skewed variable such as
    population as its logarithm if ratios, not differences, should count. The distance is
    Euclidean. Missing values: two areas are compared on the variables both have, the sum of
    squares scaled by (variables / variables shared) so that distances stay comparable (as
    scikit-learn's ``nan_euclidean_distances``); an area with none of the variables, or a pair
    sharing none, is never a peer. An area is never its own peer.

    Returns columns ``area``, ``peer``, ``rank`` (1 = nearest), ``distance``, sorted by area code
    and rank: exactly ``min(k, areas - 1)`` peers per area when no values are missing. Equal
    distances are ordered by peer code, so the groups are reproducible. The distance matrix is
    built whole (areas^2 x variables numbers: 350 community safety partnerships are nothing).
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    codes = pd.Series(area if isinstance(area, pd.Series) else np.asarray(area, dtype=object)).reset_index(drop=True)
    if codes.isna().any():
        raise ValueError("every area needs a code")
    codes = codes.astype(str)
    if codes.duplicated().any():
        raise ValueError(f"area codes repeat: {sorted(codes[codes.duplicated()].unique())[:5]}")
    values = _as_table(variables)
    if values.shape[0] != len(codes):
        raise ValueError(f"{values.shape[0]} rows of variables for {len(codes)} areas")
    # Work in area-code order, so that the result (to the last bit of every mean and distance)
    # does not depend on the order the areas come in.
    by_code = np.argsort(codes.to_numpy(dtype=str), kind="stable")
    code_values = codes.to_numpy(dtype=object)[by_code]
    values = values[by_code]
    n, p = values.shape
    columns = {"area": pd.Series([], dtype=object), "peer": pd.Series([], dtype=object),
               "rank": pd.Series([], dtype="int64"), "distance": pd.Series([], dtype=float)}
    if n < 2:
        return pd.DataFrame(columns)
    # The difference of two z-scores is the difference of the values over the deviation (the mean
    # cancels): taken that way, pairs equally far apart in the data are exactly equally far apart
    # here, and their tie is broken by code rather than by rounding.
    _, sd = _mean_and_deviation(values)
    scale = np.where(np.isfinite(sd) & (sd > 0), 1.0 / np.where(sd > 0, sd, 1.0), 0.0)
    present = ~np.isnan(values)
    filled = np.where(present, values, 0.0)
    shared = present[:, None, :] & present[None, :, :]
    steps = (filled[:, None, :] - filled[None, :, :]) * scale
    squares = np.where(shared, steps**2, 0.0).sum(axis=2)
    n_shared = shared.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        distance = np.where(n_shared > 0, np.sqrt(squares * p / n_shared), np.inf)
    np.fill_diagonal(distance, np.inf)
    # Nearest first; equal distances in code order (the columns already are: a stable sort).
    order = np.argsort(distance, axis=1, kind="stable")
    take = min(k, n - 1)
    peers = order[:, :take]
    dist = np.take_along_axis(distance, peers, axis=1)
    keep = np.isfinite(dist)
    rows = np.broadcast_to(np.arange(n)[:, None], peers.shape)
    ranks = np.broadcast_to(np.arange(1, take + 1), peers.shape)
    table = pd.DataFrame({
        "area": code_values[rows[keep]],
        "peer": code_values[peers[keep]],
        "rank": ranks[keep].astype("int64"),
        "distance": dist[keep],
    })
    return table  # rows are in area-code order, then rank
