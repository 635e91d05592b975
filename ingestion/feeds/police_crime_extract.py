"""The police force's restricted crime extract: one row per recorded crime, monthly.

Contract (README "police_crime_extract"): a CSV named with its recorded month, e.g.
``lancashire-crime-extract-2024-01.csv``; the header carries every contract column (any order,
any case). Crime and victim references are pseudonymised (HMAC-SHA256) in ``EXTRACT.prepare``, before
validation, so no raw reference reaches the raw table, the quarantine or a log. Partition: the
recorded month; a resubmitted month replaces the earlier file.
"""

from __future__ import annotations

import polars as pl

from ingestion.feeds.restricted_common import MonthlyExtract, yes_no
from ingestion.feed_contract import Feed
from schemas.police_crime_extract import FLAGS, SCHEMA, normalised_offence_code
from schemas.restricted import parse_date, parse_datetime

NAME_HINT = "lancashire-crime-extract-2024-01.csv"
HEADER = {
    "Crime Reference": "crime_reference",
    "Recorded Date": "recorded_date",
    "Committed From": "committed_from",
    "Committed To": "committed_to",
    "HO Offence Code": "ho_offence_code",
    "HO Offence Description": "ho_offence_description",
    "LSOA Code": "lsoa_code",
    "Domestic Abuse": "flag_domestic_abuse",
    "Hate Race": "flag_hate_race",
    "Hate Religion": "flag_hate_religion",
    "Hate Sexual Orientation": "flag_hate_sexual_orientation",
    "Hate Transgender": "flag_hate_transgender",
    "Hate Disability": "flag_hate_disability",
    "Alcohol Related": "flag_alcohol",
    "Child Sexual Exploitation": "flag_cse",
    "Child Criminal Exploitation": "flag_cce",
    "Organised Crime Group": "flag_ocg",
    "Knife or Sharp Instrument": "flag_knife",
    "Victim Reference": "victim_reference",
    "Victim Age Band": "victim_age_band",
    "Victim Sex": "victim_sex",
    "Outcome": "outcome",
}
REFERENCES = ["crime_reference", "victim_reference"]

COLUMNS = {
    "crime_reference": "VARCHAR",  # HMAC-SHA256 hex of the force's reference
    "month": "DATE",  # first day of the recorded month
    "recorded_date": "DATE",
    "committed_from": "TIMESTAMP",
    "committed_to": "TIMESTAMP",
    "ho_offence_code": "VARCHAR",
    "ho_offence_description": "VARCHAR",
    "lsoa_code": "VARCHAR",
    **{flag: "BOOLEAN" for flag in FLAGS},
    "victim_reference": "VARCHAR",  # HMAC-SHA256 hex
    "victim_age_band": "VARCHAR",
    "victim_sex": "VARCHAR",
    "outcome": "VARCHAR",
}


EXTRACT = MonthlyExtract(name_hint=NAME_HINT, header=HEADER, references=REFERENCES)


def to_raw(valid: pl.DataFrame) -> pl.DataFrame:
    recorded = parse_date("recorded_date")
    return valid.select(
        "crime_reference",
        recorded.dt.truncate("1mo").alias("month"),
        recorded.alias("recorded_date"),
        parse_datetime("committed_from").alias("committed_from"),
        parse_datetime("committed_to").alias("committed_to"),
        normalised_offence_code(pl.col("ho_offence_code")).alias("ho_offence_code"),
        "ho_offence_description",
        "lsoa_code",
        *[yes_no(flag).alias(flag) for flag in FLAGS],
        "victim_reference",
        "victim_age_band",
        "victim_sex",
        "outcome",
        *[c for c in valid.columns if c == "_row"],
    )


FEED = Feed(
    restricted=True,
    name="police_crime_extract",
    description="Police force restricted crime extract: recorded crimes with offence codes, flags and victims "
                "(references pseudonymised)",
    raw_table="raw.police_crime_extract",
    columns=COLUMNS,
    schema=SCHEMA,
    prepare=EXTRACT.prepare,
    to_raw=to_raw,
    signature=frozenset({"crime reference", "ho offence code", "committed from"}),
    partitions="month (recorded month)",
    partition_hint=EXTRACT.partition_hint,
)
