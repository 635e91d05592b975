"""The asset graph is complete and honest: landing -> ingestion -> dbt sources -> staging -> marts
-> outputs, with no asset hanging loose at either end."""

from __future__ import annotations

import dagster as dg

from ingestion import registry
from orchestration.dbt_project import TRANSLATOR, manifest
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
    return dict(manifest())


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


def _exposed_asset(exposure: dict) -> str | None:
    return (exposure.get("config", {}).get("meta") or exposure.get("meta") or {}).get("dagster_asset")


def test_output_assets_read_what_their_exposures_say() -> None:
    """An output asset's deps are exactly the dbt nodes its exposures depend on (one list, in the
    exposures YAML), and every exposure names an output asset that exists."""
    graph = _graph()
    dbt_manifest = _manifest()
    props = {**dbt_manifest["nodes"], **dbt_manifest["sources"]}
    by_asset: dict[str, set[dg.AssetKey]] = {}
    for exposure in dbt_manifest["exposures"].values():
        asset = _exposed_asset(exposure)
        assert asset, f"exposure {exposure['name']} has no meta.dagster_asset"
        by_asset.setdefault(asset, set()).update(
            TRANSLATOR.get_asset_key(props[uid]) for uid in exposure["depends_on"]["nodes"])
    for asset, exposed in by_asset.items():
        key = dg.AssetKey.from_user_string(asset)
        assert graph.has(key), f"exposure names {asset}, which is not an asset"
        parents = set(graph.get(key).parent_keys)
        assert parents == exposed, (f"{asset}: deps and exposures disagree; only in the deps: "
                                    f"{sorted(k.to_user_string() for k in parents - exposed)}, only in the exposures: "
                                    f"{sorted(k.to_user_string() for k in exposed - parents)}")


def test_the_data_quality_csv_writes_what_its_exposure_lists() -> None:
    from orchestration.data_quality_output import DATA_QUALITY_KEY, DQ_TABLES

    parents = {k.to_user_string() for k in _graph().get(DATA_QUALITY_KEY).parent_keys}
    assert parents == {relation.replace(".", "/") for _, relation in DQ_TABLES}
    assert all(name.startswith("dq_") for name, _ in DQ_TABLES)
