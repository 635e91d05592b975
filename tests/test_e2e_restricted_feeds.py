"""End to end for the restricted feeds (police crime extract, DA incidents, MARAC returns,
population by sex and age): the session's nightly build (conftest.e2e_home) checked against
numbers computed here, independently, from the landed CSV files with Polars and the standard
library (the reference seeds and settings files are read as plain files; none of the warehouse's
code computes an expected value). Also: no raw reference anywhere the run wrote, and no crime
counted twice between police.uk and the extract.

This module only reads the home; it sorts before test_end_to_end, whose last test re-runs the night.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingestion.demo import AREAS

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "dbt_project" / "seeds"
DISTRICTS = [a[0] for a in AREAS]
LANCASHIRE_12 = [a[0] for a in AREAS if a[0].startswith("E07")]
FORCE_AREA, COUNTY = "E23000003", "E10000017"
VAP = ("homicide", "violence with injury", "violence without injury", "stalking and harassment")
VIOLENCE = ("homicide", "violence with injury", "violence without injury")
# The demo's reference formats: crime, DA incident, victim (ingestion/demo/restricted.py), survey
# respondent (ingestion/demo/survey.py), fire incident (ingestion/demo/fire.py).
REFERENCE_PATTERNS = (r"06/[0-9]{6}/[0-9]{2}", r"DA[0-9]{6}-[0-9]{5}", r"V[0-9]{7}", r"LT-[0-9]{6}",
                      r"LFRS/[0-9]{6}/[0-9]{5}")


@pytest.fixture(scope="module")
def home(e2e_home: Path) -> Path:
    return e2e_home


@pytest.fixture(scope="module")
def con(home: Path):
    connection = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    yield connection
    connection.close()


def q(con, sql: str, params=None) -> pl.DataFrame:
    return pl.from_arrow(con.execute(sql, params or []).fetch_arrow_table())


def _read(folder: Path) -> pl.DataFrame:
    """Every CSV of a landing folder as text; an empty value (quoted or not) is not recorded (null)."""
    frame = pl.concat([pl.read_csv(p, infer_schema=False).with_columns(pl.lit(p.name).alias("_file"))
                       for p in sorted(folder.glob("*.csv"))])
    return frame.with_columns(pl.all().replace("", None))


@pytest.fixture(scope="module")
def code_to_lad(home: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted((home / "landing" / "ons_lsoa_lookup").glob("*.csv")):
        df = pl.read_csv(path, infer_schema=False)
        lsoa = next(c for c in df.columns if re.fullmatch(r"LSOA\d\dCD", c))
        lad = next(c for c in df.columns if re.fullmatch(r"LAD\d\dCD", c))
        out.update(dict(zip(df[lsoa], df[lad])))
    return out


@pytest.fixture(scope="module")
def settings(home: Path) -> dict:
    with (REPO / "warehouse" / "default_settings.toml").open("rb") as fh:
        base = tomllib.load(fh)
    with (home / "settings.toml").open("rb") as fh:
        base.update(tomllib.load(fh))
    return base


@pytest.fixture(scope="module")
def crimes(home: Path, code_to_lad, settings) -> pl.DataFrame:
    """The extract's valid rows (offence code in the Home Office list), with district and flags."""
    codes = pl.read_csv(SEEDS / "home_office_offence_codes.csv", infer_schema=False)
    costs = pl.read_csv(SEEDS / "crime_unit_costs.csv", infer_schema=False).select(
        "cost_category", pl.col("unit_cost_gbp").cast(pl.Float64))
    overrides = settings["crime_costs"]["unit_cost_overrides"]
    df = _read(home / "landing" / "police_crime_extract")
    flag = lambda c: pl.col(c).str.to_uppercase() == "Y"  # noqa: E731
    centres = set(settings["night_time_economy"]["town_centre_lsoas"])
    start = pl.col("Committed From").str.strptime(pl.Datetime, "%Y-%m-%d %H:%M")
    df = (
        df.with_columns(pl.col("HO Offence Code").str.to_uppercase().str.replace(r"^0+([0-9])", "$1").alias("code"))
        .join(codes.rename({"ho_offence_code": "code"}), on="code", how="inner")
        .join(costs, on="cost_category", how="left")
        .with_columns(
            pl.col("cost_category").replace_strict(overrides, default=None, return_dtype=pl.Float64).alias("_override"))
        .with_columns(
            pl.coalesce("_override", "unit_cost_gbp").alias("cost"),
            pl.col("LSOA Code").replace_strict(code_to_lad, default=None, return_dtype=pl.Utf8).alias("lad"),
            pl.col("Recorded Date").str.to_date().dt.truncate("1mo").alias("month"),
            flag("Domestic Abuse").alias("da"),
            pl.any_horizontal([flag(c) for c in ("Hate Race", "Hate Religion", "Hate Sexual Orientation",
                                                 "Hate Transgender", "Hate Disability")]).alias("hate"),
            start.alias("start"),
        )
    )
    hour = pl.col("start").dt.hour()
    night_of = pl.when(hour < 6).then(pl.col("start").dt.date() - dt.timedelta(days=1)).otherwise(pl.col("start").dt.date())
    return df.with_columns(
        ((hour >= 20) | (hour < 6)).alias("_night"),
        night_of.dt.weekday().alias("_night_weekday"),  # Monday 1 .. Sunday 7
        pl.col("LSOA Code").is_in(list(centres)).fill_null(False).alias("_centre"),
    ).with_columns(
        (pl.col("_night") & pl.col("_night_weekday").is_in([5, 6]) & pl.col("_centre")).alias("nte"),
    )


