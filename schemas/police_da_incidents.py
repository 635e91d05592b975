"""Row contract of the police domestic abuse incidents extract (DA incidents that are not crimes).

Rules: ``required``; ``incident_reference_format`` / ``victim_reference_format`` (judged before
pseudonymisation); ``incident_reference_unique_in_file``; ``iso_datetime``;
``incident_in_file_month``; ``lsoa_code_format``; ``dash_risk_known`` (Standard, Medium or High,
any case); ``flag_y_or_n``.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import restricted, rules

DASH_LEVELS = ("standard", "medium", "high")

SCHEMA = pa.DataFrameSchema(
    name="police_da_incidents",
    columns={
        "incident_reference": restricted.reference("incident_reference", required=True, unique_in_file=True),
        "incident_datetime": rules.text_column(
            restricted.iso_datetime(),
            rules.column_check(
                restricted.parse_datetime("incident_datetime").dt.strftime("%Y-%m") == pl.col("_file_month"),
                "incident_in_file_month", "the incident must be in the month named in the file name",
            ),
            required_=True,
        ),
        "lsoa_code": rules.text_column(
            rules.matches(rules.LSOA_PATTERN, "lsoa_code_format", "LSOA code must look like E01012345"),
        ),
        "dash_risk_level": rules.text_column(
            rules._expr_check(lambda c: c.str.to_lowercase().is_in(pl.Series(DASH_LEVELS).implode()),
                              "dash_risk_known", "DASH risk level must be Standard, Medium or High"),
            required_=True,
        ),
        "repeat_victim": restricted.yes_no(),
        "victim_reference": restricted.reference("victim_reference", required=False, unique_in_file=False),
        **restricted.helper("_file_month"),
        **restricted.helper("_incident_reference_ok"),
        **restricted.helper("_victim_reference_ok"),
    },
    strict=False,
)
