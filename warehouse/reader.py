"""Reading the published warehouse: what ``csw sql``, ``csw export`` and analysts' Python share.

The published file (``$CSW_HOME/warehouse.duckdb``) is replaced whole by each successful night (see
:mod:`warehouse.atomic_publish`) and nobody ever writes it in place, so any number of readers can open it
read-only at any time, during the nightly build too. A reader that opened the file before a publish
keeps the old warehouse until it reconnects: one connection always sees one consistent night.

From Python::

    from warehouse.reader import connect_published
    with connect_published() as con:
        con.sql("select * from marts.mart_indicator_monthly limit 5").show()

``csw sql`` adds two walls in front of the read-only connection: statements are parsed by DuckDB
and anything but a query is refused with a message naming it, and the connection has file-system
access, extension loading and configuration changes switched off, so even a query cannot write a
file (``COPY ... TO``), attach another database or fetch an extension.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from warehouse.database import duckdb_config
from warehouse.settings import csw_home

MARTS_SCHEMA = "marts"
BATCH_ROWS = 100_000

# Statement kinds that only read. DESCRIBE, SHOW, SUMMARIZE and read-only PRAGMAs (table_info,
# database_size, ...) parse as SELECT. Everything else -- INSERT/UPDATE/DELETE, CREATE/DROP/ALTER,
# COPY, EXPORT, ATTACH/DETACH, INSTALL/LOAD, SET/RESET/USE, CALL (e.g. CHECKPOINT), PRAGMA with side
# effects (e.g. enable_profiling), transactions, PREPARE/EXECUTE, VACUUM/ANALYZE -- is refused.
READ_STATEMENTS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}

# The second wall: a connection that could not write a file or change itself even if asked to.
LOCKED_DOWN = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


class WriteRefused(ValueError):
    """The SQL contains a statement that is not a query."""


class NoPublishedWarehouse(FileNotFoundError):
    """No night has published a warehouse in this home yet."""


def published_file(home: Path | None = None) -> Path:
    return (home or csw_home()) / "warehouse.duckdb"


@contextmanager
def connect_published(home: Path | None = None, locked_down: bool = False
                      ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the published warehouse, closed at the end of the ``with`` block.

    ``locked_down`` also forbids file access outside the database (no ``read_csv('...')``, no
    ``COPY TO``), extension loading and ``SET``: what ``csw sql`` uses for untrusted SQL.
    """
    path = published_file(home)
    if not path.exists():
        raise NoPublishedWarehouse(f"no published warehouse at {path}: run `csw run` first")
    # the home's [duckdb] resources, as every connection of the warehouse has them; a locked-down
    # connection may not name a directory (DuckDB refuses one with external access off): no spilling
    config = duckdb_config(home)
    if locked_down:
        config = {**{k: v for k, v in config.items() if k != "temp_directory"}, **LOCKED_DOWN}
    con = duckdb.connect(str(path), read_only=True, config=config)
    try:
        yield con
    finally:
        con.close()


def statement_kinds(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[str, str]]:
    """(statement type, statement text) for every statement in ``sql``, as DuckDB parses it."""
    return [(st.type.name, st.query.strip()) for st in con.extract_statements(sql)]


def refuse_writes(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    """The statements of ``sql`` if all of them only read; else :class:`WriteRefused`, naming each offender."""
    statements = con.extract_statements(sql)
    if not statements:
        raise WriteRefused("no SQL statement given")
    refused = [st for st in statements if st.type not in READ_STATEMENTS]
    if refused:
        listed = "; ".join(f"{st.type.name}: {' '.join(st.query.split())[:80]}" for st in refused)
        raise WriteRefused(
            "the published warehouse is read-only: only queries (SELECT, WITH, FROM, DESCRIBE, SHOW, "
            f"SUMMARIZE, EXPLAIN) are allowed; refused {listed}"
        )
    return [st.query for st in statements]


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    rows: int


def _batches(con: duckdb.DuckDBPyConnection, sql: str) -> pa.RecordBatchReader:
    return con.execute(sql).fetch_record_batch(BATCH_ROWS)


def _atomic_target(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def _stream(con: duckdb.DuckDBPyConnection, sql: str, path: Path, writer_class: Any) -> WrittenFile:
    """Stream a query's result through ``writer_class`` (Parquet or CSV) batch by batch (bounded
    memory) into a temporary name, then rename: a reader never sees half a file."""
    reader = _batches(con, sql)
    tmp = _atomic_target(path)
    rows = 0
    with writer_class(tmp, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    os.replace(tmp, path)
    return WrittenFile(path, rows)


def write_parquet(con: duckdb.DuckDBPyConnection, sql: str, path: Path) -> WrittenFile:
    """A query's result as a Parquet file."""
    return _stream(con, sql, path, pq.ParquetWriter)


def write_csv(con: duckdb.DuckDBPyConnection, sql: str, path: Path) -> WrittenFile:
    """A query's result as a CSV file with a header row."""
    return _stream(con, sql, path, pa_csv.CSVWriter)


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table and view of the marts schema, by name."""
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? order by table_name",
        [MARTS_SCHEMA],
    ).fetchall()
    return [r[0] for r in rows]


def export_marts(target: Path, home: Path | None = None) -> list[WrittenFile]:
    """Every mart as ``<target>/<mart>.parquet``, all from one connection (so from one night)."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    with connect_published(home) as con:
        for table in mart_tables(con):
            written.append(write_parquet(con, f'select * from {MARTS_SCHEMA}."{table}"',
                                         target / f"{table}.parquet"))
    return written