@pytest.fixture(scope="module")
def incidents(home: Path, code_to_lad) -> pl.DataFrame:
    df = _read(home / "landing" / "police_da_incidents")
    return df.with_columns(
        pl.col("LSOA Code").replace_strict(code_to_lad, default=None, return_dtype=pl.Utf8).alias("lad"),
        pl.col("Incident Date Time").str.strptime(pl.Datetime, "%Y-%m-%d %H:%M").alias("at"),
    ).with_columns(pl.col("at").dt.date().dt.truncate("1mo").alias("month"))


def monthly(con, indicator: str) -> dict[tuple[str, dt.date], float]:
    df = q(con, "select area_code, month, value from marts.mart_indicator_monthly where indicator_id = ?", [indicator])
    assert df.height, indicator
    return {(a, m): v for a, m, v in df.iter_rows()}


def assert_counts(con, indicator: str, rows: pl.DataFrame, value: str | None = None,
                  from_month: dt.date | None = None) -> None:
    """Districts, Lancashire-12 and the force area (every row) of ``indicator`` equal ``rows`` counted
    (or ``value`` summed) by month; every other month of the grid is 0 (from ``from_month`` on, if given)."""
    got = monthly(con, indicator)
    if from_month is not None:
        got = {k: v for k, v in got.items() if k[1] >= from_month}
        rows = rows.filter(pl.col("month") >= from_month)
    agg = pl.col(value).sum() if value else pl.len()
    expected: dict[tuple[str, dt.date], float] = {}
    for lad, month, v in rows.filter(pl.col("lad").is_in(DISTRICTS)).group_by("lad", "month").agg(agg).iter_rows():
        expected[(lad, month)] = v
    for month, v in rows.filter(pl.col("lad").is_in(LANCASHIRE_12)).group_by("month").agg(agg).iter_rows():
        expected[(COUNTY, month)] = v
    for month, v in rows.group_by("month").agg(agg).iter_rows():
        expected[(FORCE_AREA, month)] = v
    areas = set(DISTRICTS) | {COUNTY, FORCE_AREA}
    for (area, month), v in got.items():
        if area in areas:
            assert v == pytest.approx(expected.get((area, month), 0)), (indicator, area, month)
    assert sum(v for (a, _), v in got.items() if a == FORCE_AREA) == pytest.approx(sum(
        v for (a, _), v in expected.items() if a == FORCE_AREA)), indicator


# --- ingestion --------------------------------------------------------------------------------

def test_restricted_files_loaded_and_bad_rows_quarantined_with_named_rules(home: Path, con, crimes) -> None:
    files = q(con, """select feed, count(*) as n, sum(rows_read) as read, sum(rows_loaded) as loaded,
                      sum(rows_quarantined) as quarantined, bool_and(status = 'loaded') as all_loaded
                      from meta.source_files where feed in ('police_crime_extract', 'police_da_incidents',
                      'marac_returns', 'population_sex_age') group by feed""")
    by_feed = {r["feed"]: r for r in files.to_dicts()}
    for feed in ("police_crime_extract", "police_da_incidents", "marac_returns", "population_sex_age"):
        assert by_feed[feed]["all_loaded"], feed
        assert by_feed[feed]["n"] == len(list((home / "landing" / feed).glob("*.csv")))
        assert by_feed[feed]["read"] == by_feed[feed]["loaded"] + by_feed[feed]["quarantined"]
    landed = _read(home / "landing" / "police_crime_extract")
    assert by_feed["police_crime_extract"]["loaded"] == crimes.height
    assert by_feed["police_crime_extract"]["quarantined"] == landed.height - crimes.height > 0
    rules = q(con, "select distinct check_name from meta.quarantine where feed = 'police_crime_extract'")
    assert rules["check_name"].to_list() == ["offence_code_known"]


