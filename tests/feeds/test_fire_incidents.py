"""The fire and rescue incidents feed: its contract (every rule), pseudonymised references,
file-level rejections, resubmission, the synthetic demo, and the dbt fact's attribution, the fire
indicators and ``csw trace`` on a small warehouse built here (the loader and ``dbt build``; no
nightly run)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingestion.pseudonymise import KEY_VARIABLE, hmac_hex
from orchestration.dbt_project import dbt_vars
from warehouse.settings import default_settings

FEED = "fire_incidents"
KEY = "test-key-for-fire"
HEADER = ["Incident Reference", "Call Date Time", "Incident Group", "Fire Type", "Cause", "Property Category",
          "LSOA Code", "Ward or District Code"]
NAME = "lancashire-fire-incidents-2024-03.csv"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_VARIABLE, KEY)


def row(**values: str) -> dict[str, str]:
    """A valid deliberate secondary fire in March 2024; keyword names are header names with '_' for ' '."""
    base = {"Incident Reference": "LFRS/202403/00001", "Call Date Time": "2024-03-02 19:15",
            "Incident Group": "Fire", "Fire Type": "Secondary", "Cause": "Deliberate", "Property Category": "Outdoor",
            "LSOA Code": "E01025000", "Ward or District Code": ""}
    base.update({k.replace("_", " "): v for k, v in values.items()})
    return base


# --- the row contract ---------------------------------------------------------------------------

def test_valid_rows_load_with_codes_normalised_and_references_pseudonymised(feed_kit, feed_csv) -> None:
    rows = [
        row(),
        row(**{"Incident Reference": "LFRS/202403/00002", "Incident Group": "FALSE-ALARM", "Fire Type": "",
               "Cause": "", "Property Category": "non_residential", "LSOA Code": "",
               "Ward or District Code": "E07000123", "Call Date Time": "2024-03-31T23:59:59"}),
        row(**{"Incident Reference": "LFRS/202403/00003", "Incident Group": "special service", "Fire Type": "",
               "Cause": "", "Property Category": "Road Vehicle", "LSOA Code": "", "Ward or District Code": "E05005123"}),
        row(**{"Incident Reference": "LFRS/202403/00004", "Fire Type": "chimney", "Cause": "Not Known",
               "Property Category": "DWELLING"}),
    ]
    result = feed_kit.load(FEED, NAME, feed_csv(HEADER, rows))
    assert (result.status, result.rows_loaded, result.rows_quarantined, result.partition_key) == \
        ("loaded", 4, 0, "2024-03")
    raw = feed_kit.raw(FEED, result.sha256).sort("source_row").to_dicts()
    assert raw[0]["incident_reference"] == hmac_hex(KEY.encode(), "LFRS/202403/00001")
    assert [r["incident_group"] for r in raw] == ["fire", "false alarm", "special service", "fire"]
    assert [r["fire_type"] for r in raw] == ["secondary", None, None, "chimney"]
    assert [r["cause"] for r in raw] == ["deliberate", None, None, "not known"]
    assert [r["property_category"] for r in raw] == ["outdoor", "non residential", "road vehicle", "dwelling"]
    assert [r["area_code"] for r in raw] == [None, "E07000123", "E05005123", None]
    assert str(raw[1]["call_datetime"]) == "2024-03-31 23:59:59"
    assert {str(r["month"]) for r in raw} == {"2024-03-01"}
    assert [r["source_row"] for r in raw] == [2, 3, 4, 5]
    assert feed_kit.balanced(FEED)


@pytest.mark.parametrize(("change", "rule"), [
    ({"Incident Reference": ""}, "required"),
    ({"Incident Reference": "#9"}, "incident_reference_format"),
    ({"Incident Reference": "2.02403E+11"}, "incident_reference_format"),
    ({"Call Date Time": ""}, "required"),
    ({"Call Date Time": "02/03/2024 19:15"}, "iso_datetime"),
    ({"Call Date Time": "2024-03-02"}, "iso_datetime"),
    ({"Call Date Time": "2024-04-01 00:00"}, "call_in_file_month"),
    ({"Incident Group": ""}, "required"),
    ({"Incident Group": "Flood"}, "incident_group_known"),
    ({"Fire Type": ""}, "fire_type_known"),
    ({"Fire Type": "Tertiary"}, "fire_type_known"),
    ({"Incident Group": "False Alarm", "Cause": ""}, "fire_type_known"),  # a false alarm has no fire type
    ({"Cause": ""}, "cause_known"),  # a fire needs its cause
    ({"Cause": "Arson"}, "cause_known"),
    ({"Incident Group": "Special Service", "Fire Type": "", "Cause": "Malicious"}, "cause_known"),
    ({"Property Category": ""}, "required"),
    ({"Property Category": "Shed"}, "property_category_known"),
    ({"LSOA Code": "E0102500"}, "lsoa_code_format"),
    ({"LSOA Code": "", "Ward or District Code": "E10000017"}, "area_code_format"),  # a county is not a district
    ({"LSOA Code": "", "Ward or District Code": "Preston"}, "area_code_format"),
    ({"LSOA Code": "", "Ward or District Code": ""}, "location_required"),
])
def test_bad_rows_quarantined_under_their_rule(feed_kit, feed_csv, change, rule) -> None:
    bad = row(**{"Incident Reference": "LFRS/202403/00009"}) | change
    result = feed_kit.load(FEED, NAME, feed_csv(HEADER, [row(), bad]))
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 1, 1)
    quarantined = feed_kit.quarantine(result.sha256)
    assert quarantined["check_name"].to_list() == [rule]
    assert quarantined["source_row"].to_list() == [3]
    text = quarantined.write_csv()
    assert "LFRS/202403/00009" not in text and "2.02403E+11" not in text
    assert feed_kit.balanced(FEED)


def test_optional_values_may_be_empty(feed_kit, feed_csv) -> None:
    """An LSOA alone or a district code alone locates an incident; a non-fire may carry a known cause."""
    rows = [row(**{"Ward or District Code": ""}),
            row(**{"Incident Reference": "LFRS/202403/00002", "LSOA Code": "", "Ward or District Code": "W06000015"}),
            row(**{"Incident Reference": "LFRS/202403/00003", "Incident Group": "False alarm", "Fire Type": "",
                   "Cause": "Accidental"})]
    result = feed_kit.load(FEED, NAME, feed_csv(HEADER, rows))
    assert (result.rows_loaded, result.rows_quarantined) == (3, 0)


def test_duplicate_incident_reference_quarantines_the_second_row(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, NAME, feed_csv(HEADER, [row(), row(**{"Cause": "Accidental"})]))
    quarantined = feed_kit.quarantine(result.sha256)
    assert quarantined["check_name"].to_list() == ["incident_reference_unique_in_file"]
    assert quarantined["source_row"].to_list() == [3]
    assert result.rows_loaded == 1


def test_no_raw_reference_in_raw_or_quarantine_and_extra_columns_dropped(feed_kit, feed_csv) -> None:
    header = [*HEADER, "Address"]
    rows = [row() | {"Address": "1 Private Road"},
            row(**{"Incident Reference": "LFRS/202403/00077", "Incident Group": "Flood"}) | {"Address": "2 Secret Lane"}]
    result = feed_kit.load(FEED, NAME, feed_csv(header, rows))
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    quarantine = feed_kit.quarantine(result.sha256)
    record = json.loads(quarantine["raw_record"][0])
    assert record["Incident Reference"] == hmac_hex(KEY.encode(), "LFRS/202403/00077")
    assert "Address" not in record and "Secret" not in quarantine.write_csv()
    everything = feed_kit.raw(FEED).write_csv() + quarantine.write_csv() + feed_kit.con.execute(
        "select * from meta.source_files").pl().write_csv()
    assert not re.search(r"LFRS/[0-9]{6}/[0-9]{5}", everything)
    assert "Private Road" not in everything


# --- whole files --------------------------------------------------------------------------------

def test_missing_contract_column_rejects_the_file_naming_it(feed_kit, feed_csv) -> None:
    header = [h for h in HEADER if h != "Property Category"]
    result = feed_kit.load(FEED, NAME, feed_csv(header, [row()]))
    assert result.status == "rejected"
    assert "missing contract columns: Property Category" in result.reason
    assert feed_kit.raw(FEED).height == 0


def test_header_in_any_order_and_case_loads(feed_kit, feed_csv) -> None:
    header = [h.upper() for h in reversed(HEADER)]
    data = [{h.upper(): v for h, v in row().items()}]
    result = feed_kit.load(FEED, NAME, feed_csv(header, data))
    assert (result.status, result.rows_loaded) == ("loaded", 1)


def test_file_name_without_month_is_rejected(feed_kit, feed_csv) -> None:
    result = feed_kit.load(FEED, "lancashire-fire-incidents.csv", feed_csv(HEADER, [row()]))
    assert result.status == "rejected"
    assert "has no month" in result.reason and "lancashire-fire-incidents-2024-01.csv" in result.reason


def test_header_of_another_feed_is_rejected_naming_it(feed_kit, feed_csv) -> None:
    header = ["Incident Reference", "Incident Date Time", "LSOA Code", "DASH Risk Level", "Repeat Victim",
              "Victim Reference"]
    result = feed_kit.load(FEED, NAME, feed_csv(header, [["DA1", "2024-03-01 10:00", "", "High", "Y", ""]]))
    assert result.status == "rejected"
    assert "missing contract columns" in result.reason and "police_da_incidents" in result.reason
    assert "DA1" not in result.reason


def test_resubmitted_month_supersedes_the_earlier_file(feed_kit, feed_csv) -> None:
    first = feed_kit.load(FEED, NAME, feed_csv(HEADER, [row()]))
    rows = [row(**{"Cause": "Accidental"}), row(**{"Incident Reference": "LFRS/202403/00002"})]
    second = feed_kit.load(FEED, "lancashire-fire-incidents-2024-03-v2.csv", feed_csv(HEADER, rows))
    assert (second.status, second.partition_key) == ("loaded", "2024-03")
    assert feed_kit.status(first.sha256) == ("superseded", second.sha256)
    staged = feed_kit.staged(FEED)
    assert staged["source_file"].unique().to_list() == [second.sha256]
    assert staged["cause"].to_list() == ["accidental", "deliberate"]
    assert feed_kit.raw(FEED).height == 3  # the superseded rows stay in raw as history
    assert feed_kit.balanced(FEED)


def test_a_resubmission_with_less_than_half_the_rows_is_held(feed_kit, feed_csv) -> None:
    rows = [row(**{"Incident Reference": f"LFRS/202403/{i:05d}"}) for i in range(1, 7)]
    first = feed_kit.load(FEED, NAME, feed_csv(HEADER, rows))
    second = feed_kit.load(FEED, "lancashire-fire-incidents-2024-03-v2.csv", feed_csv(HEADER, rows[:2]))
    assert second.status == "held"
    assert feed_kit.status(first.sha256)[0] == "loaded"


# --- the synthetic demo -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_year(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    from ingestion.demo.geography import _month_list, demo_geography
    from ingestion.demo.fire import write_fire_demo

    landing = tmp_path_factory.mktemp("fire_demo") / "landing"
    return write_fire_demo(landing, demo_geography(), 20240401, _month_list(("2024-01", "2024-12")), 1.0)[FEED]


def test_demo_volumes_are_those_of_a_county_service(demo_year) -> None:
    df = pl.concat([pl.read_csv(p, infer_schema=False) for p in demo_year]).with_columns(
        pl.col("Incident Group", "Fire Type", "Cause", "Property Category").str.to_lowercase())
    assert [p.name for p in demo_year][0] == "lancashire-fire-incidents-2024-01.csv"
    from ingestion.demo.fire import MONTHLY_INCIDENTS  # half a county service's: the demo spans 6.5 years

    assert 0.88 * 12 * MONTHLY_INCIDENTS <= df.height <= 1.17 * 12 * MONTHLY_INCIDENTS
    share = lambda expr: df.filter(expr).height / df.height  # noqa: E731
    assert 0.36 <= share(pl.col("Incident Group") == "false alarm") <= 0.46
    assert 0.25 <= share(pl.col("Incident Group") == "fire") <= 0.35
    fires = df.filter(pl.col("Incident Group") == "fire")
    secondary = fires.filter(pl.col("Fire Type") == "secondary")
    assert secondary.height > fires.height / 2
    assert secondary.filter(pl.col("Cause") == "deliberate").height > 0.6 * secondary.height
    assert df.filter(pl.col("Incident Group") != "fire")["Fire Type"].null_count() == \
        df.filter(pl.col("Incident Group") != "fire").height
    located = df.select(pl.col("LSOA Code").is_not_null().mean(), pl.col("Ward or District Code").is_not_null().mean())
    assert located.row(0)[0] > 0.9 and 0.02 < located.row(0)[1] < 0.08


def test_demo_files_load_with_only_their_planted_bad_rows_quarantined(feed_kit, demo_year) -> None:
    for path in demo_year[:2]:
        feed_kit.write(FEED, path.name, path.read_bytes())
    results = feed_kit.ingest_all(FEED)
    assert [r.status for r in results] == ["loaded", "loaded"]
    assert all(r.rows_quarantined == 2 for r in results)
    rules = feed_kit.con.execute("select distinct check_name from meta.quarantine").fetchall()
    assert rules == [("fire_type_known",)]
    assert feed_kit.balanced(FEED)


def test_demo_data_writes_the_fire_feed() -> None:
    import inspect

    from ingestion import demo as demo_data

    assert "write_fire_demo" in inspect.getsource(demo_data.write_demo_data)


# --- dbt: attribution, indicators, trace ---------------------------------------------------------

PRESTON, BURNLEY = "E07000123", "E07000117"


def _dbt(args: list[str], work: Path, env: dict[str, str]) -> None:
    """dbt in its own process: an in-process dbt keeps the DuckDB file open, which a read-only
    connection (``csw trace``) could then not open."""
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [str(dbt) if dbt.exists() else "dbt", *args, "--vars", dbt_vars(default_settings()), "--project-dir", str(REPO / "dbt_project"), "--profiles-dir",
         str(REPO / "dbt_project"), "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def fire_warehouse(tmp_path_factory: pytest.TempPathFactory, feed_csv):
    """A home whose warehouse holds the demo lookups and populations and two fire files (a
    hand-made March 2024 with one row per way of attribution, and the demo's April 2024), built with
    ``dbt seed`` and ``dbt run`` up to the indicator mart, then the fire models' data tests (unit
    tests are test_dbt_models')."""
    from ingestion import registry
    from ingestion.demo.geography import demo_geography
    from ingestion.demo.reference import _write_lookups, _write_population
    from ingestion.demo.fire import write_fire_demo
    from ingestion.loader import ingest_feed
    from warehouse.database import ensure_schema

    home = tmp_path_factory.mktemp("fire_home")
    landing = home / "landing"
    geo = demo_geography()
    _write_lookups(landing, geo)
    _write_population(landing, geo, 20240401)
    write_fire_demo(landing, geo, 20240401, ["2024-04"], 0.05)
    preston = geo.filter(pl.col("lad_code") == PRESTON)["lsoa11_code"].to_list()
    from ingestion.demo.geography import lsoa21_codes_missing_from_lookup

    unknown = lsoa21_codes_missing_from_lookup(geo)[0]
    rows = [  # reference, LSOA, ward or district code
        ("LFRS/202403/00001", preston[0], ""),  # lookup
        ("LFRS/202403/00002", preston[1], BURNLEY),  # the LSOA wins over the district code
        ("LFRS/202403/00003", "", BURNLEY),  # district code
        ("LFRS/202403/00004", unknown, PRESTON),  # an LSOA in no lookup: the district code
        ("LFRS/202403/00005", unknown, ""),  # unknown LSOA: unattributed
        ("LFRS/202403/00006", "", "E05005123"),  # ward only: unattributed
    ]
    (landing / FEED / NAME).write_text(feed_csv(HEADER, [
        row(**{"Incident Reference": ref, "LSOA Code": lsoa, "Ward or District Code": area}) for ref, lsoa, area in rows
    ]))
    warehouse = home / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(KEY_VARIABLE, KEY)
        con = duckdb.connect(str(warehouse))
        ensure_schema(con, {f.raw_table: f.columns for f in registry.feeds().values()})
        for feed in ("ons_lsoa_lookup", "population", FEED):
            assert all(r.status == "loaded" for r in ingest_feed(con, registry.get(feed), landing / feed, "run"))
        con.close()
    env = {"CSW_WAREHOUSE_PATH": str(warehouse), "CSW_REPO_ROOT": str(REPO)}
    # only what the fire fact, the indicator mart and the data-quality views need (other feeds' models
    # are built empty), so the test stays fast and independent of models the fire feed does not reach
    models = "+mart_indicator_monthly +dq_fire_unattributed_rows +dq_row_accounting +dim_area +dim_month"
    _dbt(["seed", "--select", models, "--quiet"], home, env)
    _dbt(["run", "--select", models, "--quiet"], home, env)
    _dbt(["test", "--select", "stg_fire__incidents fct_fire_incident dq_fire_unattributed_rows dq_row_accounting "
          "fct_indicator_event source:raw.fire_incidents", "--exclude", "test_type:unit", "--quiet"], home, env)
    return home


@pytest.fixture
def fire_con(fire_warehouse: Path):
    con = duckdb.connect(str(fire_warehouse / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def test_fact_attributes_by_lsoa_then_by_district_code(fire_con) -> None:
    rows = fire_con.execute("""
        select f.source_row, f.lad_code, f.lad_name, f.attribution_method
        from marts.fct_fire_incident f join meta.source_files s on s.sha256 = f.source_file
        where s.file_name = ? order by f.source_row""", [NAME]).fetchall()
    assert rows == [
        (2, PRESTON, "Preston", "lookup"),
        (3, PRESTON, "Preston", "lookup"),
        (4, BURNLEY, "Burnley", "district_code"),
        (5, PRESTON, "Preston", "district_code"),
        (6, None, None, "unknown_lsoa"),
        (7, None, None, "ward_code"),
    ]
    columns = {r[0] for r in fire_con.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?",
        ["fct_fire_incident"]).fetchall()}
    assert "incident_reference" not in columns and {"source_file", "source_row"} <= columns


def test_unattributed_rows_are_listed_and_accounted(fire_con) -> None:
    march = fire_con.execute("""select reason, n_rows from meta.dq_fire_unattributed_rows
                                where month = date '2024-03-01' order by reason""").fetchall()
    assert march == [("unknown_lsoa", 1), ("ward_code", 1)]
    accounting = fire_con.execute("""select file_name, is_balanced, rows_unattributed, unattributed_by_reason
                                     from meta.dq_row_accounting where feed = ? order by file_name""", [FEED]).fetchall()
    assert [r[1] for r in accounting] == [True, True]
    assert accounting[0] == (NAME, True, 2, "unknown_lsoa: 1, ward_code: 1")


def test_fire_indicators_count_the_fact_by_district_and_force_area(fire_con) -> None:
    values = dict(((i, a), v) for i, a, v in fire_con.execute("""
        select indicator_id, area_code, value from marts.mart_indicator_monthly
        where month = date '2024-03-01' and indicator_id like 'fire%'""").fetchall())
    assert values[("fire_deliberate_secondary", PRESTON)] == 3
    assert values[("fire_deliberate_secondary", BURNLEY)] == 1
    assert values[("fire_deliberate_secondary", "E10000017")] == 4  # Lancashire-12
    assert values[("fire_deliberate_secondary", "E23000003")] == 6  # every row of the service
    assert values[("fire_all", "E23000003")] == 6
    assert values[("fire_deliberate_primary", "E23000003")] == 0
    assert values[("fire_accidental_dwelling", "E23000003")] == 0
    expected = fire_con.execute("""
        select count(*) filter (where is_fire), count(*) filter (where is_primary_fire and is_deliberate),
               count(*) filter (where is_secondary_fire and is_deliberate),
               count(*) filter (where is_fire and is_accidental and is_dwelling)
        from marts.fct_fire_incident where month = date '2024-04-01'""").fetchone()
    april = dict(fire_con.execute("""select indicator_id, value from marts.mart_indicator_monthly
                                     where month = date '2024-04-01' and area_code = 'E23000003'
                                     and indicator_id like 'fire%'""").fetchall())
    assert (april["fire_all"], april["fire_deliberate_primary"], april["fire_deliberate_secondary"],
            april["fire_accidental_dwelling"]) == expected
    catalogue = fire_con.execute("""select distinct key_issue, priority, rate_per from reference.indicator_catalogue
                                    where source_model = 'fct_fire_incident'""").fetchall()
    assert catalogue == [("fire safety", "Protect our communities from harm", 1000)]


def test_csw_trace_of_a_fire_indicator_finds_its_rows(fire_warehouse: Path, capsys) -> None:
    from cli.main import main

    code = main(["--home", str(fire_warehouse), "trace", "fire_deliberate_secondary", PRESTON, "2024-03",
                 "--rows", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    assert out["value"] == 3 and out["recount"]["matches"]
    assert [(f["feed"], f["file_name"], f["rows"]) for f in out["files"]] == [(FEED, NAME, 3)]
    assert [(r["feed"], r["line"]) for r in out["rows"]] == [(FEED, 2), (FEED, 3), (FEED, 5)]
    assert all(re.fullmatch(r"[0-9a-f]{64}", r["incident_reference"]) for r in out["rows"])
    assert any(m["relation"].endswith("fct_fire_incident") for m in out["models"]) or out["models"] == []
