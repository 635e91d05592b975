"""The asset graph is complete and honest: landing -> ingestion -> dbt sources -> staging -> marts
-> outputs, with no asset hanging loose at either end."""

from __future__ import annotations

import json

import dagster as dg

from ingestion import registry
from orchestration.dbt_project import TRANSLATOR, dbt_project
from orchestration.definitions import defs


def _graph():
    return defs.resolve_asset_graph()


def test_every_asset_has_an_upstream_and_a_downstream() -> None:
    """Only the landing folders start a lineage; only outputs and the published warehouse end one.

    Seeds are the one other kind of root: reference data (area lookups, code lists, the indicator
    catalogue) versioned with the code in dbt_project/seeds/, so its source is the git commit.
    """
    graph = _graph()
    seeds = {TRANSLATOR.get_asset_key(n) for n in _manifest()["nodes"].values() if n["resource_type"] == "seed"}
    no_upstream, no_downstream = [], []
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not node.parent_keys and key.path[0] != "landing" and key not in seeds:
            no_upstream.append(key.to_user_string())
        # Ends: the outputs, and the published warehouse analysts query (it reads every asset).
        if not node.child_keys and key.path[0] not in ("outputs", "published"):
            no_downstream.append(key.to_user_string())
    assert not no_upstream, f"assets with no upstream: {no_upstream}"
    assert not no_downstream, f"assets that nothing reads: {no_downstream}"


def test_landing_feeds_ingestion_for_every_feed() -> None:
    graph = _graph()
    intake = {dg.AssetKey(["meta", "source_files"]), dg.AssetKey(["meta", "quarantine"])}
    for feed in registry.feeds().values():
        landing = graph.get(dg.AssetKey(["landing", feed.name]))
        assert not landing.is_materializable  # delivered by partners, not made by Dagster
        assert dg.AssetKey(["raw", feed.name]) in landing.child_keys
        assert intake <= landing.child_keys


def _manifest() -> dict:
    return json.loads(dbt_project().manifest_path.read_text())


def test_every_dbt_source_is_an_ingestion_asset() -> None:
    """No dbt source becomes a stray external asset: each is the asset that fills its table."""
    graph = _graph()
    for source in _manifest()["sources"].values():
        key = TRANSLATOR.get_asset_key(source)
        node = graph.get(key)
        assert node.is_materializable, f"dbt source {source['unique_id']} maps to {key}, which nothing materialises"
        assert node.group_name == "ingestion"
        assert all(p.path[0] == "landing" for p in node.parent_keys)


def test_every_output_asset_is_a_dbt_exposure() -> None:
    """What the Board receives shows at the end of the dbt docs lineage graph too (`csw docs`)."""
    exposed = {e.get("meta", {}).get("dagster_asset") or e.get("config", {}).get("meta", {}).get("dagster_asset")
               for e in _manifest()["exposures"].values()}
    outputs = {k.to_user_string() for k in _graph().get_all_asset_keys() if k.path[0] == "outputs"}
    assert outputs and outputs <= exposed, f"output assets without an exposure: {sorted(outputs - exposed)}"
