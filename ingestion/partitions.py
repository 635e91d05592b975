"""Which partition a landed unit belongs to, before it is loaded.

The Dagster ingestion assets are partitioned (months, years, vintages), and the landing sensor
must say which partition a new file fills. Most feeds can tell from the file name; otherwise the
unit is read and prepared (no database writes), which is the same rule the loader applies.
"""

from __future__ import annotations

from ingestion.csv_reader import read_csv_text
from ingestion.errors import FileRejected
from ingestion.landing import LandedUnit
from ingestion.registry import Feed

UNREADABLE = "unreadable"


def partition_of(feed: Feed, unit: LandedUnit) -> str:
    """The unit's partition key, or ``'unreadable'`` for a file the loader will reject."""
    hint = getattr(feed, "partition_hint", None)
    if hint is not None:
        key = hint(unit)
        if key:
            return key
    try:
        _, data = unit.read()
        return feed.prepare(read_csv_text(data), unit).partition_key
    except FileRejected:
        return UNREADABLE
