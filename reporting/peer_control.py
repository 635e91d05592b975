"""Disclosure control of peer-comparison rows (``marts.mart_peer_comparison``): the one rule the
reports and the dashboard apply before they show a peer group.

Why a rule of its own: a peer group is not an additive table (its members are areas of different
forces, its average the mean of their rates), so the cell-and-constraint model of
``reporting.disclosure`` does not apply, but its threshold and themes do, and a peer row of one of
the partnership's own areas is the same count as that area's scorecard row. So a member's figures
(count, rate, rank, position) are hidden where

* its count is 1 .. threshold-1 of a sensitive theme (``DisclosureRules.primary``), or
* the output hides the same count of the same area elsewhere (``own_hidden``: e.g. a district's
  12-month count hidden in the scorecard hides its CSP's peer row);

and a group with a hidden member shows no average, control limits or positions of any member
(they would give the hidden rate back: the average is the mean of the members' rates).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reporting.disclosure import DisclosureRules

# A member's own figures, hidden with its count.
MEMBER_FIELDS = ("count", "rate_per_1000", "rank_in_group", "position_vs_peers", "position_p_value",
                 "funnel_position")
# The group's figures (the average and everything measured against it), hidden when any member is.
GROUP_FIELDS = ("group_average_rate", "funnel_lower_95", "funnel_upper_95", "funnel_lower_998", "funnel_upper_998",
                "position_vs_peers", "position_p_value", "funnel_position", "funnel_phi", "funnel_tau2")


def _blank(values: pd.Series, mask: np.ndarray) -> pd.Series:
    """``values`` with the masked cells missing (NaN for numbers, None for text)."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype(float).mask(mask)
    return values.astype(object).where(~mask, None)


def control(rows: pd.DataFrame, catalogue: pd.DataFrame, rules: DisclosureRules, own_hidden: np.ndarray,
            group: list[str]) -> pd.DataFrame:
    """The rows with ``hidden`` (the member's figures are not shown) and ``group_hidden`` (nor the
    group's), and those figures blanked. ``group``: the columns that name one comparison (one
    indicator x focus area x period); ``own_hidden``: per row, whether the output hides the same
    count elsewhere. Columns the rows lack are left alone."""
    out = rows.copy()
    theme = out["indicator_id"].map(catalogue.set_index("indicator_id")["theme"]).fillna("")
    small = rules.primary(out["count"].to_numpy(dtype=float), rules.is_sensitive(theme))
    out["hidden"] = small | np.asarray(own_hidden, dtype=bool)
    out["group_hidden"] = out.groupby(group, sort=False)["hidden"].transform("any").astype(bool)
    hidden, group_hidden = out["hidden"].to_numpy(), out["group_hidden"].to_numpy()
    for column in GROUP_FIELDS:
        if column in out.columns:
            out[column] = _blank(out[column], group_hidden)
    for column in MEMBER_FIELDS:
        if column in out.columns:
            out[column] = _blank(out[column], hidden)
    return out


def own_hidden(rows: pd.DataFrame, hidden_keys: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Per peer row, whether ``hidden_keys`` (``keys`` columns: the counts an output hides
    elsewhere, in the peer mart's area codes) lists it."""
    if hidden_keys.empty:
        return np.zeros(len(rows), dtype=bool)
    found = rows[keys].merge(hidden_keys[keys].drop_duplicates().assign(_hit=True), how="left", on=keys)
    return found["_hit"].astype("boolean").fillna(False).to_numpy(dtype=bool)
