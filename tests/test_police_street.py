"""police_street end to end through the real loader: quirks load, row rules quarantine exactly the
bad row, files that are not police street files are rejected with a reason, and the accounting
balances. Files are written the way data.police.uk publishes them (see tests/conftest.py).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from ingestion import loader, registry
from ingestion.feeds import police_street
from ingestion.landing import discover
from ingestion.registry import Feed
from schemas.police_street import SCHEMA
from warehouse.accounting import row_accounting

FEED = police_street.FEED

# The current DfT casualty header (as in ../shared/real-data/stats19/west_yorkshire_2024/casualties.csv).
CASUALTY_HEADER = (
    "collision_index,collision_year,collision_ref_no,vehicle_reference,casualty_reference,casualty_class,"
    "sex_of_casualty,age_of_casualty,age_band_of_casualty,casualty_severity,pedestrian_location,"
    "pedestrian_movement,car_passenger,bus_or_coach_passenger,pedestrian_road_maintenance_worker,casualty_type,"
    "casualty_imd_decile,lsoa_of_casualty,enhanced_casualty_severity,casualty_injury_based,"
    "casualty_adjusted_severity_serious,casualty_adjusted_severity_slight,casualty_distance_banding"
)
CASUALTY_ROW = "2024131453448,2024,131453448,1,2,2,2,35,6,2,0,0,1,0,0,9,4,E01011447,7,1,1.0,0.0,1"
POLICE_HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]
HEADER_OF = {police_street.HEADER[h.lower()]: h for h in POLICE_HEADER}  # canonical column -> header
OUTCOMES_HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
                   "LSOA code", "LSOA name", "Outcome type"]

# Rule names of the schema, keyed by both the check's name and its description (the message).
_RULES = {
    key: check.name
    for column in SCHEMA.columns.values()
    for check in column.checks
    for key in (check.name, check.description)
    if key
}


def rule(check_name: str) -> str:
    """The rule a quarantine row is about (whether the loader stored its name or its message)."""
    return _RULES.get(check_name, check_name)


def sha(path_or_bytes: Path | bytes) -> str:
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    return hashlib.sha256(data).hexdigest()


def as_read(row: dict[str, str]) -> dict[str, str | None]:
    """A written row as the loader reads it: every value text, empty means missing."""
    return {k: (v.strip() or None) for k, v in row.items()}


def xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
    return buf.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# The published quirks are normal data
# ---------------------------------------------------------------------------------------------


def test_quirks_load_as_normal_data(police_db, police_landing):
    pl_ = police_landing
    repeated = pl_.row(crime_id="c" * 64, crime_type="Shoplifting")
    rows = [
        pl_.row(crime_id="", crime_type="Anti-social behaviour", last_outcome_category=""),  # line 2: ASB
        pl_.row(longitude="", latitude="", location="No Location", lsoa_code="", lsoa_name=""),  # 3: no location
        repeated,  # 4
        pl_.row(crime_id="c" * 64, crime_type="Vehicle crime"),  # 5: same Crime ID, another crime
        pl_.row(crime_id="d" * 64),  # 6
        pl_.row(crime_id="d" * 64),  # 7: fully identical to line 6
        pl_.row(lsoa_code="E01000001", lsoa_name="City of London 001A", longitude="-0.097", latitude="51.52"),  # 8
        pl_.row(lsoa_code="W01000001", lsoa_name="Isle of Anglesey 001A", longitude="-4.35", latitude="53.3"),  # 9
    ]
    rows[5] = dict(rows[4])
    path = pl_.write(rows)

    [result] = pl_.load(police_db)

    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == ("loaded", 8, 8, 0)
    assert pl_.quarantine(police_db) == []
    raw = pl_.raw(police_db)
    assert [r["source_row"] for r in raw] == list(range(2, 10))
    assert {r["source_file"] for r in raw} == {sha(path)}
    by_line = {r["source_row"]: r for r in raw}
    asb = by_line[2]
    assert asb["crime_id"] is None and asb["last_outcome_category"] is None
    assert asb["crime_type"] == "Anti-social behaviour"
    no_location = by_line[3]
    assert no_location["location"] == "No Location"
    assert [no_location[c] for c in ("longitude", "latitude", "lsoa_code", "lsoa_name")] == [None] * 4
    assert by_line[4]["crime_id"] == by_line[5]["crime_id"] == "c" * 64
    assert {by_line[4]["crime_type"], by_line[5]["crime_type"]} == {"Shoplifting", "Vehicle crime"}
    identical = [{k: v for k, v in by_line[n].items() if k != "source_row"} for n in (6, 7)]
    assert identical[0] == identical[1]
    assert by_line[8]["lsoa_code"] == "E01000001"
    assert by_line[9]["lsoa_code"] == "W01000001" and by_line[9]["longitude"] == pytest.approx(-4.35)
    assert {r["month"] for r in raw} == {dt.date(2024, 1, 1)}
    assert {r["force"] for r in raw} == {"lancashire"}
    assert by_line[4]["latitude"] == pytest.approx(53.767257)


# ---------------------------------------------------------------------------------------------
# Row rules: exactly the bad row is quarantined, with its rule, column and raw values
# ---------------------------------------------------------------------------------------------

RULE_CASES = [
    # id, overrides of the bad row, expected rules, expected column
    ("month_other_month", {"month": "2024-02"}, {"month_matches_file_name"}, "month"),
    ("month_format_short", {"month": "2024-1"}, {"month_format", "month_matches_file_name"}, "month"),
    ("month_format_words", {"month": "January 2024"}, {"month_format", "month_matches_file_name"}, "month"),
    ("lsoa_short", {"lsoa_code": "E0101260"}, {"lsoa_code_format"}, "lsoa_code"),
    ("lsoa_lower_case", {"lsoa_code": "e01012607"}, {"lsoa_code_format"}, "lsoa_code"),
    ("lsoa_msoa", {"lsoa_code": "E02001234"}, {"lsoa_code_format"}, "lsoa_code"),
    ("lsoa_scottish", {"lsoa_code": "S01006506"}, {"lsoa_code_format"}, "lsoa_code"),
    ("coords_outside_gb", {"longitude": "10"}, {"coordinates_in_great_britain"}, "longitude"),
    ("coords_south_of_gb", {"latitude": "48.5"}, {"coordinates_in_great_britain"}, "longitude"),
    ("coords_longitude_only", {"latitude": ""}, {"coordinates_in_great_britain"}, "longitude"),
    ("coords_latitude_only", {"longitude": ""}, {"coordinates_in_great_britain"}, "longitude"),
    ("coords_unparseable", {"longitude": "abc"}, {"coordinates_in_great_britain"}, "longitude"),
    ("coords_nan", {"latitude": "nan"}, {"coordinates_in_great_britain"}, "longitude"),
    ("crime_type_unknown", {"crime_type": "Murder"}, {"crime_type_known"}, "crime_type"),
    ("crime_type_wrong_case", {"crime_type": "burglary"}, {"crime_type_known"}, "crime_type"),
    ("required_crime_type", {"crime_type": ""}, {"required"}, "crime_type"),
    # An empty Month fails only the presence rule (not also the file-name comparison).
    ("required_month", {"month": ""}, {"required"}, "month"),
]


@pytest.mark.parametrize(("overrides", "rules", "column"), [c[1:] for c in RULE_CASES], ids=[c[0] for c in RULE_CASES])
def test_row_rule_quarantines_exactly_the_bad_row(police_db, police_landing, overrides, rules, column):
    pl_ = police_landing
    good_before, bad, good_after = pl_.row(), pl_.row(**overrides), pl_.row()
    path = pl_.write([good_before, bad, good_after])

    [result] = pl_.load(police_db)

    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == ("loaded", 3, 2, 1)
    quarantined = pl_.quarantine(police_db)
    assert {q["source_row"] for q in quarantined} == {3}  # the header is line 1
    assert {rule(q["check_name"]) for q in quarantined} == rules
    assert {q["column_name"] for q in quarantined} == {column}
    for q in quarantined:
        assert q["feed"] == "police_street"
        assert q["source_file"] == sha(path)
        assert q["file_name"] == path.name
        assert q["raw"] == as_read(bad)
        assert q["failure_case"] == as_read(bad)[HEADER_OF[column]]
    raw = pl_.raw(police_db)
    assert [r["source_row"] for r in raw] == [2, 4]
    assert [r["crime_id"] for r in raw] == [good_before["Crime ID"], good_after["Crime ID"]]


def test_quarantine_check_name_is_the_rule_name(police_db, police_landing):
    """meta.quarantine.check_name must be the rule's name (month_format, ...), not its message."""
    pl_ = police_landing
    pl_.write([pl_.row(month="2024-02"), pl_.row(lsoa_code="X"), pl_.row(longitude="10"),
               pl_.row(crime_type="Murder"), pl_.row(crime_type=""), pl_.row(month="2024-1")])
    pl_.load(police_db)
    names = {q["check_name"] for q in pl_.quarantine(police_db)}
    assert names == {"month_matches_file_name", "lsoa_code_format", "coordinates_in_great_britain",
                     "crime_type_known", "required", "month_format"}


