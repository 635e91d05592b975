"""Row accounting for every status of a landed file, and the rows in use that cannot be attributed.

``warehouse.accounting.accounting_sql`` is the one copy of the rule: the Dagster row_accounting
checks (``row_accounting``) and the dbt Python model ``meta.dq_row_accounting`` both run it. One
rule per status: loaded, superseded and held files read =
loaded + quarantined with exactly those rows in the tables; rejected files nothing loaded or
quarantined and nothing in the tables; ignored files all zeros. A STATS19 casualty or vehicle whose
collision is absent is listed in ``meta.dq_stats19_unattributed_rows`` and counted per file as
unattributed. The dbt half lands real files through the loader into a throw-away warehouse and builds
only the data-quality models and their parents (with their tests), never a whole night.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from ingestion import registry
from ingestion.landing import LandedUnit
from ingestion.loader import ingest_unit
from orchestration.dbt_project import dbt_vars
from orchestration.dbt_column_lineage import close_dbt_duckdb_connection
from warehouse.accounting import row_accounting
from warehouse.database import ensure_schema
from warehouse.settings import default_settings

REPO = Path(__file__).resolve().parents[1]
DBT_PROJECT = REPO / "dbt_project"


# --- warehouse.accounting: one rule per status ------------------------------------------------
@pytest.fixture
def con():
    c = duckdb.connect(":memory:")
    ensure_schema(c, {f.raw_table: f.columns for f in registry.feeds().values()})
    yield c
    c.close()


def _file(con, sha: str, status: str, read: int, loaded: int, quarantined: int, *, feed: str = "population",
          name: str | None = None, raw_rows: int = 0, quarantine_rows: int = 0) -> None:
    con.execute(
        "insert into meta.source_files (feed, file_name, sha256, received_at, status, rows_read, rows_loaded, "
        "rows_quarantined) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [feed, name or f"{sha}.csv", sha, datetime(2024, 1, 1), status, read, loaded, quarantined])
    table = registry.get(feed).raw_table
    for line in range(2, 2 + raw_rows):
        con.execute(f"insert into {table} (source_file, source_row) values (?, ?)", [sha, line])
    for line in range(100, 100 + quarantine_rows):
        con.execute("insert into meta.quarantine (feed, source_file, file_name, source_row, check_name, "
                    "quarantined_at) values (?, ?, ?, ?, 'required', now())", [feed, sha, name or sha, line])


def _unbalanced(con, feed: str = "population") -> set[str]:
    return {u["file"] for u in row_accounting(con, registry.get(feed)).unbalanced}


@pytest.mark.parametrize("status", ["loaded", "superseded", "held"])
def test_written_statuses_balance_against_the_tables(con, status) -> None:
    _file(con, "ok", status, 5, 3, 2, raw_rows=3, quarantine_rows=2)
    _file(con, "raw_row_lost", status, 5, 3, 2, raw_rows=2, quarantine_rows=2)
    _file(con, "quarantine_row_lost", status, 5, 3, 2, raw_rows=3, quarantine_rows=1)
    _file(con, "read_not_split", status, 6, 3, 2, raw_rows=3, quarantine_rows=2)
    assert _unbalanced(con) == {"raw_row_lost.csv", "quarantine_row_lost.csv", "read_not_split.csv"}
    report = row_accounting(con, registry.get("population"))
    assert (report.files, report.files_not_written) == (4, 0)


def test_rejected_and_ignored_files_have_nothing_in_the_tables(con) -> None:
    _file(con, "rejected_unread", "rejected", 0, 0, 0)
    _file(con, "rejected_after_reading", "rejected", 12, 0, 0)  # the rows read before the rejection
    _file(con, "rejected_with_raw_rows", "rejected", 3, 0, 0, raw_rows=1)
    _file(con, "rejected_with_quarantine", "rejected", 3, 0, 0, quarantine_rows=1)
    _file(con, "rejected_recording_loaded", "rejected", 3, 3, 0)
    _file(con, "ignored", "ignored", 0, 0, 0)
    _file(con, "ignored_but_read", "ignored", 2, 0, 0)
    _file(con, "ignored_with_raw_rows", "ignored", 0, 0, 0, raw_rows=2)
    assert _unbalanced(con) == {"rejected_with_raw_rows.csv", "rejected_with_quarantine.csv",
                                "rejected_recording_loaded.csv", "ignored_but_read.csv",
                                "ignored_with_raw_rows.csv"}
    report = row_accounting(con, registry.get("population"))
    assert (report.files, report.files_not_written, report.rows_read) == (0, 8, 0)


def test_bytes_rejected_under_one_name_and_loaded_under_another_balance(con) -> None:
    """A police file rejected for its name and landed again renamed: the loaded record owns the rows."""
    _file(con, "same", "rejected", 4, 0, 0, feed="police_street", name="street.csv")
    _file(con, "same", "loaded", 4, 3, 1, feed="police_street", name="2024-01-lancashire-street.csv",
          raw_rows=3, quarantine_rows=1)
    # the same bytes rejected in another feed's folder own nothing there either
    _file(con, "same", "rejected", 4, 0, 0, feed="ons_lsoa_lookup", name="street.csv")
    assert _unbalanced(con, "police_street") == set()
    assert _unbalanced(con, "ons_lsoa_lookup") == set()


def test_a_row_quarantined_by_two_checks_counts_once_and_the_report_is_summed(con) -> None:
    _file(con, "twice", "held", 3, 2, 1, raw_rows=2, quarantine_rows=1)
    _file(con, "twice", "held", 3, 2, 1, feed="ons_lsoa_lookup", quarantine_rows=1)  # another feed's row
    con.execute("insert into meta.quarantine (feed, source_file, file_name, source_row, check_name, quarantined_at) "
                "values ('population', 'twice', 'twice', 100, 'range', now())")
    _file(con, "lost", "loaded", 4, 4, 0, raw_rows=3)
    report = row_accounting(con, registry.get("population"))
    assert (report.files, report.rows_read, report.rows_loaded, report.rows_quarantined) == (2, 7, 5, 1)
    assert report.unbalanced == [{"file": "lost.csv", "status": "loaded", "read": 4, "loaded_recorded": 4,
                                  "loaded_in_table": 3, "quarantined_recorded": 0, "quarantined_in_table": 0}]


def test_the_rule_is_written_once() -> None:
    """dq_row_accounting is the Python model that runs warehouse.accounting's query: no SQL copy."""
    folder = DBT_PROJECT / "models" / "data_quality"
    assert not (folder / "dq_row_accounting.sql").exists()
    model = (folder / "dq_row_accounting.py").read_text()
    assert "from warehouse.accounting import accounting_sql" in model
    for path in [*folder.glob("*.sql"), *(DBT_PROJECT / "models").rglob("*.sql")]:
        assert "is_nothing_in_tables" not in path.read_text(), path


