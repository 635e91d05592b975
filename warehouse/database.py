"""The DuckDB file and the tables the warehouse itself owns.

DuckDB allows one writer at a time, so writers open the file only for the span of their work
(never across a dbt invocation) and readers open it read-only. Every connection, writer or reader,
is opened with the resources of the ``[duckdb]`` settings (:func:`duckdb_config`: memory limit,
threads, spill directory), the same configuration dbt's connection gets from the profile: DuckDB
lets one process open a file with one configuration only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.settings import csw_home, settings_model

PROVENANCE_COLUMNS = {"source_file": "VARCHAR", "source_row": "BIGINT"}

META_DDL = """
create schema if not exists meta;
create schema if not exists raw;
create table if not exists meta.source_files (
    feed varchar not null,
    file_name varchar not null,
    sha256 varchar not null,
    partition_key varchar,
    scope varchar,
    received_at timestamp not null,
    status varchar not null,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    reason varchar,
    superseded_by varchar,
    run_id varchar,
    landing_path varchar,
    file_size bigint,
    file_mtime_ns bigint,
    primary key (feed, sha256, file_name)
);
create table if not exists meta.quarantine (
    feed varchar not null,
    source_file varchar not null,
    file_name varchar not null,
    source_row bigint not null,
    check_name varchar not null,
    column_name varchar,
    failure_case varchar,
    raw_record varchar,
    quarantined_at timestamp not null
);
"""


def duckdb_config(home: Path | None = None) -> dict[str, str]:
    """The DuckDB configuration of a connection to the warehouse of ``home`` (default ``$CSW_HOME``):
    its ``[duckdb]`` settings, with the spill directory resolved under the home."""
    home = (home or csw_home()).resolve()
    return settings_model(home).duckdb.config(home)


@contextmanager
def connect(path: Path, read_only: bool = False, home: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse for the span of a ``with`` block, within the resources of the ``[duckdb]``
    settings of ``home`` (default ``$CSW_HOME``)."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only, config=duckdb_config(home))
    try:
        yield con
    finally:
        con.close()


def raw_table_ddl(table: str, columns: Mapping[str, str]) -> str:
    cols = {**columns, **PROVENANCE_COLUMNS}
    body = ",\n    ".join(f"{name} {dtype}" for name, dtype in cols.items())
    return f"create table if not exists {table} (\n    {body}\n);"


def ensure_schema(con: duckdb.DuckDBPyConnection, raw_tables: Mapping[str, Mapping[str, str]]) -> None:
    """Create meta and raw tables if missing, and add the columns a feed has gained since a raw table
    was created (idempotent; run at every load).

    A warehouse outlives releases: when a feed starts keeping a new column (the LSOA lookup's IMD
    rank), the rows loaded before have none of it (null), and the loader's insert by name needs the
    column to exist. Columns are only ever added, never dropped or retyped."""
    con.execute(META_DDL)
    for table, columns in raw_tables.items():
        con.execute(raw_table_ddl(table, columns))
        schema, name = table.split(".", 1)
        present = {r[0] for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [schema, name]).fetchall()}
        for column, dtype in columns.items():
            if column not in present:
                con.execute(f"alter table {table} add column {column} {dtype}")