def test_empty_month_fails_only_the_required_rule(police_db, police_landing):
    pl_ = police_landing
    pl_.write([pl_.row(month="")])
    pl_.load(police_db)
    assert [rule(q["check_name"]) for q in pl_.quarantine(police_db)] == ["required"]


def test_lsoa_code_with_non_ascii_digits_is_quarantined(police_db, police_landing):
    pl_ = police_landing
    pl_.write([pl_.row(lsoa_code="E01\u0661\u0662\u0663\u0664\u0665\u0666"), pl_.row()])
    pl_.load(police_db)
    assert [(q["source_row"], rule(q["check_name"])) for q in pl_.quarantine(police_db)] == [(2, "lsoa_code_format")]


def test_source_row_is_the_line_number_after_a_multi_line_value(police_db, police_landing):
    pl_ = police_landing
    pl_.write([pl_.row(location="On or near\nHigh Street"), pl_.row(crime_type="Murder")])
    pl_.load(police_db)
    # line 1 header, lines 2-3 the first record, line 4 the bad one
    assert [q["source_row"] for q in pl_.quarantine(police_db)] == [4]


def test_source_row_counts_lines_from_the_header(police_db, police_landing):
    pl_ = police_landing
    rows = [pl_.row() for _ in range(5)]
    rows[3] = pl_.row(crime_type="Murder")
    pl_.write(rows)
    pl_.load(police_db)
    assert [r["source_row"] for r in pl_.raw(police_db)] == [2, 3, 4, 6]
    assert [q["source_row"] for q in pl_.quarantine(police_db)] == [5]


