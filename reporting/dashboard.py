"""``outputs/dashboard.html``: the partnership's performance dashboard, one self-contained file.

What a Board member or a district community safety manager opens before a Board meeting: for each
key issue (the indicator catalogue's, in the Board's priority order) headline tiles, the monthly
trend with its rolling 12-month line, the district comparison, a tile map of the districts (their
ONS outlines when ``ons_boundaries`` has every district's), the
position against the peer group (when ``marts.mart_peer_comparison`` is in the warehouse) and the
costs of crime, for any area and any recent quarter end, with every chart's rows downloadable as
CSV carrying ``indicator_id``, ``area_code`` and the period, so ``csw trace`` finds each figure.

Why one file with everything inside: it is uploaded to the partners' data exchange platform or
opened from a shared drive, offline. So the Vega, Vega-Lite and vega-embed JavaScript (the bundle
vl-convert ships, the same Vega-Lite that renders the reports' charts) and the data are inlined, a
Content-Security-Policy forbids the page any request, and the fonts are the system's.

Disclosure control: the page embeds only the controlled tables of ``dashboard_tables`` (every
figure of every quarter and area controlled as one output, with the reports' rules), each quarter
passes the reports' Great Expectations suite before the file is written (``write_outputs``), and
``assert_no_small_counts`` checks the embedded figures once more. Figures derived in the page (the
rolling 12-month line, changes) come only from figures the page shows.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import math
from typing import Any

import duckdb
import jinja2
import numpy as np
import pandas as pd
import vl_convert as vlc

from reporting import charts, costs, dashboard_specs as specs
from reporting import peer_control
from reporting.dashboard_tables import DashboardTables, visible_small_counts
from reporting.html import DUPLICATES_NOTE, POSITION_NOTE, is_percent, shown_indicators, stale_warning
from reporting.periods import Quarter, latest_complete_year, month_label
from reporting.tables import COUNT_COLUMNS, ratio_indicators, with_changes
from warehouse.settings import DBT_PROJECT_DIR

DASHBOARD_NAME = "dashboard.html"
SUPPRESSED = "[c]"
HEX_SEED = "district_hex_positions"
BOUNDARIES = "staging.stg_ons__boundaries"
PEER_MART = "marts.mart_peer_comparison"
# The peer mart's columns the view needs (the mart is young: a warehouse without them gets "not available").
PEER_COLUMNS = ("indicator_id", "focus_area_code", "area_code", "area_name", "period_type", "period_end_month",
                "population", "rate_per_1000", "count", "group_average_rate", "rank_in_group", "ranked_of",
                "position_vs_peers", "funnel_lower_95", "funnel_upper_95", "funnel_lower_998", "funnel_upper_998")
STATUS_CODES = {"available": "a", "suppressed": "c", "not_available": "n"}
WINDOW = {"month": 12, "quarter": 4}  # periods in 12 months, by grain
# Scorecard fields the page shows (the mart's, and the changes in the unit a reader expects).
SCORECARD_FIELDS = [
    "value", "rolling_12m", "rolling_12m_previous", "rate", "change_12m", "direction", "rag", "position_vs_county",
    "district_rank", "value_status", "value_status_reason", "period_label", "lower_ci", "upper_ci",
    "change_from_previous", "previous_period_label", "against_benchmark",
]
MAP_NOTE = ("The map is a tile map: one hexagon per district or unitary council, placed roughly where it lies "
            "(north at the top), all the same size so that a small district counts as much as a large one. "
            "It needs no boundary file; when ONS district boundaries (GeoJSON) are landed in "
            "landing/ons_boundaries/ for every district, the map draws the districts' real outlines instead.")
CHOROPLETH_NOTE = ("The map draws each district and unitary council with its ONS boundary ({vintage}; "
                   "coordinates rounded to about 10 metres), shaded by the figure chosen; the figure is written "
                   "on each. "
                   "A large rural district looks bigger than a small town with the same figure: read the figures.")

_env = jinja2.Environment(loader=jinja2.PackageLoader("reporting", "templates"),
                          autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True)


# --------------------------------------------------------------------------- the inlined JavaScript

@functools.cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (vl-convert's bundle of the Vega-Lite the
    reports render with), safe inside a <script> element. Cached: building it takes seconds."""
    return vlc.javascript_bundle(vl_version=charts.VL_VERSION).replace("</script", "<\\/script")


