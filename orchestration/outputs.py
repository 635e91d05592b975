"""Published outputs, rebuilt by the nightly job from the marts (read-only)."""


import csv
from pathlib import Path

import dagster as dg

from orchestration.resources import DUCKDB_WRITER_POOL, WarehouseResource
from warehouse.database import connect
from warehouse.scorecard import latest_complete_quarter, scorecard_file_name, write_scorecard_csv

SCORECARD_MART = dg.AssetKey(["marts", "mart_scorecard_quarterly"])


@dg.asset(
    key=dg.AssetKey(["outputs", "scorecard_csv"]),
    deps=[SCORECARD_MART],
    group_name="outputs",
    kinds={"csv"},
    # Reads only, but DuckDB refuses readers from other processes while one writes: take turns.
    pool=DUCKDB_WRITER_POOL,
    description="The quarterly scorecard for the latest complete quarter: outputs/scorecard_<FY>_Q<n>.csv.",
)
def scorecard_csv(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    paths = warehouse.paths
    paths.outputs.mkdir(parents=True, exist_ok=True)
    with connect(warehouse.database, read_only=True) as con:
        quarter = latest_complete_quarter(con)
        if quarter is None:
            raise dg.Failure("the scorecard mart has no complete quarter: load at least 3 months of a feed")
        target: Path = paths.outputs / scorecard_file_name(*quarter)
        rows = write_scorecard_csv(con, *quarter, target)
    context.log.info("scorecard for %s Q%s written to %s (%d rows)", quarter[0], quarter[1], target, rows)
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(target)), "financial_year": quarter[0],
                  "fy_quarter": quarter[1], "rows": rows}
    )
