"""Build, check, then write each output: the steps the Dagster assets, ``csw report`` and
``csw dashboard`` share.

Order matters: the controlled tables are checked by the Great Expectations suite first
(``checks.check_output_table``); only if that passes are files written, each to a temporary name
then renamed, so a failed check or a crash never leaves a half-written or unchecked file.

Where: ``outputs`` (default ``$CSW_HOME/outputs``, what ``csw report`` uses). The nightly job passes
its run's build folder instead (``warehouse.atomic_publish.outputs_build_path``): its files reach
``outputs/`` only when the run publishes the warehouse they were built from.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import duckdb

from reporting import chart_cache, checks, costs, csv_output, dashboard, html, pdf, relative_position, xlsx
from reporting.dashboard_tables import dashboard_tables
from reporting.periods import FinancialYear, Quarter
from reporting.tables import annual_tables, quarterly_tables
from warehouse.settings import Paths

# check(name, frame, settings, home=...) raises when the table must not be published
Check = Callable[..., None]


def quarterly_names(quarter: Quarter) -> dict[str, str]:
    stem = f"quarterly_report_{quarter.slug}"
    return {"html": f"{stem}.html", "xlsx": f"{stem}.xlsx", "csv": f"{stem}.csv"}


def annual_names(year: FinancialYear) -> dict[str, str]:
    stem = f"annual_update_{year.slug}"
    return {"html": f"{stem}.html", "pdf": f"{stem}.pdf"}


@dataclass
class Published:
    files: dict[str, Path]
    rows: int
    suppressed_cells: int
    primary_cells: int


@contextmanager
def _staged(outputs: Path) -> Iterator[Path]:
    """A temporary folder beside the outputs; its files are renamed into place at the end."""
    outputs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".staging-", dir=outputs) as tmp:
        yield Path(tmp)


def _commit(staging: Path, outputs: Path, names: dict[str, str]) -> dict[str, Path]:
    out = {}
    for kind, name in names.items():
        os.replace(staging / name, outputs / name)
        out[kind] = outputs / name
    return out


def publish_quarterly(con: duckdb.DuckDBPyConnection, quarter: Quarter, settings: dict[str, Any], paths: Paths,
                      check: Check = checks.check_output_table, outputs: Path | None = None) -> Published:
    """The Quarterly Performance Report (HTML), scorecard workbook (XLSX) and CSV of one quarter,
    written into ``outputs`` (default ``paths.outputs``)."""
    outputs = outputs if outputs is not None else paths.outputs
    tables = quarterly_tables(con, quarter, settings)
    names = quarterly_names(quarter)
    check(names["csv"].removesuffix(".csv"), tables.scorecard, settings, home=paths.home)  # before any file
    peers = relative_position.peer_tables(con, tables, "rolling_12m", quarter.end_month,
                                          f"12 months to {quarter.end_month:%B %Y}")
    quarter_peers = relative_position.peer_tables(con, tables, "quarter", quarter.end_month, quarter.label)
    relative_position.check_disclosure(tables, peers, quarter_peers)  # before any file
    built = dt.datetime.now(dt.timezone.utc)
    with chart_cache.cached_in(paths.chart_cache), _staged(outputs) as staging:
        (staging / names["html"]).write_text(html.render_quarterly(tables, built, peers, quarter_peers),
                                             encoding="utf-8")
        xlsx.write_workbook(tables, staging / names["xlsx"], [peers, quarter_peers])
        rows = csv_output.write_csv(tables, staging / names["csv"])
        files = _commit(staging, outputs, names)
    return Published(files, rows, tables.suppressed_cells, tables.primary_cells)


def publish_annual(con: duckdb.DuckDBPyConnection, year: FinancialYear, settings: dict[str, Any], paths: Paths,
                   check: Check = checks.check_output_table, outputs: Path | None = None) -> Published:
    """The Annual Performance and Priorities Update (HTML and its PDF print) of one financial year,
    written into ``outputs`` (default ``paths.outputs``)."""
    outputs = outputs if outputs is not None else paths.outputs
    tables = annual_tables(con, year, settings)
    names = annual_names(year)
    check(names["html"].removesuffix(".html"), tables.scorecard, settings, home=paths.home)  # before any file
    unit_costs = costs.annual_cost_summary(con, tables)  # the force extract's crimes by cost category
    peers = relative_position.peer_tables(con, tables, "financial_year", year.last_month, year.label)
    relative_position.check_disclosure(tables, peers)  # before any file
    built = dt.datetime.now(dt.timezone.utc)
    with chart_cache.cached_in(paths.chart_cache), _staged(outputs) as staging:
        page = staging / names["html"]
        page.write_text(html.render_annual(tables, unit_costs, peers, built), encoding="utf-8")
        pdf.html_to_pdf(page, staging / names["pdf"])
        files = _commit(staging, outputs, names)
    return Published(files, len(tables.scorecard), tables.suppressed_cells, tables.primary_cells)


def publish_dashboard(con: duckdb.DuckDBPyConnection, settings: dict[str, Any], paths: Paths,
                      check: Check = checks.check_output_table, outputs: Path | None = None,
                      quarters: list[Quarter] | None = None) -> Published:
    """The performance dashboard (``dashboard.html``) of the recent quarter ends (default: up to
    eight, ending with the latest complete quarter), written into ``outputs`` (default
    ``paths.outputs``). Every quarter it shows passes the reports' suite before the file is written."""
    outputs = outputs if outputs is not None else paths.outputs
    tables = dashboard_tables(con, settings, quarters)
    for quarter in tables.quarters:  # before any file
        check(f"dashboard_{quarter.slug}", tables.quarter_rows(quarter), settings, home=paths.home)
    names = {"html": dashboard.DASHBOARD_NAME}
    built = dt.datetime.now(dt.timezone.utc)
    with _staged(outputs) as staging:
        (staging / names["html"]).write_text(dashboard.dashboard_html(con, tables, built), encoding="utf-8")
        files = _commit(staging, outputs, names)
    return Published(files, len(tables.scorecard), tables.suppressed_cells, tables.primary_cells)
