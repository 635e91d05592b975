"""Great Expectations on the new feeds' marts, in the committed project (gx/) and run the one way
every suite runs (``reporting.expectations.check_mart``, a blocking Dagster asset check each):

* ``fire_incidents`` on ``marts.fct_fire_incident``;
* ``survey_indicators`` on ``marts.mart_survey_indicators``;
* ``health_indicators`` on ``marts.mart_health_indicators`` (OHID Fingertips).

Frames are the session demo night's marts; each broken frame breaks one rule and must fail with
that rule alone named (so each expectation is shown to test what it says) and the failing row
quoted by the suite's key (a fact row by its file and line).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from orchestration.expectation_checks import (
    EXPECTATION_CHECKS,
    FIRE_FACT,
    HEALTH_MART,
    SURVEY_MART,
    fire_incident_expectations,
    health_mart_expectations,
)
from orchestration.resources import WarehouseResource
from reporting import gx_project
from reporting.expectations import CheckOutcome, check_mart, check_table, read_mart
from warehouse.settings import REPO_ROOT, load_settings

pytestmark = pytest.mark.e2e

FIRE, SURVEY, HEALTH = gx_project.FIRE_SUITE, gx_project.SURVEY_SUITE, gx_project.HEALTH_SUITE
ENGLAND = "E92000001"


@pytest.fixture(scope="module")
def settings(demo_home: Path) -> dict:
    return load_settings(demo_home)


@pytest.fixture(scope="module")
def marts(demo_home: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        return {suite: read_mart(con, suite) for suite in (FIRE, SURVEY, HEALTH)}


@pytest.fixture(scope="module")
def gx_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the checks below write their results and Data Docs."""
    return tmp_path_factory.mktemp("gx_feed_home")


def _check(suite: str, frame: pd.DataFrame, settings: dict, home: Path) -> CheckOutcome:
    return check_table(suite, frame.reset_index(drop=True), settings, table=f"broken {suite}", home=home)


def _only_failure(outcome: CheckOutcome, expectation: str) -> str:
    assert not outcome.success
    assert len(outcome.failures) == 1 and expectation in outcome.failures[0], outcome.message()
    return outcome.failures[0]


# --- the committed project ---------------------------------------------------------------------

def test_every_suite_is_committed_as_the_code_defines_it(gx_home: Path) -> None:
    context = gx_project.open_context(gx_home)
    signature = lambda exps: [(e.expectation_type, e.configuration.kwargs, e.description) for e in exps]  # noqa: E731
    for name, suite in gx_project.SUITES.items():
        assert signature(context.suites.get(name).expectations) == signature(suite.expectations()), (
            f"gx/expectations/{name}.json differs from reporting/gx_project.py: run python -m reporting.gx_project")
        checkpoint = context.checkpoints.get(name)
        assert checkpoint.result_format["unexpected_index_column_names"] == list(suite.key_columns)
    assert {next(iter(c.check_specs)).asset_key.path[-1] for c in EXPECTATION_CHECKS} == {
        s.table.split(".")[-1] for s in gx_project.SUITES.values() if s.table}


def test_regenerating_the_project_changes_only_what_changed(tmp_path: Path) -> None:
    shutil.copytree(REPO_ROOT / "gx", tmp_path / "gx")
    before = {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "gx").rglob("*") if p.is_file()}
    assert gx_project.write_project(tmp_path) == []  # the committed files are the code's: nothing written
    after = {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "gx").rglob("*") if p.is_file()}
    assert after == before

    # one suite edited by hand: only it is rewritten, and its unchanged expectations keep their ids
    path = tmp_path / "gx" / "expectations" / f"{FIRE}.json"
    path.write_text(path.read_text().replace("Every incident has a `month`.", "edited"))
    assert gx_project.write_project(tmp_path) == [FIRE]
    after = {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "gx").rglob("*") if p.is_file()}
    changed = {str(p) for p in after if after[p] != before.get(p)}
    assert changed <= {f"gx/{d}/{FIRE}.json" for d in ("expectations", "validation_definitions", "checkpoints")}
    ids = lambda raw: {e["description"]: e["id"] for e in json.loads(raw)["expectations"]}  # noqa: E731
    old, new = ids(before[Path("gx/expectations") / f"{FIRE}.json"]), ids(after[Path("gx/expectations") / f"{FIRE}.json"])
    assert old.keys() == new.keys()  # the edited expectation is back as the code says
    assert {k: v for k, v in old.items() if k != "Every incident has a `month`."} == {
        k: v for k, v in new.items() if k != "Every incident has a `month`."}  # the others kept their ids


