"""The nightly job on real published files, read in place from ../shared/real-data (hard-linked
into a temporary landing area, never copied into the repository).

Hard links, not symbolic links: the loader never follows a symbolic link out of a landing folder
(it records it as ignored), while a hard link is the same file, read where it lies."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from cli.runner import run_job

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "real-data"

pytestmark = [
    pytest.mark.real_data,
    pytest.mark.skipif(not REAL.exists(), reason="../shared/real-data is not present"),
]

LOOKUP = "ons_geography/LSOA11_WD19_LAD19_EW_lookup__jtrim-ons_csv_135.csv"
POPULATION = "population/lancashire_lsoa_population_2014_2020__rares-cr.csv"
STATS19 = {"stats19_collision": "accidents.csv", "stats19_vehicle": "vehicles.csv", "stats19_casualty": "casualties.csv"}


def _link(src: Path, folder: Path, name: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or src.name)
    try:
        os.link(src, target)
    except OSError:  # another file system, or hard links refused: a private copy in the temporary home
        shutil.copyfile(src, target)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("real_home")
    landing = home / "landing"
    for path in sorted((REAL / "police_street" / "lancashire").glob("*.csv.gz")):
        _link(path, landing / "police_street")
    _link(REAL / LOOKUP, landing / "ons_lsoa_lookup")
    _link(REAL / POPULATION, landing / "population")
    for feed, name in STATS19.items():
        _link(REAL / "stats19" / "west_yorkshire_2024" / name, landing / feed)
    result = run_job(home, "nightly", write_dotenv=False)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return home


@pytest.fixture(scope="module")
def con(home: Path):
    connection = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    yield connection
    connection.close()


def test_row_accounting_balances(con) -> None:
    rows = con.execute("""select feed, count(*), sum(rows_read), sum(rows_loaded), sum(rows_quarantined)
                          from meta.source_files where status = 'loaded' group by feed order by feed""").fetchall()
    by_feed = {r[0]: r[1:] for r in rows}
    assert by_feed["police_street"][0] == 22
    assert by_feed["police_street"][1] == 396_930
    for feed, (_, read, loaded, quarantined) in by_feed.items():
        assert read == loaded + quarantined, feed
    assert con.execute("select count(*) from meta.source_files where status <> 'loaded'").fetchone()[0] == 0


def test_monthly_counts_per_district_and_crime_type(con) -> None:
    lookup = pl.read_csv(REAL / LOOKUP, infer_schema=False).select(
        pl.col("LSOA11CD").alias("lsoa"), pl.col("LAD19CD").alias("lad")).unique()
    raw = pl.concat([
        pl.read_csv(p, infer_schema=False)
        for p in sorted((REAL / "police_street" / "lancashire").glob("*.csv.gz"))
    ])
    expected = (
        raw.filter(pl.col("Crime type") != "Anti-social behaviour")
        .join(lookup, left_on="LSOA code", right_on="lsoa", how="inner")
        .group_by("Month", "lad", "Crime type").len()
        .select(pl.col("Month").alias("month"), pl.col("lad").alias("lad_code"),
                pl.col("Crime type").alias("crime_type"), pl.col("len").cast(pl.Int64))
    )
    actual = pl.from_arrow(con.execute(
        """select strftime(month, '%Y-%m') as month, lad_code, crime_type, count(*)::bigint as len
           from marts.fct_crime where lad_code is not null group by all""").fetch_arrow_table())
    key = ["month", "lad_code", "crime_type"]
    assert actual.sort(key).to_dicts() == expected.sort(key).to_dicts()
    # The force area counts every row the force reported, No Location included.
    force = con.execute("""select sum(value) from marts.mart_indicator_monthly
                           where indicator_id = 'all_crime' and area_code = 'E23000003'""").fetchone()[0]
    assert force == raw.filter(pl.col("Crime type") != "Anti-social behaviour").height


def test_stats19_casualties_by_district(con) -> None:
    cas = pl.read_csv(REAL / "stats19" / "west_yorkshire_2024" / "casualties.csv", infer_schema=False)
    acc = pl.read_csv(REAL / "stats19" / "west_yorkshire_2024" / "accidents.csv", infer_schema=False)
    expected = (
        cas.join(acc.select("collision_index", "local_authority_ons_district"), on="collision_index")
        .group_by("local_authority_ons_district").len()
    )
    actual = dict(con.execute("select lad_code, count(*) from marts.fct_road_casualty group by 1").fetchall())
    assert actual == {lad: n for lad, n in expected.iter_rows()}


def test_population_loaded_for_every_year(con) -> None:
    years = [r[0] for r in con.execute("select distinct year from raw.population order by 1").fetchall()]
    assert years == list(range(2014, 2021))
