"""The seed ``police_forces``: every data.police.uk force slug and its police force area.

Relative position counts each force's rows in its own force area, so the seed must name every
territorial force of England and Wales once with the ONS code of its area (checked against the real
ONS PFA19 names and codes file, read in place), and British Transport Police and PSNI with none.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from schemas import rules, seeds

REAL_PFA = Path(__file__).resolve().parents[2] / "shared" / "real-data" / "ons_geography" / \
    "PFA19_names_codes_UK__jtrim-ons_csv_244.csv"
NO_FORCE_AREA = {"btp", "northern-ireland"}


@pytest.fixture(scope="module")
def forces() -> pl.DataFrame:
    return seeds.seed("police_forces")


def test_every_force_once(forces: pl.DataFrame) -> None:
    assert forces.columns == ["force_slug", "force_name", "reported_by", "pfa_code", "pfa_name"]
    assert forces.height == 45 and forces["force_slug"].is_unique().all()
    assert forces["force_slug"].str.contains(r"^[a-z]+(-[a-z]+)*$").all()
    assert set(forces.filter(pl.col("pfa_code").is_null())["force_slug"]) == NO_FORCE_AREA
    territorial = forces.filter(pl.col("pfa_code").is_not_null())
    assert territorial["pfa_code"].is_unique().all() and territorial["pfa_name"].null_count() == 0
    assert territorial["pfa_code"].str.contains(rules.PFA_PATTERN).all()
    assert forces["force_name"].null_count() == 0 and forces["reported_by"].is_unique().all()


def test_lancashire(forces: pl.DataFrame) -> None:
    """The one reported_by verified against a published file (../shared/real-data police_street)."""
    row = forces.filter(pl.col("force_slug") == "lancashire").row(0, named=True)
    assert row == {"force_slug": "lancashire", "force_name": "Lancashire", "reported_by": "Lancashire Constabulary",
                   "pfa_code": "E23000003", "pfa_name": "Lancashire"}
    areas = seeds.seed("lancashire_areas")
    assert areas.filter(pl.col("area_type") == "police_force_area")["area_code"].to_list() == [row["pfa_code"]]


@pytest.mark.real_data
def test_force_areas_are_the_ons_ones(forces: pl.DataFrame) -> None:
    """The 43 forces' codes are exactly the English and Welsh force areas of the ONS PFA19 file, with its names."""
    if not REAL_PFA.is_file():
        pytest.skip(f"real data not present at {REAL_PFA}")
    ons = pl.read_csv(REAL_PFA, infer_schema=False).filter(pl.col("PFA19CD").str.contains(r"^(E23|W15)"))
    seeded = forces.filter(pl.col("pfa_code").is_not_null())
    assert seeded.height == 43
    assert set(seeded["pfa_code"]) == set(ons["PFA19CD"])
    assert dict(zip(seeded["pfa_code"], seeded["pfa_name"])) == dict(zip(ons["PFA19CD"], ons["PFA19NM"]))
    welsh = seeded.filter(pl.col("pfa_code").str.starts_with("W15"))
    assert set(welsh["force_slug"]) == {"north-wales", "gwent", "south-wales", "dyfed-powys"}


def test_the_yml_format_test_is_the_rules_pattern() -> None:
    """The seed's dbt format test writes the force-area pattern of schemas/rules.py, not another one."""
    yml = (seeds.SEEDS_DIR / "_reference__seeds.yml").read_text(encoding="utf-8")
    assert f"regexp_matches(pfa_code, '{rules.PFA_PATTERN}')" in yml
    assert re.fullmatch(rules.PFA_PATTERN, "W15000004") and not re.fullmatch(rules.PFA_PATTERN, "S23000009")
