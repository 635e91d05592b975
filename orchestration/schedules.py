"""Jobs, the nightly schedule and the landing sensor.

* ``nightly``: intake of every feed -> row-accounting checks -> dbt build (tests as checks) ->
  Great Expectations on the scorecard mart (blocking) -> outputs, in one run. Scheduled at 02:00 Europe/London.
* ``ingest_<feed>``: one feed's partitions; the landing sensor starts these as files arrive, so
  data is validated during the day and problems show before the night.
"""


import json
from pathlib import Path

import dagster as dg

from ingestion import registry
from ingestion.landing import LandedUnit, discover
from ingestion.partitions import partition_of
from orchestration.dbt_project import source_test_check_keys
from orchestration.expectation_checks import EXPECTATION_CHECKS
from orchestration.ingestion_assets import RAW_ASSETS, ROW_ACCOUNTING_CHECKS, raw_key
from orchestration.publish_asset import publish_selection
from warehouse.settings import csw_home

RAW_KEYS = [raw_key(f) for f in registry.feeds().values()]

nightly_job = dg.define_asset_job(
    name="nightly",
    # The raw tables are written by nightly_intake (one step for every feed), not by their partitioned
    # assets; their checks stay in: row accounting, and the dbt tests of the sources (evaluated by the
    # dbt step, so it runs one plain `dbt build`).
    selection=(dg.AssetSelection.all() - dg.AssetSelection.assets(*RAW_KEYS))
    | dg.AssetSelection.checks(*ROW_ACCOUNTING_CHECKS, *EXPECTATION_CHECKS, *source_test_check_keys()),
    description="Ingest and validate every new landed file, build and test the warehouse, publish the scorecard.",
)

ingest_jobs = {
    feed.name: dg.define_asset_job(
        name=f"ingest_{feed.name}",
        # The feed's checks come with its asset; published/warehouse ends the run (build, then publish).
        selection=publish_selection([raw_key(feed)]),
        description=f"Load landed {feed.name} files, one partition ({feed.partitions}) at a time.",
    )
    for feed in registry.feeds().values()
}

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_schedule",
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="The nightly load at 02:00 UK time.",
)


def _fingerprint(unit: LandedUnit) -> str:
    return f"{unit.landing_path}|{unit.file_size}|{unit.file_mtime_ns}"


@dg.sensor(
    name="landing_sensor",
    jobs=list(ingest_jobs.values()),
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Starts the feed's ingestion when new or changed files appear in a landing folder.",
)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    seen: dict[str, list[str]] = json.loads(context.cursor) if context.cursor else {}
    landing = csw_home() / "landing"
    run_requests: list[dg.RunRequest] = []
    partition_requests: list[dg.AddDynamicPartitionsRequest] = []
    new_seen: dict[str, list[str]] = {}
    for feed in registry.feeds().values():
        known = set(seen.get(feed.name, []))
        current: list[str] = []
        fresh: dict[str, list[str]] = {}
        for unit in discover(landing / feed.name, feed.name, expand_zip=feed.expand_zip):
            if not isinstance(unit, LandedUnit):
                continue
            fp = _fingerprint(unit)
            current.append(fp)
            if fp not in known:
                fresh.setdefault(partition_of(feed, unit), []).append(unit.file_name)
        new_seen[feed.name] = current
        if fresh:
            keys = sorted(fresh)
            partition_requests.append(
                dg.AddDynamicPartitionsRequest(partitions_def_name=feed.dagster_partitions_name, partition_keys=keys)
            )
            for key in keys:
                run_requests.append(
                    dg.RunRequest(job_name=f"ingest_{feed.name}", partition_key=key,
                                  run_key=f"{feed.name}:{key}:{'|'.join(sorted(fresh[key]))}",
                                  tags={"csw/files": ", ".join(sorted(fresh[key]))[:1000]})
                )
    if not run_requests:
        return dg.SkipReason(f"no new files under {landing}")
    return dg.SensorResult(run_requests=run_requests, dynamic_partitions_requests=partition_requests,
                           cursor=json.dumps(new_seen))
