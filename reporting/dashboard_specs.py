"""The dashboard's Vega-Lite specifications: the reports' charts, made interactive, as templates.

The trend and district charts are the reports' own specifications (``reporting.charts``: the same
marks, encodings, number formats, house style, gaps for values not available and a dashed "not
published (small numbers)" marker for hidden ones), built once per indicator and then turned into
templates the page fills with the chosen area's and period's rows (named datasets), because one
specification per indicator x area x period would make the file tens of megabytes. What changes:

* the rows come from named datasets (``rows``, ``reference``) and parameters that the page fills;
* the title moves out into the page's HTML (it names the area and period chosen, and is text a
  screen reader and a search can find), and the width follows the page (``"container"``);
* tooltips, a hover highlight, the selected 12 months shaded on the trend and the rolling
  12-month average drawn over the months; on the district chart the chosen area outlined, a click
  choosing a district, and a legend that always lists every position (colours stay put).

The funnel plot is the reports' too (``charts.funnel_spec``), with tooltips. The tile map and the
costs chart are the dashboard's own, in the same house style (``config`` of the reports' charts).
Data-dependent parts that the reports compute in Python (the order of the bars, the x scale's
headroom for labels) are parameters the page sets.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd

from reporting import charts

ROWS, REFERENCE = "rows", "reference"  # the datasets the page fills
ROLLING_COLOUR = "#9a3412"  # the rolling 12-month line: 7.0:1 on white, apart from the months' blue
BAND_COLOUR = "#e6eef7"
MISSING_FILL = "#eef1f4"
SELECTED_STROKE = charts.INK
PEER_LABELS = charts.PEER_POSITION_LABELS  # the reports' words (one wording)
ALL_POSITIONS = [*charts.POSITION_LABELS.values(), charts.NOT_COMPARED]
ALL_POSITION_COLOURS = [*charts.POSITION_COLOURS.values(), charts.NOT_COMPARED_COLOUR]


def _walk_encodings(spec: dict[str, Any]):
    """Every (layer, channel, encoding) of a layered spec."""
    for layer in spec.get("layer", []):
        for channel, enc in (layer.get("encoding") or {}).items():
            if isinstance(enc, dict):
                yield layer, channel, enc


def _as_template(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec without its rows and title, sized by its container: the page fills and names it."""
    out = copy.deepcopy(spec)
    out.pop("title", None)
    out["width"] = "container"
    out["data"] = {"name": ROWS}
    out["$schema"] = f"https://vega.github.io/schema/vega-lite/v{charts.VL_VERSION.split('.')[0]}.json"
    return out


def _is_suppressed_marker(layer: dict[str, Any]) -> bool:
    return any("status == 'suppressed'" in str(t.get("filter", "")) for t in layer.get("transform", []))


