"""The tables every output shows, read from the marts and put through disclosure control once.

``quarterly_tables`` and ``annual_tables`` read everything an output will show (scorecard rows of
every area, the months of the trend charts, the financial years of the five-year trends), build
the cells and the additive constraints between them, suppress, and return frames in which
suppressed cells are NaN. The HTML, workbook, CSV and PDF of one period all render the same
controlled frames, so what is hidden in one is hidden in all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from reporting import disclosure
from reporting.periods import FinancialYear, Quarter

# Counts in a scorecard row: (measure, period of the cell) for a quarter q.
COUNT_COLUMNS = ("value", "value_same_quarter_last_year", "rolling_12m", "rolling_12m_previous")
# value_status of a cell whose value is not available (the mart's column), in a few words for readers.
STATUS_LABELS = {
    "not_received": "not received",
    "quarantined": "quarantined",
    "no_denominator": "no denominator",
    "no_population": "no population",
    "small_base": "too few respondents",
    "suppressed": "not published by the source",
}
# value_kind of the rows whose value is a count (or a ratio of counts) of the warehouse's own, with
# rolling windows: the rows disclosure control protects. Survey estimates and figures published by
# others (value_kind survey_estimate, published_figure) come with their own suppression and are
# shown as their source gives them: a value, its interval and its period.
WINDOWED_KINDS = ("count", "ratio")
# Counts that are not available with the row's value: the quarter, and the 12 months that include it.
NOT_AVAILABLE_WITH_VALUE = ("value", "rolling_12m")


def not_available_with_value(value_kind: Any) -> tuple[str, ...]:
    """The cells not available with a row's value: the quarter and its 12 months for a count or
    ratio; only the value for a survey estimate or published figure (it has no 12 months at all)."""
    if isinstance(value_kind, str) and value_kind not in WINDOWED_KINDS:
        return ("value",)
    return NOT_AVAILABLE_WITH_VALUE


def status_label(status: Any) -> str | None:
    """'not received', 'quarantined', ... for a value_status other than available; None otherwise."""
    if status is None or status is pd.NA or (isinstance(status, float) and np.isnan(status)) or status == "available":
        return None
    return STATUS_LABELS.get(str(status), str(status).replace("_", " "))


def windowed(rows: pd.DataFrame) -> np.ndarray:
    """Rows whose value is a count or ratio with rolling windows (all rows when the table has no
    value_kind, e.g. a warehouse built before published values existed)."""
    if "value_kind" not in rows.columns:
        return np.ones(len(rows), dtype=bool)
    return rows["value_kind"].isin(WINDOWED_KINDS).to_numpy() | rows["value_kind"].isna().to_numpy()


def not_available(rows: pd.DataFrame) -> np.ndarray:
    """Rows whose value is not available (value_status other than 'available'; all rows are
    available when the table has no value_status, e.g. a warehouse built before it existed)."""
    if "value_status" not in rows.columns:
        return np.zeros(len(rows), dtype=bool)
    status = rows["value_status"]
    return (status.notna() & (status.astype(str) != "available")).to_numpy()
# Derived columns and the counts they are computed from: hidden when any of those is.
DERIVED = {
    "pct_change": ("value", "value_same_quarter_last_year"),
    "rate_per_1000": ("rolling_12m",),
    "rate": ("rolling_12m",),
    "p_value": ("rolling_12m", "rolling_12m_previous"),
    "significant_change": ("rolling_12m", "rolling_12m_previous"),
    "direction": ("rolling_12m", "rolling_12m_previous"),
    "rag": ("rolling_12m", "rolling_12m_previous"),
    "district_rank": ("rolling_12m",),
}


@dataclass
class Geography:
    """Reporting areas and how the aggregates are made of districts (from marts.dim_area)."""

    areas: pd.DataFrame  # area_code, area_name, area_type, cluster, in_lancashire_12, in_lancashire_14
    county: str
    force_area: str
    hierarchies: dict[str, list[str]]

    @property
    def districts(self) -> pd.DataFrame:
        """The 14 districts and unitaries, in name order."""
        return self.areas[self.areas["is_district"]].sort_values("area_name")

    def name(self, code: str) -> str:
        match = self.areas.loc[self.areas["area_code"] == code, "area_name"]
        return str(match.iloc[0]) if len(match) else code


def geography(con: duckdb.DuckDBPyConnection, settings: dict[str, Any]) -> Geography:
    areas = con.execute(
        """select area_code, area_name, area_type, cluster, coalesce(in_lancashire_12, false) as in_lancashire_12,
                  coalesce(in_lancashire_14, false) as in_lancashire_14, coalesce(is_district, false) as is_district
           from marts.dim_area where is_reporting_area order by area_code"""
    ).df()
    force_area = settings.get("geography", {}).get("force_area_code", "E23000003")
    county_rows = areas.loc[areas["area_type"] == "county", "area_code"]
    county = str(county_rows.iloc[0]) if len(county_rows) else "E10000017"
    districts = areas[areas["is_district"]]
    hierarchies = {
        county: districts.loc[districts["in_lancashire_12"], "area_code"].tolist(),
        force_area: districts.loc[districts["in_lancashire_14"], "area_code"].tolist(),
    }
    for cluster in areas.loc[areas["area_type"] == "cluster", "area_code"]:
        hierarchies[str(cluster)] = districts.loc[districts["cluster"] == cluster, "area_code"].tolist()
    hierarchies = {k: v for k, v in hierarchies.items() if v}
    return Geography(areas, county, force_area, hierarchies)


def catalogue(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The indicator catalogue in its order (the order the partnership lists its indicators):
    ``marts.dim_indicator`` (the catalogue seed plus the OHID Fingertips indicators its seed selects),
    or the seed itself in a warehouse built before that mart existed."""
    has_dim = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = 'dim_indicator'"
    ).fetchone()[0]
    if has_dim:
        return con.execute("select * from marts.dim_indicator order by catalogue_order").df()
    return con.execute("select * from reference.indicator_catalogue order by rowid").df()


