"""The Dagster code location: assembled here, defined in the small modules beside it."""

import dagster as dg

from orchestration.data_quality_output import data_quality_csv
from orchestration.dbt_assets import warehouse_models
from orchestration.dbt_project import dbt_cli
from orchestration.expectation_checks import EXPECTATION_CHECKS
from orchestration.ingestion_assets import RAW_ASSETS, ROW_ACCOUNTING_CHECKS, nightly_intake
from orchestration.landing_assets import LANDING_SPECS
from orchestration.lineage import LINEAGE_SENSORS
from orchestration.publish_asset import with_publish_step
from orchestration.reports import REPORT_ASSETS
from orchestration.resources import default_warehouse
from orchestration.schedules import ingest_jobs, landing_sensor, nightly_job, nightly_schedule


def build_defs(*extra_assets: dg.AssetsDefinition | dg.AssetSpec) -> dg.Definitions:
    """The code location; ``published/warehouse`` is added last, downstream of every other
    materializable asset of its resolved asset graph (``extra_assets``: for tests)."""
    return with_publish_step(dg.Definitions(
        assets=[*LANDING_SPECS, nightly_intake, *RAW_ASSETS, warehouse_models, *REPORT_ASSETS, data_quality_csv,
                *extra_assets],
        asset_checks=[*ROW_ACCOUNTING_CHECKS, *EXPECTATION_CHECKS],
        jobs=[nightly_job, *ingest_jobs.values()],
        schedules=[nightly_schedule],
        sensors=[landing_sensor, *LINEAGE_SENSORS],
        resources={"warehouse": default_warehouse(), "dbt": dbt_cli()},
    ))


defs = build_defs()
