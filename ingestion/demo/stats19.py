"""Synthetic STATS19 road safety files (DfT open data): collisions, vehicles and casualties, one
file a year each, the last a provisional mid-year file.

EVERYTHING HERE IS SYNTHETIC. The files copy DfT's columns and -1 codes, and the "accident_*" column
names up to 2022.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from ingestion.demo.geography import AREAS, COUNTY, _area_arrays, _area_index, _draw_lsoa, _lsoa_sampler, _rng

# STATS19 files written: (data year, months in the file); the last one is DfT's provisional mid-year file.
STATS19_YEARS: tuple[tuple[int, int], ...] = (*((y, 12) for y in range(2019, 2025)), (2025, 6))
LEGACY_LAST_YEAR = 2022  # DfT files up to this year use the accident_* column names


COLLISION_HEADER = (
    "collision_index,collision_year,collision_ref_no,location_easting_osgr,location_northing_osgr,longitude,"
    "latitude,police_force,collision_severity,number_of_vehicles,number_of_casualties,date,day_of_week,time,"
    "local_authority_district,local_authority_ons_district,local_authority_highway,"
    "local_authority_highway_current,first_road_class,first_road_number,road_type,speed_limit,"
    "junction_detail_historic,junction_detail,junction_control,second_road_class,second_road_number,"
    "pedestrian_crossing_human_control_historic,pedestrian_crossing_physical_facilities_historic,"
    "pedestrian_crossing,light_conditions,weather_conditions,road_surface_conditions,special_conditions_at_site,"
    "carriageway_hazards_historic,carriageway_hazards,urban_or_rural_area,"
    "did_police_officer_attend_scene_of_accident,trunk_road_flag,lsoa_of_accident_location,"
    "enhanced_severity_collision,collision_injury_based,collision_adjusted_severity_serious,"
    "collision_adjusted_severity_slight").split(",")
VEHICLE_HEADER = (
    "collision_index,collision_year,collision_ref_no,vehicle_reference,vehicle_type,towing_and_articulation,"
    "vehicle_manoeuvre_historic,vehicle_manoeuvre,vehicle_direction_from,vehicle_direction_to,"
    "vehicle_location_restricted_lane_historic,vehicle_location_restricted_lane,junction_location,"
    "skidding_and_overturning,hit_object_in_carriageway,vehicle_leaving_carriageway,hit_object_off_carriageway,"
    "first_point_of_impact,vehicle_left_hand_drive,journey_purpose_of_driver_historic,journey_purpose_of_driver,"
    "sex_of_driver,age_of_driver,age_band_of_driver,engine_capacity_cc,propulsion_code,age_of_vehicle,"
    "generic_make_model,driver_imd_decile,lsoa_of_driver,escooter_flag,driver_distance_banding").split(",")
CASUALTY_HEADER = (
    "collision_index,collision_year,collision_ref_no,vehicle_reference,casualty_reference,casualty_class,"
    "sex_of_casualty,age_of_casualty,age_band_of_casualty,casualty_severity,pedestrian_location,"
    "pedestrian_movement,car_passenger,bus_or_coach_passenger,pedestrian_road_maintenance_worker,casualty_type,"
    "casualty_imd_decile,lsoa_of_casualty,enhanced_casualty_severity,casualty_injury_based,"
    "casualty_adjusted_severity_serious,casualty_adjusted_severity_slight,casualty_distance_banding").split(",")
# Files up to 2022 predate the "collision" renaming and the enhanced/injury-based severity columns.
LEGACY_RENAME = {"collision_index": "accident_index", "collision_year": "accident_year",
                 "collision_ref_no": "accident_reference", "collision_severity": "accident_severity",
                 "lsoa_of_collision_location": "lsoa_of_accident_location"}
LEGACY_DROP = {"enhanced_severity_collision", "collision_injury_based", "collision_adjusted_severity_serious",
               "collision_adjusted_severity_slight", "enhanced_casualty_severity", "casualty_injury_based"}
_DIR = ((1, 2, 3, 4, 5, 6, 7, 8, 0, -1), (22, 5, 15, 4, 17, 4, 15, 4, 5, 9))
_DECILES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1)
# column -> (codes, relative weights); anything in a header that is neither here nor computed is -1
SPECS: dict[str, tuple[tuple, tuple]] = {
    "first_road_class": ((6, 3, 4, 1, 2), (50, 35, 9, 5, 1)),
    "road_type": ((6, 3, 9, 1, 2, 7), (75, 15, 3.5, 3.5, 1.5, 1.5)),
    "speed_limit": ((30, 20, 40, 60, 50), (66, 11, 11, 8, 4)),
    "junction_detail": ((0, 13, 16, 19, -1, 18, 17), (40, 27, 14, 11, 5, 2, 1)),
    "junction_control": ((4, 2, 3, 1), (80, 17, 1.5, 1.5)),
    "second_road_class": ((6, 3, 4, 1), (80, 13, 5, 2)),
    "pedestrian_crossing": ((0, 15, 14, 13, 12, 17, 11), (81, 6, 4, 4, 2.6, 2, 0.4)),
    "light_conditions": ((1, 4, 6, 7, 5), (68, 26, 3, 2, 1)),
    "weather_conditions": ((1, 2, 8, 9, 4, 5, 3, 7), (76, 14, 3, 2, 2, 1.5, 1, 0.5)),
    "carriageway_hazards": ((0, 13, 17, 11, 16, 21), (95, 1.5, 1.3, 1, 0.6, 0.6)),
    "urban_or_rural_area": ((1, 2), (72, 28)),
    "did_police_officer_attend_scene_of_accident": ((1, 2, 3), (75, 20, 5)),
    "towing_and_articulation": ((0, 1, 4), (99.6, 0.2, 0.2)),
    "vehicle_manoeuvre": ((19, 9, -1, 2, 5, 4, 7, 3, 18, 16), (55, 10, 8, 7, 5, 4, 3, 3, 3, 2)),
    "vehicle_direction_from": _DIR, "vehicle_direction_to": _DIR,
    "vehicle_location_restricted_lane": ((0, -1, 9, 4, 2, 1), (87, 9, 3, 0.5, 0.25, 0.25)),
    "junction_location": ((0, 8, 1, 2, -1, 6, 4, 3), (40, 25, 19, 5, 4, 3, 2.5, 1.5)),
    "skidding_and_overturning": ((0, -1, 1, 5, 2), (82, 9, 5, 3, 1)),
    "hit_object_in_carriageway": ((0, -1, 4, 10, 11, 7), (86.6, 9, 2.2, 1, 0.8, 0.4)),
    "vehicle_leaving_carriageway": ((0, -1, 1, 7, 3, 2), (82.4, 9, 4.5, 2.5, 0.8, 0.8)),
    "hit_object_off_carriageway": ((0, -1, 11, 1, 10, 2, 4), (90, 5.6, 1.6, 0.8, 0.8, 0.6, 0.6)),
    "first_point_of_impact": ((1, 3, 2, 4, -1, 0), (46, 15, 13, 13, 9, 4)),
    "vehicle_left_hand_drive": ((1, 2), (98.5, 1.5)),
    "journey_purpose_of_driver": ((6, 9, 1, 2, 7), (45, 32, 13, 9, 1)),
    "sex_of_driver": ((1, 2, 3, -1), (57, 24, 12, 7)),
    "propulsion_code": ((1, 2, 8, 3), (45, 42, 10, 3)),
    "driver_imd_decile": (_DECILES, (20, 13, 10, 8, 7, 7, 6, 5, 4, 3, 17)),
    "driver_distance_banding": ((1, 2, 3, 4, 5, -1), (47, 13, 10, 7, 2, 21)),
    "sex_of_casualty": ((1, 2, -1), (60, 39, 1)),
    "casualty_imd_decile": (_DECILES, (25, 14, 11, 8, 7, 7, 6, 6, 5, 4, 7)),
    "casualty_distance_banding": ((1, 2, 3, 4, 5, -1), (63, 14, 10, 7, 3, 3)),
}
ROAD_NUMBERS = {1: (6, 55, 61, 65), 2: (6,), 3: (6, 59, 56, 583, 582, 585, 587, 588, 671, 682, 6068, 666, 565),
                4: (5251, 5256, 6231, 5269, 6243, 5192)}
# casualty_type shares: pedestrian 13%, cyclist 10%, motorcyclists 10%, car 58%, others 9%
CAS_TYPES = np.array([0, 1, 2, 3, 4, 5, 23, 97, 9, 8, 11, 19, 20, 21, 90])
CAS_P = np.array([13, 10, 1.5, 3.5, 1.5, 3, 0.2, 0.3, 58, 1.1, 1.4, 4, 0.7, 0.9, 0.9]) / 100
OTHER_VEH = ((9, 19, 1, 3, 5, 11, 8, 21, 20, 90), (74, 9, 2, 2, 2, 2.5, 2, 2, 1, 1.5))
RIDERS = np.array([1, 2, 3, 4, 5, 23, 97])  # pedal cycles and motorcycles
BUS_PASSENGER = ((4, 3, 1, 2), (6, 2, 1, 1))  # seated, standing, boarding, alighting
ENHANCED_SERIOUS = ((5, 6, 7), (13, 23, 64))  # very / moderately / less serious
HOUR_W = np.array([1, .7, .5, .4, .4, .7, 1.5, 3.5, 6, 4.5, 4.5, 5, 5.5, 5.8, 6.2, 7.5, 8, 8.5, 6.5, 5, 4, 3, 2.4, 1.6])
CARS = ("VOLKSWAGEN GOLF", "FORD FIESTA", "VAUXHALL CORSA", "FORD FOCUS", "TOYOTA YARIS", "TOYOTA AURIS",
        "BMW 3 SERIES", "NISSAN QASHQAI", "VAUXHALL ASTRA", "AUDI A3", "KIA SPORTAGE", "SKODA OCTAVIA",
        "PEUGEOT 208", "RENAULT CLIO", "TOYOTA PRIUS", "HYUNDAI TUCSON")
MODELS = {9: CARS, 8: CARS, 19: ("FORD TRANSIT", "VOLKSWAGEN TRANSPORTER", "MERCEDES SPRINTER", "VAUXHALL VIVARO"),
          3: ("HONDA PCX", "YAMAHA YBR", "HONDA CBF"), 5: ("TRIUMPH STREET", "BMW R SERIES", "KAWASAKI Z"),
          4: ("HONDA CBF", "SUZUKI GSX"), 11: ("ALEXANDER DENNIS ENVIRO", "WRIGHTBUS STREETLITE")}
ENGINE_CC = {9: (998, 999, 1199, 1248, 1395, 1498, 1598, 1798, 1968, 1995, 2143), 8: (1598, 1798, 1968, 2143),
             19: (1560, 1995, 2143, 2198), 20: (2998, 4580), 21: (6700, 7700, 10837, 12800), 11: (6700, 7200, 8900),
             2: (49, 50), 3: (124, 125), 4: (250, 300, 390, 471, 499), 5: (649, 689, 865, 1000, 1170)}
AGE_BAND_EDGES = np.array([6, 11, 16, 21, 26, 36, 46, 56, 66, 76])


def _draw(rng: np.random.Generator, spec: tuple[tuple, tuple], n: int) -> np.ndarray:
    """n codes drawn with the spec's relative weights."""
    codes, w = spec
    return rng.choice(np.array(codes), n, p=np.array(w, float) / sum(w))


