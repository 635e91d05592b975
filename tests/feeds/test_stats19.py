"""STATS19 feeds (collision, vehicle, casualty): headers old and new, every row rule, rejections,
idempotent re-landing, supersession, property tests of the parser, and the real West Yorkshire files."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingestion.feeds import stats19_common as common
from ingestion.registry import get
from schemas import rules
from schemas import stats19 as codes

# --- headers as published ---------------------------------------------------------------------
COLLISION_2024 = (
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
COLLISION_2022 = (  # before the "collision" renaming
    "accident_index,accident_year,accident_reference,location_easting_osgr,location_northing_osgr,longitude,"
    "latitude,police_force,accident_severity,number_of_vehicles,number_of_casualties,date,day_of_week,time,"
    "local_authority_district,local_authority_ons_district,local_authority_highway,first_road_class,"
    "first_road_number,road_type,speed_limit,junction_detail,junction_control,second_road_class,"
    "second_road_number,pedestrian_crossing_human_control,pedestrian_crossing_physical_facilities,"
    "light_conditions,weather_conditions,road_surface_conditions,special_conditions_at_site,carriageway_hazards,"
    "urban_or_rural_area,did_police_officer_attend_scene_of_accident,trunk_road_flag,"
    "lsoa_of_accident_location").split(",")
COLLISION_2015 = (  # the capitalised 2005-2015 layout
    "Accident_Index,Location_Easting_OSGR,Location_Northing_OSGR,Longitude,Latitude,Police_Force,"
    "Accident_Severity,Number_of_Vehicles,Number_of_Casualties,Date,Day_of_Week,Time,Local_Authority_(District),"
    "Local_Authority_(Highway),1st_Road_Class,1st_Road_Number,Road_Type,Speed_limit,Junction_Detail,"
    "Junction_Control,2nd_Road_Class,2nd_Road_Number,Pedestrian_Crossing-Human_Control,"
    "Pedestrian_Crossing-Physical_Facilities,Light_Conditions,Weather_Conditions,Road_Surface_Conditions,"
    "Special_Conditions_at_Site,Carriageway_Hazards,Urban_or_Rural_Area,"
    "Did_Police_Officer_Attend_Scene_of_Accident,LSOA_of_Accident_Location").split(",")
VEHICLE_2024 = (
    "collision_index,collision_year,collision_ref_no,vehicle_reference,vehicle_type,towing_and_articulation,"
    "vehicle_manoeuvre_historic,vehicle_manoeuvre,vehicle_direction_from,vehicle_direction_to,"
    "vehicle_location_restricted_lane_historic,vehicle_location_restricted_lane,junction_location,"
    "skidding_and_overturning,hit_object_in_carriageway,vehicle_leaving_carriageway,hit_object_off_carriageway,"
    "first_point_of_impact,vehicle_left_hand_drive,journey_purpose_of_driver_historic,journey_purpose_of_driver,"
    "sex_of_driver,age_of_driver,age_band_of_driver,engine_capacity_cc,propulsion_code,age_of_vehicle,"
    "generic_make_model,driver_imd_decile,lsoa_of_driver,escooter_flag,driver_distance_banding").split(",")
VEHICLE_2015 = (
    "Accident_Index,Vehicle_Reference,Vehicle_Type,Towing_and_Articulation,Vehicle_Manoeuvre,"
    "Vehicle_Location-Restricted_Lane,Junction_Location,Skidding_and_Overturning,Hit_Object_in_Carriageway,"
    "Vehicle_Leaving_Carriageway,Hit_Object_off_Carriageway,1st_Point_of_Impact,Was_Vehicle_Left_Hand_Drive?,"
    "Journey_Purpose_of_Driver,Sex_of_Driver,Age_of_Driver,Age_Band_of_Driver,Engine_Capacity_(CC),"
    "Propulsion_Code,Age_of_Vehicle,Driver_IMD_Decile,Driver_Home_Area_Type,Vehicle_IMD_Decile").split(",")
CASUALTY_2024 = (
    "collision_index,collision_year,collision_ref_no,vehicle_reference,casualty_reference,casualty_class,"
    "sex_of_casualty,age_of_casualty,age_band_of_casualty,casualty_severity,pedestrian_location,"
    "pedestrian_movement,car_passenger,bus_or_coach_passenger,pedestrian_road_maintenance_worker,casualty_type,"
    "casualty_imd_decile,lsoa_of_casualty,enhanced_casualty_severity,casualty_injury_based,"
    "casualty_adjusted_severity_serious,casualty_adjusted_severity_slight,casualty_distance_banding").split(",")
_ACCIDENT_NAMES = {"collision_index": "accident_index", "collision_year": "accident_year",
                   "collision_ref_no": "accident_reference"}
CASUALTY_2022 = [_ACCIDENT_NAMES.get(c, c) for c in CASUALTY_2024  # before the renaming and enhanced severity
                 if c not in {"enhanced_casualty_severity", "casualty_injury_based", "casualty_distance_banding"}]
CASUALTY_2015 = (
    "Accident_Index,Vehicle_Reference,Casualty_Reference,Casualty_Class,Sex_of_Casualty,Age_of_Casualty,"
    "Age_Band_of_Casualty,Casualty_Severity,Pedestrian_Location,Pedestrian_Movement,Car_Passenger,"
    "Bus_or_Coach_Passenger,Pedestrian_Road_Maintenance_Worker,Casualty_Type,Casualty_Home_Area_Type,"
    "Casualty_IMD_Decile").split(",")

HEADERS = {"stats19_collision": COLLISION_2024, "stats19_vehicle": VEHICLE_2024, "stats19_casualty": CASUALTY_2024}

# --- valid rows, keyed by current (normalised) names; unlisted columns get DfT's -1 ------------
BASE = {
    "stats19_collision": {
        "collision_year": "2024", "location_easting_osgr": "414393", "location_northing_osgr": "422878",
        "longitude": "-1.78346", "latitude": "53.70214", "police_force": "13", "collision_severity": "3",
        "number_of_vehicles": "1", "number_of_casualties": "1", "date": "21/05/2024", "day_of_week": "3",
        "time": "15:30", "local_authority_ons_district": "E08000033", "local_authority_highway": "E08000033",
        "road_type": "9", "speed_limit": "30", "light_conditions": "1", "weather_conditions": "9",
        "road_surface_conditions": "1", "urban_or_rural_area": "1", "lsoa_of_collision_location": "E01010949",
        "enhanced_severity_collision": "3", "collision_adjusted_severity_serious": "0.0",
        "collision_adjusted_severity_slight": "1.0",
    },
    "stats19_vehicle": {
        "collision_year": "2024", "vehicle_reference": "1", "vehicle_type": "9", "vehicle_manoeuvre": "10",
        "journey_purpose_of_driver": "9", "sex_of_driver": "1", "age_of_driver": "44", "age_band_of_driver": "7",
        "engine_capacity_cc": "1591", "propulsion_code": "1", "age_of_vehicle": "5",
        "generic_make_model": "HYUNDAI TUCSON", "lsoa_of_driver": "E01011942",
    },
    "stats19_casualty": {
        "collision_year": "2024", "vehicle_reference": "1", "casualty_reference": "1", "casualty_class": "1",
        "sex_of_casualty": "2", "age_of_casualty": "35", "age_band_of_casualty": "6", "casualty_severity": "2",
        "casualty_type": "9", "casualty_imd_decile": "4", "lsoa_of_casualty": "E01011447",
        "enhanced_casualty_severity": "7", "casualty_adjusted_severity_serious": "1.0",
        "casualty_adjusted_severity_slight": "0.0",
    },
}


def index(i: int, year: int = 2024) -> str:
    return f"{year}13{i:07d}"


def row(feed: str, i: int = 0, **values: str) -> dict[str, str]:
    """A valid row of ``feed`` (collision i of the year), with overrides by current name."""
    out = dict(BASE[feed], collision_index=index(i), collision_ref_no=index(i)[4:])
    out.update(values)
    return out


def file_text(feed_csv, header: list[str], rows: list[dict[str, str]]) -> str:
    """Rows keyed by current names, written under a header of any vintage."""
    def value(r: dict[str, str], col: str) -> str:
        name = common.normalise(col)
        return r.get(common.RENAMES.get(name, name), "-1")

    return feed_csv(header, [[value(r, c) for c in header] for r in rows])


# --- headers ---------------------------------------------------------------------------------
def test_current_collision_header_loads_typed_values(feed_kit, feed_csv) -> None:
    rows = [row("stats19_collision", 1),
            row("stats19_collision", 2, longitude="-1", latitude="-1", local_authority_ons_district="-1",
                lsoa_of_collision_location="-1", time="9:05", date="2024-02-09", enhanced_severity_collision="")]
    result = feed_kit.load("stats19_collision", "dft-road-casualty-statistics-collision-2024.csv",
                           file_text(feed_csv, COLLISION_2024, rows))
    assert (result.status, result.partition_key, result.rows_loaded, result.rows_quarantined) == (
        "loaded", "2024", 2, 0)
    raw = feed_kit.raw("stats19_collision", result.sha256)
    assert raw.columns == [*get("stats19_collision").columns, "source_file", "source_row"]
    first, second = raw.to_dicts()
    assert first["collision_index"] == "2024130000001" and first["collision_ref_no"] == "130000001"
    assert first["collision_date"] == dt.date(2024, 5, 21) and first["collision_time"] == "15:30"
    assert (first["longitude"], first["latitude"]) == (-1.78346, 53.70214)
    assert first["lsoa_of_collision_location"] == "E01010949"  # from lsoa_of_accident_location
    assert (first["police_force"], first["collision_severity"], first["enhanced_severity_collision"]) == (13, 3, 3)
    assert first["source_row"] == 2 and second["source_row"] == 3
    assert second["longitude"] is None and second["latitude"] is None
    assert second["local_authority_ons_district"] is None and second["lsoa_of_collision_location"] is None
    assert second["collision_time"] == "09:05" and second["collision_date"] == dt.date(2024, 2, 9)
    assert second["enhanced_severity_collision"] is None
    assert second["speed_limit"] == 30 and second["number_of_vehicles"] == 1


def test_2022_accident_names_load(feed_kit, feed_csv) -> None:
    rows = [row("stats19_collision", i, collision_year="2022", date="01/03/2022") | {"collision_index": index(i, 2022)}
            for i in range(3)]
    result = feed_kit.load("stats19_collision", "dft-road-casualty-statistics-accident-2022.csv",
                           file_text(feed_csv, COLLISION_2022, rows))
    assert (result.status, result.partition_key, result.rows_loaded) == ("loaded", "2022", 3)
    raw = feed_kit.raw("stats19_collision", result.sha256)
    assert raw["collision_index"].to_list() == [index(i, 2022) for i in range(3)]
    assert raw["collision_year"].to_list() == [2022] * 3
    assert raw["collision_ref_no"].to_list() == [index(i, 2022)[4:] for i in range(3)]
    assert raw["collision_severity"].to_list() == [3] * 3
    assert raw["lsoa_of_collision_location"].to_list() == ["E01010949"] * 3
    assert raw["enhanced_severity_collision"].null_count() == 3  # not published before 2023


def test_2015_capitalised_headers_load(feed_kit, feed_csv) -> None:
    old = "201513BS70001"  # the older index: year, force, letters, number
    collision = row("stats19_collision", collision_index=old, date="14/01/2015", local_authority_highway="E08000035")
    result = feed_kit.load("stats19_collision", "Accidents_2015.csv", file_text(feed_csv, COLLISION_2015, [collision]))
    assert (result.status, result.partition_key, result.rows_loaded) == ("loaded", "2015", 1)
    got = feed_kit.raw("stats19_collision", result.sha256).row(0, named=True)
    assert got["collision_index"] == old and got["collision_year"] == 2015  # the year from the index
    assert got["collision_ref_no"] is None and got["local_authority_ons_district"] is None
    assert got["local_authority_highway"] == "E08000035" and got["police_force"] == 13
    assert got["collision_date"] == dt.date(2015, 1, 14)

    vehicle = row("stats19_vehicle", collision_index=old, engine_capacity_cc="1598")
    result = feed_kit.load("stats19_vehicle", "Vehicles_2015.csv", file_text(feed_csv, VEHICLE_2015, [vehicle]))
    assert (result.status, result.partition_key, result.rows_loaded) == ("loaded", "2015", 1)
    got = feed_kit.raw("stats19_vehicle", result.sha256).row(0, named=True)
    assert (got["collision_year"], got["engine_capacity_cc"], got["vehicle_type"]) == (2015, 1598, 9)

    casualty = row("stats19_casualty", collision_index=old)
    result = feed_kit.load("stats19_casualty", "Casualties_2015.csv", file_text(feed_csv, CASUALTY_2015, [casualty]))
    assert (result.status, result.partition_key, result.rows_loaded) == ("loaded", "2015", 1)
    got = feed_kit.raw("stats19_casualty", result.sha256).row(0, named=True)
    assert got["collision_year"] == 2015 and got["casualty_imd_decile"] == 4
    assert got["enhanced_casualty_severity"] is None and got["casualty_adjusted_severity_serious"] is None
    assert got["lsoa_of_casualty"] is None


@pytest.mark.parametrize("feed, header", [
    ("stats19_vehicle", VEHICLE_2024), ("stats19_casualty", CASUALTY_2024), ("stats19_casualty", CASUALTY_2022),
])
def test_vehicle_and_casualty_headers_load(feed_kit, feed_csv, feed, header) -> None:
    rows = [row(feed, i) for i in range(4)]
    result = feed_kit.load(feed, f"{feed}.csv", file_text(feed_csv, header, rows))
    assert (result.status, result.partition_key, result.rows_read, result.rows_loaded) == ("loaded", "2024", 4, 4)
    raw = feed_kit.raw(feed, result.sha256)
    assert raw.columns == [*get(feed).columns, "source_file", "source_row"]
    assert raw["collision_index"].to_list() == [index(i) for i in range(4)]
    assert raw["source_row"].to_list() == [2, 3, 4, 5]
    assert feed_kit.balanced(feed)


def test_casualty_not_published_values_are_null(feed_kit, feed_csv) -> None:
    rows = [row("stats19_casualty", 0, casualty_adjusted_severity_serious="-1", casualty_adjusted_severity_slight="",
                lsoa_of_casualty="-1", age_of_casualty="-1", age_band_of_casualty="-1")]
    result = feed_kit.load("stats19_casualty", "cas.csv", file_text(feed_csv, CASUALTY_2024, rows))
    got = feed_kit.raw("stats19_casualty", result.sha256).row(0, named=True)
    assert got["casualty_adjusted_severity_serious"] is None and got["casualty_adjusted_severity_slight"] is None
    assert got["lsoa_of_casualty"] is None
    assert got["age_of_casualty"] == -1 and got["age_band_of_casualty"] == -1  # codes keep -1 as published


# --- every row rule ----------------------------------------------------------------------------
RULES = [
    # feed, overrides on the middle row, expected check, expected column
    ("stats19_collision", {"collision_index": "2.02401E+12"}, "collision_index_format", "collision_index"),
    ("stats19_collision", {"collision_index": "2024E10"}, "collision_index_format", "collision_index"),
    ("stats19_collision", {"collision_index": "2024131E10"}, "collision_index_format", "collision_index"),
    ("stats19_collision", {"collision_index": "202413000.1"}, "collision_index_format", "collision_index"),
    ("stats19_collision", {"collision_index": "24130000001"}, "collision_index_format", "collision_index"),
    ("stats19_collision", {"collision_index": "2024-13-0001"}, "collision_index_format", "collision_index"),
    ("stats19_collision", {"collision_index": ""}, "required", "collision_index"),
    ("stats19_collision", {"collision_year": "2023"}, "collision_year_matches_index", "collision_year"),
    ("stats19_collision", {"collision_year": "twenty"}, "integer", "collision_year"),
    ("stats19_collision", {"collision_year": "\u0662\u0660\u0662\u0664"}, "integer", "collision_year"),  # not ASCII
    ("stats19_collision", {"collision_index": "\u0662\u0660\u0662\u0664130000001"}, "collision_index_format",
     "collision_index"),
    ("stats19_collision", {"date": "31/02/2024"}, "date_parseable", "collision_date"),
    ("stats19_collision", {"date": "2024/05/21"}, "date_parseable", "collision_date"),
    ("stats19_collision", {"date": ""}, "required", "collision_date"),
    ("stats19_collision", {"time": "25:00"}, "time_format", "collision_time"),
    ("stats19_collision", {"time": "1530"}, "time_format", "collision_time"),
    ("stats19_collision", {"police_force": "2"}, "code_known", "police_force"),
    ("stats19_collision", {"police_force": ""}, "required", "police_force"),
    ("stats19_collision", {"collision_severity": "4"}, "code_known", "collision_severity"),
    ("stats19_collision", {"collision_severity": "-1"}, "code_known", "collision_severity"),
    ("stats19_collision", {"enhanced_severity_collision": "2"}, "code_known", "enhanced_severity_collision"),
    ("stats19_collision", {"day_of_week": "8"}, "code_known", "day_of_week"),
    ("stats19_collision", {"speed_limit": "30mph"}, "integer", "speed_limit"),
    ("stats19_collision", {"number_of_vehicles": "1.5"}, "integer", "number_of_vehicles"),
    ("stats19_collision", {"road_type": "-2"}, "integer", "road_type"),
    ("stats19_collision", {"local_authority_ons_district": "E0800003"}, "lad_code_format",
     "local_authority_ons_district"),
    ("stats19_collision", {"local_authority_ons_district": "N09000003"}, "lad_code_format",
     "local_authority_ons_district"),
    ("stats19_collision", {"lsoa_of_collision_location": "E02001234"}, "lsoa_code_format",
     "lsoa_of_collision_location"),
    ("stats19_collision", {"latitude": "40.0"}, "coordinates_in_great_britain", "longitude"),
    ("stats19_collision", {"longitude": "-1.5", "latitude": ""}, "coordinates_in_great_britain", "longitude"),
    ("stats19_collision", {"longitude": "", "latitude": "-1"}, None, None),  # both missing: passes
    ("stats19_vehicle", {"vehicle_reference": "0"}, "positive_integer", "vehicle_reference"),
    ("stats19_vehicle", {"vehicle_reference": ""}, "required", "vehicle_reference"),
    ("stats19_vehicle", {"vehicle_type": "6"}, "code_known", "vehicle_type"),
    ("stats19_vehicle", {"vehicle_type": ""}, "required", "vehicle_type"),
    ("stats19_vehicle", {"sex_of_driver": "4"}, "code_known", "sex_of_driver"),
    ("stats19_vehicle", {"age_band_of_driver": "12"}, "code_known", "age_band_of_driver"),
    ("stats19_vehicle", {"age_of_driver": "121"}, "age_in_range", "age_of_driver"),
    ("stats19_vehicle", {"engine_capacity_cc": "1,591"}, "integer", "engine_capacity_cc"),
    ("stats19_vehicle", {"age_of_vehicle": "3 years"}, "integer", "age_of_vehicle"),
    ("stats19_vehicle", {"age_of_driver": "\u0664\u0664"}, "age_in_range", "age_of_driver"),
    ("stats19_vehicle", {"collision_index": "2.02413E+12"}, "collision_index_format", "collision_index"),
    ("stats19_vehicle", {"collision_year": "2025"}, "collision_year_matches_index", "collision_year"),
    ("stats19_casualty", {"casualty_reference": "0"}, "positive_integer", "casualty_reference"),
    ("stats19_casualty", {"vehicle_reference": "-1"}, "positive_integer", "vehicle_reference"),
    ("stats19_casualty", {"casualty_type": "7"}, "code_known", "casualty_type"),
    ("stats19_casualty", {"casualty_type": ""}, "required", "casualty_type"),
    ("stats19_casualty", {"casualty_class": "4"}, "code_known", "casualty_class"),
    ("stats19_casualty", {"sex_of_casualty": "0"}, "code_known", "sex_of_casualty"),
    ("stats19_casualty", {"age_band_of_casualty": "0"}, "code_known", "age_band_of_casualty"),
    ("stats19_casualty", {"casualty_severity": "0"}, "code_known", "casualty_severity"),
    ("stats19_casualty", {"casualty_severity": ""}, "required", "casualty_severity"),
    ("stats19_casualty", {"enhanced_casualty_severity": "2"}, "code_known", "enhanced_casualty_severity"),
    ("stats19_casualty", {"casualty_imd_decile": "11"}, "code_known", "casualty_imd_decile"),
    ("stats19_casualty", {"age_of_casualty": "-2"}, "age_in_range", "age_of_casualty"),
    ("stats19_casualty", {"age_of_casualty": ""}, "required", "age_of_casualty"),
    ("stats19_casualty", {"casualty_adjusted_severity_serious": "1.5"}, "probability",
     "casualty_adjusted_severity_serious"),
    ("stats19_casualty", {"casualty_adjusted_severity_slight": "likely"}, "probability",
     "casualty_adjusted_severity_slight"),
    ("stats19_casualty", {"lsoa_of_casualty": "S01006506"}, "lsoa_code_format", "lsoa_of_casualty"),
]


@pytest.mark.parametrize("feed, bad, check, column", RULES, ids=[f"{r[0][8:]}-{r[2]}-{list(r[1].values())[0]}"
                                                                  for r in RULES])
def test_row_rule_quarantines_only_the_failing_row(feed_kit, feed_csv, feed, bad, check, column) -> None:
    rows = [row(feed, 0), row(feed, 1, **bad), row(feed, 2)]
    result = feed_kit.load(feed, "rules.csv", file_text(feed_csv, HEADERS[feed], rows))
    assert result.status == "loaded"
    assert result.rows_read == 3 == result.rows_loaded + result.rows_quarantined
    quarantined = feed_kit.quarantine(result.sha256)
    if check is None:
        assert result.rows_quarantined == 0 and quarantined.is_empty()
        return
    assert result.rows_quarantined == 1
    assert set(quarantined["source_row"]) == {3}
    assert (check, column) in set(zip(quarantined["check_name"], quarantined["column_name"]))
    assert feed_kit.raw(feed, result.sha256)["source_row"].to_list() == [2, 4]
    assert feed_kit.balanced(feed)


def test_quarantine_keeps_the_row_as_read(feed_kit, feed_csv) -> None:
    rows = [row("stats19_collision", 0), row("stats19_collision", 1, collision_index="2.02401E+12")]
    result = feed_kit.load("stats19_collision", "q.csv", file_text(feed_csv, COLLISION_2022, rows))
    record = feed_kit.quarantine(result.sha256).filter(pl.col("check_name") == "collision_index_format")
    assert '"accident_index":"2.02401E+12"' in record["raw_record"][0]  # the published header, not ours


# --- rejections --------------------------------------------------------------------------------
def test_missing_required_columns_are_named(feed_kit, feed_csv) -> None:
    header = [c for c in COLLISION_2022 if c not in {"police_force", "accident_severity"}]
    result = feed_kit.load("stats19_collision", "c.csv", file_text(feed_csv, header, [row("stats19_collision")]))
    assert result.status == "rejected"
    assert result.reason.startswith("missing required columns: police_force, collision_severity (or accident_severity)")
    assert feed_kit.raw("stats19_collision").is_empty()


@pytest.mark.parametrize("feed, other, header", [
    ("stats19_collision", "stats19_casualty", CASUALTY_2024),
    ("stats19_collision", "stats19_vehicle", VEHICLE_2015),
    ("stats19_vehicle", "stats19_casualty", CASUALTY_2015),
    ("stats19_casualty", "stats19_collision", COLLISION_2022),
    ("stats19_casualty", "stats19_vehicle", VEHICLE_2024),
])
def test_header_from_another_stats19_table_is_named(feed_kit, feed_csv, feed, other, header) -> None:
    result = feed_kit.load(feed, "wrong.csv", file_text(feed_csv, header, [row(other)]))
    assert result.status == "rejected"
    assert result.reason.startswith("missing required columns")
    assert f"the header is a {other} file's: land it in landing/{other}/" in result.reason


def test_police_file_in_stats19_is_named(feed_kit, feed_csv) -> None:
    header = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code",
              "LSOA name", "Crime type", "Last outcome category", "Context"]
    text = feed_csv(header, [["", "2024-01", "Lancashire Constabulary", "Lancashire Constabulary", "-2.5", "53.7",
                              "On or near X", "E01012345", "Preston 001A", "Anti-social behaviour", "", ""]])
    result = feed_kit.load("stats19_vehicle", "2024-01-lancashire-street.csv", text)
    assert result.status == "rejected"
    assert "police_street" in result.reason


@pytest.mark.parametrize("name, content, reason", [
    ("empty.csv", b"", "empty file"),
    ("blank.csv", b"\r\n  \r\n", "empty file"),
    ("header-only.csv", b"collision_index,date,police_force,collision_severity\r\n", "header but no data rows"),
    ("book.xlsx", b"PK\x03\x04 spreadsheet", "not a CSV"),
    ("book.csv", b"PK\x03\x04 spreadsheet", "not a CSV: the file is a zip archive"),
    ("notes.csv", b"just some words\nand more words\n", "not a CSV"),
])
def test_unreadable_files_are_rejected(feed_kit, name, content, reason) -> None:
    result = feed_kit.load("stats19_collision", name, content)
    assert result.status == "rejected" and reason in result.reason


def test_a_file_without_any_data_year_is_rejected(feed_kit, feed_csv) -> None:
    header = ["collision_index", "date", "police_force", "collision_severity"]
    text = feed_csv(header, [["2.02401E+12", "01/01/2024", "13", "3"], ["", "01/01/2024", "13", "3"]])
    result = feed_kit.load("stats19_collision", "noyear.csv", text)
    assert result.status == "rejected" and result.reason.startswith("cannot tell the data year")


# --- landing twice, resubmission, partitions ---------------------------------------------------
def test_relanding_the_same_file_changes_nothing(feed_kit, feed_csv) -> None:
    text = file_text(feed_csv, CASUALTY_2024, [row("stats19_casualty", i) for i in range(3)])
    feed_kit.write("stats19_casualty", "dft-road-casualty-statistics-casualty-2024.csv", text)
    first = feed_kit.ingest_all("stats19_casualty")
    assert [r.status for r in first] == ["loaded"]
    assert feed_kit.ingest_all("stats19_casualty") == []  # same path, size and time: not even re-read
    copy = feed_kit.load("stats19_casualty", "copy-of-casualties.csv", text)  # same bytes, another name
    assert copy.status == "unchanged"
    assert feed_kit.raw("stats19_casualty").height == 3
    assert feed_kit.con.execute("select count(*) from meta.source_files").fetchone()[0] == 1


def test_final_file_supersedes_the_provisional_one(feed_kit, feed_csv) -> None:
    provisional = [row("stats19_collision", i) for i in range(2)]
    final = [row("stats19_collision", i) for i in range(5)]
    old = feed_kit.load("stats19_collision", "dft-road-casualty-statistics-collision-provisional-mid-year-"
                        "unvalidated-2024.csv", file_text(feed_csv, COLLISION_2024, provisional))
    new = feed_kit.load("stats19_collision", "dft-road-casualty-statistics-collision-2024.csv",
                        file_text(feed_csv, COLLISION_2024, final))
    assert old.partition_key == new.partition_key == "2024"
    assert new.superseded == [old.sha256]
    assert feed_kit.status(old.sha256) == ("superseded", new.sha256)
    assert feed_kit.status(new.sha256) == ("loaded", None)
    assert feed_kit.raw("stats19_collision").height == 7  # raw keeps history
    staged = feed_kit.staged("stats19_collision")
    assert staged.height == 5 and set(staged["source_file"]) == {new.sha256}
    assert feed_kit.balanced("stats19_collision")


def test_multi_year_file_partition(feed_kit, feed_csv) -> None:
    rows = [row("stats19_vehicle", 1) | {"collision_index": index(1, 2019), "collision_year": "2019"},
            row("stats19_vehicle", 2) | {"collision_index": index(2, 2023), "collision_year": "2023"}]
    result = feed_kit.load("stats19_vehicle", "dft-road-casualty-statistics-vehicle-last-5-years.csv",
                           file_text(feed_csv, VEHICLE_2024, rows))
    assert result.partition_key == "2019..2023"
    assert feed_kit.raw("stats19_vehicle", result.sha256)["collision_year"].to_list() == [2019, 2023]


def test_gzipped_file_loads(feed_kit, feed_csv) -> None:
    import gzip

    text = file_text(feed_csv, VEHICLE_2024, [row("stats19_vehicle", i) for i in range(2)])
    result = feed_kit.load("stats19_vehicle", "vehicles-2024.csv.gz", gzip.compress(text.encode()))
    assert (result.status, result.rows_loaded) == ("loaded", 2)


# --- property tests ------------------------------------------------------------------------------
REF_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@st.composite
def collision_rows(draw) -> tuple[dict[str, str], dict[str, object]]:
    """A valid published collision row and the raw values it must become."""
    year = draw(st.integers(1979, 2030))
    ref = draw(st.text(REF_CHARS, min_size=5, max_size=16).filter(
        lambda r: not re.match(rules.SCIENTIFIC_NOTATION, f"{year}{r}")))
    idx = f"{year}{ref}"
    day = draw(st.dates(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    iso = draw(st.booleans())
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    time = draw(st.sampled_from([f"{hour:02d}:{minute:02d}", f"{hour}:{minute:02d}", ""]))
    located = draw(st.sampled_from(["yes", "empty", "-1"]))
    lon = round(draw(st.floats(-8.7, 1.8)), 5)
    lat = round(draw(st.floats(49.9, 60.9)), 5)
    lad = draw(st.one_of(st.just("-1"), st.just(""), st.from_regex(r"\A[EWS][0-9]{8}\Z")))
    lsoa = draw(st.one_of(st.just("-1"), st.just(""), st.from_regex(r"\A[EW]01[0-9]{6}\Z")))
    ints = {c: draw(st.integers(-1, 999)) for c in ("number_of_vehicles", "number_of_casualties", "road_type",
                                                     "speed_limit", "light_conditions", "weather_conditions",
                                                     "road_surface_conditions", "urban_or_rural_area")}
    force = draw(st.sampled_from(codes.codes("collision", "police_force")))
    severity = draw(st.sampled_from(codes.codes("collision", "collision_severity")))
    enhanced = draw(st.sampled_from([*codes.codes("collision", "enhanced_severity_collision"), None]))
    dow = draw(st.sampled_from(codes.codes("collision", "day_of_week")))
    with_year = draw(st.booleans())
    published = {
        "collision_index": idx, "collision_year": str(year) if with_year else "", "collision_ref_no": ref,
        "police_force": str(force), "collision_severity": str(severity),
        "enhanced_severity_collision": "" if enhanced is None else str(enhanced),
        "date": day.isoformat() if iso else day.strftime("%d/%m/%Y"), "time": time, "day_of_week": str(dow),
        "local_authority_ons_district": lad, "local_authority_highway": lad,
        "lsoa_of_collision_location": lsoa,
        "longitude": {"yes": f"{lon}", "empty": "", "-1": "-1"}[located],
        "latitude": {"yes": f"{lat}", "empty": "", "-1": "-1"}[located],
        **{c: str(v) for c, v in ints.items()},
    }
    expected = {
        "collision_index": idx, "collision_year": year, "collision_ref_no": ref, "police_force": force,
        "collision_severity": severity, "enhanced_severity_collision": enhanced, "collision_date": day,
        "collision_time": f"{hour:02d}:{minute:02d}" if time else None, "day_of_week": dow,
        "local_authority_ons_district": None if lad in ("-1", "") else lad,
        "local_authority_highway": lad or None,
        "lsoa_of_collision_location": None if lsoa in ("-1", "") else lsoa,
        "longitude": lon if located == "yes" else None, "latitude": lat if located == "yes" else None,
        **ints,
    }
    return published, expected


@settings(max_examples=60, deadline=None)
@given(st.lists(collision_rows(), min_size=1, max_size=6), st.sampled_from([COLLISION_2024, COLLISION_2022,
                                                                             COLLISION_2015]))
def test_any_valid_collision_row_round_trips(feed_parse, feed_csv, rows, header) -> None:
    if header is not COLLISION_2024:  # no enhanced severity before 2023
        rows = [(p, dict(e, enhanced_severity_collision=None)) for p, e in rows]
    if header is COLLISION_2015:  # nor year, reference or ONS district before 2016
        rows = [(p, dict(e, collision_ref_no=None, local_authority_ons_district=None)) for p, e in rows]
    text = file_text(feed_csv, header, [p for p, _ in rows])
    prepared, failures = feed_parse("stats19_collision", text)
    assert failures.is_empty(), failures
    years = sorted(e["collision_year"] for _, e in rows)
    assert prepared.partition_key == (str(years[0]) if years[0] == years[-1] else f"{years[0]}..{years[-1]}")
    raw = get("stats19_collision").to_raw(prepared.frame)
    assert raw.columns == list(get("stats19_collision").columns)
    assert raw.to_dicts() == [e for _, e in rows]


@st.composite
def casualty_rows(draw) -> tuple[dict[str, str], dict[str, object]]:
    year = draw(st.integers(1979, 2030))
    idx = str(year) + draw(st.from_regex(r"\A[0-9]{9}\Z"))
    published, expected = {"collision_index": idx, "collision_year": str(year)}, {"collision_index": idx,
                                                                                   "collision_year": year}
    for col in ("casualty_class", "sex_of_casualty", "age_band_of_casualty", "casualty_severity", "casualty_type",
                "enhanced_casualty_severity", "casualty_imd_decile"):
        choices = codes.codes("casualty", col)
        v = draw(st.sampled_from(choices))
        published[col], expected[col] = str(v), v
    for col in ("vehicle_reference", "casualty_reference"):
        v = draw(st.integers(1, 99))
        published[col], expected[col] = str(v), v
    age = draw(st.integers(-1, 120))
    published["age_of_casualty"], expected["age_of_casualty"] = str(age), age
    for col in ("casualty_adjusted_severity_serious", "casualty_adjusted_severity_slight"):
        p = draw(st.one_of(st.just("-1"), st.just(""), st.floats(0, 1).map(lambda f: str(round(f, 6)))))
        published[col], expected[col] = p, None if p in ("-1", "") else float(p)
    lsoa = draw(st.one_of(st.just("-1"), st.from_regex(r"\A[EW]01[0-9]{6}\Z")))
    published["lsoa_of_casualty"], expected["lsoa_of_casualty"] = lsoa, None if lsoa == "-1" else lsoa
    return published, {c: expected[c] for c in get("stats19_casualty").columns}


@settings(max_examples=60, deadline=None)
@given(st.lists(casualty_rows(), min_size=1, max_size=6), st.sampled_from([CASUALTY_2024, CASUALTY_2022]))
def test_any_valid_casualty_row_round_trips(feed_parse, feed_csv, rows, header) -> None:
    if header is CASUALTY_2022:
        rows = [(p, dict(e, enhanced_casualty_severity=None)) for p, e in rows]
    prepared, failures = feed_parse("stats19_casualty", file_text(feed_csv, header, [p for p, _ in rows]))
    assert failures.is_empty(), failures
    assert get("stats19_casualty").to_raw(prepared.frame).to_dicts() == [e for _, e in rows]


scientific = st.builds(
    lambda whole, frac, e, sign, exp: f"{whole}{'.' + frac if frac else ''}{e}{sign}{exp}",
    st.from_regex(r"\A[1-9][0-9]{0,14}\Z"), st.from_regex(r"\A[0-9]{0,8}\Z"), st.sampled_from("eE"),
    st.sampled_from(["", "+", "-"]), st.integers(0, 308),
)


@settings(max_examples=200, deadline=None)
@given(scientific, st.sampled_from(["stats19_collision", "stats19_vehicle", "stats19_casualty"]))
def test_collision_index_in_scientific_notation_is_always_quarantined(feed_parse, feed_csv, sci, feed) -> None:
    rows = [row(feed, 0), row(feed, 1, collision_index=sci, collision_year="")]
    prepared, failures = feed_parse(feed, file_text(feed_csv, HEADERS[feed], rows))
    assert prepared.partition_key == "2024"
    bad = failures.filter(pl.col("check_name") == "collision_index_format")
    assert bad["_row"].to_list() == [1]
    assert failures["_row"].unique().to_list() == [1]


# --- the real West Yorkshire 2024 files ---------------------------------------------------------
@pytest.mark.real_data
@pytest.mark.parametrize("feed, name, rows", [
    ("stats19_collision", "accidents.csv", 4060),
    ("stats19_vehicle", "vehicles.csv", 7355),
    ("stats19_casualty", "casualties.csv", 5240),
])
def test_real_west_yorkshire_2024_loads_cleanly(feed_kit, feed_real_data, feed, name, rows) -> None:
    result = feed_kit.ingest(feed, feed_real_data / "stats19" / "west_yorkshire_2024" / name)
    assert (result.status, result.partition_key) == ("loaded", "2024"), result.reason
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (rows, rows, 0)
    raw = feed_kit.raw(feed, result.sha256)
    assert raw["collision_year"].unique().to_list() == [2024]
    assert raw["collision_index"].str.starts_with("2024").all()
    assert feed_kit.balanced(feed)


@pytest.mark.real_data
def test_real_files_join_up(feed_kit, feed_real_data) -> None:
    folder = feed_real_data / "stats19" / "west_yorkshire_2024"
    for feed, name in (("stats19_collision", "accidents.csv"), ("stats19_vehicle", "vehicles.csv"),
                       ("stats19_casualty", "casualties.csv")):
        feed_kit.ingest(feed, folder / name)
    orphans = feed_kit.con.execute(
        "select count(*) from raw.stats19_casualty c anti join raw.stats19_collision a using (collision_index)"
    ).fetchone()[0]
    assert orphans == 0
    located = feed_kit.con.execute(
        "select count(*) filter (where longitude is null), min(collision_date), max(collision_date), "
        "count(distinct local_authority_ons_district) from raw.stats19_collision").fetchone()
    assert located == (0, dt.date(2024, 1, 1), dt.date(2024, 12, 31), 5)  # the five West Yorkshire districts


@pytest.mark.real_data
def test_code_lists_cover_the_published_schema(feed_real_data) -> None:
    """Every code in the rOpenSci copy of the DfT schema is known to our rules."""
    schema = pl.read_csv(feed_real_data / "stats19" / "lookups" / "ropensci_stats19_schema.csv", infer_schema=False)
    ours = {  # the rOpenSci variable -> our (table, variable) in the code_lists seed
        "police_force": ("collision", "police_force"), "collision_severity": ("collision", "collision_severity"),
        "casualty_severity": ("casualty", "casualty_severity"), "casualty_type": ("casualty", "casualty_type"),
        "vehicle_type": ("vehicle", "vehicle_type"), "casualty_class": ("casualty", "casualty_class"),
        "sex_of_casualty": ("casualty", "sex_of_casualty"), "sex_of_driver": ("vehicle", "sex_of_driver"),
        "age_band_of_casualty": ("casualty", "age_band_of_casualty"),
        "age_band_of_driver": ("vehicle", "age_band_of_driver"),
        "enhanced_casualty_severity": ("casualty", "enhanced_casualty_severity"),
        "enhanced_collision_severity": ("collision", "enhanced_severity_collision"),
        "casualty_imd_decile": ("casualty", "casualty_imd_decile"), "day_of_week": ("collision", "day_of_week"),
    }
    for variable, (table, ours_variable) in ours.items():
        known = codes.codes(table, ours_variable)
        published = {int(c) for c in schema.filter((pl.col("variable") == variable) & (pl.col("code") != "NA"))
                     ["code"].to_list()}
        assert published, variable
        assert published <= set(known), (variable, published - set(known))
