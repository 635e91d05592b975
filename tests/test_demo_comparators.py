"""The demo's comparator police forces (ingestion/demo/comparators.py, and their rows in the reference
files written by ingestion/demo/reference.py): street files per force and month in the police.uk
format, codes consistent across street files, lookups and populations, rates that differ, loaded by
the real loader with nothing quarantined, and Lancashire's files byte for byte as without them.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingestion import demo as dd
from ingestion import registry
from ingestion.demo import comparators, geography
from ingestion.loader import ingest_feed
from schemas.rules import CSP_PATTERN, LAD_PATTERN, LSOA_PATTERN, PFA_PATTERN
from schemas.seeds import seed as read_seed
from warehouse.database import ensure_schema

SEED = 20240401
SMALL = 0.05
REPO = Path(__file__).resolve().parents[1]
REAL_GEOGRAPHY = REPO.parent / "shared" / "real-data" / "ons_geography"
DEMO_MONTHS = geography._month_list(dd.DEMO_MONTHS)
FORCES = [f.slug for f in dd.COMPARATOR_FORCES]
DISTRICTS = {d.lad_code: d for d in dd.COMPARATOR_DISTRICTS}
# the files that carry Lancashire's rows and, after them, the comparators'
SHARED_FILES = {"ons_lsoa_lookup/LSOA11_LAD19_Lancashire_lookup.csv", "ons_lsoa_lookup/LSOA21_LAD22_Lancashire_lookup.csv",
                "ons_lsoa_lookup/IMD19_LSOA11_LAD19_England_lookup.csv",
                "ons_lad_csp_pfa/LAD23_CSP23_PFA23_Lancashire_lookup.csv",
                "population/lsoa_population_mid2019_mid2021.csv", "population/district_population_mid2022_mid2024.csv"}


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema_length=0)


def _force(path: Path) -> str:
    """The force slug of a street file name (YYYY-MM-<force>-street.csv)."""
    return path.name[8:-len("-street.csv")]


def _comparator_street(files: dict[str, list[Path]]) -> pl.DataFrame:
    return pl.concat([_read(p).with_columns(pl.lit(_force(p)).alias("force"))
                      for p in files["police_street"] if _force(p) != "lancashire"])


def _all_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[Path]]]:
    root = tmp_path_factory.mktemp("comparators") / "landing"
    return root, dd.write_demo_data(root, seed=SEED, scale=SMALL)


@pytest.fixture(scope="module")
def year_full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[Path]]]:
    """Financial year 2022/23 at full volume (rates, volumes, repeated Crime IDs)."""
    root = tmp_path_factory.mktemp("comparators_full") / "landing"
    return root, dd.write_demo_data(root, seed=SEED, months=("2022-04", "2023-03"), scale=1.0)


@pytest.fixture(scope="module")
def cgeo() -> pl.DataFrame:
    return dd.comparator_geography(SEED)


# --- which forces, which files ------------------------------------------------------------------

def test_the_default_peer_forces_have_street_files() -> None:
    """Relative position is shown by default: every force the settings compare Lancashire with has files."""
    with (REPO / "warehouse" / "default_settings.toml").open("rb") as fh:
        settings = tomllib.load(fh)
    peers = settings.get("peers", {}).get("forces") or settings.get("comparators", {}).get("police_uk_forces")
    assert peers and set(peers) <= set(FORCES)
    assert len(FORCES) >= 5 and "lancashire" not in FORCES


def test_a_street_file_per_force_and_month(demo) -> None:
    root, files = demo
    names = [p.name for p in files["police_street"]]
    assert names[:78] == [f"{m}-lancashire-street.csv" for m in DEMO_MONTHS]
    assert names[78:] == [f"{m}-{f}-street.csv" for f in FORCES for m in DEMO_MONTHS]
    assert all(p.parent == root / "police_street" and p.is_file() for p in files["police_street"])


def test_every_force_has_three_to_five_real_districts_of_twenty_to_sixty_lsoas(cgeo: pl.DataFrame) -> None:
    seeds = read_seed("police_forces")
    assert set(FORCES) <= set(seeds["force_slug"])
    per_force = {f: [d for d in dd.COMPARATOR_DISTRICTS if d.force == f] for f in FORCES}
    assert all(3 <= len(ds) <= 5 for ds in per_force.values())
    sizes = cgeo.group_by("lad_code").len()
    assert dict(sizes.iter_rows()) == {d.lad_code: d.lsoas for d in dd.COMPARATOR_DISTRICTS}
    assert sizes["len"].is_between(20, 60).all()
    for d in dd.COMPARATOR_DISTRICTS:
        assert re.fullmatch(LAD_PATTERN, d.lad_code) and re.fullmatch(CSP_PATTERN, d.csp_code)


# --- the police.uk format -----------------------------------------------------------------------

def test_street_files_copy_the_police_uk_format(demo) -> None:
    names = comparators.force_names()
    assert set(names) == set(FORCES)
    assert names["south-yorkshire"] == "South Yorkshire Police" and names["cheshire"] == "Cheshire Constabulary"
    for path in demo[1]["police_street"][78:]:
        raw = path.read_bytes()
        assert raw.startswith(",".join(geography.POLICE_HEADER).encode() + b"\r\n")
        assert raw.count(b"\n") == raw.count(b"\r\n") and raw.endswith(b"\r\n")
        df = _read(path)
        assert df.columns == geography.POLICE_HEADER and df.height > 0
        assert (df["Month"] == path.name[:7]).all()
        assert (df["Reported by"] == names[_force(path)]).all() and (df["Falls within"] == names[_force(path)]).all()
        assert df["Context"].null_count() == df.height


def test_street_values_from_the_same_distributions(demo) -> None:
    street = _comparator_street(demo[1])
    asb = street.filter(pl.col("Crime type") == "Anti-social behaviour")
    crime = street.filter(pl.col("Crime type") != "Anti-social behaviour")
    assert asb["Crime ID"].null_count() == asb.height and asb["Last outcome category"].null_count() == asb.height
    assert crime["Crime ID"].str.contains(r"^[0-9a-f]{64}$").all()
    assert crime["Last outcome category"].is_in(list(geography.OUTCOMES)).all()
    assert set(street["Crime type"]) == set(geography.CRIME_TYPES)
    assert 0.21 <= asb.height / street.height <= 0.30
    violence = (crime["Crime type"] == "Violence and sexual offences").mean()
    assert 0.33 <= violence <= 0.45
    noloc = street.filter(pl.col("Location") == "No Location")
    assert 0.02 <= noloc.height / street.height <= 0.05
    for c in ("Longitude", "Latitude", "LSOA code", "LSOA name"):
        assert noloc[c].null_count() == noloc.height
    located = street.filter(pl.col("Location") != "No Location")
    assert located["Location"].str.starts_with("On or near ").all()
    assert located["Longitude"].str.contains(r"^-?\d\.\d{6}$").all()
    assert located["Latitude"].str.contains(r"^5\d\.\d{6}$").all()
    assert located["LSOA code"].str.contains(LSOA_PATTERN).all()


def test_repeated_crime_ids_as_published(year_full) -> None:
    repeats = rows = identical = 0
    for path in year_full[1]["police_street"][12:]:
        crime = _read(path).filter(pl.col("Crime ID").is_not_null())
        repeats += crime.height - crime["Crime ID"].n_unique()
        rows += crime.height
        identical += crime.is_duplicated().any()
    assert 0.006 <= repeats / rows <= 0.015 and identical >= 30


def test_recent_outcomes_lag(demo) -> None:
    crime = _comparator_street(demo[1]).filter(pl.col("Crime ID").is_not_null())
    ui = (crime.group_by("Month").agg((pl.col("Last outcome category") == "Under investigation").mean().alias("ui"))
          .sort("Month")["ui"])
    assert (ui.tail(3) > 0.5).all() and ui.head(24).mean() < 0.2


# --- codes consistent across street files, lookups and populations ------------------------------

def test_lsoa_codes_are_their_own(cgeo: pl.DataFrame) -> None:
    geo = dd.demo_geography(SEED)
    lancashire = set(geo["lsoa11_code"]) | set(geo["lsoa21_code"])
    assert cgeo["lsoa11_code"].is_unique().all() and cgeo["lsoa11_code"].str.contains(LSOA_PATTERN).all()
    assert not set(cgeo["lsoa11_code"]) & lancashire
    assert (cgeo["lsoa11_code"] == cgeo["lsoa21_code"]).all()  # no boundary changes in 2021
    prefix = cgeo["lad_name"].str.split(",").list.first()
    assert (cgeo["lsoa11_name"].str.extract(r"^(.*) \d{3}[A-Z]$") == prefix).all()
    first = cgeo.group_by("lad_code", maintain_order=True).first()
    assert dict(zip(first["lad_code"], first["lsoa11_code"])) == {
        d.lad_code: f"E0{d.first_lsoa}" for d in dd.COMPARATOR_DISTRICTS}


def test_every_located_row_is_in_an_lsoa_of_its_own_force(demo, cgeo: pl.DataFrame) -> None:
    street = _comparator_street(demo[1]).filter(pl.col("LSOA code").is_not_null())
    joined = street.join(cgeo.select(pl.col("lsoa11_code").alias("LSOA code"), pl.col("lsoa11_name").alias("name"),
                                     pl.col("force").alias("lsoa_force")), on="LSOA code", how="left")
    assert joined["lsoa_force"].null_count() == 0
    assert (joined["lsoa_force"] == joined["force"]).all() and (joined["name"] == joined["LSOA name"]).all()
    assert street.filter(pl.col("Month") >= geography.LSOA21_SWITCH).height > 0  # both vintages written


def test_lookups_carry_every_comparator_lsoa_and_district(demo, cgeo: pl.DataFrame) -> None:
    p11, p21, p_imd = demo[1]["ons_lsoa_lookup"]
    lsoa_lad = dict(zip(cgeo["lsoa11_code"], cgeo["lad_code"]))
    for path, code, lad in ((p11, "LSOA11CD", "LAD19CD"), (p21, "LSOA21CD", "LAD22CD"), (p_imd, "LSOA11CD", "LAD19CD")):
        df = _read(path).filter(pl.col(code).is_in(list(lsoa_lad)))
        assert dict(zip(df[code], df[lad])) == lsoa_lad and df.height == len(lsoa_lad), path.name
    imd = pl.read_csv(p_imd)
    ranks = imd.filter(pl.col("LSOA11CD").is_in(list(lsoa_lad)))["IMD19"]
    assert ranks.is_between(1, geography.IMD19_LSOAS).all() and imd["IMD19"].is_unique().all()
    assert (ranks % 2 == 0).all()  # Lancashire's are odd: the two never share a rank
    median = imd.join(cgeo.select(pl.col("lsoa11_code").alias("LSOA11CD")), on="LSOA11CD").group_by(
        "LAD19NM").agg(pl.col("IMD19").median())
    median = dict(median.iter_rows())
    assert median["Nottingham"] < median["Rushcliffe"] and median["Kingston upon Hull, City of"] < median["Stafford"]
    lookup = _read(demo[1]["ons_lad_csp_pfa"][0]).tail(len(DISTRICTS))
    pfa = dict(zip(read_seed("police_forces")["force_slug"], read_seed("police_forces")["pfa_code"]))
    assert lookup["LAD23CD"].to_list() == list(DISTRICTS)
    assert lookup["LAD23NM"].to_list() == [d.lad_name for d in DISTRICTS.values()]
    assert lookup["CSP23CD"].to_list() == [d.csp_code for d in DISTRICTS.values()]
    assert lookup["CSP23NM"].to_list() == [d.csp_name for d in DISTRICTS.values()]
    assert lookup["PFA23CD"].to_list() == [pfa[d.force] for d in DISTRICTS.values()]
    assert lookup["PFA23CD"].str.contains(PFA_PATTERN).all() and lookup["CSP23CD"].str.contains(CSP_PATTERN).all()
    # a CSP of two districts, as the real Dartford and Gravesham
    assert lookup.filter(pl.col("CSP23NM") == "Dartford and Gravesham").height == 2


def test_populations_of_every_comparator_lsoa_and_district(demo, cgeo: pl.DataFrame) -> None:
    p_lsoa, p_lad = demo[1]["population"]
    lsoa = pl.read_csv(p_lsoa).filter(pl.col("LSOA Code").is_in(cgeo["lsoa11_code"].implode()))
    assert lsoa.group_by("Year").len().sort("Year").rows() == [(y, cgeo.height) for y in (2019, 2020, 2021)]
    assert 1_300 <= lsoa["Population"].mean() <= 1_700 and lsoa["Population"].min() > 500
    lad = pl.read_csv(p_lad).filter(pl.col("Code").is_in(list(DISTRICTS)))
    assert lad["Code"].to_list() == list(DISTRICTS)
    kinds = {"E06": "Unitary Authority", "E07": "Non-metropolitan District", "E08": "Metropolitan District"}
    assert lad["Geography"].to_list() == [kinds[c[:3]] for c in DISTRICTS]
    sums = (lsoa.filter(pl.col("Year") == 2021).join(cgeo.select(pl.col("lsoa11_code").alias("LSOA Code"), "lad_code"),
                                                     on="LSOA Code").group_by("lad_code").agg(pl.col("Population").sum()))
    ratio = lad.join(sums, left_on="Code", right_on="lad_code").select(pl.col("Mid-2022") / pl.col("Population"))
    assert ratio.to_series().is_between(1.0, 1.015).all(), "LSOA 2021 totals lead into the district 2022 figures"
    assert (lad["Mid-2024"] >= lad["Mid-2023"]).all() and (lad["Mid-2023"] >= lad["Mid-2022"]).all()
    csp = lad.with_columns(csp=pl.col("Code").replace_strict({c: d.csp_code for c, d in DISTRICTS.items()}))
    assert csp.group_by("csp").agg(pl.col("Mid-2022").sum())["Mid-2022"].is_between(25_000, 100_000).all()


# --- rates and volumes --------------------------------------------------------------------------

def test_rates_differ_and_straddle_lancashire(year_full, cgeo: pl.DataFrame) -> None:
    files = year_full[1]
    lad = pl.read_csv(files["population"][1]).select(pl.col("Code").alias("lad"), pl.col("Mid-2022").alias("pop"))
    street = _comparator_street(files).join(cgeo.select(pl.col("lsoa11_code").alias("LSOA code"),
                                                         pl.col("lad_code").alias("lad")), on="LSOA code")
    rates = street.group_by("lad").len().join(lad, on="lad").with_columns(rate=pl.col("len") / pl.col("pop") * 1000)
    rate = dict(zip(rates["lad"], rates["rate"]))
    assert set(rate) == set(DISTRICTS)
    lancashire = sum(_read(p).height for p in files["police_street"][:12])
    lancashire_rate = lancashire / lad.filter(pl.col("lad").is_in([a[0] for a in dd.AREAS]))["pop"].sum() * 1000
    above = [c for c, r in rate.items() if r > 1.15 * lancashire_rate]
    below = [c for c, r in rate.items() if r < 0.85 * lancashire_rate]
    assert len(above) >= 4 and len(below) >= 4, (lancashire_rate, rate)
    assert max(rate.values()) > 2.5 * min(rate.values())
    assert rate["E06000010"] > 2 * rate["E06000011"]  # Hull against the East Riding
    per_force = street.group_by("force").len()
    pops = {f: sum(p for c, p in zip(lad["lad"], lad["pop"]) if c in DISTRICTS and DISTRICTS[c].force == f)
            for f in FORCES}
    force_rate = {f: n / pops[f] for f, n in per_force.iter_rows()}
    assert force_rate["humberside"] > 1.1 * force_rate["derbyshire"]


def test_volume_at_most_lancashires_and_proportional_to_scale(year_full, demo) -> None:
    def per_month(files: dict[str, list[Path]]) -> tuple[float, float]:
        paths = files["police_street"]
        own = [p for p in paths if _force(p) == "lancashire"]
        others = [p for p in paths if _force(p) != "lancashire"]
        rows = lambda ps: sum(p.read_bytes().count(b"\r\n") - 1 for p in ps)  # noqa: E731
        return rows(own) / len(own), rows(others) / len(own)

    own, others = per_month(year_full[1])
    assert 0.4 * own <= others <= own  # at scale 1: about 4,000 rows a month against Lancashire's 6,000
    _, small = per_month(demo[1])
    assert 0.8 * SMALL <= small / others <= 1.25 * SMALL


# --- Lancashire unchanged; the same seed, the same files ------------------------------------------

def test_lancashire_files_are_byte_identical_without_the_comparators(demo, tmp_path: Path) -> None:
    root, _ = demo
    without = tmp_path / "landing"
    dd.write_demo_data(without, seed=SEED, scale=SMALL, comparators=False)
    with_files, without_files = _all_files(root), _all_files(without)
    assert set(without_files) <= set(with_files)
    assert {n for n in set(with_files) - set(without_files)} == {
        f"police_street/{m}-{f}-street.csv" for f in FORCES for m in DEMO_MONTHS}
    for name, data in without_files.items():
        if name in SHARED_FILES:  # Lancashire's rows first, exactly as written alone; the comparators' after
            assert with_files[name].startswith(data) and len(with_files[name]) > len(data), name
        else:
            assert with_files[name] == data, name
    assert SHARED_FILES <= set(without_files)


def test_another_seed_gives_other_comparator_files(demo, tmp_path: Path) -> None:
    """(The same seed gives byte-identical files, comparators' included: test_demo_data.)"""
    other = dd.write_demo_data(tmp_path / "other", seed=SEED + 1, months=("2019-04", "2019-04"), scale=SMALL)
    first = {p.name: p for p in demo[1]["police_street"]}
    assert [p.name for p in other["police_street"][1:]] == [f"2019-04-{f}-street.csv" for f in FORCES]
    for path in other["police_street"][1:]:
        assert path.read_bytes() != first[path.name].read_bytes(), path.name
    assert not dd.comparator_geography(SEED + 1).equals(dd.comparator_geography(SEED))


# --- through the real loader --------------------------------------------------------------------

def test_loaded_by_the_real_loader_with_nothing_quarantined(tmp_path: Path) -> None:
    landing = tmp_path / "home" / "landing"
    files = dd.write_demo_data(landing, seed=SEED, months=("2023-06", "2023-07"), scale=0.2)
    con = duckdb.connect(str(tmp_path / "home" / "warehouse.duckdb"))
    try:
        ensure_schema(con, {f.raw_table: f.columns for f in registry.feeds().values()})
        for feed in ("ons_lsoa_lookup", "ons_lad_csp_pfa", "population", "police_street"):
            results = ingest_feed(con, registry.get(feed), landing / feed, "test")
            assert len(results) == len(files[feed]) and {r.status for r in results} == {"loaded"}, feed
            assert not any(r.superseded for r in results), feed
        assert con.execute("select count(*) from meta.quarantine").fetchone()[0] == 0
        raw = dict(con.execute("select force, count(*) from raw.police_street group by 1").fetchall())
        street = _comparator_street(files)
        assert {f: n for f, n in raw.items() if f != "lancashire"} == dict(street.group_by("force").len().iter_rows())
        # every located comparator row lies, through the loaded lookups, in its own force's area
        areas = con.execute("""
            select r.force, p.pfa_code, count(*) as n
            from raw.police_street r
            join (select distinct lsoa_code, lad_code from raw.ons_lsoa_lookup) l on l.lsoa_code = r.lsoa_code
            join raw.ons_lad_csp_pfa p on p.lad_code = l.lad_code
            where r.force != 'lancashire' group by all""").fetchall()
        own = dict(zip(read_seed("police_forces")["force_slug"], read_seed("police_forces")["pfa_code"]))
        assert {f for f, _, _ in areas} == set(FORCES) and all(pfa == own[f] for f, pfa, _ in areas)
        assert sum(n for *_, n in areas) == street.filter(pl.col("LSOA code").is_not_null()).height
        english, ranked = con.execute("""
            select count(distinct lsoa_code) filter (where lsoa_vintage = 2011 and lsoa_code like 'E%'),
                   count(distinct lsoa_code) filter (where imd_rank is not null)
            from raw.ons_lsoa_lookup""").fetchone()
        assert english == ranked == dd.demo_geography(SEED).filter(pl.col("lsoa11_code").str.starts_with("E")).height \
            + len(dd.comparator_geography(SEED))  # every English 2011 LSOA has its IMD rank
        years = con.execute("""select year, count(*) from raw.population where area_code in (select unnest(?))
                               group by 1 order by 1""", [list(DISTRICTS)]).fetchall()
        assert years == [(2022, len(DISTRICTS)), (2023, len(DISTRICTS)), (2024, len(DISTRICTS))]
    finally:
        con.close()


# --- against the real ONS lookups ----------------------------------------------------------------

@pytest.mark.real_data
@pytest.mark.skipif(not REAL_GEOGRAPHY.is_dir(), reason="shared real data absent")
def test_districts_csps_and_force_areas_are_real() -> None:
    real = pl.read_csv(REAL_GEOGRAPHY / "LAD19_CSP19_PFA19_EW_lookup__jtrim-ons_csv_194.csv", infer_schema=False)
    real = real.filter(pl.col("LAD19CD").is_in(list(DISTRICTS)))
    pfa = dict(zip(read_seed("police_forces")["force_slug"], read_seed("police_forces")["pfa_code"]))
    assert real.height == len(DISTRICTS)
    for row in real.iter_rows(named=True):
        d = DISTRICTS[row["LAD19CD"]]
        assert (d.lad_name, d.csp_code, d.csp_name, pfa[d.force]) == (
            row["LAD19NM"], row["CSP19CD"], row["CSP19NM"], row["PFA19CD"]), d
    imd = pl.read_csv(next(REAL_GEOGRAPHY.glob("IMD_Dec2019_LSOA11_LAD19_lookup_England*.csv")))
    first = imd.filter(pl.col("LAD19CD").is_in(list(DISTRICTS))).group_by("LAD19CD").agg(
        pl.col("LSOA11CD").min(), pl.col("IMD19").median())
    for lad, code, median in first.iter_rows():
        assert (f"E0{DISTRICTS[lad].first_lsoa}", DISTRICTS[lad].imd19_median) == (code, int(median)), lad
