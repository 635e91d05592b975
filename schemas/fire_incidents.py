"""Row contract of the fire and rescue service's incident extract (one row per incident attended).

The categories are those of the Home Office Incident Recording System (IRS): the incident group
(fire, false alarm, special service), the fire type (primary, secondary, chimney), the cause
(deliberate, accidental, not known) and the property category. Their code values live in the
``code_lists`` seed (``table = fire_incidents``), the one list the schema and dbt share; a value
is compared in any case, with ``-``/``_`` read as spaces ("False Alarm", "false-alarm").

Rules (the names meta.quarantine.check_name carries):
``required``; ``incident_reference_format`` (judged before pseudonymisation);
``incident_reference_unique_in_file``; ``iso_datetime``; ``call_in_file_month``;
``incident_group_known``; ``fire_type_known`` (a known fire type when the incident is a fire,
empty otherwise); ``cause_known`` (a known cause when the incident is a fire; for other incidents
empty or a known cause); ``property_category_known``; ``lsoa_code_format``; ``area_code_format``
(a ward, E05/W05, or a local authority district or unitary, E06-E09/W06); ``location_required``
(an LSOA code or a ward or district code).
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import restricted, rules, seeds

# A ward (E05/W05) or a local authority district / unitary (E06, E07, E08, E09, W06) GSS code.
AREA_CODE_PATTERN = r"^(E0[5-9]|W0[56])[0-9]{6}$"
WARD_CODE_PATTERN = r"^[EW]05[0-9]{6}$"
CODED = ("incident_group", "fire_type", "cause", "property_category")


def code_list(variable: str) -> tuple[str, ...]:
    """The codes of one fire_incidents variable in the ``code_lists`` seed (lower case)."""
    return seeds.code_list("fire_incidents", variable)


def normalised_code(c: str | pl.Expr) -> pl.Expr:
    """'False-Alarm ' -> 'false alarm': lower case, '-' and '_' as spaces, spaces collapsed."""
    c = pl.col(c) if isinstance(c, str) else c
    return c.str.to_lowercase().str.replace_all(r"[-_\s]+", " ").str.strip_chars()


CODES = {variable: code_list(variable) for variable in CODED}
FIRE = "fire"


def _is_known(column: str) -> pl.Expr:
    return normalised_code(column).is_in(pl.Series(CODES[column], dtype=pl.Utf8).implode())


def _known(column: str, name: str, label: str) -> pa.Check:
    return rules._expr_check(lambda c: normalised_code(c).is_in(pl.Series(CODES[column], dtype=pl.Utf8).implode()),
                             name, f"{label} must be one of " + ", ".join(CODES[column]))


_CALL = restricted.parse_datetime("call_datetime")
_GROUP = normalised_code("incident_group")
_IS_FIRE = _GROUP == FIRE
_GROUP_KNOWN_NOT_FIRE = _GROUP.is_in(pl.Series(CODES["incident_group"], dtype=pl.Utf8).implode()) & ~_IS_FIRE

SCHEMA = pa.DataFrameSchema(
    name="fire_incidents",
    columns={
        "incident_reference": restricted.reference("incident_reference", required=True, unique_in_file=True),
        "call_datetime": rules.text_column(
            restricted.iso_datetime(),
            rules.column_check(
                (_CALL.dt.strftime("%Y-%m") == pl.col("_file_month")) | _CALL.is_null(),  # unparseable: iso_datetime
                "call_in_file_month", "the call must be in the month named in the file name",
            ),
            required_=True,
        ),
        "incident_group": rules.text_column(
            _known("incident_group", "incident_group_known", "incident group"), required_=True,
        ),
        # Judged with the incident group: a fire needs a known type, other incidents none. A row
        # whose group is unknown or missing fails on the group alone.
        "fire_type": rules.text_column(
            rules.column_check(
                pl.when(_IS_FIRE).then(_is_known("fire_type"))
                .when(_GROUP_KNOWN_NOT_FIRE).then(pl.col("fire_type").is_null())
                .otherwise(True),
                "fire_type_known",
                "fire type must be " + ", ".join(CODES["fire_type"]) + " when the incident is a fire, "
                "and empty otherwise",
                ignore_na=False,
            ),
        ),
        "cause": rules.text_column(
            rules.column_check(
                pl.when(_IS_FIRE).then(_is_known("cause"))
                .otherwise(pl.col("cause").is_null() | _is_known("cause")),
                "cause_known",
                "cause must be " + ", ".join(CODES["cause"]) + " (required when the incident is a fire)",
                ignore_na=False,
            ),
        ),
        "property_category": rules.text_column(
            _known("property_category", "property_category_known", "property category"), required_=True,
        ),
        "lsoa_code": rules.text_column(
            rules.matches(rules.LSOA_PATTERN, "lsoa_code_format", "LSOA code must look like E01012345"),
            rules.column_check(
                pl.col("lsoa_code").is_not_null() | pl.col("area_code").is_not_null(), "location_required",
                "an incident needs an LSOA code or, when it has none, a ward or district code", ignore_na=False,
            ),
        ),
        "area_code": rules.text_column(
            rules.matches(AREA_CODE_PATTERN, "area_code_format",
                          "ward or district code must look like E05001234 (ward) or E07000123 (district)"),
        ),
        **restricted.helper("_file_month"),
        **restricted.helper("_incident_reference_ok"),
    },
    strict=False,
)
