"""warehouse.peer_statistics against published worked examples, independent computations and properties.

Where the reference numbers come from:

* R's ``poisson.test`` help page (the Welsh nickel workers' SMR, ``poisson.test(137, 24.19893)``:
  p-value < 2.2e-16, 95% interval 4.753125 to 6.692709), and hand-derived tail sums;
* FunnelPlotR's own test ``tests/testthat/test-poisson_limits.R`` (nhs-r-community/FunnelPlotR):
  the exact chi-squared ("Garwood") limits around a target of 1 for expected 15, 20, 30;
* PHEindicatormethods' test data ``tests/testthat/testdata_funnel_rate_outputs.csv``
  (ukhsa-collaboration/PHEindicatormethods, OHID's implementation of the Fingertips funnel plot
  method for rates): per number of events, the population at which that count sits on each
  control limit and the limit there, baseline 116.1720835 per 100,000 over 3 years of data;
* FunnelPlotR's example data (``tests/testthat/test-funnel_plot.R``: numerators 100, 150, 180,
  80, 120, 225 against expected 108, 112, 165, 95, 100, 220) run through FunnelPlotR's
  "CQC" (Spiegelhalter) method by hand below, following its R code step by step
  (``transformed_zscore``, ``winsorisation`` with R's type-7 quantile, ``phi_func``,
  ``tau_func``), in plain Python: FunnelPlotR's tests check shapes only, so no published phi or
  tau2 exists for it;
* otherwise SciPy by brute force (sums of Poisson probabilities, ``cdist``, ``zscore``).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import cdist

from warehouse import peer_statistics as ps
from warehouse.statistics import poisson_confidence_interval

# --------------------------------------------------------------------------------------------
# 1. The exact test against the peer group's average
# --------------------------------------------------------------------------------------------


def brute_force_p_value(x: int, m: float) -> float:
    """Sum of every Poisson(m) probability no greater than P(x) (R's rule), over a wide range."""
    if m == 0:
        return 1.0 if x == 0 else 0.0
    if x == m:
        return 1.0
    k = np.arange(int(m + 60 * math.sqrt(m) + x + 200))
    pmf = stats.poisson.pmf(k, m)
    return min(1.0, float(pmf[pmf <= stats.poisson.pmf(x, m) * (1 + 1e-7)].sum()))


def test_p_value_published_and_hand_examples():
    # R's ?poisson.test: poisson.test(137, 24.19893) gives "p-value < 2.2e-16" and the 95% interval
    # 4.753125 to 6.692709 of the rate (the shared Garwood interval of warehouse.statistics).
    assert ps.poisson_test_p_value(137, 24.19893) < 2.2e-16
    lower, upper = poisson_confidence_interval(137)
    assert float(lower) / 24.19893 == pytest.approx(4.753125, abs=5e-7)
    assert float(upper) / 24.19893 == pytest.approx(6.692709, abs=5e-7)
    # By hand: against E = 1, P(0) = P(1) = 0.368 > P(3) = 0.061 > P(4) ..., so p = P(X >= 3).
    assert float(ps.poisson_test_p_value(3, 1)) == pytest.approx(1 - math.exp(-1) * 2.5, rel=1e-12)
    # E = 1, x = 2: P(2) = 0.184 < P(0) = P(1), so p = P(X >= 2) = 1 - 2/e.
    assert float(ps.poisson_test_p_value(2, 1)) == pytest.approx(1 - 2 * math.exp(-1), rel=1e-12)
    # x = 0 against E = 2.5: P(0) = e^-2.5 = 0.0821; P(4) = 0.134 is larger, P(5) = 0.0668 and beyond
    # smaller, so p = P(0) + P(X >= 5) = 0.1909.
    assert float(ps.poisson_test_p_value(0, 2.5)) == pytest.approx(
        math.exp(-2.5) + stats.poisson.sf(4, 2.5), rel=1e-12)


def test_p_value_equals_brute_force_on_a_grid():
    xs, ms = [], []
    for m in [0.0, 0.01, 0.3, 1.0, 2.0, 2.5, 7.0, 10.0, 33.3, 100.0, 1234.5, 25000.0]:
        spread = 8 * math.sqrt(m) + 6
        for x in np.unique(np.rint(np.linspace(max(0.0, m - spread), m + spread, 41))):
            xs.append(int(x))
            ms.append(m)
    got = ps.poisson_test_p_value(np.array(xs), np.array(ms))  # the whole grid at once
    expected = np.array([brute_force_p_value(x, m) for x, m in zip(xs, ms)])
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-14)


