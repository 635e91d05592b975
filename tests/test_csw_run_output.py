"""What ``csw run`` prints, where its log goes, and what its exit code says.

The success case is the session's six-month night, which conftest runs as `csw run` in a process of
its own and whose output it keeps; the other cases are cheap, on a copy of its home: a night whose
intake step fails (everything after it is skipped), a night that meets a missing pseudonymisation
key, and homes where the night cannot start at all.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from cli.main import main


def run(home: Path) -> int:
    return main(["--home", str(home), "run"])


def log_file(out: str) -> Path:
    match = re.search(r"full Dagster log: (\S+\.log)", out)
    assert match, out
    return Path(match.group(1))


@pytest.fixture(scope="module")
def night(six_month_night: dict) -> dict:
    """A small demo home and what `csw run` printed on its first night, run as the data team runs
    it: a process of its own whose output is not a terminal (cron, CI), captured as a terminal
    would show it (file descriptors 1 and 2, whatever writes to them). The session's six-month
    night (conftest.six_month_night, seed 7, 2024-01..2024-06, scale 0.02): read here, never changed."""
    return six_month_night


@pytest.fixture()
def home_copy(night: dict, tmp_path: Path) -> Path:
    """A private copy of the night's home, for the tests that run `csw run` again."""
    shutil.copytree(night["home"], tmp_path / "home", symlinks=True)
    return tmp_path / "home"


def test_a_published_night_exits_0_and_says_what_it_did(night: dict) -> None:
    out, home = night["out"], night["home"]
    assert night["code"] == 0, out + night["err"]
    assert night["err"] == ""
    # a line per phase, with its time
    for phase in ("intake: landed files loaded and validated", "row accounting checks",
                  "dbt build: seeds, models and tests", "Great Expectations checks of the marts",
                  "output: quarterly report", "publish"):
        assert re.search(rf"^  ok +{re.escape(phase)}.* (\d+ min )?\d+(\.\d)? s$", out, re.M), (phase, out)
    # each feed: files loaded / rejected / held / ignored, rows read / loaded / quarantined
    assert re.search(r"^  feed +loaded +rejected +held +ignored +rows read +rows loaded +quarantined$", out, re.M)
    # rows read counted here from the landed files (a record a line: the demo writes no embedded newlines)
    rows = {feed: sum(len(f.read_bytes().splitlines()) - 1 for f in (home / "landing" / feed).iterdir())
            for feed in ("police_street", "fire_incidents")}
    # the police.uk street files: Lancashire's six months and those of the demo's comparator forces
    street_files = len(list((home / "landing" / "police_street").iterdir()))
    assert street_files > 6
    assert re.search(rf"^  police_street +{street_files} +0 +0 +0 +{rows['police_street']:,} "
                     rf"+{rows['police_street']:,} +0$", out, re.M), out
    assert re.search(rf"^  fire_incidents +6 +0 +0 +0 +{rows['fire_incidents']:,} +{rows['fire_incidents'] - 6:,} "
                     r"+6 \(\d+ files?\)$", out, re.M), out
    assert re.search(r"^Feeds: \d+ new files this night", out, re.M), out
    # dbt models and tests, the other checks
    dbt = re.search(r"^dbt: (\d+) models and (\d+) seeds built, (\d+) tests passed, 0 failed$", out, re.M)
    assert dbt and int(dbt.group(1)) > 30 and int(dbt.group(2)) > 3 and int(dbt.group(3)) > 200, out
    assert re.search(r"^Checks: \d+ passed, 0 failed", out, re.M), out
    # outputs written, published, total time
    outputs = home.resolve() / "outputs"
    assert f"scorecard CSV: {outputs / 'quarterly_report_2024-25_Q1.csv'}" in out
    assert f"quarterly report: {outputs / 'quarterly_report_2024-25_Q1.html'}  (2024/25 Q1)" in out
    assert "annual update: none (no complete financial year loaded yet)" in out
    assert f"data-quality CSVs: 5 files in {outputs / 'data_quality'}" in out
    assert f"PUBLISHED: warehouse: {home.resolve() / 'warehouse.duckdb'}" in out
    assert re.search(r"^Total time: \d", out, re.M)


def test_the_full_log_goes_to_a_file_and_no_warning_reaches_the_terminal(night: dict) -> None:
    out, err, home = night["out"], night["err"], night["home"]
    log = log_file(out)
    assert log.parent == home.resolve() / "logs" and log.name.startswith("csw-run-")
    assert f"Full log: {log}" in out
    text = log.read_text(encoding="utf-8")
    assert " - dagster - DEBUG - nightly - " in text and "STEP_SUCCESS" in text
    assert "Done. PASS=" in text  # dbt's own output
    assert "BetaWarning" in text  # Dagster's warnings are kept, in the log
    assert "warning" not in (out + err).lower()
    assert " - dagster - " not in out + err and "PASS=" not in out + err
    assert "\x1b[" not in out + err  # not a terminal: no control codes
    assert len(out.splitlines()) < 60


