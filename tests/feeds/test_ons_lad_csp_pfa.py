"""ONS district -> Community Safety Partnership -> police force area lookups: columns found by header
pattern, vintages, every row rule, rejections, re-landing, supersession, property tests of the
header parser and of the one-CSP rule, and the three real files."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingestion.registry import get

FEED = "ons_lad_csp_pfa"
HEADER = ["FID", "LAD19CD", "LAD19NM", "CSP19CD", "CSP19NM", "PFA19CD", "PFA19NM"]
LANCASHIRE_CSPS = {"E06000008": "E22000150", "E06000009": "E22000151",
                   **{f"E07000{117 + i}": f"E22000{152 + i}" for i in range(12)}}


def rows(n: int = 3, **override: str) -> list[dict[str, str]]:
    """Preston, Burnley, Chorley... in Lancashire's force area; ``override`` changes the second row."""
    lads = sorted(LANCASHIRE_CSPS)[:n]
    out = [{"FID": str(i + 1), "LAD19CD": lad, "LAD19NM": f"District {lad}", "CSP19CD": LANCASHIRE_CSPS[lad],
            "CSP19NM": f"CSP {lad}", "PFA19CD": "E23000003", "PFA19NM": "Lancashire"} for i, lad in enumerate(lads)]
    out[1].update(override)
    return out


def test_lookup_loads(feed_kit, feed_csv) -> None:
    data = rows(3)
    data.append(dict(data[0], FID="4"))  # a district repeated with the same CSP and force area is no conflict
    result = feed_kit.load(FEED, "LAD19_CSP19_PFA19_EW_lookup.csv", feed_csv(HEADER, data))
    assert (result.status, result.partition_key, result.scope, result.rows_loaded, result.rows_quarantined) == (
        "loaded", "LAD19_CSP19_PFA19", "E", 4, 0)
    raw = feed_kit.raw(FEED, result.sha256)
    assert raw.columns == [*get(FEED).columns, "source_file", "source_row"]
    assert raw.row(0, named=True) | {"source_file": None} == {
        "lad_code": "E06000008", "lad_name": "District E06000008", "lad_vintage": 2019, "csp_code": "E22000150",
        "csp_name": "CSP E06000008", "csp_vintage": 2019, "pfa_code": "E23000003", "pfa_name": "Lancashire",
        "pfa_vintage": 2019, "source_file": None, "source_row": 2}
    assert not {"_lad_csps", "_lad_pfas"} & set(raw.columns)
    assert feed_kit.balanced(FEED)


@pytest.mark.parametrize("header, key, names", [
    # lower case, names absent, codes in another order (as the LAD18 file has them: FID last)
    (["pfa23cd", "lad23cd", "csp23cd", "ObjectId"], "LAD23_CSP23_PFA23", (None, None, None)),
    # the real LAD19 layout: FID first
    (HEADER, "LAD19_CSP19_PFA19", ("LAD19NM", "CSP19NM", "PFA19NM")),
    # mixed vintages in one file: each code's own vintage; Welsh names are not used
    (["LAD20CD", "LAD20NM", "LAD20NMW", "CSP19CD", "CSP19NM", "PFA20CD", "PFA20NM"], "LAD20_CSP19_PFA20",
     ("LAD20NM", "CSP19NM", "PFA20NM")),
    # two vintages of a code: the latest, with its own name
    (["LAD19CD", "LAD19NM", "LAD21CD", "LAD21NM", "CSP21CD", "PFA21CD"], "LAD21_CSP21_PFA21",
     ("LAD21NM", None, None)),
])
def test_columns_found_by_header_pattern(feed_kit, feed_csv, header, key, names) -> None:
    codes = {"lad": "E07000123", "csp": "E22000158", "pfa": "E23000003"}
    row = {h: (codes[h[:3].lower()] if h.lower().endswith("cd") else f"{h}-value") for h in header}
    result = feed_kit.load(FEED, "lookup.csv", feed_csv(header, [row]))
    assert (result.status, result.partition_key) == ("loaded", key), result.reason
    got = feed_kit.raw(FEED, result.sha256).row(0, named=True)
    assert (got["lad_code"], got["csp_code"], got["pfa_code"]) == tuple(codes.values())
    assert (got["lad_name"], got["csp_name"], got["pfa_name"]) == tuple(f"{n}-value" if n else None for n in names)
    assert (got["lad_vintage"], got["csp_vintage"], got["pfa_vintage"]) == tuple(
        2000 + int(part[3:]) for part in key.split("_"))


