"""``csw dashboard``: build the performance dashboard for the published warehouse on demand.

    csw dashboard                 # outputs/dashboard.html: the latest eight quarter ends
    csw dashboard --quarters 4    # fewer quarter ends in the period selector

Reads the published warehouse read-only (``Paths(home).warehouse``), runs the same disclosure
control and Great Expectations check as the nightly job (every quarter the page shows), and writes
``$CSW_HOME/outputs/dashboard.html`` directly (the nightly job writes it into its build folder and
publishes it with the warehouse). A publish a killed night left half done is finished first, so
``outputs/`` describes the published warehouse.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from warehouse.settings import Paths, load_settings

DEFAULT_QUARTERS = 8  # reporting.dashboard_tables.MAX_QUARTERS (not imported here: the CLI starts fast)


def add_parser(sub: argparse._SubParsersAction, home: Callable[[argparse.Namespace], Path]) -> None:
    dashboard = sub.add_parser(
        "dashboard", help="build the performance dashboard (outputs/dashboard.html) for the published warehouse",
        description="The performance dashboard: one self-contained HTML file (works offline) with every key issue, "
                    "area and recent quarter end, built from the published warehouse with the reports' disclosure "
                    "control and Great Expectations check.")
    dashboard.add_argument("--quarters", type=int, default=DEFAULT_QUARTERS,
                           help=f"how many quarter ends the period selector offers (default {DEFAULT_QUARTERS})")
    dashboard.set_defaults(func=lambda args: run(args, home(args)))


def run(args: argparse.Namespace, home: Path) -> int:
    from reporting import write_outputs as publish
    from reporting.checks import OutputChecksUnavailable
    from reporting.dashboard import DisclosureCheckFailed
    from reporting.dashboard_tables import selectable_quarters
    from reporting.expectations import OutputCheckFailed
    from warehouse.atomic_publish import finish_interrupted_publish, lock_path
    from warehouse.database import connect

    paths = Paths(home)
    if not paths.warehouse.exists():
        print(f"No warehouse at {paths.warehouse} yet: run `csw run`.", file=sys.stderr)
        return 1
    if args.quarters < 1:
        print("--quarters must be at least 1", file=sys.stderr)
        return 2
    if lock_path(paths.home).exists():
        finish_interrupted_publish(paths.home)  # a night killed while publishing: its outputs first
    settings = load_settings(home)
    try:
        with connect(paths.warehouse, read_only=True) as con:
            quarters = selectable_quarters(con, args.quarters)
            if not quarters:
                print("The scorecard mart has no complete quarter yet.", file=sys.stderr)
                return 1
            result = publish.publish_dashboard(con, settings, paths, quarters=quarters)
    except LookupError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except (OutputCheckFailed, OutputChecksUnavailable, DisclosureCheckFailed) as exc:
        print(f"NOT PUBLISHED: {exc}", file=sys.stderr)
        return 1
    span = quarters[0].label if len(quarters) == 1 else f"{quarters[0].label} to {quarters[-1].label}"
    print(f"Performance dashboard, {len(quarters)} quarter ends ({span}): {result.rows} scorecard rows, "
          f"{result.suppressed_cells} cells suppressed ({result.primary_cells} below the disclosure threshold)")
    for path in result.files.values():
        print(f"  {path}")
    return 0
