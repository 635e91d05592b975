"""The Dagster side of build-and-publish (the mechanism itself is :mod:`warehouse.atomic_publish`).

* ``WarehouseResource.database`` (:mod:`orchestration.resources`, :func:`run_database` there)
  is, inside a run, the run's build copy, started by whichever step of the run first opens the
  warehouse. It is derived from the run id alone (``$CSW_HOME/build/warehouse.<run id>.duckdb``),
  so every step finds it, whether the run executes in one process (``csw run`` =
  ``execute_in_process``) or in one process per step (runs the daemon launches for the schedule,
  the landing sensor or the UI).
* ``published/warehouse`` is the last step of every job that writes: it depends on every other
  asset of the code location, so it runs after all of them, and before publishing it reads the
  run's own event log and refuses to publish if any step failed, any asset check failed, or any
  check planned for the run has not been evaluated yet.

What other assets and checks must do to be covered: nothing for assets: :func:`with_publish_step`
resolves the asset graph of the code location's other definitions and makes every materializable
asset in it upstream of ``published/warehouse``, so an asset added to the definitions is covered
without a list to keep. Asset checks must be ``blocking=True`` so they run before the publish step
(a check still pending at publish time makes the publish fail, loudly, rather than publish
unchecked). New assets open the warehouse only through ``WarehouseResource.database``.

Outputs (reports, data-quality CSVs, Data Docs) are written by their steps into the run's build
folder (:func:`run_outputs`), and ``published/warehouse`` moves them into ``$CSW_HOME/outputs/``
right after the warehouse rename (:func:`warehouse.atomic_publish.publish_build`), so the outputs always
describe the published warehouse. Their asset metadata names the published paths
(:func:`published_location`), which exist once the run has published.

Limits: a selection hand-picked in the UI publishes only if it includes ``published/warehouse``
(otherwise its build is discarded by the next run). Re-execute a failed run in full, not "from
failure": the re-execution is a new run with a new copy of the published file, without the work of
the steps it skips.
"""


import time
from collections.abc import Iterable
from pathlib import Path

import dagster as dg

from orchestration.resources import DUCKDB_WRITER_POOL, WarehouseResource
from warehouse.atomic_publish import (active_outputs, build_path, discard_build, outputs_build_path, publish_build,
                               staged_outputs)

PUBLISHED_KEY = dg.AssetKey(["published", "warehouse"])


def run_outputs(warehouse: WarehouseResource) -> Path:
    """The folder a step writes its outputs into: the run's ``$CSW_HOME/build/outputs.<run id>/``,
    moved into ``outputs/`` by ``published/warehouse``. Opens the run's build first (so the folder
    belongs to the build that publishes it). Outside a build: ``outputs/`` itself."""
    warehouse.database  # noqa: B018 -- starts the run's build (and takes the lock) if no step has yet
    folder = active_outputs(warehouse.paths.home)
    if folder is None:
        folder = warehouse.paths.outputs
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def published_location(warehouse: WarehouseResource, path: Path) -> Path:
    """Where a file written into :func:`run_outputs` is read once the run has published."""
    staged = active_outputs(warehouse.paths.home)
    if staged is None or not Path(path).is_relative_to(staged):
        return Path(path)
    return warehouse.paths.outputs / Path(path).relative_to(staged)


def _run_events(context: dg.AssetExecutionContext, kinds: set[dg.DagsterEventType]) -> list[dg.DagsterEvent]:
    records = context.instance.get_records_for_run(context.run.run_id, of_type=kinds).records
    return [r.event_log_entry.dagster_event for r in records if r.event_log_entry.dagster_event]


def unpublishable(context: dg.AssetExecutionContext, block_on_warnings: bool) -> list[str]:
    """Why this run must not publish (empty when every step and every check of the run passed)."""
    events = _run_events(context, {
        dg.DagsterEventType.STEP_FAILURE,
        dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
        dg.DagsterEventType.ASSET_CHECK_EVALUATION,
    })
    reasons: list[str] = []
    planned: set[tuple[str, str]] = set()
    evaluated: set[tuple[str, str]] = set()
    for event in events:
        data = event.event_specific_data
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            reasons.append(f"step {event.step_key} failed")
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED:
            planned.add((data.asset_key.to_user_string(), data.check_name))
        else:
            key = (data.asset_key.to_user_string(), data.check_name)
            evaluated.add(key)
            if not data.passed and (block_on_warnings or data.severity == dg.AssetCheckSeverity.ERROR):
                reasons.append(f"check {key[0]}:{key[1]} failed ({data.severity.value})"
                               + (f": {data.description}" if data.description else ""))
    for asset, check in sorted(planned - evaluated):
        reasons.append(f"check {asset}:{check} has not run yet (declare it blocking=True so it runs before publishing)")
    return reasons


