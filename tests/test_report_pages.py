"""The Board's report pages as a reader meets them: accessible (axe-core in headless Chromium, zero
serious or critical violations), readable at 400 px, navigable (contents, headings in order, "Page N
of M" in the PDF), every chart named and downloadable with the data it draws, and honest notes.

The reports are built once for the module by ``csw report`` from the shared demo warehouse, with
road safety treated as sensitive so that disclosure control hides some cells (the "not published
(small numbers)" checks need some). Chromium is driven by Playwright with the system's Chromium
(Playwright cannot download its own browsers here); axe-core comes from npm (``make test`` installs
it into .cache/npm).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from reporting import html as report_html
from reporting.periods import latest_quarter
from reporting.tables import quarterly_tables
from warehouse.settings import load_settings

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
AXE = REPO / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
FORCE = "E23000003"
SUPPRESSED_NOTE = "not published (small numbers)"


@pytest.fixture(scope="module")
def home(controlled_reports: Path) -> Path:
    """The demo warehouse with both reports (latest quarter, latest year) built on demand by ``csw
    report`` with road safety a sensitive theme (conftest.controlled_reports; read-only)."""
    return controlled_reports


@pytest.fixture(scope="module")
def pages(home: Path) -> dict[str, Path]:
    out = home / "outputs"
    quarterly = sorted(out.glob("quarterly_report_*.html"))
    annual = sorted(out.glob("annual_update_*.html"))
    assert quarterly and annual
    return {"quarterly": quarterly[-1], "annual": annual[-1]}


class _Page(HTMLParser):
    """Headings, ids, links and charts (figure > svg[role=img] + download link) of a report."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[int] = []
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.contents: list[str] = []
        self.charts: list[dict] = []
        self._nav = 0
        self._figure: dict | None = None
        self._in_svg_text = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "nav" and "contents" in (a.get("class") or ""):
            self._nav += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
            if self._nav:
                self.contents.append(a["href"])
        if tag == "figure" and "chart" in (a.get("class") or "").split():
            self._figure = {"id": a.get("id"), "label": None, "text": [], "download": None, "href": None}
            self.charts.append(self._figure)
        if self._figure is not None:
            if tag == "svg" and a.get("role") == "img" and self._figure["label"] is None:
                self._figure["label"] = a.get("aria-label") or ""
            if tag == "a" and a.get("download"):
                self._figure["download"], self._figure["href"] = a["download"], a.get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._nav:
            self._nav -= 1
        if tag == "figure":
            self._figure = None

    def handle_data(self, data: str) -> None:
        if self._figure is not None:
            self._figure["text"].append(data)


def _parse(path: Path) -> _Page:
    parser = _Page()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _csv(href: str) -> pd.DataFrame:
    prefix = "data:text/csv;charset=utf-8,"
    assert href.startswith(prefix), href[:60]
    return pd.read_csv(io.StringIO(urllib.parse.unquote(href[len(prefix):])), dtype={"value": str},
                       keep_default_na=False)


@pytest.mark.parametrize("kind", ["quarterly", "annual"])
def test_axe_finds_no_serious_or_critical_violation(pages: dict[str, Path], browser, kind: str) -> None:
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed at {AXE}: `make test` installs it (npm install --prefix .cache/npm)")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(pages[kind].resolve().as_uri())
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    page.close()
    bad = [(v["id"], v["impact"], len(v["nodes"]), v["nodes"][0]["target"]) for v in result["violations"]
           if v["impact"] in ("serious", "critical")]
    assert not bad, bad
    # the rules that matter most here did run (a broken injection would pass vacuously)
    assert result["testEngine"]["name"] == "axe-core"


@pytest.mark.parametrize("kind", ["quarterly", "annual"])
def test_the_page_reads_at_400_px_without_scrolling_sideways(pages: dict[str, Path], browser, kind: str) -> None:
    page = browser.new_page(viewport={"width": 400, "height": 900})
    page.goto(pages[kind].resolve().as_uri())
    width = page.evaluate("document.documentElement.scrollWidth")
    wraps = page.evaluate("document.querySelectorAll('.table-wrap').length")
    page.close()
    assert width <= 400, f"{kind}: the page is {width}px wide at a 400px viewport"
    assert wraps > 0  # wide tables scroll inside their own box


