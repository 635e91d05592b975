"""Units of the trace: period parsing against the financial calendar, the git commit record, and
the traces of the figures that are not counts of events (residents' survey estimates, OHID
Fingertips figures), chosen by the indicator's source model, on a small warehouse."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingestion.demo.fingertips import write_fingertips_demo
from ingestion.demo.survey import write_survey_demo
from ingestion.loader import ingest_landing
from ingestion.pseudonymise import KEY_VARIABLE
from orchestration.build_record import git_commit
from orchestration.dbt_column_lineage import close_dbt_duckdb_connection
from orchestration.dbt_project import dbt_vars
from cli.trace import raw_table_of, render_text
from warehouse.settings import DBT_PROJECT_DIR, load_settings
from warehouse.trace import TraceError, parse_period, trace


def test_month() -> None:
    period = parse_period("2024-03")
    assert (period.kind, period.months) == ("month", (date(2024, 3, 1),))


@pytest.mark.parametrize(("text", "first", "last"), [
    ("2024/25-Q1", date(2024, 4, 1), date(2024, 6, 1)),
    ("2024/25-Q2", date(2024, 7, 1), date(2024, 9, 1)),
    ("2024/25-Q3", date(2024, 10, 1), date(2024, 12, 1)),
    ("2024/25-Q4", date(2025, 1, 1), date(2025, 3, 1)),
    ("1999/00-Q4", date(2000, 1, 1), date(2000, 3, 1)),
])
def test_financial_quarter(text: str, first: date, last: date) -> None:
    period = parse_period(text)
    assert period.kind == "quarter" and len(period.months) == 3
    assert (period.months[0], period.months[-1]) == (first, last)
    assert period.financial_year == text[:7] and period.fy_quarter == int(text[-1])


def test_financial_year_is_april_to_march() -> None:
    period = parse_period("2024/25")
    assert period.kind == "financial_year" and len(period.months) == 12
    assert (period.months[0], period.months[-1]) == (date(2024, 4, 1), date(2025, 3, 1))


@pytest.mark.parametrize("text", ["2024-13", "2024/26", "2024/25-Q5", "Q2 2024", "2024"])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(TraceError):
        parse_period(text)


def test_git_commit_outside_a_checkout_says_so(tmp_path: Path) -> None:
    record = git_commit(tmp_path)
    assert record["commit"] is None and "not a git checkout" in record["note"]


# --- survey estimates and OHID Fingertips figures, on a small warehouse ------------------------
# Built with the loader and `dbt build --select` of the survey and Fingertips models (and the
# indicator and area dimensions the trace reads), in this process, as tests/test_survey_mart.py
# and tests/test_fingertips_dbt.py build theirs: no nightly run.

SURVEY_MONTHS = ["2024-04", "2024-05", "2024-06", "2024-07", "2024-08", "2024-09"]
PRESTON, RIBBLE_VALLEY, COUNTY, FORCE_AREA, ENGLAND = "E07000123", "E07000124", "E10000017", "E23000003", "E92000001"
REFERENCE = re.compile(r"LT-[0-9]{6}")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory):
    from dbt.cli.main import dbtRunner

    home = tmp_path_factory.mktemp("trace_home")
    (home / "settings.toml").write_text("[survey]\nmin_respondents = 45\n")
    landing, db = home / "landing", home / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(KEY_VARIABLE, "trace-units-test-key")
        write_survey_demo(landing, seed=11, months=SURVEY_MONTHS)
        write_fingertips_demo(landing)
        loads = ingest_landing(db, landing, "run-1")
        mp.setenv("CSW_WAREHOUSE_PATH", str(db))
        result = dbtRunner().invoke([
            "build", "--select", "+mart_survey_indicators", "+mart_health_indicators", "+dim_indicator", "+dim_area",
            "--indirect-selection", "cautious", "--vars", dbt_vars(load_settings(home)),
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(home / "target"), "--log-path", str(home / "logs"), "--quiet",
        ])
    failures = [f"{r.node.unique_id}: {r.status} {r.message or ''}" for r in (result.result or [])
                if str(r.status) not in {"pass", "success"}]
    assert result.success and not failures, failures
    assert [r.status for r in loads["residents_survey"]] == ["loaded", "loaded"]
    close_dbt_duckdb_connection()  # dbt-duckdb keeps its handle, opened with the [duckdb] settings
    con = duckdb.connect(str(db))
    yield {"con": con, "landing": landing}
    con.close()


def _trace(small, indicator_id: str, area: str, period: str, **kwargs):
    return trace(small["con"], indicator_id, area, period, force_area_code=FORCE_AREA, raw_table_of=raw_table_of,
                 **kwargs)


def _indicator_of(small, source_model: str) -> str:
    """Any indicator the definitions give this source model (the trace is chosen by it, not by id)."""
    con = small["con"]
    table = "marts.dim_indicator" if con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = 'dim_indicator'"
    ).fetchone()[0] else "reference.indicator_catalogue"
    return con.execute(f"select min(indicator_id) from {table} where source_model = ?", [source_model]).fetchone()[0]


def test_survey_estimate_is_re_estimated_from_its_respondents(small) -> None:
    indicator = _indicator_of(small, "mart_survey_indicators")
    t = _trace(small, indicator, PRESTON, "2024-25-Q1", with_rows=True)
    assert t.kind == "survey_estimate" and t.matches
    cell = small["con"].execute(
        "select value_pct, n_unweighted, n_effective from marts.mart_survey_indicators "
        "where indicator_id = ? and area_code = ? and wave = '2024-25-Q1'", [indicator, PRESTON]).fetchone()
    assert t.value == pytest.approx(cell[0]) and t.recount_value == pytest.approx(cell[0])
    assert t.recount_rows == cell[1] == len(t.rows)
    assert t.detail["recount"]["n_effective"] == pytest.approx(cell[2])
    # the rows are the respondents of fct_survey_response, by file and line: re-estimating by hand gives the value
    weights = [r["weight"] for r in t.rows]
    assert 100 * sum(r["weight"] * r["value"] for r in t.rows) / sum(weights) == pytest.approx(cell[0])
    assert {r["lad_code"] for r in t.rows} == {PRESTON}
    (file,) = t.files
    assert file["file_name"] == "lancashire-talking-2024-25-q1.csv" and file["rows"] == cell[1]
    landed = (small["landing"] / "residents_survey" / file["file_name"]).read_text().splitlines()
    assert all(PRESTON in landed[r["line"] - 1] or "Preston" in landed[r["line"] - 1] for r in t.rows)
    # no reference, no pseudonym anywhere in the answer
    text = json.dumps(t.as_dict(), default=str) + render_text(t, show_sql=False)
    pseudonyms = {p for (p,) in small["con"].execute("select respondent_reference from raw.residents_survey").fetchall()}
    assert not REFERENCE.search(text) and not [p for p in pseudonyms if p in text]
    assert "respondent_reference" not in text


def test_survey_quarter_is_the_wave_the_scorecard_shows_and_areas_pool(small) -> None:
    indicator = _indicator_of(small, "mart_survey_indicators")
    by_quarter = _trace(small, indicator, COUNTY, "2024/25-Q2")
    by_wave = _trace(small, indicator, COUNTY, "2024/25 Q2")
    assert by_quarter.detail["wave"] == by_wave.detail["wave"] == "2024-25-Q2" and by_quarter.matches
    districts = {r["lad_code"] for r in _trace(small, indicator, COUNTY, "2024-25-Q2", with_rows=True).rows}
    assert districts <= set(by_quarter.area["member_districts"]) and len(districts) == 12
    with pytest.raises(TraceError, match="waves: 2024-25-Q1, 2024-25-Q2"):
        _trace(small, indicator, COUNTY, "2023-24-Q1")


def test_suppressed_survey_cell_confirms_its_base_without_giving_the_value(small) -> None:
    indicator = _indicator_of(small, "mart_survey_indicators")
    t = _trace(small, indicator, RIBBLE_VALLEY, "2024-25-Q1", with_rows=True)
    assert t.value is None and t.matches  # small base: nothing published, and the re-count agrees
    assert t.detail["published"]["is_published"] is False and t.recount_rows < 45
    assert t.recount_value is None and all(r["answer"] is None and r["value"] is None for r in t.rows)
    assert "fewer than 45 respondents" in render_text(t, show_sql=False)


def test_fingertips_figure_traces_to_the_published_row_of_the_export(small) -> None:
    indicator = _indicator_of(small, "mart_health_indicators")
    latest = _trace(small, indicator, PRESTON, "latest", with_rows=True)
    assert latest.kind == "published_figure" and latest.matches
    row = latest.detail["published_row"]
    (file,) = latest.files
    assert file["file_name"] == row["file_name"] and row["line"] >= 2
    # the line of the landed file is the row as OHID published it
    with (small["landing"] / "fingertips" / row["file_name"]).open(newline="", encoding="utf-8") as fh:
        lines = list(csv.reader(fh))
    published = dict(zip(lines[0], lines[row["line"] - 1]))
    assert published["Area Code"] == PRESTON and published["Time period"] == latest.detail["time_period"]
    assert float(published["Value"]) == pytest.approx(latest.value)
    assert float(published["Lower CI 95.0 limit"]) == pytest.approx(row["fields"]["lower_ci_95"])
    # the same figure by its time period as published (any spacing), and England's
    again = _trace(small, indicator, PRESTON, "  " + latest.detail["time_period"].replace(" ", "  "))
    assert again.detail["published_row"]["line"] == row["line"]
    england = _trace(small, indicator, ENGLAND, latest.detail["time_period"])
    assert england.matches and england.area["area_name"] == "England"
    text = render_text(latest, show_sql=False)
    assert f"{row['file_name']} line {row['line']}" in text and "MATCHES" in text


def test_revised_fingertips_figure_names_the_export_it_replaced(small) -> None:
    con = small["con"]
    revised = con.execute("""
        select f.fingertips_indicator_id, f.area_code, f.time_period from marts.fct_health_indicator f
        join meta.source_files s on s.sha256 = f.source_file
        where s.file_name like '%revision%' and f.category_type = '' and f.area_code like 'E07%' limit 1""").fetchone()
    indicator = con.execute("select indicator_id from marts.dim_indicator where fingertips_indicator_id = ?",
                            [revised[0]]).fetchone()[0]
    t = _trace(small, indicator, revised[1], revised[2])
    assert "revision" in t.detail["published_row"]["file_name"] and t.matches
    (earlier,) = t.detail["other_exports"]
    assert "revision" not in earlier["file_name"] and earlier["line"] >= 2


def test_unknown_fingertips_period_lists_the_published_ones(small) -> None:
    indicator = _indicator_of(small, "mart_health_indicators")
    with pytest.raises(TraceError, match="not a published time period"):
        _trace(small, indicator, PRESTON, "sometime")
