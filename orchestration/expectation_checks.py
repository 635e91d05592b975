"""Great Expectations as a Dagster asset check on the scorecard mart.

Blocking: when the suite fails, the outputs downstream of the mart are not built in that run, so a
broken scorecard is never published; the check's description and metadata say which expectation
failed and where. The suite itself lives in ``gx/`` and is run by ``reporting.expectations``; the
Data Docs it updates are in ``$CSW_HOME/outputs/data_docs`` for auditors.
"""


import dagster as dg

from orchestration.resources import DUCKDB_WRITER_POOL, WarehouseResource
from warehouse.database import connect

SCORECARD_MART = dg.AssetKey(["marts", "mart_scorecard_quarterly"])


@dg.asset_check(
    asset=SCORECARD_MART,
    name="great_expectations",
    blocking=True,
    # Reads only, but DuckDB refuses readers from other processes while one writes: take turns.
    pool=DUCKDB_WRITER_POOL,
    description=(
        "Great Expectations suite scorecard_mart: every indicator x area x period present, values "
        "non-negative, rates consistent with counts and population, district totals consistent with the county."
    ),
)
def scorecard_mart_expectations(context: dg.AssetCheckExecutionContext,
                                warehouse: WarehouseResource) -> dg.AssetCheckResult:
    # Imported here: GE takes seconds to import and the code location should load fast.
    from reporting.expectations import build_data_docs, check_scorecard_mart

    home = warehouse.paths.home
    with connect(warehouse.database, read_only=True) as con:
        outcome = check_scorecard_mart(con, warehouse.settings(), home=home)
    docs = build_data_docs(home)
    if not outcome.success:
        context.log.error(outcome.message())
    return dg.AssetCheckResult(
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR,
        description=outcome.message() if not outcome.success else "All expectations of scorecard_mart met.",
        metadata={
            "suite": outcome.suite,
            "failed_expectations": dg.MetadataValue.json(outcome.failures),
            "evaluated_expectations": outcome.statistics.get("evaluated_expectations"),
            "unsuccessful_expectations": outcome.statistics.get("unsuccessful_expectations"),
            "data_docs": dg.MetadataValue.path(str(docs)),
        },
    )


EXPECTATION_CHECKS = [scorecard_mart_expectations]
