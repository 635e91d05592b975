"""Tests for the synthetic demo feed generator (the ingestion.demo package).

The demo files stand in for partner feeds, so the tests pin the published formats (exact headers,
CRLF police files, DfT codes) and the quirks the warehouse must cope with.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ingestion import demo as dd
from ingestion.demo import geography, police_street, reference, stats19

SEED = 20240401
SMALL = 0.05
AREA_CODES = {a[0] for a in dd.AREAS}
DEMO_MONTHS = geography._month_list(dd.DEMO_MONTHS)
REAL_STATS19 = Path(__file__).resolve().parents[2] / "shared" / "real-data" / "stats19" / "west_yorkshire_2024"


def _read(path: Path) -> pl.DataFrame:
    """Everything as text, so the tests see the values exactly as written."""
    return pl.read_csv(path, infer_schema_length=0)


def _lancashire(paths: list[Path]) -> list[Path]:
    """Lancashire's police.uk street files (the comparator forces' land beside them: test_demo_comparators)."""
    return [p for p in paths if p.name.endswith("-lancashire-street.csv")]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[Path]]]:
    root = tmp_path_factory.mktemp("demo_small")
    return root, dd.write_demo_data(root, seed=SEED, scale=SMALL)


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[Path]]]:
    root = tmp_path_factory.mktemp("demo_full")
    return root, dd.write_demo_data(root, seed=SEED, scale=1.0)


@pytest.fixture(scope="module")
def police(small) -> pl.DataFrame:
    return pl.concat([_read(p) for p in _lancashire(small[1]["police_street"])])


@pytest.fixture(scope="module")
def geo() -> pl.DataFrame:
    return dd.demo_geography(SEED)


# --- run, files, determinism ------------------------------------------------------------------

# How fast the demo is written is timed by bench/demo_data_benchmark.py (`make bench`), not here.


def test_files_written_per_feed(small) -> None:
    root, files = small
    assert set(files) == {"police_street", "ons_lsoa_lookup", "ons_lad_csp_pfa", "population",
                          "stats19_collision", "stats19_vehicle", "stats19_casualty",
                          "police_crime_extract", "police_da_incidents", "marac_returns", "population_sex_age",
                          "residents_survey", "fire_incidents", "fingertips"}
    assert [p.name for p in files["police_crime_extract"]][0] == "lancashire-crime-extract-2019-04.csv"
    assert len(files["police_crime_extract"]) == len(files["police_da_incidents"]) == len(DEMO_MONTHS) == 78
    assert len(files["fire_incidents"]) == 78
    police = [p.name for p in _lancashire(files["police_street"])]
    assert len(police) == 78 and police[0] == "2019-04-lancashire-street.csv"
    assert police[-1] == "2025-09-lancashire-street.csv"
    assert files["police_street"][:78] == _lancashire(files["police_street"])  # then the comparators'
    assert len(files["police_street"]) == 78 * (1 + len(dd.COMPARATOR_FORCES))
    for table in ("collision", "vehicle", "casualty"):
        names = [p.name for p in files[f"stats19_{table}"]]
        assert names == [f"dft-road-casualty-statistics-{table}-{s}.csv"
                         for s in ("2019", "2020", "2021", "2022", "2023", "2024",
                                   "provisional-mid-year-unvalidated-2025")]
    for feed, paths in files.items():
        assert all(p.parent == root / feed and p.is_file() for p in paths)


def _complete_financial_years(months: list[str]) -> list[int]:
    """Start years of the financial years (April to March) whose twelve months are all in ``months``."""
    have = set(months)
    starts = {int(m[:4]) - (int(m[5:]) < 4) for m in months}
    return sorted(y for y in starts if all(f"{y + (k >= 9)}-{(k + 3) % 12 + 1:02d}" in have for k in range(12)))


def test_demo_covers_six_complete_financial_years_in_every_feed(small) -> None:
    """A five-year trend needs five complete years after the first, whose repeat victims lack a lookback."""
    files = small[1]
    expected = [2019, 2020, 2021, 2022, 2023, 2024]
    assert _complete_financial_years(DEMO_MONTHS) == expected and DEMO_MONTHS[-1] == "2025-09"
    for feed in ("police_street", "police_crime_extract", "police_da_incidents", "fire_incidents"):
        # the month of each row: police.uk's Month, else the date in the second column
        months = sorted(m for p in files[feed] for m in pl.read_csv(p, infer_schema_length=0).select(
            pl.nth(1).str.slice(0, 7)).to_series().unique())
        assert _complete_financial_years(months) == expected, feed
    marac = pl.concat([_read(p) for p in files["marac_returns"]])
    for fy in expected:
        label = f"{fy}/{(fy + 1) % 100:02d}"
        assert set(marac.filter(pl.col("Quarter").str.starts_with(label))["Quarter"]) == {
            f"{label} Q{q}" for q in (1, 2, 3, 4)}
        assert marac.filter(pl.col("Quarter") == f"{label} Q1").height == len(dd.AREAS)
    waves = {_read(p)["Wave"][0] for p in files["residents_survey"]}
    assert {f"{fy}/{(fy + 1) % 100:02d} Q{q}" for fy in expected for q in (1, 2, 3, 4)} <= waves
    collision_years = {int(_read(p)["accident_year" if "accident_year" in _read(p).columns else "collision_year"][0])
                       for p in files["stats19_collision"]}
    assert set(range(2019, 2025)) <= collision_years
    # every calendar year of the demo has a population (rates take the period's year or an earlier one)
    lsoa, lad = (pl.read_csv(p) for p in files["population"])
    all_ages = set(lsoa["Year"]) | {int(c[4:]) for c in lad.columns if c.startswith("Mid-")}
    sex_age = set(pl.read_csv(files["population_sex_age"][0])["year"])
    assert min(all_ages) <= 2019 and min(sex_age) <= 2019
    assert all_ages >= set(range(2019, 2025)) and sex_age >= set(range(2019, 2025))


def test_full_demo_has_no_more_rows_than_the_shorter_one_had(full) -> None:
    """Six and a half years at the lower monthly volume hold no more Lancashire rows than the
    3.5-year demo did (1,179,000 rows in all feeds, 569,000 of them police.uk). The comparator
    forces' street files (relative position) come on top: fewer rows than Lancashire's police.uk."""
    own = set(_lancashire(full[1]["police_street"]))
    comparator = {p for p in full[1]["police_street"] if p not in own}
    rows = {feed: sum(p.read_bytes().count(b"\n") - 1 for p in paths if p not in comparator)
            for feed, paths in full[1].items()}
    assert sum(rows.values()) <= 1_179_000 and rows["police_street"] <= 569_000
    assert 0.45 * 42 * 13_400 <= rows["police_street"]  # still volume enough for district counts
    comparator_rows = sum(p.read_bytes().count(b"\n") - 1 for p in comparator)
    assert 0.4 * rows["police_street"] <= comparator_rows <= rows["police_street"]


def test_same_seed_gives_byte_identical_files(small, tmp_path: Path) -> None:
    root, files = small
    assert {p.name.split("-", 2)[2] for p in files["police_street"]} == {
        f"{f[0]}-street.csv" for f in (("lancashire",), *dd.COMPARATOR_FORCES)}  # the comparators' files too
    again = dd.write_demo_data(tmp_path, seed=SEED, scale=SMALL)
    for feed, paths in files.items():
        assert [p.relative_to(root) for p in paths] == [p.relative_to(tmp_path) for p in again[feed]]
        for a, b in zip(paths, again[feed]):
            assert a.read_bytes() == b.read_bytes(), a.name


def test_other_seed_gives_other_data(small, tmp_path: Path) -> None:
    other = dd.write_demo_data(tmp_path, seed=SEED + 1, months=("2022-04", "2022-04"), scale=SMALL)
    assert other["police_street"][0].read_bytes() != small[1]["police_street"][0].read_bytes()


def test_tiny_and_invalid_scale(tmp_path: Path) -> None:
    files = dd.write_demo_data(tmp_path, months=("2024-01", "2024-01"), scale=1e-6)
    assert _read(files["police_street"][0]).columns == police_street.POLICE_HEADER
    assert all(_read(p).height >= 1 for p in files["stats19_collision"])
    with pytest.raises(ValueError):
        dd.write_demo_data(tmp_path, scale=0)


def test_months_argument(tmp_path: Path) -> None:
    files = dd.write_demo_data(tmp_path, months=("2023-11", "2024-02"), scale=0.01)
    assert [p.name[:7] for p in _lancashire(files["police_street"])] == ["2023-11", "2023-12", "2024-01", "2024-02"]


# --- geography ----------------------------------------------------------------------------------

def test_geography_shape(geo: pl.DataFrame) -> None:
    assert geo.columns == ["lsoa11_code", "lsoa11_name", "lsoa21_code", "lsoa21_name", "lad_code", "lad_name",
                           "lon", "lat", "population_weight", "in_county"]
    inc = geo.filter("in_county")
    assert 940 <= inc.height <= 1020
    assert set(inc["lad_code"]) == AREA_CODES
    assert geo["lsoa11_code"].is_unique().all() and geo["lsoa21_code"].is_unique().all()
    assert geo["lsoa21_name"].is_unique().all()
    assert inc["lsoa11_code"].str.contains(r"^E01\d{6}$").all()
    kept = (inc["lsoa11_code"] == inc["lsoa21_code"]).mean()
    assert 0.90 <= kept <= 0.96
    new = inc.filter(pl.col("lsoa11_code") != pl.col("lsoa21_code"))
    assert new["lsoa21_code"].str.starts_with("E0103").all()
    assert (new["lsoa21_name"].str.extract(r"^(.*) \d{3}[A-Z]$") == new["lad_name"]).all()
    assert inc["lon"].is_between(-3.1, -2.0).all() and inc["lat"].is_between(53.5, 54.2).all()
    sums = inc.group_by("lad_code").agg(pl.col("population_weight").sum())["population_weight"]
    assert (sums - 1).abs().max() < 1e-9


def test_geography_names_and_out_of_county(geo: pl.DataFrame) -> None:
    assert geo["lsoa11_name"].str.contains(r"^[A-Za-z ]+ \d{3}[A-Z]$").all()
    assert (geo["lsoa11_name"].str.extract(r"^(.*) \d{3}[A-Z]$") == geo["lad_name"]).all()
    out = geo.filter(~pl.col("in_county"))
    assert 10 <= out.height <= 14
    assert {"E08000010", "E08000014", "E07000031", "E07000163", "E08000033", "W06000003"} == set(out["lad_code"])
    assert out.filter(pl.col("lad_code") == "W06000003")["lsoa11_code"].str.starts_with("W01").all()
    assert dd.demo_geography(SEED).equals(geo)


# --- police street ---------------------------------------------------------------------------------

def test_police_format(small) -> None:
    for path in _lancashire(small[1]["police_street"]):
        raw = path.read_bytes()
        assert raw.startswith(",".join(police_street.POLICE_HEADER).encode() + b"\r\n")
        assert raw.count(b"\n") == raw.count(b"\r\n") and raw.endswith(b"\r\n")
        df = _read(path)
        assert df.columns == police_street.POLICE_HEADER
        assert (df["Month"] == path.name[:7]).all()
        assert (df["Reported by"] == "Lancashire Constabulary").all()
        assert (df["Falls within"] == "Lancashire Constabulary").all()
        assert df["Context"].null_count() == df.height


def test_police_values(police: pl.DataFrame) -> None:
    asb = police.filter(pl.col("Crime type") == "Anti-social behaviour")
    crime = police.filter(pl.col("Crime type") != "Anti-social behaviour")
    assert asb["Crime ID"].null_count() == asb.height and asb["Last outcome category"].null_count() == asb.height
    assert crime["Crime ID"].str.contains(r"^[0-9a-f]{64}$").all()
    assert crime["Last outcome category"].is_in(list(police_street.OUTCOMES)).all()
    assert set(police["Crime type"]) == set(police_street.CRIME_TYPES)
    located = police.filter(pl.col("Location") != "No Location")
    assert located["Location"].str.starts_with("On or near ").all()
    assert located["Longitude"].str.contains(r"^-\d\.\d{6}$").all()
    assert located["Latitude"].str.contains(r"^5\d\.\d{6}$").all()
    assert 0.22 <= asb.height / police.height <= 0.28
    shares = crime["Crime type"].value_counts(normalize=True)
    violence = shares.filter(pl.col("Crime type") == "Violence and sexual offences")["proportion"][0]
    assert 0.34 <= violence <= 0.44


def test_police_no_location_and_out_of_county(police: pl.DataFrame, geo: pl.DataFrame) -> None:
    noloc = police.filter(pl.col("Location") == "No Location")
    assert 0.025 <= noloc.height / police.height <= 0.045
    for c in ("Longitude", "Latitude", "LSOA code", "LSOA name"):
        assert noloc[c].null_count() == noloc.height
    out_codes = geo.filter(~pl.col("in_county"))["lsoa11_code"]
    share = police["LSOA code"].is_in(out_codes.implode()).mean()
    assert 0.0015 <= share <= 0.006
    assert police["LSOA code"].drop_nulls().str.starts_with("W01").any()


def test_police_lsoa_vintage_switch(police: pl.DataFrame, geo: pl.DataFrame) -> None:
    before = police.filter((pl.col("Month") < "2023-07") & pl.col("LSOA code").is_not_null())
    after = police.filter((pl.col("Month") >= "2023-07") & pl.col("LSOA code").is_not_null())
    assert before["LSOA code"].is_in(geo["lsoa11_code"].implode()).all()
    assert after["LSOA code"].is_in(geo["lsoa21_code"].implode()).all()
    new = geo.filter(pl.col("lsoa11_code") != pl.col("lsoa21_code"))["lsoa21_code"]
    assert not before["LSOA code"].is_in(new.implode()).any()
    assert after["LSOA code"].is_in(new.implode()).any()
    pairs = after.select("LSOA code", "LSOA name").unique().join(
        geo.select(pl.col("lsoa21_code").alias("LSOA code"), "lsoa21_name"), on="LSOA code")
    assert (pairs["LSOA name"] == pairs["lsoa21_name"]).all()


def test_police_repeated_crime_ids(small) -> None:
    prev: set[str] = set()
    recurring = identical = repeats = rows = 0
    for path in _lancashire(small[1]["police_street"]):
        crime = _read(path).filter(pl.col("Crime ID").is_not_null())
        repeats += crime.height - crime["Crime ID"].n_unique()
        rows += crime.height
        identical += crime.is_duplicated().any()  # some repeats are fully identical rows
        ids = set(crime["Crime ID"])
        recurring += bool(ids & prev)  # a few IDs recur in the following month
        prev = ids
    assert 0.006 <= repeats / rows <= 0.015
    assert identical >= 30 and recurring >= 30


def test_police_recent_outcomes_lag(police: pl.DataFrame) -> None:
    crime = police.filter(pl.col("Crime ID").is_not_null())
    ui = crime.group_by("Month").agg((pl.col("Last outcome category") == "Under investigation").mean().alias("ui"))
    ui = ui.sort("Month")["ui"]
    assert (ui.tail(6) > 0.5).all()
    assert (ui.head(12) < 0.2).all()


def test_police_area_rates_differ(police: pl.DataFrame, geo: pl.DataFrame) -> None:
    code_to_lad = pl.concat([geo.select(pl.col(c).alias("LSOA code"), "lad_name")
                             for c in ("lsoa11_code", "lsoa21_code")]).unique()
    per_area = police.join(code_to_lad, on="LSOA code").group_by("lad_name").len()
    pops = {a[1]: a[3] for a in dd.AREAS}
    rate = {r["lad_name"]: r["len"] / pops[r["lad_name"]]
            for r in per_area.iter_rows(named=True) if r["lad_name"] in pops}
    assert rate["Blackpool"] > 2 * rate["Ribble Valley"]
    assert min(rate["Blackpool"], rate["Preston"], rate["Burnley"]) > max(rate["Fylde"], rate["Ribble Valley"])


def test_police_full_scale_volumes(full) -> None:
    counts = {p.name[:7]: _read(p).height for p in _lancashire(full[1]["police_street"])}
    assert all(0.8 * police_street.MONTHLY_ROWS <= c <= 1.25 * police_street.MONTHLY_ROWS for c in counts.values())
    assert 0.9 * police_street.MONTHLY_ROWS <= sum(counts.values()) / len(counts) <= 1.12 * police_street.MONTHLY_ROWS
    assert counts["2022-07"] > counts["2023-01"]  # summer peak


# --- lookups and population ------------------------------------------------------------------------

def test_lookups(small, geo: pl.DataFrame) -> None:
    p11, p21, p_imd = small[1]["ons_lsoa_lookup"]
    l11, l21 = _read(p11), _read(p21)
    assert l11.columns == ["FID", "LSOA11CD", "LSOA11NM", "LAD19CD", "LAD19NM"]
    assert l21.columns == ["LSOA21CD", "LSOA21NM", "LAD22CD", "LAD22NM", "ObjectId"]
    comparators = dd.comparator_geography(SEED)  # their rows follow Lancashire's (test_demo_comparators)
    assert l11["LSOA11CD"].head(geo.height).to_list() == geo["lsoa11_code"].to_list()
    assert set(l11["LSOA11CD"]) == set(geo["lsoa11_code"]) | set(comparators["lsoa11_code"])
    missing = geography.lsoa21_codes_missing_from_lookup(geo)
    assert len(missing) == 5 and all(c.startswith("E0103") for c in missing)
    assert set(l21["LSOA21CD"]) == (set(geo["lsoa21_code"]) - set(missing)) | set(comparators["lsoa21_code"])
    # the IMD 2019 lookup: every English LSOA of the demo, with a distinct rank (1 = most deprived)
    imd = pl.read_csv(p_imd)
    assert p_imd.name == "IMD19_LSOA11_LAD19_England_lookup.csv"
    assert imd.columns == ["LSOA11CD", "LSOA11NM", "LAD19CD", "LAD19NM", "IMD19", "FID"]
    english = geo.filter(pl.col("lsoa11_code").str.starts_with("E"))
    assert imd["LSOA11CD"].to_list() == english["lsoa11_code"].to_list() + comparators["lsoa11_code"].to_list()
    assert imd["IMD19"].is_between(1, geography.IMD19_LSOAS).all() and imd["IMD19"].is_unique().all()
    medians = (imd.filter(pl.col("LAD19CD").is_in(list(AREA_CODES))).group_by("LAD19CD")
               .agg(pl.col("IMD19").median()).sort("IMD19")["LAD19CD"].to_list())
    assert medians.index("E06000009") < medians.index("E07000124")  # Blackpool more deprived than Ribble Valley


def test_lad_csp_pfa_lookup(small) -> None:
    """The 14 districts in their real CSPs (ONS LAD19 lookup) and Lancashire's force area, in the ONS
    layout; the comparator forces' districts follow (test_demo_comparators)."""
    (path,) = small[1]["ons_lad_csp_pfa"]
    lookup = _read(path)
    assert path.name == "LAD23_CSP23_PFA23_Lancashire_lookup.csv"
    assert lookup.columns == ["LAD23CD", "LAD23NM", "CSP23CD", "CSP23NM", "PFA23CD", "PFA23NM"]
    assert lookup.height == 14 + len(dd.COMPARATOR_DISTRICTS)
    lookup = lookup.head(14)
    assert set(lookup["LAD23CD"]) == AREA_CODES
    assert dict(zip(lookup["LAD23CD"], lookup["CSP23CD"])) == {
        "E06000008": "E22000150", "E06000009": "E22000151",
        **{f"E07000{117 + i}": f"E22000{152 + i}" for i in range(12)}}
    assert set(lookup["PFA23CD"]) == {"E23000003"} and set(lookup["PFA23NM"]) == {"Lancashire"}
    assert lookup["CSP23NM"].to_list() == lookup["LAD23NM"].to_list()