# ---------------------------------------------------------------------------------------------
# Row accounting
# ---------------------------------------------------------------------------------------------


def test_row_accounting_balances_and_detects_a_lost_row(police_db, police_landing):
    pl_ = police_landing
    pl_.write([pl_.row(), pl_.row(month="2024-02"), pl_.row(crime_type=""), pl_.row(lsoa_code="E01"),
               pl_.row(month="", crime_type="")])
    pl_.write([pl_.row(month="2024-02") for _ in range(4)] + [pl_.row(month="2024-02", longitude="99")],
              month="2024-02")
    results = pl_.load(police_db)

    assert [(r.rows_read, r.rows_loaded, r.rows_quarantined) for r in results] == [(5, 1, 4), (5, 4, 1)]
    files = pl_.source_files(police_db)
    for record in files.values():
        assert record["status"] == "loaded"
        assert record["rows_read"] == record["rows_loaded"] + record["rows_quarantined"]
        loaded = police_db.execute("select count(*) from raw.police_street where source_file = ?",
                                   [record["sha256"]]).fetchone()[0]
        quarantined = police_db.execute("select count(distinct source_row) from meta.quarantine where source_file = ?",
                                        [record["sha256"]]).fetchone()[0]
        assert (loaded, quarantined) == (record["rows_loaded"], record["rows_quarantined"])
    report = row_accounting(police_db, FEED)
    assert report.balanced, report.describe()
    assert (report.files, report.rows_read, report.rows_loaded, report.rows_quarantined) == (2, 10, 5, 5)

    police_db.execute("delete from raw.police_street where source_row = 3")  # a row goes missing
    broken = row_accounting(police_db, FEED)
    assert not broken.balanced
    assert broken.unbalanced[0]["file"] == "2024-02-lancashire-street.csv"