RULES = [
    ({"LAD19CD": "E0700012"}, "lad_code_format", "lad_code"),
    ({"LAD19CD": "Preston"}, "lad_code_format", "lad_code"),
    ({"LAD19CD": ""}, "required", "lad_code"),
    ({"CSP19CD": "E2200015"}, "csp_code_format", "csp_code"),
    ({"CSP19CD": "W22000001"}, "csp_code_format", "csp_code"),  # Welsh CSPs are W14
    ({"CSP19CD": "E23000003"}, "csp_code_format", "csp_code"),  # a force area given as the CSP
    ({"CSP19CD": ""}, "required", "csp_code"),
    ({"PFA19CD": "E2300003"}, "pfa_code_format", "pfa_code"),
    ({"PFA19CD": "S23000009"}, "pfa_code_format", "pfa_code"),  # Scotland has no force area of ours
    ({"PFA19CD": "E22000150"}, "pfa_code_format", "pfa_code"),
    ({"PFA19CD": ""}, "required", "pfa_code"),
]


@pytest.mark.parametrize("bad, check, column", RULES, ids=[f"{r[1]}-{list(r[0].values())[0]}" for r in RULES])
def test_row_rule_quarantines_only_the_failing_row(feed_kit, feed_csv, bad, check, column) -> None:
    result = feed_kit.load(FEED, "lookup.csv", feed_csv(HEADER, rows(3, **bad)))
    assert result.status == "loaded"
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    quarantined = feed_kit.quarantine(result.sha256)
    assert list(zip(quarantined["source_row"], quarantined["check_name"], quarantined["column_name"])) == [
        (3, check, column)]
    assert feed_kit.raw(FEED, result.sha256)["source_row"].to_list() == [2, 4]
    assert feed_kit.balanced(FEED)


def test_welsh_codes_load(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, "lookup.csv", feed_csv(HEADER, rows(
        3, LAD19CD="W06000003", LAD19NM="Conwy", CSP19CD="W14000003", CSP19NM="Conwy", PFA19CD="W15000001",
        PFA19NM="North Wales")))
    assert (result.rows_quarantined, result.scope) == (0, "EW")
    assert "W15000001" in feed_kit.raw(FEED, result.sha256)["pfa_code"].to_list()


@pytest.mark.parametrize("header, reason", [
    (["LSOA11CD", "LSOA11NM", "LAD19CD", "LAD19NM", "IMD19", "FID"],
     "not a LAD-to-CSP-to-PFA lookup: no CSPxxCD or PFAxxCD column"),
    (["FID", "PFA19CD", "PFA19NM"], "not a LAD-to-CSP-to-PFA lookup: no LADxxCD or CSPxxCD column"),
    (["LAD19CD", "LAD19NM", "CSP19CD", "CSP19NM"], "not a LAD-to-CSP-to-PFA lookup: no PFAxxCD column"),
    (["LAD_CODE", "CSP_CODE", "PFA_CODE"], "not a LAD-to-CSP-to-PFA lookup: no LADxxCD, CSPxxCD or PFAxxCD column"),
])
def test_not_a_lookup_is_rejected(feed_kit, feed_csv, header, reason) -> None:
    result = feed_kit.load(FEED, "other.csv", feed_csv(header, [["E06000001"] * len(header)]))
    assert result.status == "rejected" and result.reason.startswith(reason), result.reason
    assert "found: " + header[0] in result.reason


def test_a_file_from_another_feed_is_named(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, "LSOA11_LAD19.csv", feed_csv(["LSOA11CD", "LSOA11NM", "LAD19CD", "LAD19NM"],
                                                             [["E01012345", "Preston 001A", "E07000123", "Preston"]]))
    assert result.status == "rejected"
    assert "no CSPxxCD or PFAxxCD column" in result.reason
    assert "(the header is a ons_lsoa_lookup file's: land it in landing/ons_lsoa_lookup/)" in result.reason


