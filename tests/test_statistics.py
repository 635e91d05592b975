"""warehouse.statistics against SciPy's reference implementations and published worked examples."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from warehouse.statistics import (
    poisson_change_p_value,
    poisson_confidence_interval,
    rate_confidence_interval,
    significant_change,
)


def reference(a: int, b: int, p: float = 0.5) -> float:
    return 1.0 if a + b == 0 else stats.binomtest(a, a + b, p).pvalue


GRID = [(a, b) for a in range(0, 41) for b in range(0, 41)] + [
    (100, 130), (130, 100), (500, 560), (1000, 1000), (1000, 1100), (2500, 2300), (5, 500), (500, 5)]


def test_p_value_equals_binomtest_on_a_grid():
    a = np.array([g[0] for g in GRID])
    b = np.array([g[1] for g in GRID])
    got = poisson_change_p_value(a, b)  # the whole grid at once, as the scorecard calls it
    expected = np.array([reference(x, y) for x, y in GRID])
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 5000), st.integers(0, 5000))
def test_p_value_equals_binomtest(a, b):
    assert float(poisson_change_p_value(a, b)) == pytest.approx(reference(a, b), rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 400), st.integers(0, 400), st.sampled_from([(1.0, 1.0), (1.0, 2.0), (3.0, 1.0), (12.0, 11.0)]))
def test_p_value_with_exposures_equals_binomtest(a, b, exposures):
    ea, eb = exposures
    got = float(poisson_change_p_value(a, b, ea, eb))
    assert got == pytest.approx(reference(a, b, ea / (ea + eb)), rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 3000), st.integers(0, 3000))
def test_p_value_is_symmetric_and_a_probability(a, b):
    p_ab, p_ba = float(poisson_change_p_value(a, b)), float(poisson_change_p_value(b, a))
    assert 0.0 <= p_ab <= 1.0
    assert p_ab == pytest.approx(p_ba, rel=1e-12)


@pytest.mark.parametrize(("a", "b", "expected"), [
    (30, 30, 1.0),
    (0, 0, 1.0),
    (7, 7, 1.0),
    (0, 10, 2 * 0.5**10),  # every event in one period: both tails of Binomial(10, 1/2)
    (10, 0, 2 * 0.5**10),
    (1, 0, 1.0),
    (5, 0, 0.0625),
])
def test_known_values(a, b, expected):
    assert float(poisson_change_p_value(a, b)) == pytest.approx(expected, rel=1e-12)


def test_missing_inputs_give_nan_and_the_rest_are_computed():
    got = poisson_change_p_value(np.array([np.nan, 30.0, 10.0, 0.0]), np.array([5.0, np.nan, 0.0, 0.0]))
    assert math.isnan(got[0]) and math.isnan(got[1])
    assert got[2] == pytest.approx(2 * 0.5**10)
    assert got[3] == 1.0
    assert math.isnan(float(poisson_change_p_value(float("nan"), float("nan"))))


def test_rate_interval_published_worked_example():
    # 30 events in a population of 300,000: 10.0 per 100,000, 95% CI 6.7 to 14.3
    lower, upper = rate_confidence_interval(30, 300000, per=100000)
    assert (round(float(lower), 1), round(float(upper), 1)) == (6.7, 14.3)


def test_count_interval_of_zero():
    lower, upper = poisson_confidence_interval(0)
    assert float(lower) == 0.0
    assert float(upper) == pytest.approx(3.689, abs=5e-4)
    assert float(upper) == pytest.approx(-math.log(0.025), rel=1e-12)


@pytest.mark.parametrize("count", [1, 5, 30, 121, 1000])
def test_count_interval_matches_chi_squared_form(count):
    # Garwood: lower = chi2(2x, a/2)/2, upper = chi2(2x+2, 1-a/2)/2
    lower, upper = poisson_confidence_interval(count)
    assert float(lower) == pytest.approx(stats.chi2.ppf(0.025, 2 * count) / 2, rel=1e-10)
    assert float(upper) == pytest.approx(stats.chi2.ppf(0.975, 2 * count + 2) / 2, rel=1e-10)
    assert float(lower) < count < float(upper)


def test_count_interval_of_nan_is_nan():
    lower, upper = poisson_confidence_interval(np.array([np.nan, 4.0]))
    assert math.isnan(lower[0]) and math.isnan(upper[0])
    assert 0 < lower[1] < 4 < upper[1]


def test_significant_change():
    got = significant_change(np.array([np.nan, 30, 100, 0, 60]), np.array([10, np.nan, 150, 0, 30]))
    assert got.dtype == bool
    assert got.tolist() == [False, False, True, False, True]
    assert bool(significant_change(float("nan"), 5)) is False
    assert bool(significant_change(30, 30)) is False


# --- over-dispersion (change_test, dispersion) and position against the rest of the county ----------

from warehouse.statistics import (  # noqa: E402
    EXACT_POISSON,
    QUASI_POISSON,
    SIGNIFICANCE_METHOD_NOTE,
    SMALL_COUNT,
    change_test,
    dispersion,
)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 20000), st.integers(0, 20000), st.floats(0.0, 50.0))
def test_change_test_is_a_probability_symmetric_and_never_below_poisson(a, b, phi):
    p_ab, method = change_test(a, b, phi)
    p_ba, _ = change_test(b, a, phi)
    exact = float(poisson_change_p_value(a, b))
    assert 0.0 <= float(p_ab) <= 1.0
    assert float(p_ab) == pytest.approx(float(p_ba), rel=1e-12, abs=1e-300)
    assert float(p_ab) >= exact * (1 - 1e-12)
    expected_method = EXACT_POISSON if a + b < SMALL_COUNT or phi <= 1 else QUASI_POISSON
    assert method[()] == expected_method


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 500), min_size=12, max_size=12),
    st.lists(st.integers(0, 500), min_size=12, max_size=12),
)
def test_dispersion_is_at_least_one_and_symmetric_in_the_windows(before, now):
    phi = float(dispersion(np.array([before]), np.array([now]))[0])
    assert phi >= 1.0
    assert phi == pytest.approx(float(dispersion(np.array([now]), np.array([before]))[0]), rel=1e-12)
    p, _ = change_test(sum(now), sum(before), phi)
    assert float(p) >= float(poisson_change_p_value(sum(now), sum(before))) * (1 - 1e-12)


def test_method_note_states_the_method():
    note = SIGNIFICANCE_METHOD_NOTE.lower()
    for words in ("over-dispersed", "dispersion", "never taken below 1", "quasi-poisson", "exact poisson",
                  "fewer than 30", "significance_level", "seasonal", "not rated"):
        assert words in note, words
    assert str(SMALL_COUNT) in SIGNIFICANCE_METHOD_NOTE
