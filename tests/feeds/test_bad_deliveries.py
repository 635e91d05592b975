"""What partners really send that is not what they should: nothing stops the night, nothing good is
replaced with less, one bad row costs one row, no restricted value leaks (issue 9).

Fast, loader-level tests (no Dagster, no dbt); the whole corpus runs end to end in test_corpus.py.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import zipfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion import registry, row_rules
from ingestion.accept import NothingToAccept, accept_held, held_files
from ingestion.csv_reader import read_csv
from ingestion.errors import FileRejected
from ingestion.loader import hold_reason, ingest_feed
from ingestion.pseudonymise import KEY_VARIABLE
from warehouse.accounting import row_accounting
from warehouse.database import ensure_schema

from test_police_crime_extract import HEADER as EXTRACT_HEADER
from test_police_crime_extract import row as extract_row

POLICE_HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
                 "Crime type,Last outcome category,Context")


def police_csv(month: str, n: int, crime: str = "Burglary", extra: str = "") -> str:
    rows = [
        f"{i:064x},{month},Lancashire Constabulary,Lancashire Constabulary,-2.465978,53.767257,"
        f"On or near Stone Hill Drive,E01012607,Blackburn with Darwen 001A,{crime},Under investigation,"
        for i in range(1, n + 1)
    ]
    return "\r\n".join([POLICE_HEADER, *rows, extra]).rstrip("\r\n") + "\r\n"


def statuses(kit) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in kit.con.execute(
        "select file_name, status, rows_read, rows_loaded, rows_quarantined, reason from meta.source_files").fetchall()}


# --- a resubmission never silently replaces good data with less --------------------------------

def test_an_all_quarantined_resubmission_is_held_and_the_live_month_stays(feed_kit) -> None:
    good = feed_kit.load("police_street", "2024-02-lancashire-street.csv", police_csv("2024-02", 10))
    wrong = feed_kit.write("police_street", "2024-02-lancashire-street.csv.gz",
                           gzip.compress(police_csv("2024-01", 10).encode()))  # January's rows, February's name
    held = feed_kit.ingest("police_street", wrong)
    assert (held.status, held.rows_loaded, held.rows_quarantined) == ("held", 0, 10)
    assert "no row of it loads" in held.reason and "csw accept police_street" in held.reason
    assert feed_kit.status(good.sha256) == ("loaded", None)
    assert feed_kit.staged("police_street").height == 10  # staging still sees the real February
    assert feed_kit.balanced("police_street")
    assert [h[1] for h in held_files(feed_kit.con)] == ["2024-02-lancashire-street.csv.gz"]


def test_a_much_smaller_resubmission_is_held_until_accepted(feed_kit) -> None:
    good = feed_kit.load("police_street", "2024-02-lancashire-street.csv", police_csv("2024-02", 10))
    small = feed_kit.load("police_street", "2024-02-lancashire-street.csv.gz",
                          gzip.compress(police_csv("2024-02", 4, crime="Robbery").encode()))
    assert small.status == "held" and "fewer than 50% of the 10" in small.reason
    with pytest.raises(NothingToAccept, match="no held file"):
        accept_held(feed_kit.con, "police_street", "nonesuch.csv")
    accepted = accept_held(feed_kit.con, "police_street", "2024-02-lancashire-street.csv.gz")
    assert accepted.superseded == [good.sha256]
    assert feed_kit.status(small.sha256)[0] == "loaded"
    assert feed_kit.status(good.sha256) == ("superseded", small.sha256)
    assert set(feed_kit.staged("police_street").get_column("crime_type")) == {"Robbery"}
    assert "accepted with csw accept" in statuses(feed_kit)["2024-02-lancashire-street.csv.gz"][4]
    assert feed_kit.balanced("police_street")


def test_the_share_is_a_setting(feed_kit) -> None:
    (feed_kit.root / "settings.toml").write_text("[intake]\nresubmission_min_share = 0.2\n")
    feed_kit.write("police_street", "2024-02-lancashire-street.csv", police_csv("2024-02", 10))
    feed_kit.ingest_all("police_street")
    feed_kit.write("police_street", "2024-02-lancashire-street.csv.gz", gzip.compress(police_csv("2024-02", 3).encode()))
    [result] = feed_kit.ingest_all("police_street")
    assert result.status == "loaded" and result.superseded


def test_hold_rule() -> None:
    live = [("sha", "a.csv", 100)]
    assert hold_reason(10, [], 0.5, "f", "b.csv") is None  # a first delivery is never held
    assert hold_reason(0, [("sha", "a.csv", 0)], 0.5, "f", "b.csv")  # always when nothing loads
    assert hold_reason(49, live, 0.5, "f", "b.csv")
    assert hold_reason(50, live, 0.5, "f", "b.csv") is None


# --- poison files reject themselves only ----------------------------------------------------------

def _bad_crc_zip(member: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(member, data)
    raw = bytearray(buf.getvalue())
    at = raw.find(b"Burglary")
    raw[at:at + 3] = b"XYZ"
    return bytes(raw)


def test_poison_files_are_rejected_and_every_other_file_loads(feed_kit) -> None:
    corrupt = bytearray(gzip.compress(police_csv("2024-03", 50).encode()))
    corrupt[40:60] = bytes(20)
    feed_kit.write("police_street", "2024-03-lancashire-street.csv.gz", bytes(corrupt))
    feed_kit.write("police_street", "2024-04.zip",
                   _bad_crc_zip("2024-04/2024-04-lancashire-street.csv", police_csv("2024-04", 3).encode()))
    feed_kit.write("police_street", "2024-05-lancashire-street.csv",
                   police_csv("2024-05", 2).replace("Crime ID,Month,", "Crime ID,Month, Month,", 1))
    feed_kit.write("police_street", "2024-06-lancashire-street.csv", police_csv("2024-06", 5))
    results = {r.file_name: r for r in feed_kit.ingest_all("police_street")}
    assert results["2024-03-lancashire-street.csv.gz"].reason.startswith("not a readable gzip file (")
    assert "BadZipFile" in results["2024-04.zip!2024-04/2024-04-lancashire-street.csv"].reason
    assert results["2024-05-lancashire-street.csv"].reason.startswith("the header names a column twice")
    assert {n: r.status for n, r in results.items()} == {
        "2024-03-lancashire-street.csv.gz": "rejected", "2024-04.zip!2024-04/2024-04-lancashire-street.csv": "rejected",
        "2024-05-lancashire-street.csv": "rejected", "2024-06-lancashire-street.csv": "loaded"}
    assert feed_kit.ingest_all("police_street") == []  # recorded once: a second night changes nothing
    assert feed_kit.balanced("police_street")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), feed_ext=st.sampled_from(
    [(name, ext) for name, feed in registry.feeds().items() for ext in feed.accepts]))
def test_random_bytes_under_every_accepted_extension_never_stop_the_load(tmp_path_factory, data, feed_ext) -> None:
    feed_name, ext = feed_ext
    feed = registry.get(feed_name)
    root = tmp_path_factory.mktemp("random")
    folder = root / "landing" / feed_name
    folder.mkdir(parents=True)
    (root / "landing" / ".csw_demo_mode").write_text("demo")
    name = ("2024-01-lancashire-street" if feed_name == "police_street" else f"{feed_name}-2024-01") + ext
    (folder / name).write_bytes(data)
    con = duckdb.connect()
    ensure_schema(con, {f.raw_table: f.columns for f in registry.feeds().values()})
    results = ingest_feed(con, feed, folder, "prop")
    assert results and all(r.status in ("loaded", "rejected", "held") for r in results)
    assert all(r.reason for r in results if r.status == "rejected")
    assert row_accounting(con, feed).balanced
    con.close()


# --- landing folders hold no surprises --------------------------------------------------------------

def test_links_folders_hidden_files_and_pipes_are_recorded_never_followed(feed_kit, tmp_path) -> None:
    outside = tmp_path / "secret.csv"
    outside.write_text(police_csv("2024-01", 2).replace("Burglary", "SECRET-TARGET-TEXT"))
    folder = feed_kit.landing / "police_street"
    folder.mkdir(parents=True)
    os.symlink(outside, folder / "2024-01-lancashire-street.csv")
    (folder / "old").mkdir()
    (folder / ".~lock.2024-01.csv#").write_text("x")
    os.mkfifo(folder / "2024-02-lancashire-street.csv")
    results = {r.file_name: (r.status, r.reason) for r in feed_kit.ingest_all("police_street")}
    assert results["2024-01-lancashire-street.csv"][0] == "ignored"
    assert results["2024-01-lancashire-street.csv"][1].startswith("a symbolic link")
    assert results["old"] == ("ignored", "a folder: only files directly in landing/police_street/ are read")
    assert results[".~lock.2024-01.csv#"][0] == "ignored"
    assert results["2024-02-lancashire-street.csv"] == ("rejected", "not a regular file (a pipe, socket or device)")
    assert feed_kit.con.execute("select count(*) from raw.police_street").fetchone()[0] == 0
    dump = json.dumps(feed_kit.con.execute("select * from meta.source_files").fetchall(), default=str)
    assert "SECRET-TARGET-TEXT" not in dump and str(outside) not in dump
    assert feed_kit.ingest_all("police_street") == []  # recorded once


# --- one bad row costs one row --------------------------------------------------------------------------

def test_ragged_rows_nul_bytes_and_future_months_cost_one_row_each(feed_kit, monkeypatch) -> None:
    import datetime as dt

    monkeypatch.setattr(row_rules, "today", lambda: dt.date(2024, 12, 1))
    lines = police_csv("2024-06", 6).splitlines()
    lines[2] += ",an extra field"  # line 3: 13 fields
    lines[3] = lines[3].split(",Burglary")[0]  # line 4: too few
    lines[4] = lines[4].replace("Stone Hill", "Stone\x00Hill")  # line 5
    lines.append(lines[1].replace("2024-06", "2031-06"))  # line 8: the future (and not the file's month)
    body = "\r\n".join(lines) + "\r\n"
    padding = police_csv("2024-06", 400).split("\r\n", 1)[1]  # NUL far past the first 64 KB too
    content = (body + padding).encode()
    nul_at = content.rfind(b"Stone Hill")
    content = content[:nul_at] + b"Stone\x00Hill" + content[nul_at + 10:]
    assert nul_at > 65536
    result = feed_kit.load("police_street", "2024-06-lancashire-street.csv", content)
    assert result.status == "loaded"
    q = feed_kit.quarantine(result.sha256)
    rules = {(r["source_row"], r["check_name"]) for r in q.iter_rows(named=True)}
    assert {(3, "field_count"), (4, "field_count"), (5, "no_nul_bytes"), (8, "month_not_in_future")} <= rules
    assert any(check == "no_nul_bytes" and line > 400 for line, check in rules)
    assert result.rows_read == 6 + 1 + 400 and result.rows_quarantined == 5
    assert result.rows_loaded == result.rows_read - 5
    ragged = q.filter(q["check_name"] == "field_count").row(0, named=True)
    assert ragged["failure_case"] == "13 fields where the header has 12"
    assert json.loads(ragged["raw_record"])["record"].endswith(",an extra field")
    assert feed_kit.balanced("police_street")


def test_a_count_beyond_its_type_quarantines_the_row_not_the_file(feed_kit) -> None:
    header = ("MARAC Area,Quarter,Cases Discussed,Repeat Cases,Children in Households,Referrals Police,"
              "Referrals IDVA,Referrals Health,Referrals Childrens Services,Referrals Other,Cases BME,"
              "Cases Disabled,Cases LGBT,Cases Male,Cases Aged 16-17")
    good = "Burnley,2024/25 Q1,10,2,8,5,2,1,1,1,0,1,0,1,0"
    huge = "Chorley,2024/25 Q1,99999999999,2,8,99999999990,2,1,1,99999999997,0,1,0,1,0"
    result = feed_kit.load("marac_returns", "marac.csv", "\n".join([header, good, huge]) + "\n")
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 1, 1)
    rules = set(feed_kit.quarantine(result.sha256).get_column("check_name"))
    assert "value_in_type_range" in rules


def test_reader_sets_aside_records_with_the_wrong_number_of_fields() -> None:
    text = read_csv(b'a,b,c\r\n1,2,3\r\n\r\n4,5\r\n6,7,8,9\r\n"x,y","m\nn",z\r\n10,11,\r\n')
    assert text.frame.rows() == [("1", "2", "3"), ("x,y", "m\nn", "z"), ("10", "11", None)]
    assert text.lines.to_list() == [2, 6, 8]
    assert text.bad_records.select("line", "fields").rows() == [(4, 2), (5, 4)]
    with pytest.raises(FileRejected, match=r"opened on line 2 never closes \(line 2, byte 4\)"):
        read_csv(b'a,b\n1,"2\n3,4\n')
    with pytest.raises(FileRejected, match="not UTF-8 \\(line 2, byte 6\\)"):
        read_csv(b"a,b\n1,\xff\xfe2\n")


# --- restricted values never leave the landing folder -----------------------------------------------

PLANTS = ["06/PLANTED/01", "VPLANTED0001", "PLANTED-NAME-0001"]


def _scan(con: duckdb.DuckDBPyConnection) -> str:
    tables = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    return json.dumps([con.execute(f'select * from "{s}"."{t}"').fetchall() for s, t in tables], default=str)


def test_restricted_values_are_hashed_or_dropped_in_every_bad_position(feed_kit, feed_csv, monkeypatch) -> None:
    monkeypatch.setenv(KEY_VARIABLE, "test-key")
    header = [*EXTRACT_HEADER, "Victim Name"]
    bad_row = extract_row(**{"Crime Reference": PLANTS[0], "Victim Reference": PLANTS[1], "HO Offence Code": "ZZZ"})
    bad_row["Victim Name"] = PLANTS[2]
    text = feed_csv(header, [extract_row(), bad_row])
    # a ragged record holding the references
    ragged = text + f"{PLANTS[0]},{PLANTS[1]},{PLANTS[2]}\r\n"
    loaded = feed_kit.load("police_crime_extract", "lancashire-crime-extract-2024-01.csv", ragged)
    assert loaded.status == "loaded" and loaded.rows_quarantined == 2
    q = feed_kit.quarantine(loaded.sha256)
    records = [json.loads(r) for r in q.get_column("raw_record") if r]
    assert all("Victim Name" not in r and r.get("_columns_not_kept") == "Victim Name" for r in records)
    # a second reference header differing only in case, and an unparseable file
    dup = feed_csv([*EXTRACT_HEADER, "VICTIM REFERENCE"], [[*extract_row().values(), PLANTS[1]]])
    rejected = feed_kit.load("police_crime_extract", "lancashire-crime-extract-2024-02.csv", dup)
    assert rejected.status == "rejected" and "names a column twice" in rejected.reason
    broken = text.replace(PLANTS[0], f'"{PLANTS[0]}', 1)
    unparseable = feed_kit.load("police_crime_extract", "lancashire-crime-extract-2024-03.csv", broken)
    assert unparseable.status == "rejected" and "line" in unparseable.reason
    dump = _scan(feed_kit.con)
    for plant in PLANTS:
        assert plant not in dump


def test_csw_status_lists_held_files_and_csw_accept_applies_one(tmp_path, capsys) -> None:
    from ingestion.loader import ingest_landing
    from cli.main import main

    home = tmp_path / "home"
    folder = home / "landing" / "police_street"
    folder.mkdir(parents=True)
    (folder / "2024-02-lancashire-street.csv").write_text(police_csv("2024-02", 10))
    ingest_landing(home / "warehouse.duckdb", home / "landing", "night-1")
    (folder / "2024-02-lancashire-street.csv.gz").write_bytes(gzip.compress(police_csv("2024-01", 10).encode()))
    ingest_landing(home / "warehouse.duckdb", home / "landing", "night-2")

    assert main(["--home", str(home), "status"]) == 0
    out = capsys.readouterr().out
    assert "HELD: 1 resubmission(s)" in out and "police_street 2024-02-lancashire-street.csv.gz" in out
    assert main(["--home", str(home), "accept", "police_street", "nonesuch.csv"]) == 1
    assert "no held file of police_street matches" in capsys.readouterr().err
    assert main(["--home", str(home), "accept", "police_street", "2024-02-lancashire-street.csv.gz"]) == 0
    assert "Accepted police_street 2024-02-lancashire-street.csv.gz" in capsys.readouterr().out
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    rows = dict(con.execute("select file_name, status from meta.source_files").fetchall())
    con.close()
    assert rows == {"2024-02-lancashire-street.csv": "superseded", "2024-02-lancashire-street.csv.gz": "loaded"}


def test_future_periods_rule_covers_months_quarters_years_and_days(monkeypatch) -> None:
    import datetime as dt

    import polars as pl

    monkeypatch.setattr(row_rules, "today", lambda: dt.date(2024, 12, 15))
    frame = pl.DataFrame({
        "month": ["2024-12", "2025-01", None],
        "quarter": ["2024/25 Q3", "2024/25 Q4", "bad"],
        "collision_year": ["2024", "2025", "20x5"],
        "date": ["31/12/2024", "01/01/2025", "2025-02-01"],
    })
    failures = row_rules.future_periods(frame)
    assert sorted(zip(failures["_row"], failures["column_name"])) == [
        (1, "collision_year"), (1, "date"), (1, "month"), (1, "quarter"), (2, "date")]
    assert set(failures["check_name"]) == {"month_not_in_future"}
