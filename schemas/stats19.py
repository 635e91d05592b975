"""Rules shared by the three STATS19 tables (DfT road safety open data: collision, vehicle, casualty).

DfT publishes every coded field as an integer and writes ``-1`` for "data missing or out of range";
that is normal data, not a failure, so -1 passes every integer rule, and every code rule whose list
has it. The code lists are not written here: each coded column reads its codes from the dbt seed
``code_lists`` (table, variable, code, label; the DfT data guide's lists, cross-checked against the
rOpenSci ``stats19`` schema and the 2024 files, including the historical codes 103-113 that older
years still carry), the same table the ``decode`` macro labels them with, so the row contract and
the warehouse cannot disagree about a code.

Each rule is named, so a quarantined row says which rule it broke:
``collision_index_format``, ``collision_year_matches_index``, ``code_known``, ``integer``,
``age_in_range``, ``positive_integer`` (vehicle and casualty references), ``probability``,
``lad_code_format``, ``lsoa_code_format``, ``date_parseable``, ``time_format``,
``coordinates_in_great_britain`` and ``required``.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import rules, seeds

INT32_MAX = 2**31 - 1
MISSING = ("-1",)  # DfT's "data missing or out of range"

# 4-digit year, then the in-year reference: digits (2016 onwards) or the older force-and-letters form
# (e.g. 200501BS00001); 9 to 20 characters in all. Scientific notation ("2.02401E+12") never passes.
COLLISION_INDEX_PATTERN = r"^(19|20)[0-9]{2}[0-9A-Za-z]{5,16}$"
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
TIME_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"
# Local authority (ONS) codes of Great Britain; STATS19 covers England, Wales and Scotland.
LAD_PATTERN = r"^[EWS][0-9]{8}$"


def collision_index(required: bool = True) -> pa.Column:
    return rules.text_column(
        rules.identifier(COLLISION_INDEX_PATTERN, "collision_index_format",
                         "collision_index must be 9-20 letters or digits starting with a 4-digit year "
                         "(never scientific notation such as 2.02401E+12)"),
        required_=required,
    )


def collision_year() -> pa.Column:
    """The data year; where the index is present too, it must start with this year."""
    year, index = pl.col("collision_year"), pl.col("collision_index")
    agrees = year.is_null() | index.is_null() | (year == index.str.slice(0, 4))
    return rules.text_column(
        rules.integer("integer", 1979, 2100, separators=False),
        rules.column_check(agrees, "collision_year_matches_index",
                           "collision_year must equal the first four characters of collision_index"),
    )


def codes(table: str, variable: str) -> tuple[int, ...]:
    """The published codes of ``variable`` in STATS19 table ``table`` (collision, vehicle, casualty)."""
    return seeds.integer_codes(table, variable)


def code(table: str, variable: str, required: bool = False) -> pa.Column:
    """A coded column: one of the ``code_lists`` seed's codes for ``table``.``variable`` (rule ``code_known``)."""
    return rules.text_column(rules.code_in(codes(table, variable), "code_known"), required_=required)


def integer(required: bool = False) -> pa.Column:
    """A whole number, -1 meaning missing."""
    return rules.text_column(rules.integer("integer", -1, INT32_MAX, separators=False), required_=required)


def age(required: bool = False) -> pa.Column:
    return rules.text_column(rules.integer("age_in_range", -1, 120, separators=False), required_=required)


def reference(required: bool = True) -> pa.Column:
    """vehicle_reference / casualty_reference: 1, 2, ... within the collision."""
    return rules.text_column(rules.integer("positive_integer", 1, INT32_MAX, separators=False), required_=required)


def probability() -> pa.Column:
    """Adjusted severity: a probability; empty or -1 when not published."""
    return rules.text_column(rules.number("probability", 0.0, 1.0, missing=MISSING))


def lad_code() -> pa.Column:
    return rules.text_column(
        rules.matches(LAD_PATTERN, "lad_code_format",
                      "local authority must be an ONS code like E08000032 (E/W/S + 8 digits), or -1", missing=MISSING)
    )


def lsoa_code() -> pa.Column:
    return rules.text_column(
        rules.matches(rules.LSOA_PATTERN, "lsoa_code_format",
                      "LSOA must look like E01012345 or W01001234, or -1", missing=MISSING)
    )


def date(required: bool = False) -> pa.Column:
    return rules.text_column(rules.date(DATE_FORMATS, "date_parseable"), required_=required)


def time() -> pa.Column:
    return rules.text_column(rules.matches(TIME_PATTERN, "time_format", "time must be HH:MM (24-hour clock)"))


def text() -> pa.Column:
    return rules.text_column()


def coordinates(lon: str = "longitude", lat: str = "latitude") -> pa.Column:
    return rules.text_column(rules.coordinates_in_gb(lon, lat, missing=MISSING))
