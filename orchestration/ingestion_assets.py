"""Ingestion assets, built from the feed registry.

* ``raw/<feed>`` (one per feed) is partitioned by the feed's own partitions (months, years,
  vintages): materialising a partition loads the landed files of that partition. The landing
  sensor and the UI use these for one partition at a time.
* ``nightly_intake`` (materialising ``meta/source_files`` and ``meta/quarantine``) loads every new
  file of every feed in one step, as the nightly job needs, and records a materialisation of each
  ``raw/<feed>`` partition it filled, so the partition view stays true whichever way data came in.
* ``row_accounting`` checks (one per feed) prove rows read = rows loaded + rows quarantined
  against the tables themselves, after either path.
"""


from collections import defaultdict
from collections.abc import Iterator

import dagster as dg

from ingestion import registry
from ingestion.loader import UnitResult, ingest_feed
from ingestion.partitions import UNREADABLE
from ingestion.registry import Feed
from orchestration.dbt_project import QUARANTINE_KEY, SOURCE_FILES_KEY
from orchestration.landing_assets import LANDING_KEYS, landing_key
from orchestration.resources import DUCKDB_WRITER_POOL, WarehouseResource
from warehouse.accounting import row_accounting
from warehouse.database import connect


def partitions_def(feed: Feed) -> dg.DynamicPartitionsDefinition:
    return dg.DynamicPartitionsDefinition(name=feed.dagster_partitions_name)


def raw_key(feed: Feed) -> dg.AssetKey:
    return dg.AssetKey(["raw", feed.name])


def _summary(results: list[UnitResult]) -> dict[str, dg.MetadataValue]:
    done = [r for r in results if r.status != "unchanged"]
    return {
        "files_loaded": dg.MetadataValue.int(sum(r.status == "loaded" for r in done)),
        "files_rejected": dg.MetadataValue.int(sum(r.status == "rejected" for r in done)),
        "files_held": dg.MetadataValue.int(sum(r.status == "held" for r in done)),
        "files_ignored": dg.MetadataValue.int(sum(r.status == "ignored" for r in done)),
        "files_superseded": dg.MetadataValue.int(sum(len(r.superseded) for r in done)),
        "rows_read": dg.MetadataValue.int(sum(r.rows_read for r in done)),
        "rows_loaded": dg.MetadataValue.int(sum(r.rows_loaded for r in done)),
        "rows_quarantined": dg.MetadataValue.int(sum(r.rows_quarantined for r in done)),
        "rejections": dg.MetadataValue.md(
            "\n".join(f"- `{r.file_name}` ({r.status}): {r.reason}" for r in done
                      if r.status in ("rejected", "held", "ignored")) or "none"
        ),
    }


def _feed_counts(results: list[UnitResult]) -> dict[str, object]:
    done = [r for r in results if r.status != "unchanged"]
    counts: dict[str, object] = {"files": len(done)}
    for status in ("loaded", "rejected", "held", "ignored"):
        counts[status] = sum(r.status == status for r in done)
    counts["superseded"] = sum(len(r.superseded) for r in done)
    counts["with_quarantined_rows"] = sum(r.rows_quarantined > 0 for r in done)
    for rows in ("rows_read", "rows_loaded", "rows_quarantined"):
        counts[rows] = sum(getattr(r, rows) for r in done)
    counts["refused"] = [{"file": r.file_name, "status": r.status, "reason": r.reason or ""}
                         for r in done if r.status in ("rejected", "held", "ignored")]
    return counts


def _register_partitions(instance: dg.DagsterInstance, feed: Feed, results: list[UnitResult]) -> None:
    keys = sorted({r.partition_key for r in results if r.status == "loaded" and r.partition_key})
    if keys:
        instance.add_dynamic_partitions(feed.dagster_partitions_name, keys)