# --------------------------------------------------------------------------- JSON helpers

def _plain(frame: pd.DataFrame, hidden: pd.DataFrame | None = None, digits: int = 6) -> pd.DataFrame:
    """JSON-ready values: floats rounded, NaN/NA None, numpy scalars Python ones, and "[c]" in each
    cell ``hidden`` flags (so no hidden value is ever written, and a reader can tell it from n/a)."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values) or str(values.dtype) == "boolean":
            cleaned = values.astype(object).where(values.notna(), None)
        elif pd.api.types.is_numeric_dtype(values):
            numbers = values.astype(float).round(digits)
            whole = numbers.notna() & (numbers == np.round(numbers))
            cleaned = numbers.astype(object).where(numbers.notna(), None)
            cleaned = cleaned.where(~whole, numbers.where(whole).astype("Int64").astype(object))
        else:
            cleaned = values.astype(object).where(values.notna(), None)
        if hidden is not None and column in hidden.columns:
            cleaned = cleaned.where(~hidden[column].reindex(frame.index).fillna(False).astype(bool), SUPPRESSED)
        out[column] = cleaned
    return out


def _rows(frame: pd.DataFrame) -> list[list[Any]]:
    return frame.astype(object).where(frame.notna(), None).to_numpy().tolist()


def _json(payload: dict[str, Any]) -> str:
    """The payload as JSON safe inside <script type="application/json"> (no "</", no NaN)."""
    text = json.dumps(payload, separators=(",", ":"), allow_nan=False, ensure_ascii=False, default=_default)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


# --------------------------------------------------------------------------- areas, periods, indicators

AREA_GROUPS = {"police_force_area": "Police force area", "county": "County", "cluster": "Clusters",
               "district": "Districts and unitary councils", "unitary": "Districts and unitary councils"}
AREA_ORDER = {"police_force_area": 0, "county": 1, "cluster": 2, "district": 3, "unitary": 3}


def areas_payload(dt_: DashboardTables) -> list[dict[str, Any]]:
    """The area selector's options: force area, county, clusters, then districts and unitaries by name."""
    areas = dt_.geography.areas.assign(order=lambda a: a["area_type"].map(AREA_ORDER).fillna(9))
    areas = areas.sort_values(["order", "area_name"], kind="stable")
    return [{"code": r.area_code, "name": r.area_name, "type": r.area_type,
             "group": AREA_GROUPS.get(r.area_type, "Other areas"), "district": bool(r.is_district)}
            for r in areas.itertuples()]


def quarters_payload(quarters: list[Quarter]) -> list[dict[str, Any]]:
    """The period selector's options: each quarter end, its 12 months, and how csw trace names it."""
    return [{"key": q.label, "trace": f"{q.year.label}-Q{q.number}", "fy": q.year.label, "q": q.number,
             "end": q.end_month.isoformat(), "end_label": q.end_month.strftime("%b %Y"),
             "long": f"12 months to {month_label(q.end_month)}", "first": q.months_back(12)[0].isoformat()}
            for q in quarters]


def _rate_words(row: pd.Series) -> str:
    if row["is_percent"]:
        return "%"
    per = int(row["rate_per"]) if pd.notna(row.get("rate_per")) else 1000
    group = str(row.get("population_group") or "residents").replace("all residents", "residents")
    return f"per {per:,} {group}"


