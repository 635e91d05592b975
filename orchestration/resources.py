"""The one resource every asset shares: where the warehouse lives.

Resolved from ``$CSW_HOME`` when the code location loads, so ``csw run`` and ``dagster dev``
started from the repository root act on the same files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg

from warehouse.settings import Paths, csw_home, load_settings

# DuckDB allows one writer, and while it writes no other process may even read the file: every
# step that opens the warehouse (ingestion, checks, dbt, outputs) runs in this pool (limit 1).
DUCKDB_WRITER_POOL = "duckdb_writer"


class WarehouseResource(dg.ConfigurableResource):
    """Paths and settings of one warehouse home."""

    home: str

    @property
    def paths(self) -> Paths:
        return Paths(Path(self.home))

    @property
    def database(self) -> Path:
        """The DuckDB file this run reads and writes.

        Every asset asks the resource rather than building the path itself, so where a run works
        (the published file, or a build copy published at the end) is decided in one place.
        """
        return self.paths.warehouse

    def settings(self) -> dict[str, Any]:
        return load_settings(Path(self.home))


def default_warehouse() -> WarehouseResource:
    return WarehouseResource(home=str(csw_home()))