@settings(max_examples=150, deadline=None)
@given(st.floats(0.0, 5000.0), st.floats(0.0, 3.0))
def test_p_value_equals_brute_force(m, ratio):
    x = int(round(m * ratio))
    got = float(ps.poisson_test_p_value(x, m))
    assert 0.0 <= got <= 1.0
    assert got == pytest.approx(brute_force_p_value(x, m), rel=1e-9, abs=1e-14)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.05, 5000.0))
def test_p_value_is_one_at_the_mode(m):
    assert float(ps.poisson_test_p_value(math.floor(m), m)) == pytest.approx(1.0)


def test_p_value_missing_and_invalid_inputs():
    got = ps.poisson_test_p_value([np.nan, 3, -1, 3, 0, 4], [1.0, np.nan, 1.0, -2.0, 0.0, 0.0])
    assert np.isnan(got[:4]).all()
    assert got[4] == 1.0 and got[5] == 0.0


def test_position_against_peer_average():
    count = np.array([30, 55, 20, 14, 0, 2, 5, np.nan, 5, 5, 5])
    population = np.array([10000, 20000, 10000, 10000, 5000, 5000, 0, 1000, np.nan, 1000, 1000])
    peer_rate = np.array([2.0, 2.0, 2.0, 2.0, 0.0, 0.0, 2.0, 2.0, 2.0, np.nan, -1.0])  # per 1,000
    position, p = ps.position_against_peer_average(count, population, peer_rate)
    expected_counts = peer_rate * population / 1000
    assert list(position) == ["above", "above", "similar", "similar", "similar", "above",
                              None, None, None, None, None]
    np.testing.assert_allclose(p[:4], ps.poisson_test_p_value(count[:4], expected_counts[:4]))
    assert p[4] == 1.0 and p[5] == 0.0
    assert np.isnan(p[6:]).all()
    # below: 5 against an expected 20
    position, p = ps.position_against_peer_average(5, 10000, 2.0)
    assert position.item() == "below" and float(p) < 0.001  # scalars in, 0-d arrays out


def test_position_uses_the_given_significance_level():
    # 30 against an expected 20: p = 0.03 (between 1% and 5%)
    position_5, p = ps.position_against_peer_average(30, 10000, 2.0, significance_level=0.05)
    position_1, _ = ps.position_against_peer_average(30, 10000, 2.0, significance_level=0.01)
    assert 0.01 < float(p) < 0.05
    assert position_5.item() == "above" and position_1.item() == "similar"
    # rates per 100,000 instead of per 1,000
    position, p2 = ps.position_against_peer_average(30, 10000, 200.0, per=100_000)
    assert position.item() == "above" and float(p2) == pytest.approx(float(p))


def test_peer_average_rate_is_the_mean_of_members_rates():
    rate = np.array([10.0, 20.0, 60.0, 5.0, np.nan, 7.0, 1.0])
    group = ["a", "a", "a", "b", "b", None, "c"]
    got = ps.peer_average_rate(rate, group)
    np.testing.assert_allclose(got[:3], 30.0)  # (10 + 20 + 60) / 3, not weighted by population
    assert np.isnan(got[3:6]).all()  # b has a member without a rate; the unlabelled row has no group
    assert got[6] == 1.0
    lenient = ps.peer_average_rate(rate, group, require_all=False)
    assert lenient[3] == 5.0 and lenient[4] == 5.0


# --------------------------------------------------------------------------------------------
# 2. Rank in group
# --------------------------------------------------------------------------------------------


def test_rank_in_group_ties_missing_and_groups():
    rate = pd.Series([5.0, 3.0, 5.0, np.nan, 1.0, 7.0, 7.0, 9.0])
    group = pd.Series(["a", "a", "a", "a", "b", "b", "b", None])
    rank, out_of = ps.rank_in_group(rate, group)
    np.testing.assert_array_equal(rank, [1, 3, 1, np.nan, 3, 1, 1, np.nan])
    np.testing.assert_array_equal(out_of, [3, 3, 3, np.nan, 3, 3, 3, np.nan])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 6)), min_size=1, max_size=40))