def _by_group(rng: np.random.Generator, key: np.ndarray, choices: dict, default) -> np.ndarray:
    """Per-row value drawn from the choice list of the row's group (a loop over groups, not rows)."""
    out = np.full(key.size, default, dtype=object if isinstance(default, str) else np.int64)
    for k, opts in choices.items():
        m = key == k
        out[m] = rng.choice(np.array(opts, dtype=out.dtype), m.sum())
    return out


def _age_band(age: np.ndarray) -> np.ndarray:
    """DfT age bands 1 (0-5) .. 11 (over 75); -1 stays -1."""
    return np.where(age < 0, -1, np.searchsorted(AGE_BAND_EDGES, age, side="right") + 1)


def _ages(rng: np.random.Generator, n: int) -> np.ndarray:
    """Casualty ages 0-95 with ~16% aged 17-24 and ~1% missing (-1)."""
    w = np.r_[np.full(16, .5), 1.5, np.zeros(8), np.full(15, 1.6), np.full(20, 1.2), np.full(20, .8), np.full(16, .35)]
    w = 0.83 * w / w.sum()
    w[17:25] = 0.16 / 8
    return np.where(rng.random(n) < 0.01, -1, rng.choice(96, n, p=w / w.sum()))


def _frame(header: list[str], cols: dict[str, object], n: int) -> pl.DataFrame:
    """Columns in published order; any column we do not model is -1, as DfT publishes uncollected fields."""
    return pl.DataFrame({c: cols[c] if c in cols else np.full(n, -1) for c in header})