def build_raw_asset(feed: Feed) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_key(feed),
        deps=[landing_key(feed)],
        group_name="ingestion",
        partitions_def=partitions_def(feed),
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=DUCKDB_WRITER_POOL,
        kinds={"duckdb", "pandera"},
        description=f"{feed.description}. Partitions: {feed.partitions}. Table `{feed.raw_table}`.",
        metadata={"landing_folder": f"landing/{feed.name}/", "accepts": ", ".join(feed.accepts),
                  "table": feed.raw_table},
    )
    def _raw(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        # Files the loader will reject have no partition of their own: record them with any partition.
        wanted = set(context.partition_keys) | {UNREADABLE}
        with connect(warehouse.database) as con:
            results = ingest_feed(con, feed, warehouse.paths.landing_for(feed.name), context.run.run_id,
                                  partition_keys=wanted)
        return dg.MaterializeResult(metadata=_summary(results))

    return _raw


@dg.multi_asset(
    name="nightly_intake",
    specs=[
        dg.AssetSpec(SOURCE_FILES_KEY, group_name="ingestion", kinds={"duckdb"}, deps=LANDING_KEYS,
                     description="Every landed file (or archive member): sha256, partition, status, rows "
                                 "read/loaded/quarantined, reason. Written by the nightly intake and the feed assets."),
        dg.AssetSpec(QUARANTINE_KEY, group_name="ingestion", kinds={"duckdb"}, deps=LANDING_KEYS,
                     description="Every row that failed a rule: file, line, rule, column, value and the raw row."),
    ],
    pool=DUCKDB_WRITER_POOL,
    description=(
        "The nightly intake: every new file in $CSW_HOME/landing/<feed>/ for every feed, validated and "
        "loaded (rows to raw.<feed>, failures to meta.quarantine, every file to meta.source_files)."
    ),
)
def nightly_intake(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
    all_results: dict[str, list[UnitResult]] = {}
    with connect(warehouse.database) as con:
        for feed in registry.feeds().values():
            all_results[feed.name] = ingest_feed(con, feed, warehouse.paths.landing_for(feed.name), context.run.run_id)
    for feed in registry.feeds().values():
        results = all_results[feed.name]
        by_partition: dict[str, list[UnitResult]] = defaultdict(list)
        for r in results:
            if r.status == "loaded" and r.partition_key:
                by_partition[r.partition_key].append(r)
        _register_partitions(context.instance, feed, results)
        for key, rs in sorted(by_partition.items()):
            context.log_event(
                dg.AssetMaterialization(asset_key=raw_key(feed), partition=key, metadata=_summary(rs))
            )
    flat = [r for rs in all_results.values() for r in rs]
    meta = _summary(flat)
    # Per feed, what this night did with its files (what `csw run` prints; unchanged files left out).
    meta["feeds"] = dg.MetadataValue.json({name: _feed_counts(rs) for name, rs in all_results.items()})
    yield dg.MaterializeResult(asset_key=SOURCE_FILES_KEY, metadata=meta)
    yield dg.MaterializeResult(asset_key=QUARANTINE_KEY,
                               metadata={"rows_quarantined": meta["rows_quarantined"]})


def build_row_accounting_check(feed: Feed) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_key(feed),
        name="row_accounting",
        additional_deps=[SOURCE_FILES_KEY],
        blocking=True,
        pool=DUCKDB_WRITER_POOL,  # DuckDB lets no other process in while one writes: take turns
        description="Every accepted file: rows read = rows loaded + rows quarantined, counted in the tables.",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        if not warehouse.database.exists():
            return dg.AssetCheckResult(passed=True, metadata={"files": 0})
        with connect(warehouse.database, read_only=True) as con:
            report = row_accounting(con, feed)
        return dg.AssetCheckResult(
            passed=report.balanced,
            severity=dg.AssetCheckSeverity.ERROR,
            description=report.describe(),
            metadata={"files": report.files, "rows_read": report.rows_read, "rows_loaded": report.rows_loaded,
                      "rows_quarantined": report.rows_quarantined, "unbalanced_files": len(report.unbalanced)},
        )

    return _check


RAW_ASSETS = [build_raw_asset(feed) for feed in registry.feeds().values()]
ROW_ACCOUNTING_CHECKS = [build_row_accounting_check(feed) for feed in registry.feeds().values()]
