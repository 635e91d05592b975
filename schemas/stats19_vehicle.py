"""Row contract of STATS19 vehicle files (one row per vehicle in a collision).

Required: collision_index, vehicle_reference, vehicle_type. Codes keep DfT's -1 ("missing or out
of range"); the driver's age is -1 when not known.
"""

from __future__ import annotations

import pandera.polars as pa

from schemas import stats19 as s

SCHEMA = pa.DataFrameSchema(
    name="stats19_vehicle",
    columns={
        "collision_index": s.collision_index(),
        "collision_year": s.collision_year(),
        "vehicle_reference": s.reference(),
        "vehicle_type": s.code("vehicle", "vehicle_type", required=True),
        "vehicle_manoeuvre": s.integer(),
        "sex_of_driver": s.code("vehicle", "sex_of_driver"),
        "age_of_driver": s.age(),
        "age_band_of_driver": s.code("vehicle", "age_band_of_driver"),
        "journey_purpose_of_driver": s.integer(),
        "engine_capacity_cc": s.integer(),
        "propulsion_code": s.integer(),
        "age_of_vehicle": s.integer(),
    },
    strict=False,
)
