"""Relative position on a small landing of its own: rates of every area whose police.uk files are
landed, the peer groups (marts.dim_peer_group) and the comparison (marts.mart_peer_comparison).

The landing is written here, in the formats the partners and ONS publish (police.uk street files
of three forces and British Transport Police, an LSOA -> district lookup with IMD ranks, a
district -> CSP -> police force area lookup, LSOA populations in the long format, population by
sex and age for some districts). EVERYTHING IN IT IS SYNTHETIC; the codes are real in format only
(the Lancashire districts and CSPs are the seeds'). It goes through the real loader into a
throw-away warehouse, and dbt builds the relative-position models and their parents (with their
tests and unit tests), in this process, as tests/test_trace_units.py builds its small warehouse:
no nightly job. The expected counts, populations, rates, group averages and ranks are recomputed
here from the landed files with Polars, not read from the warehouse.

The second half runs on the real files of ../shared/real-data in place (skipped without them):
Lancashire's police months, the England and Wales LSOA population, the ONS IMD 2019 lookup and
the LAD19 -> CSP19 -> PFA19 lookup.
"""

from __future__ import annotations

import csv
import math
import os
import shutil
from itertools import count
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from ingestion.loader import ingest_landing
from ingestion.pseudonymise import KEY_VARIABLE
from orchestration.dbt_project import dbt_vars
from orchestration.dbt_column_lineage import close_dbt_duckdb_connection
from warehouse.peer_statistics import nearest_peers
from warehouse.settings import DBT_PROJECT_DIR, load_settings

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "real-data"

# Every test here reads a warehouse this module builds with dbt (left out by `make test-fast`).
pytestmark = pytest.mark.night

POLICE_HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
                 "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"]
MONTHS = [f"{y}-{m:02d}" for y, m in [(2023, m) for m in range(4, 13)] + [(2024, m) for m in range(1, 4)]]
MERSEYSIDE_MISSING = "2023-08"  # Merseyside's file for August 2023 never came
FORCE_NAMES = {"lancashire": "Lancashire Constabulary", "cumbria": "Cumbria Constabulary",
               "merseyside": "Merseyside Police", "btp": "British Transport Police"}
PFA = {"lancashire": ("E23000003", "Lancashire"), "cumbria": ("E23000002", "Cumbria"),
       "merseyside": ("E23000004", "Merseyside")}
# district code, name, CSP code, CSP name, force; Lancashire's from the lancashire_areas seed
OTHER_DISTRICTS = [
    ("E07000026", "Allerdale", "E22000020", "Allerdale", "cumbria"),
    ("E07000028", "Carlisle", "E22000021", "Carlisle", "cumbria"),
    ("E08000012", "Liverpool", "E22000030", "Liverpool", "merseyside"),
    ("E08000014", "Sefton", "E22000031", "Sefton", "merseyside"),
]
PRESTON_CSP, LANCASTER_CSP, BURNLEY_CSP = "E22000158", "E22000156", "E22000152"
CROSS_BORDER_LAD = "E07000121"  # Lancaster: Cumbria's files report a few rows in it
CRIME_TYPES = ["Burglary", "Violence and sexual offences", "Vehicle crime", "Shoplifting", "Anti-social behaviour"]
SETTINGS = f"""
[peers]
forces = ["cumbria", "merseyside", "btp"]
csp_k = 3

[peers.csp]
"{PRESTON_CSP}" = ["E22000030", "{BURNLEY_CSP}"]
"""
K = 3


def _seed(name: str) -> pl.DataFrame:
    return pl.read_csv(REPO / "dbt_project" / "seeds" / f"{name}.csv", infer_schema=False)


def _districts() -> pl.DataFrame:
    """Every district of the landing: code, name, CSP, force."""
    lancs = _seed("lancashire_areas").filter(pl.col("area_type").is_in(["district", "unitary"])).select(
        pl.col("area_code").alias("lad_code"), pl.col("area_name").alias("lad_name"), "csp_code",
        pl.col("area_name").alias("csp_name"), pl.lit("lancashire").alias("force"))
    others = pl.DataFrame(OTHER_DISTRICTS, schema=["lad_code", "lad_name", "csp_code", "csp_name", "force"],
                          orient="row")
    return pl.concat([lancs, others])


