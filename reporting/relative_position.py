"""Lancashire's relative position in the Board's reports, read from ``marts.mart_peer_comparison``.

The annual update (the financial year) and the quarterly report (the rolling 12 months to the
quarter's end, and the quarter) show the police force area against its most similar forces and
each district's Community Safety Partnership against its most similar CSPs: rate per 1,000
residents, the peer average, the rank in the group, the position against the average (the mart's
exact test) and the funnel-plot position, with funnel plots. Everything here only reads and
arranges the mart's measures (the statistics live in ``warehouse.peer_statistics``, once) and puts
them through the one disclosure rule for peer rows (``reporting.peer_control``), with the counts
the report hides elsewhere (its scorecard) hidden here too. A comparison the mart cannot make (a
member lacks data for the period) keeps the mart's reason, shown wherever a figure would be.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from reporting import charts, peer_control
from reporting.tables import Geography

PEER_MART = "marts.mart_peer_comparison"
COLUMNS = ["group_id", "focus_area_code", "focus_area_type", "indicator_id", "indicator_name", "area_code",
           "area_name", "area_type", "is_focus_area", "member_rank", "period_type", "period_label",
           "financial_year", "fy_quarter", "period_end_month", "count", "population", "population_year",
           "rate_per_1000", "member_status", "is_comparable", "not_comparable_reason", "group_members",
           "group_members_with_data", "group_average_rate", "rank_in_group", "ranked_of", "position_vs_peers",
           "position_p_value", "funnel_lower_95", "funnel_upper_95", "funnel_lower_998", "funnel_upper_998",
           "funnel_position"]
GROUP = ["group_id", "indicator_id"]  # one comparison of one period
# The scorecard count a peer period is the same count as (hidden there: hidden here).
SCORECARD_COUNT = {"financial_year": "rolling_12m", "rolling_12m": "rolling_12m", "quarter": "value"}
MEMBER_STATUS_WORDS = {"not_received": "months not received", "no_population": "no population",
                       "unknown_area": "not in the area lookups"}
UNIT = "rate per 1,000 residents"


@dataclass
class PeerTables:
    """The controlled peer rows of one period: every group with a focus area of the partnership."""

    period_type: str           # financial_year | rolling_12m | quarter (the mart's)
    period_label: str          # as the reports write the period
    rows: pd.DataFrame = field(repr=False)   # COLUMNS + hidden, group_hidden; hidden figures blank
    focus: pd.DataFrame = field(repr=False)  # area_code (the report's), peer_code (the mart's), area_name, kind
    reason: str | None = None  # why there is nothing to show (no mart, no rows for the period)
    group_names: dict[str, str] = field(default_factory=dict)  # group_id -> "Preston and its most similar CSPs"

    @property
    def available(self) -> bool:
        return self.reason is None and not self.rows.empty


def _exists(con: duckdb.DuckDBPyConnection) -> bool:
    schema, table = PEER_MART.split(".")
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? "
                            "and table_name = ?", [schema, table]).fetchone()[0])


def focus_areas(con: duckdb.DuckDBPyConnection, geo: Geography) -> pd.DataFrame:
    """The partnership's areas that have a peer group: the police force area (its own code in the
    mart) first, then each district or unitary by name, through its CSP (``dim_area.csp_code``)."""
    has_csp = con.execute("select count(*) from information_schema.columns where table_schema = 'marts' "
                          "and table_name = 'dim_area' and column_name = 'csp_code'").fetchone()[0]
    csp = con.execute("select area_code, csp_code from marts.dim_area where csp_code is not null").df() \
        if has_csp else pd.DataFrame(columns=["area_code", "csp_code"])
    districts = geo.districts[["area_code", "area_name"]].merge(csp, on="area_code", how="inner")
    force = pd.DataFrame({"area_code": [geo.force_area], "peer_code": [geo.force_area],
                          "area_name": [geo.name(geo.force_area)], "kind": ["force"]})
    districts = districts.rename(columns={"csp_code": "peer_code"}).assign(kind="district")
    return pd.concat([force, districts[force.columns]], ignore_index=True)


def peer_tables(con: duckdb.DuckDBPyConnection, tables: Any, period_type: str, period_end: dt.date,
                period_label: str) -> PeerTables:
    """The peer rows of one period (``period_type`` ending ``period_end``), controlled as the
    report ``tables`` (QuarterlyTables or AnnualTables) control their counts: a member whose count
    the report's scorecard hides (same area, same count) is hidden here too."""
    geo = tables.geography
    focus = focus_areas(con, geo)
    empty = pd.DataFrame(columns=[*COLUMNS, "hidden", "group_hidden"])
    if not _exists(con):
        return PeerTables(period_type, period_label, empty, focus,
                          f"the warehouse has no peer-comparison table ({PEER_MART}) yet")
    present = {r[0] for r in con.execute("select column_name from information_schema.columns where "
                                         "table_schema = 'marts' and table_name = 'mart_peer_comparison'").fetchall()}
    select = ", ".join(c if c in present else f"null as {c}" for c in COLUMNS)
    rows = con.execute(
        f"""select {select} from {PEER_MART}
            where period_type = ? and period_end_month = ? and focus_area_code in (select unnest(?))
              and indicator_id in (select unnest(?))""",
        [period_type, period_end, focus["peer_code"].tolist(), tables.catalogue["indicator_id"].tolist()]).df()
    if rows.empty:
        return PeerTables(period_type, period_label, empty, focus,
                          f"the peer comparison has no figures for {period_label} (the peer forces' police.uk "
                          "files, populations and lookups are not loaded for it)")
    order = {k: i for i, k in enumerate(tables.catalogue["indicator_id"])}
    kinds = {c: i for i, c in enumerate(focus["peer_code"])}
    rows = rows.assign(_i=rows["indicator_id"].map(order), _f=rows["focus_area_code"].map(kinds)) \
        .sort_values(["_i", "_f", "member_rank"], kind="stable").drop(columns=["_i", "_f"]).reset_index(drop=True)
    hidden_keys = _scorecard_hidden(tables, focus, SCORECARD_COUNT[period_type])
    own = peer_control.own_hidden(rows, hidden_keys, ["indicator_id", "area_code"])
    rows = peer_control.control(rows, tables.catalogue, tables.rules, own, GROUP)
    return PeerTables(period_type, period_label, rows, focus, group_names=group_names(con))


