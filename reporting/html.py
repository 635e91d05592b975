"""The Board's HTML reports, rendered with Jinja2 from the controlled tables.

Everything is inline (CSS, SVG charts), so a report opens offline and makes no external request;
the annual update's HTML is also what Chromium prints to PDF.
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
from reporting.highlights import change_sentence, highlights
from reporting.periods import month_label
from reporting.tables import AnnualTables, QuarterlyTables, not_available_with_value, status_label

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


def _change(now: Any, before: Any) -> float | str | None:
    """Percentage change of two published counts ([c] if either is hidden)."""
    if isinstance(now, NotAvailable) or isinstance(before, NotAvailable):
        return None
    if SUPPRESSED in (now, before):
        return SUPPRESSED
    if _missing(now) or _missing(before) or isinstance(now, str) or isinstance(before, str) or float(before) == 0:
        return None
    return 100 * (float(now) - float(before)) / float(before)


def _district_chart(rows: pd.DataFrame, tables, indicator: dict[str, Any], period: str, title_prefix: str = "") -> str:
    """Districts' rates (counts), or their values as their source gives them (an indicator with no
    rate: a survey estimate, a published figure), with the county's marked."""
    geo = tables.geography
    measure = "rate" if rows["rate"].notna().any() or not rows["value"].notna().any() else "value"
    districts = rows[rows["area_code"].isin(geo.districts["area_code"])].copy()
    districts["sort"] = districts[measure].astype(float).fillna(-1)
    districts = districts.sort_values("sort", ascending=False)
    bars = [charts.Bar(geo.name(r.area_code), _value(getattr(r, measure))) for r in districts.itertuples()]
    county = rows.loc[rows["area_code"] == geo.county, measure]
    ref = _value(county.iloc[0]) if len(county) else None
    if measure == "value":
        labels = sorted({str(v) for v in rows.get("period_label", pd.Series(dtype=object)).dropna()})
        when = ", ".join(labels) if labels else period
        return charts.bar_chart(bars, f"{title_prefix}{indicator['unit'].capitalize()} by district, {when}",
                                str(indicator["unit"]), reference=(ref, "Lancashire-12"))
    per = f"per {int(indicator.get('rate_per') or 1000):,} {indicator.get('population_group') or 'residents'}"
    per = per.replace("all residents", "residents")
    return charts.bar_chart(bars, f"{title_prefix}Rate {per} by district, {period}",
                            f"{indicator['unit']} {per}", reference=(ref, "Lancashire-12"))


def shown_indicators(tables) -> set[str]:
    """Indicators with events in either 12-month period somewhere (legacy categories such as
    "Public disorder and weapons" are all zeros in recent years: the workbook and CSV keep them)."""
    rows = tables.scorecard
    counts = rows[["rolling_12m", "rolling_12m_previous"]].astype(float)
    any_events = (counts.fillna(1) > 0).any(axis=1)  # hidden counts are non-zero by definition
    return set(rows.loc[any_events, "indicator_id"])


def _indicators_by_issue(tables, rows: pd.DataFrame) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(key issue, priority, force-area rows of its indicators) in the Board's order."""
    force = rows[(rows["area_code"] == tables.geography.force_area) & rows["indicator_id"].isin(shown_indicators(tables))]
    order = {k: i for i, k in enumerate(tables.catalogue["indicator_id"])}
    out = []
    for issue in tables.key_issues:
        sub = force[force["key_issue"] == issue]
        sub = sub.iloc[sub["indicator_id"].map(order).argsort(kind="stable")]
        if sub.empty:
            continue
        out.append((issue, str(sub["priority"].iloc[0]), _records(sub, tables.hidden)))
    return out


def _source(record: dict[str, Any], indicator_rows: pd.DataFrame) -> Any:
    """Who produced an indicator's figures (``value_source``, for values published by another body or
    estimated from a survey): the row's own, else any area's (the headline area may have none)."""
    if record.get("value_source") or "value_source" not in indicator_rows.columns:
        return record.get("value_source")
    known = indicator_rows["value_source"].dropna()
    return str(known.iloc[0]) if len(known) else None


def _rag_summary(records: list[dict[str, Any]]) -> dict[str, int]:
    counts = {"red": 0, "amber": 0, "green": 0, "not published": 0}
    for r in records:
        counts[r["rag"] if r.get("rag") in counts else "not published"] += 1
    return counts


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


def _notes(tables, coverage: list[str]) -> dict[str, Any]:
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
        "descriptions": _records(cat[["indicator_id", "indicator_name", "key_issue", "priority", "source_system",
                                      "unit", "description"]].sort_values(["key_issue", "indicator_name"])),
        "tests": [TEST_NOTES[t] for t in TEST_NOTES if t in tests],
    }


