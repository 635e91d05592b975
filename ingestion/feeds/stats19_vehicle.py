"""STATS19 vehicles (DfT road safety open data): one row per vehicle in a reported collision.

Accepted: any DfT vehicle file as CSV (or gzipped CSV), single or multi-year, provisional or
final, in the current layout or the older ones (``accident_index``/``accident_year``, and the
capitalised 2005-2015 headers such as ``Accident_Index``, ``Vehicle_Type``,
``Engine_Capacity_(CC)``). The header is read by name; raw columns an older file lacks are left
empty, except the year, which is the first four characters of the collision index.
Required columns: collision_index, vehicle_reference, vehicle_type.
Partition: the data year(s) in the file (``YYYY`` or ``YYYY..YYYY``); a later file for the same
year supersedes the earlier.
"""

from __future__ import annotations

from ingestion.feeds import stats19_common as common
from schemas.stats19_vehicle import SCHEMA

COLUMNS = {
    "collision_index": "VARCHAR",
    "collision_year": "INTEGER",
    "vehicle_reference": "INTEGER",
    "vehicle_type": "INTEGER",
    "vehicle_manoeuvre": "INTEGER",
    "sex_of_driver": "INTEGER",
    "age_of_driver": "INTEGER",
    "age_band_of_driver": "INTEGER",
    "journey_purpose_of_driver": "INTEGER",
    "engine_capacity_cc": "INTEGER",
    "propulsion_code": "INTEGER",
    "age_of_vehicle": "INTEGER",
}

TABLE = common.Table(
    feed="stats19_vehicle",
    header={name: name for name in COLUMNS},
    required=("collision_index", "vehicle_reference", "vehicle_type"),
)


FEED = common.feed(
    TABLE,
    COLUMNS,
    SCHEMA,
    description="DfT STATS19 vehicles in road collisions (any year, current and older layouts)",
    signature={"collision_index", "vehicle_reference", "vehicle_type"},
)