def test_missing_lsoa21_codes_are_used_by_police(full, geo: pl.DataFrame) -> None:
    # at full scale: the small demo has too few rows a month to reach every LSOA
    used = {c for p in full[1]["police_street"] if p.name[:7] >= "2023-07" for c in _read(p)["LSOA code"].drop_nulls()}
    assert set(geography.lsoa21_codes_missing_from_lookup(geo)) <= used


def test_population_files(small, geo: pl.DataFrame) -> None:
    p_lsoa, p_lad = small[1]["population"]
    raw = p_lsoa.read_bytes()
    assert raw.startswith(b"Year,LSOA Code,Population\r\n")
    lsoa = pl.read_csv(p_lsoa)
    assert set(lsoa["Year"]) == set(reference.LSOA_POPULATION_YEARS) == {2019, 2020, 2021}
    inc = geo.filter("in_county")
    lsoa = lsoa.filter(pl.col("LSOA Code").is_in(inc["lsoa11_code"].implode()))  # not the comparators'
    assert lsoa.filter(pl.col("Year") == 2020)["LSOA Code"].sort().equals(inc["lsoa11_code"].sort().alias("LSOA Code"))
    assert lsoa["Population"].dtype == pl.Int64 and lsoa["Population"].min() > 500
    lad = pl.read_csv(p_lad)
    assert lad.columns == ["Code", "Name", "Geography", "Mid-2022", "Mid-2023", "Mid-2024"]
    lad = lad.head(len(AREA_CODES) + 1)  # Lancashire's districts and the county; the comparators' follow
    assert set(lad["Code"]) == AREA_CODES | {"E10000017"}
    assert set(lad["Geography"]) == {"Non-metropolitan District", "Unitary Authority", "County"}
    districts = lad.filter(pl.col("Geography") == "Non-metropolitan District")
    county = lad.filter(pl.col("Code") == "E10000017")
    for y in ("Mid-2022", "Mid-2023", "Mid-2024"):
        assert county[y][0] == districts[y].sum()
    areas = lad.filter(pl.col("Geography") != "County")
    assert 1_520_000 <= areas["Mid-2022"].sum() <= 1_620_000
    growth = areas["Mid-2024"].sum() / areas["Mid-2023"].sum()
    assert 1.004 <= growth <= 1.010
    by_area = (lsoa.join(inc.select(pl.col("lsoa11_code").alias("LSOA Code"), "lad_code"), on="LSOA Code")
               .group_by("lad_code", "Year").agg(pl.col("Population").sum()).pivot("Year", index="lad_code"))
    joined = by_area.join(lad.select(pl.col("Code").alias("lad_code"), "Mid-2022"), on="lad_code")
    ratio = joined["Mid-2022"] / joined["2021"]
    assert ratio.is_between(1.0, 1.015).all(), "LSOA 2021 totals lead into the district 2022 figures"