def test_a_status_nobody_accounts_for_does_not_balance(con) -> None:
    _file(con, "new", "pending", 0, 0, 0)
    assert _unbalanced(con) == {"new.csv"}
    assert "pending" in row_accounting(con, registry.get("population")).describe()


# --- dbt: orphan STATS19 rows and dq_row_accounting on files landed through the loader ----------
COLLISION = ["collision_index", "collision_year", "collision_ref_no", "police_force", "collision_severity",
             "number_of_vehicles", "number_of_casualties", "date", "day_of_week", "time",
             "local_authority_ons_district", "lsoa_of_collision_location", "longitude", "latitude", "speed_limit"]
VEHICLE = ["collision_index", "collision_year", "collision_ref_no", "vehicle_reference", "vehicle_type",
           "age_of_driver"]
CASUALTY = ["collision_index", "collision_year", "collision_ref_no", "vehicle_reference", "casualty_reference",
            "casualty_class", "sex_of_casualty", "age_of_casualty", "casualty_severity", "casualty_type"]


def _index(i: int) -> str:
    return f"2024040{i:06d}"


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _collision(i: int, date: str = "21/05/2024") -> list[object]:
    return [_index(i), 2024, _index(i)[4:], 4, 3, 1, 1, date, 3, "15:30", "E07000123", "E01025300", -2.7, 53.76, 30]


def _vehicle(i: int) -> list[object]:
    return [_index(i), 2024, _index(i)[4:], 1, 9, 40]


def _casualty(i: int) -> list[object]:
    return [_index(i), 2024, _index(i)[4:], 1, 1, 1, 1, 30, 3, 9]


def _dbt(args: list[str], work: Path):
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke([*args, "--vars", dbt_vars(default_settings()), "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
                                 "--target-path", str(work / "target"), "--log-path", str(work / "logs"), "--quiet"])
    if result.exception is not None:
        raise result.exception
    return result


@pytest.fixture(scope="module")
def dq_warehouse(tmp_path_factory: pytest.TempPathFactory):
    """Collision 2 quarantined (a date that does not exist), collision 3 never published: the casualties
    of 2 and 3 and the vehicle of 2 have no collision. Plus a rejected casualty file and an LSOA lookup
    with an LSOA mapped to two districts. Then dbt builds the data-quality models, their parents and
    every test on them."""
    work = tmp_path_factory.mktemp("dq_accounting")
    warehouse = work / "warehouse.duckdb"
    landing = work / "landing"
    files = {
        ("stats19_collision", "dft-road-casualty-statistics-collision-2024.csv"):
            _csv(COLLISION, [_collision(1), _collision(2, date="31/02/2024")]),
        ("stats19_vehicle", "dft-road-casualty-statistics-vehicle-2024.csv"):
            _csv(VEHICLE, [_vehicle(1), _vehicle(2)]),
        ("stats19_casualty", "dft-road-casualty-statistics-casualty-2024.csv"):
            _csv(CASUALTY, [_casualty(1), _casualty(2), _casualty(3)]),
        ("stats19_casualty", "casualties-header-only.csv"): _csv(CASUALTY, []),
        ("ons_lsoa_lookup", "LSOA11_LAD19.csv"):
            _csv(["LSOA11CD", "LSOA11NM", "LAD19CD", "LAD19NM"], [
                ["E01025300", "Preston 001A", "E07000123", "Preston"],
                ["E01024800", "Burnley 001A", "E07000117", "Burnley"],
                ["E01024800", "Burnley 001A", "E07000123", "Preston"]]),
    }
    close_dbt_duckdb_connection()  # dbt-duckdb keeps its handle, opened with the [duckdb] settings
    con = duckdb.connect(str(warehouse))
    ensure_schema(con, {f.raw_table: f.columns for f in registry.feeds().values()})
    results = {}
    for (feed, name), content in files.items():
        path = landing / feed / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        stat = path.stat()
        results[name] = ingest_unit(con, registry.get(feed), LandedUnit(feed, path, None, stat.st_size,
                                                                          stat.st_mtime_ns), "test-run")
    con.close()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSW_WAREHOUSE_PATH", str(warehouse))
        mp.setenv("CSW_REPO_ROOT", str(REPO))
        build = _dbt(["build", "--select", "+dq_stats19_unattributed_rows", "+dq_row_accounting",
                       "--indirect-selection", "cautious"], work)  # no test of a model not built
    close_dbt_duckdb_connection()  # dbt-duckdb keeps its handle, opened with the [duckdb] settings
    con = duckdb.connect(str(warehouse))
    yield con, results, build
    con.close()