def key_issue_order(cat: pd.DataFrame, settings: dict[str, Any]) -> list[str]:
    """Key issues in the Board's order: by priority (``[reporting] priority_order``), then as listed."""
    order = [p.lower() for p in settings.get("reporting", {}).get("priority_order", [])]
    issues = cat[["key_issue", "priority"]].drop_duplicates("key_issue")
    issues = issues.assign(rank=issues["priority"].fillna("").str.lower().map(
        lambda p: order.index(p) if p in order else len(order)))
    return issues.sort_values(["rank", "key_issue"], kind="stable")["key_issue"].tolist()


def _scorecard_cells(rows: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    """The four counts of each scorecard row (all of one quarter) as cells with their true periods:
    the quarter, the same quarter a year before, and the 12 months ending with each. Only the rows
    of counts and ratios (``windowed``): a survey estimate or a published figure is not a count."""
    counted = windowed(rows)
    last_year = Quarter(quarter.year.previous(), quarter.number)
    specs = {
        "value": ("quarter", quarter.label),
        "value_same_quarter_last_year": ("quarter", last_year.label),
        "rolling_12m": ("12 months", quarter.end_month.isoformat()),
        "rolling_12m_previous": ("12 months", last_year.end_month.isoformat()),
    }
    parts = []
    for column, (measure, period) in specs.items():
        parts.append(pd.DataFrame({
            "indicator_id": rows["indicator_id"].to_numpy(), "area_code": rows["area_code"].to_numpy(),
            "measure": measure, "period": period, "value": rows[column].to_numpy(dtype=float),
            "theme": rows["theme"].to_numpy(), "row": np.arange(len(rows)), "column": column,
        })[counted])
    return pd.concat(parts, ignore_index=True)


def _apply(rows: pd.DataFrame, row_cells: pd.DataFrame, controlled: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Blank the suppressed counts of scorecard rows, then everything derived from them.

    Returns the controlled rows and a boolean frame (same index) of which cells were hidden, so an
    output can tell "not published" from "not available"."""
    flags = row_cells.merge(controlled[disclosure.CELL_KEY + ["suppressed"]], on=disclosure.CELL_KEY, how="left")
    flags["suppressed"] = flags["suppressed"].fillna(False).astype(bool)
    hidden = flags.pivot_table(index="row", columns="column", values="suppressed", aggfunc="max").reindex(
        index=np.arange(len(rows)), columns=list(COUNT_COLUMNS)).astype("boolean").fillna(False).astype(bool)
    out = rows.copy()
    mask_frame = pd.DataFrame(index=rows.index)
    any_hidden = np.zeros(len(rows), dtype=bool)
    for column in COUNT_COLUMNS:
        # a cell with no value (not available, or no window yet) has nothing to hide: it shows as such
        mask = hidden[column].to_numpy() & rows[column].notna().to_numpy()
        any_hidden |= mask
        mask_frame[column] = mask
        out[column] = out[column].astype(float).mask(mask)
    for column, sources in DERIVED.items():
        if column not in out.columns:
            continue
        mask = np.logical_or.reduce([hidden[s].to_numpy() for s in sources]) & out[column].notna().to_numpy()
        any_hidden |= mask
        mask_frame[column] = mask
        kind = str(rows[column].dtype)
        if kind in ("bool", "boolean") or column == "significant_change":
            out[column] = out[column].astype("boolean").mask(mask)
        elif kind in ("object", "string"):
            out[column] = out[column].astype(object).where(~mask, None)
        else:
            out[column] = out[column].astype(float).mask(mask)
    out["suppressed"] = any_hidden
    return out, mask_frame


@dataclass
class QuarterlyTables:
    quarter: Quarter
    scorecard: pd.DataFrame  # mart columns for the quarter + ``suppressed``; hidden cells NaN/None
    monthly: pd.DataFrame    # indicator_id, area_code, month, value (NaN where hidden), suppressed
    catalogue: pd.DataFrame
    geography: Geography
    key_issues: list[str]
    mart_columns: list[str]
    rules: disclosure.DisclosureRules
    cells: pd.DataFrame = field(repr=False)  # every controlled cell: what was hidden, primary or not
    hidden: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)  # scorecard cells hidden (bool)

    @property
    def suppressed_cells(self) -> int:
        return int(self.cells["suppressed"].sum())

    @property
    def primary_cells(self) -> int:
        return int(self.cells["primary"].sum())


def _mart_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(
        """select column_name from information_schema.columns
           where table_schema = 'marts' and table_name = 'mart_scorecard_quarterly' order by ordinal_position"""
    ).fetchall()]


def quarterly_tables(con: duckdb.DuckDBPyConnection, quarter: Quarter, settings: dict[str, Any],
                     trend_months: int = 36) -> QuarterlyTables:
    """The controlled scorecard of one quarter and the 36 months of its trend charts.

    Trend charts show the police force area (Lancashire-14): its monthly cells are tied to the
    quarter and 12-month counts by time constraints; every count is tied across areas by the
    area hierarchy (county = 12 districts, force area = 14, clusters = their members).
    """
    rules = disclosure.DisclosureRules.from_settings(settings)
    geo = geography(con, settings)
    cat = catalogue(con)
    columns = _mart_columns(con)
    rows = con.execute(
        "select * from marts.mart_scorecard_quarterly where financial_year = ? and fy_quarter = ? "
        "order by indicator_id, area_code", [quarter.year.label, quarter.number]).df()
    if rows.empty:
        raise LookupError(f"the scorecard mart has no rows for {quarter.label}: is the quarter complete and loaded?")
    months = quarter.months_back(trend_months)
    monthly = con.execute(
        """select m.indicator_id, m.area_code, m.month, m.value from marts.mart_indicator_monthly m
           where m.area_code = ? and m.month between ? and ?
             and m.indicator_id in (select distinct indicator_id from marts.mart_scorecard_quarterly
                                    where financial_year = ? and fy_quarter = ?)
           order by m.indicator_id, m.month""",
        [geo.force_area, months[0], months[-1], quarter.year.label, quarter.number]).df()
    monthly["month"] = pd.to_datetime(monthly["month"]).dt.date
    monthly = monthly.merge(cat[["indicator_id", "theme"]], on="indicator_id", how="left")

    row_cells = _scorecard_cells(rows, quarter)
    month_cells = pd.DataFrame({
        "indicator_id": monthly["indicator_id"], "area_code": monthly["area_code"], "measure": "month",
        "period": monthly["month"].map(dt.date.isoformat), "value": monthly["value"].astype(float),
        "theme": monthly["theme"]})
    cells = pd.concat([row_cells.drop(columns=["row", "column"]), month_cells], ignore_index=True)
    cells = cells.drop_duplicates(disclosure.CELL_KEY).reset_index(drop=True)

    compositions = []
    for q in (quarter, Quarter(quarter.year.previous(), quarter.number)):
        compositions += [("quarter", q.label, m.isoformat()) for m in q.months_back(3)]
        compositions += [("12 months", q.end_month.isoformat(), m.isoformat()) for m in q.months_back(12)]
    comp = pd.DataFrame(compositions, columns=["measure", "period", "month"])
    additive = cat.loc[cat["is_additive"].fillna(False).astype(bool), "indicator_id"]
    constraints = disclosure.combine(
        disclosure.area_constraints(cells, geo.hierarchies, additive),
        disclosure.time_constraints(cells, comp),
    )
    controlled = disclosure.control(cells, rules, constraints)

    scorecard, hidden = _apply(rows, row_cells, controlled)
    scorecard = scorecard[columns + ["suppressed"]]
    flags = controlled.loc[controlled["measure"] == "month", ["indicator_id", "area_code", "period", "suppressed"]]
    monthly = monthly.assign(period=monthly["month"].map(dt.date.isoformat)).merge(
        flags, on=["indicator_id", "area_code", "period"], how="left").drop(columns=["period", "theme"])
    monthly["suppressed"] = monthly["suppressed"].fillna(False).astype(bool)
    monthly["value"] = monthly["value"].astype(float).mask(monthly["suppressed"])
    return QuarterlyTables(quarter, scorecard, monthly, cat, geo, key_issue_order(cat, settings), columns, rules,
                           controlled, hidden)


@dataclass
class AnnualTables:
    year: FinancialYear
    scorecard: pd.DataFrame  # mart rows of the year's Q4 (rolling 12 months = the year) + ``suppressed``
    yearly: pd.DataFrame     # indicator_id, area_code, financial_year, value (NaN where hidden), suppressed
    years: list[FinancialYear]
    catalogue: pd.DataFrame
    geography: Geography
    key_issues: list[str]
    mart_columns: list[str]
    rules: disclosure.DisclosureRules
    cells: pd.DataFrame = field(repr=False)
    hidden: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    @property
    def suppressed_cells(self) -> int:
        return int(self.cells["suppressed"].sum())

    @property
    def primary_cells(self) -> int:
        return int(self.cells["primary"].sum())


def annual_tables(con: duckdb.DuckDBPyConnection, year: FinancialYear, settings: dict[str, Any],
                  trend_years: int = 5) -> AnnualTables:
    """The controlled year (the mart's Q4 rows: rolling 12 months to March = the financial year) and
    up to five financial years of totals for every area (complete years of each source only: a
    year with a month not available, e.g. a quarantined MARAC return, has no total)."""
    rules = disclosure.DisclosureRules.from_settings(settings)
    geo = geography(con, settings)
    cat = catalogue(con)
    columns = _mart_columns(con)
    kinds = "value_kind" in columns
    # indicators with all four quarters of the year (a source that starts in January has a Q4 too);
    # a survey estimate or published figure with a value in the year (a survey may run once a year)
    published = f" or bool_or(value_kind not in {WINDOWED_KINDS})" if kinds else ""
    rows = con.execute(
        f"""select * from marts.mart_scorecard_quarterly where financial_year = ? and fy_quarter = 4
             and indicator_id in (select indicator_id from marts.mart_scorecard_quarterly
                                  where financial_year = ? and value is not null
                                  group by all having count(distinct fy_quarter) = 4{published})
           order by indicator_id, area_code""", [year.label, year.label]).df()
    if rows.empty:
        raise LookupError(f"the scorecard mart has no fourth quarter of {year.label}: is the year complete and loaded?")
    years = [year.previous(n) for n in range(trend_years - 1, -1, -1)]
    yearly = con.execute(
        """select m.indicator_id, m.area_code, d.financial_year, sum(m.value) as value, count(*) as months
           from marts.mart_indicator_monthly m join marts.dim_month d using (month)
           where d.financial_year in (select unnest(?))
             and m.indicator_id in (select unnest(?))
           group by all having count(m.value) = 12 order by all""",
        [[y.label for y in years], sorted(set(rows["indicator_id"]))]).df().drop(columns=["months"])
    yearly = yearly.merge(cat[["indicator_id", "theme"]], on="indicator_id", how="left")

    q4 = Quarter(year, 4)
    row_cells = _scorecard_cells(rows, q4)
    # the rolling 12 months to March of a year and of the year before are those years' totals
    as_year = {q4.end_month.isoformat(): year.label,
               Quarter(year.previous(), 4).end_month.isoformat(): year.previous().label}
    twelve = row_cells["measure"] == "12 months"
    row_cells.loc[twelve, "period"] = row_cells.loc[twelve, "period"].map(as_year)
    row_cells.loc[twelve, "measure"] = "year"
    year_cells = pd.DataFrame({
        "indicator_id": yearly["indicator_id"], "area_code": yearly["area_code"], "measure": "year",
        "period": yearly["financial_year"], "value": yearly["value"].astype(float), "theme": yearly["theme"]})
    cells = pd.concat([row_cells.drop(columns=["row", "column"]), year_cells], ignore_index=True)
    cells = cells.drop_duplicates(disclosure.CELL_KEY).reset_index(drop=True)
    additive = cat.loc[cat["is_additive"].fillna(False).astype(bool), "indicator_id"]
    constraints = disclosure.area_constraints(cells, geo.hierarchies, additive)
    controlled = disclosure.control(cells, rules, constraints)

    scorecard, hidden = _apply(rows, row_cells, controlled)
    scorecard = scorecard[columns + ["suppressed"]]
    flags = controlled.loc[controlled["measure"] == "year", ["indicator_id", "area_code", "period", "suppressed"]]
    yearly = yearly.merge(flags.rename(columns={"period": "financial_year"}),
                          on=["indicator_id", "area_code", "financial_year"], how="left").drop(columns=["theme"])
    yearly["suppressed"] = yearly["suppressed"].fillna(False).astype(bool)
    yearly["value"] = yearly["value"].astype(float).mask(yearly["suppressed"])
    if kinds:
        # survey estimates and published figures have no months: a year's value is the one shown at
        # its fourth quarter (the latest wave or published period by March), as published
        as_published = con.execute(
            f"""select indicator_id, area_code, financial_year, value, false as suppressed
               from marts.mart_scorecard_quarterly
               where fy_quarter = 4 and value is not null and value_kind not in {WINDOWED_KINDS}
                 and financial_year in (select unnest(?)) and indicator_id in (select unnest(?))
               order by all""", [[y.label for y in years], sorted(set(rows["indicator_id"]))]).df()
        if not as_published.empty:
            yearly = pd.concat([yearly, as_published], ignore_index=True)
    present = sorted(set(yearly["financial_year"]))
    return AnnualTables(year, scorecard, yearly, [y for y in years if y.label in present], cat, geo,
                        key_issue_order(cat, settings), columns, rules, controlled, hidden)
