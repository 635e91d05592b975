"""One source for every code list: the feeds' row contracts accept exactly the codes of the dbt seeds.

The STATS19 and fire codes live in the ``code_lists`` seed, the police.uk crime types in
``police_crime_types``, the Home Office offence codes in ``home_office_offence_codes``; dbt decodes
and counts by them, and the Pandera schemas read them (``schemas/seeds.py``). These tests fail if a
second copy comes back: a schema whose coded column accepts other codes than the seed's, a Python
module under ``schemas/`` holding a literal list of a seed's codes, or a dbt model naming a crime
type in its SQL (the catalogue's ``filter_sql`` naming a type is data, not a model, and is fine).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandera.polars as pa
import polars as pl
import pytest

from schemas import police_street, seeds, stats19_casualty, stats19_collision, stats19_vehicle

REPO = Path(__file__).resolve().parents[1]
STATS19 = {"collision": stats19_collision.SCHEMA, "vehicle": stats19_vehicle.SCHEMA,
           "casualty": stats19_casualty.SCHEMA}
# Every integer a STATS19 code could plausibly be, and then some: the codes a column accepts among them.
CANDIDATES = [str(i) for i in range(-5, 1000)]


def _accepted(schema: pa.DataFrameSchema, column: str, values: list[str]) -> set[str]:
    """The values the column's rules accept, each judged alone (the column's checks only)."""
    one = pa.DataFrameSchema({column: schema.columns[column]})
    try:
        one.validate(pl.DataFrame({column: values}, schema={column: pl.Utf8}), lazy=True)
        return set(values)
    except pa.errors.SchemaErrors as e:
        failed = set(e.failure_cases.get_column("failure_case").cast(pl.Utf8).to_list())
        return set(values) - failed


def _coded_columns() -> list[tuple[str, str]]:
    """(table, column) of every STATS19 column with the ``code_known`` rule."""
    return [(table, name) for table, schema in STATS19.items() for name, column in schema.columns.items()
            if any(check.name == "code_known" for check in column.checks)]


def test_every_stats19_code_list_of_the_schemas_is_in_the_seed() -> None:
    seed = seeds.seed("code_lists")
    seeded = set(zip(seed["table"], seed["variable"], strict=True))
    coded = _coded_columns()
    assert len(coded) == 14, coded
    assert set(coded) <= seeded, set(coded) - seeded


@pytest.mark.parametrize("table, column", _coded_columns())
def test_a_stats19_column_accepts_exactly_the_seed_codes(table: str, column: str) -> None:
    seed_codes = set(seeds.code_list(table, column))
    assert _accepted(STATS19[table], column, CANDIDATES) == seed_codes & set(CANDIDATES)
    assert seed_codes <= set(CANDIDATES)


def test_sex_codes_are_the_dft_guides() -> None:
    """DfT data guide 2024: casualties 1, 2, 9 (unknown, self reported), -1; drivers 1, 2, 3 (not known), -1."""
    assert _accepted(stats19_casualty.SCHEMA, "sex_of_casualty", CANDIDATES) == {"1", "2", "9", "-1"}
    assert _accepted(stats19_vehicle.SCHEMA, "sex_of_driver", CANDIDATES) == {"1", "2", "3", "-1"}


def test_police_street_accepts_exactly_the_seed_crime_types() -> None:
    types = list(seeds.crime_types())
    assert police_street.CRIME_TYPES == tuple(types)
    candidates = [*types, "Public disorder", "anti-social behaviour", "Theft", "Other"]
    assert _accepted(police_street.SCHEMA, "crime_type", candidates) == set(types)


# --- no second copy in the source ---------------------------------------------------------------
def _seed_lists() -> dict[str, set[str]]:
    """Every code list of the seeds, by name, as text."""
    lists: dict[str, set[str]] = {}
    for (table, variable), group in seeds.seed("code_lists").group_by(["table", "variable"]):
        lists[f"code_lists {table}.{variable}"] = set(group["code"])
    lists["police_crime_types"] = set(seeds.crime_types())
    lists["home_office_offence_codes"] = set(seeds.offence_codes())
    return lists


def _literal_values(node: ast.AST) -> list[str]:
    """The constant elements of a literal tuple/list/set, ``-1`` and ``*range(a, b)`` included, as text."""
    values: list[str] = []
    for element in getattr(node, "elts", []):
        if isinstance(element, ast.Constant) and isinstance(element.value, (int, str)):
            values.append(str(element.value))
        elif isinstance(element, ast.UnaryOp) and isinstance(element.op, ast.USub) \
                and isinstance(element.operand, ast.Constant):
            values.append(str(-element.operand.value))
        elif isinstance(element, ast.Starred) and isinstance(element.value, ast.Call) \
                and getattr(element.value.func, "id", None) == "range" \
                and all(isinstance(a, ast.Constant) for a in element.value.args):
            values.extend(str(i) for i in range(*(a.value for a in element.value.args)))
    return values


def _copies_in(path: Path, lists: dict[str, set[str]], root: Path = REPO) -> list[str]:
    """Every literal tuple/list/set of 3 or more values in ``path`` that all belong to one seed list."""
    copies = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            continue
        values = set(_literal_values(node))
        if len(values) < 3:
            continue
        holders = [name for name, codes in lists.items() if values <= codes]
        if holders:
            copies.append(f"{path.relative_to(root)}:{node.lineno} {sorted(values)} is a copy of "
                          f"{' or '.join(sorted(holders)[:3])}{' or ...' if len(holders) > 3 else ''}")
    return copies


def test_no_schema_module_holds_a_copy_of_a_seed_code_list() -> None:
    lists = _seed_lists()
    copies = [c for path in sorted((REPO / "schemas").glob("*.py")) for c in _copies_in(path, lists)]
    assert not copies, "\n".join(copies)


def test_the_copy_detector_finds_the_old_tuples(tmp_path: Path) -> None:
    """The detector itself: the tuples schemas/stats19.py and police_street.py used to hold are found."""
    old = tmp_path / "old.py"
    old.write_text('SEXES = (1, 2, 3, 9, -1)\nAGE_BANDS = (*range(1, 12), -1)\nSEVERITIES = (1, 2, 3)\n'
                   'CRIME_TYPES = ("Anti-social behaviour", "Bicycle theft", "Burglary")\n', encoding="utf-8")
    copies = _copies_in(old, _seed_lists(), root=tmp_path)
    assert {int(re.search(r":(\d+) ", c).group(1)) for c in copies} == {1, 2, 3, 4}


def test_no_dbt_model_names_a_crime_type() -> None:
    """Models read the crime types (and which are anti-social behaviour) from the seed, never a literal."""
    types = sorted(seeds.crime_types(), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(f"'{t}'") for t in types), re.IGNORECASE)
    named = [f"{p.relative_to(REPO)}: {m.group(0)}" for p in sorted((REPO / "dbt_project" / "models").rglob("*.sql"))
             for m in pattern.finditer(p.read_text(encoding="utf-8"))]
    assert not named, "\n".join(named)
