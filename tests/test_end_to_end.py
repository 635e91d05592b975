"""End to end: the nightly job on a small generated dataset, every mart checked against numbers
computed here, independently, from the raw files (Polars + SciPy; none of the project's code)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest
from scipy.stats import binomtest, norm

from ingestion.demo import AREAS
from nights import RERUN_FILES

pytestmark = pytest.mark.e2e

DISTRICTS = [a[0] for a in AREAS]
LANCASHIRE_12 = [a[0] for a in AREAS if a[0].startswith("E07")]
MONTHS = ("2022-04", "2024-09")


@pytest.fixture(scope="module")
def home(e2e_home: Path) -> Path:
    """The session's end-to-end home (conftest.e2e_home: demo data, seed 11, 2022-04..2024-09, scale 0.04)."""
    return e2e_home


@pytest.fixture(scope="module")
def con(home: Path):
    connection = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    yield connection
    connection.close()


def q(con, sql: str, params=None) -> pl.DataFrame:
    return pl.from_arrow(con.execute(sql, params or []).fetch_arrow_table())


# --- independent reading of the landed files -------------------------------------------------

@pytest.fixture(scope="module")
def lookup(home: Path) -> tuple[dict[str, str], dict[str, str]]:
    """LSOA code -> district, and district name -> code, from the lookup CSVs."""
    code_to_lad: dict[str, str] = {}
    name_to_lad: dict[str, str] = {}
    for path in sorted((home / "landing" / "ons_lsoa_lookup").glob("*.csv")):
        df = pl.read_csv(path, infer_schema=False)
        lsoa = next(c for c in df.columns if re.fullmatch(r"LSOA\d\dCD", c))
        lad = next(c for c in df.columns if re.fullmatch(r"LAD\d\dCD", c))
        lad_nm = next(c for c in df.columns if re.fullmatch(r"LAD\d\dNM", c))
        code_to_lad.update(dict(zip(df[lsoa], df[lad])))
        name_to_lad.update(dict(zip(df[lad_nm], df[lad])))
    return code_to_lad, name_to_lad


@pytest.fixture(scope="module")
def police(home: Path, lookup) -> pl.DataFrame:
    code_to_lad, name_to_lad = lookup
    frames = [
        pl.read_csv(p, infer_schema=False).with_columns(pl.lit(p.name).alias("file"))
        for p in sorted((home / "landing" / "police_street").glob("*.csv"))
    ]
    df = pl.concat(frames)
    by_name = pl.col("LSOA name").str.extract(r"^(.*) \d{3}[A-Z]$", 1).replace_strict(
        name_to_lad, default=None, return_dtype=pl.Utf8)
    return df.with_columns(
        pl.coalesce(pl.col("LSOA code").replace_strict(code_to_lad, default=None, return_dtype=pl.Utf8), by_name)
        .alias("lad"),
        (pl.col("Month") + "-01").str.to_date().alias("month"),
        (pl.col("Crime type") == "Anti-social behaviour").alias("asb"),
        # reported by Lancashire's force (the comparator forces' street files land beside its own)
        pl.col("file").str.ends_with("-lancashire-street.csv").alias("in_force"),
    )


@pytest.fixture(scope="module")
def casualties(home: Path) -> pl.DataFrame:
    def read(table: str) -> pl.DataFrame:
        frames = []
        for p in sorted((home / "landing" / f"stats19_{table}").glob("*.csv")):
            df = pl.read_csv(p, infer_schema=False)
            df = df.rename({c: c.replace("accident_index", "collision_index") for c in df.columns})
            frames.append(df)
        return pl.concat(frames, how="diagonal")

    col = read("collision").select("collision_index", "date", "local_authority_ons_district", "police_force")
    cas = read("casualty")
    df = cas.join(col, on="collision_index", how="left")
    return df.with_columns(
        pl.col("date").str.to_date("%d/%m/%Y").dt.truncate("1mo").alias("month"),
        pl.col("casualty_severity").cast(pl.Int64).alias("sev"),
        pl.col("age_of_casualty").cast(pl.Int64).alias("age"),
        pl.col("casualty_adjusted_severity_serious").cast(pl.Float64, strict=False).alias("adj"),
        pl.col("casualty_type").cast(pl.Int64).alias("ctype"),
    )


