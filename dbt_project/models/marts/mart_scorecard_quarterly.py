"""The Board's quarterly scorecard: int_scorecard_quarterly_base plus the significance test.

The rolling 12 months are compared with the previous 12 months by the exact Poisson
(conditional binomial) test of warehouse.statistics, the one implementation the project uses;
its two-sided p-value is compared with var('significance_level'). A significant increase of a
lower_is_better indicator is a deterioration; the RAG colour of each outcome is var('rag').
Indicators whose catalogue significance_test is not 'poisson' (ratios, money) get no test and no RAG.
A cell whose value is not available (value_status other than 'available': not received,
quarantined, no denominator) has no value and gets no test and no RAG either; nor does a row
whose rolling 12 months are null (a month of either window not available).

The indicators that are not counts of events (residents' survey estimates, OHID Fingertips
figures: int_scorecard_published_values, tested and coloured there by their own sources' rules)
are appended with the same columns. Columns added for them (null for counts and ratios, except
value_kind): value_kind, value_source, period_label, lower_ci, upper_ci, numerator_count,
denominator_count, n_unweighted, n_effective, previous_period_label, previous_value,
change_from_previous.
"""

import numpy as np
import pandas as pd

# The project's own package (installed with `make`): the one implementation of the test.
from warehouse import statistics


def model(dbt, session):
    dbt.config(materialized="table")
    significance_level = float(dbt.config.get("significance_level"))
    rag_colours = {
        "significant_deterioration": dbt.config.get("rag_significant_deterioration"),
        "significant_improvement": dbt.config.get("rag_significant_improvement"),
        "no_significant_change": dbt.config.get("rag_no_significant_change"),
    }

    base = dbt.ref("int_scorecard_quarterly_base")
    keys = ["indicator_id", "area_code", "financial_year", "fy_quarter"]
    frame = base.project(
        ", ".join(keys + ["polarity", "rolling_12m", "rolling_12m_previous", "significance_test", "value_status"])
    ).df()

    # A ratio (a percentage) or a sum of money is not a count of events: the catalogue's
    # significance_test says which indicators are tested; the others get no test and no RAG.
    # Nor is a cell that is not available (null value): nothing to test, never a 0.
    untested = ((frame["significance_test"] != "poisson") | (frame["value_status"] != "available")).to_numpy()
    now = np.where(untested, np.nan, pd.to_numeric(frame["rolling_12m"], errors="coerce").astype(float).to_numpy())
    before = np.where(
        untested, np.nan, pd.to_numeric(frame["rolling_12m_previous"], errors="coerce").astype(float).to_numpy()
    )
    # The test rounds counts to whole events (adjusted KSI is not an integer).
    p_value = statistics.poisson_change_p_value(now, before)
    significant = statistics.significant_change(now, before, significance_level)
    known = ~np.isnan(p_value)

    direction = np.select([now > before, now < before, now == before], ["up", "down", "no change"], default="")
    worse = np.where(frame["polarity"].to_numpy() == "lower_is_better", "up", "down")
    outcome = np.where(
        ~significant,
        "no_significant_change",
        np.where(direction == worse, "significant_deterioration", "significant_improvement"),
    )

    tests = frame[keys].copy()
    tests["p_value"] = p_value
    tests["significant_change"] = pd.array(np.where(known, significant, None), dtype="boolean")
    tests["direction"] = np.where(known, direction, None)
    colour = np.select([outcome == o for o in rag_colours], list(rag_colours.values()), default="")
    tests["rag"] = np.where(known, colour, None)

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
    published = dbt.ref("int_scorecard_published_values").project(
        ", ".join(
            f"cast({significance_level!r} as double) as significance_level" if c == "significance_level" else c
            for c in counts.columns
        )
    )
    return counts.union(published).order("indicator_id, area_code, quarter_end_month")
