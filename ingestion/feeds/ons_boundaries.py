"""ONS local authority district boundaries (GeoJSON), for the dashboard's true choropleth.

Why: the dashboard's map is a tile map of the districts until their real outlines are landed; with
an ONS boundary file for every district it shows, it draws the districts as they are.

Accepted: a GeoJSON FeatureCollection (``.geojson`` or ``.json``) of district or unitary
boundaries, any vintage and any generalisation (BFC, BGC, BUC), as the ONS Open Geography Portal
serves them or as a partner cut them down (Lancashire's 14). Properties are found by pattern:
the code is ``LADyyCD`` in any case (``LAD22CD``, ``lad19cd``; the latest vintage when several),
otherwise the property whose values are district codes (most of them ``E07000117``-like: the real
Lancashire file keeps its codes in ``objectid``); the name is the matching ``LADyyNM``, otherwise
a property called like a name (``name``, ``district``, ``lad_name``, ...). Geometry is kept as its
GeoJSON text, as sent (staging rounds it). Coordinates must be WGS84 longitude/latitude (RFC 7946);
British National Grid is rejected with how to convert it (:mod:`ingestion.geojson_reader`).
The vintage: the code property's (``LAD22CD`` -> 2022), else the file name's (``LAD22``,
``..._December_2022_...``), else unknown (null).
Partition: ``LAD22`` (``LAD`` when the vintage is unknown), with the nations covered as the scope
(``E``, ``EW``); a later file of the same vintage and coverage supersedes the earlier (a file with
far fewer districts is held, as for every feed). A collection without a recognisable code
property is rejected, naming the properties found. Row rules: ``schemas/ons_boundaries.py``.
"""

from __future__ import annotations

import re

import polars as pl

from ingestion.errors import FileRejected
from ingestion.feed_contract import Feed, Prepared
from ingestion.geojson_reader import GEOMETRY, read_geojson
from ingestion.landing import LandedUnit
from schemas.ons_boundaries import POLYGONAL, SCHEMA
from schemas.rules import GB_LATITUDE, GB_LONGITUDE, LAD_PATTERN

CODE = re.compile(r"^LAD([0-9]{2})CD$", re.IGNORECASE)
NAME = re.compile(r"^LAD([0-9]{2})NM$", re.IGNORECASE)
NAME_WORDS = ("name", "lad_name", "district", "district_name", "area_name", "areanm", "ladnm", "lad_nm")
FILE_VINTAGE = (re.compile(r"LAD_?([0-9]{2})(?![0-9])", re.IGNORECASE), re.compile(r"(?<![0-9])20([0-9]{2})(?![0-9])"))
# A position as the reader writes geometry (compact JSON): "[" longitude "," latitude (then "]" or ",z").
POSITION = r"\[(-?[0-9][0-9.eE+-]*),(-?[0-9][0-9.eE+-]*)"

COLUMNS = {
    "lad_code": "VARCHAR",
    "lad_name": "VARCHAR",
    "lad_vintage": "INTEGER",
    "geometry_type": "VARCHAR",
    "geometry": "VARCHAR",  # GeoJSON geometry text (Polygon or MultiPolygon), WGS84, as sent
}


def _found(columns: list[str]) -> str:
    shown = [c for c in columns if c != GEOMETRY]
    return f"(found: {', '.join(shown[:8]) or 'no properties'}{'...' if len(shown) > 8 else ''})"


def _code_column(text: pl.DataFrame) -> tuple[str, str | None]:
    """(column, two-digit vintage or None): ``LADyyCD`` by name, else the property holding district codes."""
    named = [(m.group(1), c) for c in text.columns if (m := CODE.match(c))]
    if named:
        yy, column = max(named)
        return column, yy
    candidates = [c for c in text.columns if c != GEOMETRY]
    if candidates:
        hits = text.select(pl.col(c).str.contains(LAD_PATTERN).sum().alias(c) for c in candidates).row(0, named=True)
        column, best = max(hits.items(), key=lambda kv: (kv[1] or 0))
        if best and best * 2 > text.height:
            return column, None
    raise FileRejected(
        "not a district boundary file: no LADyyCD property and no property holding district codes like "
        f"E07000117 {_found(text.columns)}")


def _name_column(text: pl.DataFrame, code: str, yy: str | None) -> str | None:
    names = {m.group(1): c for c in text.columns if (m := NAME.match(c))}
    if names:
        return names.get(yy) or names[max(names)]
    for c in text.columns:
        if c != code and c.lower() in NAME_WORDS:
            return c
    return None


