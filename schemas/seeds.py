"""The dbt reference seeds the row contracts read, so that each code list is written once.

A code list that both a feed's schema (what a row may hold) and the dbt models (how a code is
decoded or counted) need lives in a seed of the dbt project, never as a second copy in Python:
the STATS19 and fire codes in ``code_lists`` (one long table of table, variable, code, label, as
the rOpenSci ``stats19`` package keeps the DfT schema), the police.uk crime types in
``police_crime_types`` and the Home Office offence codes in ``home_office_offence_codes``.
Each seed file is read once per process (cached); the frames are read-only by convention.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from warehouse.settings import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"


@cache
def seed(name: str) -> pl.DataFrame:
    """The seed ``name`` as text columns, exactly as written (no type inference: ``01`` stays ``01``)."""
    return pl.read_csv(SEEDS_DIR / f"{name}.csv", infer_schema=False)


def code_list(table: str, variable: str) -> tuple[str, ...]:
    """The codes of one variable of one table in the ``code_lists`` seed, in the seed's order.

    A variable the seed does not have is an error, not an empty list: an empty list would
    quarantine every row, and a schema naming a variable the seed lacks is a second source.
    """
    codes = tuple(seed("code_lists").filter((pl.col("table") == table) & (pl.col("variable") == variable))
                  .get_column("code").to_list())
    if not codes:
        raise KeyError(f"the code_lists seed has no codes for {table}.{variable}")
    return codes


def integer_codes(table: str, variable: str) -> tuple[int, ...]:
    """The codes of a numerically coded variable (STATS19) as integers."""
    return tuple(int(c) for c in code_list(table, variable))


def crime_types() -> tuple[str, ...]:
    """Every crime type data.police.uk publishes, current and legacy (seed ``police_crime_types``)."""
    return tuple(seed("police_crime_types").get_column("crime_type").to_list())


def offence_codes() -> pl.Series:
    """The Home Office offence codes of the ``home_office_offence_codes`` seed, upper case."""
    return seed("home_office_offence_codes").get_column("ho_offence_code").str.to_uppercase()
