"""Charts specified once in Vega-Lite (through Altair) and rendered to static SVG by vl-convert.

Why this way: the library lays out axes, labels and legends (no overlapping tick labels, no titles
cut off), the SVG is static so the reports open offline and print to PDF unchanged (vl-convert
bundles Vega and runs no browser), and the same JSON specification drives the interactive dashboard.

Every chart comes back as a ``Chart``: its SVG (with an accessible name that says the indicator,
area, period and figures in words), the rows it draws and a CSV of them for a download link.
Values hidden by disclosure control ("suppressed") are gaps marked "not published (small numbers)";
values that do not exist ("not_available") are plain gaps. Neither is ever drawn as zero.
"""

from __future__ import annotations

import math
import re
import textwrap
import urllib.parse
from dataclasses import dataclass, field
from html import escape
from typing import Any, Sequence

import altair as alt
import numpy as np
import pandas as pd

from reporting import chart_cache

VL_VERSION = "6.4"  # the Vega-Lite that altair 6.3 writes; vl-convert bundles it (no network)

FONT = "Arial, Helvetica, 'Liberation Sans', sans-serif"  # Liberation Sans: Arial's metrics, offline
INK = "#1f2933"  # titles, labels on marks: 14.5:1 on white
INK_2 = "#4a5561"  # axis labels and notes: 7.6:1 on white (never the 3:1 #8a96a3)
AXIS_LINE = "#6b7785"  # non-text graphics need 3:1; this is 4.6:1
GRID = "#d9dee3"
LINE = "#1d5fa8"

SUPPRESSED = "[c]"  # the GSS marker for a value hidden by disclosure control
SUPPRESSED_NOTE = "not published (small numbers)"
NOT_AVAILABLE_NOTE = "n/a"

# Position against the county is its own measure (not the change RAG), so it has its own hues.
POSITION_LEGEND = "Against the county rate"
POSITION_LABELS = {"above": "Above the county", "similar": "Similar to the county", "below": "Below the county"}
POSITION_COLOURS = {"above": "#b45309", "similar": "#7b8794", "below": "#1d5fa8"}
NOT_COMPARED = "Not compared"
NOT_COMPARED_COLOUR = "#b8c2cc"

GRAIN_WORDS = {"month": ("monthly", "month"), "quarter": ("quarterly", "quarter"), "year": ("yearly", "year")}


@dataclass(frozen=True)
class Chart:
    """One rendered chart: what the report inlines (``svg``), what it draws (``data``, one row per
    mark), and the Vega-Lite ``spec`` (data inlined) for the dashboard to reuse."""

    chart_id: str
    title: str
    description: str
    svg: str
    data: pd.DataFrame = field(repr=False)
    spec: dict = field(repr=False)

    def csv(self) -> str:
        """The data as CSV: a suppressed value is written "[c]" (never blank, so nobody reads it as
        zero or missing), a not-available value is blank with its status column saying why."""
        out = self.data.copy()
        if "value" in out.columns and "status" in out.columns:
            text = out["value_text"] if "value_text" in out.columns else out["value"].astype(object)
            out["value"] = np.where(out["status"].eq("suppressed"), SUPPRESSED,
                                    np.where(out["status"].eq("available") & out["value"].notna(),
                                             _plain_numbers(text), ""))
        return out.drop(columns=[c for c in ("value_text", "mark_text") if c in out.columns]).to_csv(
            index=False, lineterminator="\n")

    def data_uri(self) -> str:
        """The CSV as a data: URI for ``<a download>`` (the report stays one offline file)."""
        return "data:text/csv;charset=utf-8," + urllib.parse.quote(self.csv())


# --------------------------------------------------------------------------- formatting


def _is_count(values: pd.Series, is_percent: bool) -> bool:
    """Counts (whole numbers) get no decimals; rates and percentages get one."""
    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    return (not is_percent) and len(v) > 0 and bool(np.all(np.mod(v, 1) == 0))


def _d3_format(count: bool) -> str:
    return ",.0f" if count else ",.1f"


def count_ticks(top: float, count: bool, most: int = 5) -> list[int] | None:
    """Whole-number ticks 0..``top`` for a count axis whose top is small, else None (Vega's own).

    Vega's ``tickMinStep`` only lowers the tick count, and d3 still picks a step of 0.5 over a
    span of 1 or 2, which a whole-number format prints as "0, 1, 1" or "0, 1, 1, 2, 2"."""
    if not count or not np.isfinite(top) or top > most - 1:
        return None
    return list(range(0, max(1, int(math.ceil(top))) + 1))