def indicators_payload(dt_: DashboardTables) -> dict[str, dict[str, Any]]:
    """What the page needs to know about each indicator: names, unit, how its figures are compared
    across districts (``measure``: the rate, the 12-month ratio or the published value) and whether
    it has events anywhere (indicators with none are shown as "no data in this period", unrated)."""
    cat = dt_.catalogue.set_index("indicator_id")
    rows = dt_.scorecard
    if "value_source" not in rows.columns:
        rows = rows.assign(value_source=None)
    per = rows.assign(has_rate=rows["rate"].notna(), has_rolling=rows["rolling_12m"].notna()).groupby(
        "indicator_id").agg(any_rate=("has_rate", "any"), any_rolling=("has_rolling", "any"),
                            rate_per=("rate_per", "max"), population_group=("population_group", "first"),
                            value_source=("value_source", "first"))
    shown = shown_indicators(dt_)
    out: dict[str, dict[str, Any]] = {}
    for indicator_id, r in per.iterrows():  # one per indicator (tens), not per row
        c = cat.loc[indicator_id]
        record = {"unit": c.get("unit"), "is_ratio": pd.notna(c.get("numerator_id")),
                  "ratio_scale": c.get("ratio_scale")}
        percent = is_percent(record)
        kind = str(c.get("value_kind") or "count")
        windowed = kind in ("count", "ratio")
        measure = ("value" if not windowed else "rolling_12m" if record["is_ratio"]
                   else "rate" if r["any_rate"] or not r["any_rolling"] else "rolling_12m")
        words = _rate_words(pd.Series({"is_percent": percent, "rate_per": r["rate_per"],
                                       "population_group": r["population_group"]}))
        unit = str(c.get("unit") or "")
        axis = ("%" if percent else unit) if measure != "rate" else (words if percent else f"{unit} {words}")
        out[str(indicator_id)] = {
            "name": str(c["indicator_name"]), "key_issue": str(c["key_issue"]),
            "priority": str(c.get("priority") or ""),
            "theme": str(c.get("theme") or ""), "unit": unit, "polarity": str(c.get("polarity") or ""),
            "kind": kind, "windowed": windowed, "grain": str(c.get("grain") or "month"), "is_percent": percent,
            "is_ratio": bool(record["is_ratio"]), "measure": measure, "axis": axis, "rate_words": words,
            "is_cost": pd.notna(c.get("price_year")), "description": str(c.get("description") or ""),
            "source": str(r["value_source"] if kind not in ("count", "ratio") and pd.notna(r["value_source"])
                          else c.get("source_system") or ""),
            "no_events": indicator_id not in shown,
        }
    return out