def _lsoas(districts: pl.DataFrame) -> pl.DataFrame:
    """Two or three LSOAs a district, with an IMD rank and two years of population."""
    rng = np.random.default_rng(7)
    rows, number = [], count(1)
    for i, d in enumerate(districts.iter_rows(named=True)):
        for j in range(2 + i % 2):
            rows.append({"lsoa_code": f"E01{100000 + next(number):06d}", "lsoa_name": f"{d['lad_name']} {j + 1:03d}A",
                         "lad_code": d["lad_code"], "lad_name": d["lad_name"],
                         "imd_rank": int(rng.integers(1, 32845)),
                         "population_2022": int(rng.integers(1200, 2600) * (1 + i % 5)),
                         "growth": int(rng.integers(-40, 90))})
    return pl.DataFrame(rows).with_columns((pl.col("population_2022") + pl.col("growth")).alias("population_2023"))


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def _police_rows(force: str, month: str, lsoas: pl.DataFrame, rng: np.random.Generator, ids: count) -> list[list]:
    """A month of a force's street file: rows in its own LSOAs, a No Location row, and a row in
    another force's area (Cumbria in Lancaster, Lancashire in Carlisle, as real files have)."""
    name = FORCE_NAMES[force]
    rows = []
    for lsoa in lsoas.iter_rows(named=True):
        for _ in range(int(rng.integers(1, 6))):
            crime_type = CRIME_TYPES[int(rng.integers(0, len(CRIME_TYPES)))]
            crime_id = "" if crime_type == "Anti-social behaviour" else f"{next(ids):064x}"
            outcome = "" if crime_type == "Anti-social behaviour" else "Under investigation"
            rows.append([crime_id, month, name, name, "-2.700000", "53.760000", "On or near Church Street",
                         lsoa["lsoa_code"], lsoa["lsoa_name"], crime_type, outcome, ""])
    rows.append([f"{next(ids):064x}", month, name, name, "", "", "No Location", "", "", "Burglary",
                 "Under investigation", ""])
    return rows


@pytest.fixture(scope="module")
def landing_data() -> dict[str, pl.DataFrame]:
    districts = _districts()
    return {"districts": districts, "lsoas": _lsoas(districts)}


