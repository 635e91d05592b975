"""Quarterly MARAC returns: one row per MARAC area and quarter, as SafeLives collects them.

Contract (README "marac_returns"): a CSV with the contract columns (any order and case). The
quarter is a financial quarter written ``2024/25 Q1`` (Q1 = April-June). A file may hold one
quarter or several; its partition is the quarters it holds (``2024-25-Q1``, or
``2023-24-Q1..2024-25-Q4``), and staging takes each MARAC area's quarter from the latest loaded
file that carries it, so a corrected return replaces the earlier one. The MARAC area is the
name the partnership's settings map to a district (``[marac] areas``). Aggregate counts only: no
personal data.
"""

from __future__ import annotations

import polars as pl

from ingestion.errors import FileRejected
from ingestion.feeds.restricted_common import select_contract
from ingestion.landing import LandedUnit
from ingestion.feed_contract import Feed, Prepared
from schemas.marac_returns import COUNTS, QUARTER_PATTERN, SCHEMA

HEADER = {
    "MARAC Area": "marac_area",
    "Quarter": "quarter",
    "Cases Discussed": "cases_discussed",
    "Repeat Cases": "repeat_cases",
    "Children in Households": "children_in_households",
    "Referrals Police": "referrals_police",
    "Referrals IDVA": "referrals_idva",
    "Referrals Health": "referrals_health",
    "Referrals Childrens Services": "referrals_childrens_services",
    "Referrals Other": "referrals_other",
    "Cases BME": "cases_bme",
    "Cases Disabled": "cases_disabled",
    "Cases LGBT": "cases_lgbt",
    "Cases Male": "cases_male",
    "Cases Aged 16-17": "cases_aged_16_17",
}
COLUMNS = {
    "marac_area": "VARCHAR",
    "quarter": "VARCHAR",  # 2024/25 Q1
    "financial_year": "VARCHAR",  # 2024/25
    "fy_quarter": "INTEGER",  # 1..4
    "quarter_start": "DATE",
    "quarter_end_month": "DATE",  # first day of the quarter's last month
    **{c: "INTEGER" for c in COUNTS},
}


def quarter_key(quarter: str) -> str:
    """'2024/25 Q1' -> '2024-25-Q1' (a partition key without '/' or spaces)."""
    return quarter.replace("/", "-").replace(" ", "-")


def prepare(text: pl.DataFrame, unit: LandedUnit) -> Prepared:
    frame = select_contract(text, HEADER).with_columns(pl.col("marac_area").str.strip_chars())
    quarters = (
        frame.select(pl.col("quarter")).filter(pl.col("quarter").str.contains(QUARTER_PATTERN))
        .with_columns(pl.col("quarter").str.slice(0, 4).alias("_y"), pl.col("quarter").str.slice(-1).alias("_q"))
        .sort("_y", "_q").get_column("quarter").unique(maintain_order=True)
    )
    if quarters.len() == 0:
        raise FileRejected("no row has a quarter written like 2024/25 Q1: the quarter is the file's partition")
    first, last = quarter_key(quarters[0]), quarter_key(quarters[-1])
    return Prepared(frame=frame, partition_key=first if first == last else f"{first}..{last}")


def to_raw(valid: pl.DataFrame) -> pl.DataFrame:
    start_year = pl.col("quarter").str.slice(0, 4).cast(pl.Int32)
    q = pl.col("quarter").str.slice(-1).cast(pl.Int32)
    # Q1 starts in April of the first year; Q4 in January of the second.
    start = pl.date(start_year + pl.when(q == 4).then(1).otherwise(0), pl.when(q == 4).then(1).otherwise(q * 3 + 1), 1)
    return valid.select(
        "marac_area",
        "quarter",
        pl.col("quarter").str.slice(0, 7).alias("financial_year"),
        q.alias("fy_quarter"),
        start.alias("quarter_start"),
        start.dt.offset_by("2mo").alias("quarter_end_month"),
        *[pl.col(c).cast(pl.Int32) for c in COUNTS],
        *[c for c in valid.columns if c == "_row"],
    )


FEED = Feed(
    name="marac_returns",
    description="Quarterly MARAC returns per MARAC area (SafeLives data): cases, repeats, referrals, victims",
    raw_table="raw.marac_returns",
    columns=COLUMNS,
    schema=SCHEMA,
    prepare=prepare,
    to_raw=to_raw,
    signature=frozenset({"marac area", "cases discussed", "repeat cases"}),
    partitions="financial quarter (YYYY-YY-Qn, or a range for a multi-quarter file)",
)