# --- pseudonymisation -------------------------------------------------------------------------

def _references(home: Path) -> set[str]:
    refs: set[str] = set()
    for feed, columns in (("police_crime_extract", ("Crime Reference", "Victim Reference")),
                          ("police_da_incidents", ("Incident Reference", "Victim Reference")),
                          ("residents_survey", ("Respondent Reference",)),
                          ("fire_incidents", ("Incident Reference",))):
        df = _read(home / "landing" / feed)
        for c in columns:
            refs |= set(df[c].drop_nulls().to_list())
    return refs - {""}


def _found(text: str) -> set[str]:
    return {m for pattern in REFERENCE_PATTERNS for m in re.findall(pattern, text)}


def test_no_raw_reference_anywhere_the_run_wrote(home: Path, con) -> None:
    """Every file under the home except the landed inputs (the DuckDB file, Dagster's sqlite
    storage and logs, outputs, settings), the repo's dbt target and logs, and every column of
    every table: none holds a crime, incident, victim, fire incident or survey respondent reference
    of the input."""
    refs = _references(home)
    assert len(refs) > 1000
    landing = home / "landing"
    # positive control: the scanner finds the references where they are, of every restricted feed
    for feed in ("police_crime_extract", "police_da_incidents", "residents_survey", "fire_incidents"):
        sample = next((landing / feed).glob("*.csv")).read_text()
        assert _found(sample) & refs, feed

    scanned = 0
    roots = [home, REPO / "dbt_project" / "target", REPO / "dbt_project" / "logs"]
    for root in roots:
        for path in (p for p in root.rglob("*") if p.is_file()):
            if landing in path.parents:
                continue
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # the repository's dbt logs and target are shared with other runs
                continue
            leaked = _found(data.decode("latin-1")) & refs
            assert not leaked, (path, sorted(leaked)[:5])
            scanned += 1
    assert scanned > 10
    assert any((home / "dagster").rglob("*.db")), "the Dagster storage was scanned"

    tables = con.execute("""select table_schema, table_name, column_name from information_schema.columns
                            where table_catalog = current_database()""").fetchall()
    pattern = "|".join(REFERENCE_PATTERNS)
    for schema, table, column in tables:
        values = con.execute(
            f"""select distinct unnest(regexp_extract_all(cast("{column}" as varchar), '{pattern}'))
                from "{schema}"."{table}" """).fetchall()
        leaked = {v[0] for v in values} & refs
        assert not leaked, (schema, table, column, sorted(leaked)[:5])
    # the pseudonyms are there instead: 64 hex digits
    hashed = q(con, "select crime_reference from raw.police_crime_extract limit 5")["crime_reference"]
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashed)


# --- crime: no double counting ----------------------------------------------------------------

def test_police_uk_indicators_count_police_uk_only(home: Path, con, crimes: pl.DataFrame) -> None:
    police = _read(home / "landing" / "police_street")
    crimes_uk = police.filter(pl.col("Crime type") != "Anti-social behaviour")
    # the force area's all_crime: the rows Lancashire's force reported (comparator forces' files land
    # beside them, in fct_crime, but count in no Lancashire area)
    own_uk = crimes_uk.filter(pl.col("_file").str.ends_with("-lancashire-street.csv"))
    force_all_crime = q(con, """select sum(value) as v from marts.mart_indicator_monthly
                               where indicator_id = 'all_crime' and area_code = 'E23000003'""")["v"][0]
    assert force_all_crime == own_uk.height
    events = q(con, """select source_model, count(*) as n, count(distinct source_file || ':' || source_row) as rows
                       from marts.fct_indicator_event where indicator_id = 'all_crime' group by 1""")
    assert events.to_dicts() == [{"source_model": "fct_crime", "n": own_uk.height, "rows": own_uk.height}]
    systems = q(con, """select f.source_system, count(*) as n from marts.fct_indicator_event e
                        join marts.fct_crime f using (source_file, source_row) group by 1 order by 1""")
    extract_events = q(con, """select count(*) as n from marts.fct_indicator_event e
                               join raw.police_crime_extract r using (source_file, source_row)""")["n"][0]
    police_files = q(con, "select sha256 from meta.source_files where feed = 'police_street'")["sha256"].to_list()
    extract_files = q(con, "select sha256 from meta.source_files where feed = 'police_crime_extract'")["sha256"]
    assert not set(police_files) & set(extract_files.to_list())
    assert set(systems["source_system"]) == {"police.uk", "police_crime_extract"}
    assert extract_events > 0
    # fct_crime: one row per police.uk crime and one per valid extract crime, told apart by source_system
    counts = dict(q(con, "select source_system, count(*) from marts.fct_crime group by 1").iter_rows())
    assert counts == {"police.uk": crimes_uk.height, "police_crime_extract": crimes.height}
    # each indicator counts one system only
    mixed = q(con, """select e.indicator_id, count(distinct f.source_system) as systems
                      from marts.fct_indicator_event e join marts.fct_crime f using (source_file, source_row)
                      group by 1 having count(distinct f.source_system) > 1""")
    assert mixed.height == 0


