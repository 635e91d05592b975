"""OpenLineage events for every run: each ingestion (per feed), each dbt model, each output.

Why from the event log, after the run: one function,
``emit_run_lineage(instance, run_id, home, asset_graph)``, reads a finished run's Dagster event log
(step start/end times, materialisations and their metadata) plus the build record the dbt step
wrote into the warehouse (``meta.dbt_nodes``: each model's parents, compiled SQL, columns, dbt
status and timing) and writes the events. It needs nothing from inside the steps, so it covers
every way a run is made:

* ``csw run`` / ``runner.run_job`` calls it when ``execute_in_process`` returns;
* runs the daemon launches (schedule, landing sensor, the UI) get it from the two run-status
  sensors below (success and failure), which call the same function.

Writing is idempotent (the run's file is rewritten whole, run ids are derived from the Dagster run
id), so both paths firing for one run give one file. Events go through openlineage-python's file
transport to ``$CSW_HOME/lineage/<dagster run id>.jsonl``, one JSON event per line: a Marquez or
any OpenLineage consumer can replay them (e.g. POST each line to ``/api/v1/lineage``).

Naming (OpenLineage naming conventions): tables are ``namespace = duckdb://<absolute path of the
warehouse file>``, ``name = <schema>.<table>``; files are ``namespace = file``, ``name = <absolute
path>``. Jobs are in namespace ``csw``: ``ingest.<feed>``, ``dbt.<model unique id>``,
``output.<asset>``; every event carries a parent facet naming the Dagster run (job ``dagster.<job>``).

The asset graph (which tables each output reads) is an argument, not an import of the code
location: ``orchestration.definitions`` assembles these sensors, so importing it from here would
close a loop. ``csw run`` passes ``defs.resolve_asset_graph()``; the sensors pass the graph of the
repository they run in.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    error_message_run,
    job_type_job,
    parent_run,
    schema_dataset,
    source_code_location_job,
    sql_job,
)
from openlineage.client.transport.file import FileConfig, FileTransport
from openlineage.client.uuid import generate_static_uuid

from warehouse.database import connect
from warehouse.settings import REPO_ROOT, Paths

if TYPE_CHECKING:
    from dagster._core.definitions.assets.graph.base_asset_graph import BaseAssetGraph

log = logging.getLogger(__name__)

NAMESPACE = "csw"
# A URI naming this code as the producer of the events (no public repository URL exists to cite).
PRODUCER = "urn:community-safety-warehouse:csw"
INGESTION_KEYS = {("meta", "source_files"), ("meta", "quarantine")}


def lineage_dir(home: Path) -> Path:
    return Paths(home).home / "lineage"


def _time(ts: float | datetime | None) -> datetime:
    if ts is None:
        return datetime.now(timezone.utc)
    if isinstance(ts, datetime):
        return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(ts, tz=timezone.utc)


class _Emitter:
    """Builds the events of one Dagster run; ``events`` is what ends up in the file."""

    def __init__(self, run: dg.DagsterRun, database: Path, started: datetime) -> None:
        self.run = run
        self.database = database
        self.started = started
        self.events: list[RunEvent] = []
        self.parent = parent_run.ParentRunFacet(
            run=parent_run.Run(runId=run.run_id),
            job=parent_run.Job(namespace=NAMESPACE, name=f"dagster.{run.job_name}"),
        )

    def run_id(self, job_name: str) -> str:
        # Deterministic: the same Dagster run always gives the same OpenLineage run ids.
        return str(generate_static_uuid(self.started, f"{self.run.run_id}/{job_name}".encode()))

    def table(self, schema: str, table: str, columns: list[dict[str, str]] | None = None) -> dict[str, Any]:
        facets = {}
        if columns:
            facets["schema"] = schema_dataset.SchemaDatasetFacet(fields=[
                schema_dataset.SchemaDatasetFacetFields(name=c["name"], type=c.get("type"), ordinal_position=i + 1)
                for i, c in enumerate(columns)
            ])
        return {"namespace": f"duckdb://{self.database}", "name": f"{schema}.{table}", "facets": facets}

    @staticmethod
    def file(path: str | Path) -> dict[str, Any]:
        return {"namespace": "file", "name": str(path), "facets": {}}

    def emit(self, job_name: str, job_type: str, start: datetime, end: datetime | None, state: RunState,
             inputs: Iterable[dict[str, Any]] = (), outputs: Iterable[dict[str, Any]] = (),
             sql: str | None = None, source_path: str | None = None, error: str | None = None,
             parent: bool = True, ol_run_id: str | None = None) -> None:
        job_facets: dict[str, Any] = {
            "jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="DAGSTER", jobType=job_type),
        }
        if sql:
            job_facets["sql"] = sql_job.SQLJobFacet(query=sql, dialect="duckdb")
        if source_path:
            job_facets["sourceCodeLocation"] = source_code_location_job.SourceCodeLocationJobFacet(
                type="git", url=f"file://{REPO_ROOT / source_path}", path=source_path,
                version=self.run.tags.get("csw/git_commit"))
        job = Job(namespace=NAMESPACE, name=job_name, facets=job_facets)
        run_id = ol_run_id or self.run_id(job_name)
        ins = [InputDataset(namespace=d["namespace"], name=d["name"], facets=d["facets"]) for d in inputs]
        outs = [OutputDataset(namespace=d["namespace"], name=d["name"], facets=d["facets"]) for d in outputs]
        run_facets = {"parent": self.parent} if parent else {}
        self.events.append(RunEvent(eventType=RunState.START, eventTime=start.isoformat(), run=Run(runId=run_id,
                                    facets=run_facets), job=job, inputs=ins, outputs=outs, producer=PRODUCER))
        end_facets = dict(run_facets)
        if error:
            end_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
                message=error[:10000], programmingLanguage="python")
        self.events.append(RunEvent(eventType=state, eventTime=(end or start).isoformat(),
                                    run=Run(runId=run_id, facets=end_facets), job=job, inputs=ins, outputs=outs,
                                    producer=PRODUCER))


def _read_warehouse(database: Path, run_id: str) -> tuple[dict[str, list[dict]], dict[tuple[str, str], list[dict]],
                                                          list[dict], bool]:
    """Files loaded by the run per feed, table columns, dbt nodes, and whether the build record is this run's."""
    files: dict[str, list[dict]] = defaultdict(list)
    columns: dict[tuple[str, str], list[dict]] = defaultdict(list)
    nodes: list[dict] = []
    if not database.exists():
        return files, columns, nodes, False
    with connect(database, read_only=True) as con:
        tables = {tuple(r) for r in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}
        for schema, table, column, dtype in con.execute(
            """select table_schema, table_name, column_name, data_type from information_schema.columns
               order by table_schema, table_name, ordinal_position""").fetchall():
            columns[(schema, table)].append({"name": column, "type": dtype})
        if ("meta", "source_files") in tables:
            cur = con.execute("""select feed, file_name, landing_path, sha256, status, rows_loaded
                                 from meta.source_files where run_id = ? order by feed, file_name""", [run_id])
            names = [d[0] for d in cur.description]
            for row in cur.fetchall():
                record = dict(zip(names, row))
                files[record["feed"]].append(record)
        ours = False
        if ("meta", "dbt_nodes") in tables and ("meta", "build_runs") in tables:
            latest = con.execute("select run_id from meta.build_runs order by built_at desc limit 1").fetchone()
            ours = latest is not None and latest[0] == run_id
            cur = con.execute("select * from meta.dbt_nodes")
            names = [d[0] for d in cur.description]
            nodes = [dict(zip(names, row)) for row in cur.fetchall()]
    return files, columns, nodes, ours


