"""Running the Dagster jobs from the command line, on the same instance ``dagster dev`` shows.

The instance lives in ``$CSW_HOME/dagster`` (run storage, event logs). ``csw run`` also writes
``CSW_HOME`` and ``DAGSTER_HOME`` into the repository's ``.env`` (which ``dagster dev`` reads from
the directory it starts in), so the UI opened from the repository root shows the runs ``csw run``
made, without anyone exporting variables.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from warehouse.settings import REPO_ROOT, Paths, load_settings

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


def new_run_id() -> str:
    """A run id chosen before the run starts (its log file is named after it)."""
    return str(uuid.uuid4())


def run_log_path(home: Path, run_id: str) -> Path:
    """Where ``csw run`` writes the full log of a run: ``$CSW_HOME/logs/csw-run-<run id>.log``."""
    return home.resolve() / "logs" / f"csw-run-{run_id}.log"


@contextlib.contextmanager
def logging_to_file(path: Path) -> Iterator[TextIO]:
    """Everything a run would print goes to ``path`` instead of the terminal, until the block ends.

    * Dagster's log (every event, at DEBUG): its default console logger writes to ``sys.stderr``
      when it emits, so it follows ``sys.stderr`` here; the in-process executor's capture of
      compute logs tees into the same stream.
    * dbt's output: dagster-dbt echoes every dbt line to ``sys.stdout``.
    * Python ``logging`` (any logger) and ``warnings`` (DeprecationWarning, Dagster's Beta- and
      PreviewWarning...): through a handler on the root logger; warnings are shown once per place.

    The caller keeps the original ``sys.stdout`` for what the person running the command reads.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    stream = path.open("a", encoding="utf-8", buffering=1)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s - %(name)s - %(levelname)s - %(message)s"))
    root = logging.getLogger()
    saved_out, saved_err = sys.stdout, sys.stderr
    root.addHandler(handler)
    logging.captureWarnings(True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            sys.stdout = sys.stderr = stream
            yield stream
    finally:
        sys.stdout, sys.stderr = saved_out, saved_err
        logging.captureWarnings(False)
        root.removeHandler(handler)
        stream.close()


def cannot_run(home: Path) -> str | None:
    """Why ``csw run`` cannot start in ``home`` (None: it can): the settings do not load, there is
    nothing to build (no landed file and no published warehouse), or another build is under way."""
    from warehouse.atomic_publish import lock_is_stale, read_lock

    paths = Paths(home.resolve())
    try:
        load_settings(paths.home)
    except Exception as error:  # noqa: BLE001 -- any settings error stops the run before it starts
        return f"the settings do not load ({paths.settings_file}): {type(error).__name__}: {error}"
    landed = paths.landing.is_dir() and any(
        p.is_file() and not p.name.startswith(".") for feed in paths.landing.iterdir() if feed.is_dir()
        for p in feed.rglob("*"))
    if not landed and not paths.warehouse.exists():
        return (f"no landing data: no file in {paths.landing}/<feed>/ and no published warehouse yet. "
                "Land the feeds' files there (or `csw demo-data` for synthetic ones) and run again.")
    lock = read_lock(paths.home)
    if lock is not None and not lock_is_stale(lock, _run_finished(paths)):
        return (f"another build is in progress (run {lock.run_id}, pid {lock.pid}, since {lock.started_at}); "
                "only one build at a time: run again when it has finished (`csw status` says).")
    return None


def _run_finished(paths: Paths) -> Callable[[str], bool]:
    def finished(run_id: str) -> bool:
        if not (paths.dagster_home / "dagster.yaml").exists():
            return False
        import dagster as dg

        from orchestration.resources import run_finished

        with dg.DagsterInstance.from_config(str(paths.dagster_home)) as instance:
            return run_finished(instance)(run_id)
    return finished


def run_job(home: Path, job_name: str = "nightly", partition_key: str | None = None,
            tags: dict[str, str] | None = None, write_dotenv: bool = True, run_id: str | None = None,
            on_event: Callable | None = None):
    """Execute a job in this process against the home's Dagster instance; returns the result.

    ``on_event`` is called with every event log entry of the run as it is stored (progress)."""
    prepare_home(home, write_dotenv=write_dotenv)
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.resources import WarehouseResource

    from orchestration.build_record import git_commit
    from orchestration.lineage import emit_lineage_safely
    from orchestration.publish_asset import PID_TAG, fail_dead_runs
    from warehouse.atomic_publish import discard_build

    commit = git_commit()["commit"] or "unknown"
    with dg.DagsterInstance.get() as instance:
        fail_dead_runs(instance)  # a killed csw run must not hold the DuckDB pool slot forever
        job = defs.resolve_job_def(job_name)
        run_id = run_id or new_run_id()
        if on_event is not None:
            instance.add_event_listener(run_id, on_event)
        result = job.execute_in_process(
            instance=instance,
            run_id=run_id,
            partition_key=partition_key,
            tags={"csw/trigger": "csw", PID_TAG: str(os.getpid()), "csw/git_commit": commit, **(tags or {})},
            resources={"warehouse": WarehouseResource(home=str(home.resolve()))},
            raise_on_error=False,
        )
        if not result.success:  # free the disk now; the next run would discard it anyway
            discard_build(home, result.run_id)
        # After publishing: the lineage of the run reads the published warehouse.
        emit_lineage_safely(instance, result.run_id, home.resolve(), defs.resolve_asset_graph())
    return result