def test_rank_is_one_plus_the_number_of_higher_rates_in_the_group(rows):
    group = [g for g, _ in rows]
    rate = np.array([float(r) for _, r in rows])
    rank, out_of = ps.rank_in_group(rate, np.array(group, dtype=object))
    for i, (g, r) in enumerate(rows):
        members = [x for h, x in rows if h == g]
        assert rank[i] == 1 + sum(x > r for x in members)
        assert out_of[i] == len(members)


# --------------------------------------------------------------------------------------------
# 3. Funnel plots
# --------------------------------------------------------------------------------------------


def test_garwood_limits_equal_funnelplotr_published_test_values():
    # FunnelPlotR tests/testthat/test-poisson_limits.R: calculate_limits(number_seq = c(15, 20, 30),
    # target = 1, draw_adjusted = FALSE). Target 1 per 1 resident: the population is the expected.
    expected = np.array([15.0, 20.0, 30.0])
    l95, u95 = ps.funnel_limits(1.0, expected, 0.95, poisson=ps.GARWOOD, per=1)
    l998, u998 = ps.funnel_limits(1.0, expected, 0.998, poisson=ps.GARWOOD, per=1)
    np.testing.assert_allclose(l95, [0.5596924, 0.6108260, 0.6746958], atol=5e-8)
    np.testing.assert_allclose(u95, [1.649348, 1.544419, 1.427562], atol=5e-7)
    np.testing.assert_allclose(l998, [0.3862650, 0.4479107, 0.5289724], atol=5e-8)
    np.testing.assert_allclose(u998, [2.082907, 1.902094, 1.702771], atol=5e-7)


# PHEindicatormethods tests/testthat/testdata_funnel_rate_outputs.csv (rates per 100,000, 3 years of
# data, baseline 116.1720835): Events, then for each limit the 1-year population at which that
# number of events sits on it and the limit's rate there. Selected rows.
PHE_BASELINE = 116.1720835
PHE_YEARS = 3
PHE_ROWS = [
    # events, lower_2s pop, lower_2s, upper_2s pop, upper_2s, lower_3s pop, lower_3s, upper_3s pop, upper_3s
    (1, 1598.675694, 20.85059119, 7.264481402, 4588.535848, 2649.348525, 12.58170943, 0.287087625, 116108.569),
    (2, 2072.984403, 32.15975314, 69.49732367, 959.2695538, 3221.906682, 20.69168143, 13.02722321, 5117.48863),
    (10, 5276.757672, 63.17010446, 1375.943768, 242.2579623, 6924.776769, 48.13632908, 849.4639547, 392.4043292),
    (99, 34583.45945, 95.42133877, 23087.10848, 142.9369123, 38382.78582, 85.97604186, 20393.92315, 161.8129075),
    (466, 146419.093, 106.088168, 121843.7136, 127.4857181, 153978.364, 100.8799738, 115383.3934, 134.623648),
    (1360, 411529.9259, 110.158048, 369759.5622, 122.6021934, 424043.2424, 106.9073359, 358342.3275, 126.5084525),
]


@pytest.mark.parametrize("row", PHE_ROWS, ids=[str(r[0]) for r in PHE_ROWS])
def test_ohid_limits_equal_phe_indicator_methods_test_data(row):
    events, *pairs = row
    for (population_1_year, limit), (side, level) in zip(
            zip(pairs[0::2], pairs[1::2]), [("lower", 0.95), ("upper", 0.95), ("lower", 0.998), ("upper", 0.998)]):
        population = population_1_year * PHE_YEARS
        lower, upper = ps.funnel_limits(PHE_BASELINE, population, level, poisson=ps.OHID, per=100_000)
        got = float(lower if side == "lower" else upper)
        # PHEindicatormethods finds the expected count by bisection on E/(1 + events + E) to 1e-7
        # (poisson_funnel), relatively coarsest where E is smallest (6e-6 at 1 event, 99.8%)
        assert got == pytest.approx(limit, rel=1e-5), (events, side, level)
        assert got * population / 100_000 == pytest.approx(events, rel=1e-5)  # the count on the limit


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3000), st.floats(100.0, 500_000.0), st.floats(1.0, 200.0), st.sampled_from([0.95, 0.998]))
def test_ohid_position_is_the_exact_interval_excluding_the_target(count, population, target, level):
    # OHID's significance rule (assign_funnel_significance): outside the funnel exactly when the
    # exact confidence interval of the area's own count leaves out the count expected at the target.
    expected = target * population / 1000
    ci_lower, ci_upper = (float(v) for v in poisson_confidence_interval(count, level))
    lower, upper = (float(v) for v in ps.funnel_limits(target, population, level, poisson=ps.OHID))
    rate = count / population * 1000
    assume(abs(ci_lower / expected - 1) > 1e-7 and abs(ci_upper / expected - 1) > 1e-7)
    assert (rate > upper) == (ci_lower > expected)
    assert (rate < lower) == (ci_upper < expected)


