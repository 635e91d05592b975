"""Disclosure control for every published output: small counts in sensitive themes are suppressed,
and enough other cells with them that no suppressed count can be worked back from what is shown.

The model is deliberately generic, so that one implementation serves the quarterly report, the
workbook, the CSV and the annual update:

* a **cell** is one published count: (indicator_id, area_code, measure, period) with a value and
  whether its indicator is in a sensitive theme (``measure`` is "quarter", "12 months", "month" or
  "year"; ``period`` names the quarter, the month a 12-month window ends, the month or the year);
* a **constraint** is a set of cells related by one additive equation (a total and its members):
  a county and its 12 districts, a quarter and its three months, a 12-month window and its months.
  If exactly one cell of a constraint is suppressed, the equation gives it back;
* **primary** suppression hides counts 1 .. threshold-1 in sensitive themes (0 is shown: "none");
* **secondary** suppression repeats, until nothing changes, "for every constraint with exactly one
  suppressed cell, also suppress its smallest other cell" (non-zero members before zeros and
  before the total, to lose as little as possible). The suppressed set only grows, so it stops.

Derived numbers (rates, percentage changes, p-values, significance, direction, RAG, rank, costs)
are suppressed wherever a count they are computed from is (``DERIVED`` in ``tables``).
The marts keep true values; only outputs are controlled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from warehouse.settings import default_settings, settings_of

CELL_KEY = ["indicator_id", "area_code", "measure", "period"]


def _themes(themes: Iterable[str]) -> frozenset[str]:
    return frozenset(str(t).strip().lower() for t in themes)


@dataclass(frozen=True)
class DisclosureRules:
    """``[disclosure]`` settings: counts 1 .. threshold-1 in these catalogue themes are hidden.

    A field left out takes the shipped default (``default_settings.toml``), never a value of its own."""

    threshold: int = field(default_factory=lambda: default_settings().disclosure.threshold)
    sensitive_themes: frozenset[str] = field(
        default_factory=lambda: _themes(default_settings().disclosure.sensitive_themes))

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "DisclosureRules":
        section = settings_of(settings).disclosure
        return cls(threshold=section.threshold, sensitive_themes=_themes(section.sensitive_themes))

    def is_sensitive(self, themes: pd.Series) -> np.ndarray:
        return themes.fillna("").str.strip().str.lower().isin(self.sensitive_themes).to_numpy()

    def primary(self, values: np.ndarray, sensitive: np.ndarray) -> np.ndarray:
        """Small non-zero counts in sensitive themes (unknown values are not published anyway)."""
        v = np.asarray(values, dtype=float)
        return np.asarray(sensitive, bool) & (v > 0) & (v < self.threshold)


def protect(values: np.ndarray, primary: np.ndarray, constraints: pd.DataFrame,
            shown_elsewhere: np.ndarray | None = None) -> np.ndarray:
    """Primary plus secondary suppression: the cells to hide, a boolean array like ``values``.

    ``constraints`` has one row per (constraint, cell) with ``is_total`` (columns: constraint,
    cell, is_total); ``cell`` indexes ``values``. Iterates to the fixed point where no constraint
    has exactly one suppressed cell; each round is vectorised over every constraint.
    ``shown_elsewhere`` (boolean like ``values``): cells another output publishes, chosen for
    secondary suppression only when a constraint has no other cell left (hiding them here would
    protect nothing from a reader of both outputs).
    """
    values = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    suppressed = np.asarray(primary, bool).copy()
    elsewhere = np.zeros(len(values), bool) if shown_elsewhere is None else np.asarray(shown_elsewhere, bool)
    if constraints.empty or not suppressed.any():
        return suppressed
    c = constraints[["constraint", "cell", "is_total"]].drop_duplicates(["constraint", "cell"])
    sizes = c.groupby("constraint")["cell"].transform("size")
    c = c[sizes > 1].reset_index(drop=True)
    con_ids = c["constraint"].to_numpy()
    cells = c["cell"].to_numpy()
    # candidate order within a constraint: non-zero members, smallest first; then zeros; totals last
    # (and cells another output publishes after all of those)
    rank_key = pd.DataFrame({
        "constraint": con_ids,
        "cell": cells,
        "elsewhere": elsewhere[cells],
        "total": c["is_total"].to_numpy(bool),
        "zero": values[cells] == 0,
        "value": values[cells],
    }).sort_values(["constraint", "elsewhere", "total", "zero", "value", "cell"], kind="stable")
    ordered_constraints = rank_key["constraint"].to_numpy()
    ordered_cells = rank_key["cell"].to_numpy()
    while True:
        hidden = pd.Series(suppressed[cells]).groupby(con_ids).sum()
        exposed = hidden.index[hidden.to_numpy() == 1]
        if len(exposed) == 0:
            return suppressed
        candidates = np.isin(ordered_constraints, exposed) & ~suppressed[ordered_cells]
        first = pd.Series(ordered_cells[candidates]).groupby(ordered_constraints[candidates]).first()
        suppressed[first.to_numpy()] = True


def exposed_constraints(suppressed: np.ndarray, constraints: pd.DataFrame) -> np.ndarray:
    """Constraints with exactly one suppressed cell (each would give that cell back); should be none."""
    if constraints.empty:
        return np.array([])
    c = constraints.drop_duplicates(["constraint", "cell"])
    sizes = c.groupby("constraint")["cell"].transform("size")
    c = c[sizes > 1]
    hidden = pd.Series(np.asarray(suppressed)[c["cell"].to_numpy()]).groupby(c["constraint"].to_numpy()).sum()
    return hidden.index[hidden.to_numpy() == 1].to_numpy()


# --- building constraints from cells ------------------------------------------------------------

def _membership_constraints(cells: pd.DataFrame, membership: pd.DataFrame, group_cols: list[str]) -> pd.DataFrame:
    """Constraints from a membership table (cell key columns + group columns + is_total).

    A group becomes a constraint only when every cell it names is published (a member that is not
    shown is unknown to a reader, so the equation cannot be solved with it).
    """
    if membership.empty or cells.empty:
        return pd.DataFrame({"constraint": [], "cell": [], "is_total": []})
    indexed = cells[CELL_KEY].assign(cell=np.arange(len(cells)))
    expected = membership.groupby(group_cols, dropna=False).size().rename("expected")
    found = membership.merge(indexed, on=CELL_KEY, how="inner")
    found["constraint"] = found.groupby(group_cols, dropna=False).ngroup()
    counts = found.groupby(group_cols, dropna=False).size().rename("found")
    complete = pd.concat([expected, counts], axis=1).query("expected == found").index
    keep = found.set_index(group_cols).index.isin(complete)
    return found.loc[keep, ["constraint", "cell", "is_total"]].reset_index(drop=True)


def area_constraints(cells: pd.DataFrame, hierarchies: Mapping[str, Iterable[str]],
                     additive: Iterable[str]) -> pd.DataFrame:
    """Each aggregate area = the sum of its member areas, per additive indicator, measure and period."""
    rows = [(total, total, True) for total in hierarchies] + [
        (total, member, False) for total, members in hierarchies.items() for member in members]
    tree = pd.DataFrame(rows, columns=["aggregate", "area_code", "is_total"])
    keys = cells.loc[cells["indicator_id"].isin(list(additive)), ["indicator_id", "measure", "period"]].drop_duplicates()
    membership = keys.merge(tree, how="cross")
    return _membership_constraints(cells, membership, ["aggregate", "indicator_id", "measure", "period"])


def time_constraints(cells: pd.DataFrame, compositions: pd.DataFrame, member: str = "month",
                     indicators: Iterable[str] | None = None) -> pd.DataFrame:
    """Each longer period = the sum of its members, per indicator and area where the members are shown.

    ``compositions`` columns: measure, period (the total, e.g. "quarter", "2024/25 Q2") and
    month (the member's period). Members are "month" cells, or "quarter" cells for a series drawn
    by quarter (MARAC: a 12-month window = its four quarters); ``indicators`` limits the
    constraints to those indicators (e.g. the quarterly ones, or the additive ones)."""
    shown = cells["measure"] == member
    if indicators is not None:
        shown &= cells["indicator_id"].isin(list(indicators))
    months = cells.loc[shown, ["indicator_id", "area_code"]].drop_duplicates()
    if months.empty or compositions.empty:
        return pd.DataFrame({"constraint": [], "cell": [], "is_total": []})
    comp = compositions.rename(columns={"measure": "total_measure", "period": "total_period"})
    wide = months.merge(comp, how="cross")
    totals = wide[["indicator_id", "area_code", "total_measure", "total_period"]].drop_duplicates().assign(
        measure=lambda d: d["total_measure"], period=lambda d: d["total_period"], is_total=True)
    members = wide.assign(measure=member, period=wide["month"], is_total=False)
    cols = ["indicator_id", "area_code", "total_measure", "total_period", "measure", "period", "is_total"]
    membership = pd.concat([totals[cols], members[cols]], ignore_index=True)
    return _membership_constraints(cells, membership, ["indicator_id", "area_code", "total_measure", "total_period"])


def combine(*parts: pd.DataFrame) -> pd.DataFrame:
    """One constraint table from several, constraint ids made distinct."""
    out, offset = [], 0
    for part in parts:
        if part.empty:
            continue
        part = part.copy()
        part["constraint"] = part["constraint"].astype(np.int64) + offset
        offset = int(part["constraint"].max()) + 1
        out.append(part)
    if not out:
        return pd.DataFrame({"constraint": pd.Series([], dtype=np.int64), "cell": pd.Series([], dtype=np.int64),
                             "is_total": pd.Series([], dtype=bool)})
    joined = pd.concat(out, ignore_index=True)
    joined["cell"] = joined["cell"].astype(np.int64)
    joined["is_total"] = joined["is_total"].astype(bool)
    return joined


def control(cells: pd.DataFrame, rules: DisclosureRules, constraints: pd.DataFrame,
            elsewhere: pd.DataFrame | None = None) -> pd.DataFrame:
    """``cells`` (CELL_KEY + value + theme) with ``primary`` and ``suppressed`` columns added.

    ``elsewhere``: the cells other outputs publish or hide (CELL_KEY + ``suppressed``), for an
    output read beside them (the dashboard beside the quarterly reports of its quarters): a cell
    one of them hides is hidden here from the start, and a cell they show is hidden here only when
    nothing else can protect a cell, so that reading both never gives back what either protects."""
    out = cells.reset_index(drop=True).copy()
    sensitive = rules.is_sensitive(out["theme"])
    out["primary"] = rules.primary(out["value"].to_numpy(dtype=float), sensitive)
    start, shown = out["primary"].to_numpy(), None
    if elsewhere is not None and len(elsewhere):
        keys = pd.MultiIndex.from_frame(out[CELL_KEY].astype(str))
        hidden = elsewhere["suppressed"].astype(bool).to_numpy()
        hidden_there = keys.isin(pd.MultiIndex.from_frame(elsewhere.loc[hidden, CELL_KEY].astype(str)))
        shown = keys.isin(pd.MultiIndex.from_frame(elsewhere.loc[~hidden, CELL_KEY].astype(str))) & ~hidden_there
        start = start | hidden_there
    out["suppressed"] = protect(out["value"].to_numpy(dtype=float), start, constraints, shown)
    return out
