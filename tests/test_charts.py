"""Charts drawn by Vega-Lite (Altair) and vl-convert: gaps are gaps, a series keeps its grain,
only disclosure control is called "not published", percentages say "%", every text passes WCAG
contrast, and each chart has an accessible name and a CSV of what it draws."""

from __future__ import annotations

import re
import urllib.parse

import numpy as np
import pandas as pd
import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema import core

from reporting import charts


def _series(labels: list[str], values: list[float], status: list[str] | None = None,
            freq: str = "MS") -> pd.DataFrame:
    status = status or ["available" if not np.isnan(v) else "not_available" for v in values]
    return pd.DataFrame({"period_start": pd.date_range("2023-04-01", periods=len(labels), freq=freq).date,
                         "period_label": labels, "value": values, "status": status})


def _trend(series: pd.DataFrame, **kw) -> charts.Chart:
    args = dict(chart_id="t", title="Violence with injury, each month", indicator_name="Violence with injury",
                area_name="Lancashire-12", unit_label="crimes per month", is_percent=False, grain="month")
    return charts.trend_chart(series, **{**args, **kw})


def _districts(**kw) -> charts.Chart:
    frame = pd.DataFrame({
        "area_name": ["Burnley", "Chorley", "Fylde", "Hyndburn", "Pendle"],
        "value": [48.2, 12.5, 20.0, np.nan, np.nan],
        "status": ["available", "available", "available", "suppressed", "not_available"],
        "position": ["above", "below", "similar", None, None],
    })
    args = dict(chart_id="d", title="Violence with injury by district", indicator_name="Violence with injury",
                period_label="12 months to June 2025", unit_label="crimes per 1,000 residents", is_percent=False,
                reference_value=21.3, reference_label="Lancashire-12")
    return charts.district_chart(frame, **{**args, **kw})


def _group(svg: str, role: str) -> str:
    """The inner SVG of the first mark group with this role (e.g. "mark-line role-mark")."""
    m = re.search(rf'<g class="{role}[^"]*"[^>]*>(.*?)</g>', svg, re.S)
    return m.group(1) if m else ""


def _texts(svg: str, role: str) -> list[str]:
    """The text of every mark group with this role (both axes' labels, say)."""
    groups = re.findall(rf'<g class="{role}[^"]*"[^>]*>(.*?)</g>', svg, re.S)
    return [t for g in groups for t in re.findall(r">([^<]*)</text>", g)]


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast_on_white(hex_colour: str) -> float:
    return 1.05 / (_luminance(hex_colour) + 0.05)


def test_a_missing_month_breaks_the_line_and_is_never_zero() -> None:
    c = _trend(_series(["Apr", "May", "Jun", "Jul", "Aug", "Sep"], [3.0, 4.0, np.nan, 5.0, 6.0, 7.0]))
    path = re.search(r'd="([^"]+)"', _group(c.svg, "mark-line role-mark")).group(1)
    assert path.count("M") == 2  # two segments: the line breaks at June
    assert _group(c.svg, "mark-symbol role-mark").count("<path") == 5  # no point for June
    drawn = {r["period_label"]: r["value"] for r in c.spec["data"]["values"]}
    assert drawn["Jun"] is None and drawn["Apr"] == 3.0  # null (a gap), not 0
    # no point sits on the zero line: the lowest point is the lowest value, 3
    ys = [float(y) for y in re.findall(r'translate\([\d.]+,([\d.]+)\)', _group(c.svg, "mark-symbol role-mark"))]
    assert max(ys) < 200 * (1 - 3 / 8)  # below 3 would be lower on the page than this


def test_a_quarterly_series_is_one_mark_per_quarter() -> None:
    q = _series(["2024/25 Q1", "2024/25 Q2", "2024/25 Q3", "2024/25 Q4"], [612.0, 598.0, 605.0, 640.0], freq="QS-APR")
    c = _trend(q, grain="quarter", unit_label="cases per quarter")
    assert _group(c.svg, "mark-symbol role-mark").count("<path") == 4
    assert len(c.data) == 4 and len(c.spec["data"]["values"]) == 4
    assert "quarterly from 2024/25 Q1 to 2024/25 Q4" in c.description


def test_percentages_are_labelled_percent_not_per_100() -> None:
    s = _series(["2021/22", "2022/23", "2023/24"], [29.1, 30.4, 29.7], freq="YS-APR")
    for unit in ("% of violent crime", "per 100 residents"):
        c = _trend(s, unit_label=unit, is_percent=True, grain="year", kind="column")
        title = " ".join(_texts(c.svg, "mark-text role-axis-title"))
        assert "%" in title and "per 100" not in c.svg
    c = _trend(s, unit_label="% of violent crime", is_percent=True, grain="year", kind="column")
    ticks = [t for t in _texts(c.svg, "mark-text role-axis-label") if re.fullmatch(r"[\d.,]+", t)]
    assert ticks and all(re.fullmatch(r"\d+\.\d", t) for t in ticks)  # one decimal, as the tables
    assert {"29.1", "30.4", "29.7"} <= set(_texts(c.svg, "mark-text role-mark"))  # the yearly ratios, not sums


