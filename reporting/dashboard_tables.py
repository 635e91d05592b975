"""The dashboard's controlled tables: every quarter it offers and every area's series, as one output.

The dashboard lets a reader pick any area and any of the recent quarters, so it publishes, in one
file, what several quarterly reports would publish together plus the monthly series of every
reporting area (the reports draw only the force area's). Controlling each quarter on its own would
let a reader difference two quarters, or a district's months against its quarter, to recover a
hidden count. So everything the page shows is put through disclosure control *once*, as one
output, with the same cells, constraints and rules as ``tables.quarterly_tables`` (area hierarchy
for every count; months -> quarter and months -> 12 months, or quarters -> 12 months for a source
counted by quarter, for every quarter shown and its quarter a year before) and the same building
blocks (``tables`` and ``disclosure``): one implementation of the rules, no second copy. And
because the page and the quarterly reports may be read side by side, every cell a quarterly report
of one of its quarters hides is hidden here too, from the start, and the further cells hidden to
protect them are, wherever possible, cells no report shows (``report_cells``): reading the page
beside a report gives back nothing either protects.

The scorecard rows of each quarter keep the mart's columns (plus ``suppressed``), so each quarter
passes the same Great Expectations suite as the quarterly report before the page is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from reporting import disclosure, tables
from reporting.periods import Quarter, latest_quarter

# How many quarter ends the period selector offers (two years) and how many months a trend shows.
MAX_QUARTERS = 8
TREND_MONTHS = 36


@dataclass
class DashboardTables:
    """Everything the dashboard shows, disclosure-controlled as one output."""

    quarters: list[Quarter]  # the period selector, oldest first
    scorecard: pd.DataFrame  # every quarter's mart rows (+ OPTIONAL_COLUMNS, ``suppressed``); hidden cells NaN
    hidden: pd.DataFrame     # which cells of ``scorecard`` disclosure control hid (bool, same index)
    series: pd.DataFrame     # SERIES_COLUMNS of every reporting area, each indicator at its own grain
    catalogue: pd.DataFrame
    geography: tables.Geography
    key_issues: list[str]
    mart_columns: list[str]
    rules: disclosure.DisclosureRules
    cells: pd.DataFrame = field(repr=False)  # every controlled cell (primary / suppressed)
    # the count cells (CELL_KEY, value, suppressed) and the additive constraints between them, as
    # controlled: what a reader could solve (``exposed`` checks them, alone or beside other outputs)
    counts: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    constraints: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    @property
    def latest(self) -> Quarter:
        return self.quarters[-1]

    def quarter_rows(self, quarter: Quarter) -> pd.DataFrame:
        """The controlled scorecard rows of one quarter (what the GE suite checks)."""
        rows = self.scorecard
        return rows[(rows["financial_year"] == quarter.year.label) & (rows["fy_quarter"] == quarter.number)]

    def exposed(self, shown_elsewhere: pd.DataFrame | None = None) -> np.ndarray:
        """Constraints a reader could solve for exactly one hidden count: of the page alone, or of
        the page read beside outputs that show ``shown_elsewhere`` (CELL_KEY rows). Empty when
        disclosure control holds."""
        hidden = self.counts["suppressed"].to_numpy(dtype=bool)
        if shown_elsewhere is not None and len(shown_elsewhere):
            keys = pd.MultiIndex.from_frame(self.counts[disclosure.CELL_KEY].astype(str))
            hidden = hidden & ~keys.isin(pd.MultiIndex.from_frame(shown_elsewhere[disclosure.CELL_KEY].astype(str)))
        return disclosure.exposed_constraints(hidden, self.constraints)

    @property
    def suppressed_cells(self) -> int:
        return int(self.cells["suppressed"].sum())

    @property
    def primary_cells(self) -> int:
        return int(self.cells["primary"].sum())


def selectable_quarters(con: duckdb.DuckDBPyConnection, most: int = MAX_QUARTERS) -> list[Quarter]:
    """The quarter ends the period selector offers, oldest first: up to ``most`` quarters ending
    with the latest complete one (``marts.mart_reporting_period``'s rule), each with values, and
    12-month figures, for at least half as many indicators as the latest quarter has (a quarter
    before a year of data has no rolling figures to show, and one before most feeds start has
    hardly any figure at all)."""
    latest = latest_quarter(con)
    if latest is None:
        return []
    found = con.execute(
        """with per_quarter as (
               select financial_year, fy_quarter,
                      count(distinct indicator_id) filter (where value is not null) as with_value,
                      count(distinct indicator_id) filter (where rolling_12m is not null) as with_window
               from marts.mart_scorecard_quarterly
               where financial_year < $1 or (financial_year = $1 and fy_quarter <= $2)
               group by all),
           latest as (select * from per_quarter where financial_year = $1 and fy_quarter = $2)
           select p.financial_year, p.fy_quarter from per_quarter p, latest l
           where 2 * p.with_value >= l.with_value and 2 * p.with_window >= l.with_window and p.with_window > 0
           order by p.financial_year desc, p.fy_quarter desc limit $3""",
        [latest.year.label, latest.number, most]).fetchall()
    quarters = sorted((Quarter.of(fy, q) for fy, q in found), key=lambda q: (q.year.label, q.number))
    return quarters or [latest]


def trend_months(quarters: list[Quarter]) -> list:
    """The months the trends span: 36 months to the latest quarter, or more when the first quarter
    offered needs its 12 months and the 12 before (always whole financial quarters)."""
    span = max(TREND_MONTHS, 24 + 3 * (len(quarters) - 1))
    return quarters[-1].months_back(span)


def _compositions(quarters: list[Quarter]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(months -> quarter and 12 months, quarters -> 12 months) of every quarter shown and of its
    quarter a year before (the scorecard's "same quarter last year" and "previous 12 months")."""
    every = {q for quarter in quarters for q in (quarter, Quarter(quarter.year.previous(), quarter.number))}
    months, quarter_parts = [], []
    for q in sorted(every, key=lambda q: (q.year.label, q.number)):
        months += [("quarter", q.label, m.isoformat()) for m in q.months_back(3)]
        months += [("12 months", q.end_month.isoformat(), m.isoformat()) for m in q.months_back(12)]
        quarter_parts += [("12 months", q.end_month.isoformat(), label)
                          for label in tables._quarter_labels(q.months_back(12)[2::3])]
    columns = ["measure", "period", "month"]
    return pd.DataFrame(months, columns=columns), pd.DataFrame(quarter_parts, columns=columns)


def _survey_series(con: duckdb.DuckDBPyConnection, cat: pd.DataFrame, areas: list[str],
                   months: list) -> pd.DataFrame:
    """Survey estimates of every area by quarter, as the survey's own rules publish them (not counts:
    not controlled as counts, exactly as the quarterly report's force-area trend)."""
    labels = tables._quarter_labels(months[2::3])
    parts = [tables._survey_series(con, cat, area, labels) for area in areas]
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=tables.SERIES_COLUMNS)


