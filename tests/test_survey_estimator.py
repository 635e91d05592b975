"""warehouse.survey: a weighted example worked by hand, and properties any survey estimate keeps."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from warehouse import survey

Z95 = 1.959963984540054


def test_hand_computed_weighted_example() -> None:
    # Four respondents, weights 1, 2, 3, 4; the second does not feel safe.
    #   sum w = 10, sum w y = 1 + 3 + 4 = 8            -> p = 0.8
    #   sum w^2 = 1 + 4 + 9 + 16 = 30                  -> n_eff = 10^2 / 30 = 3.3333...
    #   SE = sqrt(0.8 * 0.2 / 3.3333) = sqrt(0.048)    = 0.2190890
    #   Wilson on n_eff, z = 1.959964, z^2 = 3.841459:
    #     denominator 1 + 3.841459 / 3.333333 = 2.1524376
    #     centre (0.8 + 3.841459 / 6.666667) / 2.1524376 = 1.3762188 / 2.1524376 = 0.6393769
    #     half   1.959964 / 2.1524376 * sqrt(0.048 + 3.841459 / 44.444444)
    #          = 0.9105788 * sqrt(0.1344328) = 0.9105788 * 0.3666508 = 0.3338644
    #     -> CI 0.3055124 .. 0.9732413
    est = survey.estimate([1, 0, 1, 1], [1, 2, 3, 4], min_respondents=1)
    assert float(est.proportion[0]) == pytest.approx(0.8)
    assert float(est.n_effective[0]) == pytest.approx(10 / 3)
    assert float(est.standard_error[0]) == pytest.approx(math.sqrt(0.048))
    assert float(est.ci_low[0]) == pytest.approx(0.3055124, abs=1e-6)
    assert float(est.ci_high[0]) == pytest.approx(0.9732413, abs=1e-6)
    assert int(est.n_unweighted[0]) == 4 and bool(est.published[0]) and est.reason[0] is None


def test_dont_know_is_excluded_from_the_base() -> None:
    est = survey.estimate([1, 0, np.nan, 1, 1], [1, 2, 5, 3, 4], min_respondents=1)
    assert float(est.proportion[0]) == pytest.approx(0.8)
    assert int(est.n_unweighted[0]) == 4


def test_groups_are_estimated_at_once() -> None:
    est = survey.estimate([1, 0, 1, 1, 0, 0], [1, 1, 2, 2, 1, 3], groups=[0, 0, 1, 1, 2, 2], min_respondents=1)
    np.testing.assert_allclose(est.proportion, [0.5, 1.0, 0.0])
    np.testing.assert_allclose(est.n_effective, [2.0, 2.0, 16 / 10])


def test_wilson_matches_statsmodels_formula_for_equal_weights() -> None:
    # With equal weights n_eff = n and the interval is the textbook Wilson interval.
    y = np.array([1] * 37 + [0] * 63, dtype=float)
    est = survey.estimate(y, np.ones(100), min_respondents=1)
    p, n = 0.37, 100
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 / (1 + Z95**2 / n) * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n))
    assert float(est.ci_low[0]) == pytest.approx(centre - half)
    assert float(est.ci_high[0]) == pytest.approx(centre + half)


def test_suppressed_below_threshold_with_reason() -> None:
    published, reason = survey.suppression([0, 49, 50, 1200], 50)
    assert published.tolist() == [False, False, True, True]
    assert reason.tolist() == ["no respondents answered", "fewer than 50 respondents answered (49)", None, None]


def test_change_test_hand_example_and_edges() -> None:
    # p1 = 0.6 on 200 effective, p0 = 0.5 on 300: pooled 0.54, se = sqrt(.54 * .46 * (1/200 + 1/300))
    z, p = survey.change_test(0.6, 200, 0.5, 300)
    se = math.sqrt(0.54 * 0.46 * (1 / 200 + 1 / 300))
    assert float(z) == pytest.approx(0.1 / se)
    assert float(p) == pytest.approx(2 * stats.norm.sf(0.1 / se))
    z, p = survey.change_test([1.0, 0.0, 0.3, np.nan], [50, 50, 0, 10], [1.0, 0.0, 0.3, 0.5], [60, 60, 10, 10])
    assert z[:2].tolist() == [0.0, 0.0] and p[:2].tolist() == [1.0, 1.0]
    assert np.isnan(z[2:]).all() and np.isnan(p[2:]).all()


def test_empty_cell_is_nan_not_zero() -> None:
    est = survey.estimate_from_sums([0], [0.0], [0.0], [0.0])
    assert np.isnan(est.proportion[0]) and np.isnan(est.ci_low[0]) and np.isnan(est.n_effective[0])
    assert not est.published[0] and est.reason[0] == "no respondents answered"


answers = st.lists(st.tuples(st.integers(0, 1), st.floats(0.05, 20.0)), min_size=1, max_size=300)


@settings(max_examples=150, deadline=None)
@given(answers)
def test_proportion_and_interval_are_probabilities_holding_p(rows) -> None:
    y = np.array([r[0] for r in rows], float)
    w = np.array([r[1] for r in rows], float)
    est = survey.estimate(y, w, min_respondents=1)
    p, lo, hi = float(est.proportion[0]), float(est.ci_low[0]), float(est.ci_high[0])
    assert 0.0 <= lo <= p <= hi <= 1.0
    # Kish: 1 <= n_eff <= n, and a proportion's SE is at most 0.5 / sqrt(n_eff)
    assert 1.0 - 1e-9 <= float(est.n_effective[0]) <= len(rows) + 1e-9
    assert float(est.standard_error[0]) <= 0.5 / math.sqrt(float(est.n_effective[0])) + 1e-12


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=1, max_size=400), st.floats(0.1, 50.0))
def test_equal_weights_give_n_eff_equal_to_n(ys, weight) -> None:
    est = survey.estimate(np.array(ys, float), np.full(len(ys), weight), min_respondents=1)
    assert float(est.n_effective[0]) == pytest.approx(len(ys))
    assert float(est.proportion[0]) == pytest.approx(sum(ys) / len(ys))


@settings(max_examples=100, deadline=None)
@given(answers, st.floats(0.01, 1000.0))
def test_scaling_weights_changes_nothing(rows, factor) -> None:
    y = np.array([r[0] for r in rows], float)
    w = np.array([r[1] for r in rows], float)
    a = survey.estimate(y, w, min_respondents=1)
    b = survey.estimate(y, w * factor, min_respondents=1)
    for name in ("proportion", "n_effective", "standard_error", "ci_low", "ci_high"):
        np.testing.assert_allclose(getattr(b, name), getattr(a, name), rtol=1e-9, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=0, max_size=120), st.integers(1, 100))
def test_published_exactly_from_the_threshold(ys, threshold) -> None:
    y = np.array(ys, float)
    est = survey.estimate(y, np.ones(len(ys)), n_groups=1, min_respondents=threshold)
    assert bool(est.published[0]) == (len(ys) >= threshold)
    if not est.published[0]:
        assert str(len(ys)) in est.reason[0] or (len(ys) == 0 and est.reason[0] == "no respondents answered")


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1), st.floats(1, 5000), st.floats(0, 1), st.floats(1, 5000))
def test_change_test_is_symmetric_and_a_probability(p1, n1, p0, n0) -> None:
    z, p = survey.change_test(p1, n1, p0, n0)
    z_back, p_back = survey.change_test(p0, n0, p1, n1)
    assert 0.0 <= float(p) <= 1.0
    assert float(z) == pytest.approx(-float(z_back), abs=1e-9)
    assert float(p) == pytest.approx(float(p_back), abs=1e-12)
