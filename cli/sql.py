"""``csw sql`` and ``csw export``: the published warehouse for analysts, read-only.

    csw sql "select * from marts.dim_area"            print a table
    csw sql -f query.sql --csv out.csv [--force]       or write CSV / Parquet
    csw export [--to DIR] [--force]                    every mart as DIR/<mart>.parquet

Both open the published file read-only (never the build a running night is writing), so they work
while the nightly job runs. ``csw sql`` refuses any statement that is not a query, with a message
naming it; see :mod:`warehouse.reader` for the walls behind that.

Where they write (:func:`check_target`): never under ``$CSW_HOME`` (the warehouse, the build, the
published outputs, landing...) except under ``$CSW_HOME/exports/``, judged on the real path
(symlinks followed, ``..`` resolved); and never over an existing file unless ``--force`` is given.
A refused target writes nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from warehouse.settings import csw_home

MAX_ROWS_SHOWN = 50


def _home(args: argparse.Namespace) -> Path:
    return Path(args.home).resolve() if args.home else csw_home()


EXPORTS_DIR = "exports"


class TargetRefused(ValueError):
    """``csw sql --csv/--parquet`` or ``csw export`` was asked to write where it must not."""


def _refuse_inside_home(path: Path, real: Path, home: Path) -> None:
    exports = home / EXPORTS_DIR
    if real.is_relative_to(home) and not (real.is_relative_to(exports) and real != exports):
        raise TargetRefused(
            f"refusing to write {path}" + (f" (= {real})" if str(real) != str(path) else "")
            + f": it is inside the warehouse home {home}, where only {home / EXPORTS_DIR}/ may be written")


def check_target(path: Path, home: Path, force: bool = False) -> Path:
    """The real path to write the file ``path`` to, or :class:`TargetRefused`.

    Refused: anything that resolves (symlinks followed, ``..`` resolved) under ``home`` but not
    under ``home/exports`` -- the published warehouse, its build, the Board's outputs, landing --,
    a directory, and an existing file unless ``force``.
    """
    home = Path(home).resolve()
    real = Path(path).expanduser().resolve()
    _refuse_inside_home(path, real, home)
    if real.is_dir():
        raise TargetRefused(f"refusing to write {path}: it is a directory")
    if (real.exists() or real.is_symlink()) and not force:
        raise TargetRefused(f"refusing to overwrite {path}: it exists (--force replaces it)")
    return real


def check_folder(path: Path, home: Path) -> Path:
    """The real folder ``csw export`` may write into, or :class:`TargetRefused` (same rule as files;
    ``$CSW_HOME/exports`` itself is allowed)."""
    home = Path(home).resolve()
    real = Path(path).expanduser().resolve()
    if real != home / EXPORTS_DIR:
        _refuse_inside_home(path, real, home)
    if real.exists() and not real.is_dir():
        raise TargetRefused(f"refusing to export into {path}: it is not a folder")
    return real


def _write_new(write, con, sql: str, target: Path, force: bool):
    """Write through a temporary file beside ``target``, then put it in place: with ``force`` by
    rename, without by hard link (which fails, rather than replaces, if the file appeared meanwhile)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.csw-tmp")
    try:
        written = write(con, sql, tmp)
        if force:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)
            except FileExistsError:
                raise TargetRefused(f"refusing to overwrite {target}: it exists (--force replaces it)") from None
            except OSError:  # no hard links on this file system: the check above has to do
                if target.exists():
                    raise TargetRefused(f"refusing to overwrite {target}: it exists (--force replaces it)") from None
                os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        for partial in target.parent.glob(f".{tmp.name}.*.partial"):  # a query that failed half way
            partial.unlink(missing_ok=True)
    return type(written)(target, written.rows)


def _print_table(con, sql: str, max_rows: int) -> None:
    """A readable table of the first ``max_rows`` rows, and how many rows there were in all."""
    import polars as pl

    cursor = con.execute(sql)
    if cursor.description is None:
        return
    if [d[0] for d in cursor.description] == ["explain_key", "explain_value"]:  # a plan reads best as text
        for _, plan in cursor.fetchall():
            print(plan)
        return
    reader = cursor.fetch_record_batch(max_rows + 1)
    import pyarrow as pa

    batches, shown = [], 0
    for batch in reader:
        batches.append(batch)
        shown += batch.num_rows
        if shown > max_rows:
            break
    table = pa.Table.from_batches(batches, schema=reader.schema)
    more = table.num_rows > max_rows
    frame = pl.from_arrow(table.slice(0, max_rows))
    with pl.Config(tbl_rows=max_rows, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=200,
                   tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=False):
        print(frame)
    print(f"({'more than ' if more else ''}{min(table.num_rows, max_rows)} row{'s' if table.num_rows != 1 else ''}"
          f"{'; --csv or --parquet writes them all' if more else ''})")


