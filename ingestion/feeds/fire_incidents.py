"""The fire and rescue service's incident extract: one row per incident attended, monthly (restricted).

Contract (README "fire_incidents"): a CSV named with its month, e.g.
``lancashire-fire-incidents-2024-01.csv``, with the Home Office Incident Recording System's
categories (incident group, fire type, cause, property category) and the incident's LSOA or, when
it has none, its ward or district code. Incident references are pseudonymised (HMAC-SHA256) in
``EXTRACT.prepare``, before validation, like the police references. Partition: the month of the
call; a resubmitted month replaces the earlier file.
"""

from __future__ import annotations

import polars as pl

from ingestion.feeds.restricted_common import MonthlyExtract
from ingestion.feed_contract import Feed
from schemas.fire_incidents import CODED, SCHEMA, normalised_code
from schemas.restricted import parse_datetime

NAME_HINT = "lancashire-fire-incidents-2024-01.csv"
HEADER = {
    "Incident Reference": "incident_reference",
    "Call Date Time": "call_datetime",
    "Incident Group": "incident_group",
    "Fire Type": "fire_type",
    "Cause": "cause",
    "Property Category": "property_category",
    "LSOA Code": "lsoa_code",
    "Ward or District Code": "area_code",
}
REFERENCES = ["incident_reference"]
COLUMNS = {
    "incident_reference": "VARCHAR",  # HMAC-SHA256 hex of the service's reference
    "month": "DATE",  # first day of the month of the call
    "call_datetime": "TIMESTAMP",
    "incident_group": "VARCHAR",  # fire | false alarm | special service (code_lists)
    "fire_type": "VARCHAR",  # primary | secondary | chimney; null unless a fire
    "cause": "VARCHAR",  # deliberate | accidental | not known
    "property_category": "VARCHAR",  # dwelling | other residential | ... (code_lists)
    "lsoa_code": "VARCHAR",
    "area_code": "VARCHAR",  # ward (E05/W05) or district (E06-E09/W06) code, when given
}

EXTRACT = MonthlyExtract(name_hint=NAME_HINT, header=HEADER, references=REFERENCES)


def to_raw(valid: pl.DataFrame) -> pl.DataFrame:
    at = parse_datetime("call_datetime")
    return valid.select(
        "incident_reference",
        at.dt.date().dt.truncate("1mo").alias("month"),
        at.alias("call_datetime"),
        *[normalised_code(c).alias(c) for c in CODED],
        "lsoa_code",
        "area_code",
        *[c for c in valid.columns if c == "_row"],
    )


FEED = Feed(
    restricted=True,
    name="fire_incidents",
    description="Fire and rescue service incidents attended, with the Incident Recording System's incident group, "
                "fire type, cause and property category (references pseudonymised)",
    raw_table="raw.fire_incidents",
    columns=COLUMNS,
    schema=SCHEMA,
    prepare=EXTRACT.prepare,
    to_raw=to_raw,
    signature=frozenset({"incident reference", "incident group", "call date time"}),
    partitions="month (month of the call)",
    partition_hint=EXTRACT.partition_hint,
)