def _write_landing(landing: Path, data: dict[str, pl.DataFrame]) -> None:
    districts, lsoas = data["districts"], data["lsoas"]
    lsoas_by_force = lsoas.join(districts.select("lad_code", "force"), on="lad_code")
    rng, ids = np.random.default_rng(11), count(1)
    for force in ("lancashire", "cumbria", "merseyside"):
        own = lsoas_by_force.filter(pl.col("force") == force)
        elsewhere = {"lancashire": "E07000028", "cumbria": CROSS_BORDER_LAD, "merseyside": None}[force]
        for month in MONTHS:
            if force == "merseyside" and month == MERSEYSIDE_MISSING:
                continue
            rows = _police_rows(force, month, own, rng, ids)
            if elsewhere:
                rows += _police_rows(force, month, lsoas.filter(pl.col("lad_code") == elsewhere).head(1), rng, ids)[:-1]
            _write_csv(landing / "police_street" / f"{month}-{force}-street.csv", POLICE_HEADER, rows)
    # British Transport Police: rows at stations in Preston and Liverpool, counted nowhere
    btp = lsoas.filter(pl.col("lad_code").is_in(["E07000123", "E08000012"]))
    _write_csv(landing / "police_street" / f"{MONTHS[0]}-btp-street.csv", POLICE_HEADER,
               _police_rows("btp", MONTHS[0], btp, rng, ids))
    # the ONS IMD 2019 lookup (LSOA11 -> LAD19 with the LSOA's IMD rank), as the real file
    _write_csv(landing / "ons_lsoa_lookup" / "IMD_Dec2019_LSOA11_LAD19_lookup_England.csv",
               ["LSOA11CD", "LSOA11NM", "LAD19CD", "LAD19NM", "IMD19", "FID"],
               [[r["lsoa_code"], r["lsoa_name"], r["lad_code"], r["lad_name"], r["imd_rank"], i]
                for i, r in enumerate(lsoas.iter_rows(named=True), 1)])
    # the ONS LAD19 -> CSP19 -> PFA19 lookup, as the real file
    _write_csv(landing / "ons_lad_csp_pfa" / "LAD19_CSP19_PFA19_EW_lookup.csv",
               ["FID", "LAD19CD", "LAD19NM", "CSP19CD", "CSP19NM", "PFA19CD", "PFA19NM"],
               [[i, d["lad_code"], d["lad_name"], d["csp_code"], d["csp_name"], *PFA[d["force"]]]
                for i, d in enumerate(districts.iter_rows(named=True), 1)])
    # small-area populations, long format (as the demo writes them)
    _write_csv(landing / "population" / "lsoa_population_mid2022_mid2023.csv", ["Year", "LSOA Code", "Population"],
               [[year, r["lsoa_code"], r[f"population_{year}"]] for year in (2022, 2023)
                for r in lsoas.iter_rows(named=True)])
    # population by sex and single year of age for Lancashire's districts and Liverpool only
    covered = districts.filter((pl.col("force") == "lancashire") | (pl.col("lad_code") == "E08000012"))
    _write_csv(landing / "population_sex_age" / "mye_2023_sex_age.csv",
               ["ladcode", "laname", "sex", "age", "population", "year"],
               [[d["lad_code"], d["lad_name"], sex, age, 300 + (age * 7 + i * 13 + sex * 5) % 400, 2023]
                for i, d in enumerate(covered.iter_rows(named=True)) for sex in (1, 2) for age in range(91)])


def _build(home: Path, select: list[str]) -> tuple[object, dict]:
    from dbt.cli.main import dbtRunner

    landing, db = home / "landing", home / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(KEY_VARIABLE, "peer-comparison-test-key")
        loads = ingest_landing(db, landing, "run-1")
        mp.setenv("CSW_WAREHOUSE_PATH", str(db))
        mp.setenv("CSW_REPO_ROOT", str(REPO))
        result = dbtRunner().invoke([
            "build", "--select", *select, "--indirect-selection", "cautious",
            "--vars", dbt_vars(load_settings(home)),
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(home / "target"), "--log-path", str(home / "logs"), "--quiet",
        ])
    if result.exception is not None:
        raise result.exception
    failures = [f"{r.node.unique_id}: {r.status} {r.message or ''}" for r in (result.result or [])
                if str(r.status) not in {"pass", "success"}]
    assert result.success and not failures, failures
    return result, loads


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, landing_data):
    home = tmp_path_factory.mktemp("peer_home")
    (home / "settings.toml").write_text(SETTINGS, encoding="utf-8")
    _write_landing(home / "landing", landing_data)
    result, loads = _build(home, ["+mart_peer_comparison", "+dim_peer_group"])
    assert {r.status for rs in loads.values() for r in rs} == {"loaded"}, {
        f: [(r.file_name, r.status, r.reason) for r in rs if r.status != "loaded"] for f, rs in loads.items()}
    close_dbt_duckdb_connection()  # dbt-duckdb keeps its handle, opened with the [duckdb] settings
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    yield {"con": con, "landing": home / "landing", "result": result, **landing_data}
    con.close()


# --- the expected values, from the landed files ---------------------------------------------------

def _periods() -> pl.DataFrame:
    """Financial quarters, rolling 12 months and the financial year within the landed months."""
    quarters = [("2023/24", q, MONTHS[3 * q - 3:3 * q]) for q in range(1, 5)]
    rows = [{"period_type": "quarter", "financial_year": fy, "fy_quarter": q, "months": m} for fy, q, m in quarters]
    rows.append({"period_type": "rolling_12m", "financial_year": "2023/24", "fy_quarter": 4, "months": MONTHS})
    rows.append({"period_type": "financial_year", "financial_year": "2023/24", "fy_quarter": None, "months": MONTHS})
    return pl.DataFrame(rows)