def test_only_suppressed_values_are_called_not_published() -> None:
    labels = ["Apr", "May", "Jun", "Jul"]
    missing_only = _trend(_series(labels, [3.0, np.nan, 4.0, 5.0], ["available", "not_available", "available",
                                                                      "available"]))
    assert "not published" not in missing_only.svg and "not published" not in missing_only.description
    assert "1 month not available: May" in missing_only.description
    hidden = _trend(_series(labels, [3.0, np.nan, 4.0, 5.0], ["available", "suppressed", "available", "available"]))
    assert "not published (small numbers)" in hidden.svg
    assert "1 month not published (small numbers): May" in hidden.description
    # a value given with a suppressed status is still not drawn
    leaked = _trend(_series(labels, [3.0, 99.0, 4.0, 5.0], ["available", "suppressed", "available", "available"]))
    assert [r["value"] for r in leaked.spec["data"]["values"]][1] is None
    d = _districts()
    rows = {t for t in re.findall(r">([^<]*)</text>", d.svg)}
    assert "not published (small numbers)" in rows and "n/a" in rows
    assert d.svg.count("not published") == 1  # Hyndburn only; Pendle (not available) is "n/a"


def test_csv_marks_suppressed_and_says_why_a_value_is_blank() -> None:
    c = _trend(_series(["Apr", "May", "Jun"], [1234.0, np.nan, np.nan], ["available", "suppressed", "not_available"]))
    lines = c.csv().splitlines()
    assert lines[0] == "indicator,area,period_start,period_label,value,status,unit"
    assert lines[1].endswith(",Apr,1234,available,crimes per month")
    assert lines[2].endswith(",May,[c],suppressed,crimes per month")
    assert lines[3].endswith(",Jun,,not_available,crimes per month")
    assert urllib.parse.unquote(c.data_uri().split(",", 1)[1]) == c.csv()
    assert c.data_uri().startswith("data:text/csv;charset=utf-8,")
    d = _districts().csv()
    assert "Hyndburn,[c],suppressed" in d and "Pendle,,not_available" in d and "Burnley,48.2,available,above" in d


def test_accessible_name_role_title_and_responsive_size() -> None:
    for c in (_trend(_series(["Apr", "May"], [1.0, 2.0])), _districts()):
        root = re.match(r"<svg\b[^>]*>", c.svg).group(0)
        assert 'role="img"' in root and f'aria-label="{c.description}"' in root
        assert 'width="100%"' in root and "viewBox=" in root and "max-width:" in root and "height=" not in root
        assert c.svg[len(root):].startswith(f"<title>{c.title}</title>")
        assert "http" not in c.svg.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
            'xmlns:xlink="http://www.w3.org/1999/xlink"', "")  # nothing fetched: opens offline
    t = _trend(_series(["Apr", "May", "Jun"], [10.0, np.nan, 30.0]))
    for words in ("Violence with injury", "Lancashire-12", "from Apr to Jun", "Latest 30 in Jun", "first 10 in Apr",
                  "not available: May"):
        assert words in t.description
    d = _districts()
    assert "Burnley 48.2, above the county" in d.description and "Lancashire-12: 21.3" in d.description
    escaped = _trend(_series(["Apr"], [1.0]), title='A & "B" <c>')
    assert '<title>A &amp; "B" &lt;c&gt;</title>' in escaped.svg and "aria-label=\"A &amp; &quot;B&quot;" in escaped.svg


def test_every_text_has_contrast_of_at_least_4_5_on_white() -> None:
    s = _series(["Apr", "May", "Jun", "Jul"], [3.0, np.nan, 4.0, np.nan], ["available", "suppressed", "available",
                                                                            "not_available"])
    svgs = [_trend(s).svg, _trend(s, kind="column", grain="year").svg, _districts().svg,
            charts.small_multiple(s, chart_id="s", title="Burnley", indicator_name="V", area_name="Burnley",
                                  unit_label="crimes", is_percent=False, grain="month").svg]
    for svg in svgs:
        tags = re.findall(r"<text\b[^>]*>", svg)
        assert tags
        fills = [re.search(r'fill="(#[0-9a-fA-F]{6})"', t) for t in tags]
        assert all(fills), "every text has an explicit colour"
        worst = min(_contrast_on_white(f.group(1)) for f in fills)
        assert worst >= 4.5, worst


