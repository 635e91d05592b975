"""``csw sql`` and ``csw export``: the published warehouse for analysts, read-only.

    csw sql "select * from marts.dim_area"            print a table
    csw sql -f query.sql --csv out.csv                 or write CSV / Parquet
    csw export [--to DIR]                              every mart as DIR/<mart>.parquet

Both open the published file read-only (never the build a running night is writing), so they work
while the nightly job runs. ``csw sql`` refuses any statement that is not a query, with a message
naming it; see :mod:`warehouse.reader` for the walls behind that.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from warehouse.settings import csw_home

MAX_ROWS_SHOWN = 50


def _home(args: argparse.Namespace) -> Path:
    return Path(args.home).resolve() if args.home else csw_home()


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
    try:
        with connect_published(_home(args), locked_down=True) as con:
            statements = refuse_writes(con, sql)
            *before, last = statements
            if (args.csv or args.parquet) and before:
                raise WriteRefused("--csv/--parquet write one query's result: give exactly one statement")
            for statement in before:
                _print_table(con, statement, args.max_rows)
            if args.csv:
                written = write_csv(con, last, Path(args.csv))
            elif args.parquet:
                written = write_parquet(con, last, Path(args.parquet))
            else:
                _print_table(con, last, args.max_rows)
                return 0
    except (WriteRefused, NoPublishedWarehouse) as refused:
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
    from warehouse.reader import NoPublishedWarehouse, export_marts

    home = _home(args)
    target = Path(args.to).resolve() if args.to else home / "exports"
    try:
        written = export_marts(target, home)
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
    out = sql.add_mutually_exclusive_group()
    out.add_argument("--csv", metavar="PATH", help="write the result as CSV instead of printing it")
    out.add_argument("--parquet", metavar="PATH", help="write the result as Parquet instead of printing it")
    sql.add_argument("--max-rows", type=int, default=MAX_ROWS_SHOWN, help=f"rows printed (default {MAX_ROWS_SHOWN})")
    sql.set_defaults(func=cmd_sql)
    export = sub.add_parser("export", help="write every mart as Parquet (default $CSW_HOME/exports/)")
    export.add_argument("--to", help="the folder to write (default $CSW_HOME/exports)")
    export.set_defaults(func=cmd_export)
