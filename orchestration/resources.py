"""The one resource every asset shares: where the warehouse lives.

Resolved from ``$CSW_HOME`` when the code location loads, so ``csw run`` and ``dagster dev``
started from the repository root act on the same files. Which file a run works in (its build
copy, :func:`run_database`) is decided here too: the publish step (``orchestration/publish_asset.py``)
builds on this module, never the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import PrivateAttr

from warehouse.atomic_publish import BuildInProgress, start_build
from warehouse.settings import Paths, csw_home, load_settings

# DuckDB allows one writer, and while it writes no other process may even read the file: every
# step that opens the warehouse (ingestion, checks, dbt, outputs) runs in this pool (limit 1).
DUCKDB_WRITER_POOL = "duckdb_writer"

# While another run builds, a step that needs the warehouse gives its pool slot back and tries again.
RETRY_SECONDS = 30
RETRY_LIMIT = 240  # two hours

_FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}


def run_finished(instance: dg.DagsterInstance | None) -> Callable[[str], bool]:
    """Whether the run that holds a lock has ended (a failed run leaves its lock behind)."""
    def _finished(run_id: str) -> bool:
        if instance is None:
            return False
        run = instance.get_run_by_id(run_id)  # unknown (e.g. a `csw ingest`): its pid decides
        return run is not None and run.status in _FINISHED
    return _finished


def run_database(home: Path, run_id: str, instance: dg.DagsterInstance | None) -> Path:
    """The run's build copy, started on first use; retried later while another run is building."""
    try:
        return start_build(home, run_id, run_finished=run_finished(instance))
    except BuildInProgress as busy:
        raise dg.RetryRequested(max_retries=RETRY_LIMIT, seconds_to_wait=RETRY_SECONDS) from busy


class WarehouseResource(dg.ConfigurableResource):
    """Paths and settings of one warehouse home."""

    home: str
    _run_id: str | None = PrivateAttr(default=None)
    _instance: Any = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Inside a run: remember which run, so `database` can name the run's build copy.
        self._run_id = context.run.run_id if context.run else None
        self._instance = context.instance

    @property
    def paths(self) -> Paths:
        return Paths(Path(self.home))

    @property
    def database(self) -> Path:
        """The DuckDB file this run reads and writes.

        Every asset asks the resource rather than building the path itself, so where a run works
        (the published file, or a build copy published at the end) is decided in one place.

        Inside a run: the run's build copy ``$CSW_HOME/build/warehouse.<run id>.duckdb``, started by
        the first step that asks (:func:`run_database`); the run's last step publishes it
        (orchestration/publish_asset.py).
        Outside a run (tests, scripts): the published file.
        """
        if self._run_id is None:
            return self.paths.warehouse
        return run_database(Path(self.home), self._run_id, self._instance)

    def settings(self) -> dict[str, Any]:
        return load_settings(Path(self.home))


def default_warehouse() -> WarehouseResource:
    return WarehouseResource(home=str(csw_home()))