# --- STATS19 ----------------------------------------------------------------------------------------

def _stats19(files: dict[str, list[Path]], i: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    return tuple(_read(files[f"stats19_{t}"][i]) for t in ("collision", "vehicle", "casualty"))


@pytest.mark.real_data
@pytest.mark.skipif(not REAL_STATS19.is_dir(), reason="shared real data absent")
def test_stats19_headers_match_real_files() -> None:
    for name, header in (("accidents", stats19.COLLISION_HEADER), ("vehicles", stats19.VEHICLE_HEADER),
                         ("casualties", stats19.CASUALTY_HEADER)):
        with open(REAL_STATS19 / f"{name}.csv", encoding="utf-8") as fh:
            assert fh.readline().rstrip("\r\n").split(",") == header


STATS19_INDEX = list(enumerate(year for year, _ in stats19.STATS19_YEARS))  # (file position, data year)


def test_stats19_headers(small) -> None:
    for i, year in STATS19_INDEX:
        col, veh, cas = _stats19(small[1], i)
        if year > 2022:
            assert (col.columns, veh.columns, cas.columns) == (stats19.COLLISION_HEADER, stats19.VEHICLE_HEADER,
                                                               stats19.CASUALTY_HEADER)
            continue
        for df in (col, veh, cas):
            assert df.columns[:3] == ["accident_index", "accident_year", "accident_reference"]
            assert not {"collision_index", "enhanced_severity_collision", "enhanced_casualty_severity",
                        "collision_adjusted_severity_serious", "casualty_injury_based"} & set(df.columns)
        assert "accident_severity" in col.columns and "lsoa_of_accident_location" in col.columns
        assert {"casualty_adjusted_severity_serious", "casualty_adjusted_severity_slight"} <= set(cas.columns)


@pytest.mark.parametrize("i,year", STATS19_INDEX)
def test_stats19_collisions(small, i: int, year: int) -> None:
    col, veh, cas = (df.rename({v: k for k, v in stats19.LEGACY_RENAME.items()}, strict=False)
                     for df in _stats19(small[1], i))
    for df in (col, veh, cas):  # every column filled; only adjusted severities may be empty (fatal)
        assert {c for c in df.columns if df[c].null_count()} <= {
            f"{t}_adjusted_severity_{s}" for t in ("collision", "casualty") for s in ("serious", "slight")}
    assert col["collision_index"].str.contains(rf"^{year}04\d{{7}}$").all() and col["collision_index"].is_unique().all()
    assert (col["collision_ref_no"] == col["collision_index"].str.slice(4)).all()
    assert (col["collision_year"] == str(year)).all() and (col["police_force"] == "4").all()
    assert (col["local_authority_district"] == "-1").all()
    assert col["local_authority_ons_district"].is_in(list(AREA_CODES)).all()
    dates = col["date"].str.strptime(pl.Date, "%d/%m/%Y")
    assert (dates.dt.year() == year).all() and (dates.dt.month().max() <= (6 if year == 2025 else 12))
    assert col["time"].str.contains(r"^([01]\d|2[0-3]):[0-5]\d$").all()
    lon, lat = col["longitude"].cast(float), col["latitude"].cast(float)
    assert lon.is_between(-3.2, -1.9).all() and lat.is_between(53.45, 54.3).all()
    assert col["location_easting_osgr"].cast(int).is_between(320_000, 400_000).all()
    assert col["location_northing_osgr"].cast(int).is_between(395_000, 480_000).all()
    counts = cas.group_by("collision_index").agg(k=pl.len(), worst=pl.col("casualty_severity").cast(int).min())
    chk = col.join(counts, on="collision_index", how="left")
    assert (chk["number_of_casualties"].cast(int) == chk["k"]).all()
    assert (chk["collision_severity"].cast(int) == chk["worst"]).all()
    nveh = veh.group_by("collision_index").agg(n=pl.len(), top=pl.col("vehicle_reference").cast(int).max())
    chk = col.join(nveh, on="collision_index", how="left")
    assert (chk["number_of_vehicles"].cast(int) == chk["n"]).all() and (chk["n"] == chk["top"]).all()
    assert chk["n"].is_between(1, 3).all()
    linked = cas.join(veh, on=["collision_index", "vehicle_reference"], how="left")
    assert linked["vehicle_type"].null_count() == 0
    occupants = linked.filter(pl.col("casualty_type") != "0")
    assert (occupants["casualty_type"] == occupants["vehicle_type"]).all()


@pytest.mark.parametrize("i,year", STATS19_INDEX)
def test_stats19_casualty_codes(small, i: int, year: int) -> None:
    cas = _stats19(small[1], i)[2]
    sev = cas["casualty_severity"].cast(int)
    assert sev.is_in([1, 2, 3]).all()
    assert ((cas["casualty_class"] == "3") == (cas["casualty_type"] == "0")).all()
    age, band = cas["age_of_casualty"].cast(int), cas["age_band_of_casualty"].cast(int)
    assert age.is_between(-1, 95).all()
    edges = [(0, 5), (6, 10), (11, 15), (16, 20), (21, 25), (26, 35), (36, 45), (46, 55), (56, 65), (66, 75), (76, 200)]
    expect = pl.Series([-1 if a < 0 else next(b for b, (lo, hi) in enumerate(edges, 1) if lo <= a <= hi) for a in age])
    assert (band == expect).all()
    ser, sli = (cas[f"casualty_adjusted_severity_{s}"].cast(float) for s in ("serious", "slight"))
    fatal = sev == 1
    assert ser.filter(fatal).null_count() == fatal.sum() and sli.filter(fatal).null_count() == fatal.sum()
    assert ((ser + sli).filter(~fatal) - 1).abs().max() < 1e-9
    assert ser.filter(sev == 2).min() >= 0.7 and ser.filter(sev == 3).max() <= 0.25
    if year > 2022:
        enh = cas["enhanced_casualty_severity"].cast(int)
        assert (enh.filter(sev == 1) == 1).all() and (enh.filter(sev == 3) == 3).all()
        assert enh.filter(sev == 2).is_in([5, 6, 7]).all()
        assert (cas["casualty_injury_based"] == "1").all()


def test_stats19_full_scale_volumes_and_mix(full) -> None:
    for i, _year in STATS19_INDEX[:-1]:
        col, veh, cas = _stats19(full[1], i)
        assert 2_700 <= col.height <= 3_300 and 5_000 <= veh.height <= 6_000 and 3_600 <= cas.height <= 4_400
        sev = cas["casualty_severity"].cast(int)
        assert 0.006 <= (sev == 1).mean() <= 0.02 and 0.19 <= (sev == 2).mean() <= 0.25
        adjusted = (sev == 1).sum() + cas["casualty_adjusted_severity_serious"].cast(float).sum()
        assert 880 <= adjusted <= 1_120
        ctype = cas["casualty_type"].cast(int)
        assert 0.10 <= (ctype == 0).mean() <= 0.16 and 0.07 <= (ctype == 1).mean() <= 0.13
        assert 0.07 <= ctype.is_in([2, 3, 4, 5, 23, 97]).mean() <= 0.13 and 0.52 <= (ctype == 9).mean() <= 0.64
        age = cas["age_of_casualty"].cast(int)
        assert 0.13 <= age.is_between(17, 24).mean() <= 0.19 and (age == -1).any()
    col = _stats19(full[1], len(STATS19_INDEX) - 1)[0]
    assert 1_300 <= col.height <= 1_700
    shares = col["local_authority_ons_district"].value_counts(normalize=True)
    assert set(shares["local_authority_ons_district"]) == AREA_CODES