def with_publish_step(defs: dg.Definitions) -> dg.Definitions:
    """``defs`` plus ``published/warehouse``, downstream of every materializable asset of ``defs``'s
    resolved asset graph (external assets such as the landing folders are not built, so not waited for)."""
    graph = defs.resolve_asset_graph()
    upstream = [key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable]
    return dg.Definitions.merge(defs, dg.Definitions(assets=[build_publish_asset(upstream)]))


def build_publish_asset(upstream: Iterable[dg.AssetKey]) -> dg.AssetsDefinition:
    """``published/warehouse``, downstream of the asset keys ``upstream``; :func:`with_publish_step`
    passes every other materializable asset of the code location (build through it, not by hand)."""
    deps: list[dg.AssetKey] = sorted(set(upstream) - {PUBLISHED_KEY}, key=lambda k: k.to_user_string())

    @dg.asset(
        key=PUBLISHED_KEY,
        deps=deps,
        group_name="published",
        kinds={"duckdb"},
        pool=DUCKDB_WRITER_POOL,
        description=(
            "The published warehouse $CSW_HOME/warehouse.duckdb, which analysts open read-only. The run "
            "built a copy; this step replaces the published file with it in one atomic rename, only when "
            "every step and every asset check of the run passed, then moves the run's outputs "
            "(build/outputs.<run id>/) into outputs/."
        ),
    )
    def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        home = warehouse.paths.home.resolve()
        run_id = context.run.run_id
        # A run whose every other step was skipped or wrote nothing still has a build to publish:
        # start it here if no step has (it is then a copy of the published file).
        database = warehouse.database
        block = bool(warehouse.settings().get("publish", {}).get("block_on_warnings", False))
        reasons = unpublishable(context, block)
        if reasons:
            discard_build(home, run_id)
            raise dg.Failure(
                description="The warehouse was NOT published; the previous one stays in place:\n- "
                            + "\n- ".join(reasons))
        size = database.stat().st_size
        outputs = [str(warehouse.paths.outputs / p) for p in staged_outputs(home, run_id)]
        # The warehouse, then the run's outputs (build/outputs.<run id>/ -> outputs/); a publish
        # killed in between is finished by the next run before it does anything else.
        published = publish_build(home, run_id)
        context.log.info("published %s (%d bytes) from %s, and %d output files from %s", published, size,
                         database, len(outputs), outputs_build_path(home, run_id))
        return dg.MaterializeResult(metadata={
            "path": dg.MetadataValue.path(str(published)),
            "bytes": dg.MetadataValue.int(size),
            "published_at": dg.MetadataValue.timestamp(time.time()),
            "built_in": dg.MetadataValue.path(str(build_path(home, run_id))),
            "outputs_published": dg.MetadataValue.json(outputs),
        })

    return published_warehouse


def publish_selection(*selections: Iterable[dg.AssetKey]) -> dg.AssetSelection:
    """A job selection that ends by publishing: the given assets (with their checks, but for the dbt
    tests of their tables, which the dbt build evaluates) plus ``published/warehouse``."""
    from orchestration.dbt_project import source_test_check_keys

    return (dg.AssetSelection.assets(*[k for s in selections for k in s], PUBLISHED_KEY)
            - dg.AssetSelection.checks(*source_test_check_keys()))


# --- runs whose process was killed ---------------------------------------------------------------

PID_TAG = "csw/pid"
_IN_FLIGHT = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the in-process runs (``csw run``) whose process is gone, and free their pool slots.

    A run killed with SIGKILL cannot report its own end: the instance keeps it "started" and, worse,
    keeps the ``duckdb_writer`` pool slot its running step had claimed, so the next run would wait
    for that slot forever. The daemon's run monitoring does this for the runs it launched; runs
    executed in a ``csw`` process carry the process id in the ``csw/pid`` tag so the next ``csw``
    run can do it for them.
    """
    from warehouse.atomic_publish import pid_alive

    failed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=_IN_FLIGHT)):
        pid = run.tags.get(PID_TAG)
        if not pid or not pid.isdigit() or pid_alive(int(pid)):
            continue
        instance.report_run_failed(run, message=f"the csw process (pid {pid}) running this run died")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        failed.append(run.run_id)
    return failed
