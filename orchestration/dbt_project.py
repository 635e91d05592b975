"""The one cached dbt project and the one translator.

The translator names every dbt node by its warehouse schema (``marts/fct_crime``), maps the
``raw`` sources onto the ingestion assets that fill them and the ``meta`` sources onto the
nightly intake's two tables, so the asset graph reads landing -> ingestion -> staging -> marts -> outputs.
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

from warehouse.settings import DBT_PROJECT_DIR, csw_home, load_settings

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
    """The dbt project, with a manifest parsed if missing or older than the project's files."""
    _ensure_profile_env()
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    if _manifest_is_stale(DBT_PROJECT_DIR, project.manifest_path):
        DbtCliResource(project_dir=project, dbt_executable=dbt_executable()).cli(
            ["parse", "--quiet"], target_path=Path("target")
        ).wait()
    return project


def dbt_vars(settings: Mapping[str, Any] | None = None) -> str:
    """The settings dbt needs, as the JSON given to ``--vars``."""
    s = settings or load_settings()
    return json.dumps(
        {
            "significance_level": s["statistics"]["significance_level"],
            "rag": s["rag"],
            "force_area_code": s["geography"]["force_area_code"],
            "police_uk_force": s["geography"]["police_uk_force"],
            "stats19_police_force": s["geography"]["stats19_police_force"],
            "clusters": s["clusters"],
            "town_centre_lsoas": list(s["night_time_economy"]["town_centre_lsoas"]),
            "nte_start_hour": s["night_time_economy"]["start_hour"],
            "nte_end_hour": s["night_time_economy"]["end_hour"],
            "marac_areas": s["marac"]["areas"],
            "benchmarks": s["benchmarks"],
            "crime_unit_cost_overrides": s["crime_costs"]["unit_cost_overrides"],
            "survey_min_respondents": s.get("survey", {}).get("min_respondents", 50),
            "survey_confidence_level": s.get("survey", {}).get("confidence_level", 0.95),
        }
    )


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
