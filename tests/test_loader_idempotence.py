"""Idempotence and history of the loader: the same bytes landed again change nothing, a resubmitted
month replaces the earlier file (whose rows stay as history), and a crash leaves nothing behind.
"""
from __future__ import annotations

import hashlib
import os
import shutil

import pytest

from ingestion import loader
from ingestion.feeds import police_street
from warehouse.accounting import row_accounting

FEED = police_street.FEED

LOADED_VIEW = """
    select r.* from raw.police_street r
    join meta.source_files f on f.feed = 'police_street' and f.sha256 = r.source_file and f.status = 'loaded'
"""


def snapshot(con) -> dict[str, list[tuple]]:
    """Every row of every raw and meta table (timestamps excluded), so any change shows."""
    tables = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('raw', 'meta') order by 1"
    ).fetchall()
    out = {}
    for (table,) in tables:
        cols = [c for (c,) in con.execute(
            "select column_name from information_schema.columns where table_schema || '.' || table_name = ? "
            "order by ordinal_position", [table]).fetchall() if c not in ("received_at", "quarantined_at")]
        out[table] = sorted(con.execute(f"select {', '.join(cols)} from {table}").fetchall(), key=repr)
    return out


def counts(con) -> dict[str, int]:
    return {table: len(rows) for table, rows in snapshot(con).items()}


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def landed(police_db, police_landing):
    """One month loaded: four rows, one of them quarantined."""
    pl_ = police_landing
    path = pl_.write([pl_.row(), pl_.row(crime_type="Drugs"), pl_.row(lsoa_code="bad"), pl_.row(crime_id="")])
    [result] = pl_.load(police_db, run_id="run-1")
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 3, 1)
    return path


def test_the_same_file_again_changes_nothing(police_db, police_landing, landed):
    before = snapshot(police_db)
    assert counts(police_db)["raw.police_street"] == 3 and counts(police_db)["meta.quarantine"] == 1

    results = police_landing.load(police_db, run_id="run-2")

    assert results == []  # known by path, size and modification time: not even re-read
    assert snapshot(police_db) == before


def test_the_same_bytes_under_another_name_change_nothing(police_db, police_landing, landed):
    before = snapshot(police_db)
    shutil.copyfile(landed, police_landing.dir / "copy of 2024-01-lancashire-street.csv")

    results = police_landing.load(police_db, run_id="run-2")

    assert [(r.file_name, r.status, r.sha256) for r in results] == [
        ("copy of 2024-01-lancashire-street.csv", "unchanged", sha(landed))]
    assert snapshot(police_db) == before
    # and again: still nothing, however often the sensor looks
    assert [r.status for r in police_landing.load(police_db, run_id="run-3")] == ["unchanged"]
    assert snapshot(police_db) == before


def test_a_touched_file_changes_nothing(police_db, police_landing, landed):
    before = snapshot(police_db)
    stat = landed.stat()
    os.utime(landed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 3_600 * 10**9))

    results = police_landing.load(police_db, run_id="run-2")

    assert [(r.status, r.sha256) for r in results] == [("unchanged", sha(landed))]
    assert snapshot(police_db) == before


def test_a_rejected_file_landed_again_is_recorded_once(police_db, police_landing):
    pl_ = police_landing
    bad = pl_.write_bytes("2024-02-lancashire-street.csv", b"")
    assert [r.status for r in pl_.load(police_db)] == ["rejected"]
    before = snapshot(police_db)
    stat = bad.stat()
    os.utime(bad, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    shutil.copyfile(bad, pl_.dir / "2024-03-lancashire-street.csv")

    results = pl_.load(police_db, run_id="run-2")

    # The same name again changes nothing; a new name is read again, since a rejection can depend
    # on the name (a corrected file name is how a data team fixes a name-based rejection).
    by_name = {r.file_name: r.status for r in results}
    assert by_name == {"2024-02-lancashire-street.csv": "unchanged", "2024-03-lancashire-street.csv": "rejected"}
    assert police_db.execute("select count(*) from meta.source_files").fetchone()[0] == 2
    again = pl_.load(police_db, run_id="run-3")
    assert all(r.status == "unchanged" for r in again)
    assert police_db.execute("select count(*) from meta.source_files").fetchone()[0] == 2
    assert snapshot(police_db)["raw.police_street"] == before["raw.police_street"]


@pytest.mark.parametrize("new_name", ["2024-01-lancashire-street.csv", "2024-01-lancashire-street.csv.gz"],
                         ids=["overwritten_in_place", "landed_gzipped"])
def test_a_resubmitted_month_supersedes_the_earlier_file(police_db, police_landing, landed, new_name):
    pl_ = police_landing
    old_sha = sha(landed)
    old_rows = police_db.execute("select count(*) from raw.police_street").fetchone()[0]
    stat = landed.stat()
    new = pl_.write([pl_.row(crime_type="Robbery"), pl_.row(crime_type="Shoplifting")], name=new_name,
                    gz=new_name.endswith(".gz"))
    os.utime(new, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # a later delivery, whatever the clock says
    new_sha = sha(new)

    results = pl_.load(police_db, run_id="run-2")

    [result] = [r for r in results if r.status == "loaded"]
    assert result.sha256 == new_sha and result.superseded == [old_sha]
    files = {r[0]: r[1:] for r in police_db.execute(
        "select sha256, status, superseded_by, partition_key, scope from meta.source_files").fetchall()}
    assert files[old_sha] == ("superseded", new_sha, "2024-01", "lancashire")
    assert files[new_sha] == ("loaded", None, "2024-01", "lancashire")
    # history kept: the old file's raw rows and quarantine entries stay
    assert police_db.execute("select count(*) from raw.police_street where source_file = ?",
                             [old_sha]).fetchone()[0] == old_rows == 3
    assert police_db.execute("select count(*) from meta.quarantine where source_file = ?", [old_sha]).fetchone()[0] == 1
    # what staging sees: the new file only
    current = police_db.execute(f"select source_file, crime_type from ({LOADED_VIEW}) order by source_row").fetchall()
    assert current == [(new_sha, "Robbery"), (new_sha, "Shoplifting")]
    assert row_accounting(police_db, FEED).balanced


def test_a_second_resubmission_supersedes_only_the_current_file(police_db, police_landing, landed):
    pl_ = police_landing
    first = sha(landed)
    shas = [first]
    for i, crime in enumerate(["Robbery", "Drugs"], start=1):
        path = pl_.write([pl_.row(crime_type=crime) for _ in range(3)])  # as many rows: not held
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + i * 10**9))
        [result] = pl_.load(police_db, run_id=f"run-{i + 1}")
        assert result.superseded == [shas[-1]]
        shas.append(result.sha256)
    files = dict(police_db.execute("select sha256, superseded_by from meta.source_files").fetchall())
    assert files == {shas[0]: shas[1], shas[1]: shas[2], shas[2]: None}
    assert police_db.execute(f"select crime_type from ({LOADED_VIEW})").fetchall() == [("Drugs",)] * 3