def _scorecard_hidden(tables: Any, focus: pd.DataFrame, column: str) -> pd.DataFrame:
    """indicator_id, area_code (the peer mart's code) of the report's own areas whose ``column``
    count its scorecard hides."""
    score = tables.scorecard
    if column not in tables.hidden.columns:
        return pd.DataFrame(columns=["indicator_id", "area_code"])
    flagged = score.loc[tables.hidden[column].reindex(score.index).fillna(False).to_numpy(dtype=bool),
                        ["indicator_id", "area_code"]]
    mapped = flagged.merge(focus[["area_code", "peer_code"]], on="area_code")
    return mapped[["indicator_id", "peer_code"]].rename(columns={"peer_code": "area_code"})


# --------------------------------------------------------------------------- tables the reports show


def status_of(rows: pd.DataFrame) -> pd.Series:
    """'suppressed' (hidden by disclosure control), 'not_available' (no rate) or 'available'."""
    return pd.Series(np.select([rows["hidden"].to_numpy(dtype=bool), rows["rate_per_1000"].isna().to_numpy()],
                               ["suppressed", "not_available"], "available"), index=rows.index)


def member_reason(rows: pd.DataFrame) -> pd.Series:
    """Why a member has no rate or is not compared: the mart's reason, else its status in words."""
    own = rows["member_status"].map(MEMBER_STATUS_WORDS)
    reason = rows["not_comparable_reason"].astype(object).where(rows["not_comparable_reason"].notna(), own)
    return reason.where(~rows["is_comparable"].fillna(False).astype(bool) | rows["rate_per_1000"].isna(), None)


def focus_rows(peers: PeerTables) -> pd.DataFrame:
    """One row per focus area x indicator: the focus area's own row of its group, with ``status``,
    ``reason`` (why not compared) and ``area_code`` (the report's code, e.g. the district's)."""
    rows = peers.rows[peers.rows["is_focus_area"].fillna(False).astype(bool)]
    rows = rows.merge(peers.focus[["area_code", "peer_code", "area_name", "kind"]].rename(
        columns={"area_code": "report_area_code", "area_name": "report_area_name"}),
        left_on="focus_area_code", right_on="peer_code", how="inner")
    return rows.assign(status=status_of(rows).to_numpy(), reason=member_reason(rows).to_numpy())


def group_members(peers: PeerTables, group_id: str, indicator_id: str) -> pd.DataFrame:
    """The members of one comparison as ``charts.funnel_chart`` draws them."""
    rows = peers.rows[(peers.rows["group_id"] == group_id) & (peers.rows["indicator_id"] == indicator_id)]
    return pd.DataFrame({
        "area_code": rows["area_code"], "area_name": rows["area_name"], "population": rows["population"],
        "rate": rows["rate_per_1000"], "status": status_of(rows), "status_reason": member_reason(rows),
        "position": rows["position_vs_peers"], "is_focus": rows["is_focus_area"].fillna(False).astype(bool),
        "rank_in_group": rows["rank_in_group"], "ranked_of": rows["ranked_of"],
        "funnel_position": rows["funnel_position"], "average": rows["group_average_rate"],
        "lo95": rows["funnel_lower_95"], "hi95": rows["funnel_upper_95"],
        "lo998": rows["funnel_lower_998"], "hi998": rows["funnel_upper_998"]}).reset_index(drop=True)