# --- the demo's marts pass; every check ran, blocking -----------------------------------------

@pytest.mark.parametrize("suite", [FIRE, SURVEY, HEALTH])
def test_demo_marts_pass(suite: str, demo_home: Path, settings: dict) -> None:
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        outcome = check_mart(con, suite, settings, home=demo_home)
    assert outcome.success, outcome.message()
    assert outcome.statistics["evaluated_expectations"] == len(gx_project.suite_expectations(suite))


def test_nightly_job_ran_every_blocking_check(demo_run) -> None:
    _, result = demo_run
    evaluations = {e.asset_key: e for e in result.get_asset_check_evaluations() if e.check_name == "great_expectations"}
    for key in (FIRE_FACT, SURVEY_MART, HEALTH_MART):
        assert evaluations[key].passed, key
        assert evaluations[key].metadata["unsuccessful_expectations"].value == 0
    for check in EXPECTATION_CHECKS:
        (spec,) = check.check_specs
        assert spec.blocking and check.node_def.pool == "duckdb_writer"


# --- fire_incidents --------------------------------------------------------------------------

def _fire_row(frame: pd.DataFrame, **where) -> int:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    return frame.index[mask][0]


def test_fire_row_counted_twice_fails(marts, settings, gx_home) -> None:
    fire = marts[FIRE]
    broken = pd.concat([fire, fire.iloc[[5]]])
    _only_failure(_check(FIRE, broken, settings, gx_home), "One row per line of a loaded file")


def test_fire_unknown_cause_fails_naming_file_and_line(marts, settings, gx_home) -> None:
    broken = marts[FIRE].copy()
    i = _fire_row(broken, incident_group="fire", cause="deliberate")
    broken.loc[i, "cause"] = "arson"
    failure = _only_failure(_check(FIRE, broken, settings, gx_home), "Cause is one of the Incident Recording System's")
    assert f"'arson' at {broken.loc[i, 'source_file']} line {broken.loc[i, 'source_row']}" in failure


def test_fire_district_outside_the_partnership_fails(marts, settings, gx_home) -> None:
    broken = marts[FIRE].copy()
    broken.loc[_fire_row(broken, attribution_method="lookup"), "lad_code"] = "E06000001"  # Hartlepool
    _only_failure(_check(FIRE, broken, settings, gx_home), "one of the partnership's 14 districts")


def test_fire_district_without_a_reason_fails(marts, settings, gx_home) -> None:
    broken = marts[FIRE].copy()
    assert (broken["attribution_method"] == "ward_code").any(), "the demo should give ward-code-only incidents"
    broken.loc[_fire_row(broken, attribution_method="ward_code"), "lad_code"] = "E07000123"
    _only_failure(_check(FIRE, broken, settings, gx_home), "An incident without a district says why")
    # and an attributed incident that lost its district
    broken = marts[FIRE].copy()
    broken.loc[_fire_row(broken, attribution_method="district_code"), "lad_code"] = None
    _only_failure(_check(FIRE, broken, settings, gx_home), "attributed by its LSOA's lookup or its district code")


def test_fire_type_on_a_false_alarm_fails(marts, settings, gx_home) -> None:
    broken = marts[FIRE].copy()
    broken.loc[_fire_row(broken, incident_group="false alarm"), "fire_type"] = "primary"
    _only_failure(_check(FIRE, broken, settings, gx_home), "A false alarm or special service has no fire type")


# --- survey_indicators -----------------------------------------------------------------------

