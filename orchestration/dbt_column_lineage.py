"""Column schema and column-level lineage for the dbt models (dagster-dbt + sqlglot).

dagster-dbt's ``fetch_column_metadata()`` asks the dbt adapter, in the Dagster process, for each
built model's columns and its parents' columns, and derives column lineage from the compiled SQL
with sqlglot (metadata ``dagster/column_schema`` and ``dagster/column_lineage``). Done while
``dbt build`` streams, that would open the DuckDB file from a second process while dbt holds it
for writing -- DuckDB refuses, and every model would lose its metadata. So the dbt step collects
the build's events first and attaches the column metadata once dbt has exited and the file is
free; the events reach Dagster together at the end of the step instead of one by one (the dbt
log still streams live).

The dbt adapter keeps its DuckDB connection open in this process afterwards; it is closed here, so
the next step (and, in one process, the next connection with another configuration) finds the
file free.
"""

from collections.abc import Iterator, Sequence
from typing import Any

from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation
from dagster_dbt.core.dbt_event_iterator import DbtEventIterator


def close_dbt_duckdb_connection() -> None:
    """Close the DuckDB handle dbt-duckdb keeps per process (``close_all_connections`` only drops it)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:  # noqa: SLF001 -- the adapter offers no public close
        env = DuckDBConnectionManager._ENV  # noqa: SLF001
        DuckDBConnectionManager._ENV = None  # noqa: SLF001
    if env is not None:
        try:
            env.close()
        except Exception:  # already closed: nothing holds the file
            pass


def with_column_metadata(invocation: DbtCliInvocation, events: Sequence[Any]) -> Iterator[Any]:
    """The build's events, each model's with its column schema and column lineage attached."""
    try:
        yield from DbtEventIterator(events=iter(events), dbt_cli_invocation=invocation).fetch_column_metadata(
            with_column_lineage=True)
    finally:
        close_dbt_duckdb_connection()
