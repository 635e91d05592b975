"""Police domestic abuse incidents that are not crimes, monthly (restricted).

Contract (README "police_da_incidents"): a CSV named with its month, e.g.
``lancashire-da-incidents-2024-01.csv``. Incident and victim references are pseudonymised in
``EXTRACT.prepare``. Partition: the month of the incidents; a resubmitted month replaces the earlier file.
"""

from __future__ import annotations

import polars as pl

from ingestion.feeds.restricted_common import MonthlyExtract, yes_no
from ingestion.feed_contract import Feed
from schemas.police_da_incidents import SCHEMA
from schemas.restricted import parse_datetime

NAME_HINT = "lancashire-da-incidents-2024-01.csv"
HEADER = {
    "Incident Reference": "incident_reference",
    "Incident Date Time": "incident_datetime",
    "LSOA Code": "lsoa_code",
    "DASH Risk Level": "dash_risk_level",
    "Repeat Victim": "repeat_victim",
    "Victim Reference": "victim_reference",
}
REFERENCES = ["incident_reference", "victim_reference"]
COLUMNS = {
    "incident_reference": "VARCHAR",  # HMAC-SHA256 hex
    "month": "DATE",
    "incident_datetime": "TIMESTAMP",
    "lsoa_code": "VARCHAR",
    "dash_risk_level": "VARCHAR",  # standard | medium | high
    "repeat_victim": "BOOLEAN",
    "victim_reference": "VARCHAR",  # HMAC-SHA256 hex
}


EXTRACT = MonthlyExtract(name_hint=NAME_HINT, header=HEADER, references=REFERENCES)


def to_raw(valid: pl.DataFrame) -> pl.DataFrame:
    at = parse_datetime("incident_datetime")
    return valid.select(
        "incident_reference",
        at.dt.date().dt.truncate("1mo").alias("month"),
        at.alias("incident_datetime"),
        "lsoa_code",
        pl.col("dash_risk_level").str.to_lowercase(),
        yes_no("repeat_victim").alias("repeat_victim"),
        "victim_reference",
        *[c for c in valid.columns if c == "_row"],
    )


FEED = Feed(
    restricted=True,
    name="police_da_incidents",
    description="Police domestic abuse incidents that are not crimes, with DASH risk and repeat-victim flag "
                "(references pseudonymised)",
    raw_table="raw.police_da_incidents",
    columns=COLUMNS,
    schema=SCHEMA,
    prepare=EXTRACT.prepare,
    to_raw=to_raw,
    signature=frozenset({"incident reference", "dash risk level"}),
    partitions="month",
    partition_hint=EXTRACT.partition_hint,
)
