"""Relative position: each area of each peer group against the group, per police.uk indicator and period.

Grain: indicator x area x period x comparison (peer group), from mart_peer_comparison__member_periods
(every member of every dim_peer_group group, the focus area included and flagged). The statistics
are warehouse.peer_statistics', the one implementation the project uses, each computed per
comparison (group, indicator, period):

* group_average_rate: the mean of the members' rates per 1,000 (peer_average_rate), as the Home
  Office's iQuanta tool takes a most similar group's average, over every member, the focus area
  included: the group is the focus area and its peers, and every member is placed against the
  same centre (and the same funnel, whose over-dispersion is estimated from the group);
* rank_in_group (1 = the highest rate, ties sharing the better rank) of ranked_of members;
* position_vs_peers: the exact Poisson test of the member's count against its population at the
  group's average rate (position_against_peer_average), significant below var('significance_level');
* the funnel plot (funnel_position): 95% and 99.8% control limits around the group's average for
  the member's population, widened for over-dispersion (Spiegelhalter 2005: additive tau-squared,
  when the group's winsorised phi is significantly above 1 with at least 5 areas), and the member's
  position against them.

A period is compared only when every member has complete data for it (member_status `available`:
its force's files loaded for every month, a population). Otherwise no member of that comparison is
compared: the group average, rank, test and funnel are null and not_comparable_reason says why (a
member's own reason, or which members lack data); counts and rates of members with data stay.
"""

import numpy as np
import pandas as pd

# The project's own package (installed with `make`): the one implementation of the statistics.
from warehouse import peer_statistics

COMPARISON = ["group_id", "indicator_id", "period_type", "period_end_month"]
MAX_CODES_NAMED = 5


def _numbers(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column, errors="coerce").astype(float).to_numpy()


def _lacking_members(frame: pd.DataFrame, available: np.ndarray) -> np.ndarray:
    """Each row's comparison in words when some of its members lack complete data, else None."""
    key = pd.MultiIndex.from_frame(frame[COMPARISON])
    sizes = frame.groupby(COMPARISON, sort=False).size()
    lacking = frame.loc[~available].groupby(COMPARISON, sort=False)["area_code"].agg(sorted)
    if lacking.empty:
        return np.full(len(frame), None, dtype=object)
    named = lacking.map(lambda codes: ", ".join(codes[:MAX_CODES_NAMED]) + (", ..." if len(codes) > MAX_CODES_NAMED
                                                                              else ""))
    message = ("not compared: " + lacking.map(len).astype(str) + " of the group's "
               + sizes.reindex(lacking.index).astype(str) + " members lack complete data for the period ("
               + named + ")")
    return message.reindex(key).astype(object).where(lambda m: m.notna(), None).to_numpy(dtype=object)