def group_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """group_id -> its name in ``marts.dim_peer_group`` ("Lancashire and its most similar forces")."""
    found = con.execute("select count(*) from information_schema.tables where table_schema = 'marts' "
                        "and table_name = 'dim_peer_group'").fetchone()[0]
    if not found:
        return {}
    names = con.execute("select distinct group_id, group_name from marts.dim_peer_group").fetchall()
    return {g: n for g, n in names}


def headline_indicators(peers: PeerTables, catalogue: pd.DataFrame, shown: set[str]) -> list[str]:
    """The indicators drawn as funnel plots: the first compared indicator of the catalogue (its
    widest measure, e.g. all recorded crime) and the first of each key issue the Board prioritises
    (a priority other than "Context"), in catalogue order; only those with events in the period."""
    compared = catalogue[catalogue["indicator_id"].isin(set(peers.rows["indicator_id"]) & shown)]
    if compared.empty:
        return []
    priority = compared["priority"].fillna("").str.strip().str.lower()
    firsts = compared[priority != "context"].drop_duplicates("key_issue")["indicator_id"].tolist()
    return list(dict.fromkeys([compared["indicator_id"].iloc[0], *firsts]))


def funnel(peers: PeerTables, group_id: str, indicator_id: str, *, indicator_name: str, group_name: str,
           focus_name: str, chart_id: str, small: bool = False) -> charts.Chart:
    """One comparison's funnel plot, the focus area highlighted."""
    title = f"{indicator_name}: {focus_name} among its peers, {peers.period_label}"
    return charts.funnel_chart(group_members(peers, group_id, indicator_id), chart_id=chart_id, title=title,
                               indicator_name=indicator_name, group_name=group_name,
                               period_label=peers.period_label, unit_label=UNIT,
                               **({"width": 300, "height": 220} if small else {}))


SUPPRESSED = "[c]"


def display(focus: pd.DataFrame) -> pd.DataFrame:
    """``focus_rows`` as a report prints them: ``rate`` and ``average`` numbers, "[c]" where hidden
    or None; ``rank`` ("3 of 8"), ``position`` and ``funnel`` in words, "[c]" where hidden;
    ``reason`` (why not compared) where the comparison is not made. Never a zero or a blank for a
    figure that is hidden or missing: the template prints "[c]", the reason or "n/a"."""
    hidden = focus["hidden"].to_numpy(dtype=bool)
    group_hidden = focus["group_hidden"].to_numpy(dtype=bool)
    comparable = focus["is_comparable"].fillna(False).astype(bool).to_numpy()
    rank = focus["rank_in_group"].astype(float)
    rank_text = rank.map(lambda v: f"{v:.0f}").astype(object) + " of " + focus["ranked_of"].astype(float).map(
        lambda v: f"{v:.0f}")
    out = pd.DataFrame({
        "indicator_id": focus["indicator_id"].to_numpy(), "indicator_name": focus["indicator_name"].to_numpy(),
        "area_code": focus["report_area_code"].to_numpy(), "area_name": focus["report_area_name"].to_numpy(),
        "group_id": focus["group_id"].to_numpy(), "kind": focus["kind"].to_numpy(),
        "rate": np.where(hidden, SUPPRESSED, focus["rate_per_1000"].astype(object)),
        "average": np.where(group_hidden, SUPPRESSED, focus["group_average_rate"].astype(object)),
        "rank": np.where(hidden, SUPPRESSED, np.where(rank.notna(), rank_text, None)),
        "position": np.where(group_hidden, SUPPRESSED, focus["position_vs_peers"].astype(object).str.capitalize()),
        "position_code": focus["position_vs_peers"].to_numpy(),
        "funnel": np.where(group_hidden, SUPPRESSED, focus["funnel_position"].map(charts.FUNNEL_POSITION_WORDS)),
        "reason": np.where(comparable, None, focus["reason"].astype(object)),
        "status": focus["status"].to_numpy(),
    })
    return out.astype(object).where(out.notna(), None)


class PeerDisclosureFailed(RuntimeError):
    """A peer figure the report would show breaks disclosure control: nothing is written."""


