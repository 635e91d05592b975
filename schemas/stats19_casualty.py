"""Row contract of STATS19 casualty files (one row per casualty in a collision).

Required: collision_index, vehicle_reference, casualty_reference, casualty_severity, casualty_type,
age_of_casualty (which may be -1, "not known"). The adjusted severities are probabilities, empty or
-1 where DfT does not publish them; the casualty's LSOA may be -1 (outside England and Wales, or
not known).
"""

from __future__ import annotations

import pandera.polars as pa

from schemas import stats19 as s

SCHEMA = pa.DataFrameSchema(
    name="stats19_casualty",
    columns={
        "collision_index": s.collision_index(),
        "collision_year": s.collision_year(),
        "vehicle_reference": s.reference(),
        "casualty_reference": s.reference(),
        "casualty_class": s.code("casualty", "casualty_class"),
        "sex_of_casualty": s.code("casualty", "sex_of_casualty"),
        "age_of_casualty": s.age(required=True),
        "age_band_of_casualty": s.code("casualty", "age_band_of_casualty"),
        "casualty_severity": s.code("casualty", "casualty_severity", required=True),
        "casualty_type": s.code("casualty", "casualty_type", required=True),
        "enhanced_casualty_severity": s.code("casualty", "enhanced_casualty_severity"),
        "casualty_adjusted_severity_serious": s.probability(),
        "casualty_adjusted_severity_slight": s.probability(),
        "lsoa_of_casualty": s.lsoa_code(),
        "casualty_imd_decile": s.code("casualty", "casualty_imd_decile"),
    },
    strict=False,
)