@pytest.mark.parametrize("name, content, reason", [
    ("empty.csv", b"", "empty file"),
    ("lookup.xlsx", b"PK\x03\x04 spreadsheet", "not a CSV"),
    ("lookup.csv", b"LAD19CD,CSP19CD,PFA19CD\n", "header but no data rows"),
])
def test_unreadable_files_are_rejected(feed_kit, name, content, reason) -> None:
    result = feed_kit.load(FEED, name, content)
    assert result.status == "rejected" and reason in result.reason


def test_relanding_the_same_file_changes_nothing(feed_kit, feed_csv) -> None:
    text = feed_csv(HEADER, rows(3))
    feed_kit.write(FEED, "LAD19_CSP19_PFA19.csv", text)
    assert [r.status for r in feed_kit.ingest_all(FEED)] == ["loaded"]
    assert feed_kit.ingest_all(FEED) == []
    assert feed_kit.load(FEED, "again.csv", text).status == "unchanged"
    assert feed_kit.raw(FEED).height == 3


def test_a_newer_file_of_the_same_vintages_and_coverage_supersedes(feed_kit, feed_csv) -> None:
    old = feed_kit.load(FEED, "v1.csv", feed_csv(HEADER, rows(3)))
    other = feed_kit.load(FEED, "lad23.csv", feed_csv(["LAD23CD", "CSP23CD", "PFA23CD"],
                                                      [["E07000123", "E22000158", "E23000003"]]))
    wales = feed_kit.load(FEED, "wales.csv", feed_csv(["LAD19CD", "CSP19CD", "PFA19CD"],
                                                      [["W06000003", "W14000003", "W15000001"]]))
    new = feed_kit.load(FEED, "v2.csv", feed_csv(HEADER, rows(2)))
    assert (old.scope, wales.scope, new.scope) == ("E", "W", "E")
    assert new.superseded == [old.sha256]
    assert feed_kit.status(old.sha256) == ("superseded", new.sha256)
    assert feed_kit.status(other.sha256) == ("loaded", None)  # another vintage is untouched
    assert feed_kit.status(wales.sha256) == ("loaded", None)  # another coverage of the same vintage too
    staged = feed_kit.staged(FEED)
    assert set(staged["source_file"]) == {new.sha256, other.sha256, wales.sha256} and staged.height == 4
    assert feed_kit.balanced(FEED)


# --- a district given two CSPs or two force areas in one lookup file ----------------------------
def test_a_district_in_two_csps_quarantines_all_its_rows(feed_kit, feed_csv) -> None:
    """No row of the file can say which CSP is right: neither wins, both are quarantined."""
    data = rows(3)
    data.append(dict(data[1], FID="4", CSP19CD="E22000999", CSP19NM="Another"))
    result = feed_kit.load(FEED, "LAD19_CSP19_PFA19.csv", feed_csv(HEADER, data))
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == ("loaded", 4, 2, 2)
    quarantined = feed_kit.quarantine(result.sha256)
    assert quarantined.select("source_row", "check_name", "column_name", "failure_case").rows() == [
        (3, "lad_maps_to_one_csp", "lad_code", "E22000151, E22000999"),
        (5, "lad_maps_to_one_csp", "lad_code", "E22000151, E22000999"),
    ]
    assert all('"LAD19CD":"E06000009"' in r for r in quarantined["raw_record"])
    assert feed_kit.raw(FEED, result.sha256)["lad_code"].to_list() == ["E06000008", "E07000117"]
    assert feed_kit.balanced(FEED)


def test_a_district_in_two_force_areas_quarantines_all_its_rows(feed_parse, feed_csv) -> None:
    data = rows(3)
    data.append(dict(data[2], FID="4", PFA19CD="E23000005", PFA19NM="Greater Manchester"))
    data.append(dict(data[2], FID="5", CSP19CD="E22000999", PFA19CD="E23000004"))  # and a second CSP
    _, failures = feed_parse(FEED, feed_csv(HEADER, data))
    csps, pfas = "E22000152, E22000999", "E23000003, E23000004, E23000005"
    assert failures.select("_row", "check_name", "failure_case").sort("_row", "check_name").rows() == [
        (row, check, case) for row in (2, 3, 4)
        for check, case in (("lad_maps_to_one_csp", csps), ("lad_maps_to_one_pfa", pfas))]