def _fmt_values(values: pd.Series, count: bool) -> pd.Series:
    """The figures as the chart prints them (same rule as the axis format): "1,234" or "12.3"."""
    pattern = "{:,.0f}" if count else "{:,.1f}"
    v = pd.to_numeric(values, errors="coerce")
    return v.map(lambda x: pattern.format(x) if pd.notna(x) else "")


def _fmt(value: float | None, count: bool) -> str:
    return "" if value is None or pd.isna(value) else ("{:,.0f}" if count else "{:,.1f}").format(value)


def _plain_numbers(text: pd.Series) -> pd.Series:
    """Numbers for CSV: at the precision the chart publishes, without thousands separators."""
    return text.astype(str).str.replace(",", "", regex=False)


def _wrap(text: str, width_px: float, font_px: float) -> list[str] | str:
    """Wrap a title to the chart's width (Vega draws a list as lines) so it is never cut off."""
    chars = max(int(width_px / (font_px * 0.56)), 12)
    lines = textwrap.wrap(text, chars) or [""]
    return lines[0] if len(lines) == 1 else lines


def _runs(labels: Sequence[str], positions: Sequence[int]) -> str:
    """Consecutive periods as ranges ("Apr 2022 to Jun 2022, Sep 2022"), so a long gap is one phrase."""
    if not len(positions):
        return ""
    pos = np.asarray(positions)
    breaks = np.flatnonzero(np.diff(pos) != 1) + 1
    parts = []
    for run in np.split(pos, breaks):
        a, b = labels[run[0]], labels[run[-1]]
        parts.append(a if run[0] == run[-1] else f"{a} to {b}")
    return ", ".join(parts)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _value_axis_title(unit_label: str, is_percent: bool) -> str:
    """Percentages are labelled "%" ("% of violent crime"), never "per 100 residents"."""
    if not is_percent:
        return unit_label
    label = re.sub(r"\bper 100\b( [a-z ]*residents| population)?", "", unit_label).strip(" ,")
    if label.startswith("%"):
        return label
    return f"% {label}" if label else "%"


def _config(compact: bool) -> dict[str, Any]:
    """One house style: contrast >= 4.5:1 for every text, an offline font, library layout."""
    small = 10 if compact else 11
    return {
        "font": FONT,
        "background": "white",
        "aria": False,  # the root <svg> carries the accessible name; parts would only repeat it
        "view": {"stroke": None},
        "padding": 4,
        "title": {"color": INK, "subtitleColor": INK_2, "anchor": "start", "fontSize": 12 if compact else 13,
                  "fontWeight": 600, "subtitleFontSize": small, "offset": 6, "frame": "group", "aria": False},
        "axis": {"labelColor": INK_2, "titleColor": INK, "domainColor": AXIS_LINE, "tickColor": AXIS_LINE,
                 "gridColor": GRID, "labelFontSize": small, "titleFontSize": small, "titleFontWeight": "normal",
                 "labelOverlap": "greedy", "labelSeparation": 4, "labelLimit": 160, "titleLimit": 0,
                 "labelFont": FONT, "titleFont": FONT, "aria": False},
        "legend": {"labelColor": INK, "titleColor": INK, "labelFontSize": small, "titleFontSize": small,
                   "titleFontWeight": 600, "labelLimit": 0, "titleLimit": 0, "orient": "bottom",
                   "direction": "horizontal", "labelFont": FONT, "titleFont": FONT, "aria": False},
        "text": {"color": INK, "fontSize": small, "font": FONT},
        "mark": {"aria": False},
    }


def _records(frame: pd.DataFrame) -> alt.InlineData:
    """Rows as JSON-able records (NaN -> null, which Vega-Lite draws as a gap), inlined in the spec."""
    values = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return alt.InlineData(values=values)


def _render(chart: alt.LayerChart | dict[str, Any], config: dict[str, Any], *, chart_id: str, title: str,
            description: str, data: pd.DataFrame, svg: bool = True) -> Chart:
    """Spec -> static SVG (one vl-convert call), made responsive and given its accessible name.
    The house config is set on the JSON (Altair's ``configure`` deep-copies the inlined rows) and
    schema validation is left to the tests: both cost more than the rendering. ``svg=False`` skips
    the rendering (``Chart.svg`` empty): the dashboard draws the spec in the browser. A chart written
    as plain Vega-Lite JSON (the funnel plot) comes as a dict with its rows inlined."""
    spec = dict(chart) if isinstance(chart, dict) else _inline_datasets(chart.to_dict(validate=False))
    spec["config"] = config
    if not svg:
        return Chart(chart_id=chart_id, title=title, description=description, svg="", data=data, spec=spec)
    svg = chart_cache.svg(spec, VL_VERSION)
    svg = _accessible(svg, title, description)
    return Chart(chart_id=chart_id, title=title, description=description, svg=svg, data=data, spec=spec)


