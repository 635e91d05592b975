"""The Board's outputs as Dagster assets, downstream of the marts, rebuilt by the nightly job.

* ``outputs/quarterly_report``: the Quarterly Performance Report (HTML), scorecard workbook (XLSX)
  and scorecard CSV of the latest complete quarter;
* ``outputs/annual_update``: the Annual Performance and Priorities Update (HTML and PDF) of the
  latest complete financial year;
* ``outputs/dashboard``: the performance dashboard (one self-contained HTML file) of the recent
  quarter ends, every area (``reporting.dashboard``).

Each validates its disclosure-controlled scorecard table with the Great Expectations suite before
any file is written (``reporting.write_outputs``): a failed expectation fails the step, says which
expectation failed, and leaves the previous files in place. ``csw report`` builds past periods.

What each reads (its deps) is said once, by the dbt exposures naming it in ``meta.dagster_asset``
(dbt_project/models/_outputs__exposures.yml), so ``csw docs`` and the Dagster graph agree.

Files are written into the run's build folder (``$CSW_HOME/build/outputs.<run id>/``) and reach
``outputs/`` only when ``published/warehouse`` publishes the warehouse they were built from; the
asset metadata names those published paths.
"""

import dagster as dg

from orchestration.dbt_project import exposure_deps
from orchestration.publish_asset import published_location, run_outputs
from orchestration.resources import DUCKDB_WRITER_POOL, WarehouseResource
from reporting import write_outputs as publish
from reporting.dashboard_tables import selectable_quarters
from reporting.periods import latest_complete_year, latest_quarter
from warehouse.database import connect

QUARTERLY_KEY = dg.AssetKey(["outputs", "quarterly_report"])
ANNUAL_KEY = dg.AssetKey(["outputs", "annual_update"])
DASHBOARD_KEY = dg.AssetKey(["outputs", "dashboard"])
GE_CHECK = "great_expectations_output_table"


def _published(warehouse: WarehouseResource, result: publish.Published) -> publish.Published:
    """The result with the paths the files will have once the run publishes (the Board's paths)."""
    result.files = {kind: published_location(warehouse, path) for kind, path in result.files.items()}
    return result


def _metadata(result: publish.Published, period: str) -> dict:
    meta = {f"{kind}_path": dg.MetadataValue.path(str(path)) for kind, path in result.files.items()}
    meta["paths"] = dg.MetadataValue.json([str(p) for p in result.files.values()])  # OpenLineage output files
    meta.update({"period": period, "scorecard_rows": result.rows, "suppressed_cells": result.suppressed_cells,
                 "primary_suppressed_cells": result.primary_cells})
    return meta


@dg.asset(
    key=QUARTERLY_KEY,
    deps=exposure_deps(QUARTERLY_KEY),  # what the dbt exposures of the quarterly report read
    group_name="outputs",
    kinds={"html", "xlsx", "csv"},
    # Reads only, but DuckDB refuses readers from other processes while one writes: take turns.
    pool=DUCKDB_WRITER_POOL,
    check_specs=[dg.AssetCheckSpec(GE_CHECK, asset=QUARTERLY_KEY, blocking=True,
                                   description="The published scorecard table passes the Great Expectations suite.")],
    description="Quarterly Performance Report, scorecard workbook and CSV of the latest complete quarter: "
                "outputs/quarterly_report_<FY>_Q<n>.html/.xlsx/.csv.",
)
def quarterly_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    with connect(warehouse.database, read_only=True) as con:
        quarter = latest_quarter(con)
        if quarter is None:
            raise dg.Failure("the scorecard mart has no complete quarter: load at least 3 months of a feed")
        result = _published(warehouse, publish.publish_quarterly(con, quarter, settings, warehouse.paths,
                                                                 outputs=run_outputs(warehouse)))
    context.log.info("Quarterly report for %s written (published with the warehouse): %s", quarter.label, ", ".join(map(str, result.files.values())))
    return dg.MaterializeResult(
        metadata=_metadata(result, quarter.label),
        check_results=[dg.AssetCheckResult(check_name=GE_CHECK, passed=True, metadata={"period": quarter.label})],
    )


@dg.asset(
    key=ANNUAL_KEY,
    deps=exposure_deps(ANNUAL_KEY),  # what the dbt exposures of the annual update read
    group_name="outputs",
    kinds={"html", "pdf"},
    pool=DUCKDB_WRITER_POOL,
    check_specs=[dg.AssetCheckSpec(GE_CHECK, asset=ANNUAL_KEY, blocking=True,
                                   description="The published scorecard table passes the Great Expectations suite.")],
    description="Annual Performance and Priorities Update of the latest complete financial year: "
                "outputs/annual_update_<FY>.html/.pdf.",
)
def annual_update(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    with connect(warehouse.database, read_only=True) as con:
        year = latest_complete_year(con)
        if year is None:
            # A young warehouse (less than a financial year loaded) has no annual update yet: not an error.
            context.log.info("No complete financial year in the scorecard mart yet: no annual update built.")
            return dg.MaterializeResult(
                metadata={"period": "none: no complete financial year loaded yet"},
                check_results=[dg.AssetCheckResult(check_name=GE_CHECK, passed=True,
                                                   metadata={"period": "none", "tables_checked": 0})])
        result = _published(warehouse, publish.publish_annual(con, year, settings, warehouse.paths,
                                                              outputs=run_outputs(warehouse)))
    context.log.info("Annual update for %s written (published with the warehouse): %s", year.label, ", ".join(map(str, result.files.values())))
    return dg.MaterializeResult(
        metadata=_metadata(result, year.label),
        check_results=[dg.AssetCheckResult(check_name=GE_CHECK, passed=True, metadata={"period": year.label})],
    )


@dg.asset(
    key=DASHBOARD_KEY,
    deps=exposure_deps(DASHBOARD_KEY),  # what the dbt exposure of the dashboard reads
    group_name="outputs",
    kinds={"html"},
    pool=DUCKDB_WRITER_POOL,
    check_specs=[dg.AssetCheckSpec(GE_CHECK, asset=DASHBOARD_KEY, blocking=True,
                                   description="Every quarter the dashboard shows passes the Great Expectations "
                                               "suite of the published scorecard table.")],
    description="Performance dashboard of the recent quarter ends (every area, key issue and indicator, one "
                "self-contained page that works offline): outputs/dashboard.html.",
)
def dashboard(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    with connect(warehouse.database, read_only=True) as con:
        quarters = selectable_quarters(con)
        if not quarters:
            raise dg.Failure("the scorecard mart has no complete quarter: load at least 3 months of a feed")
        result = _published(warehouse, publish.publish_dashboard(con, settings, warehouse.paths, quarters=quarters,
                                                                 outputs=run_outputs(warehouse)))
    period = quarters[0].label if len(quarters) == 1 else f"{quarters[0].label} to {quarters[-1].label}"
    context.log.info("Dashboard for %s written (published with the warehouse): %s", period,
                     ", ".join(map(str, result.files.values())))
    return dg.MaterializeResult(
        metadata=_metadata(result, period),
        check_results=[dg.AssetCheckResult(check_name=GE_CHECK, passed=True,
                                           metadata={"period": period, "tables_checked": len(quarters)})],
    )


REPORT_ASSETS = [quarterly_report, annual_update, dashboard]