def report_cells(con: duckdb.DuckDBPyConnection, quarters: list[Quarter], settings: dict[str, Any]) -> pd.DataFrame:
    """CELL_KEY + ``suppressed`` of every count the quarterly report of each quarter publishes or
    hides (``quarterly_tables``, exactly as the nightly job and ``csw report`` build it); a cell
    two reports treat differently is listed twice (once hidden)."""
    parts = []
    for quarter in quarters:  # one report per quarter (a handful)
        try:
            report = tables.quarterly_tables(con, quarter, settings)
        except LookupError:  # no scorecard rows for the quarter: no report, nothing it hides
            continue
        parts.append(report.cells[[*disclosure.CELL_KEY, "suppressed"]])
    if not parts:
        return pd.DataFrame(columns=[*disclosure.CELL_KEY, "suppressed"])
    return pd.concat(parts, ignore_index=True).drop_duplicates()


def dashboard_tables(con: duckdb.DuckDBPyConnection, settings: dict[str, Any],
                     quarters: list[Quarter] | None = None) -> DashboardTables:
    """The controlled scorecard of every quarter offered and the series of every reporting area.

    Raises LookupError when the scorecard mart has no complete quarter."""
    quarters = quarters or selectable_quarters(con)
    if not quarters:
        raise LookupError("the scorecard mart has no complete quarter: load at least 3 months of a feed")
    rules = disclosure.DisclosureRules.from_settings(settings)
    geo = tables.geography(con, settings)
    cat = tables.catalogue(con)
    columns = tables._mart_columns(con)
    rows = con.execute(
        """select * from marts.mart_scorecard_quarterly
           where financial_year || ' Q' || fy_quarter in (select unnest(?))
           order by financial_year, fy_quarter, indicator_id, area_code""", [[q.label for q in quarters]]).df()
    rows = tables._with_optional_columns(rows)
    months = trend_months(quarters)
    areas = geo.areas["area_code"].tolist()
    counted = sorted(set(rows.loc[tables.windowed(rows), "indicator_id"]))
    grains = tables.grain_of(cat)
    series = tables._series_of(con, cat, counted, areas, months, grains)

    per_quarter = [rows[(rows["financial_year"] == q.year.label) & (rows["fy_quarter"] == q.number)]
                   .reset_index(drop=True) for q in quarters]
    row_cells = [tables._scorecard_cells(r, q) for r, q in zip(per_quarter, quarters)]
    cells = pd.concat([*(c.drop(columns=["row", "column"]) for c in row_cells),
                       tables._series_cells(series, cat)], ignore_index=True)

    month_comp, quarter_comp = _compositions(quarters)
    additive = cat.loc[cat["is_additive"].fillna(False).astype(bool), "indicator_id"]
    by_quarter = set(grains[grains == "quarter"].index) & set(additive)
    by_month = set(additive) - by_quarter

    def constraints_of(counts: pd.DataFrame) -> pd.DataFrame:
        return disclosure.combine(
            disclosure.area_constraints(counts, geo.hierarchies, additive),
            disclosure.time_constraints(counts, month_comp, member="month", indicators=by_month),
            disclosure.time_constraints(counts, quarter_comp, member="quarter", indicators=by_quarter),
        )

    # the page and the quarterly reports of its quarters may be read side by side: it hides every
    # cell a report hides, and protects with cells no report shows wherever it can
    controlled = tables._control(cells, cat, rules, constraints_of, report_cells(con, quarters, settings))
    ratio = controlled["indicator_id"].isin(tables.ratio_indicators(cat)["indicator_id"]).to_numpy()
    counts = controlled[~ratio].reset_index(drop=True)  # the cells, in the order _control constrained them
    applied = [tables._apply(r, c, controlled) for r, c in zip(per_quarter, row_cells)]
    extras = [c for c in tables.OPTIONAL_COLUMNS if c not in columns]
    scorecard = pd.concat([a[0][columns + extras + ["suppressed"]] for a in applied], ignore_index=True)
    hidden = pd.concat([a[1] for a in applied], ignore_index=True).reindex(index=scorecard.index)
    hidden = hidden.astype("boolean").fillna(False).astype(bool)
    series = tables._mark(series, controlled)
    series = pd.concat([series, _survey_series(con, cat, areas, months)], ignore_index=True)
    series = series.sort_values(["indicator_id", "area_code", "period_start"]).reset_index(drop=True)
    return DashboardTables(quarters, scorecard, hidden, series, cat, geo, tables.key_issue_order(cat, settings),
                           columns, rules, controlled, counts, constraints_of(counts))


def visible_small_counts(frame: pd.DataFrame, value_columns: list[str], cat: pd.DataFrame,
                         rules: disclosure.DisclosureRules) -> pd.DataFrame:
    """Rows of ``frame`` (with indicator_id) that show a count 1 .. threshold-1 of a sensitive theme
    in any of ``value_columns``: disclosure control failed if there is one (checked before writing).
    Ratios, survey estimates and published figures are not counts and are not looked at."""
    kinds = cat.set_index("indicator_id")
    theme = frame["indicator_id"].map(kinds["theme"])
    is_count = frame["indicator_id"].map(kinds["value_kind"] if "value_kind" in kinds.columns
                                         else pd.Series("count", index=kinds.index)).fillna("count").eq("count")
    sensitive = rules.is_sensitive(theme.astype(object).where(theme.notna(), "")) & is_count.to_numpy()
    small = np.zeros(len(frame), dtype=bool)
    for column in value_columns:
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        small |= rules.primary(values, sensitive)
    return frame[small]