def test_a_night_whose_step_fails_exits_1_and_says_which(home_copy: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    import orchestration.ingestion_assets as intake

    home = home_copy
    before = (home / "warehouse.duckdb").stat().st_mtime_ns
    monkeypatch.setenv("CSW_WRITE_DOTENV", "0")

    def broken(*args, **kwargs):
        raise RuntimeError("the landing disk is unreadable")

    monkeypatch.setattr(intake, "ingest_feed", broken)
    assert run(home) == 1
    out, err = capsys.readouterr()
    assert "  FAILED  intake: landed files loaded and validated" in out
    assert "Feeds: the intake did not finish" in out and "dbt: did not run" in out
    assert re.search(r"^Not run \(after a failure\): \d+ steps: row accounting checks; dbt build.*; publish$", out, re.M), out
    assert "NOT PUBLISHED" in err
    assert "step nightly_intake failed: the landing disk is unreadable" in err
    assert "PUBLISHED: warehouse" not in out
    assert (home / "warehouse.duckdb").stat().st_mtime_ns == before
    assert log_file(out).exists()


def test_a_missing_pseudonymisation_key_means_the_night_could_not_run(
        home_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import orchestration.ingestion_assets as intake
    from ingestion.pseudonymise import PseudonymisationKeyMissing

    monkeypatch.setenv("CSW_WRITE_DOTENV", "0")

    def no_key(*args, **kwargs):
        raise PseudonymisationKeyMissing("CSW_PSEUDONYMISATION_KEY is not set")

    monkeypatch.setattr(intake, "ingest_feed", no_key)
    assert run(home_copy) == 2
    err = capsys.readouterr().err
    assert "COULD NOT RUN: CSW_PSEUDONYMISATION_KEY is not set" in err


def test_a_build_in_progress_means_the_night_could_not_run(home_copy: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from warehouse.atomic_publish import discard_build, start_build

    home = home_copy
    start_build(home, "another-night", pid=os.getpid())  # a live build holds the lock
    try:
        assert run(home) == 2
    finally:
        discard_build(home, "another-night")
    err = capsys.readouterr().err
    assert "COULD NOT RUN: another build is in progress (run another-night" in err


def test_an_empty_home_or_bad_settings_mean_the_night_could_not_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CSW_WRITE_DOTENV", "0")
    assert run(tmp_path / "empty") == 2
    out, err = capsys.readouterr()
    assert "COULD NOT RUN: no landing data" in err
    assert log_file(out).exists()

    bad = tmp_path / "bad"
    (bad / "landing" / "police_street").mkdir(parents=True)
    (bad / "landing" / "police_street" / "2024-01-lancashire-street.csv").write_text("Crime ID\n")
    (bad / "settings.toml").write_text("[publish\nblock_on_warnings = true\n")
    assert run(bad) == 2
    assert "COULD NOT RUN: the settings do not load" in capsys.readouterr().err


def test_run_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    help_text = capsys.readouterr().out
    assert "$CSW_HOME/logs/csw-run-<run id>.log" in help_text
    for code in ("0", "1", "2"):
        assert re.search(rf"^  {code}  ", help_text, re.M), help_text


def test_the_summary_names_failed_dbt_tests_and_checks_as_why_the_night_did_not_publish() -> None:
    """Without a night: the summary of events in which a dbt test and a Great Expectations check failed."""
    from types import SimpleNamespace as Event

    from cli.run_summary import EXIT_NOT_PUBLISHED, exit_code, summarise

    def key(path: str):
        return Event(to_user_string=lambda: path)

    def meta(**values):
        return {k: Event(value=v) for k, v in values.items()}

    def check(step, asset, name, passed, description=None, **metadata):
        return Event(event_type_value="ASSET_CHECK_EVALUATION", step_key=step, event_specific_data=Event(
            asset_key=key(asset), check_name=name, passed=passed, description=description, metadata=meta(**metadata)))

    events = [
        Event(event_type_value="STEP_START", step_key="warehouse_models", event_specific_data=None),
        Event(event_type_value="ASSET_MATERIALIZATION_PLANNED", step_key="warehouse_models",
              event_specific_data=Event(asset_key=key("marts/dim_area"))),
        Event(event_type_value="ASSET_MATERIALIZATION", step_key="warehouse_models", event_specific_data=Event(
            materialization=Event(asset_key=key("marts/dim_area"), metadata=meta(unique_id="model.p.dim_area")))),
        check("warehouse_models", "marts/dim_area", "not_null_dim_area_code", True,
              unique_id="test.p.not_null_dim_area_code.1", status="pass"),
        check("warehouse_models", "marts/dim_area", "unique_dim_area_code", False,
              unique_id="test.p.unique_dim_area_code.2", status="fail"),
        check("marts__x_great_expectations", "marts/x", "great_expectations", False, "2 expectations failed"),
        Event(event_type_value="STEP_START", step_key="published__warehouse", event_specific_data=None),
    ]
    summary = summarise(events, "run-1", seconds=3.0)
    assert (summary.models_built, summary.tests_passed, summary.tests_failed) == (1, 1, ["unique_dim_area_code"])
    assert summary.checks_failed == ["marts/x:great_expectations (2 expectations failed)"]
    assert summary.not_published_because == ["dbt test failed: unique_dim_area_code",
                                             "check failed: marts/x:great_expectations (2 expectations failed)"]
    assert exit_code(summary) == EXIT_NOT_PUBLISHED