def trend_template(series: pd.DataFrame, *, indicator_name: str, unit_label: str, is_percent: bool,
                   grain: str, rolling: bool = True) -> dict[str, Any]:
    """An indicator's trend (``charts.trend_chart``, line) as a template for any area.

    ``series``: one area's series (period_start, period_label, value, status) on the indicator's
    period grid, which every area shares, so the x axis (periods and tick labels) is the same for
    all. One period is marked hidden while the spec is built so that the "not published" marker
    layer is always there; its legend lists what is drawn, so it shows only where a period is."""
    frame = series[["period_start", "period_label", "value", "status"]].reset_index(drop=True).copy()
    if len(frame) and not frame["status"].eq("suppressed").any():
        frame.loc[0, ["value", "status"]] = [np.nan, "suppressed"]
    chart = charts.trend_chart(frame, chart_id="template", title=indicator_name, indicator_name=indicator_name,
                               area_name="", unit_label=unit_label, is_percent=is_percent, grain=grain, svg=False)
    spec = _as_template(chart.spec)
    spec["layer"] = [layer for layer in spec["layer"] if "data" not in layer]  # "no figures": said in words
    for layer, channel, enc in _walk_encodings(spec):
        scale = enc.get("scale") or {}
        if channel == "y" and scale.get("domain") == [0, 1]:
            scale.pop("domain")  # the template's own rows had no figure; the page's may
        if _is_suppressed_marker(layer):
            layer["name"] = "suppressed"  # the page drops it (and its legend) when no period is hidden
    line = next(layer for layer in spec["layer"] if _mark(layer) == "line")
    point = next(layer for layer in spec["layer"] if _mark(layer) == "point")
    x, y = line["encoding"]["x"], line["encoding"]["y"]
    value_title = charts._value_axis_title(unit_label, is_percent) or "value"
    tooltip = [{"field": "period_label", "type": "nominal", "title": "Period"},
               {"field": "value_text", "type": "nominal", "title": value_title},
               {"field": "rolling_text", "type": "nominal", "title": "Rolling 12 months"},
               {"field": "status_text", "type": "nominal", "title": "Status"}]
    point["params"] = [{"name": "hover", "select": {"type": "point", "on": "pointerover", "nearest": True,
                                                    "clear": "pointerout", "fields": ["period_label"]}}]
    point["encoding"]["tooltip"] = tooltip
    point["encoding"]["size"] = {"condition": {"param": "hover", "empty": False, "value": 90},
                                 "value": point["mark"].get("size", 30)}
    for layer in spec["layer"]:
        if _is_suppressed_marker(layer):
            layer["encoding"]["tooltip"] = tooltip
    # the 12 months chosen, shaded from the first period's point to the last's (params the page sets)
    band = {"data": {"values": [{}]}, "mark": {"type": "rect", "color": BAND_COLOUR},
            "encoding": {"x": {"value": {"expr": "scale('x', band_from) + bandwidth('x') / 2 - 6"}},
                         "x2": {"value": {"expr": "scale('x', band_to) + bandwidth('x') / 2 + 6"}},
                         "y": {"value": 0}, "y2": {"value": {"expr": "height"}}}}
    spec["params"] = [{"name": "band_from", "value": None}, {"name": "band_to", "value": None}]
    rolling_line = {"name": "rolling", "mark": {"type": "line", "color": ROLLING_COLOUR, "strokeWidth": 2,
                                           "strokeDash": [6, 3], "invalid": "break-paths-show-domains"},
               "encoding": {"x": x, "y": {**y, "field": "rolling_avg"}}}
    hover_rule = {"mark": {"type": "rule", "color": charts.AXIS_LINE, "strokeWidth": 1},
                  "transform": [{"filter": {"param": "hover", "empty": False}}], "encoding": {"x": x}}
    spec["layer"] = [band, *spec["layer"], *([rolling_line] if rolling else []), hover_rule]
    return spec


def _mark(layer: dict[str, Any]) -> str:
    mark = layer.get("mark")
    return mark.get("type") if isinstance(mark, dict) else str(mark)