def _error_text(error: Any) -> str | None:
    """The error and its causes (the step's own exception is usually the cause of Dagster's wrapper)."""
    parts = []
    while error is not None:
        parts.append(error.message.strip())
        error = error.cause
    return "\ncaused by: ".join(parts) or None


def _steps(records: list[dg.EventLogEntry]) -> dict[str, dict[str, Any]]:
    steps: dict[str, dict[str, Any]] = defaultdict(lambda: {"materializations": []})
    for entry in records:
        event = entry.dagster_event
        if event is None or not entry.step_key:
            continue
        step = steps[entry.step_key]
        kind = event.event_type_value
        if kind == "STEP_START":
            step["start"] = _time(entry.timestamp)
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            step["end"] = _time(entry.timestamp)
            step["state"] = RunState.COMPLETE if kind == "STEP_SUCCESS" else RunState.FAIL
            if kind == "STEP_FAILURE":
                step["error"] = _error_text(event.event_specific_data.error)
        elif kind == "ASSET_MATERIALIZATION":
            materialization = event.event_specific_data.materialization
            step["materializations"].append((materialization, _time(entry.timestamp)))
    return dict(steps)


def _parent_keys(graph: BaseAssetGraph | None, keys: Iterable[dg.AssetKey]
                 ) -> dict[dg.AssetKey, list[dg.AssetKey]]:
    if graph is None:
        raise ValueError("the run materialised outputs: pass the asset graph to name the tables they read")
    return {key: sorted(graph.get(key).parent_keys) if graph.has(key) else [] for key in keys}


