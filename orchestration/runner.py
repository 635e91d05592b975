"""Running the Dagster jobs from the command line, on the same instance ``dagster dev`` shows.

The instance lives in ``$CSW_HOME/dagster`` (run storage, event logs). ``csw run`` also writes
``CSW_HOME`` and ``DAGSTER_HOME`` into the repository's ``.env`` (which ``dagster dev`` reads from
the directory it starts in), so the UI opened from the repository root shows the runs ``csw run``
made, without anyone exporting variables.
"""

from __future__ import annotations

import os
from pathlib import Path

from warehouse.settings import REPO_ROOT, Paths

DAGSTER_YAML = """\
# Dagster instance of this warehouse home (written by csw; edit freely).
concurrency:
  pools:
    # DuckDB has one writer: every asset in the duckdb_writer pool runs alone.
    default_limit: 1
# Runs launched by the daemon whose worker died are marked failed (and free their pool slots).
run_monitoring:
  enabled: true
telemetry:
  enabled: false
"""


def _update_dotenv(values: dict[str, str], dotenv: Path) -> None:
    lines = dotenv.read_text(encoding="utf-8").splitlines() if dotenv.exists() else []
    kept = [line for line in lines if line.split("=", 1)[0].strip() not in values]
    # `${KEY:-value}`: Dagster lets a .env override the environment, so a variable set explicitly
    # (`CSW_HOME=/srv/csw dagster dev`, a test) must still win over the home `csw run` last used.
    kept += [f"{key}=${{{key}:-{value}}}" for key, value in values.items()]
    dotenv.write_text("\n".join(kept) + "\n", encoding="utf-8")


def prepare_home(home: Path, write_dotenv: bool = True) -> Paths:
    """Create the home's folders and Dagster instance config, and point this process at them."""
    paths = Paths(home.resolve()).ensure()
    dagster_yaml = paths.dagster_home / "dagster.yaml"
    if not dagster_yaml.exists():
        dagster_yaml.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["CSW_HOME"] = str(paths.home)
    os.environ["DAGSTER_HOME"] = str(paths.dagster_home)
    os.environ["CSW_WAREHOUSE_PATH"] = str(paths.warehouse)
    if write_dotenv and os.access(REPO_ROOT, os.W_OK):
        _update_dotenv({"CSW_HOME": str(paths.home), "DAGSTER_HOME": str(paths.dagster_home)}, REPO_ROOT / ".env")
    return paths


def run_job(home: Path, job_name: str = "nightly", partition_key: str | None = None,
            tags: dict[str, str] | None = None, write_dotenv: bool = True):
    """Execute a job in this process against the home's Dagster instance; returns the result."""
    prepare_home(home, write_dotenv=write_dotenv)
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.resources import WarehouseResource

    from orchestration.build_record import git_commit
    from orchestration.lineage import emit_lineage_safely
    from orchestration.publish import PID_TAG, fail_dead_runs
    from warehouse.publish import discard_build

    commit = git_commit()["commit"] or "unknown"
    with dg.DagsterInstance.get() as instance:
        fail_dead_runs(instance)  # a killed csw run must not hold the DuckDB pool slot forever
        job = defs.resolve_job_def(job_name)
        result = job.execute_in_process(
            instance=instance,
            partition_key=partition_key,
            tags={"csw/trigger": "csw", PID_TAG: str(os.getpid()), "csw/git_commit": commit, **(tags or {})},
            resources={"warehouse": WarehouseResource(home=str(home.resolve()))},
            raise_on_error=False,
        )
        if not result.success:  # free the disk now; the next run would discard it anyway
            discard_build(home, result.run_id)
        # After publishing: the lineage of the run reads the published warehouse.
        emit_lineage_safely(instance, result.run_id, home.resolve())
    return result
