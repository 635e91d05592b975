"""The national demo (ingestion/demo/national.py, ``csw demo-data --forces N --years Y``): street files
per force and month that the real loader takes with nothing quarantined, each force's LSOAs in its own
districts, CSPs and force area, codes that collide with no other force's nor Lancashire's, volumes
as requested (about 60 million rows for 43 forces x 10 years) and byte-identical files for a seed.

The full national volume is written and timed by bench/scale_benchmark.py (`make bench-scale`), not here.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from cli.main import build_parser
from ingestion import registry
from ingestion.demo import comparator_geography, demo_geography, national
from ingestion.demo.geography import SEASON_AMP, TYPE_SHARE, TYPE_TREND, _TREND_CENTRE
from ingestion.loader import ingest_feed
from schemas.rules import CSP_PATTERN, LAD_PATTERN, LSOA_PATTERN
from schemas.seeds import seed as read_seed
from warehouse.database import ensure_schema

SEED = 20240401
TINY = 0.02
FORCES = ["lancashire", "avon-and-somerset", "bedfordshire"]
PFA = dict(zip(read_seed("police_forces")["force_slug"], read_seed("police_forces")["pfa_code"]))


def _force(path: Path) -> str:
    return path.name[8:-len("-street.csv")]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, national.NationalDemo]:
    landing = tmp_path_factory.mktemp("national") / "home" / "landing"
    return landing, national.write_national_demo(landing, forces=3, years=1, seed=SEED, scale=TINY)


@pytest.fixture(scope="module")
def loaded(demo, tmp_path_factory: pytest.TempPathFactory):
    """The reference feeds and street files through the real loader (validation and quarantine)."""
    landing, files = demo
    con = duckdb.connect(str(tmp_path_factory.mktemp("national_db") / "warehouse.duckdb"))
    ensure_schema(con, {f.raw_table: f.columns for f in registry.feeds().values()})
    results = {feed: ingest_feed(con, registry.get(feed), landing / feed, "test")
               for feed in ("ons_lsoa_lookup", "ons_lad_csp_pfa", "population", "police_street")}
    yield con, results
    con.close()


def test_forces_are_lancashire_then_the_seed_order() -> None:
    table = national.national_forces()
    assert table.height == 43 == len(national.FORCE_SIZES)
    assert table["force_slug"][0] == "lancashire" and set(table["force_slug"]) == set(national.FORCE_SIZES)
    assert table["force_slug"].to_list()[1:4] == ["avon-and-somerset", "bedfordshire", "cambridgeshire"]
    assert national.months_ending(10)[0] == "2015-10" and national.months_ending(10)[-1] == "2025-09"
    assert len(national.months_ending(2)) == 24


def test_one_file_per_force_and_month(demo) -> None:
    _, d = demo
    assert d.forces == FORCES and d.months == national.months_ending(1)
    street = d.files["police_street"]
    assert sorted((p.name[:7], _force(p)) for p in street) == sorted((m, f) for m in d.months for f in FORCES)
    other = [p for p in street if _force(p) != "lancashire"]
    assert sum(p.read_bytes().count(b"\r\n") - 1 for p in other) == d.street_rows
    # the demo's own feeds for Lancashire come too (restricted ones over the same months)
    assert len(d.files["police_crime_extract"]) == 12
    head = other[0].read_bytes().split(b"\r\n", 1)[0].decode()
    assert head == ",".join(national.POLICE_HEADER)


def test_loaded_with_nothing_quarantined(demo, loaded) -> None:
    landing, d = demo
    con, results = loaded
    for feed, res in results.items():
        assert {r.status for r in res} == {"loaded"} and not any(r.superseded for r in res), feed
    assert con.execute("select count(*) from meta.quarantine").fetchone()[0] == 0
    raw = dict(con.execute("select force, count(*) from raw.police_street where force != 'lancashire' group by 1")
               .fetchall())
    assert sum(raw.values()) == d.street_rows and set(raw) == set(FORCES[1:])


def test_each_force_resolves_to_its_own_districts_csps_and_force_area(demo, loaded) -> None:
    _, d = demo
    con, _ = loaded
    rows = con.execute("""
        select r.force, p.pfa_code, count(distinct p.lad_code), count(distinct p.csp_code), count(*)
        from raw.police_street r
        join (select distinct lsoa_code, lad_code from raw.ons_lsoa_lookup) l on l.lsoa_code = r.lsoa_code
        join raw.ons_lad_csp_pfa p on p.lad_code = l.lad_code
        where r.force != 'lancashire' group by all order by 1""").fetchall()
    assert [(f, pfa) for f, pfa, *_ in rows] == [(f, PFA[f]) for f in FORCES[1:]]
    located = con.execute("""select count(*) from raw.police_street
                             where force != 'lancashire' and lsoa_code is not null""").fetchone()[0]
    assert sum(n for *_, n in rows) == located  # every located row resolves, once
    geos = national.national_geographies(SEED, 3)
    for g, (_, _, lads, csps, _) in zip(geos, rows):
        assert lads == len(set(g.lad_code)) and csps == len(set(g.csp_code))
    # every district has its populations, every English LSOA its IMD rank
    lads = [c for g in geos for c in g.lad_code]
    assert con.execute("select count(distinct area_code) from raw.population where area_code in (select unnest(?))",
                       [lads]).fetchone()[0] == len(lads)


def test_codes_are_synthetic_and_collide_with_nothing() -> None:
    geos = national.national_geographies(SEED, 43)
    assert len(geos) == 42
    lsoas = np.concatenate([g.lsoa_code for g in geos])
    lads = np.concatenate([g.lad_code for g in geos])
    csps = np.concatenate([np.unique(g.csp_code) for g in geos])
    assert np.unique(lsoas).size == lsoas.size and np.unique(lads).size == lads.size
    assert np.unique(csps).size == csps.size
    taken = set(demo_geography(SEED)["lsoa11_code"]) | set(demo_geography(SEED)["lsoa21_code"]) \
        | set(comparator_geography(SEED)["lsoa11_code"])
    assert not taken & set(lsoas)
    real_lads = set(read_seed("lancashire_areas")["area_code"]) | set(comparator_geography(SEED)["lad_code"])
    assert not real_lads & set(lads)
    assert pl.Series(lsoas).str.contains(LSOA_PATTERN).all() and pl.Series(lads).str.contains(LAD_PATTERN).all()
    assert pl.Series(csps).str.contains(CSP_PATTERN).all()
    welsh = {g.slug for g in geos if g.welsh}
    assert welsh == {"dyfed-powys", "gwent", "north-wales", "south-wales"}
    assert all(g.lsoa_code[0].startswith("W01") == (g.slug in welsh) for g in geos)


def _expected_rows(g: national.ForceGeography, months: list[str], scale: float) -> float:
    """What force_month draws on average (its swing has mean 1)."""
    total = 0.0
    for month in months:
        y, m = map(int, month.split("-"))
        t = (y * 12 + m - 1 - _TREND_CENTRE) / 12
        season = 1 + SEASON_AMP * np.cos(2 * np.pi * (m - 7) / 12)
        total += scale * g.monthly_rows * (g.share * np.exp(g.trend * t)).sum() \
            * (TYPE_SHARE * season * np.exp(TYPE_TREND * t)).sum()
    return total


def test_row_counts_as_requested(demo) -> None:
    _, d = demo
    geos = national.national_geographies(SEED, 3)
    got = {f: 0 for f in FORCES[1:]}
    for p in d.files["police_street"]:
        if _force(p) != "lancashire":
            got[_force(p)] += p.read_bytes().count(b"\r\n") - 1
    for g in geos:
        assert got[g.slug] == pytest.approx(_expected_rows(g, d.months, TINY), rel=0.1)
    # the whole national demo at scale 1: about 60 million rows, forces by size
    months = national.months_ending(10)
    every = national.national_geographies(SEED, 43)
    total = sum(_expected_rows(g, months, 1.0) for g in every) + 6_000 * 120  # Lancashire's demo
    assert 55e6 < total < 65e6
    by = {g.slug: _expected_rows(g, months, 1.0) for g in every}
    assert by["metropolitan"] > 5 * by["bedfordshire"] and by["city-of-london"] < by["bedfordshire"] / 5


def test_same_seed_gives_byte_identical_files(demo, tmp_path: Path) -> None:
    landing, _ = demo
    national.write_national_demo(tmp_path / "landing", forces=3, years=1, seed=SEED, scale=TINY)
    assert _files(tmp_path / "landing") == _files(landing)
    other = national.force_geography(SEED + 1, 1, "avon-and-somerset", "x", "E23000036", "Avon and Somerset")
    assert not np.array_equal(other.share, national.national_geographies(SEED, 2)[0].share)


def test_add_month_writes_one_file_per_force_and_nothing_else(demo, tmp_path: Path) -> None:
    landing, _ = demo
    before = _files(landing)
    paths = national.write_national_month(tmp_path / "landing", 3, "2025-10", seed=SEED, scale=TINY)
    assert sorted(p.name for p in paths) == sorted(f"2025-10-{f}-street.csv" for f in FORCES)
    assert _files(landing) == before
    frame = pl.read_csv(paths[1], infer_schema_length=0)
    assert frame["Month"].unique().to_list() == ["2025-10"] and frame.height > 0


def test_cli_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    args = parser.parse_args(["--home", str(tmp_path), "demo-data"])
    assert args.forces is None and args.years is None and args.add_month is None  # the demo as ever
    bad = parser.parse_args(["--home", str(tmp_path), "demo-data", "--forces", "44", "--years", "1"])
    assert bad.func(bad) == 2 and "between 1 and 43" in capsys.readouterr().err
    mixed = parser.parse_args(["--home", str(tmp_path), "demo-data", "--forces", "2", "--months", "2024-01:2024-02"])
    assert mixed.func(mixed) == 2
    ok = parser.parse_args(["--home", str(tmp_path), "demo-data", "--forces", "2", "--years", "1",
                            "--scale", "0.01", "--add-month", "2025-10"])
    assert ok.func(ok) == 0
    assert sorted(p.name for p in (tmp_path / "landing" / "police_street").iterdir()) == [
        "2025-10-avon-and-somerset-street.csv", "2025-10-lancashire-street.csv"]
