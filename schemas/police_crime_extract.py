"""Row contract of the police force's restricted crime extract (one row per recorded crime).

Rules (the names meta.quarantine.check_name carries):
``required``; ``crime_reference_format`` / ``victim_reference_format`` (judged before the reference
is pseudonymised); ``crime_reference_unique_in_file`` (a crime is one row: a second row with the same
reference is quarantined, the first loads); ``iso_date`` / ``iso_datetime``;
``recorded_in_file_month`` (the file's month is its partition, so a crime recorded in another
month belongs in another file); ``committed_before_recorded`` (committed-from is not after the
recorded date); ``committed_to_not_before_from``; ``offence_code_format`` and
``offence_code_known`` (in the Home Office offence code reference seed); ``lsoa_code_format``;
``flag_y_or_n``; ``victim_age_band_known``; ``victim_sex_known``.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import restricted, rules, seeds

OFFENCE_CODE_PATTERN = r"^0*[0-9]{1,3}(\.[0-9]{1,2})?[A-Za-z]?$"
AGE_BANDS = ("0-9", "10-14", "15-17", "18-20", "21-25", "26-34", "35-44", "45-54", "55-64", "65+", "Unknown")
SEXES = ("M", "F", "U")
FLAGS = (
    "flag_domestic_abuse", "flag_hate_race", "flag_hate_religion", "flag_hate_sexual_orientation",
    "flag_hate_transgender", "flag_hate_disability", "flag_alcohol", "flag_cse", "flag_cce", "flag_ocg",
    "flag_knife",
)


def known_offence_codes() -> pl.Series:
    """The Home Office offence codes of the reference seed: the one list the schema and dbt share."""
    return seeds.offence_codes()


def normalised_offence_code(c: pl.Expr) -> pl.Expr:
    """'08n' -> '8N': upper case, no leading zeros (forces export both)."""
    return c.str.to_uppercase().str.replace(r"^0+([0-9])", "$1")


_KNOWN = known_offence_codes()
_RECORDED = restricted.parse_date("recorded_date")
_FROM = restricted.parse_datetime("committed_from")
_TO = restricted.parse_datetime("committed_to")

SCHEMA = pa.DataFrameSchema(
    name="police_crime_extract",
    columns={
        "crime_reference": restricted.reference("crime_reference", required=True, unique_in_file=True),
        "recorded_date": rules.text_column(
            restricted.iso_date(),
            rules.column_check(_RECORDED.dt.strftime("%Y-%m") == pl.col("_file_month"), "recorded_in_file_month",
                               "the recorded date must be in the month named in the file name"),
            required_=True,
        ),
        "committed_from": rules.text_column(
            restricted.iso_datetime(),
            rules.column_check((_FROM.dt.date() <= _RECORDED) | _RECORDED.is_null(), "committed_before_recorded",
                               "the offence cannot be committed after it was recorded"),
            required_=True,
        ),
        "committed_to": rules.text_column(
            restricted.iso_datetime(),
            rules.column_check((_TO >= _FROM) | _FROM.is_null(), "committed_to_not_before_from",
                               "committed-to must not be before committed-from"),
        ),
        "ho_offence_code": rules.text_column(
            rules.matches(OFFENCE_CODE_PATTERN, "offence_code_format",
                          "Home Office offence code like 8N, 105A, 4.1"),
            rules._expr_check(lambda c: normalised_offence_code(c).is_in(_KNOWN.implode()), "offence_code_known",
                              "the offence code is not in the Home Office offence code reference"),
            required_=True,
        ),
        "ho_offence_description": rules.text_column(),
        "lsoa_code": rules.text_column(
            rules.matches(rules.LSOA_PATTERN, "lsoa_code_format", "LSOA code must look like E01012345"),
        ),
        **{flag: restricted.yes_no() for flag in FLAGS},
        "victim_reference": restricted.reference("victim_reference", required=False, unique_in_file=False),
        "victim_age_band": rules.text_column(
            rules.one_of(AGE_BANDS, "victim_age_band_known", "victim age band must be one of " + ", ".join(AGE_BANDS)),
        ),
        "victim_sex": rules.text_column(rules.one_of(SEXES, "victim_sex_known", "victim sex must be M, F or U")),
        "outcome": rules.text_column(),
        **restricted.helper("_file_month"),
        **restricted.helper("_crime_reference_ok"),
        **restricted.helper("_victim_reference_ok"),
    },
    strict=False,
)