def quarterly_context(tables: QuarterlyTables, built: dt.datetime | None = None) -> dict[str, Any]:
    q = tables.quarter
    rows = tables.scorecard
    period12 = f"the 12 months to {month_label(q.end_month)}"
    sections = []
    for issue, priority, records in _indicators_by_issue(tables, rows):
        items = []
        for r in records:
            series = tables.monthly[tables.monthly["indicator_id"] == r["indicator_id"]].set_index("month")
            points = [charts.Point(m.strftime("%b %y"),  # every month of the window: missing ones are gaps
                                   _value(series["value"].get(m)) if m in series.index else None,
                                   bool(series["suppressed"].get(m, False)))
                      for m in q.months_back(36)]
            # an indicator with no months (a survey estimate, a published figure) has no monthly trend
            trend = charts.line_chart(points, f"Each month, {tables.geography.name(tables.geography.force_area)}",
                                      r["unit"].capitalize()) if not series.empty else ""

            ind_rows = rows[rows["indicator_id"] == r["indicator_id"]]
            districts = ind_rows[ind_rows["area_type"].isin(["district", "unitary", "county", "cluster"])].copy()
            districts["order"] = districts["area_type"].map({"county": 0, "cluster": 1, "unitary": 2, "district": 2})
            items.append({
                **r,
                "value_source": _source(r, ind_rows),
                "change_12m": _change(r["rolling_12m"], r["rolling_12m_previous"]),
                "trend_svg": trend,
                "district_svg": _district_chart(ind_rows, tables, r, f"12 months to {q.end_month:%b %Y}"),
                "areas": _records(districts.sort_values(["order", "area_name"]), tables.hidden),
            })
        sections.append({"key_issue": issue, "priority": priority, "indicators": items,
                         "rag": _rag_summary(records)})
    force_rows = rows[rows["area_code"] == tables.geography.force_area]
    present = set(rows["indicator_id"])
    coverage = [f"{r.indicator_name} ({r.source_system}): its source does not yet cover {q.label}."
                for r in tables.catalogue.itertuples() if r.indicator_id not in present]
    coverage += _not_available_notes(tables, q.label)
    return {
        "title": "Quarterly Performance Report",
        "subtitle": q.long_label,
        "period_label": q.label,
        "period12": period12,
        "force_area_name": tables.geography.name(tables.geography.force_area),
        "built": (built or dt.datetime.now(dt.timezone.utc)).strftime("%d %B %Y"),
        "sections": sections,
        "highlights": highlights(force_rows, period12),
        "data_notes": _notes(tables, coverage),
        "suppressed": SUPPRESSED,
    }


def render_quarterly(tables: QuarterlyTables, built: dt.datetime | None = None) -> str:
    return _env.get_template("quarterly.html").render(**quarterly_context(tables, built))


