"""The ``csw`` command line as the data team uses it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli.main import main
from nights import plant_missing_marac


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CSW_WRITE_DOTENV", "0")  # keep the repository's .env as it is
    return tmp_path / "home"


def test_demo_data_run_status_and_ingest(home: Path, six_month_night: dict, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(home), "demo-data", "--seed", "7", "--scale", "0.02", "--months", "2024-01:2024-06"]) == 0
    out = capsys.readouterr().out
    assert "synthetic demo files" in out
    # Lancashire's monthly street files (the comparator forces' files land beside them)
    lancashire = sorted(p.name for p in (home / "landing" / "police_street").glob("*-lancashire-street.csv"))
    assert lancashire[0] == "2024-01-lancashire-street.csv" and len(lancashire) == 6

    # `csw run` on exactly these files is the session's six-month night (conftest.six_month_night: a
    # `csw run` process of its own, its output kept), once its MARAC gaps are planted (tests/nights.py);
    # the commands after it run on a copy of its home
    night = six_month_night["home"]
    plant_missing_marac(home / "landing" / "marac_returns", tmp_path / "held_back")
    assert {p.relative_to(home): p.read_bytes() for p in (home / "landing").rglob("*") if p.is_file()} == {
        p.relative_to(night): p.read_bytes() for p in (night / "landing").rglob("*") if p.is_file()}
    assert six_month_night["code"] == 0
    out = six_month_night["out"]
    assert f"warehouse: {night.resolve() / 'warehouse.duckdb'}" in out
    # six months: the latest complete quarter is 2024/25 Q1, and no financial year is complete yet
    outputs = night.resolve() / "outputs"
    assert sorted(p.name for p in outputs.glob("quarterly_report_*")) == [
        "quarterly_report_2024-25_Q1.csv", "quarterly_report_2024-25_Q1.html", "quarterly_report_2024-25_Q1.xlsx"]
    assert f"scorecard CSV: {outputs / 'quarterly_report_2024-25_Q1.csv'}" in out
    assert not list(outputs.glob("annual_update_*"))
    home = shutil.copytree(night, tmp_path / "copy", symlinks=True)  # the commands below may write to it
    assert main(["--home", str(home), "report", "annual"]) == 1
    assert "no complete financial year" in capsys.readouterr().err
    assert main(["--home", str(home), "report", "quarterly", "--fy", "2015/16", "--quarter", "4"]) == 1
    assert "no rows for 2015/16 Q4" in capsys.readouterr().err
    assert main(["--home", str(home), "report", "quarterly", "--fy", "2024-25", "--quarter", "1"]) == 2
    assert "not a financial year" in capsys.readouterr().err

    assert main(["--home", str(home), "status"]) == 0
    status = capsys.readouterr().out
    assert "police_street" in status and "loaded" in status

    (home / "landing" / "police_street" / "2024-07-lancashire-street.csv").write_bytes(b"")
    assert main(["--home", str(home), "ingest", "police_street"]) == 0
    out = capsys.readouterr().out
    assert "rejected" in out and "empty file" in out


def test_run_fails_loudly_without_data(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # exit 2: the night could not run (1 is kept for a night that ran but did not publish)
    assert main(["--home", str(home), "run"]) == 2
    err = capsys.readouterr().err
    assert "COULD NOT RUN" in err and "no landing data" in err