def district_template(frame: pd.DataFrame, *, indicator_name: str, period_label: str, unit_label: str,
                      is_percent: bool, reference_label: str) -> dict[str, Any]:
    """An indicator's district comparison (``charts.district_chart``) as a template for any period.

    ``frame``: the districts' figures of one period (area_name, value, status, position), used
    only for the spec's structure and number format. The page sets ``xmax`` (room for the labels),
    the ``order`` of the bars, the county's rule (dataset ``reference``) and ``selected_area``."""
    chart = charts.district_chart(frame, chart_id="template", title=indicator_name, indicator_name=indicator_name,
                                  period_label=period_label, unit_label=unit_label, is_percent=is_percent,
                                  reference_value=1.0, reference_label=reference_label, svg=False)
    spec = _as_template(chart.spec)
    spec["params"] = [{"name": "xmax", "value": 1}, {"name": "selected_area", "value": ""},
                      {"name": "selected_name", "value": ""}, {"name": "reference_right", "value": False}]
    for layer in spec["layer"]:
        if "data" in layer:
            layer["data"] = {"name": REFERENCE}
            if _mark(layer) == "text":  # the county's label: left of its rule when the rule is far right
                layer["mark"].update(align={"expr": "reference_right ? 'right' : 'left'"},
                                     dx={"expr": "reference_right ? -4 : 4"})
    for layer, channel, enc in _walk_encodings(spec):
        if channel == "x" and isinstance(enc.get("scale"), dict) and "domain" in enc["scale"]:
            enc["scale"]["domain"] = [0, {"expr": "xmax"}]
        if channel == "y" and isinstance(enc.get("sort"), list):
            enc["sort"] = {"field": "order", "op": "min"}
            if isinstance(enc.get("axis"), dict):
                enc["axis"]["labelFontWeight"] = {"expr": "datum.value === selected_name ? 'bold' : 'normal'"}
        if channel == "color" and isinstance(enc.get("scale"), dict):
            enc["scale"].update(domain=ALL_POSITIONS, range=ALL_POSITION_COLOURS)
            if isinstance(enc.get("legend"), dict):
                enc["legend"]["columns"] = 2  # four positions in two columns: fits a 400 px screen
    bars = next(layer for layer in spec["layer"] if _mark(layer) == "bar")
    selected = "datum.area_code === selected_area"
    bars["mark"]["cursor"] = "pointer"
    bars["params"] = [{"name": "pick", "select": {"type": "point", "fields": ["area_code"], "on": "click"}}]
    bars["encoding"].update(
        stroke={"condition": {"test": selected, "value": SELECTED_STROKE}, "value": None},
        strokeWidth={"condition": {"test": selected, "value": 3}, "value": 0},
        tooltip=[{"field": "area_name", "type": "nominal", "title": "Area"},
                 {"field": "value_text", "type": "nominal", "title": charts._value_axis_title(unit_label, is_percent)
                  or "value"},
                 {"field": "position_label", "type": "nominal", "title": charts.POSITION_LEGEND},
                 {"field": "rank_text", "type": "nominal", "title": "Rank (1 = highest)"}])
    return spec


def map_spec(config: dict[str, Any], colour_by: str, boundaries: bool = False) -> dict[str, Any]:
    """The map of the districts, coloured by rate (``colour_by="rate"``) or by position against the
    county, from GeoJSON features the page fills with the chosen indicator's figures: one hexagon
    each (the tile map, drawn in plain x/y units), or with ``boundaries`` the districts' ONS
    outlines in longitude/latitude (a true choropleth, Mercator fitted to the county). Colour,
    legend, tooltip and selection are the same either way; the figure is written on each district
    too (hexagons: name and figure; outlines, where small districts leave little room: the figure),
    so colour is never the only cue."""
    shown = "isValid(datum.properties.value)"
    if colour_by == "rate":
        colour = {"field": "properties.value", "type": "quantitative",
                  # the lighter 70% of the scheme: black labels stay at least 4.5:1 on every hexagon
                  "scale": {"scheme": {"name": "blues", "extent": [0, 0.7]}, "domain": {"expr": "domain"}},
                  "legend": {"title": {"expr": "legend_title"}, "orient": "bottom", "direction": "horizontal",
                             "gradientLength": 180, "format": {"expr": "legend_format"}}}
    else:
        colour = {"field": "properties.position_label", "type": "nominal",
                  "scale": {"domain": ALL_POSITIONS, "range": ALL_POSITION_COLOURS},
                  "legend": {"title": charts.POSITION_LEGEND, "orient": "bottom", "direction": "horizontal",
                             "columns": 2, "symbolType": "square"}}
    selected = "datum.properties.area_code === selected_area"
    return {
        "$schema": f"https://vega.github.io/schema/vega-lite/v{charts.VL_VERSION.split('.')[0]}.json",
        "config": config,
        "width": "container",
        "height": 380 if boundaries else 290,
        "params": [{"name": "selected_area", "value": ""}, {"name": "domain", "value": [0, 1]},
                   {"name": "legend_title", "value": ""}, {"name": "legend_format", "value": ",.1f"}],
        "data": {"name": ROWS},
        # hexagons: x/y units, row 0 at the top; outlines: longitude/latitude, fitted to the features
        "projection": {"type": "mercator"} if boundaries else {"type": "identity"},
        "layer": [
            {"mark": {"type": "geoshape", "strokeJoin": "round", "cursor": "pointer"},
             "params": [{"name": "pick", "select": {"type": "point", "fields": ["properties.area_code"],
                                                    "on": "click"}}],
             "encoding": {
                 "color": {"condition": {"test": f"!({shown})", "value": MISSING_FILL}, **colour},
                 "stroke": {"condition": {"test": selected, "value": SELECTED_STROKE}, "value": "white"},
                 "strokeWidth": {"condition": {"test": selected, "value": 3.5}, "value": 1.5},
                 "tooltip": [{"field": "properties.area_name", "type": "nominal", "title": "Area"},
                             {"field": "properties.value_text", "type": "nominal", "title": "Figure"},
                             {"field": "properties.position_label", "type": "nominal",
                              "title": charts.POSITION_LEGEND}]}},
            {"mark": {"type": "text", "fontSize": 9.5 if boundaries else 10.5, "lineHeight": 13, "lineBreak": "\n",
                      "baseline": "middle"},
             "encoding": {"longitude": {"field": "properties.cx", "type": "quantitative"},
                          "latitude": {"field": "properties.cy", "type": "quantitative"},
                          "text": {"field": "properties.value_text" if boundaries else "properties.text",
                                   "type": "nominal"},
                          "color": {"condition": {"test": "datum.properties.dark", "value": "white"},
                                    "value": "black"}}},
        ],
    }


