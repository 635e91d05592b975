"""The tables every output shows, read from the marts and put through disclosure control once.

``quarterly_tables`` and ``annual_tables`` read everything an output will show (scorecard rows of
every area, the trend charts' series at each indicator's own grain: months, quarters for MARAC,
financial years for the annual trends), build the cells and the additive constraints between them,
suppress, and return frames in which suppressed cells are NaN. Any period's value of a ratio is
the ratio of the period's sums, and a period with a month not available has no value (a gap,
never a zero or a partial sum). The HTML, workbook, CSV and PDF of one period all render the same
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
from warehouse.settings import settings_of

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
    "incomplete_lookback": "no full 12-month lookback",
    "no_data": "no data for the period",
    "incomplete_period": "not every month of the period available",
}
# status of a cell in a series (one indicator, area and period at the series' grain)
SERIES_COLUMNS = ["indicator_id", "area_code", "grain", "period_start", "period_label", "value", "status",
                  "status_reason"]
# value_status of a month whose components a ratio of sums can still use (its own denominator is 0)
RATIO_USABLE = ("available", "no_denominator")
# Columns h4's scorecard mart adds (position of a district against the rest of the county): a
# warehouse built before them gets them as nulls so that every output can rely on them.
OPTIONAL_COLUMNS = {"position_vs_county": object, "position_p_value": float}
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


def status_labels(statuses: pd.Series) -> pd.Series:
    """``status_label`` of a column of value_status codes (None where there is none)."""
    codes = statuses.astype(object)
    labels = codes.map(STATUS_LABELS).fillna(codes.where(codes.notna()).astype(str).str.replace("_", " "))
    return labels.astype(object).where(codes.notna() & (codes != "available"), None)


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
    "position_vs_county": ("rolling_12m",),
    "position_p_value": ("rolling_12m",),
}


def is_percent_unit(unit: Any) -> bool:
    """A percentage ("percent", "percentage", "% of residents"): its change is in percentage points."""
    text = "" if unit is None or unit is pd.NA or (isinstance(unit, float) and np.isnan(unit)) else str(unit)
    text = text.strip().lower()
    return text in ("%", "percent", "percentage") or text.startswith("%")


def ratio_indicators(cat: pd.DataFrame) -> pd.DataFrame:
    """indicator_id, numerator_id, denominator_id, ratio_scale of the ratio indicators (a value that
    is ``ratio_scale`` x numerator / denominator: any period's value is the ratio of its sums)."""
    if "numerator_id" not in cat.columns:
        return pd.DataFrame(columns=["indicator_id", "numerator_id", "denominator_id", "ratio_scale"])
    ratios = cat.loc[cat["numerator_id"].notna(), ["indicator_id", "numerator_id", "denominator_id", "ratio_scale"]]
    return ratios.assign(ratio_scale=ratios["ratio_scale"].astype(float).fillna(1.0)).reset_index(drop=True)


def grain_of(cat: pd.DataFrame) -> pd.Series:
    """Each indicator's grain ("month", "quarter", "year"), indexed by indicator_id ("month" when the
    catalogue predates the column)."""
    grain = cat["grain"] if "grain" in cat.columns else pd.Series("month", index=cat.index)
    return pd.Series(grain.fillna("month").astype(str).to_numpy(), index=cat["indicator_id"].to_numpy())


def fy_quarter_of(months: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(financial year label, quarter number) of each month (dates): April-June = Q1."""
    ts = pd.to_datetime(months)
    start = ts.dt.year - (ts.dt.month < 4).astype(int)
    label = start.astype(str) + "/" + ((start + 1) % 100).map("{:02d}".format)
    return label, ((ts.dt.month - 4) % 12) // 3 + 1


def _quarter_start(months: pd.Series) -> pd.Series:
    return pd.to_datetime(months).dt.to_period("Q-MAR").dt.start_time.dt.date


def month_grid(indicators: list[str], areas: list[str], months: list[dt.date]) -> pd.DataFrame:
    """Every (indicator, area, month) a series should have: a month with no row in the mart is a
    gap in the series (not available), never a zero."""
    return (pd.DataFrame({"indicator_id": indicators}).merge(pd.DataFrame({"area_code": areas}), how="cross")
            .merge(pd.DataFrame({"month": months}), how="cross"))


def period_values(monthly: pd.DataFrame, grid: pd.DataFrame, cat: pd.DataFrame, grain: str) -> pd.DataFrame:
    """Values of each (indicator, area, period) at ``grain`` from the monthly mart rows.

    A count is the sum of the period's months; a ratio is ``ratio_scale`` x sum(numerator) /
    sum(denominator) over the period (never a sum or mean of monthly ratios). A period with any
    month missing or not available is not available (never a partial sum), with the first
    reason found. ``monthly``: indicator_id, area_code, month, value, numerator, denominator,
    value_status (the mart's columns); ``grid``: the months expected (``month_grid``).
    Returns SERIES_COLUMNS (status "available" or "not_available").
    """
    cols = ["indicator_id", "area_code", "month", "value", "numerator", "denominator", "value_status"]
    frame = monthly.reindex(columns=cols).assign(month=lambda d: pd.to_datetime(d["month"]).dt.date)
    frame = grid.assign(month=pd.to_datetime(grid["month"]).dt.date).merge(
        frame.assign(present=True), on=["indicator_id", "area_code", "month"], how="left")
    frame["present"] = frame["present"].astype("boolean").fillna(False).astype(bool)
    status = frame["value_status"].astype(object).where(frame["value_status"].notna(), "available")
    ratios = ratio_indicators(cat)
    is_ratio = frame["indicator_id"].isin(ratios["indicator_id"]).to_numpy()
    count_ok = frame["value"].notna() & (status == "available")
    ratio_ok = frame["numerator"].notna() & frame["denominator"].notna() & status.isin(RATIO_USABLE)
    ok = frame["present"] & np.where(is_ratio, ratio_ok, count_ok)
    reason = pd.Series(np.where(~frame["present"], "no_data", status), index=frame.index).where(~ok)
    if grain == "month":
        frame["period_start"] = frame["month"]
        frame["period_label"] = pd.to_datetime(frame["month"]).dt.strftime("%b %Y")
    else:
        fy, q = fy_quarter_of(frame["month"])
        if grain == "quarter":
            frame["period_start"] = _quarter_start(frame["month"])
            frame["period_label"] = fy + " Q" + q.astype(str)
        else:
            frame["period_start"] = pd.to_datetime(fy.str[:4] + "-04-01").dt.date
            frame["period_label"] = fy
    frame = frame.assign(ok=ok.to_numpy(), reason=reason.to_numpy(),
                         value=frame["value"].astype(float).where(ok),
                         numerator=frame["numerator"].astype(float).where(ok),
                         denominator=frame["denominator"].astype(float).where(ok))
    keys = ["indicator_id", "area_code", "period_start", "period_label"]
    out = frame.groupby(keys, sort=True).agg(
        complete=("ok", "all"), reason=("reason", "first"), any_present=("present", "any"),
        total=("value", "sum"), numerator=("numerator", "sum"), denominator=("denominator", "sum")).reset_index()
    scale = out["indicator_id"].map(ratios.set_index("indicator_id")["ratio_scale"])
    ratio = out["indicator_id"].isin(ratios["indicator_id"])
    share = scale * out["numerator"] / out["denominator"].where(out["denominator"] > 0)
    value = np.where(ratio, share, out["total"])
    usable = out["complete"] & ~np.isnan(value.astype(float))
    # complete but no value: a ratio whose period has no denominator; a quarter or year with some
    # months of data and some none is "not every month of the period available"
    reason = out["reason"].where(~out["complete"], "no_denominator")
    reason = reason.where(~((reason == "no_data") & out["any_present"]), "incomplete_period")
    out = out.assign(
        grain=grain, value=pd.Series(value, dtype=float).where(usable.to_numpy()),
        status=np.where(usable, "available", "not_available"),
        status_reason=status_labels(reason).where(~usable.to_numpy(), None))
    return out[SERIES_COLUMNS]


# How a hidden and a not-available cell are written in every output (the ONS conventions).
SUPPRESSED_MARK = "[c]"
NOT_AVAILABLE_MARK = "[x]"
# Changes computed for the outputs: percentage points for percentages, percent change otherwise.
CHANGES = {
    "change_12m_pct": ("rolling_12m", "rolling_12m_previous"),
    "change_pp": ("value", "value_same_quarter_last_year"),
    "change_12m_pp": ("rolling_12m", "rolling_12m_previous"),
}


def with_changes(rows: pd.DataFrame, hidden: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows with their changes in the unit a reader expects, and the hidden flags extended.

    A percentage (``is_percent_unit``) changes in percentage points: ``change_pp`` (quarter on the
    same quarter last year) and ``change_12m_pp`` (12 months on the previous 12), its percent
    changes left empty; any other indicator has ``pct_change`` (the mart's) and ``change_12m_pct``.
    A change is hidden where either of its counts is."""
    out = rows.copy()
    percent = out["unit"].map(is_percent_unit).to_numpy(dtype=bool) if "unit" in out.columns else np.zeros(len(out), bool)
    now, before = out["rolling_12m"].astype(float), out["rolling_12m_previous"].astype(float)
    out["change_12m_pct"] = (100 * (now - before) / before.where(before != 0)).mask(percent)
    out["change_12m_pp"] = (now - before).where(percent)
    out["change_pp"] = (out["value"].astype(float) - out["value_same_quarter_last_year"].astype(float)).where(percent)
    if "pct_change" in out.columns:
        out["pct_change"] = out["pct_change"].astype(float).mask(percent)
    flags = hidden.reindex(index=rows.index).copy()
    applies = _change_applies(out)
    for column, sources in CHANGES.items():
        flags[column] = np.logical_or.reduce([flags[s].fillna(False).to_numpy(dtype=bool) for s in sources]) \
            & applies[column]
    if "pct_change" in flags.columns:
        flags["pct_change"] = flags["pct_change"].fillna(False).to_numpy(dtype=bool) & applies["pct_change"]
    return out, flags


def _change_applies(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """Which rows each change column is for: percent changes for counts and rates, percentage
    points for percentages (a survey estimate or published figure has no 12-month window)."""
    percent = rows["unit"].map(is_percent_unit).to_numpy(dtype=bool) if "unit" in rows.columns \
        else np.zeros(len(rows), bool)
    counted = windowed(rows)
    return {"pct_change": ~percent, "change_pp": percent & counted, "change_12m_pct": ~percent & counted,
            "change_12m_pp": percent & counted}


def markers(rows: pd.DataFrame, hidden: pd.DataFrame) -> pd.DataFrame:
    """"[c]" for every hidden cell and "[x]" for every cell not available (a row whose value_status
    is not 'available': its quarter and 12 months, and what is computed from them), else None;
    one column per count, derived and change column of ``rows``. The CSV and the workbook write
    these instead of a blank, so that a reader can tell "not published" from "not available"."""
    hidden = hidden.reindex(index=rows.index)
    unavailable = not_available(rows)
    counted = windowed(rows)
    out = pd.DataFrame(index=rows.index)
    missing: dict[str, np.ndarray] = {}
    for column in COUNT_COLUMNS:
        own = {"value": np.ones(len(rows), bool), "rolling_12m": counted}.get(column, np.zeros(len(rows), bool))
        missing[column] = unavailable & own & rows[column].isna().to_numpy()
    applies = _change_applies(rows)
    for column, sources in {**DERIVED, **CHANGES}.items():
        if column in rows.columns:
            missing[column] = np.logical_or.reduce([missing[s] for s in sources]) & rows[column].isna().to_numpy() \
                & applies.get(column, np.ones(len(rows), bool))
    for column, x in missing.items():
        c = hidden[column].fillna(False).to_numpy(dtype=bool) if column in hidden.columns else np.zeros(len(rows), bool)
        out[column] = pd.Series(np.where(c, SUPPRESSED_MARK, np.where(x, NOT_AVAILABLE_MARK, None)),
                                index=rows.index, dtype=object)
    return out


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
    force_area = settings_of(settings).geography.force_area_code
    # The county is a row of the area seed (dim_area), not a setting: "" only in a warehouse without one.
    county_rows = areas.loc[areas["area_type"] == "county", "area_code"]
    county = str(county_rows.iloc[0]) if len(county_rows) else ""
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
    order = [p.lower() for p in settings_of(settings).reporting.priority_order]
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


def _first_months(con: duckdb.DuckDBPyConnection, indicators: list[str]) -> pd.Series:
    """The first month each indicator has in the monthly mart (its data start), by indicator_id."""
    first = con.execute(
        """select indicator_id, min(month) as first_month from marts.mart_indicator_monthly
           where indicator_id in (select unnest(?)) group by all""", [indicators]).df()
    return pd.Series(pd.to_datetime(first["first_month"]).dt.date.to_numpy(), index=first["indicator_id"].to_numpy())


def _monthly_rows(con: duckdb.DuckDBPyConnection, indicators: list[str], areas: list[str],
                  first: dt.date, last: dt.date) -> pd.DataFrame:
    """The mart's monthly rows (with a ratio's numerator and denominator, where the mart has them)."""
    columns = {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' "
        "and table_name = 'mart_indicator_monthly'").fetchall()}
    optional = ", ".join(c if c in columns else f"null as {c}" for c in ("numerator", "denominator", "value_status"))
    return con.execute(
        f"""select indicator_id, area_code, month, value, {optional} from marts.mart_indicator_monthly
            where indicator_id in (select unnest(?)) and area_code in (select unnest(?))
              and month between ? and ? order by all""", [indicators, areas, first, last]).df()


_PERIODS = {"quarter": "Q-MAR", "year": "Y-MAR"}  # financial quarters and years as pandas periods


def _first_whole(start: pd.Series, freq: str) -> pd.Series:
    """The start of the first whole period (financial quarter or year) on or after each date."""
    period = start.dt.to_period(freq)
    return period.dt.start_time.where(period.dt.start_time == start, (period + 1).dt.start_time)


def _series_of(con: duckdb.DuckDBPyConnection, cat: pd.DataFrame, indicators: list[str], areas: list[str],
               months: list[dt.date], grains: pd.Series) -> pd.DataFrame:
    """Uncontrolled series (SERIES_COLUMNS) of counts and ratios at each indicator's grain; the
    periods before an indicator's data start are left out (a gap later on is a gap)."""
    if not indicators:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    rows = _monthly_rows(con, indicators, areas, months[0], months[-1])
    first = _first_months(con, indicators)
    parts = []
    for grain, ids in pd.Series(indicators).groupby(grains.reindex(indicators).fillna("month").to_numpy()):
        grid = month_grid(ids.tolist(), areas, months)
        start = pd.to_datetime(grid["indicator_id"].map(first))
        if grain in _PERIODS:  # a quarter or year only from the first whole one of data
            start = _first_whole(start, _PERIODS[str(grain)])
        grid = grid[start.notna().to_numpy() & (pd.to_datetime(grid["month"]) >= start).to_numpy()]
        parts.append(period_values(rows, grid, cat, str(grain)))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SERIES_COLUMNS)


def _period_key(series: pd.DataFrame) -> pd.Series:
    """The disclosure cell period of a series row: the month's ISO date, or the quarter / year label."""
    iso = pd.to_datetime(series["period_start"]).dt.strftime("%Y-%m-%d")
    return iso.where(series["grain"] == "month", series["period_label"])


def _series_cells(series: pd.DataFrame, cat: pd.DataFrame) -> pd.DataFrame:
    """The series' values as disclosure cells (measure = grain)."""
    theme = series["indicator_id"].map(cat.set_index("indicator_id")["theme"])
    return pd.DataFrame({"indicator_id": series["indicator_id"].to_numpy(), "area_code": series["area_code"].to_numpy(),
                         "measure": series["grain"].to_numpy(), "period": _period_key(series).to_numpy(),
                         "value": series["value"].astype(float).to_numpy(), "theme": theme.to_numpy()})


def _control(cells: pd.DataFrame, cat: pd.DataFrame, rules: disclosure.DisclosureRules,
             constraints_of, elsewhere: pd.DataFrame | None = None) -> pd.DataFrame:
    """Disclosure control of counts; a ratio's cell (a percentage is not a count) is hidden exactly
    where its numerator's or denominator's cell of the same area and period is.

    ``constraints_of(counts)`` builds the constraints of the count cells; ``elsewhere``: the cells
    of outputs read beside this one, shown or hidden (``disclosure.control``)."""
    cells = cells.drop_duplicates(disclosure.CELL_KEY).reset_index(drop=True)
    ratios = ratio_indicators(cat)
    is_ratio = cells["indicator_id"].isin(ratios["indicator_id"]).to_numpy()
    counts = cells[~is_ratio].reset_index(drop=True)
    controlled = disclosure.control(counts, rules, constraints_of(counts), elsewhere)
    shares = cells[is_ratio].merge(ratios, on="indicator_id", how="left")
    flags = controlled.set_index(disclosure.CELL_KEY)["suppressed"]
    hidden = np.zeros(len(shares), dtype=bool)
    for part in ("numerator_id", "denominator_id"):
        keys = pd.MultiIndex.from_arrays([shares[part], shares["area_code"], shares["measure"], shares["period"]])
        hidden |= flags.reindex(keys).astype("boolean").fillna(False).to_numpy(dtype=bool)
    shares = shares[cells.columns].assign(primary=False, suppressed=hidden)
    return pd.concat([controlled, shares], ignore_index=True)


def _mark(series: pd.DataFrame, controlled: pd.DataFrame) -> pd.DataFrame:
    """The series with its controlled cells hidden: value NaN, status "suppressed"."""
    flags = controlled.set_index(disclosure.CELL_KEY)["suppressed"]
    keys = pd.MultiIndex.from_arrays([series["indicator_id"], series["area_code"], series["grain"], _period_key(series)])
    hidden = flags.reindex(keys).astype("boolean").fillna(False).to_numpy(dtype=bool) & series["value"].notna().to_numpy()
    out = series.copy()
    out["value"] = out["value"].astype(float).mask(hidden)
    out["status"] = np.where(hidden, "suppressed", out["status"])
    out["status_reason"] = out["status_reason"].astype(object).where(~hidden, "not published (small numbers)")
    return out.reset_index(drop=True)


def _quarter_labels(end_months: list[dt.date]) -> list[str]:
    fy, q = fy_quarter_of(pd.Series(end_months))
    return (fy + " Q" + q.astype(str)).tolist()


def _with_optional_columns(rows: pd.DataFrame) -> pd.DataFrame:
    """The scorecard rows with h4's optional columns (null when the mart predates them)."""
    missing = {c: pd.Series([None] * len(rows), index=rows.index, dtype=t) for c, t in OPTIONAL_COLUMNS.items()
               if c not in rows.columns}
    return rows.assign(**missing) if missing else rows


@dataclass
class QuarterlyTables:
    quarter: Quarter
    scorecard: pd.DataFrame  # mart columns for the quarter + OPTIONAL_COLUMNS + ``suppressed``; hidden cells NaN/None
    monthly: pd.DataFrame    # indicator_id, area_code, month, value (NaN where hidden), suppressed: months of `series`
    catalogue: pd.DataFrame
    geography: Geography
    key_issues: list[str]
    mart_columns: list[str]
    rules: disclosure.DisclosureRules
    cells: pd.DataFrame = field(repr=False)  # every controlled cell: what was hidden, primary or not
    hidden: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)  # scorecard cells hidden (bool)
    # the trend charts' series (force area, 36 months): SERIES_COLUMNS, at each indicator's grain
    series: pd.DataFrame = field(repr=False, default_factory=lambda: pd.DataFrame(columns=SERIES_COLUMNS))

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


def _survey_series(con: duckdb.DuckDBPyConnection, cat: pd.DataFrame, area: str, quarters: list[str]) -> pd.DataFrame:
    """Survey estimates of the area by quarter (a quarter without a wave of its own is a gap): as
    published by the survey's own rules, not controlled as counts."""
    ids = cat.loc[cat.get("value_kind", pd.Series(dtype=object)).eq("survey_estimate"), "indicator_id"].tolist()
    if not ids:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    rows = con.execute(
        """select indicator_id, area_code, financial_year || ' Q' || fy_quarter as period_label,
                  quarter_end_month, value, value_status, period_label as wave
           from marts.mart_scorecard_quarterly where area_code = ? and indicator_id in (select unnest(?))
             and financial_year || ' Q' || fy_quarter in (select unnest(?))""", [area, ids, quarters]).df()
    own = rows["wave"].astype(object) == rows["period_label"]
    available = own & rows["value"].notna()
    reason = np.where(~own, "no survey wave in the quarter", status_labels(rows["value_status"]))
    return pd.DataFrame({
        "indicator_id": rows["indicator_id"], "area_code": rows["area_code"], "grain": "quarter",
        "period_start": _quarter_start(rows["quarter_end_month"]), "period_label": rows["period_label"],
        "value": rows["value"].astype(float).where(available),
        "status": np.where(available, "available", "not_available"),
        "status_reason": pd.Series(np.where(available, None, reason), dtype=object)})[SERIES_COLUMNS]


def quarterly_tables(con: duckdb.DuckDBPyConnection, quarter: Quarter, settings: dict[str, Any],
                     trend_months: int = 36) -> QuarterlyTables:
    """The controlled scorecard of one quarter and the series of its trend charts.

    Trend charts show the police force area (Lancashire-14) over the 36 months to the quarter's
    end, each indicator at its own grain (months; quarters for MARAC). Their cells are tied to the
    quarter and 12-month counts by time constraints (months, or a 12-month window = its four
    quarters); every count is tied across areas by the area hierarchy (county = 12 districts,
    force area = 14, clusters = their members).
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
    rows = _with_optional_columns(rows)
    months = quarter.months_back(trend_months)
    grains = grain_of(cat)
    counted = sorted(set(rows.loc[windowed(rows), "indicator_id"]))
    series = _series_of(con, cat, counted, [geo.force_area], months, grains)
    quarters = _quarter_labels(months[2::3])
    series = pd.concat([series, _survey_series(con, cat, geo.force_area, quarters)], ignore_index=True)

    row_cells = _scorecard_cells(rows, quarter)
    cells = pd.concat([row_cells.drop(columns=["row", "column"]), _series_cells(
        series[series["indicator_id"].isin(counted)], cat)], ignore_index=True)

    month_comp, quarter_comp = [], []
    for q in (quarter, Quarter(quarter.year.previous(), quarter.number)):
        month_comp += [("quarter", q.label, m.isoformat()) for m in q.months_back(3)]
        month_comp += [("12 months", q.end_month.isoformat(), m.isoformat()) for m in q.months_back(12)]
        quarter_comp += [("12 months", q.end_month.isoformat(), label) for label in _quarter_labels(q.months_back(12)[2::3])]
    additive = cat.loc[cat["is_additive"].fillna(False).astype(bool), "indicator_id"]
    by_quarter = set(grains[grains == "quarter"].index) & set(additive)
    by_month = set(additive) - by_quarter

    def constraints_of(counts: pd.DataFrame) -> pd.DataFrame:
        return disclosure.combine(
            disclosure.area_constraints(counts, geo.hierarchies, additive),
            disclosure.time_constraints(counts, pd.DataFrame(month_comp, columns=["measure", "period", "month"]),
                                        member="month", indicators=by_month),
            disclosure.time_constraints(counts, pd.DataFrame(quarter_comp, columns=["measure", "period", "month"]),
                                        member="quarter", indicators=by_quarter),
        )

    controlled = _control(cells, cat, rules, constraints_of)
    scorecard, hidden = _apply(rows, row_cells, controlled)
    extras = [c for c in OPTIONAL_COLUMNS if c not in columns]
    scorecard = scorecard[columns + extras + ["suppressed"]]
    series = _mark(series, controlled).sort_values(["indicator_id", "area_code", "period_start"]).reset_index(drop=True)
    monthly = series[series["grain"] == "month"]
    monthly = pd.DataFrame({"indicator_id": monthly["indicator_id"], "area_code": monthly["area_code"],
                            "month": monthly["period_start"], "value": monthly["value"],
                            "suppressed": monthly["status"] == "suppressed"}).reset_index(drop=True)
    return QuarterlyTables(quarter, scorecard, monthly, cat, geo, key_issue_order(cat, settings), columns, rules,
                           controlled, hidden, series)


@dataclass
class AnnualTables:
    year: FinancialYear
    scorecard: pd.DataFrame  # mart rows of the year's Q4 (rolling 12 months = the year) + ``suppressed``
    yearly: pd.DataFrame     # indicator_id, area_code, financial_year, value (NaN where hidden), suppressed
    years: list[FinancialYear]  # the complete financial years of the trends, oldest first (up to five)
    catalogue: pd.DataFrame
    geography: Geography
    key_issues: list[str]
    mart_columns: list[str]
    rules: disclosure.DisclosureRules
    cells: pd.DataFrame = field(repr=False)
    hidden: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    # every reporting area's financial years (SERIES_COLUMNS, grain "year"), controlled
    yearly_series: pd.DataFrame = field(repr=False, default_factory=lambda: pd.DataFrame(columns=SERIES_COLUMNS))
    trend_years_note: str = ""  # "5 complete financial years (2020/21 to 2024/25)"

    @property
    def suppressed_cells(self) -> int:
        return int(self.cells["suppressed"].sum())

    @property
    def primary_cells(self) -> int:
        return int(self.cells["primary"].sum())


def complete_years(con: duckdb.DuckDBPyConnection, indicators: list[str], up_to: FinancialYear,
                   most: int = 5) -> list[FinancialYear]:
    """The most recent ``most`` financial years up to ``up_to`` that the data cover completely: at
    least half of the indicators have all 12 of the year's months in the mart (the rule of the
    latest complete year), oldest first."""
    found = con.execute(
        """with per_indicator as (
               select m.indicator_id, d.financial_year from marts.mart_indicator_monthly m
               join marts.dim_month d using (month)
               where m.indicator_id in (select unnest(?)) and d.financial_year <= ?
               group by all having count(distinct m.month) = 12
           )
           select financial_year from per_indicator group by all
           having 2 * count(distinct indicator_id) >= ? order by financial_year desc limit ?""",
        [indicators, up_to.label, len(indicators), most]).fetchall()
    return sorted(FinancialYear(r[0]) for r in found)


def trend_years_note(years: list[FinancialYear], most: int = 5) -> str:
    """How many complete years a trend shows and why not more."""
    if not years:
        return "no complete financial year"
    n = len(years)
    words = f"{n} complete financial year{'s' if n != 1 else ''}"
    if n >= most:
        return f"{words} ({years[0].label} to {years[-1].label})"
    span = f"{years[0].label} to {years[-1].label}" if n > 1 else years[0].label
    return f"{words} ({span}): the data start in {years[0].first_month:%B %Y}"


def annual_tables(con: duckdb.DuckDBPyConnection, year: FinancialYear, settings: dict[str, Any],
                  trend_years: int = 5) -> AnnualTables:
    """The controlled year (the mart's Q4 rows: rolling 12 months to March = the financial year) and
    every complete financial year up to five for every reporting area (``yearly_series``): a
    count's year is the sum of its months, a ratio's the ratio of the year's sums; a year with a
    month not available (e.g. a quarantined MARAC return) has no value, never a partial sum."""
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
    rows = _with_optional_columns(rows)
    counted = sorted(set(rows.loc[windowed(rows), "indicator_id"]))
    years = complete_years(con, counted, year, trend_years) or [year]
    months = [m for y in years for m in Quarter(y, 4).months_back(12)]
    yearly_series = _series_of(con, cat, counted, geo.areas["area_code"].tolist(), months,
                               pd.Series("year", index=counted))
    yearly_series = yearly_series[yearly_series["period_label"].isin([y.label for y in years])]

    q4 = Quarter(year, 4)
    row_cells = _scorecard_cells(rows, q4)
    # the rolling 12 months to March of a year and of the year before are those years' totals
    as_year = {q4.end_month.isoformat(): year.label,
               Quarter(year.previous(), 4).end_month.isoformat(): year.previous().label}
    twelve = row_cells["measure"] == "12 months"
    row_cells.loc[twelve, "period"] = row_cells.loc[twelve, "period"].map(as_year)
    row_cells.loc[twelve, "measure"] = "year"
    cells = pd.concat([row_cells.drop(columns=["row", "column"]), _series_cells(yearly_series, cat)],
                      ignore_index=True)
    additive = cat.loc[cat["is_additive"].fillna(False).astype(bool), "indicator_id"]
    controlled = _control(cells, cat, rules, lambda counts: disclosure.area_constraints(counts, geo.hierarchies, additive))

    scorecard, hidden = _apply(rows, row_cells, controlled)
    extras = [c for c in OPTIONAL_COLUMNS if c not in columns]
    scorecard = scorecard[columns + extras + ["suppressed"]]
    yearly_series = _mark(yearly_series, controlled)
    if kinds:
        # survey estimates and published figures have no months: a year's value is the one shown at
        # its fourth quarter (the latest wave or published period by March), as published
        as_published = con.execute(
            f"""select indicator_id, area_code, financial_year as period_label, value, value_status
               from marts.mart_scorecard_quarterly
               where fy_quarter = 4 and value_kind not in {WINDOWED_KINDS}
                 and financial_year in (select unnest(?)) and indicator_id in (select unnest(?))
               order by all""", [[y.label for y in years], sorted(set(rows["indicator_id"]))]).df()
        if not as_published.empty:
            available = as_published["value"].notna()
            yearly_series = pd.concat([yearly_series, pd.DataFrame({
                "indicator_id": as_published["indicator_id"], "area_code": as_published["area_code"], "grain": "year",
                "period_start": pd.to_datetime(as_published["period_label"].str[:4] + "-04-01").dt.date,
                "period_label": as_published["period_label"], "value": as_published["value"].astype(float),
                "status": np.where(available, "available", "not_available"),
                "status_reason": status_labels(as_published["value_status"]).where(~available, None)})], ignore_index=True)
    yearly_series = yearly_series.sort_values(["indicator_id", "area_code", "period_start"]).reset_index(drop=True)
    shown = yearly_series[yearly_series["status"] != "not_available"]
    yearly = pd.DataFrame({"indicator_id": shown["indicator_id"], "area_code": shown["area_code"],
                           "financial_year": shown["period_label"], "value": shown["value"],
                           "suppressed": shown["status"] == "suppressed"}).reset_index(drop=True)
    return AnnualTables(year, scorecard, yearly, years, cat, geo, key_issue_order(cat, settings), columns, rules,
                        controlled, hidden, yearly_series, trend_years_note(years, trend_years))
