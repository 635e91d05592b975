"""Row contract of STATS19 collision files (one row per reported injury road collision).

Required: collision_index, date, police_force, collision_severity. Integer codes keep DfT's -1
("missing or out of range"); the local authority and LSOA may be -1 or empty (Scotland has no
LSOA), and the location may be missing (both coordinates empty or -1).
"""

from __future__ import annotations

import pandera.polars as pa

from schemas import stats19 as s

SCHEMA = pa.DataFrameSchema(
    name="stats19_collision",
    columns={
        "collision_index": s.collision_index(),
        "collision_year": s.collision_year(),
        "collision_ref_no": s.text(),
        "police_force": s.code("collision", "police_force", required=True),
        "collision_severity": s.code("collision", "collision_severity", required=True),
        "enhanced_severity_collision": s.code("collision", "enhanced_severity_collision"),
        "collision_date": s.date(required=True),
        "collision_time": s.time(),
        "day_of_week": s.code("collision", "day_of_week"),
        "local_authority_ons_district": s.lad_code(),
        "local_authority_highway": s.text(),
        "lsoa_of_collision_location": s.lsoa_code(),
        "longitude": s.coordinates("longitude", "latitude"),
        "latitude": s.text(),
        "number_of_vehicles": s.integer(),
        "number_of_casualties": s.integer(),
        "road_type": s.integer(),
        "speed_limit": s.integer(),
        "light_conditions": s.integer(),
        "weather_conditions": s.integer(),
        "road_surface_conditions": s.integer(),
        "urban_or_rural_area": s.integer(),
    },
    strict=False,
)
