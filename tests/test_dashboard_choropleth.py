"""The dashboard's map as a true choropleth when ONS district boundaries are landed (issue 12).

On copies of the session's 30-month demo warehouse (or ``$CSW_TEST_HOME``): one as it is (no
boundaries: the tile map), one with a generated boundary file of the 14 demo districts landed in
``landing/ons_boundaries/``, loaded by the feed and staged by ``stg_ons__boundaries`` (dbt, in a
subprocess), and, with the real data, one with the real Lancashire LAD22 file. Then ``csw
dashboard`` on each: the map is a Vega-Lite geoshape of one feature per district, in longitude/
latitude rounded to 4 decimals, coloured exactly as the tile map (same colour field, scale and
legend, same fills in headless Chromium), with the same tooltip and description; without every
district's boundary it stays the tile map. Screenshots at 1400 and 400 px go to
``$CSW_SCREENSHOTS`` (default /tmp/helper_boundaries).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cli.main import main
from ingestion import registry
from ingestion.loader import ingest_feed
from orchestration.dbt_project import dbt_vars
from reporting import charts, dashboard, dashboard_specs
from warehouse.database import connect, ensure_schema
from warehouse.settings import default_settings

pytestmark = [pytest.mark.e2e, pytest.mark.night]

REPO = Path(__file__).resolve().parents[1]
DBT_PROJECT = REPO / "dbt_project"
REAL_BOUNDARIES = (REPO.parent / "shared" / "real-data" / "ons_geography"
                   / "lancashire_districts_LAD22_BGC__mpjashby.geojson")
SHOTS = Path(os.environ.get("CSW_SCREENSHOTS", "/tmp/helper_boundaries"))
SETTINGS = """[disclosure]
threshold = 5
sensitive_themes = ["domestic abuse", "sexual offences", "exploitation", "road safety"]
"""
READY = "document.documentElement.dataset.pending === '0'"
MAP = 'section:has(.tile[data-indicator="all_crime"]) figure[data-chart="map"]'


def generated_boundaries() -> dict:
    """A hexagon per demo district in longitude/latitude around Lancashire (the seed's layout),
    at full float precision, half of them Polygons and half MultiPolygons."""
    positions = dashboard.hex_positions(duckdb.connect())
    features = []
    seed = positions[["area_code", "label", "column", "row"]].itertuples(index=False)
    for i, (code, label, col, row) in enumerate(seed):
        lon, lat = -3.05 + 0.3 * (int(col) + 0.5 * (int(row) % 2)), 54.15 - 0.2 * int(row)
        ring = [[lon + 0.1732 * math.cos(math.radians(a)), lat + 0.1333 * math.sin(math.radians(a))]
                for a in (90, 30, -30, -90, -150, 150, 90)]
        geometry = ({"type": "MultiPolygon", "coordinates": [[ring]]} if i % 2
                    else {"type": "Polygon", "coordinates": [ring]})
        features.append({"type": "Feature", "properties": {"LAD23CD": code, "LAD23NM": label}, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


@pytest.fixture(scope="module")
def source(request: pytest.FixtureRequest) -> Path:
    override = os.environ.get("CSW_TEST_HOME")
    return Path(override) if override else request.getfixturevalue("demo_home")


def _stage_boundaries(home: Path, work: Path) -> None:
    """Load the landed boundary files and build ``stg_ons__boundaries`` (and its tests) with dbt,
    in a subprocess so that this process can open the warehouse with its own configuration after."""
    db = home / "warehouse.duckdb"
    with connect(db) as con:
        ensure_schema(con, {f.raw_table: f.columns for f in registry.feeds().values()})
        results = ingest_feed(con, registry.get("ons_boundaries"), home / "landing" / "ons_boundaries", "test-run")
    assert [r.status for r in results] == ["loaded"], [(r.status, r.reason) for r in results]
    target = work / "target"
    target.mkdir(parents=True)
    parsed = DBT_PROJECT / "target" / "partial_parse.msgpack"  # `make manifest`'s parse, when there is one
    if parsed.exists():
        shutil.copy(parsed, target / parsed.name)
    env = {**os.environ, "CSW_WAREHOUSE_PATH": str(db), "CSW_REPO_ROOT": str(REPO)}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "build", "--select", "stg_ons__boundaries",
         "--vars", dbt_vars(default_settings()), "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
         "--target-path", str(target), "--log-path", str(work / "logs"), "--quiet"],
        env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _build(source: Path, home: Path, boundaries: tuple[str, bytes] | None) -> Path:
    """``csw dashboard`` on a copy of the demo warehouse, with a boundary file (name, bytes) landed first."""
    home.mkdir(parents=True)
    shutil.copy(source / "warehouse.duckdb", home / "warehouse.duckdb")
    (home / "settings.toml").write_text(SETTINGS, encoding="utf-8")
    if boundaries is not None:
        landing = home / "landing" / "ons_boundaries"
        landing.mkdir(parents=True)
        (landing / boundaries[0]).write_bytes(boundaries[1])
        _stage_boundaries(home, home.parent / f"{home.name}_dbt")
    assert main(["--home", str(home), "dashboard"]) == 0
    return home / "outputs" / "dashboard.html"


def _data(page: Path) -> dict:
    text = page.read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', text, re.S)
                      .group(1))


@pytest.fixture(scope="module")
def pages(source: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("choropleth")
    return {"hex": _build(source, root / "hex", None),
            "boundaries": _build(source, root / "boundaries", ("Local_Authority_Districts_2023_Lancashire.geojson",
                                                               json.dumps(generated_boundaries()).encode()))}


# --------------------------------------------------------------------------- the specification

def test_map_spec_with_boundaries_is_the_tile_maps_colouring_on_outlines() -> None:
    config = charts._config(False)
    for colour_by in ("rate", "position"):
        hexes, outlines = (dashboard_specs.map_spec(config, colour_by, boundaries=b) for b in (False, True))
        assert (hexes["projection"], outlines["projection"]) == ({"type": "identity"}, {"type": "mercator"})
        assert outlines["layer"][0]["mark"]["type"] == "geoshape"
        assert outlines["layer"][0] == hexes["layer"][0]  # colour, legend, stroke, tooltip, selection
        assert outlines["params"] == hexes["params"] and outlines["data"] == hexes["data"]
        assert outlines["layer"][1]["encoding"]["text"]["field"] == "properties.value_text"


def test_boundary_features_need_every_district(tmp_path: Path) -> None:
    positions = dashboard.hex_positions(duckdb.connect())
    names = {code: f"Name {code}" for code in positions["area_code"]}
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert dashboard.boundary_features(con, positions, names) is None  # no staging model: the tile map
        con.execute("create schema staging")
        con.execute("""create table staging.stg_ons__boundaries as
                       select area_code as lad_code, 2022 as lad_vintage, '{"type":"MultiPolygon","coordinates":[]}'
                       as geojson, -2.5 as label_longitude, 53.8 as label_latitude
                       from (select unnest(?) as area_code)""", [positions["area_code"].tolist()[1:]])
        assert dashboard.boundary_features(con, positions, names) is None  # one district missing
        con.execute("insert into staging.stg_ons__boundaries values (?, 2019, '{\"type\":\"Polygon\"}', -2.8, 54.0),"
                    "(?, 2021, '{\"type\":\"MultiPolygon\"}', -2.8, 54.0)",
                    [positions["area_code"].iloc[0], positions["area_code"].iloc[1]])
        features, vintage = dashboard.boundary_features(con, positions, names)
    assert [f["id"] for f in features] == positions["area_code"].tolist() and vintage == "2019/2022 edition"
    first = features[0]
    assert first["properties"] == {"area_code": first["id"], "area_name": f"Name {first['id']}",
                                   "label": positions["label"].iloc[0], "cx": -2.8, "cy": 54.0}
    assert features[1]["geometry"] == {"type": "MultiPolygon", "coordinates": []}  # the latest vintage wins


# --------------------------------------------------------------------------- the page

def test_without_boundaries_the_map_stays_the_tile_map(pages: dict[str, Path]) -> None:
    data = _data(pages["hex"])
    assert data["boundaries"] is None and len(data["hex"]) == 14
    assert data["specs"]["map"]["rate"]["projection"] == {"type": "identity"}
    assert "tile map" in pages["hex"].read_text(encoding="utf-8")


def test_with_boundaries_the_map_is_a_choropleth_of_every_district(pages: dict[str, Path]) -> None:
    data, hexes = _data(pages["boundaries"]), _data(pages["hex"])
    features = data["boundaries"]
    assert [f["id"] for f in features] == [f["id"] for f in hexes["hex"]]  # one feature per district
    assert {f["geometry"]["type"] for f in features} == {"MultiPolygon"}
    numbers = re.findall(r"-?\d+\.\d+", json.dumps([f["geometry"] for f in features]))
    assert numbers and max(len(n.split(".")[1]) for n in numbers) <= 4  # rounded in staging
    for colour_by in ("rate", "position"):
        spec = data["specs"]["map"][colour_by]
        assert spec["projection"] == {"type": "mercator"} and spec["layer"][0]["mark"]["type"] == "geoshape"
        assert spec["layer"][0]["encoding"] == hexes["specs"]["map"][colour_by]["layer"][0]["encoding"]
    assert [f["properties"]["area_name"] for f in features] == [f["properties"]["area_name"] for f in hexes["hex"]]
    text = pages["boundaries"].read_text(encoding="utf-8")
    assert "2023 edition" in text and "landing/ons_boundaries/" not in text.split("<dt>The map</dt>")[1][:400]
    assert pages["boundaries"].stat().st_size < pages["hex"].stat().st_size + 200_000


def _open(browser, page: Path, width: int):
    context = browser.new_context(viewport={"width": width, "height": 1000})
    tab = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    context.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()))
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(page.resolve().as_uri(), timeout=120_000)  # a 4 MB page on a busy machine
    tab.wait_for_function(READY, timeout=120_000)
    assert not errors, errors
    return context, tab, requests


def _map_state(tab) -> dict:
    return tab.evaluate(f"""() => {{
        const fig = document.querySelector('{MAP}');
        return {{fills: Array.from(fig.querySelectorAll('.mark-shape path')).map(p => p.getAttribute('fill')),
                 description: fig.querySelector('p.visually-hidden').textContent,
                 title: fig.querySelector('figcaption').textContent,
                 legend: Array.from(fig.querySelectorAll('.role-legend text')).map(t => t.textContent)}};
    }}""")


def _shoot(tab, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.locator(MAP).scroll_into_view_if_needed()
    tab.locator(MAP).screenshot(path=str(SHOTS / f"{name}.png"))


def test_the_choropleth_is_coloured_as_the_tile_map_in_the_browser(browser, pages: dict[str, Path]) -> None:
    seen = {}
    for kind in ("hex", "boundaries"):
        context, tab, requests = _open(browser, pages[kind], 1400)
        states = [_map_state(tab)]
        tab.check("input[name=mapby][value=position]")
        tab.wait_for_function(READY, timeout=60_000)
        states.append(_map_state(tab))
        tab.check("input[name=mapby][value=rate]")
        tab.select_option("#area", "E07000123")  # Preston outlined
        tab.wait_for_function(READY, timeout=60_000)
        _shoot(tab, f"map_{kind}_1400")
        assert [u for u in requests if not u.startswith("file://")] == []
        context.close()
        seen[kind] = states
    for hexes, outlines in zip(seen["hex"], seen["boundaries"]):
        assert len(outlines["fills"]) == 14 and outlines["fills"] == hexes["fills"]
        assert outlines["legend"] == hexes["legend"] and outlines["title"] == hexes["title"]
        assert outlines["description"].startswith("Map of the 14 districts and unitary councils drawn with their "
                                                  "boundaries, coloured by ")
        assert outlines["description"].split(". ", 1)[1] == hexes["description"].split(". ", 1)[1]
    assert len(set(seen["boundaries"][0]["fills"])) > 3  # shaded by the figure, not one colour


def test_the_choropleth_at_400_px(browser, pages: dict[str, Path]) -> None:
    context, tab, _ = _open(browser, pages["boundaries"], 400)
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    box = tab.locator(f"{MAP} .vis svg").bounding_box()
    assert box and box["width"] <= 400 and box["height"] > 200
    _shoot(tab, "map_boundaries_400")
    context.close()


@pytest.mark.real_data
def test_the_real_lancashire_boundaries_draw_the_choropleth(browser, source: Path,
                                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    if not REAL_BOUNDARIES.is_file():
        pytest.skip(f"real data not present at {REAL_BOUNDARIES}")
    page = _build(source, tmp_path_factory.mktemp("real_choropleth") / "home",
                  (REAL_BOUNDARIES.name, REAL_BOUNDARIES.read_bytes()))
    data = _data(page)
    assert sorted(f["id"] for f in data["boundaries"]) == sorted(f["id"] for f in data["hex"])
    assert "2022 edition" in page.read_text(encoding="utf-8")  # LAD22, from the file's name
    for width in (1400, 400):
        context, tab, requests = _open(browser, page, width)
        assert len(_map_state(tab)["fills"]) == 14
        _shoot(tab, f"map_real_boundaries_{width}")
        assert [u for u in requests if not u.startswith("file://")] == []
        context.close()