# ---------------------------------------------------------------------------------------------
# Formats: older header, CRLF, gzip, monthly zip archive
# ---------------------------------------------------------------------------------------------


def test_older_header_without_crime_id_coordinates_and_lsoa_loads_with_nulls(police_db, police_landing):
    pl_ = police_landing
    header = ["Month", "Reported by", "Falls within", "Location", "Crime type", "Context"]
    path = pl_.write([pl_.row(month="2011-01"), pl_.row(month="2011-01", crime_type="Anti-social behaviour"),
                      pl_.row(month="2011-01", crime_type="Murder")], month="2011-01", header=header)
    assert path.read_text().splitlines()[0] == ",".join(header)

    [result] = pl_.load(police_db)

    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 2, 1)
    raw = pl_.raw(police_db)
    for r in raw:
        for column in ("crime_id", "longitude", "latitude", "lsoa_code", "lsoa_name", "last_outcome_category"):
            assert r[column] is None
        assert r["month"] == dt.date(2011, 1, 1)
        assert r["falls_within"] == "Lancashire Constabulary"
        assert r["location"] == "On or near Stone Hill Drive"
    assert [r["crime_type"] for r in raw] == ["Burglary", "Anti-social behaviour"]
    [q] = pl_.quarantine(police_db)
    assert rule(q["check_name"]) == "crime_type_known" and q["source_row"] == 4
    assert set(q["raw"]) == set(header)


def test_crlf_line_endings(police_db, police_landing):
    pl_ = police_landing
    path = pl_.write([pl_.row(context="ctx"), pl_.row(), pl_.row(crime_type="Murder")], newline="\r\n")
    assert path.read_bytes().count(b"\r\n") == 4

    [result] = pl_.load(police_db)

    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 2, 1)
    raw = pl_.raw(police_db)
    assert [r["context"] for r in raw] == ["ctx", None]
    assert raw[0]["last_outcome_category"] == "Investigation complete; no suspect identified"
    [q] = pl_.quarantine(police_db)
    assert q["source_row"] == 4
    assert "Context" in q["raw"] and "Context\r" not in q["raw"]
    assert not any(isinstance(v, str) and "\r" in v for v in q["raw"].values())


def test_gzipped_file_loads_and_is_identified_by_its_landed_bytes(police_db, police_landing):
    pl_ = police_landing
    path = pl_.write([pl_.row(), pl_.row(crime_type="Drugs")], gz=True)
    assert path.name == "2024-01-lancashire-street.csv.gz"

    [result] = pl_.load(police_db)

    assert (result.status, result.rows_loaded, result.partition_key, result.scope) == ("loaded", 2, "2024-01", "lancashire")
    record = pl_.source_files(police_db)["2024-01-lancashire-street.csv.gz"]
    assert record["sha256"] == sha(path)
    assert [r["crime_type"] for r in pl_.raw(police_db)] == ["Burglary", "Drugs"]