def issues_payload(dt_: DashboardTables, indicators: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Key issues in the Board's order, each with its indicators in catalogue order."""
    order = dt_.catalogue["indicator_id"].tolist()
    out = []
    for issue in dt_.key_issues:
        ids = [i for i in order if i in indicators and indicators[i]["key_issue"] == issue]
        if ids:
            out.append({"key": issue, "name": issue[:1].upper() + issue[1:], "priority": indicators[ids[0]]["priority"],
                        "anchor": "issue-" + "".join(c if c.isalnum() else "-" for c in issue.lower()).strip("-"),
                        "indicators": ids})
    return out


# --------------------------------------------------------------------------- the controlled figures

def scorecard_payload(dt_: DashboardTables) -> dict[str, Any]:
    """Every quarter's controlled scorecard, by indicator_id: rows [quarter index, area_code, *fields];
    hidden cells "[c]", cells not available null (``value_status`` says why, null when available);
    changes in the reader's unit (percentage points for a percentage), hidden wherever a count
    they need is."""
    rows, flags = with_changes(dt_.scorecard, dt_.hidden)
    percent = rows["unit"].map(lambda u: is_percent({"unit": u})).to_numpy(dtype=bool)
    frame = rows.assign(
        change_12m=np.where(percent, rows["change_12m_pp"], rows["change_12m_pct"]),
        change_quarter=np.where(percent, rows["change_pp"], rows["pct_change"]))
    flags = flags.assign(change_12m=np.where(percent, flags["change_12m_pp"], flags["change_12m_pct"]),
                         change_quarter=np.where(percent, flags["change_pp"], flags["pct_change"]))
    frame["value_status"] = frame["value_status"].where(frame["value_status"] != "available")  # null: available
    fields = [f for f in SCORECARD_FIELDS if f in frame.columns]
    quarter_index = {q.label: i for i, q in enumerate(dt_.quarters)}
    keys = pd.DataFrame({"q": (frame["financial_year"] + " Q" + frame["fy_quarter"].astype(str)).map(quarter_index),
                         "area_code": frame["area_code"]})
    values = _plain(frame[fields], flags.reindex(columns=fields, fill_value=False).fillna(False).astype(bool), digits=4)
    table = pd.concat([keys, values], axis=1)
    by_indicator = table.groupby(frame["indicator_id"].to_numpy(), sort=True).apply(_rows, include_groups=True)
    return {"fields": fields, "rows": by_indicator.to_dict()}


def _wide(series: pd.DataFrame, column: str) -> pd.DataFrame:
    """One indicator's series as areas x periods."""
    return series.pivot_table(index="area_code", columns="period_start", values=column, aggfunc="first", dropna=False)


def _rolling(values: pd.DataFrame, window: int) -> pd.DataFrame:
    """Rolling sums of ``window`` consecutive periods; a window with any period not shown is NaN."""
    return values.T.rolling(window, min_periods=window).sum().T


def rolling_figures(dt_: DashboardTables) -> pd.DataFrame:
    """indicator_id, area_code, period_start, rolling: the rolling 12 months at each period, from the
    figures the page shows only (a window with a hidden or missing period has none): the 12-month
    total of a count, ``ratio_scale`` x the 12-month sums' ratio of a ratio. Survey estimates and
    published figures have no 12-month window."""
    series = dt_.series
    shown = series.assign(value=series["value"].where(series["status"] == "available"))
    ratios = ratio_indicators(dt_.catalogue).set_index("indicator_id")
    kinds = dt_.catalogue.set_index("indicator_id")
    parts = []
    for (indicator_id, grain), sub in shown.groupby(["indicator_id", "grain"], sort=False):  # per indicator
        window = WINDOW.get(str(grain))
        if window is None or str(kinds.at[indicator_id, "value_kind"] if "value_kind" in kinds.columns
                                   else "count") not in ("count", "ratio"):
            continue
        if indicator_id in ratios.index:
            r = ratios.loc[indicator_id]
            num = _wide(shown[shown["indicator_id"] == r["numerator_id"]], "value")
            den = _wide(shown[shown["indicator_id"] == r["denominator_id"]], "value")
            own = _wide(sub, "value")
            num, den = num.reindex_like(own), den.reindex_like(own)
            den_sum = _rolling(den, window)
            wide = float(r["ratio_scale"]) * _rolling(num, window) / den_sum.where(den_sum > 0)
        else:
            wide = _rolling(_wide(sub, "value"), window)
        long = wide.stack(future_stack=True).rename("rolling").reset_index()
        parts.append(long.assign(indicator_id=indicator_id))
    if not parts:
        return pd.DataFrame(columns=["indicator_id", "area_code", "period_start", "rolling"])
    return pd.concat(parts, ignore_index=True)


def series_payload(dt_: DashboardTables) -> dict[str, Any]:
    """Each indicator's periods (the same grid for every area) and, per area, its controlled values,
    status codes (a available, c hidden, n not available), reasons and rolling 12-month figures."""
    series = dt_.series.merge(rolling_figures(dt_), on=["indicator_id", "area_code", "period_start"], how="left")
    series = series.sort_values(["indicator_id", "area_code", "period_start"], kind="stable")
    series = series.assign(code=series["status"].map(STATUS_CODES).fillna("n"),
                           value=series["value"].where(series["status"] == "available"))
    periods = series.drop_duplicates(["indicator_id", "period_start"])
    periods = periods.assign(iso=pd.to_datetime(periods["period_start"]).dt.strftime("%Y-%m-%d"),
                             trace=np.where(periods["grain"] == "month",
                                            pd.to_datetime(periods["period_start"]).dt.strftime("%Y-%m"),
                                            periods["period_label"].str.replace(" Q", "-Q", regex=False)))
    grid = periods.groupby("indicator_id", sort=True).agg(
        grain=("grain", "first"), starts=("iso", list), labels=("period_label", list), trace=("trace", list))
    plain = _plain(series[["value", "rolling"]], digits=6)
    per_area = series.assign(value=plain["value"], rolling=plain["rolling"],
                             reason=series["status_reason"].astype(object).where(
                                 (series["status"] == "not_available") & series["status_reason"].notna(), None))
    areas = per_area.groupby(["indicator_id", "area_code"], sort=True).agg(
        value=("value", list), status=("code", "".join), rolling=("rolling", list), reason=("reason", list))
    areas["reason"] = areas["reason"].map(lambda r: r if any(x is not None for x in r) else None)
    return {"grid": {k: v for k, v in grid.to_dict("index").items()},
            "fields": ["indicator_id", "area_code", "value", "status", "rolling", "reason"],
            "rows": _rows(areas.reset_index()[["indicator_id", "area_code", "value", "status", "rolling", "reason"]])}


class DisclosureCheckFailed(RuntimeError):
    """A figure the page would embed is a small count of a sensitive theme: nothing is written."""


def assert_no_small_counts(dt_: DashboardTables) -> None:
    """The last look before writing: no count 1 .. threshold-1 of a sensitive theme in any figure
    the page embeds (scorecard counts, monthly and quarterly series). Raises DisclosureCheckFailed
    naming the first cells if disclosure control ever let one through."""
    problems = [visible_small_counts(dt_.scorecard, list(COUNT_COLUMNS), dt_.catalogue, dt_.rules),
                visible_small_counts(dt_.series[dt_.series["status"] == "available"], ["value"],
                                     dt_.catalogue, dt_.rules)]
    bad = pd.concat([p[["indicator_id", "area_code"]] for p in problems], ignore_index=True)
    if len(bad):
        raise DisclosureCheckFailed(f"disclosure control failed: {len(bad)} small counts of sensitive themes would be "
                             f"published, e.g. {bad.head(3).to_dict('records')}")


# --------------------------------------------------------------------------- the tile map

def hex_positions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """area_code, label, column, row of each district: the seed as the warehouse loaded it, or the
    seed file itself for a warehouse built before the seed existed."""
    found = con.execute("select count(*) from information_schema.tables where table_schema = 'reference' "
                        "and table_name = ?", [HEX_SEED]).fetchone()[0]
    if found:
        return con.execute(f"select area_code, label, \"column\", \"row\" from reference.{HEX_SEED}").df()
    with (DBT_PROJECT_DIR / "seeds" / f"{HEX_SEED}.csv").open(newline="", encoding="utf-8") as fh:
        return pd.DataFrame(list(csv.DictReader(fh))).astype({"column": int, "row": int})


def hex_features(positions: pd.DataFrame, names: pd.Series) -> list[dict[str, Any]]:
    """One GeoJSON hexagon per district ("pointy top", odd rows shifted half a hexagon right, row 0
    at the top), in plain x/y units drawn with an identity projection."""
    radius = 1 / math.sqrt(3)  # a hexagon one unit wide
    angles = np.deg2rad([-90, -30, 30, 90, 150, 210, -90])
    cx = positions["column"].astype(float) + 0.5 * (positions["row"].astype(int) % 2)
    cy = positions["row"].astype(float) * 1.5 * radius
    xs = np.round(cx.to_numpy()[:, None] + radius * np.cos(angles)[None, :], 4)
    ys = np.round(cy.to_numpy()[:, None] + radius * np.sin(angles)[None, :], 4)
    return [{"type": "Feature", "id": code,
             "geometry": {"type": "Polygon", "coordinates": [np.stack([x, y], axis=1).tolist()]},
             "properties": {"area_code": code, "area_name": str(names.get(code, code)), "label": label,
                            "cx": float(round(x0, 4)), "cy": float(round(y0, 4))}}
            for code, label, x, y, x0, y0 in zip(positions["area_code"], positions["label"], xs, ys, cx, cy)]


def boundary_features(con: duckdb.DuckDBPyConnection, positions: pd.DataFrame, names: pd.Series
                      ) -> tuple[list[dict[str, Any]], str] | None:
    """The districts' ONS outlines as GeoJSON features shaped like :func:`hex_features` (label
    point in ``cx``/``cy``), and the vintages drawn, when the warehouse has a boundary (the latest
    vintage) for every district of the tile map; otherwise None, and the page keeps the tile map:
    a choropleth with holes would misplace what it leaves out."""
    if not _table_exists(con, BOUNDARIES):
        return None
    codes = positions["area_code"].tolist()
    found = con.execute(
        f"""select lad_code, geojson, label_longitude, label_latitude, lad_vintage from {BOUNDARIES}
            where lad_code in (select unnest(?))
            qualify row_number() over (partition by lad_code order by lad_vintage desc nulls last) = 1""",
        [codes]).df().set_index("lad_code")
    if set(codes) - set(found.index):
        return None
    labels = positions.set_index("area_code")["label"]
    vintages = sorted({str(int(v)) for v in found["lad_vintage"].dropna()})
    # json.loads per district (tens of rows): the outline is embedded as an object, not as text.
    features = [{"type": "Feature", "id": code, "geometry": json.loads(found.at[code, "geojson"]),
                 "properties": {"area_code": code, "area_name": str(names.get(code, code)), "label": labels[code],
                                "cx": float(found.at[code, "label_longitude"]),
                                "cy": float(found.at[code, "label_latitude"])}}
                for code in codes]
    return features, ("/".join(vintages) + " edition" if vintages else "edition not stated")


# --------------------------------------------------------------------------- peer comparison

def _table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".")
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                            [schema, table]).fetchone()[0])


