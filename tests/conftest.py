"""Shared fixtures for the ingestion tests.

``feed_registry`` makes ``ingestion.registry`` usable even while some feed modules are still being
written (it then holds police_street only); ``police_db`` is an in-memory warehouse with the meta
tables and ``raw.police_street``; ``police_landing`` writes police.uk street files into
``tmp_path/landing/police_street/`` and loads that folder through the real loader.

The session's demo nights (``six_month_night``/``published_home`` and ``demo_run``/``e2e_home``/
``demo_home``) are built once for the whole session, whatever the number of xdist workers, and
read-only; the ``night`` marker and the order of the test files are set here too (below).
"""
from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import duckdb
import pytest

from ingestion import loader, registry
from ingestion.feeds import police_street
from warehouse.database import ensure_schema

from nights import (
    MARAC_HELD_BACK, MARAC_NEXT_YEAR, MARAC_THIS_YEAR, STALE_OUTPUT, StoredRun, land_rerun_deliveries,
    load_corpus_module, plant_missing_marac,
)

REPO = Path(__file__).resolve().parents[1]

POLICE_HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]


@pytest.fixture
def feed_registry(monkeypatch: pytest.MonkeyPatch) -> bool:
    """True when the full registry (every feed module) imports; otherwise police_street only."""
    try:
        feeds = registry.feeds()
    except Exception:  # a feed module is not written yet: test police_street on its own
        monkeypatch.setattr(registry, "_FEEDS", {"police_street": police_street.FEED})
        return False
    return "police_street" in feeds and len(feeds) > 1


@pytest.fixture
def police_db(feed_registry: bool):
    con = duckdb.connect(":memory:")
    ensure_schema(con, {police_street.FEED.raw_table: police_street.FEED.columns})
    yield con
    con.close()


class PoliceLanding:
    """Writes police.uk street-level CSVs the way data.police.uk publishes them, and loads them."""

    feed = police_street.FEED

    def __init__(self, root: Path) -> None:
        self.dir = root / "landing" / "police_street"
        self.dir.mkdir(parents=True, exist_ok=True)
        self._ids = itertools.count(1)

    def row(self, **values: str) -> dict[str, str]:
        """A valid Lancashire burglary row for 2024-01; keyword names are snake_case header names."""
        row = {
            "Crime ID": f"{next(self._ids):064x}",
            "Month": "2024-01",
            "Reported by": "Lancashire Constabulary",
            "Falls within": "Lancashire Constabulary",
            "Longitude": "-2.465978",
            "Latitude": "53.767257",
            "Location": "On or near Stone Hill Drive",
            "LSOA code": "E01012607",
            "LSOA name": "Blackburn with Darwen 001A",
            "Crime type": "Burglary",
            "Last outcome category": "Investigation complete; no suspect identified",
            "Context": "",
        }
        by_snake = {h.lower().replace(" ", "_"): h for h in POLICE_HEADER}
        for key, value in values.items():
            row[by_snake[key]] = value
        return row

    @staticmethod
    def csv_bytes(rows: Iterable[Mapping[str, str]], header: list[str] = POLICE_HEADER, newline: str = "\n") -> bytes:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator=newline)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(h, "") for h in header])
        return buf.getvalue().encode("utf-8")

    def write(self, rows: Iterable[Mapping[str, str]], month: str = "2024-01", force: str = "lancashire", *,
              name: str | None = None, header: list[str] = POLICE_HEADER, newline: str = "\n",
              gz: bool = False) -> Path:
        """Write ``YYYY-MM-<force>-street.csv`` (or ``name``) into the landing folder."""
        data = self.csv_bytes(rows, header, newline)
        name = name or f"{month}-{force}-street.csv" + (".gz" if gz else "")
        if gz:
            data = gzip.compress(data)
        path = self.dir / name
        path.write_bytes(data)
        return path

    def write_bytes(self, name: str, data: bytes) -> Path:
        path = self.dir / name
        path.write_bytes(data)
        return path

    def load(self, con: duckdb.DuckDBPyConnection, run_id: str = "run-1") -> list[loader.UnitResult]:
        return loader.ingest_feed(con, self.feed, self.dir, run_id)

    @staticmethod
    def source_files(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
        """meta.source_files by file_name."""
        cur = con.execute("select * from meta.source_files order by file_name")
        cols = [d[0] for d in cur.description]
        return {row[cols.index("file_name")]: dict(zip(cols, row)) for row in cur.fetchall()}

    @staticmethod
    def quarantine(con: duckdb.DuckDBPyConnection) -> list[dict]:
        cur = con.execute("select * from meta.quarantine order by source_row, check_name")
        cols = [d[0] for d in cur.description]
        out = [dict(zip(cols, row)) for row in cur.fetchall()]
        for q in out:
            q["raw"] = json.loads(q["raw_record"]) if q["raw_record"] else None
        return out

    @staticmethod
    def raw(con: duckdb.DuckDBPyConnection, where: str = "true") -> list[dict]:
        cur = con.execute(f"select * from raw.police_street where {where} order by source_file, source_row")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]