def test_monthly_zip_archive_loads_its_street_members_only(police_db, police_landing):
    pl_ = police_landing
    lancs = pl_.csv_bytes([pl_.row(), pl_.row(crime_type="Robbery")])
    cumbria = pl_.csv_bytes([pl_.row(falls_within="Cumbria Constabulary", reported_by="Cumbria Constabulary"),
                             pl_.row(falls_within="Cumbria Constabulary", month="2023-12")], newline="\r\n")
    outcomes = pl_.csv_bytes([{"Crime ID": "a" * 64, "Month": "2024-01", "Outcome type": "Offender fined"}],
                             header=OUTCOMES_HEADER)
    members = {
        "2024-01/2024-01-lancashire-street.csv": lancs,
        "2024-01/2024-01-lancashire-outcomes.csv": outcomes,
        "2024-01/2024-01-cumbria-street.csv": cumbria,
    }
    pl_.write_bytes("archive.zip", zip_bytes(members))

    results = pl_.load(police_db)

    assert sorted((r.file_name, r.status, r.scope, r.partition_key) for r in results) == [
        ("archive.zip!2024-01/2024-01-cumbria-street.csv", "loaded", "cumbria", "2024-01"),
        ("archive.zip!2024-01/2024-01-lancashire-street.csv", "loaded", "lancashire", "2024-01"),
    ]
    files = pl_.source_files(police_db)
    assert set(files) == {"archive.zip!2024-01/2024-01-cumbria-street.csv",
                          "archive.zip!2024-01/2024-01-lancashire-street.csv"}
    assert files["archive.zip!2024-01/2024-01-lancashire-street.csv"]["sha256"] == sha(lancs)
    assert files["archive.zip!2024-01/2024-01-cumbria-street.csv"]["sha256"] == sha(cumbria)
    assert files["archive.zip!2024-01/2024-01-cumbria-street.csv"]["landing_path"].endswith(
        "archive.zip!2024-01/2024-01-cumbria-street.csv")
    raw = pl_.raw(police_db)
    assert sorted((r["force"], r["crime_type"]) for r in raw) == [
        ("cumbria", "Burglary"), ("lancashire", "Burglary"), ("lancashire", "Robbery")]
    [q] = pl_.quarantine(police_db)
    assert q["file_name"] == "archive.zip!2024-01/2024-01-cumbria-street.csv"
    assert rule(q["check_name"]) == "month_matches_file_name" and q["source_row"] == 3
    assert row_accounting(police_db, FEED).balanced


# ---------------------------------------------------------------------------------------------
# Whole-file rejections: recorded with their reason, and the folder keeps loading
# ---------------------------------------------------------------------------------------------


def _casualty_csv() -> bytes:
    return (CASUALTY_HEADER + "\r\n" + CASUALTY_ROW + "\r\n").encode()


REJECTIONS = [
    # id, landed name, bytes (header = police header), exact reason or a prefix (ending in "...")
    ("empty_file", "2024-02-lancashire-street.csv", lambda pl_: b"",
     "empty file: no header and no rows"),
    ("blank_file", "2024-02-lancashire-street.csv", lambda pl_: b"\r\n  \r\n",
     "empty file: no header and no rows"),
    ("header_only", "2024-02-lancashire-street.csv", lambda pl_: pl_.csv_bytes([]),
     "the file has a header but no data rows"),
    ("xlsx_named_csv", "2024-02-lancashire-street.csv", lambda pl_: xlsx_bytes(),
     "not a CSV: the file is a zip archive (xlsx or zip)"),
    ("nul_bytes", "2024-02-lancashire-street.csv", lambda pl_: b"Crime ID,Month\x00\x00\x01\x02,x\n1,2\n",
     "not a CSV: the header line contains binary (NUL) bytes (line 1)"),
    ("not_gzip_named_gz", "2024-02-lancashire-street.csv.gz", lambda pl_: pl_.csv_bytes([pl_.row(month="2024-02")]),
     "not a readable gzip file (..."),
    ("broken_zip", "2024-02.zip", lambda pl_: b"PK\x03\x04 this is not really a zip archive",
     "not a readable zip archive (..."),
    ("zip_without_street_members", "2024-02.zip",
     lambda pl_: zip_bytes({"2024-02/2024-02-lancashire-outcomes.csv": pl_.csv_bytes([], header=OUTCOMES_HEADER),
                            "2024-02/2024-02-lancashire-stop-and-search.csv": b"Type,Date\n"}),
     "zip archive holds no street-level files (YYYY-MM/YYYY-MM-<force>-street.csv)"),
    ("name_without_month", "lancashire-street.csv", lambda pl_: pl_.csv_bytes([pl_.row()]),
     "file name 'lancashire-street.csv' is not YYYY-MM-<force>-street.csv: the month and force are taken from the name"),
    ("outcomes_file_name", "2024-02-lancashire-outcomes.csv", lambda pl_: pl_.csv_bytes([pl_.row(month="2024-02")]),
     "file name '2024-02-lancashire-outcomes.csv' is not YYYY-MM-<force>-street.csv: the month and force are taken "
     "from the name"),
    ("xlsx_extension", "2024-02-lancashire-street.xlsx", lambda pl_: xlsx_bytes(),
     "not a CSV: .xlsx extension; police_street accepts .csv, .csv.gz, .zip"),
]


