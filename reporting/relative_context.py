"""What the reports' relative-position sections show, arranged for the templates.

Kept apart from ``reporting.html`` (which renders everything else) so that the section's parts
can be tested on a small hand-made frame: the force area's table against its most similar forces,
each district's table against its most similar CSPs beside its position against the county (the
scorecard's own ``position_vs_county``, controlled with the scorecard: the reports' one rule for
district against county), the funnel plots, and a short phrase per area and indicator for the
tables that list areas (district profiles, the quarterly report's area tables).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from reporting import charts
from reporting import relative_position as rp

SUPPRESSED = rp.SUPPRESSED


def _chart_id(*parts: Any) -> str:
    text = "-".join(str(p) for p in parts if p)
    return "chart-" + "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def county_positions(tables: Any) -> pd.DataFrame:
    """indicator_id, area_code, county_position ("Above the county" ..., "[c]" where the scorecard
    hides it, None where there is none) of every district row of the report's scorecard."""
    rows = tables.scorecard
    position = rows["position_vs_county"] if "position_vs_county" in rows.columns else pd.Series(None, index=rows.index)
    hidden = tables.hidden["position_vs_county"].reindex(rows.index).fillna(False).to_numpy(dtype=bool) \
        if "position_vs_county" in tables.hidden.columns else np.zeros(len(rows), dtype=bool)
    words = position.map(charts.POSITION_LABELS).astype(object)
    return pd.DataFrame({"indicator_id": rows["indicator_id"].to_numpy(), "area_code": rows["area_code"].to_numpy(),
                         "county_position": np.where(hidden, SUPPRESSED, words.where(words.notna(), None))})


def area_phrases(table: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(indicator_id, area_code) -> "rank 3 of 16, above the peer average", "[c]" or "not compared
    (reason)": the position against the peers in a few words, for a column of an area table."""
    position = table["position_code"].map({"above": "above", "similar": "similar to", "below": "below"})
    ranked = "rank " + table["rank"].astype(str) + np.where(
        position.notna(), ", " + position.fillna("") + " the peer average", "")
    text = np.select(
        [table["status"].eq("suppressed").to_numpy(), table["reason"].notna().to_numpy(),
         table["position"].eq(SUPPRESSED).to_numpy() & table["rank"].notna().to_numpy(),
         table["rank"].notna().to_numpy()],
        [SUPPRESSED, "not compared: " + table["reason"].astype(str),
         "rank " + table["rank"].astype(str) + " (position " + SUPPRESSED + ")", ranked], default="–")
    return dict(zip(zip(table["indicator_id"], table["area_code"]), text))


def relative_context(tables: Any, peers: rp.PeerTables | None, shown: set[str],
                     quarter: rp.PeerTables | None = None, district_funnels: bool = True) -> dict[str, Any]:
    """The section's context: ``available`` (else ``reason``), the force area's rows and funnel
    plots, each headline indicator's district table, each district's funnel plot of the first
    headline indicator (``district_funnels``), and ``phrases`` for area tables. ``quarter``: the
    quarter's comparison, shown beside the main period's in the force table (quarterly report)."""
    if peers is None or not peers.available:
        return {"available": False, "period_label": peers.period_label if peers else "",
                "reason": (peers.reason if peers else None) or "the peer comparison was not built for this report",
                "phrases": {}, "district_funnels": {}}
    names = tables.catalogue.set_index("indicator_id")["indicator_name"]
    table = rp.display(rp.focus_rows(peers))
    table = table[table["indicator_id"].isin(shown)].reset_index(drop=True)
    if quarter is not None and quarter.available:
        q = rp.display(rp.focus_rows(quarter))[["indicator_id", "area_code", "rate", "rank", "position", "reason"]]
        table = table.merge(q.rename(columns={c: f"quarter_{c}" for c in ("rate", "rank", "position", "reason")}),
                            on=["indicator_id", "area_code"], how="left")
    table = table.astype(object).where(table.notna(), None)
    headline = rp.headline_indicators(peers, tables.catalogue, shown)
    force = table[table["kind"] == "force"]
    force_group = str(force["group_id"].iloc[0]) if len(force) else None
    force_name = str(force["area_name"].iloc[0]) if len(force) else ""
    force_funnels = [rp.funnel(peers, force_group, i, indicator_name=str(names.get(i, i)),
                               group_name=peers.group_names.get(force_group, f"{force_name} and its most similar forces"),
                               focus_name=force_name, chart_id=_chart_id("peers", peers.period_label, i, "force"))
                     for i in headline if force_group and i in set(force["indicator_id"])]
    districts = table[table["kind"] == "district"].merge(county_positions(tables), on=["indicator_id", "area_code"],
                                                         how="left")
    districts = districts.astype(object).where(districts.notna(), None)
    district_tables = [{"indicator_id": i, "indicator_name": str(names.get(i, i)),
                        "rows": districts[districts["indicator_id"] == i].sort_values("area_name").to_dict("records")}
                       for i in headline if (districts["indicator_id"] == i).any()]
    funnels: dict[str, charts.Chart] = {}
    if district_funnels and headline:
        first = headline[0]
        for row in districts[districts["indicator_id"] == first].itertuples():  # one chart per district (14)
            funnels[row.area_code] = rp.funnel(
                peers, row.group_id, first, indicator_name=str(names.get(first, first)),
                group_name=peers.group_names.get(row.group_id, f"{row.area_name} and its most similar CSPs"),
                focus_name=str(row.area_name), chart_id=_chart_id("peers", peers.period_label, first, row.area_code),
                small=True)
    return {
        "available": True, "reason": None, "period_label": peers.period_label,
        "quarter_label": quarter.period_label if quarter is not None and quarter.available else None,
        "force_name": force_name, "force_group": peers.group_names.get(force_group or "", ""),
        "force_rows": force.to_dict("records"), "force_funnels": force_funnels,
        "headline_names": [str(names.get(i, i)) for i in headline],
        "district_tables": district_tables, "district_funnels": funnels,
        "district_funnel_indicator": str(names.get(headline[0], headline[0])) if headline else None,
        "phrases": area_phrases(table), "funnel_note": charts.FUNNEL_NOTE,
        "members": sorted(set(peers.rows.loc[(peers.rows["group_id"] == force_group)
                                             & ~peers.rows["is_focus_area"].fillna(False).astype(bool), "area_name"])),
    }
