"""ONS lookups from local authority district to Community Safety Partnership and police force area.

Why: Lancashire's relative position compares its districts with other CSPs and its force with other
forces, so every district must be placed in its CSP and force area, whatever vintage ONS published.

Accepted: any ONS (Open Geography Portal) ``LADyy_CSPyy_PFAyy`` lookup CSV with the code columns
``LADyyCD``, ``CSPyyCD`` and ``PFAyyCD``, found by header name, case-insensitively, in any order,
whatever else it carries (FID, ObjectId). Names come from the matching ``LADyyNM`` / ``CSPyyNM`` /
``PFAyyNM`` columns when present (the Welsh ``...NMW`` are not used). Where a file carries several
vintages of one code the latest is taken. Vintages are read from the header: ``CSP19CD`` ->
csp_vintage 2019.
A file without one of the three code columns (an LSOA lookup, a names-and-codes list) is rejected,
naming what is missing: it is not a district-to-CSP-to-force lookup.
Partition: the vintage triple from the header, e.g. ``LAD19_CSP19_PFA19``, with the nations
covered as the scope (``E``, ``W``, ``EW``); a later file of the same triple and coverage supersedes
the earlier. A district given two or more different CSPs (or force areas) within the file breaks
``lad_maps_to_one_csp`` (``lad_maps_to_one_pfa``): all its rows are quarantined (``_lad_csps`` /
``_lad_pfas`` name them). The real LAD19 file does this for East Suffolk (two CSPs) and
Bournemouth, Christchurch and Poole (three): districts created in 2019 whose CSPs had not merged.
"""

from __future__ import annotations

import re

import polars as pl

from ingestion.errors import FileRejected
from ingestion.feed_contract import Feed, Prepared
from ingestion.landing import LandedUnit
from schemas.ons_lad_csp_pfa import SCHEMA
from schemas.rules import CSP_PATTERN, LAD_PATTERN, PFA_PATTERN

CODE = re.compile(r"^(LAD|CSP|PFA)([0-9][0-9])CD$", re.IGNORECASE)
NAME = re.compile(r"^(LAD|CSP|PFA)([0-9][0-9])NM$", re.IGNORECASE)
KINDS = ("LAD", "CSP", "PFA")

COLUMNS = {
    "lad_code": "VARCHAR",
    "lad_name": "VARCHAR",
    "lad_vintage": "INTEGER",
    "csp_code": "VARCHAR",
    "csp_name": "VARCHAR",
    "csp_vintage": "INTEGER",
    "pfa_code": "VARCHAR",
    "pfa_name": "VARCHAR",
    "pfa_vintage": "INTEGER",
}


def _found(columns: list[str]) -> str:
    return f"(found: {', '.join(columns[:8])}{'...' if len(columns) > 8 else ''})"


def _vintage(yy: str) -> int:
    return 2000 + int(yy)


def _missing(kinds: list[str]) -> str:
    """'CSPxxCD', 'CSPxxCD or PFAxxCD', 'LADxxCD, CSPxxCD or PFAxxCD'."""
    names = [f"{k}xxCD" for k in kinds]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _several(code: str, pattern: str, alias: str) -> pl.Expr:
    """Per row, the codes in ``code`` its district is given in the file when there are several
    ("E22000274, E22000278"), else null. A malformed code is its own failure (``<kind>_code_format``),
    not a second CSP or force area."""
    good = pl.col(code).filter(pl.col(code).str.contains(pattern))
    several = good.n_unique().over("lad_code") > 1
    return (
        pl.when(pl.col("lad_code").is_not_null() & pl.col("lad_code").str.contains(LAD_PATTERN) & several)
        .then(good.unique().sort().str.join(", ").over("lad_code"))
        .otherwise(None)
        .alias(alias)
    )


def prepare(text: pl.DataFrame, unit: LandedUnit) -> Prepared:
    codes: dict[str, list[tuple[str, str]]] = {k: [] for k in KINDS}
    for c in text.columns:
        if m := CODE.match(c):
            codes[m.group(1).upper()].append((m.group(2), c))
    missing = [k for k in KINDS if not codes[k]]
    if missing:
        raise FileRejected(f"not a LAD-to-CSP-to-PFA lookup: no {_missing(missing)} column {_found(text.columns)}")
    picked = {k: max(codes[k], key=lambda v: _vintage(v[0])) for k in KINDS}  # (yy, column), latest vintage
    names = {(m.group(1).upper(), m.group(2)): c for c in text.columns if (m := NAME.match(c))}

    def name(kind: str) -> pl.Expr:
        column = names.get((kind, picked[kind][0]))
        return pl.col(column) if column else pl.lit(None, dtype=pl.Utf8)

    frame = text.select(  # in COLUMNS order: code, name and vintage of the district, CSP, force area
        expr for k in KINDS for expr in (
            pl.col(picked[k][1]).alias(f"{k.lower()}_code"),
            name(k).alias(f"{k.lower()}_name"),
            pl.lit(str(_vintage(picked[k][0]))).alias(f"{k.lower()}_vintage"),
        )
    ).with_columns(_several("csp_code", CSP_PATTERN, "_lad_csps"), _several("pfa_code", PFA_PATTERN, "_lad_pfas"))
    # An England-only and a Wales-only lookup of one vintage complement each other: the coverage is
    # the scope, so only a file of the same vintages *and* coverage replaces an earlier one.
    nations = frame.select(pl.col("lad_code").str.slice(0, 1).unique().sort()).to_series().drop_nulls()
    scope = "".join(c for c in nations.to_list() if c in "EWSN")
    key = "_".join(f"{k}{picked[k][0]}" for k in KINDS)
    return Prepared(frame=frame, partition_key=key, scope=scope)


def to_raw(valid: pl.DataFrame) -> pl.DataFrame:
    return valid.with_columns(pl.col(f"{k.lower()}_vintage").cast(pl.Int32) for k in KINDS)


FEED = Feed(
    name="ons_lad_csp_pfa",
    description="ONS lookups from local authority district to Community Safety Partnership and police force area",
    raw_table="raw.ons_lad_csp_pfa",
    columns=COLUMNS,
    schema=SCHEMA,
    prepare=prepare,
    to_raw=to_raw,
    signature=frozenset({"lad19cd", "csp19cd", "pfa19cd"}),
    partitions="LAD, CSP and force area vintages from the header (e.g. LAD19_CSP19_PFA19)",
)
