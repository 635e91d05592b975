"""Row contract of ONS lookups from local authority district to Community Safety Partnership and
police force area (``LADyy_CSPyy_PFAyy``, any vintage).

Comparing Lancashire with other areas needs to know which CSP and which force area each district
belongs to. Codes are checked against the patterns of ``schemas/rules.py`` (the one home of GSS code
patterns): a district as every lookup writes it (``LAD_PATTERN``), a CSP ``E22``/``W14`` + 6 digits,
a force area ``E23``/``W15`` + 6 digits (the Welsh CSPs and forces have their own entity codes).
Rules: ``required`` (the three codes), ``lad_code_format``, ``csp_code_format``, ``pfa_code_format``,
``lad_maps_to_one_csp``, ``lad_maps_to_one_pfa``. A district given two or more different CSPs (or
force areas) in one file (one vintage) cannot be placed: every row of it is quarantined, the
failure case naming the CSPs (or force areas) it was given (helper columns ``_lad_csps`` and
``_lad_pfas``, computed by the feed's ``prepare``), never one silently preferred. A district
repeated with the same CSP and force area is not a conflict.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import rules

SCHEMA = pa.DataFrameSchema(
    name="ons_lad_csp_pfa",
    columns={
        "lad_code": rules.text_column(
            rules.matches(rules.LAD_PATTERN, "lad_code_format",
                          "local authority code must look like E07000117 (E/W/S/N + 8 digits)"),
            rules.column_check_reporting(
                pl.col("_lad_csps").is_null(),
                "_lad_csps",
                "lad_maps_to_one_csp",
                "a district must map to one Community Safety Partnership within a lookup file: this one is "
                "given several",
            ),
            rules.column_check_reporting(
                pl.col("_lad_pfas").is_null(),
                "_lad_pfas",
                "lad_maps_to_one_pfa",
                "a district must map to one police force area within a lookup file: this one is given several",
            ),
            required_=True,
        ),
        "lad_name": rules.text_column(),
        "csp_code": rules.text_column(
            rules.matches(rules.CSP_PATTERN, "csp_code_format",
                          "Community Safety Partnership code must look like E22000158 or W14000001"),
            required_=True,
        ),
        "csp_name": rules.text_column(),
        "pfa_code": rules.text_column(
            rules.matches(rules.PFA_PATTERN, "pfa_code_format",
                          "police force area code must look like E23000003 or W15000001"),
            required_=True,
        ),
        "pfa_name": rules.text_column(),
        "lad_vintage": rules.text_column(),
        "csp_vintage": rules.text_column(),
        "pfa_vintage": rules.text_column(),
        # "E22000274, E22000278": the CSPs (force areas) of a district given several in the file, else empty
        "_lad_csps": pa.Column(pl.Utf8, nullable=True),
        "_lad_pfas": pa.Column(pl.Utf8, nullable=True),
    },
    strict=False,
)