def _inline_datasets(spec: dict[str, Any]) -> dict[str, Any]:
    """Altair files rows under top-level "datasets"; put them back as {"values": [...]} where they
    are used, so the spec reads (and is reused by the dashboard) as plain inline Vega-Lite."""
    datasets = spec.pop("datasets", {})

    def inline(node: dict[str, Any]) -> None:
        data = node.get("data")
        if isinstance(data, dict) and data.get("name") in datasets:
            node["data"] = {"values": datasets[data["name"]]}
        for sub in node.get("layer", []):
            inline(sub)

    inline(spec)
    return spec


_ROOT = re.compile(r"<svg\b([^>]*)>")


def _accessible(svg: str, title: str, description: str) -> str:
    """role="img" + aria-label + <title> on the root, and width 100% (capped at the drawn width)
    with the viewBox kept, so a chart scales down on a 400 px screen and never scrolls the page."""
    m = _ROOT.search(svg)
    attrs = m.group(1)
    width = re.search(r'\swidth="([\d.]+)"', attrs)
    attrs = re.sub(r'\s(width|height)="[\d.]+"', "", attrs)
    max_w = f"max-width:{width.group(1)}px;" if width else ""
    root = (f'<svg{attrs} width="100%" style="{max_w}height:auto;display:block" role="img" '
            f'aria-label="{escape(description, quote=True)}"><title>{escape(title, quote=False)}</title>')
    inner = _INNER_ROLES.sub("", svg[m.end():])  # Vega's graphics-* roles and labels: the root names it
    return svg[:m.start()] + root + inner


_INNER_ROLES = re.compile(r'\s(?:role="graphics-[a-z-]+"|aria-roledescription="[^"]*"|aria-label="[^"]*")')


# --------------------------------------------------------------------------- trend (line / column)


