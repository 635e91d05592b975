"""The landing folders as external assets: where every lineage in the asset graph begins.

Partners (or the download scripts) drop files into ``$CSW_HOME/landing/<feed>/``; Dagster does not
make those files, so each folder is an external ``AssetSpec`` (``landing/<feed>``), upstream of
the feed's ``raw/<feed>`` asset and of the nightly intake. With them the graph reads
landing -> ingestion -> dbt sources -> staging -> marts -> outputs, with nothing hanging loose.
"""

import dagster as dg

from ingestion import registry
from ingestion.registry import Feed


def landing_key(feed: Feed) -> dg.AssetKey:
    return dg.AssetKey(["landing", feed.name])


LANDING_SPECS = [
    dg.AssetSpec(
        landing_key(feed),
        group_name="landing",
        kinds={"file"},
        description=f"Files landed in $CSW_HOME/landing/{feed.name}/ ({feed.description}). "
                    f"Accepted: {', '.join(feed.accepts)}. Not made by Dagster: delivered by the partner.",
        metadata={"landing_folder": f"landing/{feed.name}/"},
    )
    for feed in registry.feeds().values()
]
LANDING_KEYS = [spec.key for spec in LANDING_SPECS]