def _collisions(rng: np.random.Generator, inc: pl.DataFrame, year: int, n_months: int, scale: float) -> dict:
    """Where and when: date, time, district (by population), LSOA, coordinates and the DfT index."""
    a = _area_arrays()
    cum = _lsoa_sampler(inc["population_weight"].to_numpy(), _area_index(inc))
    codes = inc["lsoa11_code" if year <= LEGACY_LAST_YEAR else "lsoa21_code"].to_numpy().astype(str)  # census vintage
    nc = max(1, rng.poisson(3000 * scale * n_months / 12))  # keep every file non-empty at tiny scales
    start = np.datetime64(f"{year}-01", "M")
    n_days = ((start + n_months).astype("datetime64[D]") - start.astype("datetime64[D]")).astype(int)
    dates = start.astype("datetime64[D]") + np.sort(rng.integers(0, n_days, nc))
    area = rng.choice(len(AREAS), nc, p=a["pop"] / a["pop"].sum())
    lsoa = _draw_lsoa(cum, area, rng)
    lon = inc["lon"].to_numpy()[lsoa] + rng.normal(0, 0.006, nc)
    lat = inc["lat"].to_numpy()[lsoa] + rng.normal(0, 0.004, nc)
    ref = np.char.add("04", np.char.zfill(np.sort(rng.choice(10**7, nc, replace=False)).astype(str), 7))
    hour = np.char.zfill(rng.choice(24, nc, p=HOUR_W / HOUR_W.sum()).astype(str), 2)
    minute = np.where(rng.random(nc) < .55, rng.integers(0, 12, nc) * 5, rng.integers(0, 60, nc))
    highway = np.where(a["kind"] == "Unitary Authority", a["code"], COUNTY[0])[area]  # county runs the roads
    return {
        "collision_index": np.char.add(str(year), ref), "collision_year": np.full(nc, year), "collision_ref_no": ref,
        "location_easting_osgr": np.rint(400000 + (lon + 2) * 111320 * np.cos(np.radians(lat))).astype(int),
        "location_northing_osgr": np.rint(-100000 + (lat - 49) * 111200).astype(int),
        "longitude": np.round(lon, 5), "latitude": np.round(lat, 5), "police_force": np.full(nc, 4),
        "date": pl.Series(dates).dt.strftime("%d/%m/%Y"), "day_of_week": (dates.astype(int) + 4) % 7 + 1,
        "time": np.char.add(np.char.add(hour, ":"), np.char.zfill(minute.astype(str), 2)),
        "local_authority_ons_district": a["code"][area], "local_authority_highway": highway,
        "local_authority_highway_current": highway, "lsoa_of_accident_location": codes[lsoa],
        "number_of_vehicles": rng.choice([1, 2, 3], nc, p=[.30, .55, .15]),
        "number_of_casualties": 1 + np.minimum(rng.poisson(0.33, nc), 7), "_area": area, "_cum": cum, "_codes": codes}


