"""The one cached dbt project and the one translator.

The translator names every dbt node by its warehouse schema (``marts/fct_crime``), maps the
``raw`` sources onto the ingestion assets that fill them and the ``meta`` sources onto the
nightly intake's two tables, so the asset graph reads landing -> ingestion -> staging -> marts -> outputs.
Every dbt command the project runs gets the settings' ``var()`` values as ``--vars`` (:func:`dbt_vars`):
``dbt_project.yml`` has no ``vars:`` of its own, so a setting has one home, the settings model.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject

from warehouse.settings import (
    DBT_PROJECT_DIR,
    WarehouseSettings,
    csw_home,
    default_settings,
    settings_model,
    settings_of,
)

# The nightly intake writes these two tables; dbt reads them as the `meta` source.
SOURCE_FILES_KEY = dg.AssetKey(["meta", "source_files"])
QUARANTINE_KEY = dg.AssetKey(["meta", "quarantine"])


def _ensure_profile_env() -> None:
    # profiles.yml reads the warehouse path from the environment; parsing needs it set.
    os.environ.setdefault("CSW_WAREHOUSE_PATH", str(csw_home() / "warehouse.duckdb"))


def _manifest_is_stale(project_dir: Path, manifest: Path) -> bool:
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    for folder in ("models", "seeds", "macros", "tests"):
        for path in (project_dir / folder).rglob("*"):
            if path.is_file() and path.stat().st_mtime > built:
                return True
    return (project_dir / "dbt_project.yml").stat().st_mtime > built


def dbt_executable() -> str:
    """The dbt of this environment, whether or not the virtual environment is on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_cli() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project(), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable())


@cache
def dbt_project() -> DbtProject:
    """The dbt project, with a manifest parsed if missing or older than the project's files.

    The models read settings with ``var()`` and no default, so the parse needs ``--vars`` too: the
    shipped defaults, so that the asset graph never depends on (nor fails on) one home's settings.toml;
    each ``dbt build`` passes its home's values."""
    _ensure_profile_env()
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    if _manifest_is_stale(DBT_PROJECT_DIR, project.manifest_path):
        DbtCliResource(project_dir=project, dbt_executable=dbt_executable()).cli(
            ["parse", "--quiet", "--vars", dbt_vars(default_settings())], target_path=Path("target")
        ).wait()
    return project


def dbt_vars(settings: WarehouseSettings | Mapping[str, Any] | None = None) -> str:
    """The settings dbt needs, as the JSON given to ``--vars``: the model's own :meth:`dbt_vars`.

    ``settings`` is the model, the plain sections ``load_settings`` returns, or None for the
    settings of ``$CSW_HOME``."""
    return json.dumps((settings_model() if settings is None else settings_of(settings)).dbt_vars())


class CswDbtTranslator(DagsterDbtTranslator):
    """Asset keys by warehouse schema; sources mapped to the assets that write them."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props.get("schema") or "main"
        if resource_type == "seed":
            schema = "reference"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        schema = dbt_resource_props.get("config", {}).get("schema") or "staging"
        return {"marts": "marts", "meta": "data_quality"}.get(schema, "staging")


TRANSLATOR = CswDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