def peers_payload(con: duckdb.DuckDBPyConnection, dt_: DashboardTables) -> dict[str, Any]:
    """The peer groups' rolling 12 months at each quarter end offered, from ``marts.mart_peer_comparison``
    when the warehouse has it with rows; otherwise ``available`` false and ``reason`` saying why.

    Disclosure control as for the rest of the page: a member's figures are hidden where its count is
    1 .. threshold-1 of a sensitive theme, or where it is one of the partnership's areas whose
    12-month count the page hides; a group with a hidden member shows no average, limits or
    positions (they would give the hidden rate back)."""
    if not _table_exists(con, PEER_MART):
        return {"available": False, "reason": f"the warehouse has no peer-comparison table ({PEER_MART}) yet"}
    columns = {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' "
        "and table_name = 'mart_peer_comparison'").fetchall()}
    missing = [c for c in PEER_COLUMNS if c not in columns]
    if missing:
        return {"available": False, "reason": f"{PEER_MART} lacks the columns {', '.join(missing)}"}
    ends = [q.end_month for q in dt_.quarters]
    mart = con.execute(
        f"""select {', '.join(PEER_COLUMNS)} from {PEER_MART}
            where period_type = 'rolling_12m' and period_end_month in (select unnest(?))
              and indicator_id in (select unnest(?))""",
        [ends, dt_.catalogue["indicator_id"].tolist()]).df()
    if mart.empty:
        return {"available": False, "reason": f"{PEER_MART} has no rolling 12-month figures for the quarters shown"}
    return _peer_groups(mart, _own_peer_codes(con, dt_), dt_)