def test_a_malformed_code_is_not_a_second_csp(feed_parse, feed_csv) -> None:
    data = [["E07000123", "E22000158", "E23000003"], ["E07000123", "E2200015", "E23000003"],
            ["Preston", "E22000158", "E23000003"], ["Preston", "E22000999", "E23000003"]]
    _, failures = feed_parse(FEED, feed_csv(["LAD19CD", "CSP19CD", "PFA19CD"], data))
    assert failures.select("_row", "check_name", "column_name").sort("_row").rows() == [
        (1, "csp_code_format", "csp_code"), (2, "lad_code_format", "lad_code"), (3, "lad_code_format", "lad_code")]


@settings(max_examples=100, deadline=None)
@given(data=st.lists(st.tuples(st.sampled_from(["E07000117", "E07000123", "W06000003", ""]),
                               st.sampled_from(["E22000152", "E22000158", "W14000003", "E2200015", ""])),
                     min_size=1, max_size=12))
def test_lad_maps_to_one_csp_property(feed_parse, feed_csv, data) -> None:
    """Exactly the rows of a district given two or more well-formed CSP codes break the rule."""
    csps: dict[str, set[str]] = {}
    for lad, csp in data:
        if lad and len(csp) == 9:
            csps.setdefault(lad, set()).add(csp)
    expected = [(i, ", ".join(sorted(csps[lad]))) for i, (lad, _) in enumerate(data)
                if lad and len(csps.get(lad, ())) > 1]
    _, failures = feed_parse(FEED, feed_csv(["LAD19CD", "CSP19CD", "PFA19CD"],
                                            [[lad, csp, "E23000003"] for lad, csp in data]))
    got = failures.filter(failures["check_name"] == "lad_maps_to_one_csp")
    assert got.select("_row", "failure_case").rows() == expected
    assert set(got["column_name"]) <= {"lad_code"}


# --- property: header names in any case and order give the same reading -----------------------
@settings(max_examples=100, deadline=None)
@given(
    yy=st.integers(11, 30).map(str),
    case=st.sampled_from([str.upper, str.lower, str.title]),
    names=st.booleans(),
    extra=st.lists(st.sampled_from(["FID", "ObjectId", "LAD19NMW", "GlobalID", "CSP19NMW"]), unique=True),
    order=st.randoms(use_true_random=False),
    codes=st.lists(st.tuples(st.from_regex(r"\A(E0[6-9]|W06)[0-9]{6}\Z"), st.from_regex(r"\A(E22|W14)[0-9]{6}\Z"),
                             st.from_regex(r"\A(E23|W15)[0-9]{6}\Z")),
                   min_size=1, max_size=5, unique_by=lambda code: code[0]),  # one CSP and force per district
)
def test_header_parsing_property(feed_parse, feed_csv, yy, case, names, extra, order, codes) -> None:
    kinds = ("LAD", "CSP", "PFA")
    code_cols = {k: f"{k}{yy}CD" for k in kinds}
    name_cols = {k: f"{k}{yy}NM" for k in kinds} if names else {}
    header = [case(h) for h in [*code_cols.values(), *name_cols.values(), *extra]]
    order.shuffle(header)
    rows_ = [{**{case(code_cols[k]): v for k, v in zip(kinds, values)},
              **{case(name_cols[k]): f"name {v}" for k, v in zip(kinds, values) if names},
              **{case(e): "x" for e in extra}} for values in codes]
    prepared, failures = feed_parse(FEED, feed_csv(header, rows_))
    assert failures.is_empty()
    assert prepared.partition_key == f"LAD{yy}_CSP{yy}_PFA{yy}"
    assert prepared.scope == "".join(sorted({lad[0] for lad, _, _ in codes}))
    raw = get(FEED).to_raw(prepared.frame.drop("_lad_csps", "_lad_pfas"))  # the loader drops helper columns
    vintage = 2000 + int(yy)
    assert raw.to_dicts() == [
        {"lad_code": lad, "lad_name": f"name {lad}" if names else None, "lad_vintage": vintage,
         "csp_code": csp, "csp_name": f"name {csp}" if names else None, "csp_vintage": vintage,
         "pfa_code": pfa, "pfa_name": f"name {pfa}" if names else None, "pfa_vintage": vintage}
        for lad, csp, pfa in codes]


