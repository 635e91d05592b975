"""The Board's quarterly scorecard: mart_scorecard_quarterly__base plus the significance tests.

The rolling 12 months are compared with the previous 12 months by warehouse.statistics.change_test,
the one implementation the project uses: counts of crime are over-dispersed, so the dispersion phi
of each indicator, area and quarter is estimated from the 24 monthly values of the two windows in
mart_indicator_monthly (statistics.dispersion: Pearson's chi-squared about a common change of every
calendar month, never below 1) and the two totals are tested as quasi-Poisson counts; fewer than
statistics.SMALL_COUNT events in the two windows, or phi 1, keep the exact Poisson (conditional
binomial) test (`significance_method`). Indicators of catalogue grain `quarter` (MARAC returns,
counted on the quarter's last month) take phi from the 8 quarterly totals of the two windows. The
two-sided p-value is compared with var('significance_level'). A significant increase of a
lower_is_better indicator is a deterioration; the RAG colour of each outcome is var('rag').
Indicators whose catalogue significance_test is not 'poisson' (ratios, money) get no test and no RAG.
A cell whose value is not available (value_status other than 'available': not received,
quarantined, no denominator, incomplete lookback) has no value and gets no test and no RAG either;
nor does a row whose rolling 12 months are null (a month of either window not available). A row
with no events in either window (e.g. a retired police.uk category) is unrated: direction
'no events', no p-value, significance or RAG.

Position against the county (districts and unitaries, counted indicators with a rate): the exact
conditional binomial test of the area's rolling 12 months against the rest of the county's
(statistics.position_against_rest): Lancashire-12 without the district, or the whole of
Lancashire-12 for a unitary (outside it; its rest-of-county population is Lancashire-12's).

The indicators that are not counts of events (residents' survey estimates, OHID Fingertips
figures: mart_scorecard_quarterly__published_values, tested and coloured there by their own sources' rules)
are appended with the same columns. Columns added for them (null for counts and ratios, except
value_kind): value_kind, value_source, period_label, lower_ci, upper_ci, numerator_count,
denominator_count, n_unweighted, n_effective, previous_period_label, previous_value,
change_from_previous. The counts' own columns (dispersion, significance_method,
position_vs_county, position_p_value) are null for them.
"""

import numpy as np
import pandas as pd

# The project's own package (installed with `make`): the one implementation of the test.
from warehouse import statistics

# Columns of the counts' tests that the published values (survey, Fingertips) do not have.
_COUNT_ONLY_COLUMNS = {
    "dispersion": "double",
    "significance_method": "varchar",
    "position_vs_county": "varchar",
    "position_p_value": "double",
}
WINDOW_MONTHS = 24  # the rolling 12 months and the 12 before them


def _numbers(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column, errors="coerce").astype(float).to_numpy()


def _month_numbers(column: pd.Series) -> np.ndarray:
    """Months as consecutive integers (year x 12 + month - 1), so that month arithmetic is integer arithmetic."""
    dates = pd.to_datetime(column)
    return (dates.dt.year * 12 + dates.dt.month - 1).to_numpy()


def _window_series(frame: pd.DataFrame, monthly: pd.DataFrame) -> np.ndarray:
    """The 24 monthly values ending at each row's quarter_end_month, oldest first (rows x 24).

    One matrix of (indicator, area) x every month, then each row's 24 columns picked by fancy
    indexing: no loop over rows. A month not in mart_indicator_monthly, or not available (null
    value), is NaN.
    """
    rows = len(frame)
    if monthly.empty or rows == 0:
        return np.full((rows, WINDOW_MONTHS), np.nan)
    month = _month_numbers(monthly["month"])
    first = month.min()
    wide = (
        monthly.assign(position=month - first)
        .set_index(["indicator_id", "area_code", "position"])["value"]
        .unstack("position")
        .reindex(columns=range(month.max() - first + 1))
    )
    matrix = wide.to_numpy(dtype=float)
    row = wide.index.get_indexer(pd.MultiIndex.from_frame(frame[["indicator_id", "area_code"]]))
    end = _month_numbers(frame["quarter_end_month"]) - first
    columns = end[:, None] + np.arange(-WINDOW_MONTHS + 1, 1)
    inside = (columns >= 0) & (columns < matrix.shape[1]) & (row >= 0)[:, None]
    series = matrix[np.clip(row, 0, None)[:, None], np.clip(columns, 0, matrix.shape[1] - 1)]
    return np.where(inside, series, np.nan)