PEER_MEMBER_FIELDS = ("rate_per_1000", "count", "rank_in_group", "position_vs_peers")


def _own_peer_codes(con: duckdb.DuckDBPyConnection, dt_: DashboardTables) -> pd.DataFrame:
    """area_code (the page's), peer_code (the peer mart's): each district's Community Safety
    Partnership (``dim_area.csp_code``) and the police force area itself."""
    has_csp = con.execute("select count(*) from information_schema.columns where table_schema = 'marts' "
                          "and table_name = 'dim_area' and column_name = 'csp_code'").fetchone()[0]
    districts = con.execute("select area_code, csp_code as peer_code from marts.dim_area "
                            "where is_district and csp_code is not null").df() if has_csp else \
        pd.DataFrame(columns=["area_code", "peer_code"])
    force = pd.DataFrame({"area_code": [dt_.geography.force_area], "peer_code": [dt_.geography.force_area]})
    return pd.concat([districts, force], ignore_index=True)


PEER_QUARTERS = 4  # peer groups for the latest four quarter ends: every member's funnel limits weigh


def _peer_groups(mart: pd.DataFrame, own: pd.DataFrame, dt_: DashboardTables) -> dict[str, Any]:
    """The peer rows as the page embeds them, controlled (see ``peers_payload``): ``groups`` (quarter
    index, indicator_id, focus area, group average, members ranked) and their ``members`` (group
    index, area, population, rate, count, rank, position, the four funnel limits at its population)."""
    quarter_of = pd.Series(range(len(dt_.quarters)), index=[q.end_month for q in dt_.quarters])
    mart = mart.assign(q=pd.to_datetime(mart["period_end_month"]).dt.date.map(quarter_of))
    mart = mart[mart["q"] >= len(dt_.quarters) - PEER_QUARTERS].reset_index(drop=True)
    group = ["q", "indicator_id", "focus_area_code"]  # the reports' rule for peer rows (reporting.peer_control)
    mart = peer_control.control(mart, dt_.catalogue, dt_.rules, _hidden_own(mart, own, dt_), group)
    mart = mart.sort_values([*group, "population"], kind="stable").reset_index(drop=True)
    mart["group"] = mart.groupby(group, sort=False).ngroup()
    groups = mart.drop_duplicates("group")[[*group, "group_average_rate", "ranked_of"]]
    flags = pd.DataFrame({c: mart["hidden"] for c in PEER_MEMBER_FIELDS})
    member_fields = ["group", "area_code", "population", "rate_per_1000", "count", "rank_in_group", "position_vs_peers",
                     "funnel_lower_95", "funnel_upper_95", "funnel_lower_998", "funnel_upper_998"]
    members = _plain(mart[member_fields], flags, digits=4)
    names = mart.drop_duplicates("area_code").set_index("area_code")["area_name"].to_dict()
    return {"available": True, "reason": None, "quarters": sorted(int(q) for q in groups["q"].unique()),
            "group_fields": [*group, "group_average_rate", "ranked_of"], "groups": _rows(_plain(groups, digits=4)),
            "member_fields": member_fields, "members": _rows(members), "names": names,
            "focus": dict(zip(own["area_code"], own["peer_code"]))}


