"""Build-and-publish in small: the lock, and "publish only when every step and check passed".

The lock tests drive :mod:`warehouse.atomic_publish` directly; the gate tests run a tiny Dagster job (one
asset writing a table into the run's build, one check, and the real ``published/warehouse``
asset) so they exercise the same resource and publish step as the nightly job, in seconds.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.publish_asset import PUBLISHED_KEY, with_publish_step
from orchestration.resources import WarehouseResource
from warehouse.atomic_publish import (BuildAlreadyPublished, BuildInProgress, build_path, building, discard_build,
                               lock_path, publish_build, published_path, read_lock, start_build)


def _published_rows(home: Path) -> list[tuple]:
    con = duckdb.connect(str(published_path(home)), read_only=True)
    try:
        return con.execute("select * from t order by all").fetchall()
    finally:
        con.close()


def _write(db: Path, value: int) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute("create table if not exists t (v int)")
        con.execute("insert into t values (?)", [value])
    finally:
        con.close()


# --- the lock ------------------------------------------------------------------------------------

def test_build_starts_from_a_copy_and_publish_replaces_the_file_atomically(tmp_path: Path) -> None:
    home = tmp_path
    db = start_build(home, "run-1")
    assert db == build_path(home, "run-1") and not published_path(home).exists()
    _write(db, 1)
    assert start_build(home, "run-1") == db  # every step of the run gets the same copy
    publish_build(home, "run-1")
    assert _published_rows(home) == [(1,)] and not db.exists()
    assert read_lock(home).state == "published"

    db2 = start_build(home, "run-2")
    assert _published_rows(home) == [(1,)]
    _write(db2, 2)
    assert _published_rows(home) == [(1,)]  # the published file is not the build
    publish_build(home, "run-2")
    assert _published_rows(home) == [(1,), (2,)]


def test_a_step_after_publishing_cannot_start_a_second_build(tmp_path: Path) -> None:
    _write(start_build(tmp_path, "run-1"), 1)
    publish_build(tmp_path, "run-1")
    with pytest.raises(BuildAlreadyPublished, match="blocking=True"):
        start_build(tmp_path, "run-1")


def test_a_live_build_keeps_others_out_until_its_run_ends(tmp_path: Path) -> None:
    start_build(tmp_path, "run-1", pid=os.getpid())
    with pytest.raises(BuildInProgress, match="run-1"):
        start_build(tmp_path, "run-2")
    finished = {"run-1"}
    db = start_build(tmp_path, "run-2", run_finished=lambda run_id: run_id in finished)
    assert read_lock(tmp_path).run_id == "run-2" and db.name == "warehouse.run-2.duckdb"
    assert not build_path(tmp_path, "run-1").exists()


def test_a_dead_owners_lock_and_copy_are_taken_over(tmp_path: Path) -> None:
    _write(start_build(tmp_path, "run-0"), 0)
    publish_build(tmp_path, "run-0")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = start_build(tmp_path, "killed", pid=int(dead.stdout))
    _write(stale, 99)  # what the killed run had done
    before = hashlib.sha256(published_path(tmp_path).read_bytes()).hexdigest()

    db = start_build(tmp_path, "next")
    assert not stale.exists() and read_lock(tmp_path).run_id == "next"
    _write(db, 1)
    publish_build(tmp_path, "next")
    assert before != hashlib.sha256(published_path(tmp_path).read_bytes()).hexdigest()
    assert _published_rows(tmp_path) == [(0,), (1,)]  # nothing of the killed run


def test_a_torn_lock_file_is_free(tmp_path: Path) -> None:
    lock_path(tmp_path).parent.mkdir(parents=True)
    lock_path(tmp_path).write_text("{not json", encoding="utf-8")
    start_build(tmp_path, "run-1")
    assert read_lock(tmp_path).run_id == "run-1"


def test_discard_and_building_leave_the_published_file_alone(tmp_path: Path) -> None:
    _write(start_build(tmp_path, "run-0"), 0)
    publish_build(tmp_path, "run-0")
    with pytest.raises(RuntimeError, match="boom"):
        with building(tmp_path, "cli-1") as db:
            _write(db, 5)
            raise RuntimeError("boom")
    assert _published_rows(tmp_path) == [(0,)] and not build_path(tmp_path, "cli-1").exists()
    assert read_lock(tmp_path).state == "discarded"
    assert not discard_build(tmp_path, "cli-1")
    with pytest.raises(RuntimeError, match="does not hold the build lock"):
        publish_build(tmp_path, "cli-1")


# --- the gate in a Dagster run ---------------------------------------------------------------------

@dg.asset(key=dg.AssetKey(["marts", "numbers"]))
def numbers(warehouse: WarehouseResource) -> None:
    _write(warehouse.database, 7)


def _check(name: str, passed: bool, severity: dg.AssetCheckSeverity, blocking: bool) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=numbers, name=name, blocking=blocking)
    def _c(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        con = duckdb.connect(str(warehouse.database), read_only=True)
        try:
            (count,) = con.execute("select count(*) from t").fetchone()
        finally:
            con.close()
        return dg.AssetCheckResult(passed=passed and count > 0, severity=severity)

    return _c


def _run(home: Path, checks: list[dg.AssetChecksDefinition], settings: str = "") -> dg.ExecuteInProcessResult:
    (home / "settings.toml").write_text(settings, encoding="utf-8")
    job = dg.define_asset_job("night", selection=dg.AssetSelection.all())
    defs = with_publish_step(dg.Definitions(assets=[numbers], asset_checks=checks, jobs=[job],
                                            resources={"warehouse": WarehouseResource(home=str(home))}))
    with dg.instance_for_test() as instance:
        return defs.resolve_job_def("night").execute_in_process(instance=instance, raise_on_error=False)


def _published(result: dg.ExecuteInProcessResult) -> bool:
    return any(e.event_type_value == "ASSET_MATERIALIZATION" and e.asset_key == PUBLISHED_KEY
               for e in result.all_events)


def test_every_check_passed_publishes(tmp_path: Path) -> None:
    result = _run(tmp_path, [_check("ok", True, dg.AssetCheckSeverity.ERROR, blocking=True)])
    assert result.success and _published(result)
    assert _published_rows(tmp_path) == [(7,)]
    assert not list((tmp_path / "build").glob("warehouse.*"))


@pytest.mark.parametrize("blocking", [True, False])
def test_a_failed_check_leaves_the_published_warehouse(tmp_path: Path, blocking: bool) -> None:
    assert _run(tmp_path, []).success
    before = hashlib.sha256(published_path(tmp_path).read_bytes()).hexdigest()
    result = _run(tmp_path, [_check("bad", False, dg.AssetCheckSeverity.ERROR, blocking=blocking)])
    assert not _published(result)
    assert hashlib.sha256(published_path(tmp_path).read_bytes()).hexdigest() == before
    assert _published_rows(tmp_path) == [(7,)]


def test_a_warning_publishes_unless_the_settings_say_block(tmp_path: Path) -> None:
    warn = _check("suspicious", False, dg.AssetCheckSeverity.WARN, blocking=True)
    assert _published(_run(tmp_path, [warn]))
    assert _published_rows(tmp_path) == [(7,)]
    result = _run(tmp_path, [warn], settings="[publish]\nblock_on_warnings = true\n")
    assert not result.success and not _published(result)
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "NOT published" in failure.event_specific_data.error.message
    assert "suspicious" in failure.event_specific_data.error.message
    assert _published_rows(tmp_path) == [(7,)]


def test_published_asset_depends_on_every_other_asset() -> None:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    # Landing folders are external assets (files partners deliver), not steps of a run.
    others = {k for k in graph.materializable_asset_keys if k != PUBLISHED_KEY}
    assert set(graph.get(PUBLISHED_KEY).parent_keys) == others
    for job_name in ["nightly", *[j.name for j in defs.jobs if j.name.startswith("ingest_")]]:
        assert PUBLISHED_KEY in defs.resolve_job_def(job_name).asset_layer.selected_asset_keys, job_name


def test_csw_ingest_publishes_a_balanced_load_and_waits_for_a_running_build(
        police_landing, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cli.main import main

    police_landing.write([police_landing.row() for _ in range(3)], month="2024-01")
    assert main(["--home", str(tmp_path), "ingest", "police_street"]) == 0
    assert "Published" in capsys.readouterr().out
    con = duckdb.connect(str(published_path(tmp_path)), read_only=True)
    assert con.execute("select count(*) from raw.police_street").fetchone() == (3,)
    con.close()
    before = hashlib.sha256(published_path(tmp_path).read_bytes()).hexdigest()

    start_build(tmp_path, "nightly-in-progress", pid=os.getpid())  # a live build holds the lock
    police_landing.write([police_landing.row(month="2024-02")], month="2024-02")
    assert main(["--home", str(tmp_path), "ingest", "police_street"]) == 1
    assert "another run is building" in capsys.readouterr().err
    assert hashlib.sha256(published_path(tmp_path).read_bytes()).hexdigest() == before
    assert read_lock(tmp_path).run_id == "nightly-in-progress"
    assert main(["--home", str(tmp_path), "status"]) == 0
    assert "a build is in progress (run nightly-in-progress" in capsys.readouterr().out


@pytest.mark.night  # `dagster job execute` of the project's definitions, a process per step: tens of seconds
def test_a_run_with_one_process_per_step_builds_one_copy_and_publishes_it(police_landing, tmp_path: Path) -> None:
    """What the daemon does for the schedule and the landing sensor: every step in its own process,
    each finding the run's build copy from the run id alone."""
    import json

    from cli.runner import prepare_home

    police_landing.write([police_landing.row() for _ in range(4)], month="2024-01")
    paths = prepare_home(tmp_path, write_dotenv=False)
    with dg.DagsterInstance.from_config(str(paths.dagster_home)) as instance:
        instance.add_dynamic_partitions("police_street_partitions", ["2024-01"])
    env = {**os.environ, "CSW_HOME": str(paths.home), "DAGSTER_HOME": str(paths.dagster_home)}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("dagster")), "job", "execute", "-m", "orchestration.definitions",
         "-j", "ingest_police_street", "--tags", json.dumps({"dagster/partition": "2024-01"})],
        cwd=Path(__file__).resolve().parents[1], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    con = duckdb.connect(str(published_path(tmp_path)), read_only=True)
    assert con.execute("select count(*) from raw.police_street").fetchone() == (4,)
    con.close()
    with dg.DagsterInstance.from_config(str(paths.dagster_home)) as instance:
        (run,) = instance.get_runs()
        starts = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_START)
    pids = {e.step_key: e.dagster_event.pid for e in starts}
    assert {"raw__police_street", "published__warehouse"} <= set(pids)
    assert pids["raw__police_street"] != pids["published__warehouse"]
    assert read_lock(tmp_path).run_id == run.run_id and read_lock(tmp_path).state == "published"
    assert not list((tmp_path / "build").glob("warehouse.*"))