def disclosure_problems(tables: Any, peers: PeerTables) -> pd.DataFrame:
    """The peer rows that would break disclosure control if shown (empty when it holds): a visible
    small count of a sensitive theme (the dashboard's last look, ``visible_small_counts``), a
    hidden member with a figure left, a group with a hidden member that still shows its average or
    limits, or one of the report's own areas whose count the scorecard hides shown here."""
    from reporting.dashboard_tables import visible_small_counts

    rows = peers.rows
    if rows.empty:
        return rows
    small = visible_small_counts(rows, ["count"], tables.catalogue, tables.rules).index
    hidden, group_hidden = rows["hidden"].astype(bool), rows["group_hidden"].astype(bool)
    member_left = hidden & rows[["count", "rate_per_1000", "rank_in_group"]].notna().any(axis=1)
    group_left = group_hidden & rows[["group_average_rate", "funnel_lower_95", "funnel_upper_95"]].notna().any(axis=1)
    keys = _scorecard_hidden(tables, peers.focus, SCORECARD_COUNT[peers.period_type])
    own = peer_control.own_hidden(rows, keys, ["indicator_id", "area_code"]) & ~hidden.to_numpy()
    bad = rows.index.isin(small) | member_left.to_numpy() | group_left.to_numpy() | own
    return rows[bad]


def check_disclosure(tables: Any, *peers: PeerTables) -> None:
    """Raise PeerDisclosureFailed (before any file is written) if a peer table breaks control."""
    for p in peers:
        bad = disclosure_problems(tables, p)
        if len(bad):
            raise PeerDisclosureFailed(
                f"disclosure control failed in the peer comparison of {p.period_label}: {len(bad)} rows, e.g. "
                f"{bad[['indicator_id', 'group_id', 'area_code']].head(3).to_dict('records')}")


# The peer rows as the workbook and CSV publish them: (column, header), mart names first.
EXPORT_COLUMNS = [
    ("indicator_id", "Indicator id"), ("indicator_name", "Indicator"), ("group_id", "Peer group"),
    ("focus_area_code", "Focus area code"), ("area_code", "Area code"), ("area_name", "Area"),
    ("is_focus_area", "Focus area"), ("period_type", "Period type"), ("period_label", "Period"),
    ("count", "Count"), ("population", "Population"), ("rate_per_1000", "Rate per 1,000"),
    ("group_average_rate", "Peer average rate per 1,000"), ("rank_in_group", "Rank in group (1 = highest)"),
    ("ranked_of", "Members ranked"), ("position_vs_peers", "Against the peer average"),
    ("position_p_value", "p-value of the position"), ("funnel_position", "Funnel plot position"),
    ("funnel_lower_998", "Lower 99.8% limit"), ("funnel_lower_95", "Lower 95% limit"),
    ("funnel_upper_95", "Upper 95% limit"), ("funnel_upper_998", "Upper 99.8% limit"),
    ("is_comparable", "Compared"), ("status", "Status"), ("status_reason", "Why not shown or not compared"),
]
MEMBER_EXPORT = ("count", "rate_per_1000", "rank_in_group")
GROUP_EXPORT = ("group_average_rate", "position_vs_peers", "position_p_value", "funnel_position", "funnel_lower_998",
                "funnel_lower_95", "funnel_upper_95", "funnel_upper_998")


def export_frame(*peers: PeerTables) -> pd.DataFrame:
    """Every controlled peer row of the periods given (EXPORT_COLUMNS), with "[c]" in each hidden
    cell and "[x]" in each figure not available (``status_reason`` says why), never a blank."""
    parts = [p.rows for p in peers if p is not None and p.available]
    if not parts:
        return pd.DataFrame(columns=[c for c, _ in EXPORT_COLUMNS])
    rows = pd.concat(parts, ignore_index=True)
    out = rows.assign(status=status_of(rows), status_reason=member_reason(rows))
    out["status_reason"] = out["status_reason"].where(~out["hidden"].astype(bool), "not published (small numbers)")
    out["status_reason"] = out["status_reason"].where(
        ~(out["group_hidden"].astype(bool) & ~out["hidden"].astype(bool)),
        "group figures not published: a member's figure is hidden (small numbers)")
    out = out[[c for c, _ in EXPORT_COLUMNS]].astype(object)
    comparable = rows["is_comparable"].fillna(False).astype(bool).to_numpy()
    for column in (*MEMBER_EXPORT, *GROUP_EXPORT):
        hidden = rows["hidden" if column in MEMBER_EXPORT else "group_hidden"].to_numpy(dtype=bool)
        missing = out[column].isna().to_numpy() & (~comparable if column in GROUP_EXPORT else np.ones(len(out), bool))
        out[column] = np.where(hidden, SUPPRESSED, np.where(missing, "[x]", out[column]))
    return out.astype(object).where(out.notna(), None)