def _good_zip_after(pl_) -> bytes:
    """An archive whose name sorts after every other landed file, so it loads after the rejection."""
    return zip_bytes({"2025-12/2025-12-lancashire-street.csv": pl_.csv_bytes([pl_.row(month="2025-12")])})


def _land_with_neighbours(pl_, name: str, data: bytes) -> Path:
    pl_.write([pl_.row(month="2000-01")], month="2000-01")  # sorts before everything landed here
    pl_.write_bytes("zzz-later.zip", _good_zip_after(pl_))  # sorts after
    return pl_.write_bytes(name, data)


def _assert_neighbours_loaded(police_db, pl_) -> None:
    files = pl_.source_files(police_db)
    assert files["2000-01-lancashire-street.csv"]["status"] == "loaded"
    assert files["zzz-later.zip!2025-12/2025-12-lancashire-street.csv"]["status"] == "loaded"
    months = police_db.execute("select distinct strftime(month, '%Y-%m') from raw.police_street order by 1").fetchall()
    assert months == [("2000-01",), ("2025-12",)]


@pytest.mark.parametrize(("name", "make", "reason"), [c[1:] for c in REJECTIONS], ids=[c[0] for c in REJECTIONS])
def test_file_is_rejected_with_its_reason_and_the_folder_keeps_loading(police_db, police_landing, name, make, reason):
    pl_ = police_landing
    path = _land_with_neighbours(pl_, name, make(pl_))

    results = pl_.load(police_db)

    [rejected] = [r for r in results if r.file_name == name]
    record = pl_.source_files(police_db)[name]
    assert rejected.status == record["status"] == "rejected"
    if reason.endswith("..."):
        assert record["reason"].startswith(reason[:-3]), record["reason"]
    else:
        assert record["reason"] == reason
    assert rejected.reason == record["reason"]
    assert record["sha256"] == sha(path)
    assert (record["rows_loaded"], record["rows_quarantined"]) == (0, 0)
    assert police_db.execute("select count(*) from raw.police_street where source_file = ?",
                             [record["sha256"]]).fetchone()[0] == 0
    _assert_neighbours_loaded(police_db, pl_)
    assert row_accounting(police_db, FEED).balanced


def test_missing_required_columns_are_named(police_db, police_landing):
    pl_ = police_landing
    header = [h for h in POLICE_HEADER if h not in ("Month", "Crime type")]
    _land_with_neighbours(pl_, "2024-02-lancashire-street.csv", pl_.csv_bytes([pl_.row()], header=header))

    pl_.load(police_db)

    record = pl_.source_files(police_db)["2024-02-lancashire-street.csv"]
    assert record["status"] == "rejected"
    assert record["reason"].startswith("missing required columns: ")
    missing = record["reason"][len("missing required columns: "):].split(" (found")[0]
    assert {m.strip().lower() for m in missing.split(",")} == {"month", "crime type"}
    assert "Crime ID" in record["reason"]  # says what was found instead
    _assert_neighbours_loaded(police_db, pl_)


