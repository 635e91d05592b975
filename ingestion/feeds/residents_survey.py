"""The partnership's residents' survey, one row per respondent per wave (restricted).

Contract (README "residents_survey"): a CSV with the contract columns (found by name, any order
and case; extra columns ignored; a missing one rejects the file naming it), as the Lancashire
Talking panel exports it: respondent reference, wave (``2024-05`` or a financial quarter
``2024/25 Q1``), district (ONS code or name), age band, sex, survey weight and the answers to the
three perception questions (walking alone during the day, after dark; the police and council
dealing with what matters). The respondent reference is pseudonymised in ``prepare`` (HMAC-SHA256,
as the other restricted feeds), before anything is written.

Partition: the wave(s) the file holds (``2024-25-Q1``, or ``2024-25-Q1..2024-25-Q4`` for a file
with several); staging takes each wave from the latest loaded file that carries it, so a corrected
wave replaces the earlier one.
"""

from __future__ import annotations

import polars as pl

from ingestion import row_rules
from ingestion.errors import FileRejected
from ingestion.feeds.restricted_common import pseudonymised, select_contract
from ingestion.landing import LandedUnit
from ingestion.feed_contract import Feed, Prepared
from schemas.residents_survey import (
    AGREEMENT,
    SAFETY,
    SCHEMA,
    age_band_code,
    answer_code,
    district_code,
    sex_code,
    wave_parts,
    weight_value,
)

HEADER = {
    "Respondent Reference": "respondent_reference",
    "Wave": "wave",
    "District": "district",
    "Age Band": "age_band",
    "Sex": "sex",
    "Survey Weight": "weight",
    "Safe Alone Day": "safe_day",
    "Safe Alone After Dark": "safe_after_dark",
    "Agencies Dealing With Issues": "agencies_deal",
}
REFERENCES = ["respondent_reference"]
COLUMNS = {
    "respondent_reference": "VARCHAR",  # HMAC-SHA256 hex
    "wave": "VARCHAR",  # canonical key: 2024-05 or 2024-25-Q1
    "wave_label": "VARCHAR",  # 2024-05 or 2024/25 Q1
    "wave_kind": "VARCHAR",  # month | quarter
    "wave_start": "DATE",  # first day of the wave's first month
    "wave_end_month": "DATE",  # first day of the wave's last month
    "lad_code": "VARCHAR",  # ONS code of the district or unitary
    "age_band": "VARCHAR",  # 16-24 .. 75+, unknown
    "sex": "VARCHAR",  # M | F | O | U
    "weight": "DOUBLE",
    "safe_day": "VARCHAR",  # very_safe | fairly_safe | a_bit_unsafe | very_unsafe | dont_know
    "safe_after_dark": "VARCHAR",
    # strongly_agree | tend_to_agree | neither | tend_to_disagree | strongly_disagree | dont_know
    "agencies_deal": "VARCHAR",
}


def partition_key(frame: pl.DataFrame) -> str:
    """The waves the file holds, in time order: one key, or ``first..last``; rejected without any.
    A wave after the run's month (its rows are quarantined) does not stretch the partition."""
    now = row_rules.today()
    waves = (
        frame.select(key=wave_parts("wave")["key"], start=wave_parts("wave")["start"],
                     end=wave_parts("wave")["end"])
        .drop_nulls("key").filter(pl.col("start") <= pl.date(now.year, now.month, 1))
        .unique().sort("start", "end", "key")
        .get_column("key")
    )
    if waves.len() == 0:
        raise FileRejected("no row has a wave written like 2024-05 or 2024/25 Q1: the wave is the file's partition")
    first, last = waves[0], waves[-1]
    return first if first == last else f"{first}..{last}"


def prepare(text: pl.DataFrame, unit: LandedUnit) -> Prepared:
    frame = select_contract(text, HEADER)
    key = partition_key(frame)
    frame, source_text = pseudonymised(frame, text, HEADER, REFERENCES, unit)
    return Prepared(frame=frame, partition_key=key, source_text=source_text)


def to_raw(valid: pl.DataFrame) -> pl.DataFrame:
    wave = wave_parts("wave")
    return valid.select(
        "respondent_reference",
        wave["key"].alias("wave"),
        wave["label"].alias("wave_label"),
        wave["kind"].alias("wave_kind"),
        wave["start"].alias("wave_start"),
        wave["end"].alias("wave_end_month"),
        district_code("district").alias("lad_code"),
        age_band_code("age_band").alias("age_band"),
        sex_code("sex").alias("sex"),
        weight_value("weight").alias("weight"),
        answer_code("safe_day", SAFETY).alias("safe_day"),
        answer_code("safe_after_dark", SAFETY).alias("safe_after_dark"),
        answer_code("agencies_deal", AGREEMENT).alias("agencies_deal"),
        *[c for c in valid.columns if c == "_row"],
    )


FEED = Feed(
    restricted=True,
    name="residents_survey",
    description="The partnership's residents' survey, one row per respondent per wave: feeling safe during the "
                "day and after dark, agencies dealing with what matters, survey weights (references pseudonymised)",
    raw_table="raw.residents_survey",
    columns=COLUMNS,
    schema=SCHEMA,
    prepare=prepare,
    to_raw=to_raw,
    signature=frozenset({"respondent reference", "survey weight", "safe alone after dark"}),
    partitions="survey wave (YYYY-MM or YYYY-YY-Qn, or a range for a multi-wave file)",
)