def _file_vintage(name: str) -> str | None:
    for pattern in FILE_VINTAGE:
        if m := pattern.search(name):
            return m.group(1)
    return None


def _geometry_columns() -> list[pl.Expr]:
    """Type, positions and positions outside Great Britain of each feature's geometry, vectorised."""
    positions = pl.col(GEOMETRY).str.extract_all(POSITION)
    x = pl.element().str.extract(r"^\[([^,]+),", 1).cast(pl.Float64, strict=False)
    y = pl.element().str.extract(r",([^,]+)$", 1).cast(pl.Float64, strict=False)
    inside = (x.is_between(*GB_LONGITUDE) & y.is_between(*GB_LATITUDE)).fill_null(False)
    outside = positions.list.eval((~inside).cast(pl.Int64)).list.sum().fill_null(0).cast(pl.Int64)
    count = positions.list.len().fill_null(0).cast(pl.Int64)
    kind = pl.col(GEOMETRY).str.json_path_match("$.type")
    # how deep the first position sits: a Polygon's are 3 lists deep, a MultiPolygon's 4
    depth = pl.col(GEOMETRY).str.json_path_match("$.coordinates").str.extract(r"^(\[*)", 1).str.len_chars()
    expected = pl.when(kind == "Polygon").then(3).when(kind == "MultiPolygon").then(4)
    return [
        kind.alias("geometry_type"),
        (kind.is_in(list(POLYGONAL)) & (depth.is_null() | (depth == expected) | (count == 0))).alias("_polygonal"),
        pl.when(kind.is_in(list(POLYGONAL)) & depth.is_not_null() & (depth != expected) & (count > 0))
        .then(kind + " with coordinates nested " + depth.cast(pl.Utf8) + " deep (" + expected.cast(pl.Utf8)
              + " expected)")
        .otherwise(kind).alias("_shape"),
        count.alias("_positions"),
        outside.alias("_outside"),
        (outside.cast(pl.Utf8) + " of " + count.cast(pl.Utf8) + " positions outside Great Britain's "
         "longitude/latitude").alias("_outside_text"),
    ]


def _code_features() -> pl.Expr:
    """Per row, "features 3, 7" when its well-formed code has several features in the file, else null."""
    good = pl.col("lad_code").is_not_null() & pl.col("lad_code").str.contains(LAD_PATTERN)
    return (
        pl.when(good & (pl.len().over("lad_code") > 1))
        .then(pl.lit("features ") + pl.col("_feature").str.join(", ").over("lad_code"))
        .otherwise(None)
        .alias("_code_features")
    )


def prepare(text: pl.DataFrame, unit: LandedUnit) -> Prepared:
    code, yy = _code_column(text)
    name = _name_column(text, code, yy)
    yy = yy or _file_vintage(unit.logical_name)
    frame = (
        text.select(
            pl.col(code).str.strip_chars().alias("lad_code"),
            (pl.col(name).str.strip_chars() if name else pl.lit(None, dtype=pl.Utf8)).alias("lad_name"),
            pl.lit(str(2000 + int(yy)) if yy else None, dtype=pl.Utf8).alias("lad_vintage"),
            pl.col(GEOMETRY),
        )
        .with_columns(_geometry_columns())
        .select("lad_code", "lad_name", "lad_vintage", "geometry_type", GEOMETRY, "_polygonal", "_shape", "_positions",
                "_outside", "_outside_text")
        .with_columns((pl.int_range(pl.len()) + 1).cast(pl.Utf8).alias("_feature"))  # 1 = the first feature
        .with_columns(_code_features())
        .drop("_feature")
    )
    nations = frame.select(pl.col("lad_code").filter(pl.col("lad_code").str.contains(LAD_PATTERN))
                           .str.slice(0, 1).unique().sort()).to_series()
    return Prepared(frame=frame, partition_key=f"LAD{yy or ''}", scope="".join(nations.to_list()))


def to_raw(valid: pl.DataFrame) -> pl.DataFrame:
    return valid.with_columns(pl.col("lad_vintage").cast(pl.Int32))


FEED = Feed(
    name="ons_boundaries",
    description="ONS local authority district boundaries (GeoJSON), for the dashboard's choropleth",
    raw_table="raw.ons_boundaries",
    columns=COLUMNS,
    schema=SCHEMA,
    prepare=prepare,
    to_raw=to_raw,
    signature=frozenset({"lad22cd", GEOMETRY}),
    partitions="district boundary vintage (e.g. LAD22), nations covered as scope",
    accepts=(".geojson", ".json"),
    reader=read_geojson,
    file_kind="GeoJSON",
)