# FunnelPlotR's example (tests/testthat/test-funnel_plot.R), expected counts as denominators.
FPR_OBSERVED = [100, 150, 180, 80, 120, 225]
FPR_EXPECTED = [108, 112, 165, 95, 100, 220]


def funnelplotr_by_hand(observed, expected, trim=0.1):
    """FunnelPlotR's "CQC" over-dispersion, step by step in plain Python (not NumPy)."""
    # transformed_zscore: Y = sqrt(O/E), target 1, s = 1/(2 sqrt(E)), Uzscore = (Y - 1)/s
    s = [1 / (2 * math.sqrt(e)) for e in expected]
    z = [(math.sqrt(o / e) - 1) / si for o, e, si in zip(observed, expected, s)]

    def quantile7(values, p):  # R's quantile(type = 7)
        v = sorted(values)
        h = (len(v) - 1) * p
        lo = math.floor(h)
        return v[lo] + (h - lo) * (v[min(lo + 1, len(v) - 1)] - v[lo])

    lz, uz = quantile7(z, trim), quantile7(z, 1 - trim)
    wz = [lz if x < lz else uz if x > uz else x for x in z]  # winsorisation
    n = len(z)
    phi = sum(x * x for x in wz) / n  # phi_func
    w = [1 / si**2 for si in s]  # tau_func
    tau2 = 0.0 if n * phi < n - 1 else max(0.0, (n * phi - (n - 1)) / (sum(w) - sum(x * x for x in w) / sum(w)))
    return z, phi, tau2


def test_overdispersion_follows_funnelplotr_on_its_example():
    z, phi, tau2 = funnelplotr_by_hand(FPR_OBSERVED, FPR_EXPECTED)
    assert phi == pytest.approx(2.3271782575941193, rel=1e-12)  # the by-hand values, for the record
    assert tau2 == pytest.approx(0.003439780154186274, rel=1e-12)
    od = ps.overdispersion(FPR_OBSERVED, FPR_EXPECTED)
    np.testing.assert_allclose(ps.funnel_z_scores(FPR_OBSERVED, FPR_EXPECTED), z, rtol=1e-12)
    np.testing.assert_allclose(od.phi, phi, rtol=1e-12)
    np.testing.assert_allclose(od.tau2, tau2, rtol=1e-12)
    np.testing.assert_array_equal(od.areas, 6)
    # the test: 6 phi = 13.96 against chi-squared on 5 degrees of freedom, p = 0.016 < 5%
    np.testing.assert_allclose(od.p_value, stats.chi2.sf(6 * phi, 5), rtol=1e-12)
    assert od.adjusted.all()
    # The additive limits on the square-root scale (Spiegelhalter 2005), target 1 per 1 resident.
    fp = ps.funnel_position(FPR_OBSERVED, FPR_EXPECTED, 1.0, per=1)
    e = np.array(FPR_EXPECTED, dtype=float)
    for name, z_p in (("95", 1.959964), ("998", 3.090232)):  # FunnelPlotR's constants
        sd = np.sqrt(1 / (4 * e) + tau2)
        np.testing.assert_allclose(getattr(fp, f"lower_{name}"), (1 - z_p * sd) ** 2, rtol=2e-6)
        np.testing.assert_allclose(getattr(fp, f"upper_{name}"), (1 + z_p * sd) ** 2, rtol=2e-6)
    np.testing.assert_allclose(fp.tau2, tau2)
    # area b (150 against 112) is above the 95% limit and below the 99.8% one; the rest within
    assert list(fp.position) == ["within", "above 95%", "within", "within", "within", "within"]