def test_files_landed_as_expected(dq_warehouse) -> None:
    _, results, _ = dq_warehouse
    status = {name: (r.status, r.rows_read, r.rows_loaded, r.rows_quarantined) for name, r in results.items()}
    assert status == {
        "dft-road-casualty-statistics-collision-2024.csv": ("loaded", 2, 1, 1),
        "dft-road-casualty-statistics-vehicle-2024.csv": ("loaded", 2, 2, 0),
        "dft-road-casualty-statistics-casualty-2024.csv": ("loaded", 3, 3, 0),
        "casualties-header-only.csv": ("rejected", 0, 0, 0),
        "LSOA11_LAD19.csv": ("loaded", 3, 1, 2),
    }


def test_dq_models_build_and_their_tests_pass(dq_warehouse) -> None:
    _, _, build = dq_warehouse
    failed = [f"{r.node.unique_id}: {r.status} {r.message or ''}" for r in build.result.results
              if str(r.status) not in {"pass", "success", "warn"}]
    assert not failed, "\n".join(failed)
    ran = {r.node.unique_id for r in build.result.results}
    assert any("dq_row_accounting_is_balanced" in uid for uid in ran), sorted(ran)


def test_casualties_and_vehicles_without_collision_are_listed(dq_warehouse) -> None:
    con, _, _ = dq_warehouse
    rows = con.execute(
        "select feed, reason, collision_index, data_year, file_name, source_row "
        "from meta.dq_stats19_unattributed_rows order by feed, source_row").fetchall()
    assert rows == [
        ("stats19_casualty", "collision_absent", _index(2), 2024, "dft-road-casualty-statistics-casualty-2024.csv", 3),
        ("stats19_casualty", "collision_absent", _index(3), 2024, "dft-road-casualty-statistics-casualty-2024.csv", 4),
        ("stats19_vehicle", "collision_absent", _index(2), 2024, "dft-road-casualty-statistics-vehicle-2024.csv", 3),
    ]


def test_row_accounting_counts_them_and_balances_every_status(dq_warehouse) -> None:
    con, _, _ = dq_warehouse
    rows = {r[0]: r[1:] for r in con.execute(
        "select file_name, status, rows_read, rows_loaded, rows_quarantined, rows_in_raw, rows_in_quarantine, "
        "rows_unattributed, unattributed_by_reason, is_balanced from meta.dq_row_accounting").fetchall()}
    assert rows == {
        "dft-road-casualty-statistics-collision-2024.csv": ("loaded", 2, 1, 1, 1, 1, 0, None, True),
        "dft-road-casualty-statistics-vehicle-2024.csv": ("loaded", 2, 2, 0, 2, 0, 1, "collision_absent: 1", True),
        "dft-road-casualty-statistics-casualty-2024.csv": ("loaded", 3, 3, 0, 3, 0, 2, "collision_absent: 2", True),
        "casualties-header-only.csv": ("rejected", 0, 0, 0, 0, 0, 0, None, True),
        "LSOA11_LAD19.csv": ("loaded", 3, 1, 2, 1, 2, 0, None, True),
    }
    for feed in registry.feeds().values():
        assert row_accounting(con, feed).balanced, feed.name


def test_an_lsoa_mapped_to_two_districts_reaches_no_district(dq_warehouse) -> None:
    """Neither Burnley nor Preston wins: both rows are quarantined and the LSOA is not in the lookup."""
    con, _, _ = dq_warehouse
    assert con.execute("select check_name, column_name, failure_case from meta.quarantine "
                       "where feed = 'ons_lsoa_lookup' order by source_row").fetchall() == [
        ("lsoa_maps_to_one_district", "lsoa_code", "E07000117, E07000123")] * 2
    assert con.execute("select lsoa_code, lad_code from staging.int_lsoa_districts_resolved").fetchall() == [
        ("E01025300", "E07000123")]
