"""STATS19 collisions (DfT road safety open data): one row per reported injury road collision.

Accepted: any DfT collision file as CSV (or gzipped CSV): a single year, the multi-year and
1979-latest files, the provisional mid-year file, and the older layouts: the 2016-2023
``accident_*`` names and the capitalised 2005-2015 headers (``Accident_Index``, ``Date``,
``Police_Force``, ``Local_Authority_(District)``, ...). The header is read by name, so a file
may add, drop or reorder columns; columns of the raw table that an older file lacks (the enhanced
severity, the ONS district, the year) are left empty, except the year, which is the first four
characters of the collision index.
Required columns: collision_index, date, police_force, collision_severity.
Partition: the data year(s) in the file (``YYYY`` or ``YYYY..YYYY``); a later file for the same
year (the final file after the provisional one) supersedes the earlier.
"""

from __future__ import annotations

from ingestion.feeds import stats19_common as common
from schemas.stats19_collision import SCHEMA

COLUMNS = {
    "collision_index": "VARCHAR",
    "collision_year": "INTEGER",
    "collision_ref_no": "VARCHAR",
    "police_force": "INTEGER",
    "collision_severity": "INTEGER",
    "enhanced_severity_collision": "INTEGER",
    "collision_date": "DATE",
    "collision_time": "VARCHAR",
    "day_of_week": "INTEGER",
    "local_authority_ons_district": "VARCHAR",
    "local_authority_highway": "VARCHAR",
    "lsoa_of_collision_location": "VARCHAR",
    "longitude": "DOUBLE",
    "latitude": "DOUBLE",
    "number_of_vehicles": "INTEGER",
    "number_of_casualties": "INTEGER",
    "road_type": "INTEGER",
    "speed_limit": "INTEGER",
    "light_conditions": "INTEGER",
    "weather_conditions": "INTEGER",
    "road_surface_conditions": "INTEGER",
    "urban_or_rural_area": "INTEGER",
}

# raw column <- header name (normalised, current naming); the rest have the raw column's name
TABLE = common.Table(
    feed="stats19_collision",
    header={name: {"collision_date": "date", "collision_time": "time"}.get(name, name) for name in COLUMNS},
    required=("collision_index", "date", "police_force", "collision_severity"),
)


FEED = common.feed(
    TABLE,
    COLUMNS,
    SCHEMA,
    description="DfT STATS19 road collisions (any year, current and older layouts)",
    signature={"collision_index", "police_force", "collision_severity"},
)
