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

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster import AssetKey, TableColumnDep, TableColumnLineage
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation
from dagster_dbt.core.dbt_event_iterator import DbtEventIterator

LINEAGE_KEY = "dagster/column_lineage"


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
        with lineage_cache(Path(invocation.target_path).parent / LINEAGE_CACHE_FOLDER):
            yield from DbtEventIterator(events=iter(events), dbt_cli_invocation=invocation).fetch_column_metadata(
                with_column_lineage=True)
    finally:
        close_dbt_duckdb_connection()


# Column lineage is the costly part of the column metadata: sqlglot optimises a model's compiled SQL
# once for every column it traces, and on the demo that took longer than `dbt build` itself (a
# six-month night measured on 2026-12-02: about 255 s of lineage against 10 s of column schema,
# on a loaded machine). A model's lineage is a function of its compiled SQL, its own and its
# parents' column schemas and the parents' asset keys, so it is kept on disk under the dbt target
# folder, keyed by a hash of exactly those (and of the dagster-dbt and sqlglot versions): a night
# whose models and schemas did not change computes none again, and a changed model misses the cache.
LINEAGE_CACHE_FOLDER = "column_lineage_cache"


def _cache_key(kwargs: dict[str, Any]) -> str | None:
    """The hash of everything ``_build_column_lineage_metadata`` reads, or None when it cannot be
    known (no compiled SQL on disk: nothing to cache)."""
    import dagster_dbt
    import sqlglot

    props, target_path = kwargs["dbt_resource_props"], kwargs["target_path"]
    if target_path is None or props.get("resource_type") not in {"model", "snapshot"}:
        return None
    sql_path = Path(target_path, "compiled", props["package_name"], props["original_file_path"].replace("\\", "/"))
    if not sql_path.is_file():
        return None
    manifest, translator, project = kwargs["manifest"], kwargs["dagster_dbt_translator"], kwargs["project"]
    parents = sorted(props.get("depends_on", {}).get("nodes", []))
    parent_keys = [translator.get_asset_spec(manifest, uid, project).key.to_user_string() for uid in parents]
    history = kwargs["event_history_metadata"]
    material = {
        "versions": [dagster_dbt.__version__, sqlglot.__version__],
        "unique_id": props["unique_id"], "relation": props.get("relation_name"),
        "sql": hashlib.sha256(sql_path.read_bytes()).hexdigest(),
        "columns": history.columns, "parents": history.parents, "parent_keys": parent_keys,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def _lineage_to_json(metadata: dict[str, Any]) -> dict[str, Any]:
    lineage = metadata.get(LINEAGE_KEY)
    if lineage is None:
        return {}
    return {column: [[list(dep.asset_key.path), dep.column_name] for dep in deps]
            for column, deps in lineage.deps_by_column.items()}


def _lineage_from_json(stored: dict[str, Any]) -> dict[str, Any]:
    if not stored:
        return {}
    return {LINEAGE_KEY: TableColumnLineage(deps_by_column={
        column: [TableColumnDep(asset_key=AssetKey(path), column_name=name) for path, name in deps]
        for column, deps in stored.items()})}


def cached_lineage(build: Callable[..., dict[str, Any]], folder: Path) -> Callable[..., dict[str, Any]]:
    """``build`` (dagster-dbt's lineage builder, keyword arguments only) with its results kept in
    ``folder``: one JSON file per key, written atomically, so that concurrent nights share it."""
    def lineage(**kwargs: Any) -> dict[str, Any]:
        try:
            key = _cache_key(kwargs)
        except Exception:  # an input of another shape: compute as dagster-dbt does, uncached
            key = None
        if key is None:
            return build(**kwargs)
        path = folder / f"{key}.json"
        try:
            return _lineage_from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            pass
        metadata = build(**kwargs)
        if set(metadata) <= {LINEAGE_KEY}:  # only what can be stored and read back as it was
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
            partial.write_text(json.dumps(_lineage_to_json(metadata)), encoding="utf-8")
            os.replace(partial, path)
        return metadata

    return lineage


@contextmanager
def lineage_cache(folder: Path) -> Iterator[None]:
    """dagster-dbt's column lineage builder, cached in ``folder``, for the time of one dbt step.

    dagster-dbt offers no hook for it: the builder is replaced in the module that calls it, and put
    back after. Should a dagster-dbt upgrade rename it, lineage is computed uncached, as before."""
    from dagster_dbt.core import dbt_event_iterator

    build = getattr(dbt_event_iterator, "_build_column_lineage_metadata", None)
    if build is None:
        yield
        return
    dbt_event_iterator._build_column_lineage_metadata = cached_lineage(build, folder)  # noqa: SLF001
    try:
        yield
    finally:
        dbt_event_iterator._build_column_lineage_metadata = build  # noqa: SLF001
