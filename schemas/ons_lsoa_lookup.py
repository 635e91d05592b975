"""Row contract of ONS LSOA-to-local-authority lookups (any vintage).

The warehouse covers England and Wales, so an LSOA must be an English or Welsh code (E01/W01 + 6
digits). A well-formed Scottish data zone or Northern Irish small area (S01..., N...) is not an
error in the file, but it is outside the warehouse: it breaks its own rule,
``lsoa_in_england_or_wales``, so the quarantine says why. Anything else that is not an E01/W01
code breaks ``lsoa_code_format``. Rules: ``required`` (both codes), ``lsoa_code_format``,
``lsoa_in_england_or_wales``, ``lad_code_format``, ``lsoa_maps_to_one_district``,
``imd_rank_positive_integer`` (an IMD rank, when the file has one, is a whole number from 1 = most
deprived; no upper bound is written here, as it is the number of LSOAs of the IMD edition and
nation: 32,844 for England 2019, 1,909 for the Welsh index). Repeated LSOAs (one
row per ward) are normal; an LSOA given two or more different district codes in one file (one
vintage) is not: no row can say which is right, so every row of that LSOA is quarantined, its
failure case naming the districts (the helper column ``_lsoa_districts`` computed by the feed's
``prepare``), and the LSOA is attributed as if the lookup lacked it.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import rules

# A GSS code of the other UK nations' small areas (Scottish data zones S01/S00, NI N00/N20/N21...).
OTHER_NATION_CODE = r"^[SN][0-9]{8}$"

SCHEMA = pa.DataFrameSchema(
    name="ons_lsoa_lookup",
    columns={
        "lsoa_code": rules.text_column(
            rules.matches(rules.LSOA_PATTERN + "|" + OTHER_NATION_CODE, "lsoa_code_format",
                          "LSOA code must look like E01012345 or W01001234"),
            rules.column_check(
                pl.col("lsoa_code").is_null() | ~pl.col("lsoa_code").str.contains(OTHER_NATION_CODE),
                "lsoa_in_england_or_wales",
                "Scottish and Northern Irish small areas are outside the warehouse (England and Wales only)",
            ),
            rules.column_check_reporting(
                pl.col("_lsoa_districts").is_null(),
                "_lsoa_districts",
                "lsoa_maps_to_one_district",
                "an LSOA must map to one district within a lookup file: this one is given several",
            ),
            required_=True,
        ),
        "lsoa_name": rules.text_column(),
        "lad_code": rules.text_column(
            rules.matches(rules.LAD_PATTERN, "lad_code_format",
                          "local authority code must look like E07000117 (E/W/S/N + 8 digits)"),
            required_=True,
        ),
        "lad_name": rules.text_column(),
        "lsoa_vintage": rules.text_column(),
        "lad_vintage": rules.text_column(),
        "imd_rank": rules.text_column(
            rules.column_check(
                pl.col("imd_rank").str.contains(r"^[0-9]+$")
                & (pl.col("imd_rank").cast(pl.Int64, strict=False) >= 1),
                "imd_rank_positive_integer",
                "an IMD rank must be a whole number from 1 (the most deprived LSOA)",
            ),
        ),
        "imd_vintage": rules.text_column(),
        # "E07000117, E07000123": the districts of an LSOA given more than one in the file, else empty
        "_lsoa_districts": pa.Column(pl.Utf8, nullable=True),
    },
    strict=False,
)