def _metadata_paths(metadata: dict[str, Any]) -> list[str]:
    paths = []
    if "paths" in metadata and isinstance(metadata["paths"].value, list):
        paths += [str(p) for p in metadata["paths"].value]
    elif "path" in metadata:
        paths.append(str(metadata["path"].value))
    return paths


def build_run_events(instance: dg.DagsterInstance, run_id: str, home: Path,
                     asset_graph: BaseAssetGraph | None = None, database: Path | None = None) -> list[RunEvent]:
    """The OpenLineage events of one finished Dagster run (see the module docstring).

    ``asset_graph``: the resolved asset graph of the code location that made the run; needed only
    when the run materialised outputs (a run without any, such as a failed one, may omit it).
    """
    from ingestion import registry

    run = instance.get_run_by_id(run_id)
    if run is None:
        raise ValueError(f"no run {run_id} in the Dagster instance")
    paths = Paths(home)
    database = database or paths.warehouse
    records = [r.event_log_entry for r in instance.get_records_for_run(run_id, limit=1_000_000).records]
    steps = _steps(records)
    run_record = instance.get_run_record_by_id(run_id)
    started = _time(run_record.start_time if run_record and run_record.start_time else
                    (records[0].timestamp if records else None))
    emitter = _Emitter(run, database.resolve(), started)
    files, columns, nodes, build_is_ours = _read_warehouse(database, run_id)
    feeds = registry.feeds()

    for step_key, step in sorted(steps.items(), key=lambda kv: kv[1].get("start") or started):
        start = step.get("start") or started
        end, state, error = step.get("end"), step.get("state", RunState.ABORT), step.get("error")
        keys = {tuple(m.asset_key.path) for m, _ in step["materializations"]}
        fed = {k[1] for k in keys if k[0] == "raw"}
        is_ingestion = step_key == "nightly_intake" or bool(fed) or bool(keys & INGESTION_KEYS) or \
            step_key in {f"raw__{name}" for name in feeds}
        if is_ingestion:
            names = list(feeds) if step_key == "nightly_intake" else sorted(fed or {step_key.removeprefix("raw__")})
            for name in names:
                feed = feeds.get(name)
                if feed is None:
                    continue
                schema, table = feed.raw_table.split(".")
                landed = [emitter.file(f["landing_path"] or paths.landing_for(name) / f["file_name"])
                          for f in files.get(name, [])]
                emitter.emit(f"ingest.{name}", "INGESTION", start, end, state,
                             inputs=landed or [emitter.file(paths.landing_for(name))],
                             outputs=[emitter.table(schema, table, columns.get((schema, table))),
                                      emitter.table("meta", "source_files", columns.get(("meta", "source_files"))),
                                      emitter.table("meta", "quarantine", columns.get(("meta", "quarantine")))],
                             source_path=f"ingestion/feeds/{name}.py", error=error)
            continue
        if any(k[0] == "outputs" for k in keys):
            outputs = [(m, t) for m, t in step["materializations"] if m.asset_key.path[0] == "outputs"]
            parents = _parent_keys(asset_graph, (m.asset_key for m, _ in outputs))
            for materialization, when in outputs:
                key = materialization.asset_key
                inputs = [emitter.table(p.path[0], p.path[-1], columns.get((p.path[0], p.path[-1])))
                          for p in parents[key]]
                emitter.emit(f"output.{key.path[-1]}", "OUTPUT", start, when, state, inputs=inputs,
                             outputs=[emitter.file(p) for p in _metadata_paths(materialization.metadata)], error=error)
            continue
        if step_key == "warehouse_models" and build_is_ours:
            by_id = {n["unique_id"]: n for n in nodes}
            for node in nodes:
                if node["resource_type"] not in ("model", "seed", "snapshot") or node["status"] is None:
                    continue
                node_state = {"success": RunState.COMPLETE, "error": RunState.FAIL,
                              "skipped": RunState.ABORT}.get(node["status"], RunState.OTHER)
                inputs = []
                for parent_id in json.loads(node["parents"]):
                    parent = by_id.get(parent_id)
                    if parent and parent["table_name"]:
                        inputs.append(emitter.table(parent["schema_name"], parent["table_name"],
                                                    json.loads(parent["columns"])))
                if node["resource_type"] == "seed":
                    inputs.append(emitter.file(Path("dbt_project") / node["original_file_path"]))
                emitter.emit(f"dbt.{node['unique_id']}", "MODEL", _time(node["started_at"] or start),
                             _time(node["completed_at"] or end), node_state, inputs=inputs,
                             outputs=[emitter.table(node["schema_name"], node["table_name"],
                                                    json.loads(node["columns"]))],
                             sql=node["compiled_sql"], source_path=f"dbt_project/{node['original_file_path']}")
            if state == RunState.FAIL and not any(n["status"] == "error" for n in nodes):
                emitter.emit("dbt.build", "MODEL", start, end, state, error=error)
            continue
        if keys or state == RunState.FAIL:
            # Anything else the run materialised (or a step that failed before it could): one job per step.
            emitter.emit(f"step.{step_key}", "STEP", start, end, state,
                         outputs=[emitter.table(k[0], k[-1], columns.get((k[0], k[-1]))) for k in sorted(keys)],
                         error=error)

    # The Dagster run itself, as the parent of all of the above.
    run_end = _time(run_record.end_time) if run_record and run_record.end_time else None
    run_state = {dg.DagsterRunStatus.SUCCESS: RunState.COMPLETE, dg.DagsterRunStatus.FAILURE: RunState.FAIL,
                 dg.DagsterRunStatus.CANCELED: RunState.ABORT}.get(run.status, RunState.OTHER)
    # Its run id is the Dagster run id (a UUID), which every parent facet above names.
    emitter.emit(f"dagster.{run.job_name}", "JOB", started, run_end, run_state, parent=False, ol_run_id=run.run_id)
    return emitter.events


