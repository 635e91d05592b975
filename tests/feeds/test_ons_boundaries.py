"""ONS district boundaries (GeoJSON): properties found by pattern or by their values, vintages,
every row rule, whole-file rejections, re-landing, supersession, property tests of the reader and
the code finder, and the real Lancashire LAD22 file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingestion.errors import FileRejected
from ingestion.geojson_reader import read_geojson
from ingestion.landing import LandedUnit
from ingestion.partitions import partition_of
from ingestion.registry import get
from ingestion.validation import row_failures

FEED = "ons_boundaries"
LANCASHIRE = ["E06000008", "E06000009", *[f"E07000{n}" for n in range(117, 129)]]
REAL_FILE = "lancashire_districts_LAD22_BGC__mpjashby.geojson"


def square(lon: float, lat: float, size: float = 0.05, multi: bool = True) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "MultiPolygon", "coordinates": [[ring]]} if multi else {"type": "Polygon", "coordinates": [ring]}


def feature(code: str | None, name: str | None = None, geometry: dict | None = None, code_key: str = "LAD22CD",
            name_key: str = "LAD22NM", **extra: Any) -> dict[str, Any]:
    props = {"FID": 1, code_key: code, **({name_key: name} if name_key else {}), **extra}
    return {"type": "Feature", "properties": props,
            "geometry": geometry if geometry is not None else square(-2.7, 53.76)}


def collection(features: list[dict[str, Any]], **top: Any) -> str:
    return json.dumps({"type": "FeatureCollection", **top, "features": features})


def districts(n: int = 3, **kw: Any) -> list[dict[str, Any]]:
    return [feature(code, f"District {code}", square(-3.0 + 0.1 * i, 53.6), **kw)
            for i, code in enumerate(LANCASHIRE[:n])]


def parse(content: str | bytes, name: str = "boundaries.geojson"):
    """Read, prepare and validate in memory (no database): (prepared unit, row failures)."""
    data = content.encode() if isinstance(content, str) else content
    feed = get(FEED)
    prepared = feed.prepare(read_geojson(data).frame, LandedUnit(FEED, Path(name), None, len(data), 0))
    return prepared, row_failures(prepared.frame, feed.schema)


def test_boundaries_load(feed_kit) -> None:
    result = feed_kit.load(FEED, "LAD22_boundaries.geojson", collection(districts(3)))
    assert (result.status, result.partition_key, result.scope, result.rows_read, result.rows_loaded,
            result.rows_quarantined) == ("loaded", "LAD22", "E", 3, 3, 0), result.reason
    raw = feed_kit.raw(FEED, result.sha256)
    assert raw.select("lad_code", "lad_name", "lad_vintage", "geometry_type", "source_row").rows() == [
        (code, f"District {code}", 2022, "MultiPolygon", i + 1) for i, code in enumerate(LANCASHIRE[:3])]
    assert json.loads(raw["geometry"][1]) == square(-2.9, 53.6)  # the geometry as sent
    assert feed_kit.balanced(FEED)


@pytest.mark.parametrize("code_key, name_key, extra, file_name, key, name", [
    ("lad19cd", "lad19nm", {}, "b.geojson", "LAD19", "District"),  # lower case
    ("LAD21CD", "LAD21NM", {"LAD22CD": "E07000123", "LAD22NM": "Newer"}, "b.json", "LAD22", "Newer"),  # latest
    ("objectid", "district", {}, "lancashire_districts_LAD22_BGC.geojson", "LAD22", "District"),  # by value
    ("code", "name", {}, "Local_Authority_Districts_December_2023_Boundaries_UK_BGC.geojson", "LAD23", "District"),
    ("objectid", None, {}, "districts.geojson", "LAD", None),  # no vintage anywhere, no name
])
def test_properties_found_by_pattern_or_value(feed_kit, code_key, name_key, extra, file_name, key, name) -> None:
    features = [feature("E07000123", "District", code_key=code_key, name_key=name_key, **extra)]
    result = feed_kit.load(FEED, file_name, collection(features))
    assert (result.status, result.partition_key) == ("loaded", key), result.reason
    got = feed_kit.raw(FEED, result.sha256).row(0, named=True)
    assert (got["lad_code"], got["lad_name"]) == ("E07000123", name)
    assert got["lad_vintage"] == (2000 + int(key[3:]) if key != "LAD" else None)


RULES = [
    (feature("E0700012"), "lad_code_format", "lad_code", "E0700012"),
    (feature("Preston"), "lad_code_format", "lad_code", "Preston"),
    (feature(None), "required", "lad_code", None),
    (feature("E07000123", geometry={"type": "Point", "coordinates": [-2.7, 53.76]}), "geometry_polygon", "geometry",
     "Point"),
    (feature("E07000123", geometry={"type": "LineString", "coordinates": [[-2.7, 53.7], [-2.6, 53.8]]}),
     "geometry_polygon", "geometry", "LineString"),
    (feature("E07000123", geometry={"type": "Polygon", "coordinates": square(-2.7, 53.7)["coordinates"]}),
     "geometry_polygon", "geometry", "Polygon with coordinates nested 4 deep (3 expected)"),
    (feature("E07000123", geometry={"type": "MultiPolygon", "coordinates": []}), "geometry_not_empty", "geometry", "0"),
    (feature("E07000123", geometry={"type": "Polygon", "coordinates": [[[-2.7, 53.7], [-2.6, 53.7], [-2.7, 53.7]]]}),
     "geometry_not_empty", "geometry", "3"),
    (dict(feature("E07000123"), geometry=None), "required", "geometry", None),
    (feature("E07000123", geometry=square(354000, 429000, 500)), "geometry_in_great_britain", "geometry",
     "5 of 5 positions outside Great Britain's longitude/latitude"),  # eastings and northings
    (feature("E07000123", geometry=square(53.76, -2.7)), "geometry_in_great_britain", "geometry",
     "5 of 5 positions outside Great Britain's longitude/latitude"),  # latitude first
    ("not a feature", "required", "lad_code", None),
]


@pytest.mark.parametrize("bad, check, column, case", RULES, ids=[f"{r[1]}-{i}" for i, r in enumerate(RULES)])
def test_row_rule_quarantines_only_the_failing_feature(feed_kit, bad, check, column, case) -> None:
    features = districts(3)
    features[1] = bad
    result = feed_kit.load(FEED, "LAD22.geojson", collection(features))
    assert result.status == "loaded", result.reason
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    quarantined = feed_kit.quarantine(result.sha256)
    got = quarantined.select("source_row", "check_name", "column_name", "failure_case").rows()
    assert (2, check, column, case) in got and {row[0] for row in got} == {2}
    assert feed_kit.raw(FEED, result.sha256)["source_row"].to_list() == [1, 3]
    assert feed_kit.balanced(FEED)


def test_a_district_with_two_features_quarantines_both(feed_kit) -> None:
    """Which outline is right cannot be known: neither is drawn."""
    features = districts(3)
    features.append(feature(LANCASHIRE[1], "Again", square(-2.0, 54.0)))
    result = feed_kit.load(FEED, "LAD22.geojson", collection(features))
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 2, 2)
    quarantined = feed_kit.quarantine(result.sha256)
    assert quarantined.select("source_row", "check_name", "column_name", "failure_case").rows() == [
        (2, "lad_code_unique_in_file", "lad_code", "features 2, 4"),
        (4, "lad_code_unique_in_file", "lad_code", "features 2, 4")]
    assert json.loads(quarantined["raw_record"][1])["LAD22NM"] == "Again"  # the feature as sent
    assert feed_kit.balanced(FEED)


@pytest.mark.parametrize("name, content, reason", [
    ("b.geojson", b"", r"^empty file"),
    ("b.geojson", b"LAD22CD,LAD22NM\nE07000123,Preston\n", r"^not GeoJSON: invalid JSON at line 1, column 1"),
    ("b.geojson", b'{"type": "FeatureCollection", "features": [', r"^not GeoJSON: invalid JSON at line 1"),
    ("b.geojson", b"\xff\xfe{}", r"^not GeoJSON: the text is not UTF-8 \(byte 0\)"),
    ("b.geojson", b"[1, 2]", r"^not a GeoJSON FeatureCollection: the top level is 'list'"),
    ("b.geojson", json.dumps(feature("E07000123")).encode(),
     r"^not a GeoJSON FeatureCollection: the top level is 'Feature'"),
    ("b.geojson", b'{"type": "FeatureCollection"}', r"'features' is missing or not a list"),
    ("b.geojson", b'{"type": "FeatureCollection", "features": []}', r"^a FeatureCollection with no features"),
    ("b.geojson", collection([feature("Preston", code_key="area", name_key="label")]).encode(),
     r"^not a district boundary file: no LADyyCD property and no property holding district codes like E07000117 "
     r"\(found: FID, area, label\)"),
    ("b.geojson", collection(districts(2), crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
                             ).encode(), r"^coordinates are British National Grid \(crs urn:ogc:def:crs:EPSG::27700\)"),
    ("b.geojson", collection(districts(2), crs={"type": "name", "properties": {"name": "EPSG:3857"}}).encode(),
     r"^coordinate reference system EPSG:3857 is not WGS84"),
    ("b.shp", b"\x00\x00\x27\x0a", r"^not a GeoJSON: \.shp extension; ons_boundaries accepts \.geojson, \.json"),
])
def test_unreadable_files_are_rejected_with_the_rule(feed_kit, name, content, reason) -> None:
    import re

    result = feed_kit.load(FEED, name, content)
    assert result.status == "rejected" and re.search(reason, result.reason), result.reason
    assert feed_kit.raw(FEED).height == 0 and feed_kit.balanced(FEED)


def test_wgs84_crs_names_are_accepted(feed_kit) -> None:
    for i, crs in enumerate(("urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "EPSG:4326")):
        content = collection(districts(1 + i), crs={"type": "name", "properties": {"name": crs}})
        assert feed_kit.load(FEED, f"LAD2{i}.geojson", content).status == "loaded"


def test_relanding_the_same_file_changes_nothing(feed_kit) -> None:
    text = collection(districts(3))
    feed_kit.write(FEED, "LAD22.geojson", text)
    assert [r.status for r in feed_kit.ingest_all(FEED)] == ["loaded"]
    assert feed_kit.ingest_all(FEED) == []
    assert feed_kit.load(FEED, "again.geojson", text).status == "unchanged"
    assert feed_kit.raw(FEED).height == 3


def test_a_newer_file_of_the_same_vintage_and_coverage_supersedes(feed_kit) -> None:
    old = feed_kit.load(FEED, "LAD22_v1.geojson", collection(districts(3)))
    other = feed_kit.load(FEED, "LAD19.geojson", collection(districts(2, code_key="LAD19CD", name_key="LAD19NM")))
    new = feed_kit.load(FEED, "LAD22_v2.geojson", collection(districts(4)))
    assert new.superseded == [old.sha256]
    assert feed_kit.status(old.sha256) == ("superseded", new.sha256)
    assert feed_kit.status(other.sha256) == ("loaded", None)
    assert set(feed_kit.staged(FEED)["source_file"]) == {new.sha256, other.sha256}
    assert feed_kit.balanced(FEED)


def test_partition_of_reads_geojson(tmp_path) -> None:
    path = tmp_path / "LAD22.geojson"
    path.write_text(collection(districts(2)))
    unit = LandedUnit(FEED, path, None, path.stat().st_size, path.stat().st_mtime_ns)
    assert partition_of(get(FEED), unit) == "LAD22"
    path.write_text("not json")
    assert partition_of(get(FEED), unit) == "unreadable"


# --- properties -------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    yy=st.integers(11, 30).map(str),
    case=st.sampled_from([str.upper, str.lower]),
    multi=st.lists(st.booleans(), min_size=1, max_size=6),
    extra=st.lists(st.sampled_from(["FID", "OBJECTID", "BNG_E", "LONG", "Shape__Area", "GlobalID"]), unique=True),
    order=st.randoms(use_true_random=False),
)
def test_properties_in_any_case_and_order_read_the_same(yy, case, multi, extra, order) -> None:
    features = []
    for i, is_multi in enumerate(multi):
        props = {case(f"LAD{yy}CD"): LANCASHIRE[i], case(f"LAD{yy}NM"): f"D{i}", **{e: i for e in extra}}
        items = list(props.items())
        order.shuffle(items)
        features.append({"type": "Feature", "properties": dict(items),
                         "geometry": square(-3 + i * 0.1, 53.7, multi=is_multi)})
    prepared, failures = parse(collection(features))
    assert failures.is_empty()
    assert prepared.partition_key == f"LAD{yy}" and prepared.scope == "E"
    raw = get(FEED).to_raw(prepared.frame.drop([c for c in prepared.frame.columns if c.startswith("_")]))
    assert raw.select("lad_code", "lad_name", "lad_vintage", "geometry_type").rows() == [
        (LANCASHIRE[i], f"D{i}", 2000 + int(yy), "MultiPolygon" if m else "Polygon") for i, m in enumerate(multi)]


@settings(max_examples=200, deadline=None)
@given(data=st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["type", "features", "properties", "geometry", "coordinates", "LAD22CD", "crs"]), inner,
        max_size=4), max_leaves=25))
def test_any_json_is_read_or_rejected_never_raises_otherwise(data) -> None:
    """Whatever JSON lands, the reader and prepare either give rows or say why not (FileRejected)."""
    try:
        parse(json.dumps(data))
    except FileRejected as exc:
        assert exc.reason


@settings(max_examples=100, deadline=None)
@given(codes=st.lists(st.sampled_from([*LANCASHIRE[:4], "E0700012", ""]), min_size=1, max_size=10))
def test_lad_code_unique_in_file_property(codes) -> None:
    """Exactly the features of a well-formed code given twice or more break the rule."""
    features = [feature(code or None) for code in codes]
    if not any(c in LANCASHIRE for c in codes):
        return  # no property holding district codes: the file is rejected (tested above)
    _, failures = parse(collection(features))
    good = [c for c in codes if c in LANCASHIRE]
    expected = [(i, "features " + ", ".join(str(j + 1) for j, d in enumerate(codes) if d == c))
                for i, c in enumerate(codes) if c in LANCASHIRE and good.count(c) > 1]
    got = failures.filter(failures["check_name"] == "lad_code_unique_in_file")
    assert got.select("_row", "failure_case").rows() == expected


# --- the real file ---------------------------------------------------------------------------------
@pytest.mark.real_data
def test_real_lancashire_boundaries_load(feed_kit, feed_real_data) -> None:
    """The 14 Lancashire districts and unitaries of December 2022 (BGC), codes kept in ``objectid``,
    names in ``district``, WGS84 (CRS84): all load, none quarantined."""
    result = feed_kit.ingest(FEED, feed_real_data / "ons_geography" / REAL_FILE)
    assert (result.status, result.partition_key, result.scope) == ("loaded", "LAD22", "E"), result.reason
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (14, 14, 0)
    raw = feed_kit.raw(FEED, result.sha256)
    assert sorted(raw["lad_code"]) == LANCASHIRE
    names = dict(zip(raw["lad_code"], raw["lad_name"]))
    assert (names["E06000008"], names["E07000123"], names["E07000128"]) == ("Blackburn with Darwen", "Preston", "Wyre")
    assert set(raw["geometry_type"]) == {"MultiPolygon"} and set(raw["lad_vintage"]) == {2022}
    lancashire = feed_kit.con.execute(
        "select min(x), max(x), min(y), max(y) from (select unnest(regexp_extract_all(geometry, "
        r"'\[(-?[0-9.]+),', 1))::double as x, unnest(regexp_extract_all(geometry, ',(-?[0-9.]+)\]', 1))::double as y "
        "from raw.ons_boundaries)").fetchone()
    assert -3.2 < lancashire[0] < lancashire[1] < -2.0 and 53.4 < lancashire[2] < lancashire[3] < 54.3
    assert feed_kit.balanced(FEED)