def _hidden_own(mart: pd.DataFrame, own: pd.DataFrame, dt_: DashboardTables) -> np.ndarray:
    """Peer rows of the partnership's own areas whose 12-month count the page hides."""
    rows = dt_.scorecard.loc[dt_.hidden["rolling_12m"].to_numpy(dtype=bool),
                             ["indicator_id", "area_code", "financial_year", "fy_quarter"]]
    index = pd.DataFrame({"financial_year": [q.year.label for q in dt_.quarters],
                          "fy_quarter": [q.number for q in dt_.quarters], "q": range(len(dt_.quarters))})
    keys = rows.merge(index, on=["financial_year", "fy_quarter"]).merge(own, on="area_code")
    keys = keys[["indicator_id", "peer_code", "q"]].drop_duplicates().rename(columns={"peer_code": "area_code"})
    found = mart[["indicator_id", "area_code", "q"]].merge(keys.assign(_hit=True), how="left",
                                                            on=["indicator_id", "area_code", "q"])
    return found["_hit"].astype("boolean").fillna(False).to_numpy(dtype=bool)


# --------------------------------------------------------------------------- costs

def costs_payload(con: duckdb.DuckDBPyConnection, dt_: DashboardTables) -> dict[str, Any]:
    """The latest complete financial year's cost of crime by category (as the annual update shows
    it, hidden with its count), or why there is none."""
    year = latest_complete_year(con)
    if year is None or year.last_month > dt_.latest.end_month:
        return {"available": False, "reason": "no complete financial year is loaded yet"}
    population = con.execute(
        """select max(population) from marts.mart_scorecard_quarterly
           where area_code = ? and financial_year = ? and fy_quarter = 4
             and lower(coalesce(population_group, 'all residents')) = 'all residents'""",
        [dt_.geography.force_area, year.label]).fetchone()[0]
    summary = costs.cost_summary(con, year, dt_.rules, float(population) if population else None)
    if summary is None:
        return {"available": False, "reason": "this warehouse has no unit costs of crime"}
    rows = summary.rows.assign(order=np.arange(len(summary.rows)))
    hidden = pd.DataFrame({c: rows["hidden"] for c in ("crimes", "total", "per_head")})
    table = _plain(rows[["category", "crimes", "unit_cost", "total", "per_head", "is_verified", "order"]], hidden, 2)
    context = costs.cost_context(summary)
    return {"available": True, "year": summary.year, "trace": summary.year, "price_year": summary.price_year,
            "total": round(summary.total, 0), "per_head": None if summary.total_per_head is None
            else round(summary.total_per_head, 2), "crimes": summary.crimes_costed,
            "fields": list(table.columns), "rows": _rows(table), "notes": context["notes"],
            "not_costed": int(summary.not_costed["crimes"].sum())}


# --------------------------------------------------------------------------- specifications

def specs_payload(dt_: DashboardTables, indicators: dict[str, dict[str, Any]], price_year: str,
                  boundaries: bool = False) -> dict[str, Any]:
    """The Vega-Lite templates: a trend and a district chart per indicator (the reports' specs),
    the map (by rate, by position; the choropleth when ``boundaries``), the funnel plot and the
    costs chart."""
    series = dt_.series
    force = dt_.geography.force_area
    latest = dt_.quarter_rows(dt_.latest)
    names = dt_.geography.areas.set_index("area_code")["area_name"]
    districts = dt_.geography.districts["area_code"]
    trend, bars = {}, {}
    for indicator_id, meta in indicators.items():  # one template per indicator (tens)
        own = series[series["indicator_id"] == indicator_id]
        if len(own):
            area = force if (own["area_code"] == force).any() else own["area_code"].iloc[0]
            trend[indicator_id] = specs.trend_template(
                own[own["area_code"] == area], indicator_name=meta["name"],
                unit_label="%" if meta["is_percent"] else meta["unit"], is_percent=meta["is_percent"],
                grain=str(own["grain"].iloc[0]), rolling=meta["windowed"])
        rows = latest[(latest["indicator_id"] == indicator_id) & latest["area_code"].isin(districts)]
        if len(rows):
            frame = pd.DataFrame({"area_name": rows["area_code"].map(names).to_numpy(),
                                  "value": pd.to_numeric(rows[meta["measure"]], errors="coerce").to_numpy(dtype=float),
                                  "status": "available", "position": None})
            bars[indicator_id] = specs.district_template(
                frame, indicator_name=meta["name"], period_label=dt_.latest.label, unit_label=meta["axis"],
                is_percent=meta["is_percent"], reference_label=str(names.get(dt_.geography.county, "County")))
    config = charts._config(False)
    out = {"trend": trend, "districts": bars,
           "map": {"rate": specs.map_spec(config, "rate", boundaries),
                   "position": specs.map_spec(config, "position", boundaries)},
           "funnel": specs.funnel_spec(config, "rate per 1,000 residents (12 months)"),
           "costs": specs.costs_spec(config, price_year)}
    return {**_shared_config(out), "config": config}


