"""What is published is consistent: the night's outputs reach ``outputs/`` with the warehouse they
describe, or not at all.

The mechanism (:mod:`warehouse.atomic_publish`) is driven directly on tiny warehouses, with the moves
made to fail or the process killed at each point of the publish; a small Dagster job runs the real
``published/warehouse`` step; one test runs the real nightly job on a copy of ``published_home``
and kills its publish half way.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from nights import STALE_OUTPUT, StoredRun
from orchestration.publish_asset import PUBLISHED_KEY, published_location, run_outputs, with_publish_step
from orchestration.resources import WarehouseResource
from warehouse import atomic_publish as publish
from warehouse.atomic_publish import (OutputsNotMoved, active_outputs, build_path, describe, discard_build,
                               finish_interrupted_publish, outputs_build_path, publish_build, published_path,
                               read_lock, start_build)

REPO = Path(__file__).resolve().parents[1]


# --- helpers -------------------------------------------------------------------------------------

def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path -> sha256): a byte-for-byte picture."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def night(home: Path, run_id: str, value: int) -> Path:
    """A night that builds the warehouse (``t.v = value``) and writes its outputs into its build
    folder, the way the report steps do: a report CSV, the data-quality CSV, a Data Docs page."""
    db = start_build(home, run_id)
    con = duckdb.connect(str(db))
    try:
        con.execute("create or replace table t as select ? as v", [value])
    finally:
        con.close()
    staged = active_outputs(home)
    assert staged == outputs_build_path(home.resolve(), run_id)
    (staged / "data_quality").mkdir(parents=True)
    (staged / "data_docs").mkdir()
    (staged / "report.csv").write_text(f"v\n{value}\n")
    (staged / "data_quality" / "dq.csv").write_text(f"v\n{value}\n")
    (staged / "data_docs" / "index.html").write_text(f"<p>{value}</p>")
    return staged


def published_value(home: Path) -> int:
    con = duckdb.connect(str(published_path(home)), read_only=True)
    try:
        return con.execute("select v from t").fetchone()[0]
    finally:
        con.close()


def output_values(home: Path) -> set[int]:
    """The values every output file shows (one value when the outputs describe one warehouse)."""
    outputs = home / "outputs"
    return {int((outputs / "report.csv").read_text().split()[1]),
            int((outputs / "data_quality" / "dq.csv").read_text().split()[1]),
            int((outputs / "data_docs" / "index.html").read_text()[3:-4])}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home whose first night (value 1) has published its warehouse and outputs, plus an older
    period's report that later nights do not rebuild."""
    night(tmp_path, "night-1", 1)
    publish_build(tmp_path, "night-1")
    (tmp_path / "outputs" / "report_2019.csv").write_text("v\n2019\n")
    return tmp_path


# --- the mechanism -------------------------------------------------------------------------------

def test_outputs_are_staged_in_the_build_and_published_with_the_warehouse(home: Path) -> None:
    assert published_value(home) == 1 and output_values(home) == {1}
    before = tree(home / "outputs")
    staged = night(home, "night-2", 2)
    assert tree(home / "outputs") == before  # nothing reaches outputs/ before the publish
    publish_build(home, "night-2")
    assert published_value(home) == 2 and output_values(home) == {2}
    assert (home / "outputs" / "report_2019.csv").read_text() == "v\n2019\n"  # earlier periods stay
    assert not staged.exists() and read_lock(home).state == "published"
    assert active_outputs(home) is None  # after the publish this process writes to outputs/ again


def test_a_failed_night_leaves_outputs_byte_for_byte(home: Path) -> None:
    before = tree(home / "outputs")
    staged = night(home, "night-2", 2)
    assert discard_build(home, "night-2")
    assert not staged.exists() and tree(home / "outputs") == before
    assert published_value(home) == 1


