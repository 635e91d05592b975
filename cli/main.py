"""``csw``: the command line of the Community Safety Warehouse.

    csw demo-data          write the built-in (synthetic) demo feeds into $CSW_HOME/landing
    csw run                the nightly job: ingest + validate, dbt build + tests, the Board's outputs
    csw ingest [FEED ...]  load new landed files only (no dbt), e.g. to check a delivery
    csw status             files per feed and status, quarantine counts, held and rejected files
    csw accept FEED FILE   apply a held resubmission on purpose
    csw sql "QUERY"        query the published warehouse read-only (-f FILE, --csv/--parquet PATH [--force])
    csw export [--to DIR]  every mart as Parquet, for BI tools ([--force]; never inside $CSW_HOME but exports/)
    csw trace IND AREA PERIOD   a published figure back to its source files and rows
    csw docs               the dbt documentation site into $CSW_HOME/docs
    csw report quarterly --fy 2024/25 --quarter 2 | csw report annual --fy 2024/25
                           build the Board's outputs for a past period (cli/report.py)
    csw dashboard          the performance dashboard, outputs/dashboard.html (cli/dashboard.py)

``CSW_HOME`` (default ``./data``) says which warehouse; ``--home`` overrides it.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

from warehouse.settings import Paths, csw_home


def _home(args: argparse.Namespace) -> Path:
    return Path(args.home).resolve() if args.home else csw_home()


def cmd_demo_data(args: argparse.Namespace) -> int:
    from ingestion.demo import DEMO_MONTHS, write_demo_data

    if args.forces is not None or args.years is not None or args.add_month is not None:
        return _national_demo_data(args)
    paths = Paths(_home(args)).ensure()
    first, _, last = (args.months or ":".join(DEMO_MONTHS)).partition(":")
    written = write_demo_data(paths.landing, seed=args.seed, months=(first, last or first), scale=args.scale)
    total = sum(len(v) for v in written.values())
    print(f"Wrote {total} synthetic demo files under {paths.landing}")
    for feed, files in written.items():
        print(f"  {feed:<20} {len(files)} files")
    return 0


def _national_demo_data(args: argparse.Namespace) -> int:
    """``--forces N --years Y`` (ingestion/demo/national.py): Lancashire's demo over Y years and the
    street files of N - 1 more forces; ``--add-month`` lands one more month for those forces."""
    import time

    from ingestion.demo import national

    if args.months:
        print("csw demo-data: --months does not go with --forces/--years (the span is the Y years to "
              "the demo's latest month)", file=sys.stderr)
        return 2
    forces, years = args.forces or 1, args.years or 1
    paths = Paths(_home(args)).ensure()
    started = time.monotonic()
    try:
        if args.add_month:
            written = national.write_national_month(paths.landing, forces, args.add_month, seed=args.seed,
                                                    scale=args.scale)
            print(f"Wrote {len(written)} synthetic police.uk street files for {args.add_month} under "
                  f"{paths.landing / 'police_street'} in {time.monotonic() - started:.1f} s")
            return 0
        demo = national.write_national_demo(paths.landing, forces, years, seed=args.seed, scale=args.scale)
    except ValueError as exc:
        print(f"csw demo-data: {exc}", file=sys.stderr)
        return 2
    total = sum(len(v) for v in demo.files.values())
    print(f"Wrote {total} synthetic demo files under {paths.landing} for {len(demo.forces)} forces, "
          f"{demo.months[0]} to {demo.months[-1]}, in {time.monotonic() - started:.1f} s")
    print(f"  police_street rows: {demo.street_rows + demo.lancashire_rows:,} "
          f"(Lancashire {demo.lancashire_rows:,}, other forces {demo.street_rows:,})")
    for feed, files in demo.files.items():
        print(f"  {feed:<20} {len(files)} files")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """The nightly job, quietly: progress and a summary here, the full Dagster log in a file.

    Exit codes: :data:`cli.run_summary.EXIT_CODES` (0 published, 1 ran but did not
    publish, 2 could not run)."""
    import time

    from rich.console import Console

    from cli import run_summary as rs
    from cli.runner import cannot_run, logging_to_file, new_run_id, run_job, run_log_path

    started = time.monotonic()
    console = Console(file=sys.stdout, soft_wrap=True, highlight=False)
    err_console = Console(file=sys.stderr, soft_wrap=True, highlight=False)
    home = _home(args)
    run_id = new_run_id()
    log_path = run_log_path(home, run_id)
    console.print(f"csw run: the nightly job on {home}", markup=False)
    console.print(f"  run {run_id}; full Dagster log: {log_path}", markup=False)
    progress = rs.Progress(console)
    with logging_to_file(log_path) as log:
        why_not = cannot_run(home)
        if why_not is not None:
            print(f"csw run: could not run: {why_not}", file=log)
            rs.render_could_not_run(why_not, err_console)
            return rs.EXIT_COULD_NOT_RUN
        try:
            # .env lets `dagster dev` in the repository find this home; CSW_WRITE_DOTENV=0 leaves it alone.
            result = run_job(home, "nightly", write_dotenv=os.environ.get("CSW_WRITE_DOTENV", "1") != "0",
                             run_id=run_id, on_event=progress)
        except Exception as error:  # noqa: BLE001 -- the job could not start: say so, the traceback to the log
            import traceback

            traceback.print_exc(file=log)
            progress.close()
            rs.render_could_not_run(f"{type(error).__name__}: {error} (traceback in {log_path})", err_console)
            return rs.EXIT_COULD_NOT_RUN
        finally:
            progress.close()
    summary = rs.summarise(progress.events or result.all_events, result.run_id, time.monotonic() - started, log_path)
    rs.render(summary, console, err_console)
    console.print(f"Dagster UI: run `dagster dev` in the repository root (DAGSTER_HOME={Paths(home).dagster_home})",
                  markup=False)
    return rs.exit_code(summary)


def cmd_ingest(args: argparse.Namespace) -> int:
    from cli.ingest import ingest_and_publish

    return ingest_and_publish(_home(args), args.feeds or None)


def cmd_status(args: argparse.Namespace) -> int:
    from ingestion.accept import held_files
    from warehouse.database import connect

    paths = Paths(_home(args))
    if not paths.warehouse.exists():
        print(f"No warehouse at {paths.warehouse} yet: run `csw run`.")
        return 1
    with connect(paths.warehouse, read_only=True) as con:
        rows = con.execute(
            """select feed, status, count(*), sum(rows_read), sum(rows_loaded), sum(rows_quarantined)
               from meta.source_files group by all order by all"""
        ).fetchall()
        held = held_files(con)
        refused = con.execute(
            """select feed, status, file_name, reason from meta.source_files
               where status in ('rejected', 'ignored') order by received_at desc, feed, file_name limit 20"""
        ).fetchall()
    print(f"{'feed':<18} {'status':<11} {'files':>6} {'read':>10} {'loaded':>10} {'quarantined':>11}")
    for feed, status, files, read, loaded, quarantined in rows:
        print(f"{feed:<18} {status:<11} {files:>6} {read:>10} {loaded:>10} {quarantined:>11}")
    if held:
        print(f"\nHELD: {len(held)} resubmission(s) not applied (the live file stays live); "
              "apply one on purpose with `csw accept FEED FILE`:")
        for feed, name, partition, loaded, reason in held:
            print(f"  {feed} {name} (partition {partition}, {loaded} rows): {reason}")
    if refused:
        print("\nMost recent rejected or ignored files:")
        for feed, status, name, reason in refused:
            print(f"  {feed} {status} {name}: {reason}")
    from warehouse.atomic_publish import describe

    print(f"\nwarehouse: {describe(paths.home)}")
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    from cli.ingest import accept_and_publish

    return accept_and_publish(_home(args), args.feed, args.file)


def cmd_trace(args: argparse.Namespace) -> int:
    from cli.trace import cmd_trace as trace

    return trace(args, _home(args))


def cmd_docs(args: argparse.Namespace) -> int:
    from cli.docs import build_docs

    return build_docs(_home(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="csw", description="Community Safety Warehouse")
    parser.add_argument("--home", help="warehouse home (default: $CSW_HOME or ./data)")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo-data", help="write the synthetic demo feeds into the landing area")
    demo.add_argument("--seed", type=int, default=20240401)
    demo.add_argument("--scale", type=float, default=1.0, help="row volume multiplier (1.0 = full demo)")
    demo.add_argument("--months", default=None,
                      help="police months FROM:TO (default 2019-04:2025-09, six complete financial years)")
    demo.add_argument("--forces", type=int, default=None,
                      help="national demo: street files of the first N forces with a force area, Lancashire "
                           "first (1-43; about 60 million rows for 43 forces x 10 years at scale 1)")
    demo.add_argument("--years", type=int, default=None,
                      help="national demo: the Y years ending at the demo's latest month (default 1)")
    demo.add_argument("--add-month", default=None, metavar="YYYY-MM",
                      help="national demo: land only this month's street files for the --forces forces")
    demo.set_defaults(func=cmd_demo_data)
    from cli.run_summary import EXIT_CODES

    run = sub.add_parser(
        "run", help="run the nightly job",
        description="The nightly job: intake + checks, dbt build + tests, the Board's outputs, publish.\n"
                    "Prints progress and a summary (files per feed, dbt models and tests, outputs,\n"
                    "published or not and why); the full Dagster log goes to\n"
                    "$CSW_HOME/logs/csw-run-<run id>.log.",
        epilog="exit codes:\n" + "\n".join(
            textwrap.fill(what, 96, initial_indent=f"  {code}  ", subsequent_indent="     ")
            for code, what in EXIT_CODES.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    run.set_defaults(func=cmd_run)
    ingest = sub.add_parser("ingest", help="load new landed files (no dbt)")
    ingest.add_argument("feeds", nargs="*")
    ingest.set_defaults(func=cmd_ingest)
    status = sub.add_parser("status", help="what has been loaded")
    status.set_defaults(func=cmd_status)
    accept = sub.add_parser("accept", help="apply a held resubmission on purpose (see `csw status`)",
                            description="A resubmission that would replace good data with less (no row loads, or "
                                        "fewer than [intake] resubmission_min_share of the live file's rows) is held. "
                                        "This applies it: the live file becomes superseded.")
    accept.add_argument("feed", help="the feed, e.g. police_street")
    accept.add_argument("file", help="the held file's name as `csw status` lists it (or its sha256 prefix)")
    accept.set_defaults(func=cmd_accept)
    from cli.sql import add_commands

    add_commands(sub)  # csw sql, csw export
    from cli.trace import add_parser as add_trace_parser

    add_trace_parser(sub).set_defaults(func=cmd_trace)
    docs = sub.add_parser("docs", help="build the dbt documentation site into $CSW_HOME/docs")
    docs.set_defaults(func=cmd_docs)

    from cli import report as report_cli

    report_cli.add_parser(sub, _home)
    from cli import dashboard as dashboard_cli

    dashboard_cli.add_parser(sub, _home)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