# --- the new indicators against the files -----------------------------------------------------

def test_extract_count_indicators(con, crimes: pl.DataFrame) -> None:
    flag = lambda c: pl.col(c).str.to_uppercase() == "Y"  # noqa: E731
    violent = pl.col("offence_group").is_in(VIOLENCE)
    checks = {
        "da_crimes": pl.col("da"),
        "violence_against_the_person": pl.col("offence_group").is_in(VAP),
        "da_violent_crimes": pl.col("da") & pl.col("offence_group").is_in(VAP),
        "violence_with_injury": pl.col("offence_group") == "violence with injury",
        "nte_violence": pl.col("nte") & violent,
        "nte_violence_victims_15_25": pl.col("nte") & violent & pl.col("Victim Age Band").is_in(["15-17", "18-20",
                                                                                                 "21-25"]),
        "hate_crime": pl.col("hate"),
        "hate_crime_race": flag("Hate Race"),
        "hate_crime_religion": flag("Hate Religion"),
        "hate_crime_sexual_orientation": flag("Hate Sexual Orientation"),
        "hate_crime_transgender": flag("Hate Transgender"),
        "hate_crime_disability": flag("Hate Disability"),
        "cse_crimes": flag("Child Sexual Exploitation"),
        "cce_crimes": flag("Child Criminal Exploitation"),
        "knife_crime": flag("Knife or Sharp Instrument"),
        "ocg_crime": flag("Organised Crime Group"),
    }
    for indicator, rule in checks.items():
        rows = crimes.filter(rule)
        assert rows.height > 0, indicator
        assert_counts(con, indicator, rows)


def test_cost_of_crime_is_unit_cost_times_count_with_price_year(con, crimes: pl.DataFrame) -> None:
    # the 2015/16 unit costs uprated to the deflator seed's latest outturn year (HM Treasury GDP deflator)
    deflator = pl.read_csv(SEEDS / "gdp_deflator.csv", infer_schema=False).filter(pl.col("is_forecast") == "false")
    index = dict(zip(deflator["financial_year"], deflator["gdp_deflator_index"].cast(pl.Float64)))
    latest = max(index)
    costed = crimes.filter(pl.col("cost").is_not_null()).with_columns(  # to the pound, as int_offence_codes
        (pl.col("cost") * index[latest] / index["2015/16"] + 0.5).floor())
    assert_counts(con, "cost_of_crime", costed, value="cost")
    # unit cost x count, group by group, for the force area over the whole period
    by_group = costed.group_by("cost_category").agg(pl.len().alias("n"), pl.col("cost").first().alias("unit"))
    total = sum(n * unit for _, n, unit in by_group.iter_rows())
    got = q(con, """select sum(value) as v from marts.mart_indicator_monthly
                    where indicator_id = 'cost_of_crime' and area_code = 'E23000003'""")["v"][0]
    assert got == pytest.approx(total)
    years = q(con, """select distinct price_year from marts.mart_scorecard_quarterly
                      where indicator_id = 'cost_of_crime'""")["price_year"].to_list()
    assert years == [latest]
    assert q(con, "select distinct price_year from marts.fct_crime where unit_cost_gbp is not null")[
        "price_year"].to_list() == ["2015/16"]
    assert q(con, "select distinct uprated_price_year from marts.fct_crime where unit_cost_gbp is not null")[
        "uprated_price_year"].to_list() == [latest]