def cmd_sql(args: argparse.Namespace) -> int:
    from warehouse.reader import (NoPublishedWarehouse, WriteRefused, connect_published, refuse_writes,
                                  write_csv, write_parquet)

    if args.file:
        sql = Path(args.file).read_text(encoding="utf-8")
    elif args.query:
        sql = args.query
    else:
        print("csw sql: give a query, or -f FILE", file=sys.stderr)
        return 2
    home = _home(args)
    try:
        output = args.csv or args.parquet
        target = check_target(Path(output), home, args.force) if output else None
        with connect_published(home, locked_down=True) as con:
            statements = refuse_writes(con, sql)
            *before, last = statements
            if (args.csv or args.parquet) and before:
                raise WriteRefused("--csv/--parquet write one query's result: give exactly one statement")
            for statement in before:
                _print_table(con, statement, args.max_rows)
            if target is None:
                _print_table(con, last, args.max_rows)
                return 0
            written = _write_new(write_csv if args.csv else write_parquet, con, last, target, args.force)
    except (WriteRefused, NoPublishedWarehouse, TargetRefused) as refused:
        print(f"csw sql: {refused}", file=sys.stderr)
        return 2
    except Exception as error:  # a query error (typo, unknown column): say it, no traceback
        import duckdb

        if isinstance(error, duckdb.Error):
            print(f"csw sql: {error}", file=sys.stderr)
            return 1
        raise
    print(f"wrote {written.rows} rows to {written.path}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from warehouse.reader import MARTS_SCHEMA, NoPublishedWarehouse, connect_published, mart_tables, write_parquet

    home = _home(args)
    try:
        target = check_folder(Path(args.to) if args.to else home / EXPORTS_DIR, home)
        written = []
        with connect_published(home) as con:  # every mart from one connection, so from one night
            files, refused = {}, []
            for mart in mart_tables(con):  # every file checked before any is written
                try:
                    files[mart] = check_target(target / f"{mart}.parquet", home, args.force)
                except TargetRefused as why:
                    refused.append(str(why))
            if refused:
                more = f" (and {len(refused) - 3} more)" if len(refused) > 3 else ""
                raise TargetRefused("; ".join(refused[:3]) + more + "; nothing exported")
            for mart, path in files.items():
                written.append(_write_new(write_parquet, con, f'select * from {MARTS_SCHEMA}."{mart}"', path,
                                          args.force))
    except TargetRefused as refused:
        print(f"csw export: {refused}", file=sys.stderr)
        return 2
    except NoPublishedWarehouse as missing:
        print(f"csw export: {missing}", file=sys.stderr)
        return 1
    for w in written:
        print(f"  {w.path.name:<40} {w.rows:>10} rows")
    print(f"Exported {len(written)} marts to {target}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    sql = sub.add_parser("sql", help="query the published warehouse (read-only)",
                         description="Run queries read-only against the published warehouse. Only queries "
                                     "(SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN) are accepted.")
    sql.add_argument("query", nargs="?", help="the SQL (or use -f FILE)")
    sql.add_argument("-f", "--file", help="read the SQL from this file")
    where = ("PATH must not be inside $CSW_HOME except under $CSW_HOME/exports/ (symlinks and .. are followed), "
             "and must not exist unless --force is given")
    out = sql.add_mutually_exclusive_group()
    out.add_argument("--csv", metavar="PATH", help=f"write the result as CSV instead of printing it; {where}")
    out.add_argument("--parquet", metavar="PATH", help=f"write the result as Parquet instead of printing it; {where}")
    sql.add_argument("--force", action="store_true", help="replace an existing --csv/--parquet file")
    sql.add_argument("--max-rows", type=int, default=MAX_ROWS_SHOWN, help=f"rows printed (default {MAX_ROWS_SHOWN})")
    sql.set_defaults(func=cmd_sql)
    export = sub.add_parser("export", help="write every mart as Parquet (default $CSW_HOME/exports/)",
                            description="Write every mart as DIR/<mart>.parquet, all from one night. DIR must not "
                                        "be inside $CSW_HOME except under $CSW_HOME/exports/; existing files are "
                                        "replaced only with --force (otherwise nothing is written).")
    export.add_argument("--to", metavar="DIR",
                        help="the folder to write (default $CSW_HOME/exports); outside $CSW_HOME, or under its exports/")
    export.add_argument("--force", action="store_true", help="replace existing <mart>.parquet files")
    export.set_defaults(func=cmd_export)
