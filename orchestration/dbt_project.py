"""The one dbt project, the one translator, and what the exposures say each output reads.

* :data:`DBT_PROJECT` is the one :class:`~dagster_dbt.DbtProject`. Its manifest is prepared the
  dagster-dbt way: at build time by ``dagster-dbt project prepare-and-package --file
  orchestration/dbt_project.py`` (``make manifest``, which ``make run``, ``make test`` and ``make dev``
  depend on), and under ``dagster dev`` by :meth:`DbtProject.prepare_if_dev` at every code load. The
  parse gets the shipped settings' ``var()`` values as ``--vars`` (:func:`dbt_vars`):
  ``dbt_project.yml`` has no ``vars:`` of its own, so a setting has one home, the settings model.
* The translator names every dbt model by its warehouse schema (``marts/fct_crime``) and every seed
  ``reference/<seed>``; a dbt source's key is the ``meta.dagster.asset_key`` its sources YAML gives
  it (the key of the ingestion asset that fills the table), read by dagster-dbt's own translator.
  A source without one is an error, not a guessed key.
* :func:`exposure_deps`: an output asset's deps are what the dbt exposures naming it
  (``meta.dagster_asset``, dbt_project/models/_outputs__exposures.yml) depend on.
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

def dbt_executable() -> str:
    """The dbt of this environment, whether or not the virtual environment is on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def _ensure_dbt_env() -> None:
    # profiles.yml reads the warehouse path from the environment; parsing needs it set. dagster-dbt's
    # preparer runs `dbt` from PATH: make it this environment's dbt when the venv is not activated.
    os.environ.setdefault("CSW_WAREHOUSE_PATH", str(csw_home() / "warehouse.duckdb"))
    if shutil.which("dbt") is None and Path(sys.executable).with_name("dbt").exists():
        os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def dbt_vars(settings: WarehouseSettings | Mapping[str, Any] | None = None, home: Path | None = None) -> str:
    """The settings dbt needs, as the JSON given to ``--vars``: the model's own :meth:`dbt_vars`.

    ``settings`` is the model, the plain sections ``load_settings`` returns, or None for the
    settings of ``$CSW_HOME``; ``home`` (default ``$CSW_HOME``) is where DuckDB spills."""
    model = settings_model(home) if settings is None else settings_of(settings)
    return json.dumps(model.dbt_vars(home))


_ensure_dbt_env()

DBT_PROJECT = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    # The models read settings with ``var()`` and no default, so the parse needs ``--vars`` too: the
    # shipped defaults, so that the asset graph never depends on (nor fails on) one home's
    # settings.toml; each ``dbt build`` passes its home's values.
    prepare_project_cli_args=["parse", "--quiet", "--vars", dbt_vars(default_settings())],
)
"""The one dbt project (found by ``dagster-dbt project prepare-and-package --file`` this module)."""


@cache
def dbt_project() -> DbtProject:
    """:data:`DBT_PROJECT`, with its manifest.

    Under ``dagster dev`` dagster-dbt re-parses at every code load (:meth:`DbtProject.prepare_if_dev`).
    Elsewhere the manifest is made at build time (``make manifest``, which ``make run`` and ``make
    test`` depend on: make's own file times say when it is stale, no second check here). A process
    that finds no manifest at all (a fresh clone used without make) has dagster-dbt's preparer make it.
    """
    DBT_PROJECT.prepare_if_dev()
    if not DBT_PROJECT.manifest_path.exists():
        print(f"no dbt manifest in {DBT_PROJECT.project_dir}: parsing it (dbt parse; `make manifest` does this)",
              file=sys.stderr)
        DBT_PROJECT.preparer.prepare(DBT_PROJECT)
    return DBT_PROJECT


@cache
def manifest() -> Mapping[str, Any]:
    """The parsed ``manifest.json`` of :func:`dbt_project`."""
    return json.loads(dbt_project().manifest_path.read_text(encoding="utf-8"))


def dbt_cli() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project(), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable())


class SourceWithoutAssetKey(ValueError):
    """A dbt source table has no ``meta.dagster.asset_key``: which asset fills it is not said."""


