"""ONS LSOA-to-district lookups: columns found by header pattern, vintages, IMD ranks, every row
rule, rejections, re-landing, supersession, a property test of the header parser, the raw table of
an existing warehouse gaining the IMD columns, and the real files."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingestion.registry import get

FEED = "ons_lsoa_lookup"
WARD_HEADER = ["FID", "LSOA11CD", "LSOA11NM", "WD19CD", "WD19NM", "LAD19CD", "LAD19NM"]


def ward_rows(n: int = 3, **override: str) -> list[dict[str, str]]:
    rows = [{"FID": str(i + 1), "LSOA11CD": f"E0101260{i}", "LSOA11NM": f"Preston 00{i}A", "WD19CD": "E05005230",
             "WD19NM": "Ashton", "LAD19CD": "E07000123", "LAD19NM": "Preston"} for i in range(n)]
    rows[1].update(override)
    return rows


def test_ward_lookup_loads(feed_kit, feed_csv) -> None:
    rows = ward_rows(3)
    rows.append(dict(rows[0], FID="4", WD19CD="E05005231"))  # an LSOA repeated for a second ward is normal
    result = feed_kit.load(FEED, "LSOA11_WD19_LAD19_EW_lookup.csv", feed_csv(WARD_HEADER, rows))
    assert (result.status, result.partition_key, result.rows_loaded, result.rows_quarantined) == (
        "loaded", "LSOA11_LAD19", 4, 0)
    raw = feed_kit.raw(FEED, result.sha256)
    assert raw.columns == [*get(FEED).columns, "source_file", "source_row"]
    assert raw.row(0, named=True) | {"source_file": None} == {
        "lsoa_code": "E01012600", "lsoa_name": "Preston 000A", "lsoa_vintage": 2011, "lad_code": "E07000123",
        "lad_name": "Preston", "lad_vintage": 2019, "imd_rank": None, "imd_vintage": None, "source_file": None,
        "source_row": 2}
    assert raw["lsoa_code"].to_list() == ["E01012600", "E01012601", "E01012602", "E01012600"]


@pytest.mark.parametrize("header, key, picked", [
    # lower-case names, 2021 vintages
    (["lsoa21cd", "lsoa21nm", "lad22cd", "lad22nm", "ObjectId"], "LSOA21_LAD22",
     ("lsoa21cd", "lsoa21nm", 2021, "lad22cd", "lad22nm", 2022)),
    # a best-fit lookup between LSOA vintages: the latest LSOA is taken; Welsh names are not used
    (["LSOA01CD", "LSOA01NM", "LSOA11CD", "LSOA11NM", "CHGIND", "LAD11CD", "LAD11NM", "LAD11NMW", "FID"],
     "LSOA11_LAD11", ("LSOA11CD", "LSOA11NM", 2011, "LAD11CD", "LAD11NM", 2011)),
    # two district vintages: the latest
    (["LSOA11CD", "LAD19CD", "LAD19NM", "LAD20CD", "LAD20NM"], "LSOA11_LAD20",
     ("LSOA11CD", None, 2011, "LAD20CD", "LAD20NM", 2020)),
    # LAD over LTLA over UTLA, whatever the column order
    (["UTLA21CD", "UTLA21NM", "LTLA21CD", "LTLA21NM", "LSOA21CD"], "LSOA21_LTLA21",
     ("LSOA21CD", None, 2021, "LTLA21CD", "LTLA21NM", 2021)),
    (["LSOA11CD", "UTLA19CD", "LAD19CD"], "LSOA11_LAD19", ("LSOA11CD", None, 2011, "LAD19CD", None, 2019)),
    (["LSOA11CD", "LSOA11NM", "UTLA19CD", "UTLA19NM"], "LSOA11_UTLA19",
     ("LSOA11CD", "LSOA11NM", 2011, "UTLA19CD", "UTLA19NM", 2019)),
])
def test_columns_found_by_header_pattern(feed_kit, feed_csv, header, key, picked) -> None:
    values = {h: f"{h}-value" for h in header}
    codes = {c: ("E01012345" if c.lower().startswith("lsoa") else "E07000123")
             for c in header if c.lower().endswith("cd")}
    result = feed_kit.load(FEED, "lookup.csv", feed_csv(header, [values | codes]))
    assert (result.status, result.partition_key) == ("loaded", key), result.reason
    got = feed_kit.raw(FEED, result.sha256).row(0, named=True)
    lsoa_cd, lsoa_nm, lsoa_v, lad_cd, lad_nm, lad_v = picked
    assert got["lsoa_code"] == "E01012345" and got["lad_code"] == "E07000123"
    assert got["lsoa_name"] == (f"{lsoa_nm}-value" if lsoa_nm else None)
    assert got["lad_name"] == (f"{lad_nm}-value" if lad_nm else None)
    assert (got["lsoa_vintage"], got["lad_vintage"]) == (lsoa_v, lad_v)


RULES = [
    ({"LSOA11CD": "E02000001"}, "lsoa_code_format", "lsoa_code"),  # an MSOA
    ({"LSOA11CD": "E0101260"}, "lsoa_code_format", "lsoa_code"),
    ({"LSOA11CD": "Preston 001A"}, "lsoa_code_format", "lsoa_code"),
    ({"LSOA11CD": "E01\u0660\u0661\u0662\u0663\u0664\u0665"}, "lsoa_code_format", "lsoa_code"),  # not ASCII
    ({"LSOA11CD": "S01006506"}, "lsoa_in_england_or_wales", "lsoa_code"),  # a Scottish data zone
    ({"LSOA11CD": "N21000001"}, "lsoa_in_england_or_wales", "lsoa_code"),
    ({"LSOA11CD": ""}, "required", "lsoa_code"),
    ({"LAD19CD": "E0700012"}, "lad_code_format", "lad_code"),
    ({"LAD19CD": "Preston"}, "lad_code_format", "lad_code"),
    ({"LAD19CD": ""}, "required", "lad_code"),
    ({"IMD19": "n/a"}, "imd_rank_positive_integer", "imd_rank"),
    ({"IMD19": "0"}, "imd_rank_positive_integer", "imd_rank"),
    ({"IMD19": "-12"}, "imd_rank_positive_integer", "imd_rank"),
    ({"IMD19": "123.5"}, "imd_rank_positive_integer", "imd_rank"),
    ({"IMD19": "1,234"}, "imd_rank_positive_integer", "imd_rank"),  # ONS writes ranks without separators
    ({"IMD19": "99999999999"}, "value_in_type_range", "imd_rank"),  # whole, but beyond an INTEGER
]


@pytest.mark.parametrize("bad, check, column", RULES, ids=[f"{r[1]}-{list(r[0].values())[0]}" for r in RULES])
def test_row_rule_quarantines_only_the_failing_row(feed_kit, feed_csv, bad, check, column) -> None:
    header = [*WARD_HEADER, "IMD19"] if "IMD19" in bad else WARD_HEADER
    result = feed_kit.load(FEED, "lookup.csv", feed_csv(header, ward_rows(3, **bad)))
    assert result.status == "loaded"
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    quarantined = feed_kit.quarantine(result.sha256)
    assert set(quarantined["source_row"]) == {3}
    assert list(zip(quarantined["check_name"], quarantined["column_name"])) == [(check, column)]
    assert feed_kit.raw(FEED, result.sha256)["source_row"].to_list() == [2, 4]
    assert feed_kit.balanced(FEED)


def test_welsh_lsoas_load(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, "lookup.csv", feed_csv(WARD_HEADER, ward_rows(
        3, LSOA11CD="W01000091", LSOA11NM="Conwy 001A", LAD19CD="W06000003", LAD19NM="Conwy")))
    assert result.rows_quarantined == 0
    assert "W01000091" in feed_kit.raw(FEED, result.sha256)["lsoa_code"].to_list()


# --- IMD ranks -------------------------------------------------------------------------------
IMD_HEADER = ["LSOA11CD", "LSOA11NM", "LAD19CD", "LAD19NM", "IMD19", "FID"]  # the ONS IMD 2019 lookup's


def imd_rows(*ranks: str, first: int = 0) -> list[list[str]]:
    return [[f"E0101260{first + i}", f"Preston 00{first + i}A", "E07000123", "Preston", rank, str(i + 1)]
            for i, rank in enumerate(ranks)]


def test_imd_ranks_are_kept(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, "IMD_Dec2019_LSOA11_LAD19_lookup.csv",
                           feed_csv(IMD_HEADER, imd_rows("1", "32844", "")))
    assert (result.status, result.partition_key, result.scope, result.rows_quarantined) == (
        "loaded", "LSOA11_LAD19", "E+IMD19", 0)
    raw = feed_kit.raw(FEED, result.sha256)
    assert raw.select("imd_rank", "imd_vintage").rows() == [(1, 2019), (32844, 2019), (None, None)]
    assert dict(raw.schema)["imd_rank"] == pl.Int32


def test_the_latest_imd_edition_is_taken_and_other_imd_columns_ignored(feed_parse, feed_csv) -> None:
    header = ["LSOA11CD", "LAD19CD", "imd15", "Imd19", "IMD19_decile", "IMDRank"]
    prepared, failures = feed_parse(FEED, feed_csv(header, [["E01012600", "E07000123", "x", "17", "1", "y"]]))
    assert failures.is_empty() and prepared.scope == "E+IMD19"
    raw = get(FEED).to_raw(prepared.frame.drop("_lsoa_districts"))
    assert raw.select("imd_rank", "imd_vintage").rows() == [(17, 2019)]


def test_a_lookup_without_ranks_does_not_supersede_the_imd_ranks(feed_kit, feed_csv) -> None:
    """The IMD edition is part of the scope: a plain lookup of the same vintages and coverage is another
    scope, while a later IMD lookup of the same edition replaces the earlier."""
    imd = feed_kit.load(FEED, "imd_v1.csv", feed_csv(IMD_HEADER, imd_rows("5", "6", "7")))
    plain = feed_kit.load(FEED, "plain.csv", feed_csv(IMD_HEADER[:4], [r[:4] for r in imd_rows("", "", "")]))
    assert (imd.scope, plain.scope) == ("E+IMD19", "E")
    assert feed_kit.status(imd.sha256) == ("loaded", None)
    again = feed_kit.load(FEED, "imd_v2.csv", feed_csv(IMD_HEADER, imd_rows("8", "9", "10")))
    assert again.superseded == [imd.sha256] and feed_kit.status(plain.sha256) == ("loaded", None)
    assert feed_kit.balanced(FEED)


def test_an_existing_warehouse_gains_the_imd_columns(tmp_path, feed_csv) -> None:
    """A warehouse made before the IMD columns: ensure_schema adds them (null for the rows already
    loaded), runs again harmlessly, and an IMD lookup then loads into the old table."""
    import duckdb

    from ingestion import registry
    from ingestion.loader import ingest_feed
    from warehouse.database import ensure_schema

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    before = {c: t for c, t in get(FEED).columns.items() if not c.startswith("imd_")}
    ensure_schema(con, {get(FEED).raw_table: before})
    con.execute("insert into raw.ons_lsoa_lookup values "
                "('E01012600', 'Preston 000A', 2011, 'E07000123', 'Preston', 2019, 'an-old-file', 2)")
    for _ in range(2):
        ensure_schema(con, {f.raw_table: f.columns for f in registry.feeds().values()})
    types = dict(con.execute("select column_name, data_type from information_schema.columns "
                             "where table_schema = 'raw' and table_name = 'ons_lsoa_lookup'").fetchall())
    assert {c: types[c] for c in ("imd_rank", "imd_vintage")} == {"imd_rank": "INTEGER", "imd_vintage": "INTEGER"}
    assert len(types) == len(get(FEED).columns) + 2  # each column once, provenance included
    folder = tmp_path / "landing"
    folder.mkdir()
    (folder / "imd.csv").write_text(feed_csv(IMD_HEADER, imd_rows("42", first=1)))
    [result] = ingest_feed(con, registry.get(FEED), folder, "run")
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    assert con.execute("select lsoa_code, imd_rank, imd_vintage from raw.ons_lsoa_lookup order by source_row, "
                       "source_file").fetchall() == [("E01012600", None, None), ("E01012601", 42, 2019)]
    con.close()


@pytest.mark.parametrize("header, reason", [
    (["LAD17CD", "LAD17NM", "CSP17CD", "CSP17NM", "PFA17CD", "PFA17NM", "FID"],
     "not an LSOA-to-district lookup: no LSOAxxCD column"),
    (["LSOA11CD", "LSOA11NM", "MSOA11CD", "MSOA11NM"],
     "not an LSOA-to-district lookup: no LADxxCD, LTLAxxCD or UTLAxxCD column"),
    (["LSOA_CODE", "LAD_CODE"], "not an LSOA-to-district lookup: no LSOAxxCD column"),
])
def test_not_a_lookup_is_rejected(feed_kit, feed_csv, header, reason) -> None:
    result = feed_kit.load(FEED, "other.csv", feed_csv(header, [["E06000001"] * len(header)]))
    assert result.status == "rejected" and result.reason.startswith(reason)
    assert "found: " + header[0] in result.reason


def test_a_file_from_another_feed_is_named(feed_kit, feed_csv) -> None:
    header = ["collision_index", "collision_year", "vehicle_reference", "casualty_reference", "casualty_severity",
              "lsoa_of_casualty"]
    result = feed_kit.load(FEED, "casualties.csv", feed_csv(header, [["2024130000001", "2024", "1", "1", "3",
                                                                      "E01012345"]]))
    assert result.status == "rejected"
    assert "no LSOAxxCD column" in result.reason
    assert "(the header is a stats19_casualty file's: land it in landing/stats19_casualty/)" in result.reason


@pytest.mark.parametrize("name, content, reason", [
    ("empty.csv", b"", "empty file"),
    ("lookup.xlsx", b"PK\x03\x04 spreadsheet", "not a CSV"),
    ("lookup.csv", b"\xd0\xcf\x11\xe0 old excel", "not a CSV: the file is an old Excel"),
    ("lookup.csv", b"LSOA11CD,LAD19CD\n", "header but no data rows"),
])
def test_unreadable_files_are_rejected(feed_kit, name, content, reason) -> None:
    result = feed_kit.load(FEED, name, content)
    assert result.status == "rejected" and reason in result.reason


def test_relanding_the_same_file_changes_nothing(feed_kit, feed_csv) -> None:
    text = feed_csv(WARD_HEADER, ward_rows(3))
    feed_kit.write(FEED, "LSOA11_WD19_LAD19.csv", text)
    assert [r.status for r in feed_kit.ingest_all(FEED)] == ["loaded"]
    assert feed_kit.ingest_all(FEED) == []
    assert feed_kit.load(FEED, "again.csv", text).status == "unchanged"
    assert feed_kit.raw(FEED).height == 3


def test_a_newer_file_of_the_same_vintages_supersedes(feed_kit, feed_csv) -> None:
    old = feed_kit.load(FEED, "v1.csv", feed_csv(WARD_HEADER, ward_rows(3)))
    other = feed_kit.load(FEED, "lsoa21.csv", feed_csv(["LSOA21CD", "LAD22CD"], [["E01035000", "E07000123"]]))
    new = feed_kit.load(FEED, "v2.csv", feed_csv(WARD_HEADER, ward_rows(2)))
    assert new.superseded == [old.sha256]
    assert feed_kit.status(old.sha256) == ("superseded", new.sha256)
    assert feed_kit.status(other.sha256) == ("loaded", None)  # another vintage pair is untouched
    staged = feed_kit.staged(FEED)
    assert set(staged["source_file"]) == {new.sha256, other.sha256} and staged.height == 3
    assert feed_kit.balanced(FEED)


# --- an LSOA mapped to two districts in one lookup file -----------------------------------------
def test_an_lsoa_mapped_to_two_districts_quarantines_all_its_rows(feed_kit, feed_csv) -> None:
    """No row of the file can say which district is right: neither wins, both are quarantined."""
    rows = ward_rows(3)
    rows.append(dict(rows[0], FID="4", WD19CD="E05005231"))  # the same LSOA, the same district: normal
    rows.append(dict(rows[1], FID="5", WD19CD="E05005150", LAD19CD="E07000117", LAD19NM="Burnley"))
    result = feed_kit.load(FEED, "LSOA11_WD19_LAD19_EW_lookup.csv", feed_csv(WARD_HEADER, rows))
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == ("loaded", 5, 3, 2)
    quarantined = feed_kit.quarantine(result.sha256)
    assert quarantined.select("source_row", "check_name", "column_name", "failure_case").rows() == [
        (3, "lsoa_maps_to_one_district", "lsoa_code", "E07000117, E07000123"),
        (6, "lsoa_maps_to_one_district", "lsoa_code", "E07000117, E07000123"),
    ]
    assert all('"LSOA11CD":"E01012601"' in r for r in quarantined["raw_record"])
    raw = feed_kit.raw(FEED, result.sha256)
    assert raw["lsoa_code"].to_list() == ["E01012600", "E01012602", "E01012600"]
    assert "_lsoa_districts" not in raw.columns
    assert feed_kit.balanced(FEED)


def test_three_districts_are_all_named(feed_parse, feed_csv) -> None:
    rows = [["E01012345", "E07000123"], ["E01012345", "E07000117"], ["E01012345", "E07000123"],
            ["E01012345", "E06000009"], ["E01012346", "E07000123"]]
    _, failures = feed_parse(FEED, feed_csv(["LSOA21CD", "LAD22CD"], rows))
    assert failures.select("_row", "check_name", "failure_case").rows() == [
        (i, "lsoa_maps_to_one_district", "E06000009, E07000117, E07000123") for i in range(4)]


def test_a_malformed_district_code_is_not_a_second_district(feed_parse, feed_csv) -> None:
    rows = [["E01012345", "E07000123"], ["E01012345", "Preston"], ["", "E07000117"], ["", "E07000123"]]
    _, failures = feed_parse(FEED, feed_csv(["LSOA21CD", "LAD22CD"], rows))
    assert failures.select("_row", "check_name", "column_name").rows() == [
        (1, "lad_code_format", "lad_code"), (2, "required", "lsoa_code"), (3, "required", "lsoa_code")]


def test_the_same_lsoa_in_another_vintage_file_is_not_a_conflict(feed_kit, feed_csv) -> None:
    """The rule is within one file (one vintage): districts are re-coded between vintages."""
    a = feed_kit.load(FEED, "lad19.csv", feed_csv(["LSOA11CD", "LAD19CD"], [["E01012345", "E07000123"]]))
    b = feed_kit.load(FEED, "lad23.csv", feed_csv(["LSOA11CD", "LAD23CD"], [["E01012345", "E07000117"]]))
    assert (a.rows_quarantined, b.rows_quarantined) == (0, 0)


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["E01000001", "E01000002", "W01000003", ""]),
                               st.sampled_from(["E07000117", "E07000123", "W06000001", "E0700012", ""])),
                     min_size=1, max_size=12))
def test_lsoa_maps_to_one_district_property(feed_parse, feed_csv, rows) -> None:
    """Exactly the rows of an LSOA given two or more well-formed district codes break the rule."""
    districts: dict[str, set[str]] = {}
    for lsoa, lad in rows:
        if lsoa and len(lad) == 9:
            districts.setdefault(lsoa, set()).add(lad)
    expected = [(i, ", ".join(sorted(districts[lsoa]))) for i, (lsoa, _) in enumerate(rows)
                if lsoa and len(districts.get(lsoa, ())) > 1]
    _, failures = feed_parse(FEED, feed_csv(["LSOA11CD", "LAD19CD"], rows))
    got = failures.filter(failures["check_name"] == "lsoa_maps_to_one_district")
    assert got.select("_row", "failure_case").rows() == expected
    assert set(got["column_name"]) <= {"lsoa_code"}


# --- property: header names in any case and order give the same reading -----------------------
@settings(max_examples=100, deadline=None)
@given(
    lsoa_yy=st.sampled_from(["01", "11", "21"]),
    lad_kind=st.sampled_from(["LAD", "LTLA", "UTLA"]),
    lad_yy=st.integers(11, 24).map(str),
    case=st.sampled_from([str.upper, str.lower, str.title]),
    extra=st.lists(st.sampled_from(["FID", "ObjectId", "WD19CD", "CCG20CDH", "IMD19_score", "GlobalID"]),
                   unique=True),
    imd_yy=st.none() | st.sampled_from(["10", "15", "19", "25"]),
    order=st.randoms(use_true_random=False),
    codes=st.lists(st.tuples(st.from_regex(r"\A[EW]01[0-9]{6}\Z"), st.from_regex(r"\A[EW]0[6-9][0-9]{6}\Z"),
                             st.integers(1, 33755)),
                   min_size=1, max_size=5, unique_by=lambda code: code[0]),  # one district per LSOA
)
def test_header_parsing_property(feed_parse, feed_csv, lsoa_yy, lad_kind, lad_yy, case, extra, imd_yy, order,
                                 codes) -> None:
    named = {"lsoa_code": f"LSOA{lsoa_yy}CD", "lsoa_name": f"LSOA{lsoa_yy}NM", "lad_code": f"{lad_kind}{lad_yy}CD",
             "lad_name": f"{lad_kind}{lad_yy}NM"}
    if imd_yy:
        named["imd_rank"] = f"IMD{imd_yy}"
    header = [case(h) for h in [*named.values(), *extra]]
    order.shuffle(header)
    rows = [{**{case(named["lsoa_code"]): lsoa, case(named["lsoa_name"]): f"name {lsoa}",
                case(named["lad_code"]): lad, case(named["lad_name"]): f"name {lad}"},
             **({case(named["imd_rank"]): str(rank)} if imd_yy else {}),
             **{case(e): "x" for e in extra}} for lsoa, lad, rank in codes]
    prepared, failures = feed_parse(FEED, feed_csv(header, rows))
    assert failures.is_empty()
    assert prepared.partition_key == f"LSOA{lsoa_yy}_{lad_kind}{lad_yy}"
    assert prepared.scope.endswith(f"+IMD{imd_yy}" if imd_yy else tuple("EW"))
    raw = get(FEED).to_raw(prepared.frame.drop("_lsoa_districts"))  # the loader drops helper columns
    assert raw.to_dicts() == [
        {"lsoa_code": lsoa, "lsoa_name": f"name {lsoa}", "lsoa_vintage": 2000 + int(lsoa_yy), "lad_code": lad,
         "lad_name": f"name {lad}", "lad_vintage": 2000 + int(lad_yy), "imd_rank": rank if imd_yy else None,
         "imd_vintage": 2000 + int(imd_yy) if imd_yy else None} for lsoa, lad, rank in codes]


# --- the real ONS files ------------------------------------------------------------------------
@pytest.mark.real_data
@pytest.mark.parametrize("name, key, rows, welsh", [
    ("LSOA11_WD19_LAD19_EW_lookup__jtrim-ons_csv_135.csv", "LSOA11_LAD19", 34753, True),
    ("IMD_Dec2019_LSOA11_LAD19_lookup_England__jtrim-ons_csv_004.csv", "LSOA11_LAD19", 32844, False),
    ("LSOA11_CCG20_LAD20_England_lookup__jtrim-ons_csv_219.csv", "LSOA11_LAD20", 32844, False),
    ("LSOA01_LSOA11_LAD11_EW_lookup__jtrim-ons_csv_220.csv", "LSOA11_LAD11", 34917, True),
])
def test_real_lookups_load_cleanly(feed_kit, feed_real_data, name, key, rows, welsh) -> None:
    result = feed_kit.ingest(FEED, feed_real_data / "ons_geography" / name)
    assert (result.status, result.partition_key) == ("loaded", key), result.reason
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (rows, rows, 0)
    raw = feed_kit.raw(FEED, result.sha256)
    assert raw["lsoa_vintage"].unique().to_list() == [2011]
    assert raw["lsoa_name"].null_count() == 0 and raw["lad_name"].null_count() == 0
    assert raw["lsoa_code"].str.starts_with("W").any() == welsh
    assert raw.filter(raw["lsoa_code"] == "E01025300")["lad_code"].unique().len() <= 1
    assert raw["imd_rank"].is_null().all() == (not name.startswith("IMD"))


@pytest.mark.real_data
def test_real_imd_lookup_keeps_every_rank(feed_kit, feed_real_data) -> None:
    """IMD 2019 ranks England's 32,844 LSOAs from 1 (most deprived) to 32,844; the published file has
    26 tied ranks (10748 twice: Kensington and Chelsea 015A and Canterbury 011C), kept as published."""
    result = feed_kit.ingest(FEED, feed_real_data / "ons_geography" /
                             "IMD_Dec2019_LSOA11_LAD19_lookup_England__jtrim-ons_csv_004.csv")
    assert (result.status, result.scope, result.rows_quarantined) == ("loaded", "E+IMD19", 0)
    raw = feed_kit.raw(FEED, result.sha256)
    assert raw["imd_vintage"].unique().to_list() == [2019]
    ranks = raw["imd_rank"]
    assert (ranks.null_count(), ranks.min(), ranks.max(), ranks.n_unique()) == (0, 1, 32844, 32818)
    assert raw.filter(raw["lsoa_code"] == "E01000001")["imd_rank"].to_list() == [29199]  # City of London 001A


@pytest.mark.real_data
@pytest.mark.parametrize("name", ["LAD17_CSP17_PFA17_EW_lookup_v2__jtrim-ons_csv_214.csv",
                                  "LAD20_names_codes_UK__jtrim-ons_csv_276.csv",
                                  "PFA19_names_codes_UK__jtrim-ons_csv_244.csv"])
def test_real_files_without_lsoas_are_rejected(feed_kit, feed_real_data, name) -> None:
    result = feed_kit.ingest(FEED, feed_real_data / "ons_geography" / name)
    assert result.status == "rejected"
    assert result.reason.startswith("not an LSOA-to-district lookup: no LSOAxxCD column (found: ")


def test_lookups_of_one_vintage_with_different_coverage_both_stay_loaded(tmp_path):
    """An England-only and an England-and-Wales lookup of the same vintage complement each other."""
    import duckdb

    from ingestion import registry
    from ingestion.loader import ingest_feed

    folder = tmp_path / "landing"
    folder.mkdir()
    (folder / "a_england.csv").write_text(
        "LSOA11CD,LSOA11NM,LAD19CD,LAD19NM\nE01012607,Blackburn with Darwen 001A,E06000008,Blackburn with Darwen\n")
    (folder / "b_wales.csv").write_text(
        "LSOA11CD,LSOA11NM,LAD19CD,LAD19NM\nE01012607,Blackburn with Darwen 001A,E06000008,Blackburn with Darwen\n"
        "W01000001,Isle of Anglesey 001A,W06000001,Isle of Anglesey\n")
    (folder / "c_england_again.csv").write_text(
        "LSOA11CD,LSOA11NM,LAD19CD,LAD19NM\nE01012608,Blackburn with Darwen 001B,E06000008,Blackburn with Darwen\n")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ingest_feed(con, registry.get("ons_lsoa_lookup"), folder, "run")
    status = dict(con.execute("select file_name, status from meta.source_files").fetchall())
    assert status == {"a_england.csv": "superseded", "b_wales.csv": "loaded", "c_england_again.csv": "loaded"}
    scopes = dict(con.execute("select file_name, scope from meta.source_files").fetchall())
    assert scopes == {"a_england.csv": "E", "b_wales.csv": "EW", "c_england_again.csv": "E"}
