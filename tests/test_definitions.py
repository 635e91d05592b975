"""The Dagster code location: what the data team sees in the UI and schedules."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from ingestion import registry
from orchestration.definitions import defs
from orchestration.schedules import landing_sensor


def _asset_graph():
    return defs.resolve_asset_graph()


def test_jobs_schedule_and_sensor() -> None:
    nightly = defs.resolve_job_def("nightly")
    assert nightly is not None
    for feed in registry.feeds():
        assert defs.resolve_job_def(f"ingest_{feed}") is not None
    schedule = defs.resolve_schedule_def("nightly_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/London"
    assert schedule.job_name == "nightly"
    assert defs.resolve_sensor_def("landing_sensor") is not None


def test_feed_assets_are_partitioned_with_row_accounting_checks() -> None:
    graph = _asset_graph()
    check_keys = {k for k in graph.asset_check_keys}
    for feed in registry.feeds().values():
        key = dg.AssetKey(["raw", feed.name])
        node = graph.get(key)
        assert isinstance(node.partitions_def, dg.DynamicPartitionsDefinition)
        assert dg.AssetCheckKey(key, "row_accounting") in check_keys


def test_dbt_models_and_tests_are_assets_and_checks() -> None:
    graph = _asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for mart in ("dim_area", "dim_month", "fct_crime", "fct_asb", "fct_road_casualty",
                 "mart_indicator_monthly", "mart_scorecard_quarterly"):
        assert f"marts/{mart}" in keys
    dbt_checks = [k for k in graph.asset_check_keys if k.asset_key.path[0] in ("marts", "staging")]
    assert len(dbt_checks) >= 10
    # the Board's outputs sit downstream of the marts they read, with their Great Expectations check
    for output in ("quarterly_report", "annual_update"):
        key = dg.AssetKey(["outputs", output])
        parents = graph.get(key).parent_keys
        for mart in ("mart_scorecard_quarterly", "mart_indicator_monthly", "dim_area", "dim_month"):
            assert dg.AssetKey(["marts", mart]) in parents, (output, mart)
        assert dg.AssetCheckKey(key, "great_expectations_output_table") in graph.asset_check_keys
    nightly = defs.resolve_job_def("nightly")
    assert {"outputs__quarterly_report", "outputs__annual_update"} <= {n.name for n in nightly.graph.node_defs}


def test_published_warehouse_waits_for_every_asset_without_a_list() -> None:
    """published/warehouse depends on every materializable asset of the resolved graph, so an asset
    added to the definitions is upstream of it without editing any list."""
    from orchestration.definitions import build_defs
    from orchestration.publish_asset import PUBLISHED_KEY

    graph = _asset_graph()
    built = {k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable} - {PUBLISHED_KEY}
    assert graph.get(PUBLISHED_KEY).parent_keys == built
    assert not any(k.path[0] == "landing" for k in graph.get(PUBLISHED_KEY).parent_keys)  # external: not built

    @dg.asset(key=["marts", "toy_new_asset"], deps=[dg.AssetKey(["marts", "fct_crime"])])
    def toy_new_asset() -> None:
        """An asset someone adds to the code location."""

    extended = build_defs(toy_new_asset).resolve_asset_graph()
    assert toy_new_asset.key in extended.get(PUBLISHED_KEY).parent_keys
    assert toy_new_asset.key not in graph.get_all_asset_keys()


def test_no_orphans_and_sources_mapped_to_ingestion() -> None:
    graph = _asset_graph()
    materializable = [k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable]
    roots = {k.to_user_string() for k in materializable if not graph.get(k).parent_keys}
    # only ingestion (and reference seeds) start the graph
    assert all(r.startswith(("meta/source_files", "meta/quarantine", "raw/", "reference/")) for r in roots), roots
    staging = [k for k in materializable if k.path[0] == "staging" and k.path[1].startswith("stg_")]
    assert staging
    for key in staging:
        parents = {p.to_user_string() for p in graph.get(key).parent_keys}
        assert any(p.startswith(("raw/", "meta/source_files", "meta/quarantine")) for p in parents), key


def test_writers_share_one_pool() -> None:
    graph = _asset_graph()
    for key in [dg.AssetKey(["meta", "source_files"]), dg.AssetKey(["marts", "fct_crime"]),
                dg.AssetKey(["raw", "police_street"]), dg.AssetKey(["outputs", "quarterly_report"]),
                dg.AssetKey(["outputs", "annual_update"])]:
        assert graph.get(key).pools == {"duckdb_writer"}, key
    for check in defs.asset_checks or []:
        assert check.node_def.pool == "duckdb_writer", check


def test_landing_sensor_requests_ingestion_for_new_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSW_HOME", str(tmp_path))
    folder = tmp_path / "landing" / "police_street"
    folder.mkdir(parents=True)
    (folder / "2024-03-lancashire-street.csv").write_text(
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
        "Last outcome category,Context\n,2024-03,Lancashire Constabulary,Lancashire Constabulary,,,No Location,,,"
        "Anti-social behaviour,,\n", encoding="utf-8")
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance)
        result = landing_sensor(context)
        assert [r.partition_key for r in result.run_requests] == ["2024-03"]
        assert result.run_requests[0].job_name == "ingest_police_street"
        assert result.dynamic_partitions_requests[0].partition_keys == ["2024-03"]
        # the same files on the next tick: nothing new
        again = landing_sensor(dg.build_sensor_context(instance=instance, cursor=result.cursor))
        assert isinstance(again, dg.SkipReason)


def _police_csv(month: str) -> str:
    return (
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
        f"Last outcome category,Context\nabc,{month},Lancashire Constabulary,Lancashire Constabulary,-2.5,53.7,"
        "On or near X,E01012607,Blackburn with Darwen 001A,Burglary,Under investigation,\n"
    )


def test_partitioned_ingestion_job_loads_only_its_partition(tmp_path: Path) -> None:
    from orchestration.resources import WarehouseResource
    from warehouse.database import connect

    folder = tmp_path / "landing" / "police_street"
    folder.mkdir(parents=True)
    for month in ("2024-01", "2024-02"):
        (folder / f"{month}-lancashire-street.csv").write_text(_police_csv(month), encoding="utf-8")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("police_street_partitions", ["2024-01", "2024-02"])
        job = defs.resolve_job_def("ingest_police_street")
        result = job.execute_in_process(instance=instance, partition_key="2024-02",
                                        resources={"warehouse": WarehouseResource(home=str(tmp_path))})
        assert result.success
        assert instance.get_materialized_partitions(dg.AssetKey(["raw", "police_street"])) == {"2024-02"}
        checks = [e for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
        assert checks and all(e.event_specific_data.passed for e in checks)
    with connect(tmp_path / "warehouse.duckdb", read_only=True) as con:
        assert con.execute("select partition_key from meta.source_files").fetchall() == [("2024-02",)]
