"""The one resource every asset shares: where the warehouse lives.

Resolved from ``$CSW_HOME`` when the code location loads, so ``csw run`` and ``dagster dev``
started from the repository root act on the same files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import PrivateAttr

from warehouse.settings import Paths, csw_home, load_settings

# DuckDB allows one writer, and while it writes no other process may even read the file: every
# step that opens the warehouse (ingestion, checks, dbt, outputs) runs in this pool (limit 1).
DUCKDB_WRITER_POOL = "duckdb_writer"


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
        the first step that asks (see orchestration/publish.py); the run's last step publishes it.
        Outside a run (tests, scripts): the published file.
        """
        if self._run_id is None:
            return self.paths.warehouse
        from orchestration.publish import run_database

        return run_database(Path(self.home), self._run_id, self._instance)

    def settings(self) -> dict[str, Any]:
        return load_settings(Path(self.home))


def default_warehouse() -> WarehouseResource:
    return WarehouseResource(home=str(csw_home()))