def _x_ticks(labels: list[str], width: int, font_px: int) -> list[str]:
    """Every k-th period label, always ending at the latest, so labels fit without rotating."""
    n = len(labels)
    if not n:
        return []
    longest = max(len(s) for s in labels) * font_px * 0.6 + 12
    fits = max(int(width // longest), 2)
    k = max(math.ceil(n / fits), 1)
    return labels[(n - 1) % k::k]


def _trend_description(d: pd.DataFrame, *, title: str, indicator_name: str, area_name: str, unit_label: str,
                       grain: str, count: bool) -> str:
    labels = d["period_label"].tolist()
    adjective, noun = GRAIN_WORDS.get(grain, (grain, grain))
    head = f"{title}. {indicator_name}, {area_name}, {adjective} from {labels[0]} to {labels[-1]}" if labels else \
        f"{title}. {indicator_name}, {area_name}: no periods"
    parts = [head + (f" ({unit_label})." if unit_label else ".")]
    shown = d[d["status"].eq("available") & d["value"].notna()]
    if len(shown):
        first, last = shown.iloc[0], shown.iloc[-1]
        hi, lo = shown.loc[shown["value"].idxmax()], shown.loc[shown["value"].idxmin()]
        parts.append(f"Latest {_fmt(last.value, count)} in {last.period_label}; first {_fmt(first.value, count)} "
                     f"in {first.period_label}; highest {_fmt(hi.value, count)} in {hi.period_label}; "
                     f"lowest {_fmt(lo.value, count)} in {lo.period_label}.")
    else:
        parts.append("No figures are shown.")
    for status, why in (("suppressed", SUPPRESSED_NOTE), ("not_available", "not available")):
        where = np.flatnonzero(d["status"].eq(status).to_numpy())
        if len(where):
            parts.append(f"{_plural(len(where), noun)} {why}: {_runs(labels, where)}.")
    return " ".join(parts)


def trend_chart(series: pd.DataFrame, *, chart_id: str, title: str, indicator_name: str, area_name: str,
                unit_label: str, is_percent: bool, grain: str, kind: str = "line",
                width: int = 460, height: int = 200, svg: bool = True) -> Chart:
    """A series at its own grain (a quarter is one point): a line (months, quarters) or columns
    (years). A NaN is a gap (the line breaks), never a zero; only suppressed periods are marked
    "not published (small numbers)"; not-available periods are plain gaps, named in the description.

    ``series``: period_start (date), period_label, value (NaN when not shown), status
    ("available" | "suppressed" | "not_available")."""
    if kind not in ("line", "column"):
        raise ValueError(f"kind must be 'line' or 'column', not {kind!r}")
    compact = height < 120
    font_px = 10 if compact else 11
    d = series.sort_values("period_start", kind="stable").reset_index(drop=True)
    d = pd.DataFrame({
        "period_start": pd.to_datetime(d["period_start"]).dt.date,
        "period_label": d["period_label"].astype(str),
        "value": pd.to_numeric(d["value"], errors="coerce").astype(float),
        "status": d["status"].astype(str),
    })
    d["value"] = d["value"].where(d["status"].eq("available"))  # a hidden value is never drawn
    count = _is_count(d["value"], is_percent)
    d["value_text"] = _fmt_values(d["value"], count)
    d.insert(0, "area", area_name)
    d.insert(0, "indicator", indicator_name)
    d["unit"] = _value_axis_title(unit_label, is_percent)

    labels = d["period_label"].tolist()
    plot = d.assign(period_start=d["period_start"].astype(str),
                    mark_text=np.where(d["status"].eq("suppressed"), SUPPRESSED,
                                       np.where(d["status"].eq("available"), d["value_text"], NOT_AVAILABLE_NOTE)),
                    note=np.where(d["status"].eq("suppressed"), SUPPRESSED_NOTE, ""))
    y_title = _value_axis_title(unit_label, is_percent)
    has_values = bool(d["value"].notna().any())
    x = alt.X("period_label:O", sort=labels, title=None,
              scale=alt.Scale(paddingInner=0.25, paddingOuter=0.15) if kind == "column" else alt.Undefined,
              axis=alt.Axis(values=_x_ticks(labels, width, font_px), labelAngle=0, labelPadding=4,
                            labelLimit=120, ticks=kind == "line"))
    ticks = count_ticks(float(d["value"].max()) if has_values else 0.0, count, most=3 if compact else 5)
    y_axis = alt.Axis(format=_d3_format(count), tickCount=3 if compact else 5, tickMinStep=1 if count else 0.1,
                      values=ticks if ticks else alt.Undefined,
                      title=None if compact else _wrap(y_title, height, font_px), titlePadding=6, domain=False)
    domain = [0, ticks[-1]] if ticks else (alt.Undefined if has_values else [0, 1])
    y = alt.Y("value:Q", axis=y_axis, scale=alt.Scale(zero=True, nice=True, domain=domain))
    base = alt.Chart()  # the layer holds the rows once (inlined as plain records: fast, JSON-able)
    layers: list[alt.Chart] = []
    if kind == "line":
        layers.append(base.mark_line(color=LINE, strokeWidth=2, invalid="break-paths-show-domains").encode(x=x, y=y))
        point_size = 14 if compact or len(d) > 24 else 30
        layers.append(base.mark_point(filled=True, color=LINE, size=point_size, opacity=1).encode(x=x, y=y))
    else:
        layers.append(base.mark_bar(color=LINE).encode(x=x, y=y))
        label = alt.Text("mark_text", type="nominal")
        layers.append(base.mark_text(baseline="bottom", dy=-3, color=INK).encode(x=x, y=y, text=label))
        gaps = base.transform_filter("datum.status != 'available'")
        layers.append(gaps.mark_text(baseline="bottom", dy=-3, color=INK_2)
                      .encode(x=x, y=alt.YValue(height), text=label))
    if d["status"].eq("suppressed").any():
        # a dashed rule through each hidden period (above its "[c]" in a column chart), with a
        # legend saying why it is hidden
        y_end = {} if kind == "line" else {"y": alt.YValue(0), "y2": alt.Y2Value(height - font_px - 6)}
        layers.append(base.transform_filter("datum.status == 'suppressed'")
                      .mark_rule(strokeDash=[3, 3], strokeWidth=1.5)
                      .encode(x=x, **y_end,
                              color=alt.Color("note:N", scale=alt.Scale(domain=[SUPPRESSED_NOTE], range=[INK_2]),
                                              legend=alt.Legend(title=None, symbolType="stroke", symbolDash=[3, 3],
                                                                symbolStrokeWidth=1.5))))
    if not has_values:
        why = "Not published (small numbers)" if d["status"].eq("suppressed").any() else "No data for these periods"
        layers.append(alt.Chart(alt.InlineData(values=[{"t": why}])).mark_text(color=INK_2, fontStyle="italic")
                      .encode(text=alt.Text("t", type="nominal"), x=alt.XValue(width / 2), y=alt.YValue(height / 2)))
    subtitle = y_title if compact else alt.Undefined
    chart = alt.layer(*layers, data=_records(plot), width=width, height=height,
                      title=alt.TitleParams(_wrap(title, width, 12 if compact else 13), subtitle=subtitle))
    description = _trend_description(d, title=title, indicator_name=indicator_name, area_name=area_name,
                                     unit_label=y_title, grain=grain, count=count)
    return _render(chart, _config(compact), chart_id=chart_id, title=title, description=description, data=d,
                   svg=svg)


def small_multiple(series: pd.DataFrame, **kwargs: Any) -> Chart:
    """A district profile's sparkline: ``trend_chart`` at about 220 x 90, fewer ticks, unit as subtitle."""
    kwargs.setdefault("width", 220)
    kwargs.setdefault("height", 90)
    return trend_chart(series, **kwargs)


# --------------------------------------------------------------------------- districts (horizontal bars)


def district_chart(frame: pd.DataFrame, *, chart_id: str, title: str, indicator_name: str, period_label: str,
                   unit_label: str, is_percent: bool, reference_value: float | None, reference_label: str,
                   width: int = 460, height: int | None = None, svg: bool = True) -> Chart:
    """Districts as horizontal bars, highest first, coloured by their position against the rest of
    the county (its own legend; the position is also written beside each bar, so colour is never
    the only cue), with the county's value as a labelled dashed rule.

    ``frame``: area_name, value (NaN when not shown), status, position ("above" | "similar" |
    "below" | None)."""
    f = frame.reset_index(drop=True)
    position = f["position"] if "position" in f.columns else pd.Series([None] * len(f))
    d = pd.DataFrame({
        "area_name": f["area_name"].astype(str),
        "value": pd.to_numeric(f["value"], errors="coerce").astype(float),
        "status": f["status"].astype(str),
        "position": position.where(position.isin(list(POSITION_LABELS))).astype(object),
    })
    d["value"] = d["value"].where(d["status"].eq("available"))
    d["position"] = d["position"].where(d["value"].notna())
    d = d.assign(_rank=d["status"].map({"available": 0, "suppressed": 1}).fillna(2)) \
        .sort_values(["_rank", "value"], ascending=[True, False], kind="stable").drop(columns="_rank") \
        .reset_index(drop=True)
    ref = None if reference_value is None or pd.isna(reference_value) else float(reference_value)
    count = _is_count(pd.concat([d["value"], pd.Series([ref], dtype=float)]), is_percent)
    d["value_text"] = _fmt_values(d["value"], count)
    d.insert(0, "indicator", indicator_name)
    d.insert(1, "period", period_label)
    d["unit"] = _value_axis_title(unit_label, is_percent)

    in_words = d["position"].map({k: k for k in POSITION_LABELS})
    plot = d.assign(
        position_label=d["position"].map(POSITION_LABELS).fillna(NOT_COMPARED).where(d["value"].notna(), None),
        mark_text=np.where(d["status"].eq("suppressed"), SUPPRESSED_NOTE,
                           np.where(d["value"].notna(),
                                    d["value_text"] + np.where(in_words.notna(), " (" + in_words.fillna("") + ")", ""),
                                    NOT_AVAILABLE_NOTE)),
    )
    # the legend lists the positions drawn (in a fixed order, each with its fixed colour), so it
    # never offers "Above the county" on a chart where no district was compared
    drawn = set(plot["position_label"].dropna())
    present = [POSITION_LABELS[k] for k in POSITION_LABELS if POSITION_LABELS[k] in drawn]
    colours = [POSITION_COLOURS[k] for k in POSITION_LABELS if POSITION_LABELS[k] in drawn]
    if (plot["position_label"] == NOT_COMPARED).any():
        present.append(NOT_COMPARED)
        colours.append(NOT_COMPARED_COLOUR)
    order = d["area_name"].tolist()
    height = height or max(22 * len(d), 60)
    axis_title = _value_axis_title(unit_label, is_percent)
    top = max([v for v in d["value"].dropna().tolist()] + ([ref] if ref is not None else []) + [0.0])
    ticks = count_ticks(top * 1.25, count)
    x_scale = alt.Scale(domain=[0, ticks[-1] if ticks else (top * 1.25 if top > 0 else 1)], nice=True, zero=True)
    y = alt.Y("area_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=150, ticks=False, domain=False,
                                                                   labelPadding=6, labelColor=INK))
    x = alt.X("value:Q", scale=x_scale, axis=alt.Axis(format=_d3_format(count), tickMinStep=1 if count else 0.1,
                                                      values=ticks if ticks else alt.Undefined,
                                                      title=_wrap(axis_title, width, 11), tickCount=5))
    base = alt.Chart()
    bars = base.mark_bar(height={"band": 0.72}).encode(
        y=y, x=x, color=alt.Color("position_label:N", scale=alt.Scale(domain=present, range=colours),
                                  legend=alt.Legend(title=POSITION_LEGEND, symbolType="square")))
    layers = [bars]
    if ref is not None:  # the county's rule over the bars but under the labels, which stay legible
        ref_text = f"{reference_label}: {_fmt(ref, count)}"
        right = ref > top * 1.25 * 0.6
        r = alt.Chart(alt.InlineData(values=[{"value": ref, "label": ref_text}]))
        layers.append(r.mark_rule(color=INK, strokeDash=[5, 3], strokeWidth=1.5).encode(x=x))
        layers.append(r.mark_text(align="right" if right else "left", dx=-4 if right else 4, baseline="bottom",
                                  dy=-3, color=INK, fontWeight=600)
                      .encode(x=x, y=alt.YValue(0), text=alt.Text("label", type="nominal")))
    layers += [
        base.transform_filter("isValid(datum.value)").mark_text(align="left", dx=4, baseline="middle", color=INK)
        .encode(y=y, x=x, text=alt.Text("mark_text", type="nominal")),
        base.transform_filter("!isValid(datum.value)").mark_text(align="left", dx=2, baseline="middle", color=INK_2,
                                                                  fontStyle="italic")
        .encode(y=y, x=alt.XValue(0), text=alt.Text("mark_text", type="nominal")),
    ]
    chart = alt.layer(*layers, data=_records(plot), width=width, height=height,
                      title=alt.TitleParams(_wrap(title, width, 13)))
    description = _district_description(d, title=title, indicator_name=indicator_name, period_label=period_label,
                                        unit_label=axis_title, ref=ref, reference_label=reference_label, count=count)
    return _render(chart, _config(False), chart_id=chart_id, title=title, description=description, data=d, svg=svg)


def _district_description(d: pd.DataFrame, *, title: str, indicator_name: str, period_label: str, unit_label: str,
                          ref: float | None, reference_label: str, count: bool) -> str:
    parts = [f"{title}. {indicator_name} by district, {period_label}" + (f" ({unit_label})." if unit_label else ".")]
    if ref is not None:
        parts.append(f"{reference_label}: {_fmt(ref, count)}.")
    shown = d[d["value"].notna()]
    if len(shown):
        words = shown["position"].map({k: f", {k} the county" if k != "similar" else ", similar to the county"
                                       for k in POSITION_LABELS}).fillna("")
        parts.append("Highest first: " + "; ".join(shown["area_name"] + " " + shown["value_text"] + words) + ".")
    for status, why in (("suppressed", SUPPRESSED_NOTE), ("not_available", "not available")):
        names = d.loc[d["status"].eq(status), "area_name"].tolist()
        if names:
            parts.append(f"{why.capitalize()}: {', '.join(names)}.")
    return " ".join(parts)


# --------------------------------------------------------------------------- peers (funnel plot)

# Position against the peer group's average (the exact test of the peer mart): words and colours of
# its own, beside the county position's hues (above orange, similar grey, below blue).
PEER_POSITION_LEGEND = "Against the peer average"
PEER_POSITION_LABELS = {"above": "Above the peer average", "similar": "Similar to the peer average",
                        "below": "Below the peer average"}
FUNNEL_LIMITS = ["95% limits", "99.8% limits"]
# The peer mart's funnel_position in words (tables, charts' descriptions): one wording everywhere.
FUNNEL_POSITION_WORDS = {"above 99.8%": "above the 99.8% limit", "above 95%": "above the 95% limit",
                         "within": "within the limits", "below 95%": "below the 95% limit",
                         "below 99.8%": "below the 99.8% limit"}
FUNNEL_NOTE = ("Each point is an area at its population (across) and rate (up); the solid line is the peer "
               "average; dashed lines are the 95% control limits and dotted lines the 99.8% limits. An area "
               "outside the limits differs from the average by more than chance; inside them, it does not.")


def funnel_spec(unit_label: str, positions: Sequence[str] | None = None) -> dict[str, Any]:
    """The funnel plot's layers (plain Vega-Lite, no data): the 95% and 99.8% control limits through
    each member's population (rows ``lo95``, ``hi95``, ``lo998``, ``hi998``), the peer average
    (``average``, a solid line), the members (``population``, ``rate``) coloured by their position
    against the average (``position_label``; ``positions`` lists the legend's entries, default every
    one) and the focus area (``is_focus``) drawn larger, outlined and named (left of its point where
    ``label_right``). One specification: the reports render it to SVG (``funnel_chart``) and the
    dashboard makes it interactive (``dashboard_specs.funnel_spec``)."""
    positions = list(positions) if positions is not None else [*PEER_POSITION_LABELS.values(), NOT_COMPARED]
    colour_of = {**{PEER_POSITION_LABELS[k]: POSITION_COLOURS[k] for k in PEER_POSITION_LABELS},
                 NOT_COMPARED: NOT_COMPARED_COLOUR}
    # padding: the largest and smallest members are drawn whole, never cut by the plot's edge
    x = {"field": "population", "type": "quantitative", "title": "Residents",
         "scale": {"zero": False, "nice": True, "padding": 14}, "axis": {"format": "~s", "tickCount": 4}}
    y = {"type": "quantitative", "title": unit_label, "scale": {"zero": False, "nice": True, "padding": 10},
         "axis": {"format": ",.2~f", "tickCount": 5}}
    limits = {"mark": {"type": "line", "strokeWidth": 1.2, "interpolate": "monotone"},
              "transform": [{"filter": "isValid(datum.lo95)"},
                            {"fold": ["lo95", "hi95", "lo998", "hi998"], "as": ["limit", "bound"]},
                            {"calculate": "indexof(['lo95', 'hi95'], datum.limit) >= 0 ? '95% limits' : "
                                          "'99.8% limits'", "as": "limits"}],
              "encoding": {"x": x, "y": {**y, "field": "bound"}, "detail": {"field": "limit", "type": "nominal"},
                           "order": {"field": "population", "type": "quantitative"},
                           "color": {"value": INK_2},
                           "strokeDash": {"field": "limits", "type": "nominal", "title": "Control limits",
                                          "scale": {"domain": FUNNEL_LIMITS, "range": [[5, 3], [1, 2]]},
                                          "legend": {"orient": "bottom", "symbolStrokeColor": INK_2}}}}
    average_rows = [{"filter": "isValid(datum.average)"},
                    {"aggregate": [{"op": "max", "field": "average", "as": "average"}]}]
    average = {"mark": {"type": "rule", "color": INK, "strokeWidth": 1.2},
               "transform": average_rows, "encoding": {"y": {**y, "field": "average"}}}
    selected = "datum.is_focus"
    points = {"mark": {"type": "point", "filled": True, "opacity": 1, "strokeWidth": 1.5},
              "transform": [{"filter": "isValid(datum.rate)"}],
              "encoding": {"x": x, "y": {**y, "field": "rate"},
                           "color": {"field": "position_label", "type": "nominal", "title": PEER_POSITION_LEGEND,
                                     "scale": {"domain": positions, "range": [colour_of[p] for p in positions]},
                                     "legend": {"orient": "bottom", "columns": 1, "symbolType": "circle"}},
                           "size": {"condition": {"test": selected, "value": 170}, "value": 50},
                           "stroke": {"condition": {"test": selected, "value": INK}, "value": "white"}}}

    def label(right: bool) -> dict[str, Any]:
        where = f"{selected} && isValid(datum.rate) && {'' if right else '!'}datum.label_right"
        return {"mark": {"type": "text", "align": "right" if right else "left", "dx": -10 if right else 10,
                         "dy": -10, "fontWeight": 600, "color": INK},
                "transform": [{"filter": where}],
                "encoding": {"x": x, "y": {**y, "field": "rate"}, "text": {"field": "area_name", "type": "nominal"}}}

    return {"layer": [limits, average, points, label(False), label(True)]}


def _peer_words(position: Any) -> str:
    return {"above": "above the peer average", "similar": "similar to the peer average",
            "below": "below the peer average"}.get(str(position), "not compared")


def funnel_chart(frame: pd.DataFrame, *, chart_id: str, title: str, indicator_name: str, group_name: str,
                 period_label: str, unit_label: str, width: int = 460, height: int = 260,
                 svg: bool = True) -> Chart:
    """A peer group's funnel plot (``funnel_spec``) with the focus area highlighted, as static SVG.

    ``frame``: one row per member: area_code, area_name, population, rate (NaN when not shown),
    status ("available" | "suppressed" | "not_available"), status_reason, position ("above" |
    "similar" | "below" | None), is_focus, rank_in_group, ranked_of, funnel_position, and the
    group's average and the limits at the member's population (average, lo95, hi95, lo998, hi998;
    NaN when the group is not compared or a member is hidden). A member not shown is left out of
    the plot and named, with why, in the accessible description."""
    f = frame.reset_index(drop=True)
    d = pd.DataFrame({
        "indicator": indicator_name, "period": period_label,
        "area_code": f["area_code"].astype(str), "area_name": f["area_name"].astype(str),
        "is_focus": f["is_focus"].fillna(False).astype(bool),
        "population": pd.to_numeric(f["population"], errors="coerce").astype(float),
        "value": pd.to_numeric(f["rate"], errors="coerce").astype(float),
        "status": f["status"].astype(str),
        "status_reason": f.get("status_reason", pd.Series(None, index=f.index)).astype(object),
        "rank_in_group": pd.to_numeric(f["rank_in_group"], errors="coerce").astype("Int64"),
        "ranked_of": pd.to_numeric(f["ranked_of"], errors="coerce").astype("Int64"),
        "position": f["position"].astype(object).where(f["position"].isin(list(PEER_POSITION_LABELS)), None),
        "funnel_position": f.get("funnel_position", pd.Series(None, index=f.index)).astype(object),
        **{c: pd.to_numeric(f[c], errors="coerce").astype(float).round(4)
           for c in ("average", "lo95", "hi95", "lo998", "hi998")},
    })
    d["value"] = d["value"].where(d["status"].eq("available"))
    d["position"] = d["position"].where(d["value"].notna(), None)
    d["value_text"] = d["value"].map(lambda v: f"{v:,.2f}" if pd.notna(v) else "")  # as the tables print rates
    d = d.sort_values(["value", "area_name"], ascending=[False, True], na_position="last", kind="stable") \
        .reset_index(drop=True)
    shown = d[d["value"].notna() & d["population"].notna()]
    span = (shown["population"].min(), shown["population"].max()) if len(shown) else (0.0, 1.0)
    plot = d.rename(columns={"value": "rate"}).assign(
        position_label=d["position"].map(PEER_POSITION_LABELS).fillna(NOT_COMPARED),
        label_right=d["population"] > span[0] + 0.6 * (span[1] - span[0]))
    drawn = set(plot.loc[plot["rate"].notna(), "position_label"])
    positions = [p for p in [*PEER_POSITION_LABELS.values(), NOT_COMPARED] if p in drawn]
    average = d["average"].dropna()
    subtitle = (f"Solid line: peer average {average.iloc[0]:,.2f}" if len(average)
                else "No peer average or control limits: the group is not compared")
    spec = {**funnel_spec(unit_label, positions or [NOT_COMPARED]), "data": {"values": _records(plot).values},
            "width": width, "height": height, "title": {"text": _wrap(title, width, 13), "subtitle": subtitle},
            "$schema": f"https://vega.github.io/schema/vega-lite/v{VL_VERSION.split('.')[0]}.json"}
    description = _funnel_description(d, title=title, indicator_name=indicator_name, group_name=group_name,
                                      period_label=period_label, unit_label=unit_label)
    return _render(spec, _config(False), chart_id=chart_id, title=title, description=description, data=d, svg=svg)


def _funnel_description(d: pd.DataFrame, *, title: str, indicator_name: str, group_name: str, period_label: str,
                        unit_label: str) -> str:
    parts = [f"{title}. Funnel plot of {indicator_name}, {period_label} ({unit_label}): the {len(d)} members of "
             f"{group_name}, each at its population."]
    focus = d[d["is_focus"]]
    if len(focus):
        me = focus.iloc[0]
        if pd.notna(me["value"]):
            rank = (f", rank {int(me['rank_in_group'])} of {int(me['ranked_of'])} (1 = highest rate)"
                    if pd.notna(me["rank_in_group"]) and pd.notna(me["ranked_of"]) else "")
            funnel = FUNNEL_POSITION_WORDS.get(me["funnel_position"]) if isinstance(me["funnel_position"], str) else None
            funnel = f", {funnel}" if funnel else ""
            parts.append(f"{me['area_name']}: {me['value_text']}{rank}, {_peer_words(me['position'])}{funnel}.")
        else:
            why = SUPPRESSED_NOTE if me["status"] == "suppressed" else (me["status_reason"] or "not available")
            parts.append(f"{me['area_name']}: {why}.")
    average = d["average"].dropna()
    if len(average):
        parts.append(f"Peer average {average.iloc[0]:,.2f}.")
    else:
        parts.append("No peer average or control limits: the group is not compared for this period.")
    shown = d[d["value"].notna()]
    if len(shown):
        parts.append("Highest first: " + "; ".join(shown["area_name"] + " " + shown["value_text"]) + ".")
    hidden = d.loc[d["status"].eq("suppressed"), "area_name"].tolist()
    if hidden:
        parts.append(f"{SUPPRESSED_NOTE.capitalize()}: {', '.join(hidden)}.")
    missing = d[d["status"].eq("not_available")]
    if len(missing):
        parts.append("Not available: " + "; ".join(missing["area_name"] + " (" + missing["status_reason"].fillna(
            "no data").astype(str) + ")") + ".")
    return " ".join(parts)