def _position_vs_county(
    frame: pd.DataFrame, areas: pd.DataFrame, counted: np.ndarray, significance_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each district's and unitary's position against the rest of the county, for counted rows with a rate.

    The rest is Lancashire-12 (the `county` row) without the district, or all of it for an area
    outside Lancashire-12 (dim_area.in_lancashire_12 false: a unitary).
    """
    quarter = ["indicator_id", "financial_year", "fy_quarter"]
    count = np.where(counted, _numbers(frame["rolling_12m"]), np.nan)
    population = _numbers(frame["population"])
    rated = frame.assign(count=count, population_=population)
    county = rated.loc[rated["area_type"] == "county", [*quarter, "count", "population_"]].drop_duplicates(quarter)
    joined = rated[quarter].merge(county, on=quarter, how="left", suffixes=("", "_county"))
    membership = areas.drop_duplicates("area_code").set_index("area_code")["in_lancashire_12"]
    inside = frame["area_code"].map(membership).eq(True).to_numpy()
    county_count, county_population = joined["count"].to_numpy(float), joined["population_"].to_numpy(float)
    rest_count = np.where(inside, county_count - count, county_count)
    rest_population = np.where(inside, county_population - population, county_population)
    # districts and unitaries with a rate; not where no area has any event (nothing to compare)
    eligible = (
        frame["area_type"].isin(["district", "unitary"]).to_numpy() & (population > 0) & (rest_count + count > 0)
    )
    position, p_value = statistics.position_against_rest(
        np.where(eligible, count, np.nan), population, rest_count, rest_population, significance_level
    )
    return position, p_value


def model(dbt, session):
    dbt.config(materialized="table")
    significance_level = float(dbt.config.get("significance_level"))
    rag_colours = {
        "significant_deterioration": dbt.config.get("rag_significant_deterioration"),
        "significant_improvement": dbt.config.get("rag_significant_improvement"),
        "no_significant_change": dbt.config.get("rag_no_significant_change"),
    }

    base = dbt.ref("mart_scorecard_quarterly__base")
    keys = ["indicator_id", "area_code", "financial_year", "fy_quarter"]
    frame = base.project(
        ", ".join(keys + [
            "quarter_end_month", "area_type", "population", "polarity", "rolling_12m", "rolling_12m_previous",
            "significance_test", "value_status", "is_ratio",
        ])
    ).df()
    grains = dbt.ref("indicator_catalogue").project("indicator_id, grain").df()
    frame = frame.merge(grains, on="indicator_id", how="left")

    # A ratio (a percentage) or a sum of money is not a count of events: the catalogue's
    # significance_test says which indicators are tested; the others get no test and no RAG.
    # Nor is a cell that is not available (null value): nothing to test, never a 0.
    counted = ((frame["significance_test"] == "poisson") & (frame["value_status"] == "available")).to_numpy()
    now = np.where(counted, _numbers(frame["rolling_12m"]), np.nan)
    before = np.where(counted, _numbers(frame["rolling_12m_previous"]), np.nan)
    # no events in either window (e.g. a retired police.uk category): unrated, whatever its test, and
    # the one place the outputs learn it from (a ratio of 0 is a value, not an absence of events)
    counts = (frame["value_status"] == "available").to_numpy() & ~frame["is_ratio"].astype("boolean").fillna(
        False).to_numpy(dtype=bool)
    no_events = counts & (_numbers(frame["rolling_12m"]) == 0) & (_numbers(frame["rolling_12m_previous"]) == 0)
    now, before = np.where(no_events, np.nan, now), np.where(no_events, np.nan, before)

    monthly = dbt.ref("mart_indicator_monthly").project("indicator_id, area_code, month, value").df()
    series = _window_series(frame, monthly)
    quarterly = (frame["grain"] == "quarter").to_numpy()
    by_quarter = series.reshape(len(series), 8, 3).sum(axis=2)  # NaN when a month is missing
    phi = np.where(
        quarterly,
        statistics.dispersion(by_quarter[:, :4], by_quarter[:, 4:]),
        statistics.dispersion(series[:, :12], series[:, 12:]),
    )
    phi = np.where(np.isnan(now) | np.isnan(before), np.nan, phi)
    p_value, method = statistics.change_test(now, before, phi)
    known = ~np.isnan(p_value)
    significant = known & (np.nan_to_num(p_value, nan=1.0) < significance_level)

    direction = np.select([now > before, now < before, now == before], ["up", "down", "no change"], default="")
    worse = np.where(frame["polarity"].to_numpy() == "lower_is_better", "up", "down")
    outcome = np.where(
        ~significant,
        "no_significant_change",
        np.where(direction == worse, "significant_deterioration", "significant_improvement"),
    )

    tests = frame[keys].copy()
    tests["p_value"] = p_value
    tests["dispersion"] = np.where(known, phi, np.nan)
    tests["significance_method"] = np.where(known, method, None)
    tests["significant_change"] = pd.array(np.where(known, significant, None), dtype="boolean")
    tests["direction"] = np.where(known, direction, np.where(no_events, "no events", None))
    colour = np.select([outcome == o for o in rag_colours], list(rag_colours.values()), default="")
    tests["rag"] = np.where(known, colour, None)
    position, position_p = _position_vs_county(frame, dbt.ref("dim_area").df(), counted, significance_level)
    tests["position_vs_county"] = position
    tests["position_p_value"] = position_p

    scored = base.join(session.from_df(tests), ", ".join(keys))
    counts = scored.project(
        f"""
        indicator_id,
        indicator_name,
        key_issue,
        theme,
        priority,
        source_system,
        unit,
        polarity,
        is_additive,
        area_code,
        area_name,
        area_type,
        financial_year,
        fy_quarter,
        quarter_end_month,
        value,
        value_status,
        value_status_reason,
        value_same_quarter_last_year,
        pct_change,
        rolling_12m,
        rolling_12m_previous,
        population,
        population_year,
        population_source,
        rate_per_1000,
        population_group,
        rate_per,
        rate,
        cast(p_value as double) as p_value,
        cast(significant_change as boolean) as significant_change,
        cast(direction as varchar) as direction,
        cast(rag as varchar) as rag,
        cast(dispersion as double) as dispersion,
        cast(significance_method as varchar) as significance_method,
        cast(position_vs_county as varchar) as position_vs_county,
        cast(position_p_value as double) as position_p_value,
        district_rank,
        cast({significance_level!r} as double) as significance_level,
        is_ratio,
        significance_test,
        numerator_rolling_12m,
        denominator_rolling_12m,
        price_year,
        benchmark_low,
        benchmark_high,
        benchmark_compare,
        against_benchmark,
        case when is_ratio then 'ratio' else 'count' end as value_kind,
        cast(null as varchar) as value_source,
        cast(null as varchar) as period_label,
        cast(null as double) as lower_ci,
        cast(null as double) as upper_ci,
        cast(null as double) as numerator_count,
        cast(null as double) as denominator_count,
        cast(null as integer) as n_unweighted,
        cast(null as double) as n_effective,
        cast(null as varchar) as previous_period_label,
        cast(null as double) as previous_value,
        cast(null as double) as change_from_previous
        """
    )
    # the same columns in the same order (a union is by position)
    published = dbt.ref("mart_scorecard_quarterly__published_values").project(
        ", ".join(
            f"cast({significance_level!r} as double) as significance_level" if c == "significance_level"
            else f"cast(null as {_COUNT_ONLY_COLUMNS[c]}) as {c}" if c in _COUNT_ONLY_COLUMNS
            else c
            for c in counts.columns
        )
    )
    return counts.union(published).order("indicator_id, area_code, quarter_end_month")