def _dagster_meta(dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = dbt_resource_props.get("config", {}).get("meta") or dbt_resource_props.get("meta") or {}
    return meta.get("dagster") or {}


def is_source_test(dbt_manifest: Mapping[str, Any], unique_id: str) -> bool:
    """A dbt test of one source table alone (and not given to a model with ``meta.dagster.ref``)."""
    node = dbt_manifest["nodes"].get(unique_id) or {}
    parents = node.get("depends_on", {}).get("nodes", [])
    return (node.get("resource_type") == "test" and len(parents) == 1 and parents[0].startswith("source.")
            and not _dagster_meta(node).get("ref"))


def source_test_check_keys(dbt_manifest: Mapping[str, Any] | None = None) -> list[dg.AssetCheckKey]:
    """The asset checks the dbt build evaluates on the ingestion assets (the sources' tests)."""
    dbt_manifest = dbt_manifest or manifest()
    return [dg.AssetCheckKey(TRANSLATOR.get_asset_key(dbt_manifest["sources"][node["depends_on"]["nodes"][0]]),
                             node["name"])
            for uid, node in dbt_manifest["nodes"].items() if is_source_test(dbt_manifest, uid)]


class CswDbtTranslator(DagsterDbtTranslator):
    """Asset keys by warehouse schema; sources keyed by their ``meta.dagster.asset_key``."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "source":
            if not _dagster_meta(dbt_resource_props).get("asset_key"):
                raise SourceWithoutAssetKey(
                    f"dbt source {dbt_resource_props.get('unique_id')} ({dbt_resource_props.get('original_file_path')}) "
                    "has no `config: {meta: {dagster: {asset_key: [...]}}}`: give it the key of the asset that "
                    "writes the table (raw/<feed>, meta/source_files or meta/quarantine)")
            return super().get_asset_key(dbt_resource_props)  # dagster-dbt reads meta.dagster.asset_key
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props.get("schema") or "main"
        if resource_type == "seed":
            schema = "reference"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_asset_check_spec(self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str,
                             project: DbtProject | None) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is not None and is_source_test(manifest, unique_id):
            # A test of a raw/meta table is a check of the ingestion asset that writes it, evaluated by
            # the dbt build (which itself skips the models above a failed source test). Not blocking in
            # Dagster's sense: the row-accounting checks read meta/source_files too, and a blocking
            # check on it inside the dbt step would make them and the dbt step wait for each other.
            # published/warehouse still refuses to publish when it fails.
            spec = spec._replace(blocking=False)
        return spec

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        schema = dbt_resource_props.get("config", {}).get("schema") or "staging"
        return {"marts": "marts", "meta": "data_quality"}.get(schema, "staging")


TRANSLATOR = CswDbtTranslator(settings=DagsterDbtTranslatorSettings(
    enable_asset_checks=True,
    # the tests of the sources (raw/<feed>, meta/source_files) are checks of the ingestion assets
    enable_source_tests_as_checks=True,
))
"""The dbt models as Dagster assets; dbt tests become asset checks through the translator."""


# --- the exposures: what each output reads --------------------------------------------------------

def exposure_asset(exposure: Mapping[str, Any]) -> str | None:
    """The Dagster asset (``outputs/...``) that writes an exposure's output: its ``meta.dagster_asset``."""
    meta = exposure.get("config", {}).get("meta") or exposure.get("meta") or {}
    return meta.get("dagster_asset")


def exposure_nodes(key: dg.AssetKey, dbt_manifest: Mapping[str, Any] | None = None) -> list[Mapping[str, Any]]:
    """The dbt nodes (models, seeds, sources) the exposures naming ``key`` depend on, in manifest order."""
    dbt_manifest = dbt_manifest or manifest()
    exposures = [e for e in dbt_manifest["exposures"].values() if exposure_asset(e) == key.to_user_string()]
    if not exposures:
        raise LookupError(f"no dbt exposure has meta.dagster_asset: {key.to_user_string()} "
                          "(dbt_project/models/_outputs__exposures.yml): say what the output reads there")
    ids = dict.fromkeys(uid for e in exposures for uid in e["depends_on"]["nodes"])
    return [dbt_manifest["nodes"].get(uid) or dbt_manifest["sources"][uid] for uid in ids]


def exposure_deps(key: dg.AssetKey, dbt_manifest: Mapping[str, Any] | None = None) -> list[dg.AssetKey]:
    """The asset keys an output asset reads, from the exposures naming it, through :data:`TRANSLATOR`."""
    keys = {TRANSLATOR.get_asset_key(node) for node in exposure_nodes(key, dbt_manifest)}
    return sorted(keys, key=lambda k: k.to_user_string())
