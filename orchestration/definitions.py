"""The Dagster code location: assembled here, defined in the small modules beside it."""

import dagster as dg

from orchestration.data_quality_output import data_quality_csv
from orchestration.dbt_assets import warehouse_models
from orchestration.dbt_project import dbt_cli
from orchestration.expectation_checks import EXPECTATION_CHECKS
from orchestration.ingestion_assets import RAW_ASSETS, ROW_ACCOUNTING_CHECKS, nightly_intake
from orchestration.landing_assets import LANDING_SPECS
from orchestration.lineage import LINEAGE_SENSORS
from orchestration.publish_asset import build_publish_asset
from orchestration.reports import REPORT_ASSETS
from orchestration.resources import default_warehouse
from orchestration.schedules import ingest_jobs, landing_sensor, nightly_job, nightly_schedule

ASSETS = [nightly_intake, *RAW_ASSETS, warehouse_models, *REPORT_ASSETS, data_quality_csv]

defs = dg.Definitions(
    # published/warehouse depends on every asset listed before it: add new assets to ASSETS.
    assets=[*LANDING_SPECS, *ASSETS, build_publish_asset(ASSETS)],
    asset_checks=[*ROW_ACCOUNTING_CHECKS, *EXPECTATION_CHECKS],
    jobs=[nightly_job, *ingest_jobs.values()],
    schedules=[nightly_schedule],
    sensors=[landing_sensor, *LINEAGE_SENSORS],
    resources={"warehouse": default_warehouse(), "dbt": dbt_cli()},
)