def test_a_night_killed_before_publishing_leaves_outputs_and_the_next_night_discards_its_files(home: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    before = tree(home / "outputs")
    staged = night(home, "killed", 2)
    publish._write_lock(home.resolve(), publish.BuildLock(run_id="killed", pid=int(dead.stdout),
                                                          started_at="?"), exclusive=False)  # its owner died
    night(home, "night-3", 3)
    assert not staged.exists() and tree(home / "outputs") == before
    publish_build(home, "night-3")
    assert published_value(home) == 3 and output_values(home) == {3}


def test_a_publish_that_fails_while_moving_outputs_is_rolled_forward(home: Path, monkeypatch) -> None:
    night(home, "night-2", 2)
    real_move, moved = publish._move_output, []

    def move_one_then_fail(source: Path, target: Path) -> None:
        if moved:
            raise OSError("disk full")
        real_move(source, target)
        moved.append(target)

    monkeypatch.setattr(publish, "_move_output", move_one_then_fail)
    with pytest.raises(OutputsNotMoved, match="next run"):
        publish_build(home, "night-2")
    # The warehouse was published, one output moved: the journal says so.
    assert published_value(home) == 2 and output_values(home) == {1, 2}
    assert read_lock(home).state == "publishing" and read_lock(home).outputs == "outputs.night-2"
    assert "was interrupted" in describe(home)
    monkeypatch.setattr(publish, "_move_output", real_move)

    night(home, "night-3", 3)  # the next night finishes the move before it starts
    assert output_values(home) == {2} == {published_value(home)}
    assert not outputs_build_path(home.resolve(), "night-2").exists()
    assert (home / "outputs" / "report_2019.csv").exists()


def test_a_publish_that_dies_before_the_rename_is_rolled_back(home: Path, monkeypatch) -> None:
    before = tree(home / "outputs")
    published_before = hashlib.sha256(published_path(home).read_bytes()).hexdigest()
    night(home, "night-2", 2)

    def die(build: Path, published: Path) -> None:
        raise KeyboardInterrupt  # stands for the process dying just before the rename

    monkeypatch.setattr(publish, "_replace_published", die)
    with pytest.raises(KeyboardInterrupt):
        publish_build(home, "night-2")
    monkeypatch.undo()
    assert read_lock(home).state == "publishing"
    assert finish_interrupted_publish(home) == "discarded"
    assert hashlib.sha256(published_path(home).read_bytes()).hexdigest() == published_before
    assert tree(home / "outputs") == before and published_value(home) == 1
    assert not build_path(home.resolve(), "night-2").exists()
    assert not outputs_build_path(home.resolve(), "night-2").exists()
    assert finish_interrupted_publish(home) is None  # nothing left to do


KILL_AFTER_FIRST_MOVE = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from warehouse import atomic_publish as publish

    real_move, moved = publish._move_output, []

    def move_then_die(source, target):
        real_move(source, target)
        moved.append(target)
        if len(moved) == 1:
            os._exit(9)  # SIGKILL-like: no cleanup, no exception handler, no finally

    publish._move_output = move_then_die
    publish.publish_build(Path(sys.argv[1]), sys.argv[2])
""")


def test_a_process_killed_between_the_warehouse_and_the_outputs_is_rolled_forward(home: Path) -> None:
    night(home, "night-2", 2)
    died = subprocess.run([sys.executable, "-c", KILL_AFTER_FIRST_MOVE, str(home), "night-2"], cwd=REPO,
                          capture_output=True, text=True)
    assert died.returncode == 9, died.stderr
    assert published_value(home) == 2 and output_values(home) == {1, 2}  # killed half way
    assert read_lock(home).state == "publishing"
    # Whoever comes next (the next night's first step, `csw report`) finishes it first.
    assert finish_interrupted_publish(home) == "published"
    assert output_values(home) == {2} == {published_value(home)}
    assert read_lock(home).state == "published"
    night(home, "night-3", 3)
    publish_build(home, "night-3")
    assert output_values(home) == {3} == {published_value(home)}


def test_data_docs_go_where_the_outputs_go(home: Path) -> None:
    from reporting.gx_project import data_docs_dir

    assert data_docs_dir(home) == home.resolve() / "outputs" / "data_docs"
    staged = night(home, "night-2", 2)
    assert data_docs_dir(home) == staged / "data_docs"
    discard_build(home, "night-2")
    assert data_docs_dir(home) == home.resolve() / "outputs" / "data_docs"


# --- the publish step of a Dagster run ------------------------------------------------------------

@dg.asset(key=dg.AssetKey(["marts", "numbers"]))
def numbers(warehouse: WarehouseResource) -> None:
    con = duckdb.connect(str(warehouse.database))
    try:
        con.execute("create or replace table t as select 7 as v")
    finally:
        con.close()


@dg.asset(key=dg.AssetKey(["outputs", "numbers_csv"]), deps=[numbers])
def numbers_csv(warehouse: WarehouseResource) -> dg.MaterializeResult:
    folder = run_outputs(warehouse)
    path = folder / "numbers.csv"
    con = duckdb.connect(str(warehouse.database), read_only=True)
    try:
        con.execute(f"copy (select v from t) to '{path}' (header)")
    finally:
        con.close()
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(published_location(warehouse, path)))})


def _check(passed: bool) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=numbers_csv, name="looks_right", blocking=True)
    def looks_right(context, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        home = warehouse.paths.home
        staged = outputs_build_path(home, context.run.run_id) / "numbers.csv"
        # The output is written, in the run's build folder; outputs/ still has last night's.
        assert staged.read_text() == "v\n7\n" and (home / "outputs" / "numbers.csv").read_text() != "v\n7\n"
        return dg.AssetCheckResult(passed=passed)

    return looks_right


def _run(home: Path, passed: bool) -> dg.ExecuteInProcessResult:
    job = dg.define_asset_job("night", selection=dg.AssetSelection.all())
    defs = with_publish_step(dg.Definitions(assets=[numbers, numbers_csv], asset_checks=[_check(passed)], jobs=[job],
                                            resources={"warehouse": WarehouseResource(home=str(home))}))
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def("night").execute_in_process(instance=instance, raise_on_error=False)
    if not result.success:  # what cli.runner does after a failed run
        discard_build(home, result.run_id)
    return result


def test_the_publish_step_moves_the_runs_outputs_and_a_failed_check_moves_none(tmp_path: Path) -> None:
    home = tmp_path.resolve()
    (home / "outputs").mkdir()
    (home / "outputs" / "numbers.csv").write_text("v\nold\n")
    before = tree(home / "outputs")

    failed = _run(home, passed=False)
    assert not failed.success
    assert tree(home / "outputs") == before and not published_path(home).exists()
    assert not list((home / "build").glob("outputs.*"))

    result = _run(home, passed=True)
    assert result.success
    (materialization,) = result.asset_materializations_for_node("outputs__numbers_csv")
    path = Path(materialization.metadata["path"].value)
    assert path == home / "outputs" / "numbers.csv" and path.read_text() == "v\n7\n"  # the published path
    (published,) = result.asset_materializations_for_node("published__warehouse")
    assert published.metadata["outputs_published"].value == [str(path)]
    assert published_value(home) == 7
    assert not list((home / "build").glob("outputs.*"))


# --- the real nightly job, killed while it publishes ----------------------------------------------

def test_a_real_night_killed_while_publishing_ends_with_outputs_of_the_published_warehouse(
        recovery_night: dict) -> None:
    """The session's recovery night (conftest.recovery_night): a real nightly job on a copy of the
    six-month home whose third move of an output into ``outputs/`` fails, as if the process died."""
    import pandas as pd

    home = recovery_night["home"]
    csv_name = STALE_OUTPUT
    result = StoredRun(home, recovery_night["run_id"])
    assert not recovery_night["success"] and len(recovery_night["moved"]) == 2
    assert recovery_night["lock_state"] == "publishing" and recovery_night["lock_run_id"] == result.run_id
    assert not recovery_night["build_left"]  # the warehouse was published

    assert recovery_night["finished"] == "published"  # what the next night does first
    assert not list((home / "build").glob("outputs.*"))
    outputs = home / "outputs"
    published = pd.read_csv(outputs / csv_name, na_values=["[c]", "[x]"])  # hidden / not available: no value
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        mart = con.execute("select indicator_id, area_code, value from marts.mart_scorecard_quarterly "
                           "where financial_year = '2024/25' and fy_quarter = 1").df()
        dq = con.execute("select count(*) from meta.dq_row_accounting").fetchone()[0]
    shown = published.dropna(subset=["value"]).merge(mart, on=["indicator_id", "area_code"], suffixes=("", "_mart"))
    assert len(shown) == len(published.dropna(subset=["value"])) > 0
    assert ((shown["value"] - shown["value_mart"].astype(float).round(2)).abs() < 1e-9).all()  # the CSV rounds to 2 dp
    assert len(pd.read_csv(outputs / "data_quality" / "dq_row_accounting.csv")) == dq
    assert (outputs / "data_docs" / "index.html").exists()
    # Every file the run wrote is in outputs/ now, none left in the build.
    events = [e for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"]
    report = next(e for e in events if e.asset_key == dg.AssetKey(["outputs", "quarterly_report"]))
    paths = report.event_specific_data.materialization.metadata["paths"].value
    assert paths and all(Path(p).parent == outputs.resolve() and Path(p).exists() for p in paths)
    assert not any(e.asset_key == PUBLISHED_KEY for e in events)  # the step failed, loudly
