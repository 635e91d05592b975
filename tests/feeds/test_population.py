"""ONS mid-year population estimates: long, single-year and district layouts (including wide
Mid-YYYY), every row rule, rejections, re-landing, supersession, property tests and the real files."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingestion.feeds.population import file_year
from ingestion.registry import get

FEED = "population"
BOM = "\ufeff"


def lsoa_rows(n: int = 3, year: str | None = "2020") -> list[dict[str, str]]:
    rows = [{"LSOA Code": f"E0101260{i}", "Population": f"{1400 + i}"} for i in range(n)]
    return [r | {"Year": year} for r in rows] if year else rows


def test_long_format_loads(feed_kit, feed_csv) -> None:
    rows = lsoa_rows(2, "2014") + lsoa_rows(2, "2015")
    result = feed_kit.load(FEED, "lancashire_lsoa_population_2014_2015.csv",
                           feed_csv(["Year", "LSOA Code", "Population"], rows))
    assert (result.status, result.partition_key, result.rows_loaded, result.rows_quarantined) == (
        "loaded", "2014..2015", 4, 0)
    raw = feed_kit.raw(FEED, result.sha256)
    assert raw.columns == [*get(FEED).columns, "source_file", "source_row"]
    assert raw.drop("source_file").to_dicts()[0] == {
        "year": 2014, "area_code": "E01012600", "area_name": None, "geography": "lsoa", "sex": "all",
        "age_band": "all", "population": 1400, "source_row": 2}
    assert raw["year"].to_list() == [2014, 2014, 2015, 2015]


def test_single_year_lsoa_file_takes_the_year_from_its_name(feed_kit, feed_csv) -> None:
    text = BOM + feed_csv(["LSOA Code", "Population"], [["E01011949", "1,944"], ["W01001324", "2,106"],
                                                         ["E01011950", "998"]])
    result = feed_kit.load(FEED, "lsoa_population_EW_mid2020.csv", text)
    assert (result.status, result.partition_key, result.rows_loaded) == ("loaded", "2020", 3)
    raw = feed_kit.raw(FEED, result.sha256)
    assert raw["population"].to_list() == [1944, 2106, 998]
    assert raw["year"].to_list() == [2020] * 3 and raw["geography"].to_list() == ["lsoa"] * 3
    assert raw["area_code"].to_list() == ["E01011949", "W01001324", "E01011950"]


@pytest.mark.parametrize("name, year", [
    ("lsoa_population_mid2020.csv", 2020), ("lsoa_population_mid-2019.csv", 2019),
    ("LSOA_pop_Mid_2018_v2.csv", 2018), ("pop_2021_lsoa.csv", 2021), ("sape23dt2-mid-2017.csv", 2017),
    ("lsoa_population_EW.csv", None), ("lsoa11_population.csv", None), ("extract_120210.csv", None),
])
def test_year_in_file_name(name, year) -> None:
    assert file_year(name) == year


def test_single_year_file_without_a_year_in_its_name_is_rejected(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, "lsoa_population_EW.csv", feed_csv(["LSOA Code", "Population"], lsoa_rows(2, None)))
    assert result.status == "rejected"
    assert result.reason.startswith(
        "cannot tell the mid-year: put it in the file name, e.g. lsoa_population_mid2020.csv")


@pytest.mark.parametrize("header, name", [
    (["Code", "Name", "Geography", "All ages"], "mye_districts_mid2021.csv"),
    (["LAD code", "LAD name", "Population"], "district_population_2021.csv"),
    (["ladcode", "laname", "population"], "lad_pop_2021.csv"),
    (["LAD21CD", "LAD21NM", "All Ages"], "pop_mid-2021.csv"),
    (["area_code", "area_name", "population"], "areas_2021.csv"),
    (["Year", "Code", "Geography", "All ages"], "districts.csv"),  # Geography is the name when there is no Name
])
def test_district_files(feed_kit, feed_csv, header, name) -> None:
    values = {"Year": "2021", "Code": "E07000123", "LAD code": "E07000123", "ladcode": "E07000123",
              "LAD21CD": "E07000123", "area_code": "E07000123", "Name": "Preston", "LAD name": "Preston",
              "laname": "Preston", "LAD21NM": "Preston", "area_name": "Preston", "Geography": "Preston",
              "All ages": "148,785", "Population": "148785", "population": "148785", "All Ages": "148,785"}
    if "Name" in header:
        values["Geography"] = "Non-metropolitan District"
    result = feed_kit.load(FEED, name, feed_csv(header, [{h: values[h] for h in header}]))
    assert (result.status, result.partition_key) == ("loaded", "2021"), result.reason
    got = feed_kit.raw(FEED, result.sha256).row(0, named=True)
    assert (got["year"], got["area_code"], got["geography"], got["population"]) == (2021, "E07000123", "lad", 148785)
    assert got["area_name"] == "Preston"


WIDE_HEADER = ["Code", "Name", "Geography", "Mid-2022", "Mid-2023", "Mid-2024"]
WIDE_ROWS = [
    ["E07000117", "Burnley", "Non-metropolitan District", "95,000", "95,600", "96,100"],
    ["E06000008", "Blackburn with Darwen", "Unitary Authority", "155,000", "", "156,200"],  # a year not given
    ["E10000017", "Lancashire", "County", "1,235,000", "1,240,000", "1,246,000"],
]


def test_wide_mid_year_columns_are_unpivoted(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, "district_population_mid2022_mid2024.csv", feed_csv(WIDE_HEADER, WIDE_ROWS))
    assert (result.status, result.partition_key, result.rows_read, result.rows_quarantined) == (
        "loaded", "2022..2024", 3, 0)
    raw = feed_kit.raw(FEED, result.sha256)
    assert raw.select("source_row", "year", "area_code", "area_name", "population").rows() == [
        (2, 2022, "E07000117", "Burnley", 95000), (2, 2023, "E07000117", "Burnley", 95600),
        (2, 2024, "E07000117", "Burnley", 96100),
        (3, 2022, "E06000008", "Blackburn with Darwen", 155000),
        (3, 2024, "E06000008", "Blackburn with Darwen", 156200),
        (4, 2022, "E10000017", "Lancashire", 1235000), (4, 2023, "E10000017", "Lancashire", 1240000),
        (4, 2024, "E10000017", "Lancashire", 1246000),
    ]
    assert set(raw["geography"]) == {"lad"} and set(raw["sex"]) == {"all"} and set(raw["age_band"]) == {"all"}


def test_wide_file_rows_balance(feed_kit, feed_csv) -> None:
    """rows_loaded counts file rows (3), not the raw rows they became (8)."""
    result = feed_kit.load(FEED, "district_population_mid2022_mid2024.csv", feed_csv(WIDE_HEADER, WIDE_ROWS))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 3, 0)
    assert feed_kit.balanced(FEED)


def test_wide_row_rules(feed_kit, feed_csv) -> None:
    rows = [r[:] for r in WIDE_ROWS]
    rows[0][4] = "95.600"  # a bad figure in one year quarantines the row, all its years
    rows[1][3:] = ["", "", ""]  # no figure at all
    result = feed_kit.load(FEED, "district_population_mid2022_mid2024.csv", feed_csv(WIDE_HEADER, rows))
    assert (result.rows_read, result.rows_quarantined) == (3, 2)
    quarantined = feed_kit.quarantine(result.sha256)
    assert quarantined.select("source_row", "check_name", "column_name").rows() == [
        (2, "population_integer", "population_2023"), (3, "required", "population")]
    assert set(feed_kit.raw(FEED, result.sha256)["source_row"]) == {4}


def test_wide_years_outside_the_range_are_rejected(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, "old.csv", feed_csv(["Code", "Mid-1971", "Mid-1981"], [["E07000117", "1", "2"]]))
    assert result.status == "rejected" and result.reason == "mid-year columns outside 1981..2100: Mid-1971"


RULES = [
    ({"LSOA Code": "S01006506"}, "area_code_format", "area_code"),
    ({"LSOA Code": "K02000001"}, "area_code_format", "area_code"),
    ({"LSOA Code": "E0101260"}, "area_code_format", "area_code"),
    ({"LSOA Code": ""}, "required", "area_code"),
    ({"Population": "1,94,4"}, "population_integer", "population"),
    ({"Population": "-5"}, "population_integer", "population"),
    ({"Population": "12.5"}, "population_integer", "population"),
    ({"Population": "1 944"}, "population_integer", "population"),
    ({"Population": "n/a"}, "population_integer", "population"),
    ({"Population": "\u0661\u0669\u0664\u0664"}, "population_integer", "population"),  # non-ASCII digits
    ({"LSOA Code": "E01\u0660\u0661\u0662\u0666\u0660\u0661"}, "area_code_format", "area_code"),
    ({"Population": ""}, "required", "population"),
    ({"Year": "1970"}, "year_in_range", "year"),
    ({"Year": "2101"}, "year_in_range", "year"),
    ({"Year": "20x0"}, "year_in_range", "year"),
    ({"Year": "\u0662\u0660\u0662\u0660"}, "year_in_range", "year"),
    ({"Year": ""}, "required", "year"),
]


@pytest.mark.parametrize("bad, check, column", RULES, ids=[f"{r[1]}-{list(r[0].values())[0]}" for r in RULES])
def test_row_rule_quarantines_only_the_failing_row(feed_kit, feed_csv, bad, check, column) -> None:
    rows = lsoa_rows(3)
    rows[1].update(bad)
    result = feed_kit.load(FEED, "lsoa_population.csv", feed_csv(["Year", "LSOA Code", "Population"], rows))
    assert result.status == "loaded"
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    quarantined = feed_kit.quarantine(result.sha256)
    assert list(zip(quarantined["source_row"], quarantined["check_name"], quarantined["column_name"])) == [
        (3, check, column)]
    assert feed_kit.raw(FEED, result.sha256)["source_row"].to_list() == [2, 4]
    assert feed_kit.balanced(FEED)


@pytest.mark.parametrize("header, reason", [
    (["Area", "Population"], "no area code column: expected LSOA Code, Code, LAD code, ladcode, LADxxCD or area_code"),
    (["LSOA Code", "Males", "Females"], "no population column: expected Population or All ages, or Mid-YYYY columns"),
])
def test_missing_columns_are_rejected(feed_kit, feed_csv, header, reason) -> None:
    result = feed_kit.load(FEED, "pop_2020.csv", feed_csv(header, [["E01012600", "1", "2"][:len(header)]]))
    assert result.status == "rejected" and result.reason.startswith(reason)
    assert f"(found: {', '.join(header)})" in result.reason


def test_a_police_file_is_named(feed_kit, feed_csv) -> None:
    header = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code",
              "LSOA name", "Crime type", "Last outcome category", "Context"]
    text = feed_csv(header, [["", "2024-01", "X", "X", "-2.5", "53.7", "On or near X", "E01012345", "Preston 001A",
                              "Anti-social behaviour", "", ""]])
    result = feed_kit.load(FEED, "2024-01-lancashire-street.csv", text)
    assert result.status == "rejected" and result.reason.startswith("no population column")
    assert result.reason.endswith("(the header is a police_street file's: land it in landing/police_street/)")


@pytest.mark.parametrize("name, content, reason", [
    ("pop_2020.csv", b"", "empty file"),
    ("pop_2020.xlsx", b"PK\x03\x04 spreadsheet", "not a CSV"),
    ("pop_2020.csv", b"%PDF-1.7 report", "not a CSV: the file is a PDF"),
    ("pop_2020.csv", "LSOA Code,Population\r\n".encode(), "header but no data rows"),
])
def test_unreadable_files_are_rejected(feed_kit, name, content, reason) -> None:
    result = feed_kit.load(FEED, name, content)
    assert result.status == "rejected" and reason in result.reason


def test_relanding_the_same_file_changes_nothing(feed_kit, feed_csv) -> None:
    text = feed_csv(["Year", "LSOA Code", "Population"], lsoa_rows(3))
    feed_kit.write(FEED, "lsoa_population_2020.csv", text)
    assert [r.status for r in feed_kit.ingest_all(FEED)] == ["loaded"]
    assert feed_kit.ingest_all(FEED) == []
    assert feed_kit.load(FEED, "renamed_2020.csv", text).status == "unchanged"
    assert feed_kit.raw(FEED).height == 3


def test_a_revised_year_supersedes(feed_kit, feed_csv) -> None:
    old = feed_kit.load(FEED, "lsoa_population_mid2020.csv", feed_csv(["LSOA Code", "Population"], lsoa_rows(3, None)))
    span = feed_kit.load(FEED, "lsoa_population_2019_2020.csv",
                         feed_csv(["Year", "LSOA Code", "Population"], lsoa_rows(2, "2019") + lsoa_rows(2, "2020")))
    revised = [r | {"Population": "1,500"} for r in lsoa_rows(3, None)]
    new = feed_kit.load(FEED, "lsoa_population_mid2020_revised.csv", feed_csv(["LSOA Code", "Population"], revised))
    assert old.partition_key == new.partition_key == "2020" and span.partition_key == "2019..2020"
    assert new.superseded == [old.sha256]
    assert feed_kit.status(old.sha256) == ("superseded", new.sha256)
    assert feed_kit.status(span.sha256) == ("loaded", None)
    staged = feed_kit.staged(FEED)
    assert set(staged["source_file"]) == {new.sha256, span.sha256}
    assert staged.filter(staged["source_file"] == new.sha256)["population"].to_list() == [1500] * 3


# --- properties ---------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 10**12), min_size=1, max_size=8), st.booleans())
def test_thousands_separators_parse_to_the_same_integer(feed_parse, feed_csv, populations, separated) -> None:
    rows = [[f"E01{i:06d}", f"{p:,}" if separated else str(p)] for i, p in enumerate(populations)]
    prepared, failures = feed_parse(FEED, feed_csv(["LSOA Code", "Population"], rows), "lsoa_pop_mid2021.csv")
    assert failures.is_empty()
    assert get(FEED).to_raw(prepared.frame)["population"].to_list() == populations


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1981, 2100), min_size=1, max_size=5, unique=True),
       st.lists(st.integers(0, 10**7), min_size=5, max_size=5), st.sampled_from(["Mid-{}", "mid {}", "MID_{}"]))
def test_wide_files_give_one_row_per_area_and_year(feed_parse, feed_csv, years, pops, style) -> None:
    header = ["ladcode", *[style.format(y) for y in years]]
    rows = [["E07000117", *[f"{pops[i]:,}" for i in range(len(years))]],
            ["W06000003", *[str(pops[-1 - i]) for i in range(len(years))]]]
    prepared, failures = feed_parse(FEED, feed_csv(header, rows), "districts.csv")
    assert failures.is_empty()
    assert prepared.partition_key == (str(min(years)) if len(years) == 1 else f"{min(years)}..{max(years)}")
    raw = get(FEED).to_raw(prepared.frame)
    expected = sorted([("E07000117", y, pops[i]) for i, y in enumerate(years)]) + \
        sorted([("W06000003", y, pops[-1 - i]) for i, y in enumerate(years)])
    assert raw.select("area_code", "year", "population").rows() == expected


@settings(max_examples=100, deadline=None)
@given(st.integers(1981, 2099), st.sampled_from(["mid{}", "mid-{}", "Mid_{}", "MID {}", "{}"]),
       st.from_regex(r"\A[a-z_]{0,12}\Z"), st.from_regex(r"\A[a-z_]{0,12}\Z"))
def test_file_name_year_property(year, style, prefix, suffix) -> None:
    assert file_year(f"{prefix}{'_' if prefix else ''}{style.format(year)}_{suffix}.csv") == year


# --- the real files ------------------------------------------------------------------------------
@pytest.mark.real_data
def test_real_long_file_loads(feed_kit, feed_real_data) -> None:
    result = feed_kit.ingest(FEED, feed_real_data / "population" / "lancashire_lsoa_population_2014_2020__rares-cr.csv")
    assert (result.status, result.partition_key) == ("loaded", "2014..2020"), result.reason
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6587, 6587, 0)
    raw = feed_kit.raw(FEED, result.sha256)
    assert sorted(raw["year"].unique().to_list()) == list(range(2014, 2021))
    assert set(raw["geography"]) == {"lsoa"}
    assert feed_kit.balanced(FEED)


@pytest.mark.real_data
def test_real_single_year_file_needs_a_year_in_its_name(feed_kit, feed_real_data, tmp_path) -> None:
    source = feed_real_data / "population" / "lsoa_population_EW__rares-cr.csv"
    rejected = feed_kit.ingest(FEED, source)
    assert rejected.status == "rejected"
    assert rejected.reason.startswith(
        "cannot tell the mid-year: put it in the file name, e.g. lsoa_population_mid2020.csv")
    # Renamed, it loads. (A fresh warehouse: the loader remembers the rejected bytes by hash.)
    renamed = tmp_path / "renamed" / "lsoa_population_EW_mid2020.csv"
    renamed.parent.mkdir()
    shutil.copyfile(source, renamed)
    feed_kit.con.execute("delete from meta.source_files")
    result = feed_kit.ingest(FEED, renamed)
    assert (result.status, result.partition_key) == ("loaded", "2020"), result.reason
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (34753, 34753, 0)
    raw = feed_kit.raw(FEED, result.sha256)
    assert raw["area_code"].n_unique() == 34753 and raw["population"].min() > 0
    assert raw.filter(raw["area_code"] == "E01011949")["population"].to_list() == [1944]
    assert raw["area_code"].str.starts_with("W01").sum() > 1000
