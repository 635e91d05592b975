"""Great Expectations checks: the suites in gx/, the output-table check, the mart check, Data Docs
and the blocking Dagster asset check.

Frames are built from the real demo mart (the session's nightly run); each broken frame breaks one
rule and must fail with that rule named and the failing indicator, area and period quoted, while
the other expectations still pass (so each expectation is shown to test what it says).
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from orchestration.definitions import defs
from orchestration.expectation_checks import SCORECARD_MART, scorecard_mart_expectations
from orchestration.resources import WarehouseResource
from reporting import gx_project
from reporting.expectations import (
    CheckOutcome,
    OutputCheckFailed,
    build_data_docs,
    check_output_table,
    check_scorecard_mart,
    read_scorecard_mart,
    suite_parameters,
)
from warehouse.settings import REPO_ROOT, load_settings

pytestmark = pytest.mark.e2e

COUNTY = "E10000017"
FORCE_AREA = "E23000003"
GRID = "Every indicator x reporting area x period present"
NON_NEGATIVE = "Values non-negative: `value`"
RATES = "Rates consistent with counts and population"
DISCLOSURE = "No suppressed value below the threshold visible"
TOTALS = "Totals of districts consistent with the county"
RECOVERABLE = "No suppressed value recoverable"
COUNTS = ["value", "value_same_quarter_last_year", "rolling_12m", "rolling_12m_previous"]


@pytest.fixture(scope="module")
def settings(demo_home: Path) -> dict:
    return load_settings(demo_home)


@pytest.fixture(scope="module")
def mart(demo_home: Path) -> pd.DataFrame:
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        return read_scorecard_mart(con)


@pytest.fixture(scope="module")
def gx_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the output checks below write their results and Data Docs."""
    return tmp_path_factory.mktemp("gx_home")