def model(dbt, session):
    dbt.config(materialized="table")
    significance_level = float(dbt.config.get("significance_level"))

    members = dbt.ref("mart_peer_comparison__member_periods")
    frame = members.df().sort_values(
        COMPARISON + ["member_rank"], kind="stable").reset_index(drop=True)
    available = (frame["member_status"] == "available").to_numpy()
    comparison = frame.groupby(COMPARISON, sort=False).ngroup().to_numpy()
    size = np.bincount(comparison, minlength=comparison.max() + 1 if len(comparison) else 0)
    complete = np.bincount(comparison, weights=available.astype(float), minlength=size.size)
    compared = (complete == size)[comparison] if len(comparison) else np.zeros(0, dtype=bool)

    count = _numbers(frame["count"])
    population = _numbers(frame["population"])
    rate = np.where(compared, _numbers(frame["rate_per_1000"]), np.nan)
    group_rate = peer_statistics.peer_average_rate(rate, comparison)
    rank, ranked_of = peer_statistics.rank_in_group(rate, comparison)
    position, p_value = peer_statistics.position_against_peer_average(
        np.where(compared, count, np.nan), population, group_rate, significance_level)
    funnel = peer_statistics.funnel_position(np.where(compared, count, np.nan), population, group_rate,
                                             group=comparison)

    # why a member is not compared: its own reason, else the members of its comparison that lack data
    reason = np.where(available, _lacking_members(frame, available), frame["member_reason"].to_numpy(dtype=object))
    reason = np.where(compared, None, reason)

    out = frame[[
        "group_id", "focus_area_code", "focus_area_type", "method", "indicator_id", "indicator_name",
        "area_code", "area_name", "area_type", "force_slug", "is_focus_area", "member_rank",
        "period_type", "period_label", "financial_year", "fy_quarter", "period_start_month", "period_end_month",
        "months_in_period", "months_loaded", "count", "population", "population_year", "rate_per_1000",
        "member_status",
    ]].copy()
    out["group_members"] = size[comparison] if len(comparison) else []
    out["group_members_with_data"] = complete[comparison].astype(int) if len(comparison) else []
    out["is_comparable"] = compared
    out["not_comparable_reason"] = pd.Series(reason, dtype=object)
    out["group_average_rate"] = group_rate
    out["rank_in_group"] = rank
    out["ranked_of"] = ranked_of
    out["position_vs_peers"] = pd.Series(position, dtype=object)
    out["position_p_value"] = p_value
    out["funnel_lower_95"] = funnel.lower_95
    out["funnel_upper_95"] = funnel.upper_95
    out["funnel_lower_998"] = funnel.lower_998
    out["funnel_upper_998"] = funnel.upper_998
    out["funnel_position"] = pd.Series(funnel.position, dtype=object)
    out["funnel_overdispersion_adjusted"] = np.where(compared, funnel.adjusted, None)
    out["funnel_phi"] = np.where(compared, funnel.phi_estimate, np.nan)
    out["funnel_tau2"] = np.where(compared, funnel.tau2, np.nan)

    relation = session.from_df(out)
    return relation.project(
        f"""
        group_id,
        focus_area_code,
        focus_area_type,
        method,
        indicator_id,
        indicator_name,
        area_code,
        area_name,
        area_type,
        force_slug,
        cast(is_focus_area as boolean) as is_focus_area,
        cast(member_rank as integer) as member_rank,
        period_type,
        period_label,
        financial_year,
        cast(fy_quarter as integer) as fy_quarter,
        cast(period_start_month as date) as period_start_month,
        cast(period_end_month as date) as period_end_month,
        cast(months_in_period as integer) as months_in_period,
        cast(months_loaded as integer) as months_loaded,
        cast(count as double) as count,
        cast(population as bigint) as population,
        cast(population_year as integer) as population_year,
        cast(rate_per_1000 as double) as rate_per_1000,
        cast(member_status as varchar) as member_status,
        cast(is_comparable as boolean) as is_comparable,
        cast(not_comparable_reason as varchar) as not_comparable_reason,
        cast(group_members as integer) as group_members,
        cast(group_members_with_data as integer) as group_members_with_data,
        cast(group_average_rate as double) as group_average_rate,
        cast(rank_in_group as integer) as rank_in_group,
        cast(ranked_of as integer) as ranked_of,
        cast(position_vs_peers as varchar) as position_vs_peers,
        cast(position_p_value as double) as position_p_value,
        cast({significance_level!r} as double) as significance_level,
        cast(funnel_lower_95 as double) as funnel_lower_95,
        cast(funnel_upper_95 as double) as funnel_upper_95,
        cast(funnel_lower_998 as double) as funnel_lower_998,
        cast(funnel_upper_998 as double) as funnel_upper_998,
        cast(funnel_position as varchar) as funnel_position,
        cast(funnel_overdispersion_adjusted as boolean) as funnel_overdispersion_adjusted,
        cast(funnel_phi as double) as funnel_phi,
        cast(funnel_tau2 as double) as funnel_tau2
        """
    ).order("group_id, indicator_id, period_type, period_end_month, member_rank")
