"""DuckDB's resources are settings ([duckdb] of the settings model), and reach every connection.

The nightly job opens DuckDB in two ways: dbt's connection (dbt_project/profiles.yml, from the dbt
vars) and the Python connections (warehouse.database.connect: intake, checks, outputs). Both must
run within ``memory_limit`` and ``threads`` and spill to ``temp_directory`` (default
``$CSW_HOME/tmp``), so that a warehouse larger than memory builds instead of failing or taking
the machine. Checked here by asking each connection for ``current_setting(...)``: dbt's through a
one-file dbt project that uses the real profile (a few seconds, no warehouse build).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest
from pydantic import ValidationError

from orchestration.dbt_column_lineage import close_dbt_duckdb_connection
from orchestration.dbt_project import dbt_vars
from warehouse.database import connect, duckdb_config
from warehouse.reader import connect_published
from warehouse.settings import DBT_PROJECT_DIR, default_settings, load_settings, settings_model

OVERRIDE = """
[duckdb]
memory_limit = "1GB"
threads = 1
temp_directory = "spill"
"""

SETTINGS_SQL = ("select current_setting('memory_limit') as memory_limit, current_setting('threads') as threads, "
                "current_setting('temp_directory') as temp_directory")


def _duckdb_spelling(memory_limit: str) -> str:
    """How DuckDB reports a memory limit it was given ("1GB" -> "953.6 MiB")."""
    with duckdb.connect(config={"memory_limit": memory_limit}) as con:
        return con.execute("select current_setting('memory_limit')").fetchone()[0]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "settings.toml").write_text(OVERRIDE, encoding="utf-8")
    return tmp_path


def test_the_defaults_are_safe_and_spill_under_the_home(tmp_path: Path) -> None:
    resources = default_settings().duckdb
    assert resources.memory_limit == "6GB"
    assert resources.threads == 0  # every core of the machine
    config = settings_model(tmp_path).duckdb.config(tmp_path)
    assert config == {"memory_limit": "6GB", "threads": str(len(os.sched_getaffinity(0))),
                      "temp_directory": str((tmp_path / "tmp").resolve())}


def test_a_home_overrides_the_resources(home: Path) -> None:
    assert load_settings(home)["duckdb"] == {"memory_limit": "1GB", "threads": 1, "temp_directory": "spill"}
    assert duckdb_config(home) == {"memory_limit": "1GB", "threads": "1",
                                   "temp_directory": str((home / "spill").resolve())}


@pytest.mark.parametrize("value", ["lots", "6", "6 parsecs", ""])
def test_a_memory_limit_that_is_no_size_is_an_error_that_names_it(tmp_path: Path, value: str) -> None:
    (tmp_path / "settings.toml").write_text(f'[duckdb]\nmemory_limit = "{value}"\n', encoding="utf-8")
    with pytest.raises(ValidationError, match=r"duckdb\.memory_limit"):
        load_settings(tmp_path)


def test_the_dbt_vars_carry_the_resources_of_the_home(home: Path) -> None:
    shipped = json.loads(dbt_vars(load_settings(home), home))
    assert {k: v for k, v in shipped.items() if k.startswith("duckdb_")} == {
        "duckdb_memory_limit": "1GB", "duckdb_threads": "1", "duckdb_temp_directory": str((home / "spill").resolve())}


def test_the_python_writer_and_readers_run_within_the_settings(home: Path) -> None:
    database = home / "warehouse.duckdb"
    with connect(database, home=home) as con:  # the writer: intake, checks, build records
        memory, threads, temp = con.execute(SETTINGS_SQL).fetchone()
    assert (memory, threads, temp) == (_duckdb_spelling("1GB"), 1, str((home / "spill").resolve()))
    with connect(database, read_only=True, home=home) as con:
        assert con.execute(SETTINGS_SQL).fetchone() == (memory, threads, temp)
    with connect_published(home) as con:  # `csw export`, analysts' Python
        assert con.execute(SETTINGS_SQL).fetchone() == (memory, threads, temp)
    with connect_published(home, locked_down=True) as con:  # `csw sql`: no directory of its own
        assert con.execute(SETTINGS_SQL).fetchone()[:2] == (memory, threads)
    assert not (home / "spill").exists()  # created only when DuckDB has to spill


def test_the_dbt_connection_runs_within_the_settings(home: Path, tmp_path_factory: pytest.TempPathFactory,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The real profile, with the vars a night passes, in a one-file project (no model of ours is parsed)."""
    from dbt.cli.main import dbtRunner

    project = tmp_path_factory.mktemp("probe_project")
    (project / "dbt_project.yml").write_text(
        "name: probe\nversion: '1.0.0'\nconfig-version: 2\nprofile: csw\n", encoding="utf-8")
    database = home / "warehouse.duckdb"
    monkeypatch.setenv("CSW_WAREHOUSE_PATH", str(database))
    monkeypatch.setenv("CSW_HOME", str(home))
    result = dbtRunner().invoke([
        "show", "--inline", SETTINGS_SQL, "--output", "json",
        "--vars", dbt_vars(load_settings(home), home),
        "--project-dir", str(project), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(project / "target"), "--log-path", str(project / "logs"), "--quiet",
    ])
    assert result.success, result.exception
    row = result.result.results[0].agate_table.rows[0]
    assert (row["memory_limit"], int(row["threads"]), row["temp_directory"]) == (
        _duckdb_spelling("1GB"), 1, str((home / "spill").resolve()))
    # dbt-duckdb keeps its database open in this process: a Python connection with the same
    # settings can still open the file (DuckDB refuses a second configuration in one process)
    try:
        with connect(database, home=home) as con:
            assert con.execute(SETTINGS_SQL).fetchone()[0] == row["memory_limit"]
    finally:
        close_dbt_duckdb_connection()
