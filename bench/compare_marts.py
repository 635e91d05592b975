"""Are two builds' marts the same? Save every mart and data-quality relation of a warehouse as
Parquet, then compare two such saves table by table, as multisets of rows.

For a change that must not change what the warehouse says (a model rewritten for memory, a new
engine): build the same landed data with the old code and the new, save both, compare.

    .venv/bin/python bench/compare_marts.py save WAREHOUSE.duckdb DIR
    .venv/bin/python bench/compare_marts.py compare OLD_DIR NEW_DIR

``save`` writes ``DIR/<schema>.<relation>.parquet`` for every table and view of the ``marts``
schema and every dbt data-quality model (``meta.dq_*``). ``compare`` reports, per relation, whether
it is in both saves with the same columns and the same rows in any order (the row count and two
sums over each row's hash, a multiset fingerprint that streams at any size; ``except all`` both
ways counts the differing rows of a relation whose fingerprints differ); columns that say when a night ran (``TIME_COLUMNS``) are left
out. Exit status 0 when every relation is identical.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

# Columns that hold the time of the build itself, not a fact of the data.
TIME_COLUMNS = frozenset({"built_at", "generated_at", "published_at", "run_at", "created_at", "updated_at"})


def relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute("""
        select table_schema, table_name from information_schema.tables
        where table_catalog = current_database()
          and (table_schema = 'marts' or (table_schema = 'meta' and table_name like 'dq\\_%' escape '\\'))
        order by table_schema, table_name
    """).fetchall()


def save(warehouse: Path, out: Path, memory_limit: str = "2GB") -> int:
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse), read_only=True, config={"memory_limit": memory_limit}) as con:
        found = relations(con)
        for schema, name in found:
            target = out / f"{schema}.{name}.parquet"
            con.execute(f'copy (select * from "{schema}"."{name}") to \'{target}\' (format parquet)')
    print(f"saved {len(found)} relations of {warehouse} to {out}")
    return 0


def compare(old: Path, new: Path) -> int:
    old_files = {p.name.removesuffix(".parquet"): p for p in old.glob("*.parquet")}
    new_files = {p.name.removesuffix(".parquet"): p for p in new.glob("*.parquet")}
    problems = 0
    for name in sorted(old_files.keys() - new_files.keys()):
        print(f"MISSING in new: {name}")
        problems += 1
    for name in sorted(new_files.keys() - old_files.keys()):
        print(f"only in new:    {name}")
    con = duckdb.connect(config={"memory_limit": "2GB"})
    for name in sorted(old_files.keys() & new_files.keys()):
        o, n = f"read_parquet('{old_files[name]}')", f"read_parquet('{new_files[name]}')"
        old_cols = [r[0] for r in con.execute(f"describe select * from {o}").fetchall()]
        new_cols = [r[0] for r in con.execute(f"describe select * from {n}").fetchall()]
        if old_cols != new_cols:
            print(f"COLUMNS differ: {name}: old {old_cols} new {new_cols}")
            problems += 1
            continue
        cols = ", ".join(f'"{c}"' for c in old_cols if c not in TIME_COLUMNS)
        # a multiset fingerprint first (streaming aggregates over each row's hash: cheap at any size);
        # `except all` both ways only to count the rows of a relation whose fingerprints differ
        fingerprint = ("select count(*), sum(cast(hash(r) as hugeint)), "
                       "sum(cast(hash(r) % 1000003 as hugeint) * (hash(r) % 999983)) from (select {cols} from {rel}) as r")
        fp_old = con.execute(fingerprint.format(cols=cols, rel=o)).fetchone()
        fp_new = con.execute(fingerprint.format(cols=cols, rel=n)).fetchone()
        same = fp_old == fp_new
        detail = ""
        if not same:
            only_old = con.execute(f"select count(*) from (select {cols} from {o} except all select {cols} from {n})").fetchone()[0]
            only_new = con.execute(f"select count(*) from (select {cols} from {n} except all select {cols} from {o})").fetchone()[0]
            detail = f" old, {fp_new[0]} new; {only_old} only in old, {only_new} only in new"
        print(f"{'identical' if same else 'DIFFERENT'}  {name}: {fp_old[0]} rows{detail}")
        problems += not same
    print(f"{len(old_files.keys() & new_files.keys())} relations compared, {problems} with differences")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("save")
    s.add_argument("warehouse", type=Path)
    s.add_argument("out", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    if args.command == "save":
        return save(args.warehouse, args.out)
    return compare(args.old, args.new)


if __name__ == "__main__":
    sys.exit(main())