@pytest.fixture(scope="module")
def population(home: Path) -> dict[tuple[str, int], int]:
    path = next((home / "landing" / "population").glob("district_*.csv"))
    df = pl.read_csv(path, infer_schema=False)
    out = {}
    for col in [c for c in df.columns if c.startswith("Mid-")]:
        year = int(col[4:])
        for code, value in zip(df["Code"], df[col]):
            out[(code, year)] = int(value.replace(",", ""))
    return out


# --- ingestion accounting ---------------------------------------------------------------------

def test_every_landed_row_is_accounted_for(home: Path, con) -> None:
    files = q(con, "select file_name, status, rows_read, rows_loaded, rows_quarantined from meta.source_files")
    assert (files["status"] == "loaded").all(), files.filter(pl.col("status") != "loaded")
    landed = {}
    for path in (home / "landing").rglob("*.csv"):
        with path.open(newline="", encoding="utf-8-sig") as fh:
            landed[path.name] = sum(1 for _ in csv.reader(fh)) - 1
    assert dict(zip(files["file_name"], files["rows_read"])) == landed
    assert (files["rows_read"] == files["rows_loaded"] + files["rows_quarantined"]).all()


# --- the published mart contract ---------------------------------------------------------------

MART_COLUMNS = {
    "dim_area": "area_code lad_code lad_name",
    "dim_month": "month calendar_year financial_year fy_quarter",
    "fct_crime": "crime_id month lsoa_code lad_code force crime_type last_outcome_category source_file source_row",
    "fct_asb": "month lsoa_code lad_code force source_file source_row",
    "fct_road_casualty": "collision_index casualty_reference collision_date police_force lad_code casualty_severity "
                         "adjusted_serious casualty_type road_user_group age_of_casualty is_ksi source_file source_row",
    "mart_indicator_monthly": "indicator_id area_code month value",
    "mart_scorecard_quarterly": "indicator_id indicator_name key_issue theme priority source_system unit polarity "
                                "is_additive area_code area_name area_type financial_year fy_quarter value "
                                "value_same_quarter_last_year pct_change rolling_12m rolling_12m_previous population "
                                "rate_per_1000 population_group rate_per rate significant_change direction rag "
                                "district_rank",
}


@pytest.mark.parametrize("mart", sorted(MART_COLUMNS))
def test_marts_have_the_published_columns(con, mart: str) -> None:
    have = {r[0] for r in con.execute(f"describe marts.{mart}").fetchall()}
    assert set(MART_COLUMNS[mart].split()) <= have


# --- dimensions -------------------------------------------------------------------------------

def test_dim_area_holds_every_lookup_lsoa_and_the_reporting_areas(con, lookup) -> None:
    code_to_lad, _ = lookup
    lsoas = dict(q(con, "select area_code, lad_code from marts.dim_area where area_type = 'lsoa'").iter_rows())
    assert lsoas == code_to_lad
    areas = dict(q(con, "select area_code, area_type from marts.dim_area where area_type <> 'lsoa'").iter_rows())
    assert {d: areas[d] for d in DISTRICTS} == {d: ("unitary" if d.startswith("E06") else "district") for d in DISTRICTS}
    assert areas["E10000017"] == "county" and areas["E23000003"] == "police_force_area"
    assert {a for a, t in areas.items() if t == "cluster"} == {"CLUSTER_NORTH", "CLUSTER_CENTRAL", "CLUSTER_EAST"}


def test_dim_month_financial_calendar(con) -> None:
    import datetime as dt

    rows = q(con, "select month, financial_year, fy_quarter from marts.dim_month").iter_rows()
    for month, fy, quarter in rows:
        start = month.year if month.month >= 4 else month.year - 1
        assert fy == f"{start}/{str(start + 1)[2:]}", month
        assert quarter == ((month.month - 4) % 12) // 3 + 1, month
    assert q(con, "select count(*) as n from marts.dim_month where month = ?", [dt.date(2024, 4, 1)])["n"][0] == 1