def _road_and_conditions(rng: np.random.Generator, col: dict) -> None:
    """Road, junction and weather codes, kept mutually consistent (motorways are 70 mph, rain wets roads)."""
    nc = col["police_force"].size
    col.update({c: _draw(rng, SPECS[c], nc) for c in COLLISION_HEADER if c in SPECS})
    rc, jd = col["first_road_class"], col["junction_detail"]
    col["first_road_number"] = _by_group(rng, rc, ROAD_NUMBERS, 0)
    col["speed_limit"] = np.where(rc <= 2, 70, col["speed_limit"])
    col["trunk_road_flag"] = np.where((rc <= 2) | ((rc == 3) & (rng.random(nc) < 0.1)), 1, 2)
    col["junction_control"] = np.where(np.isin(jd, (0, -1)), -1, col["junction_control"])
    col["second_road_class"] = src = np.where(jd == -1, -1, col["second_road_class"])
    col["second_road_number"] = np.where(src == -1, -1, _by_group(rng, src, ROAD_NUMBERS, 0))
    wet = np.isin(col["weather_conditions"], (2, 5))
    col["road_surface_conditions"] = np.where(wet, 2, _draw(rng, ((1, 2, 4, 3), (86, 11, 2, 1)), nc))


def _casualties(rng: np.random.Generator, col: dict, v_start: np.ndarray, n_veh: int) -> tuple[dict, np.ndarray]:
    """Casualty rows, and the vehicle types they imply (an occupant's type is its vehicle's type)."""
    nv, nk = col["number_of_vehicles"], col["number_of_casualties"]
    k_coll = np.repeat(np.arange(nk.size), nk)
    n = k_coll.size
    ctype = rng.choice(CAS_TYPES, n, p=CAS_P)
    vref = (rng.random(n) * nv[k_coll]).astype(int) + 1
    veh = v_start[k_coll] + vref - 1
    vtype, occ = _draw(rng, OTHER_VEH, n_veh), ctype != 0
    vtype[veh[occ]] = ctype[occ]
    ctype[occ] = vtype[veh[occ]]  # two occupants of one vehicle with different types: the last one wins
    rider = np.isin(ctype, RIDERS)
    first = np.zeros(n, bool)  # a vehicle has one driver: only its first occupant casualty can be it
    first[np.flatnonzero(occ)[np.unique(veh[occ], return_index=True)[1]]] = True
    p_driver = np.select([rider, ctype == 11], [0.93, 0.1], 0.68)
    cclass = np.where(~occ, 3, np.where(first & (rng.random(n) < p_driver), 1, 2))
    age = _ages(rng, n)
    age = np.where((cclass == 1) & (ctype != 1) & (age < 17), rng.integers(25, 65, n), age)
    home = np.where(rng.random(n) < 0.85, col["_area"][k_coll], rng.choice(col["_area"], n))
    home_lsoa = col["_codes"][_draw_lsoa(col["_cum"], home, rng)]
    ped, passenger = ctype == 0, cclass == 2
    cas = {"vehicle_reference": vref, "casualty_reference": np.arange(n) - (np.cumsum(nk) - nk)[k_coll] + 1,
           "casualty_class": cclass, "sex_of_casualty": _draw(rng, SPECS["sex_of_casualty"], n),
           "age_of_casualty": age, "age_band_of_casualty": _age_band(age), "casualty_type": ctype,
           "lsoa_of_casualty": np.where(rng.random(n) < 0.03, "-1", home_lsoa),
           "pedestrian_location": np.where(ped, _draw(rng, ((5, 8, 10, 6, 1, 9, 4), (34, 22, 13, 12, 8, 6, 5)), n), 0),
           "pedestrian_movement": np.where(ped, _draw(rng, ((1, 9, 3, 7, 8, 5, 2), (33, 21, 19, 10, 5, 4, 4)), n), 0),
           "car_passenger": np.where(passenger & (ctype == 9), _draw(rng, ((1, 2), (6, 4)), n), 0),
           "bus_or_coach_passenger": np.where(passenger & (ctype == 11), _draw(rng, BUS_PASSENGER, n), 0),
           "pedestrian_road_maintenance_worker": np.where(ped, -1, 0), "_coll": k_coll, "_veh": veh}
    _severity(rng, cas)
    return cas, vtype


