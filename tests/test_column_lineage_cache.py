"""The column-lineage cache of the dbt step (orchestration/dbt_column_lineage.py): a model whose
compiled SQL and column schemas are unchanged gets the lineage computed before, read back exactly;
any change to what the lineage depends on computes it again."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from dagster import AssetKey, TableColumnDep, TableColumnLineage
from dagster_dbt.core.dbt_cli_event import EventHistoryMetadata

from orchestration.dbt_column_lineage import LINEAGE_KEY, cached_lineage, lineage_cache


class Translator:
    def get_asset_spec(self, manifest: dict, unique_id: str, project: Any) -> SimpleNamespace:
        return SimpleNamespace(key=AssetKey(["marts", unique_id.rsplit(".", 1)[-1]]))


def _call_kwargs(target: Path, *, columns: dict | None = None, resource_type: str = "model") -> dict[str, Any]:
    return {
        "event_history_metadata": EventHistoryMetadata(
            columns=columns or {"area_code": {"data_type": "VARCHAR"}},
            parents={'"w"."staging"."stg_areas"': {"lad_code": {"data_type": "VARCHAR"}}}),
        "dbt_resource_props": {"unique_id": "model.csw.dim_area", "resource_type": resource_type,
                               "package_name": "csw", "original_file_path": "models/marts/dim_area.sql",
                               "relation_name": '"w"."marts"."dim_area"',
                               "depends_on": {"nodes": ["model.csw.stg_areas"]}},
        "manifest": {}, "dagster_dbt_translator": Translator(), "target_path": target, "project": None,
    }


def _lineage(column: str = "area_code") -> dict[str, Any]:
    return {LINEAGE_KEY: TableColumnLineage(deps_by_column={
        column: [TableColumnDep(asset_key=AssetKey(["staging", "stg_areas"]), column_name="lad_code")],
        "area_name": []})}


def _counting_build(calls: list[dict]) -> Any:
    def build(**kwargs: Any) -> dict[str, Any]:
        calls.append(kwargs)
        return _lineage()
    return build


def test_unchanged_model_reads_the_lineage_back_exactly(tmp_path: Path) -> None:
    target = tmp_path / "target" / "run-1"
    sql = target / "compiled" / "csw" / "models" / "marts" / "dim_area.sql"
    sql.parent.mkdir(parents=True)
    sql.write_text("select lad_code as area_code from stg_areas")
    calls: list[dict] = []
    lineage = cached_lineage(_counting_build(calls), tmp_path / "cache")

    first = lineage(**_call_kwargs(target))
    again = lineage(**_call_kwargs(target))
    assert len(calls) == 1
    assert first == again == _lineage()
    # another night's target folder with the same compiled SQL: still the cache
    other = tmp_path / "target" / "run-2"
    (other / sql.relative_to(target)).parent.mkdir(parents=True)
    (other / sql.relative_to(target)).write_text(sql.read_text())
    assert lineage(**_call_kwargs(other)) == _lineage() and len(calls) == 1


def test_a_changed_sql_or_schema_is_computed_again(tmp_path: Path) -> None:
    target = tmp_path / "target"
    sql = target / "compiled" / "csw" / "models" / "marts" / "dim_area.sql"
    sql.parent.mkdir(parents=True)
    sql.write_text("select lad_code as area_code from stg_areas")
    calls: list[dict] = []
    lineage = cached_lineage(_counting_build(calls), tmp_path / "cache")
    lineage(**_call_kwargs(target))
    sql.write_text("select lower(lad_code) as area_code from stg_areas")
    lineage(**_call_kwargs(target))
    lineage(**_call_kwargs(target, columns={"area_code": {"data_type": "INTEGER"}}))
    assert len(calls) == 3


def test_nodes_without_compiled_sql_are_not_cached(tmp_path: Path) -> None:
    calls: list[dict] = []
    lineage = cached_lineage(_counting_build(calls), tmp_path / "cache")
    lineage(**_call_kwargs(tmp_path / "target", resource_type="seed"))
    lineage(**_call_kwargs(tmp_path / "target"))  # a model whose compiled SQL is not on disk
    lineage(**_call_kwargs(tmp_path / "target"))
    assert len(calls) == 3 and not (tmp_path / "cache").exists()


def test_the_cache_is_installed_for_the_step_only(tmp_path: Path) -> None:
    from dagster_dbt.core import dbt_event_iterator

    original = dbt_event_iterator._build_column_lineage_metadata
    with lineage_cache(tmp_path):
        assert dbt_event_iterator._build_column_lineage_metadata is not original
    assert dbt_event_iterator._build_column_lineage_metadata is original
