"""What built the warehouse, written into the warehouse itself at the end of every dbt build.

An auditor tracing a published figure must see the build that produced *that* file, not whatever
dbt compiled last in the repository (dagster-dbt gives every invocation its own target folder,
and a later `csw docs` or a failed night may have compiled something else since). So after
``dbt build`` the asset writes, into the same DuckDB file the build wrote:

* ``meta.build_runs``: one row per build (kept as history): Dagster run id, job, git commit of
  the code (and whether the checkout had uncommitted changes), dbt version and invocation id.
* ``meta.dbt_nodes``: every model, seed, source and test of that build's manifest with its
  parents, raw and compiled SQL, the run_results status/timing, and the columns the built
  relation actually has (from DuckDB's catalogue) -- what ``csw trace`` prints and what the
  OpenLineage events describe.

Published by the same file move as the tables they describe, the records can never disagree
with the data.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from warehouse.database import connect
from warehouse.settings import REPO_ROOT

BUILD_RECORD_DDL = """
create schema if not exists meta;
create table if not exists meta.build_runs (
    run_id varchar not null,
    job_name varchar,
    git_commit varchar,
    git_dirty boolean,
    git_note varchar,
    dbt_version varchar,
    dbt_invocation_id varchar,
    built_at timestamp not null
);
"""

NODE_TYPES = ("model", "seed", "snapshot", "test")

# meta.dbt_nodes, typed here rather than inferred (a column that is null throughout stays typed).
NODE_COLUMNS = {
    "unique_id": "VARCHAR", "resource_type": "VARCHAR", "name": "VARCHAR", "schema_name": "VARCHAR",
    "table_name": "VARCHAR", "materialized": "VARCHAR", "original_file_path": "VARCHAR",
    "description": "VARCHAR", "parents": "VARCHAR", "raw_sql": "VARCHAR", "compiled_sql": "VARCHAR",
    "status": "VARCHAR", "started_at": "TIMESTAMPTZ", "completed_at": "TIMESTAMPTZ", "columns": "VARCHAR",
}


def git_commit(repo: Path = REPO_ROOT) -> dict[str, Any]:
    """The commit of the code, and whether the working tree differs from it.

    A deployment from a tarball or a wheel has no git checkout: that is said, not guessed.
    """
    try:
        commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=20, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=20, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        return {"commit": None, "dirty": None, "note": f"not a git checkout ({type(exc).__name__})"}
    return {"commit": commit, "dirty": bool(status.strip()),
            "note": "uncommitted changes in the working tree" if status.strip() else None}


def _load_json(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _compiled_sql(node: dict[str, Any], target_dir: Path, project: str) -> str | None:
    if node.get("compiled_code"):
        return node["compiled_code"]
    compiled = target_dir / "compiled" / project / node.get("original_file_path", "")
    return compiled.read_text(encoding="utf-8") if compiled.is_file() else None


def _relation(node: dict[str, Any]) -> tuple[str | None, str | None]:
    """(schema, table) of a node that becomes a relation in the warehouse."""
    if node["resource_type"] == "source":
        return node.get("schema"), node.get("identifier") or node.get("name")
    if node["resource_type"] in ("model", "seed", "snapshot"):
        return node.get("schema"), node.get("alias") or node.get("name")
    return None, None


def node_rows(manifest: dict[str, Any], run_results: dict[str, Any] | None, target_dir: Path,
              columns: dict[tuple[str, str], list[dict[str, str]]]) -> list[dict[str, Any]]:
    """One row per manifest node (models, seeds, snapshots, tests, sources) of this build."""
    project = manifest["metadata"].get("project_name", "")
    results = {r["unique_id"]: r for r in (run_results or {}).get("results", [])}
    nodes = [n for n in manifest["nodes"].values() if n["resource_type"] in NODE_TYPES]
    nodes += list(manifest["sources"].values())
    rows = []
    for node in nodes:
        schema, table = _relation(node)
        result = results.get(node["unique_id"], {})
        timing = {t["name"]: t for t in result.get("timing", [])}
        execute = timing.get("execute", {})
        rows.append({
            "unique_id": node["unique_id"],
            "resource_type": node["resource_type"],
            "name": node["name"],
            "schema_name": schema,
            "table_name": table,
            "materialized": node.get("config", {}).get("materialized"),
            "original_file_path": node.get("original_file_path"),
            "description": node.get("description") or None,
            "parents": json.dumps(node.get("depends_on", {}).get("nodes", [])),
            "raw_sql": node.get("raw_code") or None,
            "compiled_sql": _compiled_sql(node, target_dir, project)
            if node["resource_type"] in ("model", "snapshot", "test") else None,
            "status": result.get("status"),
            "started_at": execute.get("started_at"),
            "completed_at": execute.get("completed_at"),
            "columns": json.dumps(columns.get((schema or "", table or ""), [])),
        })
    return rows


def record_dbt_build(database: Path, run_id: str, job_name: str | None, target_dir: Path,
                     repo: Path = REPO_ROOT) -> dict[str, Any] | None:
    """Write meta.build_runs / meta.dbt_nodes from the artifacts of the dbt invocation in ``target_dir``.

    Returns the build_runs row written, or None when the invocation left no manifest.
    """
    manifest = _load_json(target_dir / "manifest.json")
    if manifest is None:
        return None
    run_results = _load_json(target_dir / "run_results.json")
    git = git_commit(repo)
    with connect(database) as con:
        con.execute(BUILD_RECORD_DDL)
        catalogue: dict[tuple[str, str], list[dict[str, str]]] = {}
        for schema, table, column, dtype in con.execute(
            """select table_schema, table_name, column_name, data_type from information_schema.columns
               where table_catalog = current_database() order by table_schema, table_name, ordinal_position"""
        ).fetchall():
            catalogue.setdefault((schema, table), []).append({"name": column, "type": dtype})
        rows = node_rows(manifest, run_results, target_dir, catalogue)
        con.execute(f"create or replace table meta.dbt_nodes as select * from read_json(?, format = 'array', "
                    f"columns = {NODE_COLUMNS})", [_write_rows(target_dir, rows)])
        record = {
            "run_id": run_id,
            "job_name": job_name,
            "git_commit": git["commit"],
            "git_dirty": git["dirty"],
            "git_note": git["note"],
            "dbt_version": manifest["metadata"].get("dbt_version"),
            "dbt_invocation_id": manifest["metadata"].get("invocation_id"),
            "built_at": datetime.now(timezone.utc).replace(tzinfo=None),
        }
        con.execute(
            "insert into meta.build_runs by name select * from (select " +
            ", ".join(f"? as {k}" for k in record) + ")",
            list(record.values()),
        )
    return record


def _write_rows(target_dir: Path, rows: list[dict[str, Any]]) -> str:
    """The node rows as a JSON file DuckDB reads in one go (typed by NODE_COLUMNS)."""
    path = target_dir / "csw_dbt_nodes.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    return str(path)