def test_district_bars_are_coloured_by_position_with_its_own_legend_and_words() -> None:
    d = _districts()
    texts = re.findall(r">([^<]*)</text>", d.svg)
    assert "Against the county rate" in texts
    assert {"Above the county", "Similar to the county", "Below the county"} <= set(texts)
    assert {"48.2 (above)", "12.5 (below)", "20.0 (similar)"} <= set(texts)  # position in words too
    assert "Lancashire-12: 21.3" in texts
    bars = re.findall(r'fill="(#[0-9a-f]{6})"', _group(d.svg, "mark-rect role-mark"))
    assert bars == [charts.POSITION_COLOURS[p] for p in ("above", "similar", "below")]  # sorted by value
    assert d.data["area_name"].tolist() == ["Burnley", "Fylde", "Chorley", "Hyndburn", "Pendle"]
    assert "Not compared" not in texts
    uncompared = charts.district_chart(
        pd.DataFrame({"area_name": ["A", "B"], "value": [2.0, 3.0], "status": "available", "position": None}),
        chart_id="u", title="t", indicator_name="Thefts", period_label="2024/25", unit_label="per 1,000",
        is_percent=False, reference_value=None, reference_label="Lancashire-12").svg
    assert "Not compared" in uncompared and "Above the county" not in uncompared  # no legend for what is not drawn


def test_counts_have_separators_and_no_decimals() -> None:
    c = _trend(_series(["Apr", "May", "Jun"], [1200.0, 1350.0, 1410.0]))
    ticks = _texts(c.svg, "mark-text role-axis-label")
    assert "1,000" in ticks and not any("." in t for t in ticks)
    assert "Latest 1,410 in Jun" in c.description


def test_column_chart_writes_c_and_na_in_empty_slots() -> None:
    s = _series(["2021/22", "2022/23", "2023/24", "2024/25"], [10.0, np.nan, np.nan, 12.0],
                ["available", "suppressed", "not_available", "available"], freq="YS-APR")
    c = _trend(s, grain="year", kind="column")
    assert _group(c.svg, "mark-rect role-mark").count("<path") == 2  # no bar for the hidden or missing years
    texts = re.findall(r">([^<]*)</text>", c.svg)
    assert "[c]" in texts and "n/a" in texts and "not published (small numbers)" in texts


@pytest.mark.parametrize("make", [
    lambda: _trend(_series(["Apr", "May", "Jun"], [1.0, np.nan, 2.0], ["available", "suppressed", "available"])),
    lambda: _trend(_series(["2023/24", "2024/25"], [1.0, 2.0], freq="YS-APR"), kind="column", grain="year"),
    _districts,
    lambda: charts.small_multiple(_series(["Apr", "May"], [np.nan, np.nan], ["suppressed", "suppressed"]),
                                  chart_id="s", title="Burnley", indicator_name="V", area_name="Burnley",
                                  unit_label="crimes", is_percent=False, grain="month"),
])
def test_specs_are_valid_vega_lite(make) -> None:
    """Rendering skips Altair's validation for speed, so the specs are checked against the schema here."""
    assert validate_jsonschema(make().spec, core.load_schema(), raise_error=False) is None


def test_nothing_published_says_so() -> None:
    c = charts.small_multiple(_series(["Apr", "May"], [np.nan, np.nan], ["suppressed", "suppressed"]),
                              chart_id="s", title="Burnley", indicator_name="V", area_name="Burnley",
                              unit_label="crimes", is_percent=False, grain="month")
    assert "Not published (small numbers)" in c.svg and "No figures are shown." in c.description
    assert 'max-width:' in c.svg and int(re.search(r"viewBox=\"0 0 (\d+)", c.svg).group(1)) < 300


@pytest.mark.parametrize("values", [[1.0, 1.0], [0.0, 2.0], [2.0, 1.0], [0.0, 0.0]])
def test_a_small_count_axis_has_whole_number_ticks_each_once(values: list[float]) -> None:
    """A year of 1 deliberate fire against 1 the year before: the axis reads 0, 1, not 0, 1, 1."""
    for height in (90, 200):  # the district profile's sparkline and the full-size chart
        chart = _trend(_series(["2022/23", "2023/24"], values), kind="column", grain="year", height=height)
        axis = chart.spec["layer"][0]["encoding"]["y"]["axis"]
        assert axis["values"] == list(range(0, int(max(max(values), 1)) + 1))
        ticks = [t for t in _texts(chart.svg, "mark-text role-axis-label") if "/" not in t]  # not the years
        assert ticks == [str(v) for v in axis["values"]]
    assert charts.count_ticks(48.0, True) is None and charts.count_ticks(1.0, False) is None