def test_da_incident_indicators(con, incidents: pl.DataFrame) -> None:
    assert_counts(con, "da_incidents", incidents)
    assert_counts(con, "da_high_risk_incidents", incidents.filter(pl.col("DASH Risk Level").str.to_lowercase() == "high"))


def test_repeat_da_victims(con, crimes: pl.DataFrame, incidents: pl.DataFrame) -> None:
    """Incidents: the force's flag; crimes: the same victim had a DA crime or incident in the 365 days before."""
    da = crimes.filter(pl.col("da"))
    contacts = pl.concat([
        da.select(pl.col("Victim Reference").alias("victim"), pl.col("start").alias("at")),
        incidents.select(pl.col("Victim Reference").alias("victim"), "at"),
    ]).filter(pl.col("victim").is_not_null())
    crime_rows = da.with_row_index("_i").filter(pl.col("Victim Reference").is_not_null())
    earlier = (
        crime_rows.select("_i", pl.col("Victim Reference").alias("victim"), pl.col("start").alias("when"))
        .join(contacts, on="victim")
        .filter((pl.col("at") < pl.col("when")) & (pl.col("at") >= pl.col("when") - dt.timedelta(days=365)))
        .get_column("_i").unique()
    )
    repeat_crimes = da.with_row_index("_i").filter(pl.col("_i").is_in(earlier.implode()))
    repeat_incidents = incidents.filter(pl.col("Repeat Victim").str.to_uppercase() == "Y")
    rows = pl.concat([repeat_crimes.select("lad", "month"), repeat_incidents.select("lad", "month")])
    assert repeat_crimes.height > 0 and repeat_incidents.height > 0
    # a repeat needs 12 months of history: the first 12 months loaded are not published, in every area
    grid = q(con, """select month, value, value_status from marts.mart_indicator_monthly
                     where indicator_id = 'da_repeat_victims'""")
    first = grid.get_column("month").min()
    complete = first.replace(year=first.year + 1)
    early = grid.filter(pl.col("month") < complete)
    assert early.height and early.get_column("value").is_null().all()
    assert set(early.get_column("value_status")) == {"incomplete_lookback"}
    assert set(grid.filter(pl.col("month") >= complete).get_column("value_status")) == {"available"}
    assert_counts(con, "da_repeat_victims", rows, from_month=complete)


def test_da_share_of_violent_crime_is_ratio_of_its_components(con, crimes: pl.DataFrame) -> None:
    vap = crimes.filter(pl.col("offence_group").is_in(VAP))
    by_month = vap.group_by("month").agg(pl.col("da").sum().alias("da"), pl.len().alias("all"))
    got = monthly(con, "da_share_of_violent_crime")
    for month, da, total in by_month.iter_rows():
        assert got[(FORCE_AREA, month)] == pytest.approx(100 * da / total)
    # the scorecard: rolling 12 months of the ratio = ratio of the rolling sums
    row = q(con, """select quarter_end_month, rolling_12m, numerator_rolling_12m, denominator_rolling_12m, rag, p_value
                    from marts.mart_scorecard_quarterly where indicator_id = 'da_share_of_violent_crime'
                    and area_code = 'E23000003' and rolling_12m is not null order by quarter_end_month desc limit 1""")
    end = row["quarter_end_month"][0]
    window = vap.filter((pl.col("month") <= end) & (pl.col("month") > _months_before(end, 12)))
    assert row["rolling_12m"][0] == pytest.approx(100 * window["da"].sum() / window.height)
    assert row["numerator_rolling_12m"][0] == window["da"].sum()
    assert row["rag"][0] is None and row["p_value"][0] is None