# --- the real ONS files ------------------------------------------------------------------------
REAL_LOOKUPS = [
    ("LAD17_CSP17_PFA17_EW_lookup_v2__jtrim-ons_csv_214.csv", "LAD17_CSP17_PFA17", 348, 0),
    ("LAD18_CSP18_PFA18_EW_lookup__jtrim-ons_csv_190.csv", "LAD18_CSP18_PFA18", 348, 0),
    # East Suffolk (two CSPs) and Bournemouth, Christchurch and Poole (three): new 2019 districts
    # whose CSPs had not merged; the file cannot place them in one CSP, so their 5 rows are quarantined
    ("LAD19_CSP19_PFA19_EW_lookup__jtrim-ons_csv_194.csv", "LAD19_CSP19_PFA19", 342, 5),
]


@pytest.mark.real_data
@pytest.mark.parametrize("name, key, rows_read, quarantined", REAL_LOOKUPS)
def test_real_lookups_load(feed_kit, feed_real_data, name, key, rows_read, quarantined) -> None:
    result = feed_kit.ingest(FEED, feed_real_data / "ons_geography" / name)
    assert (result.status, result.partition_key, result.scope) == ("loaded", key, "EW"), result.reason
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        rows_read, rows_read - quarantined, quarantined)
    raw = feed_kit.raw(FEED, result.sha256)
    vintage = 2000 + int(key[3:5])
    assert raw.select("lad_vintage", "csp_vintage", "pfa_vintage").unique().rows() == [(vintage,) * 3]
    assert raw.null_count().sum_horizontal().item() == 0  # every code and name present
    assert raw["lad_code"].is_unique().all()
    # Lancashire: its 14 districts and unitaries, each its own CSP (E22000150..E22000163), force area E23000003
    lancashire = raw.filter(raw["pfa_code"] == "E23000003")
    assert dict(zip(lancashire["lad_code"], lancashire["csp_code"])) == LANCASHIRE_CSPS
    assert set(lancashire["pfa_name"]) == {"Lancashire"}
    # Wales: W06 districts in W14 CSPs and W15 force areas; the 4 Welsh and 39 English force areas
    welsh = raw.filter(raw["lad_code"].str.starts_with("W"))
    assert welsh.height == 22 and welsh["csp_code"].str.starts_with("W14").all()
    assert set(welsh["pfa_code"]) == {"W15000001", "W15000002", "W15000003", "W15000004"}
    assert raw["pfa_code"].n_unique() == 43


@pytest.mark.real_data
def test_real_lad19_quarantine_names_the_csps(feed_kit, feed_real_data) -> None:
    result = feed_kit.ingest(FEED, feed_real_data / "ons_geography" / REAL_LOOKUPS[2][0])
    quarantined = feed_kit.quarantine(result.sha256)
    assert set(quarantined["check_name"]) == {"lad_maps_to_one_csp"}
    assert sorted(set(quarantined["failure_case"])) == ["E22000063, E22000067, E22000367", "E22000274, E22000278"]
    assert feed_kit.balanced(FEED)


@pytest.mark.real_data
@pytest.mark.parametrize("name, missing", [
    ("PFA19_names_codes_UK__jtrim-ons_csv_244.csv", "no LADxxCD or CSPxxCD column"),
    ("CSP19_names_codes_EW__jtrim-ons_csv_267.csv", "no LADxxCD or PFAxxCD column"),
    ("LAD19_CTY19_England_lookup__jtrim-ons_csv_025.csv", "no CSPxxCD or PFAxxCD column"),
    ("IMD_Dec2019_LSOA11_LAD19_lookup_England__jtrim-ons_csv_004.csv", "no CSPxxCD or PFAxxCD column"),
])
def test_real_files_of_other_kinds_are_rejected(feed_kit, feed_real_data, name, missing) -> None:
    result = feed_kit.ingest(FEED, feed_real_data / "ons_geography" / name)
    assert result.status == "rejected"
    assert result.reason.startswith(f"not a LAD-to-CSP-to-PFA lookup: {missing} (found: "), result.reason