def test_the_pdf_numbers_every_page_n_of_m(pages: dict[str, Path]) -> None:
    pdf = pages["annual"].with_suffix(".pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert total > 2
    for n in (1, 2, total // 2, total):
        text = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert f"Page {n} of {total}" in text, n


@pytest.mark.parametrize("kind", ["quarterly", "annual"])
def test_contents_links_and_headings(pages: dict[str, Path], kind: str) -> None:
    page = _parse(pages[kind])
    assert len(page.contents) >= 4 and "#summary" in page.contents and "#notes" in page.contents
    internal = [h[1:] for h in page.links if h.startswith("#")]
    missing = sorted({i for i in internal if i not in page.ids})
    assert not missing, missing
    # one h1, then no level skipped on the way down (h1 > h2 > h3 ...)
    levels = page.headings
    assert levels[0] == 1 and levels.count(1) == 1
    jumps = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
    assert not jumps, jumps
    text = pages[kind].read_text(encoding="utf-8")
    assert 'lang="en-GB"' in text and 'class="skip" href="#content"' in text and 'id="content"' in text
    # the executive summary comes first: before any key-issue section
    assert text.index('id="summary"') < text.index('id="scorecard"') < text.index('id="notes"')


@pytest.mark.parametrize("kind", ["quarterly", "annual"])
def test_every_chart_is_named_and_downloadable_with_its_data(pages: dict[str, Path], kind: str) -> None:
    page = _parse(pages[kind])
    assert len(page.charts) > 10
    ids = [c["id"] for c in page.charts]
    assert len(ids) == len(set(ids))
    for chart in page.charts:
        label = chart["label"]
        assert label, chart["id"]
        assert chart["download"] == f"{chart['id']}.csv" and chart["href"], chart["id"]
        data = _csv(chart["href"])
        assert len(data) and {"indicator", "value", "status"} <= set(data.columns), chart["id"]
        assert set(data["indicator"]) and data["indicator"].iloc[0] in label
        if "area" in data.columns:  # a trend: one area, named in the accessible name
            assert data["area"].iloc[0] in label, (chart["id"], label[:120])
        else:  # districts: every district named, and the county reference
            shown = data[data["status"] == "available"]
            assert all(name in label for name in shown["area_name"]), chart["id"]
        # a gap is a gap: not-available periods are blank, hidden ones [c], never 0
        assert (data.loc[data["status"] == "suppressed", "value"] == "[c]").all()
        assert (data.loc[data["status"] == "not_available", "value"] == "").all()
        assert data.loc[data["status"] == "available", "value"].str.fullmatch(r"-?\d+(\.\d+)?").all()
        # the figures the accessible name gives are the CSV's
        for v in pd.to_numeric(data.loc[data["status"] == "available", "value"]).nlargest(1):
            assert f"{v:,.1f}" in label or f"{v:,.0f}" in label, (chart["id"], v)


def test_district_charts_show_the_controlled_tables(home: Path, pages: dict[str, Path]) -> None:
    """A district chart's CSV is the scorecard's published rate (12-month ratio for a percentage) of
    each district; exactly the cells disclosure control hid are "[c]"."""
    settings = load_settings(home)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        quarter = latest_quarter(con)
        tables = quarterly_tables(con, quarter, settings)
    rows = tables.scorecard
    names = tables.geography.areas.set_index("area_code")["area_name"]
    checked = 0
    for chart in _parse(pages["quarterly"]).charts:
        if not chart["id"].startswith("chart-districts-"):
            continue
        data = _csv(chart["href"])
        indicator_id = chart["id"][len("chart-districts-"):].replace("-", "_")
        ind = rows[(rows["indicator_id"] == indicator_id) & rows["area_code"].isin(tables.geography.districts["area_code"])]
        if ind.empty:
            continue
        record = ind.iloc[0].to_dict()
        measure = "rolling_12m" if bool(record.get("is_ratio")) else ("rate" if ind["rate"].notna().any() else "value")
        truth = pd.DataFrame({"area_name": ind["area_code"].map(names).to_numpy(),
                              "truth": ind[measure].to_numpy(dtype=float),
                              "hidden": tables.hidden.loc[ind.index, measure].to_numpy(dtype=bool)
                              if measure in tables.hidden.columns else np.zeros(len(ind), dtype=bool)})
        both = data.merge(truth, on="area_name", how="inner")
        assert len(both) == len(ind), chart["id"]
        assert (both["status"].eq("suppressed") == both["hidden"]).all(), chart["id"]
        shown = both[both["status"] == "available"]
        assert np.allclose(pd.to_numeric(shown["value"]), shown["truth"], atol=0.051), chart["id"]
        checked += 1
    assert checked > 10


def test_trend_charts_show_the_controlled_series(home: Path, pages: dict[str, Path]) -> None:
    """A quarterly trend's CSV is the force area's controlled series at the indicator's own grain
    (MARAC by quarter, ratios as ratios of sums): same periods, same statuses, same values."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        tables = quarterly_tables(con, latest_quarter(con), load_settings(home))
    series = getattr(tables, "series", None)
    if series is None or series.empty:
        pytest.skip("these tables have no controlled series")
    force = series[series["area_code"] == FORCE]
    checked = 0
    for chart in _parse(pages["quarterly"]).charts:
        if not chart["id"].startswith("chart-trend-"):
            continue
        indicator_id = chart["id"][len("chart-trend-"):].replace("-", "_")
        truth = force[force["indicator_id"] == indicator_id].sort_values("period_start")
        if truth.empty:
            continue
        data = _csv(chart["href"])
        assert list(data["period_label"]) == list(truth["period_label"].astype(str)), chart["id"]
        assert list(data["status"]) == list(truth["status"]), chart["id"]
        shown = (data["status"] == "available").to_numpy()
        assert np.allclose(pd.to_numeric(data.loc[shown, "value"]), truth.loc[truth["status"] == "available", "value"],
                           atol=0.051), chart["id"]
        checked += 1
    assert checked > 10


@pytest.mark.parametrize("kind", ["quarterly", "annual"])
def test_small_numbers_label_only_where_cells_were_hidden(pages: dict[str, Path], kind: str) -> None:
    page = _parse(pages[kind])
    text = pages[kind].read_text(encoding="utf-8")
    assert "per 100 residents" not in text
    with_hidden = 0
    for chart in page.charts:
        data = _csv(chart["href"])
        hidden = bool((data["status"] == "suppressed").any())
        says = SUPPRESSED_NOTE in " ".join(chart["text"]) or SUPPRESSED_NOTE in (chart["label"] or "")
        assert says == hidden, (chart["id"], hidden)
        with_hidden += hidden
    # outside the charts the phrase is used only by the profiles' words about a hidden figure
    if kind == "quarterly":
        outside = text.count(SUPPRESSED_NOTE) - sum(
            " ".join(c["text"]).count(SUPPRESSED_NOTE) + (c["label"] or "").count(SUPPRESSED_NOTE) for c in page.charts)
        assert outside == 0
    if kind == "quarterly":
        assert with_hidden > 0  # road safety is sensitive in this home: some district counts are hidden


def test_retired_categories_and_percentages(home: Path, pages: dict[str, Path]) -> None:
    """An indicator with no events in either window says "no data in this period", has no RAG and is
    not in the tiles; a percentage's change is in percentage points."""
    text = pages["quarterly"].read_text(encoding="utf-8")
    tiles = " ".join(re.findall(r'<div class="tile[^"]*">(.*?)</div>\s*(?=<div class="tile|</div>)', text, re.S))
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        quarter = latest_quarter(con)
        tables = quarterly_tables(con, quarter, load_settings(home))
    force = tables.scorecard[tables.scorecard["area_code"] == FORCE]
    retired = force[(force["rolling_12m"] == 0) & (force["rolling_12m_previous"] == 0)]
    if "direction" in force.columns:
        retired = pd.concat([retired, force[force["direction"] == "no events"]]).drop_duplicates("indicator_id")
    for name in retired["indicator_name"]:
        assert f">{name}<" not in tiles, name
        row = re.search(rf'<tr><th scope="row" class="text rowhead">{re.escape(name)}<.*?</tr>', text, re.S)
        assert row and "no data in this period" in row.group(0) and "not rated" in row.group(0), name
    percent = force[force["unit"].isin(["percent", "%"]) & force["rolling_12m"].notna()
                    & force["rolling_12m_previous"].notna()]
    assert len(percent)
    for r in percent.itertuples():
        pp = r.rolling_12m - r.rolling_12m_previous
        assert f"{pp:+.1f} pp" in text, r.indicator_name


def test_notes_are_honest_and_stale_data_is_flagged(home: Path, pages: dict[str, Path]) -> None:
    settings = load_settings(home)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        quarter = latest_quarter(con)
        tables = quarterly_tables(con, quarter, settings)
    end = quarter.end_month
    fresh = report_html.render_quarterly(tables, built=dt.datetime(end.year + (end.month == 12), end.month % 12 + 1, 20))
    stale = report_html.render_quarterly(tables, built=dt.datetime(end.year + 2, end.month, 1))
    warning = "may be out of date"
    assert warning not in fresh
    assert stale.count(warning) >= 2  # in the executive summary and in the notes
    summary = stale[stale.index('id="summary"'):stale.index('id="scorecard"')]
    assert warning in summary and "24 months before it was built" in summary
    for page in (fresh, pages["annual"].read_text(encoding="utf-8")):
        assert "Duplicate records" in page and "each row still counts once" in page
        assert "Statistical significance" in page
    from warehouse import statistics
    method = getattr(statistics, "SIGNIFICANCE_METHOD_NOTE", None)
    if isinstance(method, str) and method.strip():
        assert method.split(".")[0] in fresh.replace("&#39;", "'").replace("&#34;", '"')
    if "lookback_months" in tables.catalogue.columns and tables.catalogue["lookback_months"].notna().any():
        assert "not published for these indicators" in fresh
