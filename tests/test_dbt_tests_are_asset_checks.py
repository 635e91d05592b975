"""Every dbt test is a Dagster asset check, so a failing test shows on the asset it checks and
stops the publish (``published/warehouse`` refuses to publish when a check failed).

dagster-dbt makes a check of a test from the one node it reads (a generic test: the model, seed or
source it is attached to, so the translator must give every source an asset key), or, for a
singular test that reads several models, from the model its ``meta.dagster.ref`` names:
``{{ config(meta={'dagster': {'ref': {'name': '<model>'}}}) }}`` at the top of
dbt_project/tests/<test>.sql. The generic tests of dbt_project/tests/generic/ are macros (their
uses, in the YAML, are the tests). dbt unit tests (``manifest["unit_tests"]``) are not mapped to
asset checks by dagster-dbt (it maps only ``test.*`` nodes; unit tests run in ``dbt build`` and fail
the step), so they are the one kind of dbt test left out here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from dagster_dbt.asset_utils import DAGSTER_DBT_UNIQUE_ID_METADATA_KEY

from orchestration.dbt_project import TRANSLATOR, SourceWithoutAssetKey, manifest
from orchestration.definitions import defs


def _dbt_tests() -> dict[str, Mapping[str, Any]]:
    return {uid: node for uid, node in manifest()["nodes"].items() if node["resource_type"] == "test"}


def _checked_tests() -> dict[str, str]:
    """dbt test unique id -> the asset check of the definitions that evaluates it."""
    checked = {}
    graph = defs.resolve_asset_graph()
    for assets_def in graph.assets_defs:
        for spec in assets_def.check_specs:
            uid = spec.metadata.get(DAGSTER_DBT_UNIQUE_ID_METADATA_KEY)
            if uid and spec.key in graph.asset_check_keys:
                checked[uid] = spec.key.to_user_string()
    return checked


def test_every_dbt_test_is_an_asset_check() -> None:
    tests = _dbt_tests()
    assert tests, "the manifest has no dbt tests"
    checked = _checked_tests()
    missing = sorted(node["name"] + (f" ({node['original_file_path']})" if not node.get("test_metadata") else "")
                     for uid, node in tests.items() if uid not in checked)
    assert not missing, (
        "dbt tests that are not asset checks of the definitions (a singular test reading several models needs "
        "{{ config(meta={'dagster': {'ref': {'name': '<model it checks>'}}}) }}): " + ", ".join(missing))


def test_singular_tests_are_checks_of_the_model_they_name() -> None:
    checked = _checked_tests()
    singular = {uid: n for uid, n in _dbt_tests().items() if not n.get("test_metadata")}
    assert singular, "no singular tests in dbt_project/tests/"
    nodes = manifest()["nodes"]
    for uid, node in singular.items():
        # tests/generic/*.sql define test macros: they are not tests themselves
        assert not node["original_file_path"].startswith("tests/generic/"), node["original_file_path"]
        ref = (node["config"].get("meta") or {}).get("dagster", {}).get("ref", {}).get("name")
        parents = [p for p in node["depends_on"]["nodes"] if not p.startswith("source.")]
        if len(node["depends_on"]["nodes"]) > 1:
            assert ref, f"{node['original_file_path']} reads several models: name the one it checks in meta.dagster.ref"
        if ref:
            model = next(n for n in nodes.values() if n["name"] == ref and n["resource_type"] in ("model", "seed"))
            assert checked.get(uid) == f"{TRANSLATOR.get_asset_key(model).to_user_string()}:{node['name']}"
        else:
            assert checked.get(uid, "").startswith(TRANSLATOR.get_asset_key(nodes[parents[0]]).to_user_string() + ":")


def test_generic_test_macros_are_not_tests() -> None:
    macros = {m["name"] for m in manifest()["macros"].values() if m["original_file_path"].startswith("tests/generic/")}
    assert macros, "dbt_project/tests/generic/ defines no generic tests"
    assert not any(n["original_file_path"].startswith("tests/generic/") for n in _dbt_tests().values())


def test_every_source_names_its_asset_key() -> None:
    """A dbt source's key is its meta.dagster.asset_key (the ingestion asset that writes the table)."""
    graph = defs.resolve_asset_graph()
    for source in manifest()["sources"].values():
        meta = source.get("config", {}).get("meta") or source.get("meta") or {}
        key = meta.get("dagster", {}).get("asset_key")
        assert key, f"{source['unique_id']} ({source['original_file_path']}) has no meta.dagster.asset_key"
        assert TRANSLATOR.get_asset_key(source).path == key
        assert graph.get(TRANSLATOR.get_asset_key(source)).is_materializable, key


def test_a_source_without_an_asset_key_fails_loudly() -> None:
    source = next(iter(manifest()["sources"].values()))
    bare = {**source, "meta": {}, "config": {**source.get("config", {}), "meta": {}}}
    with pytest.raises(SourceWithoutAssetKey, match="asset_key"):
        TRANSLATOR.get_asset_key(bare)