def _severity(rng: np.random.Generator, cas: dict) -> None:
    """Severity (~1.2% fatal, ~22% serious; worse for vulnerable road users), enhanced and adjusted severity.

    Adjusted 'serious' probabilities are set so fatal + sum(adjusted serious) is ~25% of casualties (~1,000 a
    year at scale 1), the way DfT's adjustment lifts slight casualties reported by non-CRASH forces.
    """
    ctype = cas["casualty_type"]
    n = ctype.size
    ksi = rng.random(n) < np.select([ctype == 0, ctype == 1, np.isin(ctype, RIDERS)], [0.38, 0.30, 0.40], 0.165)
    sev = np.where(ksi, np.where(rng.random(n) < 0.052, 1, 2), 3)
    p_ser = np.where(sev == 2, rng.uniform(0.75, 1.0, n), 0.05 + 0.2 * rng.beta(0.25, 5, n))
    ser = np.where(sev == 1, np.nan, np.round(p_ser, 6))
    cas.update({"casualty_severity": sev, "casualty_injury_based": np.ones(n, int),
                "enhanced_casualty_severity": np.select([sev == 1, sev == 2], [1, _draw(rng, ENHANCED_SERIOUS, n)], 3),
                "casualty_adjusted_severity_serious": ser, "casualty_adjusted_severity_slight": np.round(1 - ser, 6)})