def test_multiplicative_option_inflates_by_phi():
    phi = funnelplotr_by_hand(FPR_OBSERVED, FPR_EXPECTED)[1]
    fp = ps.funnel_position(FPR_OBSERVED, FPR_EXPECTED, 1.0, per=1, method=ps.MULTIPLICATIVE)
    e = np.array(FPR_EXPECTED, dtype=float)
    sd = np.sqrt(phi / (4 * e))
    z_p = stats.norm.ppf(0.975)
    np.testing.assert_allclose(fp.lower_95, (1 - z_p * sd) ** 2, rtol=1e-12)
    np.testing.assert_allclose(fp.upper_95, (1 + z_p * sd) ** 2, rtol=1e-12)
    np.testing.assert_allclose(fp.phi, phi)
    np.testing.assert_array_equal(fp.tau2, 0.0)


def test_no_overdispersion_keeps_the_exact_limits():
    # counts equal to their expectations: phi = 0, nothing to allow for
    expected = np.array([12.0, 30.0, 55.0, 80.0, 140.0, 300.0])
    fp = ps.funnel_position(expected, expected * 1000, 1.0)
    assert not fp.adjusted.any()
    np.testing.assert_array_equal(fp.phi, 1.0)
    np.testing.assert_array_equal(fp.tau2, 0.0)
    np.testing.assert_array_equal(fp.phi_estimate, 0.0)
    lower, upper = ps.funnel_limits(1.0, expected * 1000, 0.95)
    np.testing.assert_array_equal(fp.lower_95, lower)
    np.testing.assert_array_equal(fp.upper_95, upper)
    assert set(fp.position) == {"within"}


def test_overdispersion_below_significance_or_too_few_areas_is_not_allowed_for():
    # phi above 1 but I phi below the chi-squared 95% point: tau2 > 0 yet not adjusted by default
    observed = [100, 120, 90, 110, 95, 105, 115, 85]
    expected = [100.0] * 8
    od = ps.overdispersion(observed, expected)
    assert od.tau2[0] > 0 and od.phi[0] > 1 and od.p_value[0] > 0.05
    assert not od.adjusted.any()
    assert ps.overdispersion(observed, expected, test_level=None).adjusted.all()  # FunnelPlotR's rule
    # four areas, however dispersed: no estimate is trusted
    od4 = ps.overdispersion([10, 300, 40, 500], [100.0] * 4)
    assert od4.p_value[0] < 1e-10 and not od4.adjusted.any()


def test_phi_below_one_keeps_the_exact_limits():
    population = np.array([500.0, 5000.0, 50000.0])
    exact = ps.funnel_limits(2.0, population, 0.95)
    for method in (ps.ADDITIVE, ps.MULTIPLICATIVE):
        got = ps.funnel_limits(2.0, population, 0.95, phi=0.6, tau2=0.0, method=method)
        np.testing.assert_array_equal(got[0], exact[0])
        np.testing.assert_array_equal(got[1], exact[1])


def test_winsorising_ignores_how_extreme_the_most_extreme_area_is():
    rng = np.random.default_rng(12)
    expected = rng.uniform(50, 500, 20)
    observed = rng.poisson(expected * rng.gamma(20, 1 / 20, 20)).astype(float)
    base = ps.overdispersion(observed, expected)
    worst = np.argmax(ps.funnel_z_scores(observed, expected))
    observed[worst] *= 50  # a far worse outlier: with 20 areas the 90th percentile lies below it
    more = ps.overdispersion(observed, expected)
    np.testing.assert_allclose(more.phi, base.phi, rtol=1e-12)


def test_overdispersion_is_estimated_per_group_in_one_call():
    rng = np.random.default_rng(7)
    frames = []
    for g, spread in enumerate([5.0, 30.0, 200.0, 1e6]):
        expected = rng.uniform(20, 2000, 16)
        observed = rng.poisson(expected * rng.gamma(spread, 1 / spread, 16)).astype(float)
        frames.append(pd.DataFrame({"group": f"g{g}", "observed": observed, "population": expected * 100}))
    table = pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=3).reset_index(drop=True)
    together = ps.funnel_position(table.observed, table.population, 10.0, group=table.group)
    for g, part in table.groupby("group"):
        alone = ps.funnel_position(part.observed, part.population, 10.0)
        idx = part.index.to_numpy()
        for field in ("lower_95", "upper_95", "lower_998", "upper_998", "phi", "tau2", "phi_estimate"):
            np.testing.assert_allclose(getattr(together, field)[idx], getattr(alone, field), rtol=1e-12)
        assert list(together.position[idx]) == list(alone.position)
    assert together.adjusted[table.group == "g0"].all()  # gamma(5): strongly over-dispersed


