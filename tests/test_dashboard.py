"""The performance dashboard (outputs/dashboard.html) as a Board member and a district manager meet it.

Built once for the module by ``csw dashboard`` (in process) on a copy of the session's 30-month demo
warehouse (or of ``$CSW_TEST_HOME``), with road safety made a sensitive theme so that disclosure
control hides more cells; then read by headless Chromium (Playwright on the system's Chromium; no browser download) and
axe-core (installed by ``make test`` into .cache/npm): no request leaves the page, choosing a
district changes the tiles, the trend and the map, every chart's CSV equals the rows of the marts
it shows, no serious accessibility violation, nothing scrolls sideways at 400 px, and no small
count of a sensitive theme is embedded. Also: the Dagster asset and its exposure, the peer view's
"not available", the seed of the tile map.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import re
import shutil
import urllib.parse
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from cli.main import main
from reporting import dashboard
from reporting.dashboard_tables import dashboard_tables, selectable_quarters
from warehouse.settings import load_settings

# e2e and night: it reads the 30-month demo night (through ``source``, which conftest cannot see)
pytestmark = [pytest.mark.e2e, pytest.mark.night]

REPO = Path(__file__).resolve().parents[1]
AXE = REPO / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
FORCE, COUNTY, PRESTON = "E23000003", "E10000017", "E07000123"
SETTINGS = """[disclosure]
threshold = 5
sensitive_themes = ["domestic abuse", "sexual offences", "exploitation", "road safety"]
"""
READY = "document.documentElement.dataset.pending === '0'"


@pytest.fixture(scope="module")
def source(request: pytest.FixtureRequest) -> Path:
    """The session's 30-month demo home (read-only), or the home named by ``CSW_TEST_HOME`` (a
    developer's copy of the same demo, to avoid building a night inside the test run)."""
    override = os.environ.get("CSW_TEST_HOME")
    return Path(override) if override else request.getfixturevalue("demo_home")