def _collision_severity(col: dict, cas: dict) -> None:
    """A collision is as severe as its worst casualty; its adjusted 'serious' is P(any casualty serious)."""
    starts = np.cumsum(col["number_of_casualties"]) - col["number_of_casualties"]
    sev, ser = cas["casualty_severity"], cas["casualty_adjusted_severity_serious"]
    any_fatal = np.maximum.reduceat((sev == 1).astype(int), starts) == 1
    log_not = np.add.reduceat(np.log1p(-np.minimum(np.nan_to_num(ser), 1 - 1e-9)), starts)
    c_ser = np.where(any_fatal, np.nan, np.round(-np.expm1(log_not), 6))
    rank = np.array([9, 0, 9, 4, 9, 1, 2, 3])[cas["enhanced_casualty_severity"]]  # 1 < 5 < 6 < 7 < 3
    col.update({"collision_severity": np.minimum.reduceat(sev, starts),
                "enhanced_severity_collision": np.array([1, 5, 6, 7, 3])[np.minimum.reduceat(rank, starts)],
                "collision_injury_based": np.ones(starts.size, int), "collision_adjusted_severity_serious": c_ser,
                "collision_adjusted_severity_slight": np.where(any_fatal, np.nan, np.round(1 - c_ser, 6))})


def _vehicles(rng: np.random.Generator, col: dict, vtype: np.ndarray, cas: dict) -> dict:
    """Vehicle rows; a driver casualty lends age and sex to the driver fields of its vehicle."""
    nv = col["number_of_vehicles"]
    v_coll = np.repeat(np.arange(nv.size), nv)
    n = v_coll.size
    age = np.where(rng.random(n) < 0.2, -1, np.clip(np.rint(rng.normal(42, 16, n)), 17, 95).astype(int))
    age = np.where((vtype == 1) & (age > 0), rng.integers(8, 75, n), age)
    sex = _draw(rng, SPECS["sex_of_driver"], n)
    drv = cas["casualty_class"] == 1
    age[cas["_veh"][drv]], sex[cas["_veh"][drv]] = cas["age_of_casualty"][drv], cas["sex_of_casualty"][drv]
    unknown = (rng.random(n) < 0.2) | (vtype == 1)  # untraced vehicles and pedal cycles: no DVLA details
    prop = np.select([vtype == 23, np.isin(vtype, RIDERS)], [3, 1], _draw(rng, SPECS["propulsion_code"], n))
    home = col["_codes"][_draw_lsoa(col["_cum"], col["_area"][v_coll], rng)]
    return {"vehicle_reference": np.arange(n) - (np.cumsum(nv) - nv)[v_coll] + 1, "vehicle_type": vtype,
            "sex_of_driver": sex, "age_of_driver": age, "age_band_of_driver": _age_band(age),
            "engine_capacity_cc": np.where(unknown, -1, _by_group(rng, vtype, ENGINE_CC, -1)),
            "propulsion_code": np.where(unknown, -1, prop),
            "age_of_vehicle": np.where(unknown, -1, np.minimum(rng.gamma(2.5, 3.5, n), 30).astype(int)),
            "generic_make_model": np.where(unknown, "-1", _by_group(rng, vtype, MODELS, "-1")).astype(str),
            "lsoa_of_driver": np.where(rng.random(n) < 0.21, "-1", home),
            "escooter_flag": ((vtype == 90) & (rng.random(n) < 0.4)).astype(int), "_coll": v_coll}