def test_funnel_position_categories_and_missing_inputs():
    count = np.array([0, 1, 25, 10, 3, np.nan, 5, 5, 5, 0, 2])
    population = np.array([10000, 10000, 10000, 10000, 10000, 1000, 0, np.nan, 1000, 1000, 1000])
    target = np.array([1.0] * 8 + [np.nan, 0.0, 0.0])
    # each area its own group: no over-dispersion estimate, exact (OHID) limits around E = 10
    fp = ps.funnel_position(count, population, target, group=np.arange(len(count)))
    assert not fp.adjusted.any()
    # outside exactly when the exact interval of the count leaves 10 out (upper 99.8% of 0: 6.9; of 1: 9.2)
    assert fp.position[0] == "below 99.8%"
    assert fp.position[1] == "below 99.8%"
    assert fp.position[2] == "above 99.8%"  # lower 99.8% limit of 25 is 12.6 > 10
    assert fp.position[3] == "within"
    assert fp.position[4] == "below 95%"  # upper 95% limit of 3 is 8.77 < 10; 99.8%: 11.2
    assert list(fp.position[5:9]) == [None] * 4
    assert np.isnan(fp.lower_95[5:9]).all() and np.isnan(fp.rate[5:9]).all()
    # a target of 0: limits 0, any event above
    assert list(fp.position[9:]) == ["within", "above 99.8%"]
    np.testing.assert_array_equal(fp.upper_998[9:], 0.0)


def test_funnel_curves_trace_the_limits():
    curves = ps.funnel_curves([2.0, 5.0], 1000.0, [50_000.0, 90_000.0], phi=1.0, tau2=[0.0, 0.004],
                              curve=["force peers", "CSP peers"], points=50)
    assert list(curves.columns) == ["curve", "population", "target_rate", "lower_95", "upper_95",
                                    "lower_998", "upper_998"]
    assert len(curves) == 100
    for label, target, high, tau2 in (("force peers", 2.0, 50_000.0, 0.0), ("CSP peers", 5.0, 90_000.0, 0.004)):
        part = curves[curves.curve == label]
        assert part.population.iloc[0] == pytest.approx(1000.0) and part.population.iloc[-1] == pytest.approx(high)
        assert (np.diff(part.population) > 0).all()
        lower, upper = ps.funnel_limits(target, part.population.to_numpy(), 0.998, tau2=tau2)
        np.testing.assert_allclose(part.lower_998, lower)
        np.testing.assert_allclose(part.upper_998, upper)
        assert (np.diff(part.upper_95) <= 0).all() and (np.diff(part.lower_95) >= 0).all()


LIMIT_OPTIONS = st.sampled_from([
    (ps.ADDITIVE, ps.OHID, 1.0, 0.0),
    (ps.ADDITIVE, ps.GARWOOD, 1.0, 0.0),
    (ps.ADDITIVE, ps.OHID, 1.0, 0.003),
    (ps.ADDITIVE, ps.OHID, 1.0, 0.05),
    (ps.MULTIPLICATIVE, ps.OHID, 2.5, 0.0),
    (ps.MULTIPLICATIVE, ps.GARWOOD, 0.7, 0.0),
])


@settings(max_examples=200, deadline=None)
@given(st.floats(1.0, 1e6), st.floats(1.0, 1e6), st.floats(0.01, 500.0), LIMIT_OPTIONS)
def test_limits_widen_as_population_falls(pop_a, pop_b, target, options):
    method, poisson, phi, tau2 = options
    small, large = sorted((pop_a, pop_b))
    kwargs = dict(phi=phi, tau2=tau2, method=method, poisson=poisson)
    for level in ps.FUNNEL_LEVELS.values():
        (ls, us), (ll, ul) = (ps.funnel_limits(target, p, level, **kwargs) for p in (small, large))
        assert float(us) >= float(ul) * (1 - 1e-12)
        assert float(ls) <= float(ll) * (1 + 1e-12) + 1e-300