@pytest.fixture
def police_landing(tmp_path: Path, feed_registry: bool) -> PoliceLanding:
    return PoliceLanding(tmp_path)


# --- the session's nights, built once for every xdist worker ------------------------------------
# Two demo nights serve every end-to-end module, each built ONCE per session (not once per xdist
# worker): the first worker that needs one builds it under a file lock in the directory the
# workers share (pytest-xdist's "Making session-scoped fixtures execute only once"); the others wait
# for it and read it. Both are read-only: a test that changes a home works on a copy
# (``copy_home``). Two, not one, because their assertions differ: the six-month night has no
# complete financial year (no annual update; the latest quarter is 2024/25 Q1), the 30-month night
# has two (annual update, 24-month rolling windows).
#
# * ``six_month_night`` (``published_home``): ``csw run`` as a subprocess, as cron runs it, with its
#   output kept (tests/test_csw_run_output.py reads it): seed 7, 2024-01..2024-06, scale 0.02, with two
#   gaps planted for tests/test_missing_data.py (``missing_marac``): Preston's row of the 2023/24 MARAC
#   return is damaged (quarantined) and the 2024/25 return has not arrived.
# * ``second_night``: the six-month home's next night, on a copy: the corpus of bad deliveries
#   (tests/corpus/) and a re-run's bad deliveries land next to the files already loaded
#   (tests/test_corpus.py, tests/test_end_to_end.py).
# * ``recovery_night``: the six-month home's other next night, on a copy: the missing MARAC returns
#   arrive (tests/test_missing_data.py) and the night dies while publishing its outputs
#   (tests/test_outputs_publish.py).
# * ``demo_run`` (``e2e_home``, ``demo_home``): the nightly job in process: seed 11,
#   2022-04..2024-09, scale 0.04. Its Dagster run is read back from the home's Dagster instance.
PUBLISHED_DEMO_SEED = 7
PUBLISHED_DEMO_MONTHS = ("2024-01", "2024-06")
PUBLISHED_DEMO_SCALE = 0.02
E2E_SEED = 11
E2E_MONTHS = ("2022-04", "2024-09")
E2E_SCALE = 0.04

# The fixtures that are (or read) a nightly build: a test using one is marked ``night`` (below).
NIGHT_FIXTURES = frozenset({"six_month_night", "published_home", "missing_marac", "second_night", "recovery_night",
                            "demo_run",
                            "e2e_home", "demo_home", "controlled_reports"})
# Module fixtures that run a nightly job or dbt of their own, or read a night through
# request.getfixturevalue (which the marker cannot see): test file -> fixture names.
OWN_BUILDS = {
    "test_dbt_models.py": {"unit_test_results"},  # dbt seed, run --empty and the dbt unit tests
    "test_fingertips_dbt.py": {"warehouse"},
    "test_survey_mart.py": {"built"},
    "test_trace_units.py": {"small"},
    "test_row_accounting.py": {"dq_warehouse"},
    "test_fire_incidents.py": {"fire_warehouse"},
    "test_real_data_warehouse.py": {"home"},
    "test_costs.py": {"warehouse"},  # demo_home, or $CSW_TEST_HOME
    "test_report_tables.py": {"source_warehouse"},  # demo_home, or $CSW_TEST_HOME
}


