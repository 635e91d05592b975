"""The data team's data-quality report: every ``meta.dq_*`` model as a CSV in outputs/data_quality/.

The data-quality models are read by people (the data team, before the Board pack goes out), so
they end at an output like the Board's reports do, rather than as tables nobody is shown. Written
into the run's build folder, moved into outputs/ with the warehouse by ``published/warehouse``.
"""


import dagster as dg

from orchestration.publish_asset import published_location, run_outputs
from orchestration.resources import DUCKDB_WRITER_POOL, WarehouseResource
from warehouse.database import connect

DQ_MODELS = ["dq_row_accounting", "dq_police_duplicate_rows", "dq_police_unattributed_rows", "dq_police_crime_types",
              "dq_stats19_unattributed_rows"]
DQ_KEYS = [dg.AssetKey(["meta", name]) for name in DQ_MODELS]


@dg.asset(
    key=dg.AssetKey(["outputs", "data_quality_csv"]),
    deps=DQ_KEYS,
    group_name="outputs",
    kinds={"csv"},
    pool=DUCKDB_WRITER_POOL,  # reads only, but DuckDB lets no reader in while another process writes
    description="The data-quality report: outputs/data_quality/<model>.csv for every meta.dq_* model.",
)
def data_quality_csv(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    folder = run_outputs(warehouse) / "data_quality"  # the run's build folder: published with the warehouse
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with connect(warehouse.database, read_only=True) as con:
        for name in DQ_MODELS:
            target = folder / f"{name}.csv"
            con.execute(f"copy (select * from meta.{name} order by all) to '{target}' (header, delimiter ',')")
            counts[name] = con.execute(f"select count(*) from meta.{name}").fetchone()[0]
    published = published_location(warehouse, folder)
    context.log.info("data-quality report written to %s (published to %s with the warehouse)", folder, published)
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(published)),
        "paths": dg.MetadataValue.json([str(published / f"{name}.csv") for name in DQ_MODELS]),
        "rows": dg.MetadataValue.json(counts),
    })
