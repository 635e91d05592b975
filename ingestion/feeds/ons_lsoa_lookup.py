"""ONS lookups from LSOA (2001, 2011 or 2021 definitions) to local authority district, any vintage.

Accepted: any ONS (Open Geography Portal) lookup CSV that has an ``LSOAyyCD`` column and a district
code column ``LADyyCD`` (or ``LTLAyyCD``, or failing those ``UTLAyyCD``), found by header name,
case-insensitively, whatever else it carries (wards, CCGs, IMD ranks, FID/ObjectId). Names come
from the matching ``LSOAyyNM`` / ``LADyyNM`` columns when present (the Welsh ``...NMW`` are not
used). An ``IMDyy`` column (the LSOA's Index of Multiple Deprivation rank, 1 = most deprived, as in
the ONS IMD 2019 lookup's ``IMD19``) is kept as ``imd_rank`` with ``imd_vintage`` 2019 (the latest
when several; both null when the file has none): comparisons of areas need deprivation.
Where a file has several LSOA vintages (``LSOA01CD`` and ``LSOA11CD``: a best-fit lookup
between vintages) the latest is taken, likewise for several district vintages. The vintages are
read from the header: ``LSOA11CD`` -> lsoa_vintage 2011, ``LAD19CD`` -> lad_vintage 2019.
A file without an LSOA or a district code column (a LAD-to-PFA lookup, a names-and-codes list) is
rejected: it is not an LSOA-to-district lookup.
Partition: the vintage pair from the header, e.g. ``LSOA11_LAD19``, with the nations covered as the
scope (``E``, ``EW``), followed by ``+IMD19`` when the file carries IMD ranks (``E+IMD19``); a later
file of the same pair and coverage (and IMD edition) supersedes the earlier, so a plain lookup of
the same vintages never takes the IMD ranks away. A file may repeat an LSOA (one row per ward);
staging makes it distinct.
An LSOA given two or more different district codes within the file breaks ``lsoa_maps_to_one_district``:
all its rows are quarantined (``_lsoa_districts`` names the districts), never one silently preferred.
"""

from __future__ import annotations

import re

import polars as pl

from ingestion.errors import FileRejected
from ingestion.landing import LandedUnit
from ingestion.feed_contract import Feed, Prepared
from schemas.ons_lsoa_lookup import SCHEMA
from schemas.rules import LAD_PATTERN

LSOA_CD = re.compile(r"^LSOA([0-9][0-9])CD$", re.IGNORECASE)
LSOA_NM = re.compile(r"^LSOA([0-9][0-9])NM$", re.IGNORECASE)
LAD_CD = re.compile(r"^(LAD|LTLA|UTLA)([0-9][0-9])CD$", re.IGNORECASE)
LAD_NM = re.compile(r"^(LAD|LTLA|UTLA)([0-9][0-9])NM$", re.IGNORECASE)
IMD_RANK = re.compile(r"^IMD([0-9][0-9])$", re.IGNORECASE)
DISTRICT_PREFERENCE = ("LAD", "LTLA", "UTLA")  # lower tier first: a district, not a county

COLUMNS = {
    "lsoa_code": "VARCHAR",
    "lsoa_name": "VARCHAR",
    "lsoa_vintage": "INTEGER",
    "lad_code": "VARCHAR",
    "lad_name": "VARCHAR",
    "lad_vintage": "INTEGER",
    "imd_rank": "INTEGER",
    "imd_vintage": "INTEGER",
}


def _found(columns: list[str]) -> str:
    return f"(found: {', '.join(columns[:8])}{'...' if len(columns) > 8 else ''})"


def _vintage(yy: str) -> int:
    return 2000 + int(yy)


def _lsoa_districts() -> pl.Expr:
    """Per row, the district codes its LSOA is given in the file when there are several ("E07000117,
    E07000123"), else null. Repeating one LSOA with the same district (one row per ward) is normal;
    a malformed district code is its own failure (``lad_code_format``), not a second district."""
    districts = pl.col("lad_code").filter(pl.col("lad_code").str.contains(LAD_PATTERN))
    several = districts.n_unique().over("lsoa_code") > 1
    return (
        pl.when(pl.col("lsoa_code").is_not_null() & several)
        .then(districts.unique().sort().str.join(", ").over("lsoa_code"))
        .otherwise(None)
        .alias("_lsoa_districts")
    )


