"""What the session's nights (tests/conftest.py) land besides the demo data, and how a night's
Dagster run is read back: in a module of their own, so that the test files that check a night import
the same definitions as the fixture that built it.

tests/ is on ``sys.path`` while pytest runs (rootdir conftest, no ``__init__.py``), so this imports
as ``nights``.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import shutil
import sys
from pathlib import Path
from types import ModuleType


def load_corpus_module() -> ModuleType:
    """tests/corpus/make_corpus.py, loaded by path once per process (the corpus of bad deliveries)."""
    name = "csw_test_corpus.make_corpus"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent / "corpus" / "make_corpus.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


# The re-run's bad deliveries (tests/test_end_to_end.py): a STATS19 casualty file in the police folder,
# a zip that is not one, and a good December file with one unknown crime type ("Murder", line 3).
RERUN_HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
                "Last outcome category,Context\n")
RERUN_GOOD = ",2024-12,Lancashire Constabulary,Lancashire Constabulary,-2.7,53.76,On or near X,,,Burglary,,"
RERUN_FILES = {"2024-10-lancashire-street.csv": "rejected", "2024-11.zip": "rejected",
               "2024-12-lancashire-street.csv": "loaded"}


def land_rerun_deliveries(landing: Path) -> None:
    """Write RERUN_FILES into ``landing/police_street/`` (a demo landing: its STATS19 casualties are copied)."""
    casualty = next((landing / "stats19_casualty").glob("*2024.csv"))
    street = landing / "police_street"
    (street / "2024-10-lancashire-street.csv").write_bytes(casualty.read_bytes())  # wrong folder
    (street / "2024-11.zip").write_bytes(b"not a zip")
    (street / "2024-12-lancashire-street.csv").write_text(
        RERUN_HEADER + RERUN_GOOD + "\n" + RERUN_GOOD.replace("Burglary", "Murder") + "\n")


# The six-month night's planted gaps (tests/test_missing_data.py): Preston's row of the 2023/24 MARAC
# return says Cases Discussed = -5 (quarantined: count_whole_number), and the 2024/25 return is held
# back (not received). The intact 2023/24 return and the late 2024/25 one wait in MARAC_HELD_BACK.
MARAC_HELD_BACK = "marac_held_back"
MARAC_THIS_YEAR, MARAC_NEXT_YEAR = "marac-returns-2023-24.csv", "marac-returns-2024-25.csv"


def plant_missing_marac(marac: Path, held: Path) -> None:
    """Damage ``marac/MARAC_THIS_YEAR`` and move ``marac/MARAC_NEXT_YEAR`` to ``held`` (which keeps the intact copy)."""
    held.mkdir(parents=True, exist_ok=True)
    shutil.copy(marac / MARAC_THIS_YEAR, held / MARAC_THIS_YEAR)
    with (marac / MARAC_THIS_YEAR).open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = list(reader.fieldnames or []), list(reader)
    assert {r["Quarter"] for r in rows} == {"2023/24 Q4"} and any(r["MARAC Area"] == "Preston" for r in rows)
    for row in rows:
        if row["MARAC Area"] == "Preston":
            row["Cases Discussed"] = "-5"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (marac / MARAC_THIS_YEAR).write_text(buf.getvalue(), encoding="utf-8")
    shutil.move(str(marac / MARAC_NEXT_YEAR), held / MARAC_NEXT_YEAR)


# The report CSV the recovery night must replace (tests/test_outputs_publish.py writes nothing itself).
STALE_OUTPUT = "quarterly_report_2024-25_Q1.csv"


class StoredRun:
    """The Dagster run of a session night, read back from the home's own Dagster instance (the night
    may have run in another xdist worker): what the tests read of an ``ExecuteInProcessResult``."""

    def __init__(self, home: Path, run_id: str) -> None:
        import dagster as dg

        self.run_id = run_id
        with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
            run = instance.get_run_by_id(run_id)
            assert run is not None, f"run {run_id} is not in {home / 'dagster'}"
            self.success = run.status == dg.DagsterRunStatus.SUCCESS
            self.all_events = [r.dagster_event for r in instance.all_logs(run_id) if r.dagster_event is not None]

    def get_asset_check_evaluations(self) -> list:
        return [e.event_specific_data for e in self.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
