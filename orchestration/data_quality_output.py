"""The data team's data-quality report: the models the ``data_quality_report`` exposure lists, as CSVs.

The data-quality models are read by people (the data team, before the Board pack goes out), so
they end at an output like the Board's reports do, rather than as tables nobody is shown. Which
models the report holds is said once, by the dbt exposure whose ``meta.dagster_asset`` is
``outputs/data_quality_csv`` (dbt_project/models/_outputs__exposures.yml): they are this asset's
deps and its CSV files. Written into the run's build folder, moved into outputs/ with the
warehouse by ``published/warehouse``.
"""


import dagster as dg

from orchestration.dbt_project import TRANSLATOR, exposure_nodes
from orchestration.publish_asset import published_location, run_outputs
from orchestration.resources import DUCKDB_WRITER_POOL, WarehouseResource
from warehouse.database import connect

DATA_QUALITY_KEY = dg.AssetKey(["outputs", "data_quality_csv"])
# (CSV name, relation) of every model the exposure lists, in the exposure's order.
DQ_TABLES: list[tuple[str, str]] = [(node["name"], f'{node["schema"]}.{node.get("alias") or node["name"]}')
                                    for node in exposure_nodes(DATA_QUALITY_KEY)]


@dg.asset(
    key=DATA_QUALITY_KEY,
    deps=[TRANSLATOR.get_asset_key(node) for node in exposure_nodes(DATA_QUALITY_KEY)],
    group_name="outputs",
    kinds={"csv"},
    pool=DUCKDB_WRITER_POOL,  # reads only, but DuckDB lets no reader in while another process writes
    description="The data-quality report: outputs/data_quality/<model>.csv for every model the dbt exposure "
                "data_quality_report lists.",
)
def data_quality_csv(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    folder = run_outputs(warehouse) / "data_quality"  # the run's build folder: published with the warehouse
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with connect(warehouse.database, read_only=True) as con:
        for name, relation in DQ_TABLES:
            target = folder / f"{name}.csv"
            con.execute(f"copy (select * from {relation} order by all) to '{target}' (header, delimiter ',')")
            counts[name] = con.execute(f"select count(*) from {relation}").fetchone()[0]
    published = published_location(warehouse, folder)
    context.log.info("data-quality report written to %s (published to %s with the warehouse)", folder, published)
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(published)),
        "paths": dg.MetadataValue.json([str(published / f"{name}.csv") for name, _ in DQ_TABLES]),
        "rows": dg.MetadataValue.json(counts),
    })