def _imd_columns(imd: tuple[str, str] | None) -> tuple[pl.Expr, pl.Expr]:
    """The IMD rank as written (its own rule judges it) and its edition, which only a rank has."""
    if imd is None:
        return pl.lit(None, dtype=pl.Utf8).alias("imd_rank"), pl.lit(None, dtype=pl.Utf8).alias("imd_vintage")
    yy, column = imd
    rank = pl.col(column)
    return rank.alias("imd_rank"), pl.when(rank.is_not_null()).then(pl.lit(str(_vintage(yy)))).alias("imd_vintage")


def prepare(text: pl.DataFrame, unit: LandedUnit) -> Prepared:
    lsoa = [(m.group(1), c) for c in text.columns if (m := LSOA_CD.match(c))]
    if not lsoa:
        raise FileRejected(f"not an LSOA-to-district lookup: no LSOAxxCD column {_found(text.columns)}")
    lad = [(m.group(1).upper(), m.group(2), c) for c in text.columns if (m := LAD_CD.match(c))]
    if not lad:
        raise FileRejected(
            f"not an LSOA-to-district lookup: no LADxxCD, LTLAxxCD or UTLAxxCD column {_found(text.columns)}"
        )
    lsoa_yy, lsoa_col = max(lsoa, key=lambda v: _vintage(v[0]))
    kind = next(k for k in DISTRICT_PREFERENCE if any(v[0] == k for v in lad))
    _, lad_yy, lad_col = max((v for v in lad if v[0] == kind), key=lambda v: _vintage(v[1]))
    lsoa_names = {m.group(1): c for c in text.columns if (m := LSOA_NM.match(c))}
    lad_names = {(m.group(1).upper(), m.group(2)): c for c in text.columns if (m := LAD_NM.match(c))}
    imd = max(((m.group(1), c) for c in text.columns if (m := IMD_RANK.match(c))),
              key=lambda v: _vintage(v[0]), default=None)

    def name(column: str | None) -> pl.Expr:
        return pl.col(column) if column else pl.lit(None, dtype=pl.Utf8)

    frame = text.select(
        pl.col(lsoa_col).alias("lsoa_code"),
        name(lsoa_names.get(lsoa_yy)).alias("lsoa_name"),
        pl.lit(str(_vintage(lsoa_yy))).alias("lsoa_vintage"),
        pl.col(lad_col).alias("lad_code"),
        name(lad_names.get((kind, lad_yy))).alias("lad_name"),
        pl.lit(str(_vintage(lad_yy))).alias("lad_vintage"),
        *_imd_columns(imd),
    )
    frame = frame.with_columns(_lsoa_districts())
    # Two lookups of one vintage can cover different nations (England-only IMD, England and Wales
    # wards): they complement each other, so the coverage is the scope and only a file with the same
    # vintage *and* coverage replaces an earlier one.
    nations = frame.select(pl.col("lsoa_code").str.slice(0, 1).unique().sort()).to_series().drop_nulls()
    scope = "".join(c for c in nations.to_list() if c in "EWSN") + (f"+IMD{imd[0]}" if imd else "")
    return Prepared(frame=frame, partition_key=f"LSOA{lsoa_yy}_{kind}{lad_yy}", scope=scope)


def to_raw(valid: pl.DataFrame) -> pl.DataFrame:
    integers = ("lsoa_vintage", "lad_vintage", "imd_rank", "imd_vintage")
    return valid.with_columns(pl.col(c).cast(pl.Int32) for c in integers)


FEED = Feed(
    name="ons_lsoa_lookup",
    description="ONS lookups from LSOA (2001/2011/2021) to local authority district, any vintage",
    raw_table="raw.ons_lsoa_lookup",
    columns=COLUMNS,
    schema=SCHEMA,
    prepare=prepare,
    to_raw=to_raw,
    signature=frozenset({"lsoa11cd", "lsoa11nm"}),
    partitions="LSOA and district vintage pair from the header (e.g. LSOA11_LAD19)",
)