@pytest.fixture(scope="module")
def built(source: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy of the demo warehouse with road safety sensitive, and ``csw dashboard`` run on it."""
    home = tmp_path_factory.mktemp("dashboard")
    shutil.copy(source / "warehouse.duckdb", home / "warehouse.duckdb")
    (home / "settings.toml").write_text(SETTINGS, encoding="utf-8")
    code = main(["--home", str(home), "dashboard"])
    return {"home": home, "code": code, "page": home / "outputs" / "dashboard.html"}


@pytest.fixture(scope="module")
def page_file(built: dict) -> Path:
    assert built["code"] == 0
    return built["page"]


@pytest.fixture(scope="module")
def data(page_file: Path) -> dict:
    """The JSON the page embeds."""
    text = page_file.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', text, re.S)
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def tables(built: dict):
    with duckdb.connect(str(built["home"] / "warehouse.duckdb"), read_only=True) as con:
        return dashboard_tables(con, load_settings(built["home"]))


@pytest.fixture(scope="module")
def mart(built: dict):
    con = duckdb.connect(str(built["home"] / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def _open(browser, path: Path, width: int = 1400, requests: list[str] | None = None):
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    if requests is not None:
        page.on("request", lambda r: requests.append(r.url))
        context.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    page.wait_for_function(READY, timeout=60_000)
    assert not errors, errors
    return context, page


def _choose(page, selector: str, value: str) -> None:
    page.select_option(selector, value)
    page.wait_for_function(READY, timeout=60_000)


def _figure(indicator_id: str, kind: str) -> str:
    return f'section:has(.tile[data-indicator="{indicator_id}"]) figure[data-chart="{kind}"]'


def _show(page, indicator_id: str) -> None:
    page.click(f'button[data-show="{indicator_id}"]')
    page.wait_for_function(READY, timeout=60_000)


def _csv(page, indicator_id: str, kind: str) -> pd.DataFrame:
    href = page.get_attribute(f"{_figure(indicator_id, kind)} a.download", "href")
    prefix = "data:text/csv;charset=utf-8,"
    assert href and href.startswith(prefix), (href or "")[:60]
    return pd.read_csv(io.StringIO(urllib.parse.unquote(href[len(prefix):])), dtype=str, keep_default_na=False)


def _sensitive_count_indicators(tables) -> list[str]:
    cat = tables.catalogue
    sensitive = tables.rules.is_sensitive(cat["theme"]) & cat["value_kind"].eq("count").to_numpy()
    return cat.loc[sensitive, "indicator_id"].tolist()


# --------------------------------------------------------------------------- the command and the asset

def test_csw_dashboard_writes_the_page(built: dict, capsys: pytest.CaptureFixture[str]) -> None:
    assert built["code"] == 0
    assert built["page"].exists() and built["page"].stat().st_size > 500_000
    assert not list((built["home"] / "outputs").glob(".staging-*"))  # written by rename, nothing left over
    # every quarter shown passed the reports' Great Expectations suite: its Data Docs page is there
    docs = built["home"] / "outputs" / "data_docs"
    assert any("dashboard_" in p.name or "dashboard_" in str(p) for p in docs.rglob("*")), "no GE result"
    # a second run replaces it (and says where)
    assert main(["--home", str(built["home"]), "dashboard", "--quarters", "2"]) == 0
    out = capsys.readouterr().out
    assert "Performance dashboard, 2 quarter ends" in out and str(built["page"]) in out
    assert main(["--home", str(built["home"]), "dashboard"]) == 0  # back to the default for the other tests
    assert main(["--home", str(built["home"] / "nowhere"), "dashboard"]) == 1


def test_the_dagster_asset_reads_what_its_exposure_says() -> None:
    import dagster as dg

    from orchestration.dbt_project import exposure_deps
    from orchestration.definitions import defs
    from orchestration.reports import DASHBOARD_KEY, GE_CHECK

    graph = defs.resolve_asset_graph()
    node = graph.get(DASHBOARD_KEY)
    parents = node.parent_keys
    assert parents == set(exposure_deps(DASHBOARD_KEY))
    for key in (["marts", "mart_scorecard_quarterly"], ["marts", "mart_indicator_monthly"], ["marts", "dim_area"],
                ["marts", "dim_indicator"], ["marts", "mart_reporting_period"], ["marts", "mart_peer_comparison"],
                ["reference", "district_hex_positions"]):
        assert dg.AssetKey(key) in parents, key
    assert dg.AssetCheckKey(DASHBOARD_KEY, GE_CHECK) in graph.asset_check_keys
    assert "outputs__dashboard" in {n.name for n in defs.resolve_job_def("nightly").graph.node_defs}


def test_the_tile_map_seed_places_every_district_once() -> None:
    with (REPO / "dbt_project" / "seeds" / "district_hex_positions.csv").open(newline="", encoding="utf-8") as fh:
        hexes = list(csv.DictReader(fh))
    with (REPO / "dbt_project" / "seeds" / "lancashire_areas.csv").open(newline="", encoding="utf-8") as fh:
        districts = {r["area_code"] for r in csv.DictReader(fh) if r["area_type"] in ("district", "unitary")}
    assert {h["area_code"] for h in hexes} == districts and len(hexes) == 14
    assert len({(h["column"], h["row"]) for h in hexes}) == 14


# --------------------------------------------------------------------------- offline, one file

def test_the_page_makes_no_network_request(browser, page_file: Path) -> None:
    text = page_file.read_text(encoding="utf-8")
    assert not re.search(r"""<(script|link|img|iframe)\b[^>]*\s(src|href)=["']?(https?:)?//""", text, re.I)
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    requests: list[str] = []
    context, page = _open(browser, page_file, requests=requests)
    _choose(page, "#area", PRESTON)  # everything redrawn for a district
    _choose(page, "#period", data_quarter(page, 0))
    page.check('input[name=mapby][value=position]')
    page.fill("#search", "burglary")
    page.wait_for_function(READY, timeout=60_000)
    page.hover(f'{_figure("crime_burglary", "trend")} .vis')
    context.close()
    assert set(requests) == {page_file.resolve().as_uri()}, sorted(set(requests))[:5]


def data_quarter(page, index: int) -> str:
    return page.evaluate(f"Array.from(document.querySelectorAll('#period option'))[{index}].value")


# --------------------------------------------------------------------------- the area changes every view

def test_choosing_a_district_changes_the_tiles_the_trend_and_the_map(browser, page_file: Path) -> None:
    context, page = _open(browser, page_file)
    tiles = _figure("all_crime", "trend").replace('figure[data-chart="trend"]', ".tiles")

    def snapshot() -> dict:
        return {
            "tiles": page.inner_text(tiles),
            "trend_title": page.inner_text(f'{_figure("all_crime", "trend")} figcaption'),
            "trend_svg": page.inner_html(f'{_figure("all_crime", "trend")} .vis'),
            "trend_csv": page.get_attribute(f'{_figure("all_crime", "trend")} a.download', "href"),
            "map_svg": page.inner_html(f'{_figure("all_crime", "map")} .vis'),
            "outlined": page.evaluate(f"""() => Array.from(
                document.querySelectorAll('{_figure("all_crime", "map")} path'))
                .filter(p => (p.getAttribute('stroke') || '').toLowerCase() === '#1f2933').length"""),
        }

    before = snapshot()
    assert "Lancashire police force area" in before["trend_title"] and before["outlined"] == 0
    _choose(page, "#area", PRESTON)
    after = snapshot()
    assert after["tiles"] != before["tiles"]
    assert "Preston" in after["trend_title"] and after["trend_svg"] != before["trend_svg"]
    assert after["trend_csv"] != before["trend_csv"]
    assert after["map_svg"] != before["map_svg"] and after["outlined"] == 1  # Preston's hexagon outlined
    assert page.evaluate("location.hash") == f"#area={PRESTON}&period=" + page.evaluate(
        "document.getElementById('period').selectedOptions[0].value").replace(" Q", "-Q")
    # a click on a bar of the district chart chooses that district
    assert "Preston" in page.inner_text(f'{_figure("all_crime", "districts")} [data-f=note]')
    context.close()


def test_the_selectors_work_from_the_keyboard(browser, page_file: Path) -> None:
    context, page = _open(browser, page_file)
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "area":
            break
    assert page.evaluate("document.activeElement.id") == "area"
    for label in ("area", "period", "search"):
        assert page.evaluate(f"document.querySelector('label[for={label}]').textContent.trim().length > 0")
    page.keyboard.press("End")  # the last district
    page.wait_for_function(READY, timeout=60_000)
    assert page.evaluate("document.getElementById('area').value") != FORCE
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("knife")
    status = page.inner_text("#search-status")
    assert re.search(r"\d+ indicators? match", status), status
    shown = page.evaluate("Array.from(document.querySelectorAll('.tile')).filter(t => !t.hidden).length")
    assert 1 <= shown < page.evaluate("document.querySelectorAll('.tile').length")
    context.close()


# --------------------------------------------------------------------------- the downloads are the marts' rows

def test_a_trend_download_equals_the_monthly_mart(browser, page_file: Path, mart, tables) -> None:
    context, page = _open(browser, page_file)
    _choose(page, "#area", PRESTON)
    _show(page, "all_crime")
    data = _csv(page, "all_crime", "trend")
    context.close()
    assert set(data["indicator_id"]) == {"all_crime"} and set(data["area_code"]) == {PRESTON}
    truth = mart.execute("""select strftime(month, '%Y-%m') as period, value from marts.mart_indicator_monthly
                            where indicator_id = 'all_crime' and area_code = ?""", [PRESTON]).df()
    both = data.merge(truth, on="period", how="left", suffixes=("", "_mart"))
    assert len(both) >= 24 and both["value_mart"].notna().all()
    assert (both["status"] == "available").all()  # not a sensitive theme: every month published
    assert np.allclose(pd.to_numeric(both["value"]), both["value_mart"])
    # the rolling 12 months at the latest quarter's end is the scorecard's 12-month count
    latest = tables.latest
    rolling = both.loc[both["period"] == latest.end_month.strftime("%Y-%m"), "rolling_12m"]
    expected = mart.execute("""select rolling_12m from marts.mart_scorecard_quarterly where indicator_id = 'all_crime'
                               and area_code = ? and financial_year = ? and fy_quarter = ?""",
                            [PRESTON, latest.year.label, latest.number]).fetchone()[0]
    assert float(rolling.iloc[0]) == pytest.approx(expected)


def test_a_district_download_equals_the_scorecard(browser, page_file: Path, mart, tables) -> None:
    context, page = _open(browser, page_file)
    _show(page, "all_crime")
    data = _csv(page, "all_crime", "districts")
    map_data = _csv(page, "all_crime", "map")
    context.close()
    latest = tables.latest
    truth = mart.execute("""select area_code, rate from marts.mart_scorecard_quarterly
                            where indicator_id = 'all_crime' and financial_year = ? and fy_quarter = ?
                              and area_type in ('district', 'unitary')""", [latest.year.label, latest.number]).df()
    both = data.merge(truth, on="area_code")
    assert len(both) == 14 and set(data["period"]) == {f"{latest.year.label}-Q{latest.number}"}
    assert np.allclose(pd.to_numeric(both["value"]), both["rate"], atol=1e-4)
    assert map_data.sort_values("area_code").reset_index(drop=True).equals(
        data.sort_values("area_code").reset_index(drop=True))


def test_a_sensitive_download_hides_exactly_what_disclosure_control_hid(browser, page_file: Path, mart,
                                                                        tables) -> None:
    """Preston's domestic abuse crimes by month: hidden months "[c]" exactly where the controlled
    series hides them, every published month the mart's value, and none of them a small count."""
    indicator = "da_crimes"
    context, page = _open(browser, page_file)
    _choose(page, "#area", PRESTON)
    _show(page, indicator)
    data = _csv(page, indicator, "trend")
    context.close()
    series = tables.series[(tables.series["indicator_id"] == indicator) & (tables.series["area_code"] == PRESTON)]
    assert list(data["status"]) == list(series["status"])
    assert (data.loc[data["status"] == "suppressed", "value"] == "[c]").all()
    assert (data["status"] == "suppressed").any()
    shown = data[data["status"] == "available"]
    truth = mart.execute("""select strftime(month, '%Y-%m') as period, value as value_mart
                            from marts.mart_indicator_monthly where indicator_id = ? and area_code = ?""",
                         [indicator, PRESTON]).df()
    shown = shown.merge(truth, on="period")
    values = pd.to_numeric(shown["value"])
    assert len(shown) and np.allclose(values, shown["value_mart"])
    assert not ((values > 0) & (values < 5)).any()


# --------------------------------------------------------------------------- disclosure

def test_no_small_count_of_a_sensitive_theme_is_embedded(data: dict, mart, tables) -> None:
    sensitive = _sensitive_count_indicators(tables)
    assert "road_casualties" in sensitive  # the settings made road safety sensitive
    fields = data["scorecard"]["fields"]
    counts = [fields.index(c) + 2 for c in ("value", "rolling_12m", "rolling_12m_previous")]
    hidden = 0
    for indicator in sensitive:
        for row in data["scorecard"]["rows"].get(indicator, []):
            for i in counts:
                v = row[i] if i < len(row) else None
                hidden += v == "[c]"
                assert not (isinstance(v, (int, float)) and 0 < v < 5), (indicator, row[:2], fields[i - 2], v)
    assert hidden > 0
    rows = {(r[0], r[1]): r for r in data["series"]["rows"]}
    for (indicator, area), r in rows.items():
        if indicator in sensitive:
            published = [v for v, s in zip(r[2], r[3]) if s == "a"]
            assert not any(0 < v < 5 for v in published if v is not None), (indicator, area)
    # a known small true count: in the mart, hidden in the page (its month "c", its value null)
    grid = data["series"]["grid"]
    small = mart.execute(
        """select indicator_id, area_code, strftime(month, '%Y-%m-%d') as month, value
           from marts.mart_indicator_monthly
           where indicator_id in (select unnest(?)) and value between 1 and 4 and area_code = ?
           order by month desc limit 20""", [sensitive, PRESTON]).df()
    checked = 0
    for r in small.itertuples():
        if r.indicator_id not in grid or r.month not in grid[r.indicator_id]["starts"]:
            continue
        k = grid[r.indicator_id]["starts"].index(r.month)
        row = rows[(r.indicator_id, r.area_code)]
        assert row[3][k] == "c" and row[2][k] is None, (r.indicator_id, r.month)
        checked += 1
    assert checked > 0


def test_read_beside_the_quarterly_reports_the_page_gives_nothing_back(built: dict, tables) -> None:
    """Every count the page hides stays hidden: alone (no additive relation it shows has exactly one
    hidden cell), beside the quarterly report of each of its quarters (it hides every cell they
    hide) and beside all of them together: nothing the reports together do not already give back
    (reports of different quarters can disagree: the known limit on differencing between outputs)."""
    from reporting import disclosure
    from reporting.dashboard_tables import report_cells

    assert len(tables.exposed()) == 0
    with duckdb.connect(str(built["home"] / "warehouse.duckdb"), read_only=True) as con:
        reports = report_cells(con, tables.quarters, load_settings(built["home"]))
    hidden = reports.loc[reports["suppressed"].astype(bool), disclosure.CELL_KEY]
    shown = reports.loc[~reports["suppressed"].astype(bool), disclosure.CELL_KEY]
    keys = pd.MultiIndex.from_frame(tables.counts[disclosure.CELL_KEY].astype(str))
    page_hidden = tables.counts["suppressed"].to_numpy(dtype=bool)
    assert page_hidden[keys.isin(pd.MultiIndex.from_frame(hidden.astype(str)))].all()
    shown_by_reports = keys.isin(pd.MultiIndex.from_frame(shown.astype(str)))
    by_reports = set(disclosure.exposed_constraints(~shown_by_reports, tables.constraints))
    assert set(tables.exposed(shown)) <= by_reports


def test_the_page_says_why_a_view_is_not_available(browser, built: dict, tmp_path: Path) -> None:
    """Without the peer-comparison mart the page says so (and does not fail); the county has no peer group."""
    home = built["home"]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        tables = dashboard_tables(con, load_settings(home))
        assert dashboard.peers_payload(duckdb.connect(":memory:"), tables)["available"] is False
        payload = dashboard.build_payload(con, tables, built=pd.Timestamp("2025-01-01").to_pydatetime())
    payload = copy.deepcopy(payload)
    payload["peers"] = {"available": False, "reason": "the warehouse has no peer-comparison table (test) yet"}
    page_file = tmp_path / "dashboard.html"
    page_file.write_text(dashboard.render_dashboard(payload), encoding="utf-8")
    context, page = _open(browser, page_file)
    note = page.inner_text(f'{_figure("all_crime", "peers")} [data-f=note]')
    assert "not available" in note and "no peer-comparison table" in note
    context.close()
    if built["page"].read_text(encoding="utf-8").count('"available":true,"reason":null,"quarters"'):
        context, page = _open(browser, built["page"])
        _choose(page, "#area", COUNTY)
        assert "Peer groups are formed" in page.inner_text(f'{_figure("all_crime", "peers")} [data-f=note]')
        _choose(page, "#area", FORCE)
        assert page.locator(f'{_figure("all_crime", "peers")} .vis svg').count() == 1  # the funnel plot
        context.close()


# --------------------------------------------------------------------------- accessible, narrow screens

def test_axe_finds_no_serious_or_critical_violation(browser, page_file: Path) -> None:
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed at {AXE}: `make test` installs it (npm install --prefix .cache/npm)")
    context, page = _open(browser, page_file)
    _choose(page, "#area", PRESTON)
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    context.close()
    bad = [(v["id"], v["impact"], len(v["nodes"]), v["nodes"][0]["target"]) for v in result["violations"]
           if v["impact"] in ("serious", "critical")]
    assert not bad, bad
    assert result["testEngine"]["name"] == "axe-core"


def test_every_chart_has_an_accessible_name_and_description(browser, page_file: Path) -> None:
    context, page = _open(browser, page_file)
    named = page.evaluate("""() => Array.from(document.querySelectorAll('figure.chart .vis-frame[role=img]')).map(v => {
        const name = document.getElementById(v.getAttribute('aria-labelledby'));
        const desc = document.getElementById(v.getAttribute('aria-describedby'));
        return [v.closest('figure').id, name ? name.textContent.trim() : '', desc ? desc.textContent.trim() : ''];
    })""")
    context.close()
    assert len(named) > 20
    assert all(n and d for _, n, d in named), [x for x in named if not (x[1] and x[2])][:3]


@pytest.mark.parametrize("area", [FORCE, PRESTON])
def test_the_page_reads_at_400_px_without_scrolling_sideways(browser, page_file: Path, area: str) -> None:
    context, page = _open(browser, page_file, width=400)
    _choose(page, "#area", area)
    width = page.evaluate("document.documentElement.scrollWidth")
    widest = page.evaluate("""() => Math.max(...Array.from(document.querySelectorAll('main *'))
        .map(e => e.getBoundingClientRect().right))""")
    context.close()
    assert width <= 400, f"the page is {width}px wide at a 400px viewport"
    assert widest <= 401, widest


def test_the_period_selector_offers_the_recent_quarter_ends(data: dict, mart) -> None:
    quarters = selectable_quarters(mart)
    assert [q["key"] for q in data["quarters"]] == [q.label for q in quarters]
    latest = quarters[-1]
    assert 2 <= len(quarters) <= 8 and data["quarters"][-1]["trace"] == f"{latest.year.label}-Q{latest.number}"