# --- facts ------------------------------------------------------------------------------------

def test_fct_crime_counts_by_month_district_and_type(con, police: pl.DataFrame) -> None:
    expected = (
        police.filter(~pl.col("asb") & pl.col("lad").is_in(DISTRICTS))
        .group_by("month", "lad", "Crime type").len().rename({"lad": "lad_code", "Crime type": "crime_type"})
    )
    actual = q(con, f"""select month, lad_code, crime_type, count(*)::bigint as len from marts.fct_crime
                       where source_system = 'police.uk' and lad_code in ({",".join(repr(d) for d in DISTRICTS)})
                       group by all""")
    key = ["month", "lad_code", "crime_type"]
    assert actual.sort(key).to_dicts() == expected.sort(key).with_columns(pl.col("len").cast(pl.Int64)).to_dicts()
    total = q(con, "select count(*) as n from marts.fct_crime where source_system = 'police.uk'")["n"][0]
    assert total == police.filter(~pl.col("asb")).height


def test_fct_asb_and_provenance(con, police: pl.DataFrame) -> None:
    assert q(con, "select count(*) as n from marts.fct_asb")["n"][0] == police.filter(pl.col("asb")).height
    orphan = q(con, """select count(*) as n from marts.fct_crime c
                       left join meta.source_files f on f.sha256 = c.source_file
                       where f.sha256 is null or c.source_row < 2""")["n"][0]
    assert orphan == 0


def test_fct_road_casualty(con, casualties: pl.DataFrame) -> None:
    actual = q(con, """select count(*) as n, sum(case when is_ksi then 1 else 0 end) as ksi,
                       sum(case when casualty_severity = 1 then 1 else 0 end) as fatal from marts.fct_road_casualty""")
    assert actual["n"][0] == casualties.height
    assert actual["ksi"][0] == casualties.filter(pl.col("sev").is_in([1, 2])).height
    assert actual["fatal"][0] == casualties.filter(pl.col("sev") == 1).height


# --- indicators -------------------------------------------------------------------------------

def monthly(con, indicator: str) -> dict[tuple[str, object], float]:
    df = q(con, "select area_code, month, value from marts.mart_indicator_monthly where indicator_id = ?", [indicator])
    return {(a, m): v for a, m, v in df.iter_rows()}


def test_all_crime_and_asb_monthly_by_area(con, police: pl.DataFrame) -> None:
    for indicator, is_asb in (("all_crime", False), ("asb_incidents", True)):
        got = monthly(con, indicator)
        rows = police.filter(pl.col("asb") == is_asb)
        for month, lad, n in rows.filter(pl.col("lad").is_in(DISTRICTS)).group_by("month", "lad").len().iter_rows():
            assert got[(lad, month)] == n, (indicator, lad, month)
        force = {r[0]: r[1] for r in rows.filter("in_force").group_by("month").len().iter_rows()}
        county = {r[0]: r[1] for r in rows.filter(pl.col("lad").is_in(LANCASHIRE_12)).group_by("month").len().iter_rows()}
        for month, n in force.items():
            assert got[("E23000003", month)] == n, (indicator, "force", month)
            assert got[("E10000017", month)] == county.get(month, 0), (indicator, "county", month)


def test_zero_filled_grid(con) -> None:
    counts = q(con, """select indicator_id, count(distinct area_code) as areas, count(distinct month) as months,
                       count(*) as n from marts.mart_indicator_monthly group by 1""")
    for indicator, areas, months, n in counts.iter_rows():
        assert n == areas * months, indicator
        assert areas >= 16, indicator


