"""``csw ingest``: load new landed files outside the nightly job, published like the night's work.

The load goes into a build copy (see :mod:`warehouse.atomic_publish`), and the copy is published only
when row accounting balances for every feed (rows read = rows loaded + rows quarantined, counted
in the tables); otherwise the copy is discarded and the published warehouse stays as it was.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from ingestion import registry
from ingestion.loader import ingest_landing
from cli.runner import prepare_home
from warehouse.accounting import row_accounting
from warehouse.database import connect
from warehouse.atomic_publish import BuildInProgress, building, publish_build


def _run_finished(run_id: str) -> bool:
    """A lock left by a Dagster run that has ended is free (its process may still be alive)."""
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        run = instance.get_run_by_id(run_id)  # unknown (another `csw ingest`): its pid decides
        return run is not None and run.status in {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE,
                                             dg.DagsterRunStatus.CANCELED}


def ingest_and_publish(home: Path, feeds: list[str] | None) -> int:
    paths = prepare_home(home, write_dotenv=False)
    run_id = f"cli-{uuid.uuid4()}"
    try:
        with building(paths.home, run_id, run_finished=_run_finished) as database:
            results = ingest_landing(database, paths.landing, run_id, feeds)
            for feed, rs in results.items():
                for r in rs:
                    if r.status == "unchanged":
                        continue
                    line = f"{feed:<18} {r.status:<9} {r.file_name}: read {r.rows_read}, loaded {r.rows_loaded}, " \
                           f"quarantined {r.rows_quarantined}"
                    print(line + (f" -- {r.reason}" if r.reason else ""))
            with connect(database, read_only=True) as con:
                reports = {name: row_accounting(con, registry.get(name)) for name in results}
            unbalanced = {name: report for name, report in reports.items() if not report.balanced}
            if unbalanced:
                for name, report in unbalanced.items():
                    print(f"{name}: row accounting does not balance: {report.describe()}", file=sys.stderr)
                print("Nothing published: the warehouse stays as it was.", file=sys.stderr)
                return 1
            if any(r.status != "unchanged" for rs in results.values() for r in rs):
                publish_build(paths.home, run_id)
                print(f"Published {paths.warehouse}")
    except BuildInProgress as busy:
        print(f"Not loaded: {busy}. Try again when it has finished.", file=sys.stderr)
        return 1
    return 0


def accept_and_publish(home: Path, feed: str, file_name: str) -> int:
    """``csw accept FEED FILE``: apply a held resubmission, in a build copy published when done."""
    from ingestion.accept import NothingToAccept, accept_held

    paths = prepare_home(home, write_dotenv=False)
    if not paths.warehouse.exists():
        print(f"No warehouse at {paths.warehouse} yet: nothing is held.", file=sys.stderr)
        return 1
    run_id = f"cli-accept-{uuid.uuid4()}"
    try:
        with building(paths.home, run_id, run_finished=_run_finished) as database:
            with connect(database) as con:
                try:
                    accepted = accept_held(con, feed, file_name)
                except NothingToAccept as nothing:
                    print(f"Not accepted: {nothing}", file=sys.stderr)
                    return 1
            publish_build(paths.home, run_id)
    except BuildInProgress as busy:
        print(f"Not accepted: {busy}. Try again when it has finished.", file=sys.stderr)
        return 1
    replaced = f"; it supersedes {len(accepted.superseded)} file(s)" if accepted.superseded else ""
    print(f"Accepted {accepted.feed} {accepted.file_name} (partition {accepted.partition_key}){replaced}.")
    print("The marts and the Board's outputs change with the next `csw run`.")
    return 0