def _months_before(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


# --- MARAC and population groups --------------------------------------------------------------

@pytest.fixture(scope="module")
def marac(home: Path, settings) -> pl.DataFrame:
    df = _read(home / "landing" / "marac_returns")
    areas = settings["marac"]["areas"]
    start = pl.col("Quarter").str.slice(0, 4).cast(pl.Int32)
    q_no = pl.col("Quarter").str.slice(-1).cast(pl.Int32)
    # quarter end month: Q1 June, Q2 September, Q3 December of the first year; Q4 March of the second
    end = pl.date(start + (q_no == 4).cast(pl.Int32), pl.when(q_no == 4).then(3).otherwise(q_no * 3 + 3), 1)
    return df.with_columns(
        pl.col("MARAC Area").replace_strict(areas, default=None, return_dtype=pl.Utf8).alias("lad"),
        end.alias("month"),
        pl.col("Cases Discussed").cast(pl.Int64).alias("cases"),
        pl.col("Repeat Cases").cast(pl.Int64).alias("repeats"),
    )


@pytest.fixture(scope="module")
def adult_females(home: Path) -> dict[tuple[str, int], int]:
    df = pl.read_csv(next((home / "landing" / "population_sex_age").glob("*.csv")), infer_schema=False)
    grouped = (df.filter((pl.col("sex") == "2") & (pl.col("age").cast(pl.Int32) >= 16))
               .group_by("ladcode", "year").agg(pl.col("population").cast(pl.Int64).sum()))
    return {(lad, int(year)): n for lad, year, n in grouped.iter_rows()}


def test_marac_quarters_sit_on_their_last_month(con, marac: pl.DataFrame) -> None:
    assert_counts(con, "marac_cases", marac, value="cases")
    assert_counts(con, "marac_repeat_cases", marac, value="repeats")
    got = monthly(con, "marac_cases")
    # the quarter's first two months are in the grid and hold 0
    first = marac["month"].min()
    for lad in DISTRICTS:
        assert got[(lad, _months_before(first, 1))] == 0
        assert got[(lad, _months_before(first, 2))] == 0


def test_marac_rates_against_population_and_benchmark(con, marac: pl.DataFrame, adult_females) -> None:
    card = q(con, """select indicator_id, area_code, quarter_end_month, value, rolling_12m, population, population_group,
                     rate, rate_per, benchmark_low, benchmark_high, against_benchmark
                     from marts.mart_scorecard_quarterly where indicator_id in ('marac_cases', 'marac_repeat_rate')
                     and rolling_12m is not null""")
    assert card.height > 0
    for r in card.to_dicts():
        end = r["quarter_end_month"]
        window = marac.filter((pl.col("month") <= end) & (pl.col("month") > _months_before(end, 12)))
        if r["area_code"] in DISTRICTS:
            window = window.filter(pl.col("lad") == r["area_code"])
        elif r["area_code"] == COUNTY:
            window = window.filter(pl.col("lad").is_in(LANCASHIRE_12))
        elif r["area_code"] != FORCE_AREA:
            continue
        assert window.height == 4 * (1 if r["area_code"] in DISTRICTS else (12 if r["area_code"] == COUNTY else 14))
        if r["indicator_id"] == "marac_cases":
            members = ([r["area_code"]] if r["area_code"] in DISTRICTS
                       else LANCASHIRE_12 if r["area_code"] == COUNTY else DISTRICTS)
            year = max(y for (_, y) in adult_females if y <= end.year)
            females = sum(adult_females[(m, year)] for m in members)
            assert r["rolling_12m"] == window["cases"].sum()
            assert r["population_group"] == "adult females (16+)" and r["population"] == females
            assert r["rate_per"] == 10000
            assert r["rate"] == pytest.approx(10000 * window["cases"].sum() / females)
            assert (r["benchmark_low"], r["benchmark_high"]) == (40, 40)
            expected = "below" if r["rate"] < 40 else "above" if r["rate"] > 40 else "within"
            assert r["against_benchmark"] == expected
        else:
            rate = 100 * window["repeats"].sum() / window["cases"].sum()
            assert r["rolling_12m"] == pytest.approx(rate)
            expected = "below" if rate < 28 else "above" if rate > 40 else "within"
            assert r["against_benchmark"] == expected


def test_population_15_25_is_the_rate_base_of_young_victims(home: Path, con) -> None:
    df = pl.read_csv(next((home / "landing" / "population_sex_age").glob("*.csv")), infer_schema=False)
    young = (df.filter(pl.col("age").cast(pl.Int32).is_between(15, 25))
             .group_by("ladcode", "year").agg(pl.col("population").cast(pl.Int64).sum()))
    expected = {(lad, int(y)): n for lad, y, n in young.iter_rows()}
    card = q(con, """select area_code, quarter_end_month, population, population_year from marts.mart_scorecard_quarterly
                     where indicator_id = 'nte_violence_victims_15_25' and area_type in ('district', 'unitary')""")
    assert card.height > 0
    for area, _, population, year in card.iter_rows():
        assert population == expected[(area, year)]
    # all residents stays the all-ages population feed's
    all_res = q(con, """select distinct population_group from marts.mart_scorecard_quarterly
                        where indicator_id = 'all_crime'""")["population_group"].to_list()
    assert all_res == ["all residents"]
