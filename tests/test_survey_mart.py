"""The survey models on a small warehouse built with the loader: dbt builds stg_survey__responses,
fct_survey_response and mart_survey_indicators (and their tests) from two generated waves, one of
them resubmitted, with the small-base threshold set in the home's settings.toml.

Only the survey models and their parents are built (``dbt build --select +mart_survey_indicators``),
in this process, with their own target and log paths, so no nightly run is needed.
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import polars as pl
import pytest

from ingestion.demo.survey import write_survey_demo
from ingestion.loader import ingest_landing
from ingestion.pseudonymise import KEY_VARIABLE
from orchestration.dbt_project import dbt_vars
from orchestration.dbt_column_lineage import close_dbt_duckdb_connection
from warehouse import survey
from warehouse.settings import DBT_PROJECT_DIR, load_settings

MONTHS = ["2024-04", "2024-05", "2024-06", "2024-07", "2024-08", "2024-09"]
RIBBLE_VALLEY, PRESTON, COUNTY, FORCE_AREA = "E07000124", "E07000123", "E10000017", "E23000003"
MIN_RESPONDENTS = 45  # not the default: proves the setting reaches the mart


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    from dbt.cli.main import dbtRunner

    home = tmp_path_factory.mktemp("survey_home")
    (home / "settings.toml").write_text(f"[survey]\nmin_respondents = {MIN_RESPONDENTS}\n")
    landing = home / "landing"
    db = home / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(KEY_VARIABLE, "survey-mart-test-key")
        q1, q2 = write_survey_demo(landing, seed=11, months=MONTHS)
        first = ingest_landing(db, landing, "run-1", ["residents_survey"])["residents_survey"]
        # Q2 resubmitted with every weight 1: the corrected file supersedes the first
        corrected = pl.read_csv(q2, infer_schema=False).with_columns(pl.lit("1").alias("Survey Weight"))
        corrected.write_csv(landing / "residents_survey" / "lancashire-talking-2024-25-q2-corrected.csv")
        second = ingest_landing(db, landing, "run-2", ["residents_survey"])["residents_survey"]
        mp.setenv("CSW_WAREHOUSE_PATH", str(db))
        result = dbtRunner().invoke([
            "build", "--select", "+mart_survey_indicators", "--indirect-selection", "cautious",
            "--vars", dbt_vars(load_settings(home)),
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(home / "target"), "--log-path", str(home / "logs"), "--quiet",
        ])
    failures = [f"{r.node.unique_id}: {r.status} {r.message or ''}" for r in (result.result or [])
                if str(r.status) not in {"pass", "success"}]
    assert result.success and not failures, failures
    # dbt-duckdb keeps its connection to the file open in this process: connect with the same configuration
    close_dbt_duckdb_connection()  # dbt-duckdb keeps its handle, opened with the [duckdb] settings
    with duckdb.connect(str(db)) as con:
        yield {
            "loads": first + second,
            "fct": con.execute("select * from marts.fct_survey_response").pl(),
            "mart": con.execute("select * from marts.mart_survey_indicators").pl(),
            "raw": con.execute("select * from raw.residents_survey").pl(),
            "marts_text": "\n".join(
                con.execute(f"select * from marts.{t}").pl().write_csv()
                for t in ("fct_survey_response", "mart_survey_indicators")
            ),
        }


def cell(mart: pl.DataFrame, indicator: str, area: str, wave: str) -> dict:
    (row,) = mart.filter((pl.col("indicator_id") == indicator) & (pl.col("area_code") == area)
                         & (pl.col("wave") == wave)).to_dicts()
    return row


def test_grid_is_complete_and_the_setting_applies(built) -> None:
    mart = built["mart"]
    assert mart.height == 3 * 19 * 2  # indicators x (14 + county + force area + 3 clusters) x waves
    assert mart.select("indicator_id", "area_code", "wave").is_unique().all()
    assert set(mart["area_code"]) >= {COUNTY, FORCE_AREA, "CLUSTER_NORTH", "CLUSTER_CENTRAL", "CLUSTER_EAST"}
    assert set(mart["min_respondents"]) == {MIN_RESPONDENTS}
    assert set(mart["key_issue"]) == {"Feeling safe"}
    assert set(mart["priority"]) == {"Empower our communities to feel safe"}


def test_small_district_is_suppressed_with_the_reason(built) -> None:
    mart = built["mart"]
    for indicator in ("survey_feel_safe_day", "survey_feel_safe_after_dark", "survey_agencies_deal"):
        small = cell(mart, indicator, RIBBLE_VALLEY, "2024-25-Q1")
        assert small["n_unweighted"] < MIN_RESPONDENTS and not small["is_published"]
        assert small["value_pct"] is None and small["ci_low_pct"] is None and small["ci_high_pct"] is None
        assert small["suppression_reason"] == (
            f"fewer than {MIN_RESPONDENTS} respondents answered ({small['n_unweighted']})")
        after = cell(mart, indicator, RIBBLE_VALLEY, "2024-25-Q2")
        assert after["is_published"] and after["value_pct"] is not None
        assert after["change_pp"] is None and after["p_value"] is None
        assert after["change_reason"] == "the previous wave is not published"
    published = mart.filter("is_published")
    assert (published["n_unweighted"] >= MIN_RESPONDENTS).all() and published["suppression_reason"].is_null().all()


def test_district_value_matches_a_hand_calculation(built) -> None:
    fct = built["fct"].filter((pl.col("lad_code") == PRESTON) & (pl.col("wave") == "2024-25-Q1")
                              & pl.col("feels_safe_after_dark").is_not_null())
    w = fct["weight"].to_numpy()
    y = fct["feels_safe_after_dark"].to_numpy().astype(float)
    p = (w * y).sum() / w.sum()
    n_eff = w.sum() ** 2 / (w**2).sum()
    z = 1.959963984540054
    centre = (p + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
    half = z / (1 + z * z / n_eff) * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff**2))
    got = cell(built["mart"], "survey_feel_safe_after_dark", PRESTON, "2024-25-Q1")
    assert got["n_unweighted"] == fct.height
    assert got["n_effective"] == pytest.approx(n_eff)
    assert got["value_pct"] == pytest.approx(100 * p)
    assert got["ci_low_pct"] == pytest.approx(100 * (centre - half))
    assert got["ci_high_pct"] == pytest.approx(100 * (centre + half))
    assert got["standard_error_pct"] == pytest.approx(100 * math.sqrt(p * (1 - p) / n_eff))


def test_aggregate_areas_pool_their_members(built) -> None:
    mart = built["mart"]
    for indicator in ("survey_feel_safe_day", "survey_agencies_deal"):
        districts = mart.filter((pl.col("indicator_id") == indicator) & (pl.col("wave") == "2024-25-Q1"))
        l12 = districts.filter(pl.col("area_code").str.starts_with("E07"))["n_unweighted"].sum()
        l14 = districts.filter(pl.col("area_type").is_in(["district", "unitary"]))["n_unweighted"].sum()
        assert cell(mart, indicator, COUNTY, "2024-25-Q1")["n_unweighted"] == l12
        assert cell(mart, indicator, FORCE_AREA, "2024-25-Q1")["n_unweighted"] == l14


def test_change_between_waves_is_tested_on_effective_sizes(built) -> None:
    mart = built["mart"]
    before = cell(mart, "survey_feel_safe_after_dark", FORCE_AREA, "2024-25-Q1")
    now = cell(mart, "survey_feel_safe_after_dark", FORCE_AREA, "2024-25-Q2")
    z, p_value = survey.change_test(now["value_pct"] / 100, now["n_effective"], before["value_pct"] / 100,
                                    before["n_effective"])
    assert now["previous_wave"] == "2024-25-Q1" and now["previous_value_pct"] == pytest.approx(before["value_pct"])
    assert now["change_pp"] == pytest.approx(now["value_pct"] - before["value_pct"])
    assert now["change_z"] == pytest.approx(float(z)) and now["p_value"] == pytest.approx(float(p_value))
    assert now["significant_change"] == (float(p_value) < now["significance_level"])
    assert before["change_reason"] == "no previous wave"


def test_resubmitted_wave_replaces_the_first_and_quarantine_stays_out(built) -> None:
    loads = built["loads"]
    assert [r.status for r in loads] == ["loaded", "loaded", "loaded"]
    corrected = loads[-1]
    assert corrected.superseded and corrected.partition_key == "2024-25-Q2"
    fct_q2 = built["fct"].filter(pl.col("wave") == "2024-25-Q2")
    assert fct_q2.height == corrected.rows_loaded  # superseded and quarantined rows excluded
    assert set(fct_q2["source_file"]) == {corrected.sha256}
    # equal weights: every district's effective size equals its respondents
    q2 = built["mart"].filter((pl.col("wave") == "2024-25-Q2") & (pl.col("n_unweighted") > 0))
    np.testing.assert_allclose(q2["n_effective"].to_numpy(), q2["n_unweighted"].to_numpy().astype(float))


def test_marts_carry_no_references(built) -> None:
    for table in ("fct", "mart"):
        assert not [c for c in built[table].columns if "reference" in c or c.startswith("respondent")]
    pseudonyms = built["raw"]["respondent_reference"].unique().to_list()
    text = built["marts_text"]
    assert not [p for p in pseudonyms[:500] if p in text]
    assert "LT-0" not in text


def test_great_expectations_suite_passes_and_catches_breaks(built, tmp_path) -> None:
    """The committed suite survey_indicators (gx/), run as its Dagster asset check runs it, with the
    home's threshold: the mart passes; a suppressed figure shown and a value below its interval fail."""
    from reporting.expectations import check_table
    from reporting.gx_project import SURVEY_SUITE, suite_expectations

    settings = {"survey": {"min_respondents": MIN_RESPONDENTS}}
    frame = built["mart"].to_pandas()
    outcome = check_table(SURVEY_SUITE, frame, settings, home=tmp_path)
    assert outcome.success, outcome.message()
    assert outcome.statistics["evaluated_expectations"] == len(suite_expectations(SURVEY_SUITE))

    broken = frame.copy()
    broken.loc[~broken["is_published"], "value_pct"] = 50.0  # a suppressed figure shown
    broken.loc[broken.index[0], "ci_low_pct"] = broken.loc[broken.index[0], "value_pct"] + 1
    outcome = check_table(SURVEY_SUITE, broken, settings, home=tmp_path)
    assert not outcome.success
    message = outcome.message()
    assert "A suppressed cell shows no `value_pct`" in message
    assert "The value is not below its interval's lower end" in message
    assert len(outcome.failures) == 2
    # the threshold is the setting's: raised above the smallest published cell, that cell fails
    smallest = int(frame.loc[frame["is_published"], "n_unweighted"].min())
    outcome = check_table(SURVEY_SUITE, frame, {"survey": {"min_respondents": smallest + 1}}, home=tmp_path)
    (failure,) = outcome.failures
    assert "No figure published from fewer than [survey] min_respondents respondents" in failure
