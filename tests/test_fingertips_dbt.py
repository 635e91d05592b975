"""The Fingertips models on a small warehouse built with the real loader: staging keeps the latest
export per key, the fact keeps every published figure with its provenance, and the mart judges
change and position against England from confidence-interval overlap by polarity.

Only the Fingertips models and their parents are built (``dbt build --select +mart_health_indicators``,
with their data tests), in this process, with their own target and log paths.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from ingestion import registry
from ingestion.demo.fingertips import write_fingertips_demo
from ingestion.loader import ingest_feed
from orchestration.dbt_project import dbt_vars
from orchestration.dbt_column_lineage import close_dbt_duckdb_connection
from warehouse.database import connect, ensure_schema
from warehouse.settings import default_settings

REPO = Path(__file__).resolve().parents[1]
DBT_PROJECT = REPO / "dbt_project"
SEED = DBT_PROJECT / "seeds" / "fingertips_indicators.csv"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from dbt.cli.main import dbtRunner

    work = tmp_path_factory.mktemp("fingertips_dbt")
    db = work / "warehouse.duckdb"
    files = write_fingertips_demo(work / "landing")["fingertips"]
    with connect(db) as con:
        ensure_schema(con, {f.raw_table: f.columns for f in registry.feeds().values()})
        results = ingest_feed(con, registry.get("fingertips"), work / "landing" / "fingertips", "test-run")
    assert [r.status for r in results] == ["loaded", "loaded"] and len(files) == 2
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSW_WAREHOUSE_PATH", str(db))
        mp.setenv("CSW_REPO_ROOT", str(REPO))
        result = dbtRunner().invoke([
            "build", "--select", "+mart_health_indicators", "--indirect-selection", "cautious",
            "--vars", dbt_vars(default_settings()),
            "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
            "--target-path", str(work / "target"), "--log-path", str(work / "logs"), "--quiet",
        ])
    failures = [f"{r.node.unique_id}: {r.status} {r.message or ''}" for r in (result.result or [])
                if str(r.status) not in {"pass", "success"}]
    assert result.success, failures
    return db


@pytest.fixture
def con(warehouse: Path):
    close_dbt_duckdb_connection()  # dbt-duckdb keeps its handle, opened with the [duckdb] settings
    c = duckdb.connect(str(warehouse))
    yield c
    c.close()


def test_staging_takes_each_key_from_the_latest_export(con) -> None:
    raw_first, raw_revision = con.execute(
        """select count(*) filter (where f.file_name like '%09.csv'), count(*) filter (where f.file_name like '%revision%')
           from raw.fingertips r join meta.source_files f on f.sha256 = r.source_file""").fetchone()
    staged = con.execute("select count(*) from staging.stg_fingertips__indicator_values").fetchone()[0]
    assert raw_revision == 3 and staged == raw_first  # the revision replaces three keys, adds none
    revised = con.execute(
        """select s.area_code, s.value_note, f.file_name from staging.stg_fingertips__indicator_values s
           join meta.source_files f on f.sha256 = s.source_file where f.file_name like '%revision%'
           order by s.area_code""").fetchall()
    assert [r[0] for r in revised] == ["E06000009", "E07000117", "E07000123"]
    assert all(r[1] == "Revised" for r in revised)
    # Neither export was superseded whole.
    assert con.execute("select count(*) from meta.source_files where feed = 'fingertips' and status = 'loaded'"
                       ).fetchone()[0] == 2


def test_fact_keeps_published_figures_with_provenance(con) -> None:
    rows, suppressed, selected, unlinked = con.execute(
        """select count(*), count(*) filter (where is_suppressed and value_note like 'Value suppressed%'),
                  count(*) filter (where is_selected),
                  count(*) filter (where source_file is null or source_row is null)
           from marts.fct_health_indicator""").fetchone()
    assert rows == con.execute("select count(*) from staging.stg_fingertips__indicator_values").fetchone()[0]
    assert suppressed > 0 and selected == rows and unlinked == 0
    # A fact row traces to the raw row of its file and line.
    fact = con.execute("select * from marts.fct_health_indicator where not is_suppressed limit 1").fetchone()
    cols = [d[0] for d in con.description]
    fact = dict(zip(cols, fact))
    raw = con.execute("select value, lower_ci_95 from raw.fingertips where source_file = ? and source_row = ?",
                      [fact["source_file"], fact["source_row"]]).fetchone()
    assert raw == (fact["value"], fact["lower_ci_95"])


def test_mart_has_every_seed_indicator_for_every_area_and_england(con) -> None:
    with SEED.open(newline="", encoding="utf-8") as fh:
        selected = {int(r["fingertips_indicator_id"]) for r in csv.DictReader(fh) if r["is_selected"] == "true"}
    pairs = con.execute("select fingertips_indicator_id, area_code from marts.mart_health_indicators").fetchall()
    areas = {a for _, a in pairs}
    assert {i for i, _ in pairs} == selected
    assert "E92000001" in areas and "E10000017" in areas and len(areas) == 16
    assert len(pairs) == len(selected) * 16
    england = con.execute("select distinct england_comparison from marts.mart_health_indicators "
                          "where area_code = 'E92000001'").fetchall()
    assert england == [("comparator",)]


def _overlap(lo1, hi1, lo2, hi2) -> str:
    if lo1 > hi2:
        return "higher"
    if hi1 < lo2:
        return "lower"
    return "overlap"


def test_judgements_follow_ci_overlap_and_polarity(con) -> None:
    rows = con.execute(
        """select polarity, value, lower_ci_95, upper_ci_95, previous_value, previous_lower_ci_95,
                  previous_upper_ci_95, change_status, change_judged_by, england_value, england_lower_ci_95,
                  england_upper_ci_95, england_comparison, area_code, previous_time_period, time_period
           from marts.mart_health_indicators""").fetchall()
    seen = set()
    for (polarity, v, lo, hi, pv, plo, phi, change, judged_by, ev, elo, ehi, position, area, prev_period,
         period) in rows:
        good = "lower" if polarity == "lower_is_better" else "higher"
        if lo is not None and plo is not None:
            expected = {"overlap": "no significant change"}.get(_overlap(lo, hi, plo, phi))
            expected = expected or ("improved" if _overlap(lo, hi, plo, phi) == good else "worsened")
            assert change == expected and judged_by == "published 95% CI"
            assert prev_period != period
            seen.add(change)
        if v is None or pv is None:
            assert change == "not comparable"
        if area != "E92000001" and lo is not None and elo is not None:
            direction = _overlap(lo, hi, elo, ehi)
            expected = "similar" if direction == "overlap" else ("better" if direction == good else "worse")
            assert position == expected
            seen.add(position)
    assert {"no significant change", "similar"} <= seen and seen & {"better", "worse", "improved", "worsened"}