def test_road_safety_indicators(con, casualties: pl.DataFrame) -> None:
    force = casualties.filter(pl.col("police_force").cast(pl.Int64) == 4)
    young = force.filter(pl.col("sev").is_in([1, 2]) & pl.col("age").is_between(17, 24))
    checks = {
        "road_casualties": force.group_by("month").len(),
        "ksi_casualties": force.filter(pl.col("sev").is_in([1, 2])).group_by("month").len(),
        "fatal_casualties": force.filter(pl.col("sev") == 1).group_by("month").len(),
        "ksi_young_road_users": young.group_by("month").len(),
        "ksi_pedestrians": force.filter(pl.col("sev").is_in([1, 2]) & (pl.col("ctype") == 0)).group_by("month").len(),
    }
    for indicator, expected in checks.items():
        got = monthly(con, indicator)
        for month, n in expected.iter_rows():
            assert got[("E23000003", month)] == n, (indicator, month)
    adjusted = force.with_columns(
        pl.when(pl.col("sev") == 1).then(1.0).otherwise(pl.col("adj").fill_null(0.0)).alias("v")
    ).group_by("month").agg(pl.col("v").sum())
    got = monthly(con, "adjusted_ksi")
    for month, v in adjusted.iter_rows():
        assert got[("E23000003", month)] == pytest.approx(v, abs=1e-6)
    by_district = force.filter(pl.col("sev").is_in([1, 2])).group_by("month", "local_authority_ons_district").len()
    got = monthly(con, "ksi_casualties")
    for month, lad, n in by_district.iter_rows():
        assert got[(lad, month)] == n


# --- scorecard --------------------------------------------------------------------------------

def _fy_months(fy_start_year: int, quarter: int) -> list:
    import datetime as dt

    first = dt.date(fy_start_year, 4 + 3 * (quarter - 1), 1) if quarter < 4 else dt.date(fy_start_year + 1, 1, 1)
    return [dt.date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1) for i in range(3)]