@settings(max_examples=200, deadline=None)
@given(st.floats(1.0, 1e6), st.floats(0.01, 500.0), LIMIT_OPTIONS)
def test_998_limits_contain_95_limits_which_contain_the_target(population, target, options):
    method, poisson, phi, tau2 = options
    kwargs = dict(phi=phi, tau2=tau2, method=method, poisson=poisson)
    l95, u95 = (float(v) for v in ps.funnel_limits(target, population, 0.95, **kwargs))
    l998, u998 = (float(v) for v in ps.funnel_limits(target, population, 0.998, **kwargs))
    assert 0.0 <= l998 <= l95 <= target <= u95 <= u998


@settings(max_examples=100, deadline=None)
@given(st.floats(10.0, 1e6), st.floats(0.01, 500.0), st.floats(0.0, 0.1), st.floats(0.0, 0.1))
def test_more_between_area_variance_widens_the_limits(population, target, tau_a, tau_b):
    small, large = sorted((tau_a, tau_b))
    assume(small > 0)
    ls, us = ps.funnel_limits(target, population, 0.95, tau2=small)
    ll, ul = ps.funnel_limits(target, population, 0.95, tau2=large)
    assert float(ul) >= float(us) and float(ll) <= float(ls)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2000), st.floats(1000.0, 200_000.0)), min_size=1, max_size=30),
       st.floats(0.5, 50.0), st.sampled_from([ps.ADDITIVE, ps.MULTIPLICATIVE]), st.sampled_from([0.05, None]))
def test_allowed_overdispersion_is_never_below_poisson(rows, target, method, test_level):
    count = np.array([r[0] for r in rows], dtype=float)
    population = np.array([r[1] for r in rows])
    fp = ps.funnel_position(count, population, target, method=method, test_level=test_level)
    assert (fp.phi >= 1.0).all() and (fp.tau2 >= 0.0).all()
    if not fp.adjusted.any():
        assert (fp.phi == 1.0).all() and (fp.tau2 == 0.0).all()
        lower, upper = ps.funnel_limits(target, population, 0.95)
        np.testing.assert_array_equal(fp.lower_95, lower)
        np.testing.assert_array_equal(fp.upper_95, upper)
    assert set(fp.position) <= set(ps.FUNNEL_POSITIONS)


# --------------------------------------------------------------------------------------------
# 4. Peer groups by nearest neighbours
# --------------------------------------------------------------------------------------------


def test_standardise_equals_scipy_zscore_and_keeps_missing_values():
    rng = np.random.default_rng(4)
    values = rng.normal(size=(30, 3)) * [1e5, 10.0, 0.01]
    np.testing.assert_allclose(ps.standardise(values), stats.zscore(values, ddof=1), rtol=1e-12)
    values[[2, 7], 1] = np.nan
    got = ps.standardise(pd.DataFrame(values))
    assert np.isnan(got[[2, 7], 1]).all()
    np.testing.assert_allclose(got[~np.isnan(values[:, 1]), 1],
                               stats.zscore(values[~np.isnan(values[:, 1]), 1], ddof=1), rtol=1e-12)
    assert (ps.standardise([[1.0, 5.0], [2.0, 5.0]])[:, 1] == 0).all()  # no spread: counts for nothing


def csp_like_table(n: int, seed: int = 0) -> tuple[list[str], pd.DataFrame]:
    rng = np.random.default_rng(seed)
    codes = [f"E{25000000 + i:08d}" for i in rng.permutation(n)]
    variables = pd.DataFrame({
        "log_population": np.log(rng.lognormal(12.0, 0.6, n)),
        "imd_score": rng.uniform(5, 45, n),
        "share_15_24": rng.uniform(0.08, 0.2, n),
    })
    return codes, variables