def _shared_config(tree: dict[str, Any]) -> dict[str, Any]:
    """The specs without their house ``config`` (the page adds the one shared copy back)."""
    if "layer" in tree or "mark" in tree:
        return {k: v for k, v in tree.items() if k != "config"}
    return {k: _shared_config(v) if isinstance(v, dict) else v for k, v in tree.items()}


# --------------------------------------------------------------------------- the page

def build_payload(con: duckdb.DuckDBPyConnection, dt_: DashboardTables, built: dt.datetime) -> dict[str, Any]:
    """Everything the page embeds, from the controlled tables only."""
    geo = dt_.geography
    indicators = indicators_payload(dt_)
    latest_month = dt_.latest.end_month
    positions = hex_positions(con)
    names = geo.areas.set_index("area_code")["area_name"]
    outlines = boundary_features(con, positions, names)
    payload = {
        "meta": {"title": "Performance dashboard", "built": built.strftime("%d %B %Y"),
                 "built_iso": built.isoformat(timespec="seconds"), "force_area": geo.force_area,
                 "county": geo.county, "county_name": geo.name(geo.county), "force_name": geo.name(geo.force_area),
                 "default_area": geo.force_area, "latest_month": month_label(latest_month),
                 "suppressed": SUPPRESSED, "threshold": dt_.rules.threshold,
                 "sensitive_themes": sorted(dt_.rules.sensitive_themes),
                 "stale": stale_warning(latest_month, built)},
        "areas": areas_payload(dt_),
        "quarters": quarters_payload(dt_.quarters),
        "indicators": indicators,
        "issues": issues_payload(dt_, indicators),
        "scorecard": scorecard_payload(dt_),
        "series": series_payload(dt_),
        "hex": hex_features(positions, names),
        # the districts' ONS outlines when every district has one (the page then draws a choropleth)
        "boundaries": outlines[0] if outlines else None,
        "boundaries_vintage": outlines[1] if outlines else None,
        "peers": peers_payload(con, dt_),
        "costs": costs_payload(con, dt_),
    }
    payload["specs"] = specs_payload(dt_, indicators, str(payload["costs"].get("price_year") or "latest"),
                                     boundaries=outlines is not None)
    return payload


def render_dashboard(payload: dict[str, Any]) -> str:
    """The HTML page: the template, the Vega bundle and the payload inlined."""
    notes = {"position": POSITION_NOTE, "duplicates": DUPLICATES_NOTE,
             "map": (CHOROPLETH_NOTE.format(vintage=payload["boundaries_vintage"]) if payload.get("boundaries")
                     else MAP_NOTE)}
    return _env.get_template("dashboard.html").render(
        meta=payload["meta"], areas=payload["areas"], quarters=payload["quarters"], issues=payload["issues"],
        indicators=payload["indicators"], costs=payload["costs"], peers=payload["peers"], notes=notes,
        data_json=_json(payload), vega_bundle=vega_bundle())


def dashboard_html(con: duckdb.DuckDBPyConnection, dt_: DashboardTables, built: dt.datetime | None = None) -> str:
    """The page for these controlled tables (checked for small counts once more first)."""
    assert_no_small_counts(dt_)
    return render_dashboard(build_payload(con, dt_, built or dt.datetime.now(dt.timezone.utc)))

