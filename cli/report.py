"""``csw report``: build the Board's outputs for any past period on demand.

    csw report quarterly --fy 2024/25 --quarter 2
    csw report annual --fy 2024/25

Reads the warehouse read-only (``Paths(home).warehouse``), runs the same disclosure control and
Great Expectations checks as the nightly job, and writes into ``$CSW_HOME/outputs`` directly (the
nightly job writes into its build folder and publishes with the warehouse). A publish a killed night
left half done is finished first, so ``outputs/`` describes the published warehouse. Without
``--fy`` the latest complete quarter / financial year is built.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from warehouse.settings import Paths, load_settings


def add_parser(sub: argparse._SubParsersAction, home: Callable[[argparse.Namespace], Path]) -> None:
    report = sub.add_parser("report", help="build the quarterly report or the annual update for a period")
    kinds = report.add_subparsers(dest="kind", required=True)
    quarterly = kinds.add_parser("quarterly", help="Quarterly Performance Report, scorecard workbook and CSV")
    quarterly.add_argument("--fy", help="financial year, e.g. 2024/25 (default: the latest complete quarter)")
    quarterly.add_argument("--quarter", type=int, choices=(1, 2, 3, 4), help="1 = Apr-Jun ... 4 = Jan-Mar")
    annual = kinds.add_parser("annual", help="Annual Performance and Priorities Update (HTML and PDF)")
    annual.add_argument("--fy", help="financial year, e.g. 2024/25 (default: the latest complete one)")
    report.set_defaults(func=lambda args: run(args, home(args)))


def run(args: argparse.Namespace, home: Path) -> int:
    from reporting import write_outputs as publish
    from reporting.checks import OutputChecksUnavailable
    from reporting.expectations import OutputCheckFailed
    from reporting.periods import FinancialYear, Quarter, latest_complete_year, latest_quarter
    from warehouse.database import connect

    paths = Paths(home)
    if not paths.warehouse.exists():
        print(f"No warehouse at {paths.warehouse} yet: run `csw run`.", file=sys.stderr)
        return 1
    from warehouse.atomic_publish import finish_interrupted_publish, lock_path

    if lock_path(paths.home).exists():
        finish_interrupted_publish(paths.home)  # a night killed while publishing: its outputs first
    settings = load_settings(home)
    try:
        with connect(paths.warehouse, read_only=True) as con:
            if args.kind == "quarterly":
                if (args.fy is None) != (args.quarter is None):
                    print("give both --fy and --quarter, or neither (the latest complete quarter)", file=sys.stderr)
                    return 2
                period = Quarter.of(args.fy, args.quarter) if args.fy else latest_quarter(con)
                if period is None:
                    print("The scorecard mart has no complete quarter yet.", file=sys.stderr)
                    return 1
                result = publish.publish_quarterly(con, period, settings, paths)
            else:
                period = FinancialYear(args.fy) if args.fy else latest_complete_year(con)
                if period is None:
                    print("The scorecard mart has no complete financial year yet.", file=sys.stderr)
                    return 1
                result = publish.publish_annual(con, period, settings, paths)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except LookupError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except (OutputCheckFailed, OutputChecksUnavailable) as exc:
        print(f"NOT PUBLISHED: {exc}", file=sys.stderr)
        return 1
    print(f"{period.label}: {result.rows} scorecard rows, {result.suppressed_cells} cells suppressed "
          f"({result.primary_cells} below the disclosure threshold)")
    for path in result.files.values():
        print(f"  {path}")
    return 0