def test_nearest_peers_equal_brute_force_distances():
    codes, variables = csp_like_table(60)
    table = ps.nearest_peers(codes, variables, k=15)
    z = stats.zscore(variables.to_numpy(), ddof=1)
    distance = cdist(z, z)  # independent: SciPy's Euclidean distances
    np.fill_diagonal(distance, np.inf)
    index = {c: i for i, c in enumerate(codes)}
    for code, part in table.groupby("area"):
        i = index[code]
        expected = sorted(range(len(codes)), key=lambda j: (distance[i, j], codes[j]))[:15]
        assert list(part.peer) == [codes[j] for j in expected]
        assert list(part["rank"]) == list(range(1, 16))
        np.testing.assert_allclose(part.distance, distance[i, expected], rtol=1e-12)
    assert list(table.columns) == ["area", "peer", "rank", "distance"]


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 40), st.integers(1, 20), st.integers(0, 10_000), st.booleans())
def test_nearest_peers_properties(n, k, seed, coarse):
    codes, variables = csp_like_table(n, seed)
    if coarse:  # many exact ties in distance
        variables = variables.round(0)
    table = ps.nearest_peers(codes, variables, k=k)
    assert (table.area != table.peer).all()  # never its own peer
    counts = table.groupby("area").size()
    assert len(counts) == n and (counts == min(k, n - 1)).all()  # exactly k when there are more than k
    assert not table.duplicated(["area", "peer"]).any()
    # symmetric in distance: a pair listed both ways has the same distance both ways
    pairs = table.merge(table, left_on=["area", "peer"], right_on=["peer", "area"], suffixes=("", "_back"))
    np.testing.assert_array_equal(pairs.distance, pairs.distance_back)
    # ranks follow the distance, then the peer's code
    for _, part in table.groupby("area"):
        keys = list(zip(part.distance, part.peer))
        assert keys == sorted(keys)
    # reproducible whatever order the areas come in
    order = np.random.default_rng(seed).permutation(n)
    shuffled = ps.nearest_peers([codes[i] for i in order], variables.iloc[order].reset_index(drop=True), k=k)
    pd.testing.assert_frame_equal(shuffled, table)


def test_ties_are_broken_by_area_code():
    table = ps.nearest_peers(["E3", "E1", "E2", "E0"], [[0.0], [1.0], [-1.0], [5.0]], k=2)
    first = table[table.area == "E3"]
    assert list(first.peer) == ["E1", "E2"]  # both one step away: E1 before E2
    assert first.distance.iloc[0] == first.distance.iloc[1]


def test_missing_variables_use_the_variables_both_areas_have():
    codes = ["W1", "E1", "E2", "E3"]
    values = pd.DataFrame({"population": [1.0, 2.0, 3.0, 4.0], "imd": [np.nan, 10.0, 20.0, np.nan]})
    table = ps.nearest_peers(codes, values, k=3)
    z = ps.standardise(values)
    # W1 and E1 share population only: the squared difference is scaled up by 2 variables / 1 shared
    w1 = table[(table.area == "W1") & (table.peer == "E1")].distance.item()
    assert w1 == pytest.approx(math.sqrt(2 * (z[0, 0] - z[1, 0]) ** 2))
    e1e2 = table[(table.area == "E1") & (table.peer == "E2")].distance.item()
    assert e1e2 == pytest.approx(math.sqrt(((z[1] - z[2]) ** 2).sum()))
    # an area with no variables at all is nobody's peer and has none
    values.loc[3, "population"] = np.nan
    table = ps.nearest_peers(codes, values, k=3)
    assert "E3" not in set(table.area) | set(table.peer)
    assert (table.groupby("area").size() == 2).all()


def test_nearest_peers_rejects_repeated_or_missing_codes():
    with pytest.raises(ValueError, match="repeat"):
        ps.nearest_peers(["E1", "E1"], [[1.0], [2.0]])
    with pytest.raises(ValueError, match="code"):
        ps.nearest_peers(["E1", None], [[1.0], [2.0]])
    assert ps.nearest_peers(["E1"], [[1.0]]).empty


def test_method_notes_say_what_the_reports_need():
    assert "significance_level" in ps.PEER_POSITION_METHOD_NOTE
    assert "99.8%" in ps.FUNNEL_METHOD_NOTE and "Spiegelhalter" in ps.FUNNEL_METHOD_NOTE
    assert "standardised" in ps.PEER_GROUP_METHOD_NOTE
    for note in (ps.PEER_POSITION_METHOD_NOTE, ps.FUNNEL_METHOD_NOTE, ps.PEER_GROUP_METHOD_NOTE):
        assert note in ps.RELATIVE_POSITION_METHOD_NOTE