# The order of the test files (``make test`` keeps it: --dist loadfile --no-loadscope-reorder), so
# that the two xdist workers are not idle while a session night is built: one file that starts the
# six-month night, one that starts the 30-month night (each on its own worker, at the same time),
# then the files that do not read the 30-month night (the longest first, so the last ones are short),
# then those that do (the longest first).
SIX_MONTH_FIRST, DEMO_FIRST = "test_csw_run_output.py", "test_end_to_end.py"
LONGEST_FIRST = (
    "test_corpus.py", "test_missing_data.py", "test_real_data_warehouse.py", "test_published_warehouse.py",
    "test_outputs_publish.py", "test_dbt_models.py", "test_row_accounting.py", "test_fingertips_dbt.py",
    "test_fire_incidents.py", "test_survey_mart.py", "test_trace_units.py", "test_pseudonymise.py",
    "test_fingertips_periods.py", "test_real_police_data.py", "test_publish_gate.py", "test_cli.py",
    "test_sql_command.py",
    # those that read the 30-month night
    "test_report_pages.py", "test_board_outputs.py", "test_lineage.py", "test_costs.py",
    "test_e2e_restricted_feeds.py", "test_report_tables.py", "test_feed_expectations.py", "test_expectations.py",
)
DEMO_FIXTURES = frozenset({"demo_run", "e2e_home", "demo_home", "controlled_reports"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``night``: every test that reads a nightly build or runs dbt (a night fixture or a fixture of
    OWN_BUILDS, directly or through another fixture). ``make test-fast`` leaves them out.
    Then the files are put in the order above."""
    reads_demo: set[str] = set()
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        own = OWN_BUILDS.get(item.path.name, set()) & used
        if NIGHT_FIXTURES & used or own:
            item.add_marker(pytest.mark.night)
        if DEMO_FIXTURES & used or (own and item.path.name in {"test_costs.py", "test_report_tables.py"}):
            reads_demo.add(item.path.name)

    def rank(path: Path) -> tuple[int, int]:
        name = path.name
        if name == SIX_MONTH_FIRST:
            return (0, 0)
        if name == DEMO_FIRST:
            return (1, 0)
        longest = LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
        return (3 if name in reads_demo else 2, longest)

    first_seen = {p: i for i, p in reversed(list(enumerate(item.path for item in items)))}
    items.sort(key=lambda item: (rank(item.path), first_seen[item.path]))


def _shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary directory every xdist worker of this session sees (its own one without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def build_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], dict]) -> tuple[Path, dict]:
    """``build(home)`` run once per session, whichever worker asks first; (home, what it returned).

    A failed build is recorded, so that the other workers fail at once instead of building again."""
    from filelock import FileLock

    root = _shared_root(tmp_path_factory)
    folder = root / f"night_{name}"
    done, failed = folder / "done.json", folder / "failed.txt"
    with FileLock(str(root / f"night_{name}.lock")):
        if not done.exists() and not failed.exists():
            folder.mkdir(exist_ok=True)
            try:
                info = build(folder / "home")
            except BaseException as error:
                failed.write_text(f"{type(error).__name__}: {error}", encoding="utf-8")
                raise
            done.write_text(json.dumps(info), encoding="utf-8")
    if failed.exists():
        pytest.fail(f"the session's {name} night failed (in another worker): {failed.read_text()[:2000]}")
    return folder / "home", json.loads(done.read_text(encoding="utf-8"))


def copy_home(home: Path, to: Path) -> Path:
    """A private copy of a session home, for a test that changes it (a few MB: well under a second)."""
    shutil.copytree(home, to, symlinks=True)
    return to


@pytest.fixture(scope="session")
def six_month_night(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A small demo home (6 months) and what ``csw run`` printed on its first night, run as the data
    team runs it: a process of its own whose output is not a terminal (cron, CI), captured as a
    terminal would show it (file descriptors 1 and 2). Keys: home, code, out, err."""
    def build(home: Path) -> dict:
        from ingestion.demo import write_demo_data

        write_demo_data(home / "landing", seed=PUBLISHED_DEMO_SEED, months=PUBLISHED_DEMO_MONTHS,
                        scale=PUBLISHED_DEMO_SCALE)
        plant_missing_marac(home / "landing" / "marac_returns", home.parent / MARAC_HELD_BACK)
        env = {**os.environ, "CSW_WRITE_DOTENV": "0"}
        env.pop("CSW_PSEUDONYMISATION_KEY", None)
        done = subprocess.run([sys.executable, "-m", "cli.main", "--home", str(home), "run"],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
        return {"code": done.returncode, "out": done.stdout, "err": done.stderr}

    home, info = build_once(tmp_path_factory, "six_month", build)
    return {"home": home, **info}


@pytest.fixture(scope="session")
def missing_marac(six_month_night: dict) -> dict[str, Path]:
    """The six-month night's MARAC gaps: the intact 2023/24 return and the late 2024/25 one (paths
    outside the home), and the damaged file's name in the home's landing folder."""
    held = six_month_night["home"].parent / MARAC_HELD_BACK
    return {"intact": held / MARAC_THIS_YEAR, "late": held / MARAC_NEXT_YEAR, "damaged": MARAC_THIS_YEAR}


@pytest.fixture(scope="session")
def second_night(tmp_path_factory: pytest.TempPathFactory, published_home: Path) -> dict:
    """The six-month home's second night, on a copy, in process: the files of the first night are
    seen again (a re-run: none is loaded again), and the whole corpus of bad deliveries plus the
    re-run's bad deliveries land next to them, with no pseudonymisation key in the environment (the
    demo key applies). Keys: home, run_id, success, failures."""
    def build(home: Path) -> dict:
        from cli.runner import run_job

        copy_home(published_home, home)
        # The corpus is made from the demo's own files, among them the 2024/25 MARAC return that the
        # six-month night holds back: it is there while the corpus is written, and only then.
        late = home / "landing" / "marac_returns" / MARAC_NEXT_YEAR
        shutil.copy(published_home.parent / MARAC_HELD_BACK / MARAC_NEXT_YEAR, late)
        load_corpus_module().write_corpus(home / "landing")
        late.unlink()
        land_rerun_deliveries(home / "landing")
        key = os.environ.pop("CSW_PSEUDONYMISATION_KEY", None)
        try:
            result = run_job(home, "nightly", write_dotenv=False)
        finally:
            if key is not None:
                os.environ["CSW_PSEUDONYMISATION_KEY"] = key
        return {"run_id": result.run_id, "success": result.success,
                "failures": [e.message for e in result.all_events if e.is_failure][:5]}

    home, info = build_once(tmp_path_factory, "second", build)
    return {"home": home, **info}


@pytest.fixture(scope="session")
def recovery_night(tmp_path_factory: pytest.TempPathFactory, published_home: Path, missing_marac: dict) -> dict:
    """The six-month home's other next night, on a copy with its Dagster history, in process: the late
    2024/25 MARAC return arrives and the 2023/24 return is corrected (tests/test_missing_data.py), and
    the process dies while it publishes: the warehouse is published, two report files are moved and
    the third move fails (tests/test_outputs_publish.py). Then what the next night does first,
    ``finish_interrupted_publish``, rolls the publish forward. Keys: home, run_id, success, moved,
    lock_state, lock_run_id, build_left, finished."""
    def build(home: Path) -> dict:
        from cli.runner import run_job
        from warehouse import atomic_publish as publish

        copy_home(published_home, home)
        (home / "outputs" / STALE_OUTPUT).write_text("stale\n")  # what last night published: must be replaced
        marac = home / "landing" / "marac_returns"
        shutil.copy(missing_marac["late"], marac / missing_marac["late"].name)
        shutil.copy(missing_marac["intact"], marac / "marac-returns-2023-24-corrected.csv")

        real_move, moved = publish._move_output, []

        def move_some_then_fail(source: Path, target: Path) -> None:
            if len(moved) == 2:
                raise OSError("killed")
            real_move(source, target)
            moved.append(str(target))

        publish._move_output = move_some_then_fail
        try:
            result = run_job(home, "nightly", write_dotenv=False)
        finally:
            publish._move_output = real_move
        lock = publish.read_lock(home)
        info = {"run_id": result.run_id, "success": result.success, "moved": moved,
                "lock_state": lock.state if lock else None, "lock_run_id": lock.run_id if lock else None,
                "build_left": publish.build_path(home.resolve(), result.run_id).exists()}
        info["finished"] = publish.finish_interrupted_publish(home)
        return info

    home, info = build_once(tmp_path_factory, "recovery", build)
    return {"home": home, **info}


@pytest.fixture(scope="session")
def published_home(six_month_night: dict) -> Path:
    """The six-month demo home whose night (``six_month_night``) published warehouse.duckdb.

    Read-only, shared by every worker: a test that publishes later nights works on a copy."""
    assert six_month_night["code"] == 0, six_month_night["out"][-3000:] + six_month_night["err"][-3000:]
    return six_month_night["home"]


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, StoredRun]:
    """(home, run) of the nightly job on generated demo data, run once per session.

    Shared read-only by test modules: a test that changes the home must work on a copy."""
    def build(home: Path) -> dict:
        from ingestion.demo import write_demo_data
        from cli.runner import run_job

        write_demo_data(home / "landing", seed=E2E_SEED, months=E2E_MONTHS, scale=E2E_SCALE)
        result = run_job(home, "nightly", write_dotenv=False)
        failures = [e.message for e in result.all_events if e.is_failure]
        assert result.success, failures
        return {"run_id": result.run_id}

    home, info = build_once(tmp_path_factory, "demo", build)
    run = StoredRun(home, info["run_id"])
    assert run.success
    return home, run


@pytest.fixture(scope="session")
def e2e_home(demo_run) -> Path:
    return demo_run[0]


@pytest.fixture(scope="session")
def demo_home(demo_run) -> Path:
    """The same home as ``e2e_home`` (the name the output and GE tests use)."""
    return demo_run[0]


# The Board's outputs of the 30-month night rebuilt with road safety a sensitive theme (so that small
# counts are hidden in more tables), read by tests/test_report_pages.py and tests/test_board_outputs.py.
CONTROLLED_SETTINGS = """[disclosure]
threshold = 5
sensitive_themes = ["domestic abuse", "sexual offences", "exploitation", "road safety"]
"""


@pytest.fixture(scope="session")
def controlled_reports(tmp_path_factory: pytest.TempPathFactory, demo_home: Path) -> Path:
    """A home with the 30-month warehouse, CONTROLLED_SETTINGS and, built by ``csw report`` with no
    period given, the quarterly report of 2024/25 Q2 (the latest quarter) and the annual update of
    2023/24 (the latest complete year). Read-only: a test that writes more outputs copies it."""
    def build(home: Path) -> dict:
        from cli.main import main

        home.mkdir(parents=True)
        shutil.copy(demo_home / "warehouse.duckdb", home / "warehouse.duckdb")
        (home / "settings.toml").write_text(CONTROLLED_SETTINGS, encoding="utf-8")
        # no period given: the latest quarter and the latest complete year, as `csw report` chooses
        assert main(["--home", str(home), "report", "quarterly"]) == 0
        assert main(["--home", str(home), "report", "annual"]) == 0
        built = sorted(p.name for p in (home / "outputs").glob("*_report_*.html")) + sorted(
            p.name for p in (home / "outputs").glob("annual_update_*.html"))
        assert built == ["quarterly_report_2024-25_Q2.html", "annual_update_2023-24.html"], built
        return {}

    home, _ = build_once(tmp_path_factory, "controlled_reports", build)
    return home


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (the Debian package) driven by Playwright through ``executable_path`` (it
    cannot download browsers here), for the tests that look at pages as people do."""
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("no Chromium (make install installs the Debian package)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()