def test_survey_suppressed_figure_shown_fails(marts, settings, gx_home) -> None:
    broken = marts[SURVEY].copy()
    hidden = broken.index[~broken["is_published"]]
    assert len(hidden), "the demo should give some small-base cells"
    broken.loc[hidden[0], "change_pp"] = 1.5
    failure = _only_failure(_check(SURVEY, broken, settings, gx_home), "A suppressed cell shows no `change_pp`")
    row = broken.loc[hidden[0]]
    assert f"at {row['indicator_id']} {row['area_code']} {row['wave']}" in failure


def test_survey_value_outside_its_interval_fails(marts, settings, gx_home) -> None:
    broken = marts[SURVEY].copy()
    i = broken.index[broken["is_published"]][0]
    broken.loc[i, "value_pct"] = broken.loc[i, "ci_high_pct"] + 0.5
    _only_failure(_check(SURVEY, broken, settings, gx_home), "The value is not above its interval's upper end")


# --- health_indicators -----------------------------------------------------------------------

def _health_row(frame: pd.DataFrame) -> int:
    """A district's row with a published value and interval."""
    return frame.index[(frame["area_code"] == "E07000123") & frame["lower_ci_95"].notna() & frame["value"].notna()][0]


def test_health_value_outside_its_interval_fails(marts, settings, gx_home) -> None:
    broken = marts[HEALTH].copy()
    i = _health_row(broken)
    broken.loc[i, "lower_ci_95"] = broken.loc[i, "value"] + 1
    _only_failure(_check(HEALTH, broken, settings, gx_home), "The latest period: lower_ci_95 <= value")


def test_health_key_twice_fails(marts, settings, gx_home) -> None:
    health = marts[HEALTH]
    broken = pd.concat([health, health.loc[[_health_row(health)]]])
    _only_failure(_check(HEALTH, broken, settings, gx_home), "One row per indicator, area, sex and age")


def test_health_england_compared_with_itself_fails(marts, settings, gx_home) -> None:
    broken = marts[HEALTH].copy()
    i = broken.index[broken["area_code"] == ENGLAND][0]
    broken.loc[i, "england_comparison"] = "similar"
    failure = _only_failure(_check(HEALTH, broken, settings, gx_home), "England is the comparator")
    assert f"'similar' at {broken.loc[i, 'fingertips_indicator_id']} {ENGLAND}" in failure
    # and no other area may be the comparator
    broken = marts[HEALTH].copy()
    broken.loc[_health_row(broken), "england_comparison"] = "comparator"
    _only_failure(_check(HEALTH, broken, settings, gx_home), "Only England is the comparator")


def test_health_unknown_change_status_fails(marts, settings, gx_home) -> None:
    broken = marts[HEALTH].copy()
    broken.loc[_health_row(broken), "change_status"] = "better"
    _only_failure(_check(HEALTH, broken, settings, gx_home), "change_status is improved, worsened")


# --- a failing check blocks what depends on its mart ------------------------------------------

@pytest.mark.parametrize(("check", "suite", "expected"), [
    (fire_incident_expectations, FIRE, "One row per line of a loaded file"),
    (health_mart_expectations, HEALTH, "One row per indicator, area, sex and age"),
])
def test_failing_check_blocks_downstream(check, suite: str, expected: str, marts, tmp_path: Path) -> None:
    frame = marts[suite]
    broken = pd.concat([frame, frame.iloc[[0]]])  # a row twice
    (key,) = [spec.asset_key for spec in check.check_specs]

    @dg.asset(key=key)
    def mart(warehouse: WarehouseResource) -> None:
        with duckdb.connect(str(warehouse.database)) as con:
            con.execute("create schema marts")
            con.register("broken", broken)
            con.execute(f"create table {'.'.join(key.path)} as select * from broken")

    @dg.asset(key=["outputs", "probe"], deps=[key])
    def probe() -> None:
        """Stands for what is built from the mart (the outputs, the published warehouse)."""

    result = dg.materialize([mart, probe, check], resources={"warehouse": WarehouseResource(home=str(tmp_path))},
                            raise_on_error=False)
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and expected in evaluation.description
    assert any(expected in f for f in evaluation.metadata["failed_expectations"].value)
    assert not result.asset_materializations_for_node("outputs__probe")
