"""Reading a landed GeoJSON FeatureCollection as rows of text, one row per feature.

Why the CSV shape: the loader validates, quarantines and accounts for rows of text (the feed's
Pandera schema, ``meta.quarantine.raw_record``, rows read = loaded + quarantined). A boundary file
read into the same shape goes through that one path: each feature is a row, each of its
properties a text column (numbers and nested values as their JSON text), and its geometry the
column ``geometry`` (compact GeoJSON text). A feature's ``source_row`` is its position in the
collection (1 = the first feature): GeoJSON files are often one line, so line numbers say nothing.

Only what cannot be read as a FeatureCollection at all rejects the file, and the reason says why:
empty, not UTF-8, not JSON (line and column), JSON that is not a FeatureCollection, no features,
or coordinates in a reference system other than WGS84 longitude/latitude (British National Grid
is named: the dashboard's maps draw longitude/latitude, and the warehouse has no reprojection).
A feature that is not a Feature object, or has no properties or geometry, is a row with empty
values: the feed's rules quarantine it.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from ingestion.csv_reader import BAD_RECORDS_SCHEMA, BOM, CsvText
from ingestion.errors import FileRejected

GEOMETRY = "geometry"
# The names GeoJSON writers give WGS84 longitude/latitude (RFC 7946 has no crs member: absent = WGS84).
WGS84_NAMES = ("crs84", "epsg::4326", "epsg:4326", "epsg/0/4326", "wgs84", "wgs 84")
BNG_NAMES = ("27700",)


def _crs_name(collection: dict[str, Any]) -> str | None:
    crs = collection.get("crs")
    if not isinstance(crs, dict):
        return None
    props = crs.get("properties")
    name = props.get("name") if isinstance(props, dict) else None
    return str(name) if name is not None else json.dumps(crs)[:120]


def check_crs(collection: dict[str, Any]) -> None:
    """Reject a collection whose declared reference system is not WGS84 longitude/latitude."""
    name = _crs_name(collection)
    if name is None:
        return
    low = name.lower().replace(" ", "")
    if any(n.replace(" ", "") in low for n in WGS84_NAMES):
        return
    if any(n in low for n in BNG_NAMES):
        raise FileRejected(
            f"coordinates are British National Grid (crs {name}), not WGS84 longitude/latitude: land the "
            "GeoJSON as the ONS Open Geography Portal serves it (WGS84), or convert it first "
            "(ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson)")
    raise FileRejected(f"coordinate reference system {name} is not WGS84 longitude/latitude (EPSG:4326/CRS84)")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _collection(data: bytes) -> dict[str, Any]:
    if not data.strip():
        raise FileRejected("empty file: no FeatureCollection and no features")
    try:
        text = data.removeprefix(BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileRejected(f"not GeoJSON: the text is not UTF-8 (byte {exc.start})") from exc
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileRejected(f"not GeoJSON: invalid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg})") from exc
    kind = parsed.get("type") if isinstance(parsed, dict) else type(parsed).__name__
    if not isinstance(parsed, dict) or kind != "FeatureCollection":
        raise FileRejected(f"not a GeoJSON FeatureCollection: the top level is {kind!r}"
                           if kind else "not a GeoJSON FeatureCollection: the top level has no type")
    if not isinstance(parsed.get("features"), list):
        raise FileRejected("not a GeoJSON FeatureCollection: 'features' is missing or not a list")
    if not parsed["features"]:
        raise FileRejected("a FeatureCollection with no features")
    check_crs(parsed)
    return parsed


def read_geojson(data: bytes) -> CsvText:
    """The collection's features as text rows (properties by name, then ``geometry``)."""
    features = _collection(data)["features"]
    # One pass over the features (tens to a few hundred districts; json already parsed them in C):
    # their properties and geometry are nested objects, which no columnar reader flattens when
    # Polygon and MultiPolygon coordinates nest to different depths.
    props = [(f.get("properties") if isinstance(f, dict) else None) or {} for f in features]
    props = [p if isinstance(p, dict) else {} for p in props]
    names: dict[str, None] = {}
    for p in props:
        names.update(dict.fromkeys(p))
    columns = {(f"properties.{k}" if k.strip().lower() == GEOMETRY else str(k).strip()): k for k in names}
    frame = pl.DataFrame(
        {**{col: [_text(p.get(key)) for p in props] for col, key in columns.items()},
         GEOMETRY: [_text(f.get(GEOMETRY)) if isinstance(f, dict) else None for f in features]},
        schema={**dict.fromkeys(columns, pl.Utf8), GEOMETRY: pl.Utf8},
    )
    lines = pl.int_range(1, frame.height + 1, dtype=pl.Int64, eager=True).alias("_line")
    return CsvText(frame=frame, lines=lines, bad_records=pl.DataFrame(schema=BAD_RECORDS_SCHEMA))