def test_another_force_or_month_does_not_supersede(police_db, police_landing, landed):
    pl_ = police_landing
    pl_.write([pl_.row(falls_within="Cumbria Constabulary")], force="cumbria")
    pl_.write([pl_.row(month="2024-02")], month="2024-02")

    results = pl_.load(police_db, run_id="run-2")

    assert sorted((r.file_name, r.status, tuple(r.superseded)) for r in results) == [
        ("2024-01-cumbria-street.csv", "loaded", ()),
        ("2024-02-lancashire-street.csv", "loaded", ()),
    ]
    statuses = dict(police_db.execute("select file_name, status from meta.source_files").fetchall())
    assert statuses == {"2024-01-lancashire-street.csv": "loaded", "2024-01-cumbria-street.csv": "loaded",
                        "2024-02-lancashire-street.csv": "loaded"}
    current = police_db.execute(f"select force, strftime(month, '%Y-%m'), count(*) from ({LOADED_VIEW}) "
                                "group by all order by all").fetchall()
    assert current == [("cumbria", "2024-01", 1), ("lancashire", "2024-01", 3), ("lancashire", "2024-02", 1)]


def test_a_crash_mid_load_leaves_nothing_and_a_rerun_loads(police_db, police_landing, monkeypatch):
    pl_ = police_landing
    path = pl_.write([pl_.row(), pl_.row(crime_type="Murder"), pl_.row()])
    seen_inside: list[tuple[int, int]] = []
    real_record = loader._record

    def crash(con, *args, **kwargs):
        # inside the transaction, after the raw and quarantine inserts
        seen_inside.append((con.execute("select count(*) from raw.police_street").fetchone()[0],
                            con.execute("select count(*) from meta.quarantine").fetchone()[0]))
        raise RuntimeError("power cut")

    monkeypatch.setattr(loader, "_record", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        pl_.load(police_db, run_id="run-1")

    assert seen_inside[0] == (2, 1)  # the rows had been written ...
    after_crash = counts(police_db)
    assert {"meta.quarantine", "meta.source_files", "raw.police_street"} <= set(after_crash)
    assert set(after_crash.values()) == {0}  # ... and were rolled back, everywhere

    monkeypatch.setattr(loader, "_record", real_record)
    [result] = pl_.load(police_db, run_id="run-2")

    assert (result.status, result.sha256, result.rows_loaded, result.rows_quarantined) == ("loaded", sha(path), 2, 1)
    assert counts(police_db)["raw.police_street"] == 2 and counts(police_db)["meta.quarantine"] == 1
    assert police_db.execute("select run_id, status from meta.source_files").fetchall() == [("run-2", "loaded")]
    assert row_accounting(police_db, FEED).balanced


def test_a_crash_while_superseding_keeps_the_earlier_file_current(police_db, police_landing, landed, monkeypatch):
    pl_ = police_landing
    old_sha = sha(landed)
    before = snapshot(police_db)
    new = pl_.write([pl_.row(crime_type="Robbery")])
    stat = new.stat()
    os.utime(new, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "_record", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        pl_.load(police_db, run_id="run-2")

    assert snapshot(police_db) == before
    assert police_db.execute("select status from meta.source_files where sha256 = ?", [old_sha]).fetchone() == ("loaded",)
