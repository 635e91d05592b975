"""STATS19 casualties (DfT road safety open data): one row per casualty in a reported collision.

Accepted: any DfT casualty file as CSV (or gzipped CSV), single or multi-year, provisional or
final, in the current layout or the older ones (``accident_index``/``accident_year``, and the
capitalised 2005-2015 headers such as ``Accident_Index``, ``Casualty_Severity``). The header is
read by name; raw columns an older file lacks (enhanced and adjusted severity, LSOA, IMD decile)
are left empty, except the year, which is the first four characters of the collision index.
Adjusted severities of -1 ("not published") and LSOAs of -1 load as empty.
Required columns: collision_index, vehicle_reference, casualty_reference, casualty_severity,
casualty_type, age_of_casualty.
Partition: the data year(s) in the file (``YYYY`` or ``YYYY..YYYY``); a later file for the same
year supersedes the earlier.
"""

from __future__ import annotations

from ingestion.feeds import stats19_common as common
from schemas.stats19_casualty import SCHEMA

COLUMNS = {
    "collision_index": "VARCHAR",
    "collision_year": "INTEGER",
    "vehicle_reference": "INTEGER",
    "casualty_reference": "INTEGER",
    "casualty_class": "INTEGER",
    "sex_of_casualty": "INTEGER",
    "age_of_casualty": "INTEGER",
    "age_band_of_casualty": "INTEGER",
    "casualty_severity": "INTEGER",
    "casualty_type": "INTEGER",
    "enhanced_casualty_severity": "INTEGER",
    "casualty_adjusted_severity_serious": "DOUBLE",
    "casualty_adjusted_severity_slight": "DOUBLE",
    "lsoa_of_casualty": "VARCHAR",
    "casualty_imd_decile": "INTEGER",
}

TABLE = common.Table(
    feed="stats19_casualty",
    header={name: name for name in COLUMNS},
    required=("collision_index", "vehicle_reference", "casualty_reference", "casualty_severity", "casualty_type",
              "age_of_casualty"),
)


FEED = common.feed(
    TABLE,
    COLUMNS,
    SCHEMA,
    description="DfT STATS19 casualties in road collisions (any year, current and older layouts)",
    signature={"collision_index", "casualty_reference", "casualty_severity"},
)