def _expected_counts(landing: Path, data: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """indicator x area (csp / force_area) x period counts, recounted from the landed police files."""
    files = sorted((landing / "police_street").glob("*-street.csv"))
    rows = pl.concat([pl.read_csv(f, infer_schema=False).with_columns(
        pl.lit(f.name[8:-len("-street.csv")]).alias("force")) for f in files])
    rows = rows.filter(pl.col("force") != "btp")  # British Transport Police counts nowhere
    lsoa_csp = data["lsoas"].join(data["districts"], on="lad_code").select(
        pl.col("lsoa_code").alias("LSOA code"), "csp_code")
    rows = rows.join(lsoa_csp, on="LSOA code", how="left").with_columns(
        pl.col("force").replace_strict({f: p[0] for f, p in PFA.items()}).alias("pfa_code"))
    indicators = {"all_crime": pl.col("Crime type") != "Anti-social behaviour",
                  "asb_incidents": pl.col("Crime type") == "Anti-social behaviour",
                  "crime_burglary": pl.col("Crime type") == "Burglary"}
    out = []
    for period in _periods().iter_rows(named=True):
        in_period = rows.filter(pl.col("Month").is_in(period["months"]))
        for indicator, condition in indicators.items():
            chosen = in_period.filter(condition)
            for area_type, column in (("csp", "csp_code"), ("force_area", "pfa_code")):
                counted = chosen.filter(pl.col(column).is_not_null()).group_by(column).len()
                out += [{"indicator_id": indicator, "area_type": area_type, "area_code": code, "count": n,
                         "period_type": period["period_type"], "fy_quarter": period["fy_quarter"]}
                        for code, n in counted.iter_rows()]
    return pl.DataFrame(out)


def _expected_population(data: dict[str, pl.DataFrame], area_type: str, code: str, period_end: str) -> int:
    """Population of the period end's calendar year or the latest earlier year loaded (2022, 2023)."""
    year = min(int(period_end[:4]), 2023)
    lsoas = data["lsoas"].join(data["districts"], on="lad_code")
    column = "csp_code" if area_type == "csp" else "force"
    key = code if area_type == "csp" else next(f for f, p in PFA.items() if p[0] == code)
    return int(lsoas.filter(pl.col(column) == key)[f"population_{year}"].sum())


def _mart(con, where: str = "true", params: list | None = None) -> pl.DataFrame:
    return con.execute(f"select * from marts.mart_peer_comparison where {where}", params or []).pl()


# --- the tests ----------------------------------------------------------------------------------

def test_the_models_and_their_tests_and_unit_tests_ran(small) -> None:
    ran = {r.node.unique_id.split(".")[-1] if r.node.resource_type == "model" else r.node.unique_id
           for r in small["result"].result}
    assert {"dim_peer_group", "mart_peer_comparison", "mart_comparison_area_monthly",
            "mart_peer_comparison__member_periods", "int_csp_peer_variables"} <= ran
    assert any(uid.startswith("unit_test.") and "int_comparison" in uid for uid in ran if isinstance(uid, str))
    assert any(uid.startswith("test.") and "mart_peer_comparison" in uid for uid in ran if isinstance(uid, str))


def test_force_group_is_the_settings_forces_in_their_order(small) -> None:
    rows = small["con"].execute(
        "select member_area_code, member_force, member_rank, is_focus_area, method, k, group_note "
        "from marts.dim_peer_group where focus_area_type = 'force_area' order by member_rank").fetchall()
    assert [r[:4] for r in rows] == [("E23000003", "lancashire", 0, True), ("E23000002", "cumbria", 1, False),
                                     ("E23000004", "merseyside", 2, False)]
    assert {r[4] for r in rows} == {"setting"} and {r[5] for r in rows} == {2}
    assert "btp" in rows[0][6]  # a slug without a force area is left out, and the group says so


def test_csp_groups_are_k_nearest_on_the_variables_recomputed_here(small) -> None:
    data = small
    groups = small["con"].execute(
        "select focus_area_code, member_area_code, member_rank, distance, method, k, variables "
        "from marts.dim_peer_group where focus_area_type = 'csp' order by focus_area_code, member_rank").pl()
    lancashire_csps = set(data["districts"].filter(pl.col("force") == "lancashire")["csp_code"])
    assert set(groups["focus_area_code"]) == lancashire_csps
    # the variables, from the landed files: log population (2023), population-weighted IMD rank,
    # share aged 15-24 (the age file covers Lancashire's districts and Liverpool only)
    lsoas = data["lsoas"].join(data["districts"], on="lad_code")
    variables = lsoas.group_by("csp_code").agg(
        pl.col("population_2023").sum().log().alias("log_population"),
        ((pl.col("imd_rank") * pl.col("population_2023")).sum() / pl.col("population_2023").sum())
        .alias("imd_average_rank"),
    ).sort("csp_code")
    young = {d: sum(300 + (a * 7 + i * 13 + s * 5) % 400 for s in (1, 2) for a in range(15, 25))
             / sum(300 + (a * 7 + i * 13 + s * 5) % 400 for s in (1, 2) for a in range(91))
             for i, d in enumerate(data["districts"].filter(
                 (pl.col("force") == "lancashire") | (pl.col("lad_code") == "E08000012"))["lad_code"])}
    csp_of = dict(data["districts"].select("lad_code", "csp_code").iter_rows())
    share = {csp_of[lad]: s for lad, s in young.items()}  # one district per CSP here
    variables = variables.with_columns(pl.col("csp_code").replace_strict(share, default=None)
                                       .cast(pl.Float64).alias("share_aged_15_24"))
    expected = nearest_peers(variables["csp_code"].to_list(),
                             variables.select("log_population", "imd_average_rank", "share_aged_15_24").to_numpy(),
                             k=K)
    computed = groups.filter((pl.col("method") == "nearest_neighbours") & (pl.col("member_rank") > 0))
    for focus in lancashire_csps - {PRESTON_CSP}:
        mine = expected[expected["area"] == focus]
        got = computed.filter(pl.col("focus_area_code") == focus)
        assert got["member_area_code"].to_list() == mine["peer"].tolist(), focus
        assert got["distance"].to_list() == pytest.approx(mine["distance"].tolist(), rel=1e-9)
        assert len(got) == K and set(got["k"]) == {K}
    assert set(computed["variables"]) == {"log_population, imd_average_rank, share_aged_15_24"}
    # Preston's group is the setting's list, in its order
    preston = groups.filter(pl.col("focus_area_code") == PRESTON_CSP)
    assert preston["member_area_code"].to_list() == [PRESTON_CSP, "E22000030", BURNLEY_CSP]
    assert set(preston["method"]) == {"setting"} and preston["distance"].null_count() == 3


def test_rates_are_counts_and_populations_recomputed_from_the_landed_files(small) -> None:
    expected = _expected_counts(small["landing"], small)
    mart = _mart(small["con"], "indicator_id in ('all_crime', 'asb_incidents', 'crime_burglary') "
                               "and member_status = 'available'")
    assert len(mart) > 0
    checked = 0
    for row in mart.iter_rows(named=True):
        match = expected.filter((pl.col("indicator_id") == row["indicator_id"])
                                & (pl.col("area_code") == row["area_code"])
                                & (pl.col("period_type") == row["period_type"])
                                & (pl.col("fy_quarter").eq_missing(row["fy_quarter"])))
        want = int(match["count"].sum()) if len(match) else 0
        assert row["count"] == want, row
        population = _expected_population(small, row["area_type"], row["area_code"], str(row["period_end_month"]))
        assert row["population"] == population, row
        assert row["rate_per_1000"] == pytest.approx(1000 * want / population)
        checked += 1
    assert checked > 100


def test_another_forces_row_counts_in_its_csp_and_not_in_its_force_area(small) -> None:
    """Cumbria's rows in Lancaster count for Lancaster's CSP; Lancashire's force area counts only its
    own force's rows (No Location included), and BTP's rows count nowhere."""
    con = small["con"]
    monthly = con.execute(
        "select area_code, area_type, sum(value) from marts.mart_comparison_area_monthly "
        "where indicator_id = 'all_crime' and month = ? group by all", [f"{MONTHS[0]}-01"]).fetchall()
    by_area = {(a, t): v for a, t, v in monthly}
    files = {f: pl.read_csv(small["landing"] / "police_street" / f"{MONTHS[0]}-{f}-street.csv", infer_schema=False)
             .filter(pl.col("Crime type") != "Anti-social behaviour") for f in ("lancashire", "cumbria", "btp")}
    assert by_area[("E23000003", "force_area")] == len(files["lancashire"])  # No Location and Carlisle rows included
    assert by_area[("E23000002", "force_area")] == len(files["cumbria"])
    lancaster = small["lsoas"].filter(pl.col("lad_code") == CROSS_BORDER_LAD)["lsoa_code"].to_list()
    in_lancaster = sum(len(files[f].filter(pl.col("LSOA code").is_in(lancaster))) for f in ("lancashire", "cumbria"))
    assert len(files["cumbria"].filter(pl.col("LSOA code").is_in(lancaster))) > 0
    assert by_area[(LANCASTER_CSP, "csp")] == in_lancaster
    preston = small["lsoas"].filter(pl.col("lad_code") == "E07000123")["lsoa_code"].to_list()
    assert len(files["btp"].filter(pl.col("LSOA code").is_in(preston))) > 0
    assert by_area[(PRESTON_CSP, "csp")] == len(files["lancashire"].filter(pl.col("LSOA code").is_in(preston)))
    assert not [k for k in by_area if k[0] == "btp"]


def test_group_average_and_rank(small) -> None:
    mart = _mart(small["con"], "is_comparable")
    assert mart["group_id"].n_unique() >= 2
    for (group, indicator, period, end), rows in mart.group_by(
            ["group_id", "indicator_id", "period_type", "period_end_month"]):
        rates = rows["rate_per_1000"].to_list()
        assert rows["group_average_rate"].to_list() == pytest.approx([sum(rates) / len(rates)] * len(rates))
        ranks = [1 + sum(other > rate for other in rates) for rate in rates]
        assert rows["rank_in_group"].to_list() == ranks, (group, indicator, period)
        assert set(rows["ranked_of"]) == {len(rates)} == set(rows["group_members"])
        for row in rows.iter_rows(named=True):
            assert row["funnel_lower_998"] <= row["funnel_lower_95"] <= row["group_average_rate"]
            assert row["group_average_rate"] <= row["funnel_upper_95"] <= row["funnel_upper_998"]
            assert row["position_vs_peers"] in {"above", "similar", "below"}


def test_a_member_with_an_incomplete_period_is_not_comparable_with_its_reason(small) -> None:
    """Merseyside's August 2023 file never came: Merseyside is not compared for Q2, the rolling 12 months
    and the year (count null, not 0), and nor is its group, while Q1 is compared."""
    con = small["con"]
    force_group = _mart(con, "group_id = 'force_area:E23000003' and indicator_id = 'all_crime'")
    merseyside = force_group.filter(pl.col("area_code") == "E23000004")
    q2 = merseyside.filter((pl.col("period_type") == "quarter") & (pl.col("fy_quarter") == 2)).row(0, named=True)
    assert q2["member_status"] == "not_received" and q2["count"] is None and q2["rate_per_1000"] is None
    assert not q2["is_comparable"] and "merseyside" in q2["not_comparable_reason"]
    assert "2023-08" in q2["not_comparable_reason"] and q2["months_loaded"] == 2
    for period_type in ("rolling_12m", "financial_year"):
        row = merseyside.filter(pl.col("period_type") == period_type).row(0, named=True)
        assert row["member_status"] == "not_received" and not row["is_comparable"]
    lancashire_q2 = force_group.filter((pl.col("area_code") == "E23000003") & (pl.col("period_type") == "quarter")
                                       & (pl.col("fy_quarter") == 2)).row(0, named=True)
    assert lancashire_q2["member_status"] == "available" and lancashire_q2["count"] > 0
    assert not lancashire_q2["is_comparable"] and "E23000004" in lancashire_q2["not_comparable_reason"]
    assert lancashire_q2["group_average_rate"] is None and lancashire_q2["rank_in_group"] is None
    q1 = force_group.filter((pl.col("period_type") == "quarter") & (pl.col("fy_quarter") == 1))
    assert q1["is_comparable"].all() and q1["not_comparable_reason"].null_count() == len(q1) == 3


def test_population_of_a_later_year_falls_back_to_the_latest_loaded(small) -> None:
    rows = small["con"].execute(
        "select distinct period_end_month, population_year from marts.mart_peer_comparison "
        "where area_code = ? order by period_end_month", [PRESTON_CSP]).fetchall()
    assert [(str(m), y) for m, y in rows] == [("2023-06-01", 2023), ("2023-09-01", 2023), ("2023-12-01", 2023),
                                              ("2024-03-01", 2023)]


def test_periods_are_quarters_rolling_years_and_financial_years(small) -> None:
    rows = small["con"].execute(
        "select distinct period_type, period_label, period_start_month, period_end_month, months_in_period "
        "from marts.mart_peer_comparison order by period_type, period_end_month").fetchall()
    assert [(t, label, str(s), str(e), n) for t, label, s, e, n in rows] == [
        ("financial_year", "2023/24", "2023-04-01", "2024-03-01", 12),
        ("quarter", "2023/24 Q1", "2023-04-01", "2023-06-01", 3),
        ("quarter", "2023/24 Q2", "2023-07-01", "2023-09-01", 3),
        ("quarter", "2023/24 Q3", "2023-10-01", "2023-12-01", 3),
        ("quarter", "2023/24 Q4", "2024-01-01", "2024-03-01", 3),
        ("rolling_12m", "12 months to 2023/24 Q4", "2023-04-01", "2024-03-01", 12),
    ]


# --- the real files, in place ---------------------------------------------------------------------

REAL_LOOKUP = "ons_geography/IMD_Dec2019_LSOA11_LAD19_lookup_England__jtrim-ons_csv_004.csv"
REAL_CSP_LOOKUP = "ons_geography/LAD19_CSP19_PFA19_EW_lookup__jtrim-ons_csv_194.csv"
REAL_POPULATION = "population/lsoa_population_EW__rares-cr.csv"  # mid-2020 (README of real-data)


def _link(src: Path, folder: Path, name: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or src.name)
    try:
        os.link(src, target)
    except OSError:  # another file system: a private copy in the temporary home
        shutil.copyfile(src, target)


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("peer_real_home")
    landing = home / "landing"
    for path in sorted((REAL / "police_street" / "lancashire").glob("*.csv.gz")):
        _link(path, landing / "police_street")
    _link(REAL / REAL_LOOKUP, landing / "ons_lsoa_lookup")
    _link(REAL / REAL_CSP_LOOKUP, landing / "ons_lad_csp_pfa")
    # the file name carries no year: the population feed takes it from the name (mid-2020)
    _link(REAL / REAL_POPULATION, landing / "population", "lsoa_population_EW_mid2020.csv")
    _build(home, ["+mart_peer_comparison", "+dim_peer_group"])
    close_dbt_duckdb_connection()  # dbt-duckdb keeps its handle, opened with the [duckdb] settings
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    yield con
    con.close()


@pytest.mark.real_data
@pytest.mark.skipif(not REAL.exists(), reason="../shared/real-data is not present")
def test_real_lancashire_csps_have_real_rates_and_fifteen_real_peers(real) -> None:
    lookup = pl.read_csv(REAL / REAL_CSP_LOOKUP, infer_schema=False)
    real_csps = set(lookup["CSP19CD"])
    lancashire = set(lookup.filter(pl.col("PFA19CD") == "E23000003")["CSP19CD"])
    assert len(lancashire) == 14
    groups = real.execute("select focus_area_code, member_area_code, member_rank, method "
                          "from marts.dim_peer_group where focus_area_type = 'csp'").pl()
    assert set(groups["focus_area_code"]) == lancashire
    peers = groups.filter(pl.col("member_rank") > 0)
    assert set(peers["method"]) == {"nearest_neighbours"}
    assert peers.group_by("focus_area_code").len()["len"].to_list() == [15] * 14
    assert set(peers["member_area_code"]) <= real_csps
    # Lancashire's CSPs: real rates of the quarters their months are all loaded for, from the real files
    rates = real.execute(
        "select area_code, period_label, count, population, population_year, rate_per_1000 "
        "from marts.mart_peer_comparison where is_focus_area and focus_area_type = 'csp' "
        "and indicator_id = 'all_crime' and period_type = 'quarter' and member_status = 'available'").pl()
    assert set(rates["area_code"]) == lancashire
    assert (rates["count"] > 0).all() and (rates["population"] > 10_000).all()
    assert set(rates["population_year"]) == {2020}
    assert rates["rate_per_1000"].to_list() == pytest.approx((1000 * rates["count"] / rates["population"]).to_list())
    # recounted from the real files: 2021/22 Q3's crimes (ASB excluded) by the CSP of their LSOA, and the
    # mid-2020 residents of the CSP's LSOAs
    lsoa_csp = pl.read_csv(REAL / REAL_LOOKUP, infer_schema=False).join(
        lookup.select("LAD19CD", "CSP19CD"), on="LAD19CD").select("LSOA11CD", "CSP19CD")
    months = [REAL / "police_street" / "lancashire" / f"2021-{m}-lancashire-street.csv.gz" for m in ("10", "11", "12")]
    crimes = pl.concat([pl.read_csv(m, infer_schema=False) for m in months]).filter(
        pl.col("Crime type") != "Anti-social behaviour").join(lsoa_csp, left_on="LSOA code", right_on="LSOA11CD")
    counted = dict(crimes.group_by("CSP19CD").len().iter_rows())
    residents = pl.read_csv(REAL / REAL_POPULATION, infer_schema=False, encoding="utf8-lossy").rename(
        lambda c: c.lstrip("\ufeff")).with_columns(pl.col("Population").str.replace_all(",", "").cast(pl.Int64))
    population = dict(residents.join(lsoa_csp, left_on="LSOA Code", right_on="LSOA11CD")
                      .group_by("CSP19CD").agg(pl.col("Population").sum()).iter_rows())
    q3 = rates.filter(pl.col("period_label") == "2021/22 Q3")
    assert len(q3) == 14
    for row in q3.iter_rows(named=True):
        assert row["count"] == counted[row["area_code"]], row
        assert row["population"] == population[row["area_code"]], row
    # 2020/21 Q1 and Q2 lack June, August and September 2020: not received, never 0
    missing = real.execute(
        "select distinct member_status, count is null from marts.mart_peer_comparison "
        "where is_focus_area and focus_area_type = 'csp' and period_label in ('2020/21 Q1', '2020/21 Q2')").fetchall()
    assert missing == [("not_received", True)]
    # the other CSPs' forces have no files landed: not comparable, not zero crime
    others = real.execute(
        "select member_status, count(*), count(count), bool_and(not is_comparable), "
        "bool_and(not_comparable_reason is not null) from marts.mart_peer_comparison "
        "where not is_focus_area and focus_area_type = 'csp' and force_slug <> 'lancashire' group by all").fetchall()
    assert [r[0] for r in others] == ["not_received"] and others[0][2] == 0 and others[0][3] and others[0][4]
    # a comparison is made exactly when every member of the group has complete data
    assert real.execute(
        "select count(*) from (select bool_and(member_status = 'available') as complete, "
        "bool_and(is_comparable) as every_row, bool_or(is_comparable) as any_row from marts.mart_peer_comparison "
        "group by group_id, indicator_id, period_type, period_end_month) "
        "where complete <> every_row or every_row <> any_row").fetchone()[0] == 0
    assert math.isfinite(real.execute("select max(rate_per_1000) from marts.mart_peer_comparison").fetchone()[0])
