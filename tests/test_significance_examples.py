"""Worked examples of the scorecard's tests (warehouse.statistics), each checked by hand or against
SciPy: the dispersion of a small 24-month series, a change the Poisson test calls significant and the
over-dispersed test does not, the exact test kept for small counts, the floor at Poisson, and the
position of a district against the rest of the county."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from warehouse.statistics import (
    EXACT_POISSON,
    QUASI_POISSON,
    change_test,
    dispersion,
    poisson_change_p_value,
    position_against_rest,
)

# A small 24-month series: the 12 months before and the 12 months now, January to December.
BEFORE = np.array([10, 20, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10])  # 130
NOW = np.array([30, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10])  # 140


def test_dispersion_by_hand():
    # 270 events: before's share 13/27, now's 14/27 of every calendar month's total under a
    # common change. Jan: total 40, expected 520/27 and 560/27; Feb: total 30, 390/27 and 420/27;
    # the other ten months: total 20, 260/27 and 280/27.
    def pearson(observed: float, expected: float) -> float:
        return (observed - expected) ** 2 / expected

    jan = pearson(10, 520 / 27) + pearson(30, 560 / 27)  # 4.4516 + 4.1336
    feb = pearson(20, 390 / 27) + pearson(10, 420 / 27)  # 2.1368 + 1.9841
    rest = 10 * (pearson(10, 260 / 27) + pearson(10, 280 / 27))  # 10 x (0.01425 + 0.01323)
    chi_squared = jan + feb + rest
    assert chi_squared == pytest.approx(12.9808, abs=1e-4)
    phi = dispersion(BEFORE[None, :], NOW[None, :])
    assert float(phi[0]) == pytest.approx(chi_squared / 11, rel=1e-12)  # 12 calendar months - 1
    assert float(phi[0]) == pytest.approx(1.1801, abs=1e-4)

    # Without the season: about each window's mean (130/12 and 140/12), on 2 x 11 = 22 degrees of freedom.
    mean_before, mean_now = 130 / 12, 140 / 12
    by_window = (sum(pearson(x, mean_before) for x in BEFORE) + sum(pearson(x, mean_now) for x in NOW)) / 22
    assert float(dispersion(BEFORE[None, :], NOW[None, :], by_season=False)[0]) == pytest.approx(by_window)


def test_dispersion_below_one_is_floored_and_a_missing_month_is_unknown():
    before = np.array([[10, 12, 8, 10, 10, 10, 10, 10, 10, 10, 10, 10], [10] * 12])
    now = np.array([[20, 8, 12, 10, 10, 10, 10, 10, 10, 10, 10, 10], [10] * 11 + [np.nan]])
    # row 1: totals 120 and 120, so every month splits half and half: Jan 10/20 -> 25/15 x 2,
    # Feb and Mar 12/8 -> 4/10 x 2 each: chi-squared 10/3 + 1.6 = 4.93 on 11 df = 0.448 -> 1
    phi = dispersion(before, now)
    assert phi[0] == 1.0
    assert math.isnan(phi[1])


def test_dispersion_above_one_by_hand():
    before = np.array([[30, 10, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20]])
    now = np.array([[10, 30, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20]])
    # Jan and Feb each: totals 40 split 20 / 20 -> (10^2/20) x 2 = 10; 20 in all, / 11
    assert float(dispersion(before, now)[0]) == pytest.approx(20 / 11, rel=1e-12)


def test_quarterly_series_by_hand():
    # MARAC-like: 4 quarters a window, 3 degrees of freedom. Totals 100 and 100, quarters split evenly:
    # Q1 30/20 -> 25/25 x 2 = 2, Q2 20/30 -> 2, Q3 and Q4 25/25 -> 0: chi-squared 4 / 3
    before = np.array([[30, 20, 25, 25]])
    now = np.array([[20, 30, 25, 25]])
    assert float(dispersion(before, now)[0]) == pytest.approx(4 / 3, rel=1e-12)


def test_a_perfectly_regular_series_is_floored_at_poisson():
    season = np.array([80, 75, 90, 95, 100, 110, 120, 115, 100, 95, 85, 90])
    # the same seasonal pattern, 10% up in every month: no scatter about the common change at all
    phi = dispersion(season[None, :], (1.1 * season)[None, :])
    assert float(phi[0]) == 1.0
    # and a flat series of identical months likewise
    assert float(dispersion(np.full((1, 12), 50), np.full((1, 12), 50))[0]) == 1.0
    # but the seasonal swing is the whole of the scatter about each window's mean
    assert float(dispersion(season[None, :], (1.1 * season)[None, :], by_season=False)[0]) > 1.0


def test_poisson_significant_but_not_when_over_dispersed():
    # 51,500 against 50,000 events (+3%, like all crime in a year): the exact Poisson test says
    # significant, z = 1500 / sqrt(101500) = 4.71,
    p_poisson = float(poisson_change_p_value(51500, 50000))
    assert p_poisson == pytest.approx(stats.binomtest(51500, 101500, 0.5).pvalue, rel=1e-9)
    assert p_poisson < 1e-5
    # but months scattering 10 times as much as Poisson (phi = 10) make it noise:
    # z = 1500 / sqrt(10 x 101500) = 1.4889, two-sided p = 0.1365
    p, method = change_test(51500, 50000, 10.0)
    assert float(p) == pytest.approx(2 * stats.norm.sf(1500 / math.sqrt(10 * 101500)), rel=1e-12)
    assert float(p) == pytest.approx(0.1365, abs=5e-4)
    assert float(p) > 0.05
    assert method[()] == QUASI_POISSON


def test_large_real_change_stays_significant_when_over_dispersed():
    # +20% on 5,000 with phi = 3: z = 1000 / sqrt(3 x 11000) = 5.50
    p, method = change_test(6000, 5000, 3.0)
    assert float(p) == pytest.approx(2 * stats.norm.sf(1000 / math.sqrt(33000)), rel=1e-12)
    assert float(p) < 1e-6 and method[()] == QUASI_POISSON


@pytest.mark.parametrize(("now", "before"), [(0, 9), (3, 12), (12, 3), (14, 15), (2, 0), (20, 5)])
def test_small_counts_keep_the_exact_test(now, before):
    # fewer than 30 events: the exact conditional binomial test, whatever the dispersion
    p, method = change_test(np.array([now]), np.array([before]), np.array([4.0]))
    assert method[0] == EXACT_POISSON
    assert float(p[0]) == pytest.approx(stats.binomtest(now, now + before, 0.5).pvalue, rel=1e-9)


def test_phi_of_one_is_the_exact_test_and_missing_is_unknown():
    p, method = change_test(np.array([130, 100, np.nan, 40]), np.array([100, 130, 50, 50]),
                            np.array([1.0, 0.7, 2.0, np.nan]))
    assert list(method[:2]) == [EXACT_POISSON, EXACT_POISSON]
    assert p[0] == pytest.approx(stats.binomtest(130, 230, 0.5).pvalue, rel=1e-9)
    assert p[1] == pytest.approx(p[0], rel=1e-12)
    assert math.isnan(p[2]) and method[2] is None
    assert math.isnan(p[3]) and method[3] is None


def test_seasonal_poisson_series_keeps_a_real_change():
    # Poisson months with a strong seasonal swing and a 5% rise: the season is not noise
    rng = np.random.default_rng(10)
    season = 1000 * np.array([0.8, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.2, 1.0, 0.9, 0.9, 0.8])
    before = rng.poisson(season, size=(200, 12))
    now = rng.poisson(1.05 * season, size=(200, 12))
    phi = dispersion(before, now)
    assert np.median(phi) < 1.6  # close to Poisson (the floor at 1 lifts the median a little)
    assert np.median(dispersion(before, now, by_season=False)) > 20  # the season would swamp it
    p, _ = change_test(now.sum(axis=1), before.sum(axis=1), phi)
    assert (p < 0.05).mean() > 0.9


@pytest.mark.parametrize(("count", "population", "rest_count", "rest_population"), [
    (12000, 90000, 113000, 1150000),  # Burnley-like: far above the rest
    (500, 100000, 7000, 1200000),  # below
    (0, 90000, 100, 1000000),  # none in the area
    (3, 50000, 20, 1200000),  # small counts: similar
    (30, 100000, 330, 1100000),  # exactly the rest's rate
])
def test_position_against_rest_equals_binomtest(count, population, rest_count, rest_population):
    position, p = position_against_rest(count, population, rest_count, rest_population, 0.05)
    expected = stats.binomtest(count, count + rest_count, population / (population + rest_population)).pvalue
    assert float(p) == pytest.approx(expected, rel=1e-9, abs=1e-300)
    higher = count / population > rest_count / rest_population
    assert position[()] == ("similar" if expected >= 0.05 else "above" if higher else "below")


def test_position_vectorised_with_missing_inputs():
    position, p = position_against_rest(
        np.array([12000, np.nan, 30, 5]), np.array([90000, 1000, 100000, 0]),
        np.array([113000, 10, 330, 10]), np.array([1150000, 1000, 1100000, 1000]),
    )
    assert list(position) == ["above", None, "similar", None]
    assert math.isnan(p[1]) and math.isnan(p[3])
    assert p[2] == pytest.approx(1.0)


# --- the scorecard model's vectorised plumbing (dbt_project/models/marts/mart_scorecard_quarterly.py) ---

def _scorecard_model():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "dbt_project/models/marts/mart_scorecard_quarterly.py"
    spec = importlib.util.spec_from_file_location("mart_scorecard_quarterly", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_window_series_picks_the_24_months_ending_at_each_quarter():
    import pandas as pd

    model = _scorecard_model()
    months = pd.date_range("2022-01-01", "2024-12-01", freq="MS")
    monthly = pd.DataFrame({
        "indicator_id": "all_crime", "area_code": "A", "month": months, "value": np.arange(len(months), dtype=float),
    })
    monthly.loc[monthly["month"] == "2022-06-01", "value"] = np.nan  # a month not available
    frame = pd.DataFrame({
        "indicator_id": ["all_crime", "all_crime", "all_crime", "other"],
        "area_code": ["A", "A", "A", "A"],
        "quarter_end_month": pd.to_datetime(["2024-12-01", "2023-12-01", "2023-03-01", "2024-12-01"]),
    })
    series = model._window_series(frame, monthly)
    assert series.shape == (4, 24)
    # Jan 2023 (month 12) to Dec 2024 (month 35), oldest first
    np.testing.assert_array_equal(series[0], np.arange(12, 36))
    expected = np.arange(0, 24, dtype=float)
    expected[5] = np.nan  # June 2022 not available stays NaN, never 0
    np.testing.assert_array_equal(series[1], expected)
    # Apr 2021 to Mar 2023: the months before the data are unknown
    assert np.isnan(series[2][:9]).all() and series[2][-1] == 14
    assert np.isnan(series[3]).all()  # an indicator without months


def test_position_vs_county_uses_the_rest_of_the_county():
    import pandas as pd

    model = _scorecard_model()
    frame = pd.DataFrame({
        "indicator_id": "all_crime", "financial_year": "2024/25", "fy_quarter": 2,
        "area_code": ["E07000117", "E06000009", "E10000017", "E23000003", "E07000123"],
        "area_type": ["district", "unitary", "county", "police_force_area", "district"],
        "rolling_12m": [12000.0, 16000.0, 100000.0, 150000.0, 9000.0],
        "population": [90000.0, 140000.0, 1200000.0, 1500000.0, 150000.0],
    })
    areas = pd.DataFrame({
        "area_code": ["E07000117", "E06000009", "E10000017", "E23000003", "E07000123"],
        "in_lancashire_12": [True, False, False, False, True],
    })
    counted = np.array([True, True, True, True, False])  # Preston's value not available
    position, p = model._position_vs_county(frame, areas, counted, 0.05)
    # Burnley against Lancashire-12 without Burnley: 12000 of 100000 events, 90000 of 1.2m residents
    burnley = stats.binomtest(12000, 100000, 90000 / 1200000).pvalue
    # Blackpool (a unitary) against the whole of Lancashire-12
    blackpool = stats.binomtest(16000, 116000, 140000 / 1340000).pvalue
    assert p[0] == pytest.approx(burnley, rel=1e-9, abs=1e-300) and position[0] == "above"
    assert p[1] == pytest.approx(blackpool, rel=1e-9, abs=1e-300)
    assert blackpool < 0.05 and 16000 / 140000 > 100000 / 1200000
    assert position[1] == "above"
    assert list(position[2:]) == [None, None, None]  # aggregates; a value not available
    assert np.isnan(p[2:]).all()
