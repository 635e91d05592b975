"""The Board's HTML reports, rendered with Jinja2 from the controlled tables.

Everything is inline (CSS, the charts' static SVG from ``reporting.charts``, and each chart's data
as a CSV ``data:`` link), so a report is one file that opens offline, makes no external request and
is published atomically; the annual update's HTML is also what Chromium prints to PDF (its print
stylesheet numbers the pages). Both reports open with contents and a one-page executive summary.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from reporting import charts
from reporting.costs import CostSummary, cost_context
from reporting.highlights import change_sentence, highlights
from reporting.periods import month_label
from reporting.relative_context import relative_context
from reporting.relative_position import PeerTables
from reporting.tables import AnnualTables, QuarterlyTables, is_percent_unit, not_available_with_value, status_label

SUPPRESSED = "[c]"


class NotAvailable(str):
    """A cell whose data is not available (the row's value_status): written "n/a" with its status,
    the reason on hover. Never a number: nothing computes with it."""

    status: str
    label: str
    reason: str

    def __new__(cls, status: str, reason: Any = None) -> "NotAvailable":
        label = status_label(status) or "not available"
        obj = super().__new__(cls, f"not available ({label})")
        obj.status, obj.label = str(status), label
        obj.reason = str(reason) if isinstance(reason, str) and reason else label
        return obj

    def __html__(self) -> str:
        return str(Markup('<span class="na" title="{}">n/a <span class="unit">{}</span></span>').format(
            self.reason, self.label))

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("reporting", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _shown(f):
    """A number format that writes [c] for a hidden cell and a dash for one that does not exist."""
    def wrapped(v: Any) -> str:
        if isinstance(v, NotAvailable):
            return v
        if isinstance(v, str) and v == SUPPRESSED:
            return SUPPRESSED
        if _missing(v):
            return "–"
        return f(v)
    wrapped.__doc__ = f.__doc__
    return wrapped


@_shown
def fmt_count(v: Any) -> str:
    v = float(v)
    return f"{v:,.0f}" if v.is_integer() else f"{v:,.1f}"


@_shown
def fmt_pct(v: Any) -> str:
    return f"{float(v):+.1f}%"


@_shown
def fmt_rate(v: Any) -> str:
    v = float(v)
    return f"{v:,.2f}" if v < 100 else f"{v:,.1f}"


@_shown
def fmt_money(v: Any) -> str:
    v = float(v)
    if v >= 1e6:
        return f"£{v / 1e6:,.1f}m"
    return f"£{v:,.0f}"


@_shown
def fmt_signed(v: Any) -> str:
    """A change in the value's own unit (percentage points for a percentage): +1.4, -0.3."""
    v = float(v)
    return f"{v:+,.1f}" if abs(v) < 100 else f"{v:+,.0f}"


@_shown
def fmt_p(v: Any) -> str:
    return "< 0.001" if v < 0.001 else f"{v:.3f}"


@_shown
def fmt_sig(v: Any) -> str:
    return "Significant" if bool(v) else "Not significant"


@_shown
def fmt_direction(v: Any) -> str:
    return {"up": "▲ up", "down": "▼ down", "no change": "● no change"}.get(str(v), str(v))


@_shown
def fmt_rank(v: Any) -> str:
    return f"{int(v)} of 14"


def fmt_change(v: Any, record: dict[str, Any] | None = None) -> str:
    """A change as the reader should see it: "+1.4 pp" for a percentage (percentage points), "+3.0%"
    otherwise; [c] for a hidden one, n/a for one not available, a dash when there is none."""
    if record is not None and record.get("is_percent"):
        text = fmt_signed(v)
        return f"{text} pp" if text not in ("–", SUPPRESSED) and not isinstance(text, NotAvailable) else text
    return fmt_pct(v)


def fmt_value(v: Any, record: dict[str, Any] | None = None) -> str:
    """A count, or a percentage with its "%" sign."""
    text = fmt_count(v)
    if record is not None and record.get("is_percent") and text not in ("–", SUPPRESSED) \
            and not isinstance(text, NotAvailable):
        return f"{text}%"
    return text


_env.filters["chg"] = fmt_change
_env.filters["val"] = fmt_value

for _name, _f in {"count": fmt_count, "pct": fmt_pct, "rate": fmt_rate, "money": fmt_money, "p": fmt_p,
                  "sig": fmt_sig, "direction": fmt_direction, "rank": fmt_rank, "signed": fmt_signed}.items():
    _env.filters[_name] = _f


def _value(v: Any) -> float | None:
    return None if _missing(v) or isinstance(v, str) else float(v)


def _records(frame: pd.DataFrame, hidden: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """Rows as dicts: missing values None, hidden cells the [c] mark (``hidden`` aligned on the index),
    and for a row whose value is not available (value_status), ``not_available`` (else None) also
    in place of its missing quarter and 12-month counts."""
    out = []
    for index, row in zip(frame.index, frame.to_dict("records")):
        rec = {k: (None if _missing(v) else v) for k, v in row.items()}
        if hidden is not None and index in hidden.index:
            for column, is_hidden in hidden.loc[index].items():
                if is_hidden and column in rec:
                    rec[column] = SUPPRESSED
        status = rec.get("value_status")
        rec["not_available"] = NotAvailable(status, rec.get("value_status_reason")) if status_label(status) else None
        if rec["not_available"] is not None:
            for column in not_available_with_value(rec.get("value_kind")):
                if column in rec and rec[column] is None:
                    rec[column] = rec["not_available"]
        out.append(rec)
    return out


def _is_true(v: Any) -> bool:
    return isinstance(v, (bool, np.bool_)) and bool(v)


def _change(now: Any, before: Any) -> float | str | None:
    """Percentage change of two published counts ([c] if either is hidden)."""
    if isinstance(now, NotAvailable) or isinstance(before, NotAvailable):
        return None
    if SUPPRESSED in (now, before):
        return SUPPRESSED
    if _missing(now) or _missing(before) or isinstance(now, str) or isinstance(before, str) or float(before) == 0:
        return None
    return 100 * (float(now) - float(before)) / float(before)


# --- charts: every chart through reporting.charts (Vega-Lite, rendered to static SVG) ---------------

# Phrases the reader sees for an indicator whose windows had no events anywhere (a retired police.uk
# category such as "Public disorder and weapons"): shown, never rated, kept out of the tiles.
NO_EVENTS = "no data in this period"
STALE_AFTER_MONTHS = 3


def is_percent(indicator: dict[str, Any]) -> bool:
    """A percentage (a ratio scaled to 100, or a survey's "% of residents"): written with "%", its
    change in percentage points, never "per 100 residents"."""
    scale = indicator.get("ratio_scale")
    return is_percent_unit(indicator.get("unit")) or (
        not _missing(scale) and bool(indicator.get("is_ratio")) and float(scale) == 100)


def has_no_events(record: dict[str, Any]) -> bool:
    """No events in either 12-month window: the mart's direction says 'no events' (the one rule)."""
    return str(record.get("direction") or "") == "no events"


def _statuses(values: pd.Series, suppressed: pd.Series) -> np.ndarray:
    """'suppressed' (hidden by disclosure control), 'not_available' (no value) or 'available'."""
    return np.select([suppressed.to_numpy(dtype=bool), values.isna().to_numpy()],
                     ["suppressed", "not_available"], "available")


def _rate_words(indicator: dict[str, Any]) -> str:
    """'per 1,000 residents', 'per 10,000 adult females (16+)'; '%' for a percentage."""
    if is_percent(indicator):
        return "%"
    per = int(indicator.get("rate_per") or 1000)
    group = str(indicator.get("population_group") or "residents").replace("all residents", "residents")
    return f"per {per:,} {group}"


def _measure(ind_rows: pd.DataFrame, record: dict[str, Any]) -> str:
    """Which column the district chart compares: a value as its source publishes it (survey,
    published figure), the 12-month ratio of a ratio indicator, else the 12-month rate (the
    12-month count where no area has a population)."""
    if record.get("period_label") and not record.get("is_ratio"):
        return "value"
    if record.get("is_ratio") or str(record.get("value_kind") or "") == "ratio":
        return "rolling_12m"
    return "rate" if ind_rows["rate"].notna().any() or not ind_rows["rolling_12m"].notna().any() else "rolling_12m"


def _district_chart(ind_rows: pd.DataFrame, tables, record: dict[str, Any], period: str,
                    chart_id: str) -> charts.Chart | None:
    """Districts' rates (ratios, or values as their source gives them) coloured by their position
    against the county (above / similar / below, the mart's own test: never the change RAG)."""
    geo = tables.geography
    measure = _measure(ind_rows, record)
    districts = ind_rows[ind_rows["area_code"].isin(geo.districts["area_code"])]
    if districts.empty:
        return None
    hidden = tables.hidden.reindex(index=districts.index, columns=[measure]).fillna(False)[measure].astype(bool)
    frame = pd.DataFrame({
        "area_name": districts["area_code"].map(geo.areas.set_index("area_code")["area_name"]).fillna(
            districts["area_code"]).to_numpy(),
        "value": pd.to_numeric(districts[measure], errors="coerce").to_numpy(dtype=float),
        "status": _statuses(districts[measure], hidden),
        "position": (districts["position_vs_county"].astype(object).where(districts["position_vs_county"].notna(), None)
                     if "position_vs_county" in districts.columns else pd.Series(None, index=districts.index)).to_numpy(),
    }).sort_values("value", ascending=False, na_position="last", kind="stable")
    if (frame["status"] == "not_available").all():
        return None  # no district has a figure (e.g. a source published for the county only): no chart
    county = ind_rows.loc[ind_rows["area_code"] == geo.county, measure]
    reference = _value(county.iloc[0]) if len(county) else None
    percent = is_percent(record)
    if measure == "value":
        labels = sorted({str(v) for v in ind_rows.get("period_label", pd.Series(dtype=object)).dropna()})
        period = ", ".join(labels) if labels else period
        unit = "%" if percent else str(record["unit"])
        title = f"{record['indicator_name']} by district, {period}"
    elif measure == "rolling_12m" and not record.get("is_ratio"):
        unit = str(record["unit"])
        title = f"{record['indicator_name']}: {unit} by district, {period}"
    else:
        unit = _rate_words(record) if percent else f"{record['unit']} {_rate_words(record)}"
        title = (f"{record['indicator_name']} by district, {period}" if percent
                 else f"{record['indicator_name']}: rate {_rate_words(record)} by district, {period}")
    return charts.district_chart(frame, chart_id=chart_id, title=title, indicator_name=str(record["indicator_name"]),
                                 period_label=period, unit_label=unit, is_percent=percent,
                                 reference_value=reference, reference_label=geo.name(geo.county))


def _figure_text(value: Any, percent: bool, measure: str, record: dict[str, Any]) -> str:
    if value == SUPPRESSED:
        return "not published (small numbers)"
    if _missing(value) or isinstance(value, str):
        return "not available"
    if percent:
        return f"{float(value):.1f}%"
    if measure == "rate":
        return f"{fmt_rate(value)} {_rate_words(record)}"
    return f"{fmt_count(value)} {record.get('unit') or ''}".strip()


def position_words(record: dict[str, Any], ind_rows: pd.DataFrame, tables) -> str:
    """A district's figure and its position against the county in words, e.g. "41.2 per 1,000
    residents: above the Lancashire-12 figure of 35.0 (a statistically significant difference)"."""
    measure = _measure(ind_rows, record)
    percent = is_percent(record)
    mine = _figure_text(record.get(measure), percent, measure, record)
    county = ind_rows.loc[ind_rows["area_code"] == tables.geography.county, measure]
    theirs = _figure_text(_value(county.iloc[0]) if len(county) else None, percent, measure, record)
    position = record.get("position_vs_county")
    county_name = tables.geography.name(tables.geography.county)
    if position == "above":
        return f"{mine}: above the {county_name} figure of {theirs} (a statistically significant difference)."
    if position == "below":
        return f"{mine}: below the {county_name} figure of {theirs} (a statistically significant difference)."
    if position == "similar":
        return f"{mine}: similar to the {county_name} figure of {theirs} (no statistically significant difference)."
    return f"{mine}, against {theirs} for {county_name}."


def _series_of(tables, indicator_id: str, area_code: str, name: str) -> pd.DataFrame | None:
    """An indicator's series at its own grain from the tables' controlled frame ``name`` (``series``:
    months, or quarters for a quarterly source such as MARAC; ``yearly_series``: financial years);
    None when the tables have no such frame (the fallbacks below build one from ``monthly`` / ``yearly``)."""
    frame = getattr(tables, name, None)
    if not isinstance(frame, pd.DataFrame) or not {"indicator_id", "area_code", "period_start", "status"} <= set(frame.columns):
        return None
    sub = frame[(frame["indicator_id"] == indicator_id) & (frame["area_code"] == area_code)]
    return sub.sort_values("period_start").reset_index(drop=True)


def _monthly_fallback(tables: QuarterlyTables, indicator_id: str) -> pd.DataFrame:
    """Every month of the 36-month window for the force area (a month with no row is a gap)."""
    months = pd.DataFrame({"period_start": tables.quarter.months_back(36)})
    own = tables.monthly[tables.monthly["indicator_id"] == indicator_id][["month", "value", "suppressed"]]
    if own.empty:
        return own.assign(period_start=[], period_label=[], status=[], grain=[])
    frame = months.merge(own.rename(columns={"month": "period_start"}), on="period_start", how="left")
    frame["suppressed"] = frame["suppressed"].astype("boolean").fillna(False).astype(bool)
    frame["period_label"] = pd.to_datetime(frame["period_start"]).dt.strftime("%b %Y")
    frame["status"] = _statuses(frame["value"], frame["suppressed"])
    return frame.assign(grain="month")


def _yearly_fallback(tables: AnnualTables, indicator_id: str, area_code: str) -> pd.DataFrame:
    """Every trend year for one area (a year with no complete total is a gap)."""
    years = pd.DataFrame({"period_label": [y.label for y in tables.years],
                          "period_start": [y.first_month for y in tables.years]})
    own = tables.yearly[(tables.yearly["indicator_id"] == indicator_id) & (tables.yearly["area_code"] == area_code)]
    frame = years.merge(own[["financial_year", "value", "suppressed"]].rename(columns={"financial_year": "period_label"}),
                        on="period_label", how="left")
    frame["suppressed"] = frame["suppressed"].astype("boolean").fillna(False).astype(bool)
    frame["status"] = _statuses(frame["value"], frame["suppressed"])
    return frame.assign(grain="year")


def _trend(series: pd.DataFrame, record: dict[str, Any], area_name: str, chart_id: str, kind: str = "line",
           small: bool = False) -> charts.Chart | None:
    """One indicator's series for one area at its own grain; None when it has no point at all."""
    if series is None or series.empty or not (series["status"] != "not_available").any():
        return None
    grain = str(series["grain"].dropna().iloc[0]) if "grain" in series.columns and series["grain"].notna().any() \
        else "month"
    percent = is_percent(record)
    unit = "%" if percent else str(record["unit"])
    each = {"month": "Each month", "quarter": "Each quarter", "year": "Each financial year"}.get(grain, "Each period")
    kwargs = dict(chart_id=chart_id, indicator_name=str(record["indicator_name"]), area_name=area_name,
                  unit_label=unit, is_percent=percent, grain=grain, kind=kind)
    data = series[["period_start", "period_label", "value", "status"]].reset_index(drop=True)
    if small:
        return charts.small_multiple(data, title=str(record["indicator_name"]), **kwargs)
    return charts.trend_chart(data, title=f"{record['indicator_name']}: {each.lower()}, {area_name}", **kwargs)


def _chart_id(*parts: Any) -> str:
    """A stable, unique HTML id (and CSV file name) for a chart."""
    text = "-".join(str(p) for p in parts if p)
    return "chart-" + "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def _pp_or_pct(record: dict[str, Any], now_col: str, before_col: str, pct_col: str | None = None) -> Any:
    """The change the reader should see: percentage points for a percentage, else the % change."""
    now, before = record.get(now_col), record.get(before_col)
    if is_percent(record):
        if SUPPRESSED in (now, before):
            return SUPPRESSED
        if isinstance(now, (int, float)) and isinstance(before, (int, float)) and not _missing(now) and not _missing(before):
            return float(now) - float(before)
        return None
    if pct_col is not None:
        return record.get(pct_col)
    return _change(now, before)


def _decorate(record: dict[str, Any], tables) -> dict[str, Any]:
    """Per-row facts the templates need: percentage or not, no events, the changes in their units."""
    cat = tables.catalogue.set_index("indicator_id")
    if "ratio_scale" in cat.columns and record.get("indicator_id") in cat.index:
        record.setdefault("ratio_scale", _value(cat.at[record["indicator_id"], "ratio_scale"]))
    record["is_percent"] = is_percent(record)
    record["no_events"] = has_no_events(record)
    record["change_12m"] = _pp_or_pct(record, "rolling_12m", "rolling_12m_previous")
    record["change_quarter"] = _pp_or_pct(record, "value", "value_same_quarter_last_year", "pct_change")
    if record["no_events"]:
        record["rag"] = None
    return record


def shown_indicators(tables) -> set[str]:
    """Indicators with events in either 12-month period somewhere (legacy categories such as
    "Public disorder and weapons" are all zeros in recent years: shown as "no data in this period",
    unrated and kept out of the tiles and RAG counts)."""
    rows = tables.scorecard
    counts = rows[["rolling_12m", "rolling_12m_previous"]].astype(float)
    any_events = (counts.fillna(1) > 0).any(axis=1)  # hidden counts are non-zero by definition
    if "direction" in rows.columns:
        any_events &= rows["direction"].astype(object).fillna("") != "no events"
    per_indicator = any_events.groupby(rows["indicator_id"]).any()
    return set(per_indicator[per_indicator].index)


def _indicators_by_issue(tables, rows: pd.DataFrame) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(key issue, priority, force-area rows of its indicators) in the Board's order. Indicators with
    no events anywhere in either window are kept (shown as "no data in this period", unrated)."""
    force = rows[rows["area_code"] == tables.geography.force_area]
    order = {k: i for i, k in enumerate(tables.catalogue["indicator_id"])}
    shown = shown_indicators(tables)
    out = []
    for issue in tables.key_issues:
        sub = force[force["key_issue"] == issue]
        sub = sub.iloc[sub["indicator_id"].map(order).argsort(kind="stable")]
        if sub.empty:
            continue
        records = [_decorate(r, tables) for r in _records(sub, tables.hidden)]
        for r in records:  # no events in any area: the force row says so even where its own count is hidden
            r["no_events"] = r["no_events"] or r["indicator_id"] not in shown
            r["rag"] = None if r["no_events"] else r.get("rag")
        out.append((issue, str(sub["priority"].iloc[0]), records))
    return out


def _source(record: dict[str, Any], indicator_rows: pd.DataFrame) -> Any:
    """Who produced an indicator's figures (``value_source``, for values published by another body or
    estimated from a survey): the row's own, else any area's (the headline area may have none)."""
    if record.get("value_source") or "value_source" not in indicator_rows.columns:
        return record.get("value_source")
    known = indicator_rows["value_source"].dropna()
    return str(known.iloc[0]) if len(known) else None


def _rag_summary(records: list[dict[str, Any]]) -> dict[str, int]:
    """RAG counts of the rated-or-ratable indicators: those with no events are left out."""
    counts = {"red": 0, "amber": 0, "green": 0, "not published": 0}
    for r in records:
        if r.get("no_events"):
            continue
        counts[r["rag"] if r.get("rag") in counts else "not published"] += 1
    return counts


_SMALL_NUMBERS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def _number_words(n: int) -> str:
    return _SMALL_NUMBERS[n] if 0 <= n < len(_SMALL_NUMBERS) else f"{n:,}"


def rag_sentence(records: list[dict[str, Any]]) -> str:
    """The RAG summary in words (never colour alone): how many red, amber, green, not rated."""
    counts = _rag_summary(records)
    no_events = sum(1 for r in records if r.get("no_events"))
    rated = counts["red"] + counts["amber"] + counts["green"]
    text = (f"Of {_number_words(len(records))} indicators, {_number_words(counts['red'])} "
            f"{'is' if counts['red'] == 1 else 'are'} red (a statistically significant deterioration), "
            f"{_number_words(counts['amber'])} amber (no significant change) and "
            f"{_number_words(counts['green'])} green (a significant improvement)")
    extra = []
    if counts["not published"]:
        extra.append(f"{_number_words(counts['not published'])} cannot be rated (no comparison yet, not available, "
                     f"or hidden to protect small numbers)")
    if no_events:
        extra.append(f"{_number_words(no_events)} had no events in either year ({NO_EVENTS}) and "
                     f"{'is' if no_events == 1 else 'are'} not rated")
    if not rated and not extra:
        return "No indicator can be rated for this period."
    return text + ("; " + "; ".join(extra) if extra else "") + "."


def top_changes(records: list[dict[str, Any]], limit: int = 5) -> list[dict[str, Any]]:
    """The largest published 12-month changes, statistically significant ones first."""
    candidates = [r for r in records if not r.get("no_events") and isinstance(r.get("change_12m"), float)
                  and not _missing(r["change_12m"])]
    candidates.sort(key=lambda r: (not _is_true(r.get("significant_change")), -abs(r["change_12m"])))
    return candidates[:limit]


def stale_warning(latest: dt.date | None, built: dt.datetime) -> str | None:
    """A warning when the latest data month is more than three months older than the build date."""
    if latest is None:
        return None
    months = (built.year - latest.year) * 12 + built.month - latest.month
    if months <= STALE_AFTER_MONTHS:
        return None
    return (f"These figures may be out of date: the latest data in this report are for {month_label(latest)}, "
            f"{months} months before it was built ({built:%d %B %Y}). Check that the latest feeds have arrived "
            f"before relying on them.")


def _not_available_notes(tables, period: str) -> list[str]:
    """One line per indicator with areas whose value is not available in the period, and why."""
    rows = tables.scorecard
    if "value_status" not in rows.columns:
        return []
    missing = rows[rows["value_status"].notna() & (rows["value_status"] != "available")]
    names = tables.geography.areas.set_index("area_code")["area_name"].to_dict()
    out = []
    for indicator_id, sub in missing.groupby("indicator_id", sort=False):
        labels = sorted({status_label(s) or str(s) for s in sub["value_status"]})
        where = ("every area" if len(sub) == len(rows[rows["indicator_id"] == indicator_id])
                 else ", ".join(sorted(names.get(a, a) for a in sub["area_code"])))
        out.append(f"{sub['indicator_name'].iloc[0]}: not available for {period} in {where} "
                   f"({', '.join(labels)}).")
    return out


# How each kind of test in the catalogue (significance_test) judges change, for the data notes.
TEST_NOTES = {
    "survey_z": ("Survey estimates",
                 "Weighted percentages of the residents' survey (\"don't know\" and no answer excluded), with 95% "
                 "confidence intervals from the effective sample size (Kish). The change from the previous wave is "
                 "tested with a two-sided z test of two proportions on the effective sample sizes; no figure is "
                 "published from too few respondents (n/a, with the reason). A wave counts in the quarter of its "
                 "last month."),
    "ci_overlap": ("Published figures",
                   "Shown as their publisher gives them (the source is named with each): value, 95% confidence "
                   "interval, count and denominator, for the latest period published by the end of the quarter "
                   "(the period is shown). Change from the previous period and position against England are judged "
                   "by whether the 95% confidence intervals overlap (from the count where no interval is "
                   "published): no overlap is a significant change, red or green by the indicator's polarity."),
}

# How police.uk duplicates are counted: int_police_street_attributed flags them (is_duplicate_row,
# is_repeated_crime_id), dq_police_duplicate_rows lists them, and fct_indicator_event counts every
# row of fct_crime / fct_asb without filtering on either flag.
DUPLICATES_NOTE = (
    "police.uk rows are counted as they are published: none is removed. A crime row identical in every column to "
    "another (its Crime ID included), and a Crime ID that appears on more than one row (the same crime in a later "
    "month's file, or a re-used ID), are flagged by the warehouse's data-quality checks (the data-quality report "
    "lists them) but each row still counts once, so an exact copy of a crime is counted twice. Anti-social "
    "behaviour rows have no Crime ID: identical ASB rows are separate incidents at the same approximate location "
    "and are not duplicates. Rows of the force's own crime extract are not checked for duplicates this way.")

SIGNIFICANCE_FALLBACK = (
    "An exact Poisson test (the conditional binomial test of one 12-month count given the total of both).")

POSITION_NOTE = (
    "Above, similar or below the Lancashire-12 (county) figure: whether a district's 12-month rate differs "
    "significantly from the rest of the county's (the warehouse's test of the two rates, at the same significance "
    "level as change). It is shown in its own colours and words and is not the RAG status, which is about change "
    "over time.")


def _significance_method() -> str:
    """The method note of warehouse.statistics (over-dispersion allowed for) when it has one."""
    try:
        from warehouse import statistics
    except ImportError:  # pragma: no cover - the package is part of the project
        return SIGNIFICANCE_FALLBACK
    note = getattr(statistics, "SIGNIFICANCE_METHOD_NOTE", None)
    return str(note) if isinstance(note, str) and note.strip() else SIGNIFICANCE_FALLBACK


def _lookback_note(cat: pd.DataFrame) -> str | None:
    """Which indicators need a lookback (repeat victims) and that periods without it are not published."""
    if "lookback_months" not in cat.columns:
        return None
    needs = cat[pd.to_numeric(cat["lookback_months"], errors="coerce").fillna(0) > 0]
    if needs.empty:
        return None
    months = sorted({int(m) for m in pd.to_numeric(needs["lookback_months"], errors="coerce").dropna()})
    return (f"{', '.join(needs['indicator_name'])}: a victim counts as a repeat only if they had an earlier "
            f"incident in the {' or '.join(str(m) for m in months)} months before. A period without that full "
            f"lookback in the data (the first months after the data start) would undercount repeats, so it is not "
            f"published for these indicators (n/a).")


def _notes(tables, coverage: list[str], stale: str | None = None) -> dict[str, Any]:
    rules = tables.rules
    cat = tables.catalogue
    sources = cat.groupby("source_system")["indicator_name"].apply(list).to_dict()
    tests = set(cat["significance_test"].dropna()) if "significance_test" in cat.columns else set()
    return {
        "threshold": rules.threshold,
        "sensitive_themes": sorted(rules.sensitive_themes),
        "suppressed_cells": tables.suppressed_cells,
        "primary_cells": tables.primary_cells,
        "sources": sources,
        "coverage": coverage,
        "significance_level": float(tables.scorecard["significance_level"].dropna().iloc[0])
        if tables.scorecard["significance_level"].notna().any() else 0.05,
        "significance_method": _significance_method(),
        "duplicates": DUPLICATES_NOTE,
        "lookback": _lookback_note(cat),
        "position": POSITION_NOTE if "position_vs_county" in tables.scorecard.columns else None,
        "no_events": NO_EVENTS,
        "stale": stale,
        "descriptions": _records(cat[["indicator_id", "indicator_name", "key_issue", "priority", "source_system",
                                      "unit", "description"]].sort_values(["key_issue", "indicator_name"])),
        "tests": [TEST_NOTES[t] for t in TEST_NOTES if t in tests],
    }


def _area_records(ind_rows: pd.DataFrame, tables, phrases: dict[tuple[str, str], str] | None = None
                  ) -> list[dict[str, Any]]:
    """The county, clusters and districts of one indicator, county first, then by name; each with
    its position against its most similar areas in words (``peers``, from ``phrases``)."""
    areas = ind_rows[ind_rows["area_type"].isin(["district", "unitary", "county", "cluster"])]
    areas = areas.assign(order=areas["area_type"].map({"county": 0, "cluster": 1, "unitary": 2, "district": 2}))
    records = [_decorate(a, tables) for a in _records(areas.sort_values(["order", "area_name"]), tables.hidden)]
    for r in records:
        r["peers"] = (phrases or {}).get((r["indicator_id"], r["area_code"]))
    return records


def _latest_month(tables: QuarterlyTables) -> dt.date:
    """The latest month with data in the report: the quarter's last month unless no indicator has it."""
    monthly = tables.monthly
    hidden = monthly["suppressed"].astype(bool) if "suppressed" in monthly.columns else False
    known = monthly.loc[monthly["value"].notna() | hidden, "month"]
    latest = max(known) if len(known) else tables.quarter.end_month
    return min(latest, tables.quarter.end_month)


def quarterly_context(tables: QuarterlyTables, built: dt.datetime | None = None, peers: PeerTables | None = None,
                      quarter_peers: PeerTables | None = None) -> dict[str, Any]:
    """``peers``: the peer comparison of the rolling 12 months to the quarter's end;
    ``quarter_peers``: of the quarter (``reporting.relative_position.peer_tables``)."""
    built = built or dt.datetime.now(dt.timezone.utc)
    q = tables.quarter
    geo = tables.geography
    rows = tables.scorecard
    force_name = geo.name(geo.force_area)
    period12 = f"the 12 months to {month_label(q.end_month)}"
    relative = relative_context(tables, peers, shown_indicators(tables), quarter=quarter_peers)
    sections = []
    for issue, priority, records in _indicators_by_issue(tables, rows):
        items = []
        for r in records:
            ind_rows = rows[rows["indicator_id"] == r["indicator_id"]]
            chart_list: list[charts.Chart] = []
            if not r["no_events"]:
                series = _series_of(tables, r["indicator_id"], geo.force_area, "series")
                if series is None:
                    series = _monthly_fallback(tables, r["indicator_id"])
                # an indicator with no series (a survey estimate, a published figure) has no trend chart
                trend = _trend(series, r, force_name, _chart_id("trend", r["indicator_id"]))
                district = _district_chart(ind_rows, tables, r, f"12 months to {q.end_month:%b %Y}",
                                           _chart_id("districts", r["indicator_id"]))
                chart_list = [c for c in (trend, district) if c is not None]
            items.append({**r, "value_source": _source(r, ind_rows), "charts": chart_list,
                          "areas": _area_records(ind_rows, tables, relative["phrases"])})
        sections.append({"key_issue": issue, "priority": priority, "indicators": items,
                         "anchor": _anchor(issue), "rag": _rag_summary(records)})
    force_rows = rows[rows["area_code"] == geo.force_area]
    present = set(rows["indicator_id"])
    coverage = [f"{r.indicator_name} ({r.source_system}): its source does not yet cover {q.label}."
                for r in tables.catalogue.itertuples() if r.indicator_id not in present]
    coverage += _not_available_notes(tables, q.label)
    stale = stale_warning(_latest_month(tables), built)
    every = [i for s in sections for i in s["indicators"]]
    return {
        "title": "Quarterly Performance Report",
        "subtitle": q.long_label,
        "period_label": q.label,
        "period12": period12,
        "force_area_name": force_name,
        "built": built.strftime("%d %B %Y"),
        "sections": sections,
        "highlights": highlights(force_rows, period12),
        "rag_sentence": rag_sentence(every),
        "top_changes": top_changes(every),
        "stale": stale,
        "contents": [("summary", "Executive summary"), ("scorecard", "Scorecard by key issue")]
        + [(s["anchor"], s["key_issue"].capitalize()) for s in sections]
        + [("relative-position", "Lancashire's relative position"), ("notes", "Data notes")],
        "relative": relative,
        "county_name": geo.name(geo.county),
        "data_notes": _notes(tables, coverage, stale),
        "suppressed": SUPPRESSED,
    }


def _anchor(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def render_quarterly(tables: QuarterlyTables, built: dt.datetime | None = None, peers: PeerTables | None = None,
                     quarter_peers: PeerTables | None = None) -> str:
    return _env.get_template("quarterly.html").render(**quarterly_context(tables, built, peers, quarter_peers))


def annual_context(tables: AnnualTables, costs: CostSummary | None, peers: PeerTables | None = None,
                   built: dt.datetime | None = None) -> dict[str, Any]:
    """``peers``: the financial year's peer comparison (``reporting.relative_position.peer_tables``)."""
    built = built or dt.datetime.now(dt.timezone.utc)
    year = tables.year
    rows = tables.scorecard
    geo = tables.geography
    period = f"{year.label}"
    force_name = geo.name(geo.force_area)
    relative = relative_context(tables, peers, shown_indicators(tables))
    sections = []
    for issue, priority, records in _indicators_by_issue(tables, rows):
        items = []
        for r in records:
            ind_rows = rows[rows["indicator_id"] == r["indicator_id"]]
            series = _series_of(tables, r["indicator_id"], geo.force_area, "yearly_series")
            if series is None:
                series = _yearly_fallback(tables, r["indicator_id"], geo.force_area)
            items.append({
                **r,
                "value_source": _source(r, ind_rows),
                "sentence": None if r["no_events"] else
                change_sentence(r["indicator_name"], _value(r["rolling_12m"]),
                                _value(r["rolling_12m_previous"]), r["unit"], f"{year.label}",
                                r["significant_change"], r["polarity"], year.previous().label)
                if not r.get("period_label") else  # a value with no windows: against its previous period
                change_sentence(r["indicator_name"], _value(r["value"]), _value(r.get("previous_value")), r["unit"],
                                str(r["period_label"]), r["significant_change"], r["polarity"],
                                str(r.get("previous_period_label") or "the previous period")),
                "five_year_chart": None if r["no_events"] else
                _trend(series, r, force_name, _chart_id("years", r["indicator_id"]), kind="column"),
                "district_chart": None if r["no_events"] else
                _district_chart(ind_rows, tables, r, period, _chart_id("districts", r["indicator_id"])),
            })
        sections.append({"key_issue": issue, "priority": priority, "indicators": items,
                         "anchor": _anchor(issue), "rag": _rag_summary(records)})

    profiles = []
    shown = shown_indicators(tables)
    order = {k: i for i, k in enumerate(tables.catalogue["indicator_id"])}
    county = rows[rows["area_code"] == geo.county].set_index("indicator_id")
    key_items = [s["indicators"][0] for s in sections if s["priority"].strip().lower() != "context"
                 and s["indicators"] and not s["indicators"][0]["no_events"]]
    for d in geo.districts.itertuples():
        drows = rows[rows["area_code"] == d.area_code]
        groups = []
        for issue in tables.key_issues:
            sub = drows[drows["key_issue"] == issue]
            sub = sub.iloc[sub["indicator_id"].map(order).argsort(kind="stable")]
            if sub.empty:
                continue
            recs = [_decorate(rec, tables) for rec in _records(sub, tables.hidden)]
            for rec in recs:
                rec["no_events"] = rec["no_events"] or rec["indicator_id"] not in shown
                rec["rag"] = None if rec["no_events"] else rec.get("rag")
                rec["county_rate"] = _value(county["rate"].get(rec["indicator_id"])) \
                    if rec["indicator_id"] in county.index else None
                rec["peers"] = relative["phrases"].get((rec["indicator_id"], d.area_code))
            groups.append({"key_issue": issue, "indicators": recs})
        trends = []
        for item in key_items:  # the Board priorities' first indicators, as small charts with words
            own = drows[drows["indicator_id"] == item["indicator_id"]]
            if own.empty:
                continue
            rec = _decorate(_records(own, tables.hidden)[0], tables)
            series = _series_of(tables, item["indicator_id"], d.area_code, "yearly_series")
            if series is None:
                series = _yearly_fallback(tables, item["indicator_id"], d.area_code)
            trends.append({
                "indicator_name": item["indicator_name"], "key_issue": item["key_issue"],
                "chart": _trend(series, {**item, "ratio_scale": rec.get("ratio_scale")}, str(d.area_name),
                                _chart_id("profile", d.area_code, item["indicator_id"]), kind="column", small=True),
                "position": position_words(rec, rows[rows["indicator_id"] == item["indicator_id"]], tables),
            })
        profiles.append({"area_code": d.area_code, "area_name": d.area_name,
                         "funnel": relative["district_funnels"].get(d.area_code),
                         "kind": "unitary council" if d.area_type == "unitary" else "district",
                         "in_county": bool(d.in_lancashire_12), "groups": groups, "trends": trends,
                         "population": _value(drows["population"].dropna().iloc[0]) if drows["population"].notna().any() else None,
                         "population_year": int(drows["population_year"].dropna().iloc[0]) if drows["population_year"].notna().any() else None})

    headline_charts = []
    for section in sections:
        if section["priority"].strip().lower() == "context":
            continue
        for item in section["indicators"][:1] if section["key_issue"] != "road safety" else section["indicators"][:2]:
            if item["district_chart"] is not None:
                headline_charts.append(item["district_chart"])
    rate_rows = []
    district_codes = geo.districts["area_code"].tolist()
    for section in sections:
        for item in section["indicators"]:
            ind = rows[rows["indicator_id"] == item["indicator_id"]]
            recs = {r["area_code"]: r for r in _records(ind, tables.hidden)}
            county_rate = recs.get(geo.county, {}).get("rate")
            if item["no_events"] or not any(isinstance(r.get("rate"), (float, int)) or r.get("rate") == SUPPRESSED
                                            for r in recs.values()):
                continue  # an indicator with no rates (a survey estimate, a published figure, a percentage)
            cells = [{"rate": recs.get(code, {}).get("rate"), "position": recs.get(code, {}).get("position_vs_county")}
                     for code in district_codes]
            rate_rows.append({"indicator_name": item["indicator_name"], "key_issue": section["key_issue"],
                              "county": county_rate, "force": recs.get(geo.force_area, {}).get("rate"),
                              "rate_per": item.get("rate_per"), "population_group": item.get("population_group"),
                              "is_percent": item["is_percent"], "cells": cells})
    present = set(rows["indicator_id"])
    coverage = [f"{r.indicator_name} ({r.source_system}): its source does not yet cover the whole of {year.label}."
                for r in tables.catalogue.itertuples() if r.indicator_id not in present]
    coverage += _not_available_notes(tables, year.label)
    priorities = _records(tables.catalogue[["indicator_name", "key_issue", "priority", "theme"]]
                          .assign(order=lambda c: c["key_issue"].map({k: i for i, k in enumerate(tables.key_issues)}))
                          .sort_values(["order", "indicator_name"]))
    stale = stale_warning(year.last_month, built)
    every = [i for s in sections for i in s["indicators"]]
    years = [y.label for y in tables.years]
    trend_note = getattr(tables, "trend_years_note", None) or (
        f"{_number_words(len(years)).capitalize()} complete financial year{'' if len(years) == 1 else 's'} "
        f"({', '.join(years)})" if years else "No complete financial year")
    return {
        "title": "Annual Performance and Priorities Update",
        "subtitle": year.long_label,
        "period_label": year.label,
        "years": years,
        "trend_years_note": trend_note,
        "trend_heading": "Five-year trends by key issue" if len(years) >= 5
        else f"Trends by key issue: {_number_words(len(years))} complete year{'' if len(years) == 1 else 's'}",
        "force_area_name": force_name,
        "county_name": geo.name(geo.county),
        "built": built.strftime("%d %B %Y"),
        "sections": sections,
        "highlights": highlights(rows[rows["area_code"] == geo.force_area], f"{year.label}",
                                 before_label=year.previous().label),
        "rag_sentence": rag_sentence(every),
        "top_changes": top_changes(every),
        "stale": stale,
        "contents": [("summary", "Executive summary"), ("scorecard", "The year at a glance"),
                     ("trends", "Trends by key issue"), ("costs", "Costs of crime"),
                     ("relative-position", "Lancashire's relative position"), ("profiles", "District profiles"),
                     ("priorities", "Priorities each indicator serves"), ("notes", "Data notes")],
        "costs": cost_context(costs),  # reporting/costs.py: the force extract's crimes by cost category
        "relative": relative,
        "headline_charts": headline_charts,
        "rate_rows": rate_rows,
        "district_names": geo.districts["area_name"].tolist(),
        "profiles": profiles,
        "priorities": priorities,
        "data_notes": _notes(tables, coverage, stale),
        "suppressed": SUPPRESSED,
    }


def render_annual(tables: AnnualTables, costs: CostSummary | None, peers: PeerTables | None = None,
                  built: dt.datetime | None = None) -> str:
    return _env.get_template("annual.html").render(**annual_context(tables, costs, peers, built))


__all__ = ["render_quarterly", "render_annual", "fmt_count", "fmt_pct", "fmt_rate", "SUPPRESSED", "np"]