def annual_context(tables: AnnualTables, costs: pd.DataFrame | None, forces: pd.DataFrame,
                   built: dt.datetime | None = None) -> dict[str, Any]:
    year = tables.year
    rows = tables.scorecard
    geo = tables.geography
    period = f"{year.label}"
    yearly = tables.yearly
    sections = []
    for issue, priority, records in _indicators_by_issue(tables, rows):
        items = []
        for r in records:
            series = yearly[(yearly["indicator_id"] == r["indicator_id"]) & (yearly["area_code"] == geo.force_area)]
            by_year = dict(zip(series["financial_year"], series["value"]))
            hidden = dict(zip(series["financial_year"], series["suppressed"]))
            points = [charts.Point(y.label, _value(by_year.get(y.label)), bool(hidden.get(y.label, False)))
                      for y in tables.years]
            items.append({
                **r,
                "value_source": _source(r, rows[rows["indicator_id"] == r["indicator_id"]]),
                "change_12m": _change(r["rolling_12m"], r["rolling_12m_previous"]),
                "sentence": change_sentence(r["indicator_name"], _value(r["rolling_12m"]),
                                            _value(r["rolling_12m_previous"]), r["unit"], f"{year.label}",
                                            r["significant_change"], r["polarity"], year.previous().label)
                if not r.get("period_label") else  # a value with no windows: against its previous period
                change_sentence(r["indicator_name"], _value(r["value"]), _value(r.get("previous_value")), r["unit"],
                                str(r["period_label"]), r["significant_change"], r["polarity"],
                                str(r.get("previous_period_label") or "the previous period")),
                "five_year_svg": charts.column_chart(points, r["indicator_name"], r["unit"].capitalize()),
                "district_svg": _district_chart(rows[rows["indicator_id"] == r["indicator_id"]], tables, r, period,
                                                title_prefix=f"{r['indicator_name']}: "),
            })
        sections.append({"key_issue": issue, "priority": priority, "indicators": items, "rag": _rag_summary(records)})

    cost_rows = []
    if costs is not None and not costs.empty:
        force = rows[rows["area_code"] == geo.force_area][["indicator_id", "indicator_name", "rolling_12m", "unit"]]
        force = force.assign(count_hidden=tables.hidden.loc[force.index, "rolling_12m"].to_numpy())
        joined = force.merge(costs, on="indicator_id")
        joined["total_cost"] = joined["rolling_12m"] * joined["unit_cost"]
        cost_rows = _records(joined.sort_values("total_cost", ascending=False, na_position="last"))
        for c in cost_rows:  # a cost is the count times a published unit cost: hidden with the count
            if c["count_hidden"]:
                c["rolling_12m"] = c["total_cost"] = SUPPRESSED

    profiles = []
    shown = shown_indicators(tables)
    order = {k: i for i, k in enumerate(tables.catalogue["indicator_id"])}
    county = rows[rows["area_code"] == geo.county].set_index("indicator_id")
    for d in geo.districts.itertuples():
        drows = rows[(rows["area_code"] == d.area_code) & rows["indicator_id"].isin(shown)]
        groups = []
        for issue in tables.key_issues:
            sub = drows[drows["key_issue"] == issue]
            sub = sub.iloc[sub["indicator_id"].map(order).argsort(kind="stable")]
            if sub.empty:
                continue
            recs = _records(sub, tables.hidden)
            for rec in recs:
                rec["change_12m"] = _change(rec["rolling_12m"], rec["rolling_12m_previous"])
                rec["county_rate"] = _value(county["rate"].get(rec["indicator_id"])) \
                    if rec["indicator_id"] in county.index else None
            groups.append({"key_issue": issue, "indicators": recs})
        profiles.append({"area_code": d.area_code, "area_name": d.area_name,
                         "kind": "unitary council" if d.area_type == "unitary" else "district",
                         "in_county": bool(d.in_lancashire_12), "groups": groups,
                         "population": _value(drows["population"].dropna().iloc[0]) if drows["population"].notna().any() else None,
                         "population_year": int(drows["population_year"].dropna().iloc[0]) if drows["population_year"].notna().any() else None})

    headline_charts = []
    for section in sections:
        if section["priority"].strip().lower() == "context":
            continue
        for item in section["indicators"][:1] if section["key_issue"] != "road safety" else section["indicators"][:2]:
            headline_charts.append(item["district_svg"])
    rate_rows = []
    district_codes = geo.districts["area_code"].tolist()
    for section in sections:
        for item in section["indicators"]:
            ind = rows[rows["indicator_id"] == item["indicator_id"]]
            recs = {r["area_code"]: r for r in _records(ind, tables.hidden)}
            county_rate = recs.get(geo.county, {}).get("rate")
            if not any(isinstance(r.get("rate"), (float, int)) or r.get("rate") == SUPPRESSED for r in recs.values()):
                continue  # an indicator with no rates (a survey estimate, a published figure)
            cells = []
            for code in district_codes:
                rate = recs.get(code, {}).get("rate")
                above = isinstance(rate, float) and isinstance(county_rate, float) and rate > county_rate
                cells.append({"rate": rate, "above": above})
            rate_rows.append({"indicator_name": item["indicator_name"], "key_issue": section["key_issue"],
                              "county": county_rate, "force": recs.get(geo.force_area, {}).get("rate"),
                              "rate_per": item.get("rate_per"), "population_group": item.get("population_group"),
                              "cells": cells})
    force_table = []
    own = forces.iloc[0]["force"] if not forces.empty else None
    if not forces.empty and (forces["force"] != own).any():  # only when another force can be compared
        names = tables.catalogue.set_index("indicator_id")["indicator_name"]
        for indicator_id, sub in forces[forces["indicator_id"].isin(shown)].groupby("indicator_id", sort=False):
            force_table.append({"indicator_name": names.get(indicator_id, indicator_id), "forces": _records(sub)})
    present = set(rows["indicator_id"])
    coverage = [f"{r.indicator_name} ({r.source_system}): its source does not yet cover the whole of {year.label}."
                for r in tables.catalogue.itertuples() if r.indicator_id not in present]
    coverage += _not_available_notes(tables, year.label)
    priorities = _records(tables.catalogue[["indicator_name", "key_issue", "priority", "theme"]]
                          .assign(order=lambda c: c["key_issue"].map({k: i for i, k in enumerate(tables.key_issues)}))
                          .sort_values(["order", "indicator_name"]))
    return {
        "title": "Annual Performance and Priorities Update",
        "subtitle": year.long_label,
        "period_label": year.label,
        "years": [y.label for y in tables.years],
        "force_area_name": geo.name(geo.force_area),
        "county_name": geo.name(geo.county),
        "built": (built or dt.datetime.now(dt.timezone.utc)).strftime("%d %B %Y"),
        "sections": sections,
        "highlights": highlights(rows[rows["area_code"] == geo.force_area], f"{year.label}",
                                 before_label=year.previous().label),
        "costs": cost_rows,
        "costs_available": costs is not None,
        "price_years": sorted({str(c["price_year"]) for c in cost_rows}),
        "force_table": force_table,
        "headline_charts": headline_charts,
        "rate_rows": rate_rows,
        "district_names": geo.districts["area_name"].tolist(),
        "profiles": profiles,
        "priorities": priorities,
        "data_notes": _notes(tables, coverage),
        "suppressed": SUPPRESSED,
    }


def render_annual(tables: AnnualTables, costs: pd.DataFrame | None, forces: pd.DataFrame,
                  built: dt.datetime | None = None) -> str:
    return _env.get_template("annual.html").render(**annual_context(tables, costs, forces, built))


__all__ = ["render_quarterly", "render_annual", "fmt_count", "fmt_pct", "fmt_rate", "SUPPRESSED", "np"]