def _stats19_year(geo: pl.DataFrame, seed: int, year: int, n_months: int, scale: float) -> list[pl.DataFrame]:
    """Collisions, vehicles and casualties for one year (or its first n_months), current column names."""
    rng = _rng(seed, 4, year)
    col = _collisions(rng, geo.filter("in_county"), year, n_months, scale)
    _road_and_conditions(rng, col)
    nv = col["number_of_vehicles"]
    cas, vtype = _casualties(rng, col, np.cumsum(nv) - nv, int(nv.sum()))
    _collision_severity(col, cas)
    veh = _vehicles(rng, col, vtype, cas)
    for tab, header in ((veh, VEHICLE_HEADER), (cas, CASUALTY_HEADER)):
        rows = tab["_coll"]
        tab.update({k: col[k][rows] for k in ("collision_index", "collision_year", "collision_ref_no")})
        tab.update({c: _draw(rng, SPECS[c], rows.size) for c in header if c in SPECS and c not in tab})
    frames = [_frame(COLLISION_HEADER, col, nv.size), _frame(VEHICLE_HEADER, veh, veh["_coll"].size),
              _frame(CASUALTY_HEADER, cas, cas["_coll"].size)]
    return [f.with_columns(pl.selectors.float().fill_nan(None)) for f in frames]


def _legacy(df: pl.DataFrame) -> pl.DataFrame:
    """Layout up to 2022: accident_* names, no enhanced/injury-based columns (adjusted casualty kept)."""
    return df.drop([c for c in df.columns if c in LEGACY_DROP]).rename(
        {k: v for k, v in LEGACY_RENAME.items() if k in df.columns})


def _write_stats19(landing: Path, geo: pl.DataFrame, seed: int, scale: float) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {f"stats19_{t}": [] for t in ("collision", "vehicle", "casualty")}
    for year, n_months in STATS19_YEARS:
        suffix = str(year) if n_months == 12 else f"provisional-mid-year-unvalidated-{year}"
        for table, df in zip(("collision", "vehicle", "casualty"), _stats19_year(geo, seed, year, n_months, scale)):
            d = landing / f"stats19_{table}"
            d.mkdir(parents=True, exist_ok=True)
            path = d / f"dft-road-casualty-statistics-{table}-{suffix}.csv"
            (_legacy(df) if year <= LEGACY_LAST_YEAR else df).write_csv(path, null_value="")
            out[f"stats19_{table}"].append(path)
    return out
