"""The dbt models as Dagster assets; dbt tests become asset checks through the translator."""


import os
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.build_record import record_dbt_build
from orchestration.dbt_column_lineage import with_column_metadata
from orchestration.dbt_project import TRANSLATOR, dbt_cli, dbt_project, dbt_vars
from orchestration.resources import DUCKDB_WRITER_POOL, WarehouseResource


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=TRANSLATOR,
    pool=DUCKDB_WRITER_POOL,
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
                     ) -> Iterator[Any]:
    """``dbt build`` (seeds, models, tests) against this home's warehouse, with the settings as vars.

    The dbt subprocess is the only process with the DuckDB file open while it runs.
    """
    os.environ["CSW_WAREHOUSE_PATH"] = str(warehouse.database)
    # dbt unit tests check the models' SQL on fixed inputs, not the night's data: they are the test
    # suite's (tests/test_dbt_models.py runs every one), as dbt advises for production builds.
    invocation = dbt.cli(["build", "--exclude-resource-type", "unit_test", "--vars", dbt_vars(warehouse.settings(), warehouse.paths.home)],
                         context=context, raise_on_error=False)
    # Collected, not streamed: column metadata can only be read once dbt has released the file.
    events = list(invocation.stream())
    # What built this file (manifest, compiled SQL, git commit), for `csw trace` and OpenLineage.
    record_dbt_build(warehouse.database, context.run.run_id, context.run.job_name, invocation.target_path)
    yield from with_column_metadata(invocation, events)
    if not invocation.is_successful():
        raise invocation.get_error() or dg.Failure("dbt build failed")
