"""A failed run still gets its OpenLineage events: FAIL, with the error, for the step and the run."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import dagster as dg

from orchestration.lineage import emit_run_lineage


@dg.asset(key=["outputs", "broken_report"])
def broken_report() -> None:
    raise RuntimeError("the report template is missing")


def test_failed_run_emits_fail_events_with_the_error(tmp_path: Path) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize([broken_report], instance=instance, raise_on_error=False)
        assert not result.success
        path = emit_run_lineage(instance, result.run_id, tmp_path)
    events = [json.loads(line) for line in path.read_text().splitlines()]
    assert path == tmp_path / "lineage" / f"{result.run_id}.jsonl"
    by_job = {}
    for event in events:
        uuid.UUID(event["run"]["runId"])
        by_job.setdefault(event["job"]["name"], []).append(event)
    step = by_job["step.outputs__broken_report"]
    assert [e["eventType"] for e in step] == ["START", "FAIL"]
    assert "the report template is missing" in step[-1]["run"]["facets"]["errorMessage"]["message"]
    assert step[-1]["run"]["facets"]["parent"]["run"]["runId"] == result.run_id
    run = next(v for k, v in by_job.items() if k.startswith("dagster."))
    assert [e["eventType"] for e in run] == ["START", "FAIL"] and run[0]["run"]["runId"] == result.run_id

def test_writing_a_run_again_gives_the_same_file(tmp_path: Path) -> None:
    """csw run and the run-status sensor may both write a run: same events, one file, no partials."""
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize([broken_report], instance=instance, raise_on_error=False)
        first = emit_run_lineage(instance, result.run_id, tmp_path).read_text()
        second = emit_run_lineage(instance, result.run_id, tmp_path).read_text()
    assert first == second
    assert [p.name for p in (tmp_path / "lineage").iterdir()] == [f"{result.run_id}.jsonl"]