def funnel_spec(config: dict[str, Any], unit_label: str) -> dict[str, Any]:
    """The reports' funnel plot (``charts.funnel_spec``: every member of the peer group at its
    population and rate, the group average and the 95% and 99.8% control limits from the peer mart),
    made interactive: the page fills the rows (dataset ``rows``), the width follows the page, the
    legend lists every position (colours stay put) and each member has a tooltip."""
    spec = charts.funnel_spec(unit_label)
    points = next(layer for layer in spec["layer"] if _mark(layer) == "point")
    points["encoding"]["tooltip"] = [
        {"field": "area_name", "type": "nominal", "title": "Area"},
        {"field": "rate_text", "type": "nominal", "title": unit_label},
        {"field": "population_text", "type": "nominal", "title": "Residents"},
        {"field": "rank_text", "type": "nominal", "title": "Rank in group"},
        {"field": "position_label", "type": "nominal", "title": "Against the group"}]
    return {"$schema": f"https://vega.github.io/schema/vega-lite/v{charts.VL_VERSION.split('.')[0]}.json",
            "config": config, "width": "container", "height": 260, "data": {"name": ROWS}, **spec}


def costs_spec(config: dict[str, Any], price_year: str) -> dict[str, Any]:
    """The year's cost of crime by Home Office cost category: bars, largest first, hidden costs
    written "[c]" where their bar would be."""
    x = {"field": "total", "type": "quantitative", "title": f"Cost (£, {price_year} prices)",
         "scale": {"domain": [0, {"expr": "xmax"}]}, "axis": {"format": "~s", "tickCount": 4, "labelExpr":
                                                             "'£' + datum.label"}}
    y = {"field": "category", "type": "nominal", "title": None, "sort": {"field": "order", "op": "min"},
         "axis": {"labelLimit": 170, "ticks": False, "domain": False, "labelColor": charts.INK}}
    return {"$schema": f"https://vega.github.io/schema/vega-lite/v{charts.VL_VERSION.split('.')[0]}.json",
            "config": config, "width": "container", "params": [{"name": "xmax", "value": 1}],
            "data": {"name": ROWS},
            "layer": [
                {"mark": {"type": "bar", "color": charts.LINE, "height": {"band": 0.72}},
                 "encoding": {"x": x, "y": y, "tooltip": [
                     {"field": "category", "type": "nominal", "title": "Cost category"},
                     {"field": "crimes_text", "type": "nominal", "title": "Crimes"},
                     {"field": "total_text", "type": "nominal", "title": "Cost"}]}},
                {"mark": {"type": "text", "align": "left", "dx": 4, "baseline": "middle", "color": charts.INK},
                 "encoding": {"x": {**x, "field": "total_or_zero"}, "y": y,
                              "text": {"field": "total_text", "type": "nominal"}}},
            ]}
