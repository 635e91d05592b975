"""Row contract of ONS local authority district boundaries (GeoJSON, any vintage): one row per feature.

The dashboard draws a true choropleth of the districts from these: a feature is usable only when it
names one district by a well-formed code and carries a polygonal, non-empty outline in WGS84
longitude/latitude inside Great Britain. Rules:

* ``required`` (the code and the geometry) and ``lad_code_format`` (``LAD_PATTERN`` of
  ``schemas/rules.py``, the one home of GSS code patterns);
* ``lad_code_unique_in_file``: a district with two or more features in one file cannot be drawn
  from either (which outline is right?): every feature of it is quarantined, the failure case
  naming the features (helper ``_code_features``, computed by the feed's ``prepare``);
* ``geometry_polygon``: the geometry is a Polygon or MultiPolygon with its coordinates nested as
  its type says (a Point, a LineString or an unknown type is not a district's area; the failure
  case is the type, or a Polygon's coordinates nested as a MultiPolygon's);
* ``geometry_not_empty``: at least one ring of four positions (an empty MultiPolygon draws nothing);
* ``geometry_in_great_britain``: every position is a longitude/latitude inside Great Britain's box
  (``GB_LONGITUDE``/``GB_LATITUDE``): eastings and northings or swapped axes would draw nothing.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import rules

POLYGONAL = ("Polygon", "MultiPolygon")
MIN_RING_POSITIONS = 4  # a closed ring: three corners and the first again

SCHEMA = pa.DataFrameSchema(
    name="ons_boundaries",
    columns={
        "lad_code": rules.text_column(
            rules.matches(rules.LAD_PATTERN, "lad_code_format",
                          "local authority code must look like E07000117 (E/W/S/N + 8 digits)"),
            rules.column_check_reporting(
                pl.col("_code_features").is_null(), "_code_features", "lad_code_unique_in_file",
                "a district must have one feature in a boundary file: this one has several"),
            required_=True,
        ),
        "lad_name": rules.text_column(),
        "lad_vintage": rules.text_column(),
        "geometry_type": rules.text_column(),
        "geometry": rules.text_column(
            rules.column_check_reporting(
                pl.col("_polygonal"), "_shape", "geometry_polygon",
                "a district's geometry must be a Polygon or MultiPolygon, its coordinates nested as the type says"),
            rules.column_check_reporting(
                ~pl.col("geometry_type").is_in(list(POLYGONAL)) | (pl.col("_positions") >= MIN_RING_POSITIONS),
                "_positions", "geometry_not_empty",
                "a district's outline needs at least one ring of four positions"),
            rules.column_check_reporting(
                pl.col("_outside") == 0, "_outside_text", "geometry_in_great_britain",
                "every position must be a longitude/latitude inside Great Britain (WGS84)"),
            required_=True,
        ),
        # "features 3, 7": the features of a district that has several in the file, else empty
        "_code_features": pa.Column(pl.Utf8, nullable=True),
        "_polygonal": pa.Column(pl.Boolean, nullable=True),
        "_shape": pa.Column(pl.Utf8, nullable=True),
        "_positions": pa.Column(pl.Int64, nullable=True),
        "_outside": pa.Column(pl.Int64, nullable=True),
        "_outside_text": pa.Column(pl.Utf8, nullable=True),
    },
    strict=False,
)