def _months_back(end, n: int) -> list:
    import datetime as dt

    out = []
    y, m = end.year, end.month
    for _ in range(n):
        out.append(dt.date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


def test_scorecard_all_crime_force_area_latest_quarter(con, police: pl.DataFrame, population) -> None:
    own = police.filter(~pl.col("asb") & pl.col("in_force"))  # the force area's: its own force's rows
    crimes = {r[0]: r[1] for r in own.group_by("month").len().iter_rows()}
    months = _fy_months(2024, 2)  # Jul-Sep 2024: the last complete quarter of the demo months
    value = sum(crimes[m] for m in months)
    last_year = sum(crimes[m.replace(year=m.year - 1)] for m in months)
    window = _months_back(months[-1], 24)
    rolling, previous = sum(crimes[m] for m in window[:12]), sum(crimes[m] for m in window[12:])
    # over-dispersion, computed here from its definition: Pearson's chi-squared of the 2 x 12 table
    # (window x calendar month) about a common change, on 11 degrees of freedom, floored at 1; then
    # the quasi-Poisson z test of the two totals, never below the exact test (the exact test alone
    # for small counts or phi = 1)
    table = [[crimes[m] for m in window[12:]], [crimes[m] for m in window[:12]]]  # column j: one calendar month
    grand = sum(map(sum, table))
    expected = [[sum(table[w]) * (table[0][j] + table[1][j]) / grand for j in range(12)] for w in (0, 1)]
    chi2 = sum((table[w][j] - expected[w][j]) ** 2 / expected[w][j] for w in (0, 1) for j in range(12))
    phi = max(chi2 / 11, 1.0)
    exact = binomtest(rolling, rolling + previous, 0.5).pvalue
    p_value = exact if phi == 1.0 or rolling + previous < 30 else max(
        2 * norm.sf(abs(rolling - previous) / (phi * (rolling + previous)) ** 0.5), exact)
    pop = sum(population[(d, 2024)] for d in DISTRICTS)
    row = q(con, """select * from marts.mart_scorecard_quarterly
                    where indicator_id = 'all_crime' and area_code = 'E23000003'
                      and financial_year = '2024/25' and fy_quarter = 2""").row(0, named=True)
    assert row["value"] == value
    assert row["value_same_quarter_last_year"] == last_year
    assert row["pct_change"] == pytest.approx(100 * (value - last_year) / last_year, rel=1e-9) or \
        row["pct_change"] == pytest.approx((value - last_year) / last_year, rel=1e-9)
    assert row["rolling_12m"] == rolling and row["rolling_12m_previous"] == previous
    assert row["rate_per_1000"] == pytest.approx(rolling / pop * 1000, rel=1e-9)
    assert row["dispersion"] == pytest.approx(phi, rel=1e-9)
    assert row["p_value"] == pytest.approx(p_value, rel=1e-6)
    assert row["significant_change"] == (p_value < 0.05)
    direction = "up" if rolling > previous else "down" if rolling < previous else "no change"
    assert row["direction"] == direction
    expected_rag = "amber" if p_value >= 0.05 else ("red" if rolling > previous else "green")
    assert row["rag"] == expected_rag


def test_scorecard_district_rank(con, police: pl.DataFrame, population) -> None:
    window = _months_back(_fy_months(2024, 2)[-1], 12)
    rows = police.filter(~pl.col("asb") & pl.col("month").is_in(window) & pl.col("lad").is_in(DISTRICTS))
    counts = {lad: n for lad, n in rows.group_by("lad").len().iter_rows()}
    rates = {d: counts.get(d, 0) / population[(d, 2024)] * 1000 for d in DISTRICTS}
    expected_rank = {d: i + 1 for i, d in enumerate(sorted(DISTRICTS, key=lambda d: -rates[d]))}
    got = q(con, """select area_code, district_rank, rate_per_1000 from marts.mart_scorecard_quarterly
                    where indicator_id = 'all_crime' and financial_year = '2024/25' and fy_quarter = 2
                      and district_rank is not null""")
    assert {a: r for a, r, _ in got.iter_rows()} == expected_rank
    for area, _, rate in got.iter_rows():
        assert rate == pytest.approx(rates[area], rel=1e-9)


def test_rerun_changes_nothing_and_bad_deliveries_do_not_stop_the_night(published_home: Path,
                                                                       second_night: dict) -> None:
    """The session's second night (conftest.second_night), on a copy of the six-month home: the files
    it already loaded are seen again (a re-run: none of them is loaded again) and bad deliveries
    arrive (nights.RERUN_FILES, beside the corpus of tests/test_corpus.py)."""
    with duckdb.connect(str(published_home / "warehouse.duckdb"), read_only=True) as con:
        first = set(con.execute("select feed, file_name, sha256, status, run_id from meta.source_files").fetchall())
        crimes_before = q(con, "select count(*) as n from marts.fct_crime where source_system = 'police.uk'")["n"][0]
        assert q(con, "select count(*) as n from meta.source_files where file_name like '2024-1%'")["n"][0] == 0

    assert second_night["success"], second_night["failures"]
    with duckdb.connect(str(second_night["home"] / "warehouse.duckdb"), read_only=True) as again:
        # the rerun changed nothing: the files of the first night are recorded once, as before
        after = again.execute("select feed, file_name, sha256, status, run_id from meta.source_files").fetchall()
        first_keys = {(feed, name, sha) for feed, name, sha, _, _ in first}
        assert sorted(r for r in after if r[:3] in first_keys) == sorted(first)
        files = dict(again.execute(
            "select file_name, status from meta.source_files where file_name in (select unnest(?))",
            [list(RERUN_FILES)]).fetchall())
        assert files == RERUN_FILES
        reason = again.execute("select reason from meta.source_files where file_name = '2024-10-lancashire-street.csv'"
                               ).fetchone()[0]
        assert "missing required columns" in reason and "stats19_casualty" in reason
        december = again.execute("select sha256 from meta.source_files where file_name = '2024-12-lancashire-street.csv'"
                                 ).fetchone()[0]
        assert again.execute("select check_name, source_row from meta.quarantine where source_file = ?",
                             [december]).fetchall() == [("crime_type_known", 3)]
        assert again.execute("select count(*) from marts.fct_crime where source_system = 'police.uk' "
                             "and month = date '2024-12-01'").fetchone()[0] == 1
        # the six months of the first night keep their crimes (the corpus lands only other months)
        assert again.execute("select count(*) from marts.fct_crime where source_system = 'police.uk' "
                             "and month between date '2024-01-01' and date '2024-06-01'").fetchone()[0] == crimes_before