def emit_run_lineage(instance: dg.DagsterInstance, run_id: str, home: Path,
                     asset_graph: BaseAssetGraph | None = None, database: Path | None = None) -> Path:
    """Write the run's OpenLineage events to ``$CSW_HOME/lineage/<run_id>.jsonl`` (rewritten whole)."""
    events = build_run_events(instance, run_id, home, asset_graph, database)
    folder = lineage_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{run_id}.jsonl"
    # A private partial file, renamed over the target: `csw run` and the sensor may both write a run.
    partial = folder / f".{run_id}.{uuid.uuid4().hex}.partial"
    client = OpenLineageClient(transport=FileTransport(FileConfig(log_file_path=str(partial), append=True)))
    for event in events:
        client.emit(event)
    partial.replace(target)
    return target


def emit_lineage_safely(instance: dg.DagsterInstance, run_id: str, home: Path,
                        asset_graph: BaseAssetGraph) -> Path | None:
    """``emit_run_lineage``, but a lineage failure is logged, never turned into a failed night."""
    try:
        return emit_run_lineage(instance, run_id, home, asset_graph)
    except Exception:  # the data is published either way; the log says what lineage is missing
        log.exception("could not write the OpenLineage events of run %s", run_id)
        return None


def _emit_from_sensor(context: dg.RunStatusSensorContext) -> None:
    from warehouse.settings import csw_home

    repository = context.repository_def  # the code location these sensors are part of
    emit_run_lineage(context.instance, context.dagster_run.run_id, csw_home(),
                     repository.asset_graph if repository is not None else None)


@dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, name="openlineage_on_success",
                      default_status=dg.DefaultSensorStatus.RUNNING,
                      description="Writes the OpenLineage events of every successful run to $CSW_HOME/lineage/.")
def openlineage_on_success(context: dg.RunStatusSensorContext) -> None:
    _emit_from_sensor(context)


@dg.run_status_sensor(run_status=dg.DagsterRunStatus.FAILURE, name="openlineage_on_failure",
                      default_status=dg.DefaultSensorStatus.RUNNING,
                      description="Writes the OpenLineage events of every failed run to $CSW_HOME/lineage/.")
def openlineage_on_failure(context: dg.RunStatusSensorContext) -> None:
    _emit_from_sensor(context)


LINEAGE_SENSORS = [openlineage_on_success, openlineage_on_failure]