@pytest.fixture(scope="module")
def published(mart: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """A correct output table: the mart with one indicator put in a sensitive theme and disclosure
    control applied as the settings say: counts 1..threshold-1 blanked, every total containing a
    blanked district blanked too (secondary suppression), rates of a blanked rolling count and
    percentage changes of a blanked value blanked, ``suppressed`` flagged."""
    threshold = settings["disclosure"]["threshold"]
    members = pd.DataFrame([(total, member) for total, parts in suite_parameters(settings)["additive_area_members"].items()
                            for member in parts], columns=["total", "area_code"])
    period = ["indicator_id", "financial_year", "fy_quarter"]
    frame = mart.copy()
    # only crime_robbery is sensitive here (the demo's own sensitive indicators, e.g. exploitation,
    # are moved out of their themes so that this hand-made control stays the only one)
    themes = {t.lower() for t in settings["disclosure"]["sensitive_themes"]}
    frame.loc[frame["theme"].str.lower().isin(themes), "theme"] = "not sensitive in this test"
    sensitive = frame["indicator_id"] == "crime_robbery"
    frame.loc[sensitive, "theme"] = settings["disclosure"]["sensitive_themes"][1]
    frame["suppressed"] = False
    for column in COUNTS:
        small = sensitive & frame[column].between(1, threshold - 1)
        totals = (frame.loc[small, [*period, "area_code"]].merge(members, on="area_code")
                  .drop(columns="area_code").rename(columns={"total": "area_code"}).drop_duplicates())
        secondary = frame[[*period, "area_code"]].reset_index().merge(totals)["index"]
        blank = small | frame.index.isin(secondary)
        frame.loc[blank, column] = None
        frame.loc[blank, "suppressed"] = True
        derived = ["rate_per_1000", "rate"] if column == "rolling_12m" else ["pct_change"] if column in COUNTS[:2] else []
        frame.loc[blank, derived] = None
    return frame


def _row(frame: pd.DataFrame, **where) -> int:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    return frame.index[mask & frame["rolling_12m"].notna()][-1]


def _failed(frame: pd.DataFrame, settings: dict, home: Path, name: str) -> str:
    with pytest.raises(OutputCheckFailed) as failure:
        check_output_table(name, frame, settings, home=home)
    return str(failure.value)


def _only_failure(message: str, expectation: str) -> None:
    lines = [line for line in message.splitlines() if line.startswith("  - ")]
    assert len(lines) == 1 and expectation in lines[0], message


# --- the committed project ---------------------------------------------------------------------

def test_committed_suites_are_the_ones_the_code_defines(gx_home: Path) -> None:
    context = gx_project.open_context(gx_home)
    for name in (gx_project.MART_SUITE, gx_project.OUTPUT_SUITE):
        committed = context.suites.get(name)
        wanted = gx_project.suite_expectations(name)
        as_tuples = lambda exps: [(e.expectation_type, e.configuration.kwargs, e.description) for e in exps]  # noqa: E731
        assert as_tuples(committed.expectations) == as_tuples(wanted), (
            f"gx/expectations/{name}.json differs from reporting/gx_project.py: run python -m reporting.gx_project")
        assert context.validation_definitions.get(name).suite.name == name
        assert context.checkpoints.get(name).validation_definitions[0].name == name


def test_suite_parameters_come_from_settings_and_the_area_seed(settings: dict) -> None:
    params = suite_parameters({**settings, "disclosure": {"threshold": 10, "sensitive_themes": ["hate crime"]}})
    assert params["disclosure_threshold"] == 10 and params["sensitive_themes"] == ["hate crime"]
    assert params["additive_area_members"][COUNTY] == [f"E070001{n}" for n in range(17, 29)]
    assert FORCE_AREA not in params["additive_area_members"]  # the force area counts more than its 14
    assert params["additive_area_members"]["CLUSTER_NORTH"] == settings["clusters"]["north"]
    assert len(params["reporting_areas"]) == 16 + len(settings["clusters"])


# --- output tables -------------------------------------------------------------------------------

def test_correct_output_table_passes(published: pd.DataFrame, settings: dict, gx_home: Path) -> None:
    assert published["suppressed"].any()  # disclosure control had something to do
    check_output_table("scorecard_correct.csv", published, settings, home=gx_home)
    # one period, without the clusters, as a quarterly output shows it
    latest = published[(published["quarter_end_month"] == published["quarter_end_month"].max())
                       & (published["area_type"] != "cluster")]
    check_output_table("scorecard_latest_quarter.csv", latest, settings, home=gx_home)


def test_missing_grid_row_fails(published: pd.DataFrame, settings: dict, gx_home: Path) -> None:
    i = _row(published, indicator_id="crime_burglary", area_code="E07000123")
    gone = published.loc[i]
    message = _failed(published.drop(index=i), settings, gx_home, "missing_row.csv")
    _only_failure(message, GRID)
    assert f"crime_burglary E07000123 {gone['financial_year']} Q{gone['fy_quarter']}" in message
    assert "missing_row.csv" in message


def test_negative_value_fails(published: pd.DataFrame, settings: dict, gx_home: Path) -> None:
    broken = published.copy()
    i = _row(broken, indicator_id="asb_incidents", area_code=FORCE_AREA)  # no total depends on it
    broken.loc[i, "value"] = -7
    message = _failed(broken, settings, gx_home, "negative.csv")
    _only_failure(message, NON_NEGATIVE)
    assert f"-7.0 at asb_incidents {FORCE_AREA} {broken.loc[i, 'financial_year']} Q{broken.loc[i, 'fy_quarter']}" in message


def test_inconsistent_rate_fails(published: pd.DataFrame, settings: dict, gx_home: Path) -> None:
    broken = published.copy()
    i = _row(broken, indicator_id="all_crime", area_code="E07000117")
    broken.loc[i, "rate_per_1000"] *= 1.1
    message = _failed(broken, settings, gx_home, "rate.csv")
    _only_failure(message, RATES)
    assert f"all_crime E07000117 {broken.loc[i, 'financial_year']} Q{broken.loc[i, 'fy_quarter']}: rate_per_1000" in message


def test_rate_shown_for_a_suppressed_count_fails(published: pd.DataFrame, settings: dict, gx_home: Path) -> None:
    hidden = published.index[published["rolling_12m"].isna() & published["suppressed"]]
    assert len(hidden), "the demo should give some suppressed rolling counts"
    broken = published.copy()
    broken.loc[hidden[0], "rate_per_1000"] = 0.01
    _only_failure(_failed(broken, settings, gx_home, "rate_of_suppressed.csv"), RATES)


def test_visible_small_count_in_sensitive_theme_fails(published: pd.DataFrame, settings: dict, gx_home: Path) -> None:
    broken = published.copy()
    i = _row(broken, indicator_id="crime_robbery", area_code="E07000124")
    broken.loc[i, "value_same_quarter_last_year"] = 3
    message = _failed(broken, settings, gx_home, "disclosive.csv")
    # the 3 may also break a total it adds to, but the disclosure rule must be named
    assert DISCLOSURE in message
    assert f"crime_robbery E07000124 {broken.loc[i, 'financial_year']} Q{broken.loc[i, 'fy_quarter']}" in message
    assert "value_same_quarter_last_year 3.0" in message
    # the same 3 outside a sensitive theme is a legitimate count (a total it adds to may still differ)
    broken.loc[broken["indicator_id"] == "crime_robbery", "theme"] = "acquisitive crime"
    try:
        check_output_table("not_sensitive.csv", broken, settings, home=gx_home)
    except OutputCheckFailed as failure:
        assert DISCLOSURE not in str(failure)


def test_suppressed_cell_recoverable_from_a_total_fails(published: pd.DataFrame, settings: dict,
                                                        gx_home: Path) -> None:
    broken = published.copy()
    i = _row(broken, indicator_id="all_crime", area_code="E07000122")
    broken.loc[i, ["value", "suppressed"]] = [None, True]  # suppressed, but Lancashire-12 still shown
    period = f"{broken.loc[i, 'financial_year']} Q{broken.loc[i, 'fy_quarter']}"
    message = _failed(broken, settings, gx_home, "recoverable.csv")
    _only_failure(message, RECOVERABLE)
    assert f"all_crime {COUNTY} {period}: value shown with exactly one member district suppressed" in message
    assert f"all_crime CLUSTER_EAST {period}: value shown" in message
    # a percentage change beside a suppressed value gives the value away too
    broken = published.copy()
    j = published.index[published["value"].isna() & published["suppressed"]][0]
    broken.loc[j, "pct_change"] = 12.5
    _only_failure(_failed(broken, settings, gx_home, "recoverable_change.csv"), RECOVERABLE)


def test_district_sum_differing_from_county_fails(published: pd.DataFrame, settings: dict, gx_home: Path) -> None:
    broken = published.copy()
    i = _row(broken, indicator_id="crime_vehicle_crime", area_code=COUNTY)
    broken.loc[i, "value"] += 1
    message = _failed(broken, settings, gx_home, "county.csv")
    _only_failure(message, TOTALS)
    assert f"crime_vehicle_crime {COUNTY} {broken.loc[i, 'financial_year']} Q{broken.loc[i, 'fy_quarter']}: value" in message
    # not additive: no total to check
    broken.loc[broken["indicator_id"] == "crime_vehicle_crime", "is_additive"] = False
    check_output_table("county_not_additive.csv", broken, settings, home=gx_home)


@pytest.mark.night  # shows the validations of the tests above, which read the demo night
def test_data_docs_show_the_suites_and_each_checked_output(gx_home: Path) -> None:
    index = build_data_docs(gx_home)
    assert index == gx_home / "outputs" / "data_docs" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert gx_project.OUTPUT_SUITE in html and gx_project.MART_SUITE in html
    pages = {p.parent.parent.name for p in (index.parent / "validations" / gx_project.OUTPUT_SUITE).rglob("*.html")}
    assert {"scorecard_correct.csv", "county.csv", "disclosive.csv"} <= pages
    assert (gx_home / "gx" / "validations" / gx_project.OUTPUT_SUITE).is_dir()


def test_checks_never_write_into_the_repository() -> None:
    gx_dir = REPO_ROOT / "gx"
    assert not (gx_dir / "uncommitted").exists()
    assert {p.name for p in gx_dir.iterdir()} <= {
        "great_expectations.yml", "expectations", "checkpoints", "validation_definitions", ".gitignore"}


# --- the mart and the Dagster check ------------------------------------------------------------

def test_demo_mart_passes(demo_home: Path, settings: dict) -> None:
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        outcome = check_scorecard_mart(con, settings, home=demo_home)
    assert isinstance(outcome, CheckOutcome)
    assert outcome.success, outcome.message()
    assert outcome.statistics["evaluated_expectations"] == len(gx_project.suite_expectations(gx_project.MART_SUITE))


def test_nightly_job_ran_the_blocking_check_and_built_data_docs(demo_run) -> None:
    home, result = demo_run
    evaluations = [e for e in result.get_asset_check_evaluations()
                   if e.asset_key == SCORECARD_MART and e.check_name == "great_expectations"]
    assert [e.passed for e in evaluations] == [True]
    assert evaluations[0].metadata["unsuccessful_expectations"].value == 0
    assert (home / "outputs" / "data_docs" / "index.html").exists()
    nightly = defs.resolve_job_def("nightly")
    assert "marts__mart_scorecard_quarterly_great_expectations" in nightly.graph.node_dict
    (spec,) = scorecard_mart_expectations.check_specs
    assert spec.blocking and scorecard_mart_expectations.node_def.pool == "duckdb_writer"


def test_failing_mart_check_blocks_downstream_outputs(mart: pd.DataFrame, tmp_path: Path) -> None:
    broken = mart[~((mart["indicator_id"] == "asb_incidents") & (mart["area_code"] == "E07000121"))]

    @dg.asset(key=SCORECARD_MART)
    def scorecard_mart(warehouse: WarehouseResource) -> None:
        with duckdb.connect(str(warehouse.database)) as con:
            con.execute("create schema marts")
            con.register("broken", broken)
            con.execute("create table marts.mart_scorecard_quarterly as select * from broken")

    @dg.asset(key=["outputs", "probe"], deps=[SCORECARD_MART])
    def probe() -> None:
        """Stands for the published outputs downstream of the mart."""

    result = dg.materialize([scorecard_mart, probe, scorecard_mart_expectations],
                            resources={"warehouse": WarehouseResource(home=str(tmp_path))}, raise_on_error=False)
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed
    assert GRID in evaluation.description and "asb_incidents E07000121" in evaluation.description
    assert any(GRID in f for f in evaluation.metadata["failed_expectations"].value)
    assert result.asset_materializations_for_node("marts__mart_scorecard_quarterly")
    assert not result.asset_materializations_for_node("outputs__probe")