def test_stats19_casualty_header_landed_in_police_street(police_db, police_landing, feed_registry):
    pl_ = police_landing
    _land_with_neighbours(pl_, "2024-02-lancashire-street.csv", _casualty_csv())

    pl_.load(police_db)

    record = pl_.source_files(police_db)["2024-02-lancashire-street.csv"]
    assert record["status"] == "rejected"
    assert record["reason"].startswith("missing required columns: Month, Crime type, Falls within (found: collision_index")
    if feed_registry and "stats19_casualty" in registry.feeds():
        assert "stats19_casualty" in record["reason"]
        assert "landing/stats19_casualty/" in record["reason"]
    _assert_neighbours_loaded(police_db, pl_)


def test_header_of_another_feed_is_named_in_the_reason(police_db, police_landing, monkeypatch):
    """The loader names the feed whose header it recognises (here a stand-in casualty feed)."""
    pl_ = police_landing
    stand_in = Feed(
        name="stats19_casualty", description="stand-in", raw_table="raw.stats19_casualty", columns={},
        schema=None, prepare=None, to_raw=None,
        signature=frozenset({"collision_index", "casualty_reference", "casualty_severity"}), partitions="year",
    )
    monkeypatch.setattr(registry, "_FEEDS", {"police_street": FEED, "stats19_casualty": stand_in})
    path = pl_.write_bytes("2024-02-lancashire-street.csv", _casualty_csv())
    [unit] = discover(pl_.dir, "police_street", expand_zip=True)

    result = loader.ingest_unit(police_db, FEED, unit, "run-1")

    assert result.status == "rejected"
    assert result.reason.endswith(
        "(the header is a stats19_casualty file's: land it in landing/stats19_casualty/)")
    assert pl_.source_files(police_db)[path.name]["reason"] == result.reason


def test_file_name_with_non_ascii_digits_is_rejected_not_a_crash(police_db, police_landing):
    pl_ = police_landing
    arabic = "\u0662\u0660\u0662\u0664-01"
    pl_.write([pl_.row(month=arabic)], name=f"{arabic}-lancashire-street.csv")
    pl_.write([pl_.row()])
    pl_.load(police_db)  # actual: polars InvalidOperationError raised out of ingest_feed
    files = pl_.source_files(police_db)
    assert files["2024-01-lancashire-street.csv"]["status"] == "loaded"
    assert files[f"{arabic}-lancashire-street.csv"]["status"] == "rejected"


def test_file_name_with_impossible_month_is_rejected(police_db, police_landing):
    pl_ = police_landing
    pl_.write([pl_.row(month="2024-13")], month="2024-13")
    [result] = pl_.load(police_db)
    assert result.status == "rejected"
    assert "YYYY-MM" in result.reason


def test_all_rejections_in_one_folder_and_the_good_files_still_load(police_db, police_landing):
    pl_ = police_landing
    for _, name, make, _ in REJECTIONS:
        if name not in {p.name for p in pl_.dir.iterdir()}:
            pl_.write_bytes(name, make(pl_))
    _land_with_neighbours(pl_, "2024-03-lancashire-street.csv", pl_.csv_bytes([pl_.row(month="2024-03")]))

    results = pl_.load(police_db)

    statuses = {r.file_name: r.status for r in results}
    assert statuses.pop("2000-01-lancashire-street.csv") == "loaded"
    assert statuses.pop("2024-03-lancashire-street.csv") == "loaded"
    assert statuses.pop("zzz-later.zip!2025-12/2025-12-lancashire-street.csv") == "loaded"
    assert set(statuses.values()) == {"rejected"}
    assert len(statuses) == len({name for _, name, _, _ in REJECTIONS})
    assert police_db.execute("select count(*) from raw.police_street").fetchone()[0] == 3
