"""The published warehouse: a killed night leaves it unchanged, readers are never blocked or shown a
half-built warehouse, and ``csw sql`` / ``csw export`` / the README's queries read it.

The session's small demo home (6 months, scale 0.02; conftest.published_home) is copied. Then a new
police.uk month is landed and two real ``csw run`` subprocesses follow: one SIGKILLed while dbt
builds its copy, then the next night, run while reader threads query the published file. "Old" and "new" differ by
exactly the crimes of the new file (counted here from the file itself).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingestion.demo import write_demo_data
from warehouse.atomic_publish import build_dir, read_lock

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
FORCE_AREA = "E23000003"
SEED = 8  # the later month's file: any seed, the published home's scale
SCALE = 0.02
GIVE_UP_SECONDS = 600  # a guard against hanging, not a timing assertion


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def state(published: Path) -> tuple[int, ...]:
    """What a reader sees, from one read-only connection: row counts and the marts' own totals (of the
    rows Lancashire's force reported: the demo's comparator forces' rows are in the facts too)."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        return con.execute(
            f"""select
                  (select count(*) from marts.fct_crime where source_system = 'police.uk' and force = 'lancashire'),
                  (select sum(value)::bigint from marts.mart_indicator_monthly
                    where indicator_id = 'all_crime' and area_code = '{FORCE_AREA}'),
                  (select count(*) from marts.fct_asb where force = 'lancashire'),
                  (select sum(value)::bigint from marts.mart_indicator_monthly
                    where indicator_id = 'asb_incidents' and area_code = '{FORCE_AREA}'),
                  (select count(*) from meta.source_files),
                  (select count(distinct month) from marts.fct_crime where source_system = 'police.uk')"""
        ).fetchone()
    finally:
        con.close()


def consistent(s: tuple[int, ...]) -> bool:
    """Every crime row of Lancashire's force is in the force-area total and vice versa."""
    return s[0] == s[1] and s[2] == s[3]


def crimes_in(path: Path) -> int:
    df = pl.read_csv(path, infer_schema=False)
    return df.filter(pl.col("Crime type") != "Anti-social behaviour").height


@pytest.fixture(scope="module")
def home(published_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's six-month home (other modules read it): this module publishes into it."""
    copy = tmp_path_factory.mktemp("published_warehouse") / "home"
    shutil.copytree(published_home, copy, symlinks=True)
    return copy


@pytest.fixture(scope="module")
def later_months(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A police file for a later month, landed by the killed night."""
    extra = tmp_path_factory.mktemp("later_months")
    write_demo_data(extra, seed=SEED, months=("2024-07", "2024-07"), scale=SCALE)
    return extra / "police_street"


def land(home: Path, later_months: Path, month: str) -> int:
    source = later_months / f"{month}-lancashire-street.csv"
    shutil.copy(source, home / "landing" / "police_street" / source.name)
    return crimes_in(source)


def start_night(home: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "CSW_WRITE_DOTENV": "0"}
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "cli.main", "--home", str(home), "run"],
                                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def dbt_running_in(session: int) -> bool:
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if os.getsid(int(proc.name)) != session:
                continue
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except (OSError, ProcessLookupError):
            continue
        if any(a.endswith(b"dbt") for a in args) and b"build" in args:
            return True
    return False


def wait_for(condition, proc: subprocess.Popen, what: str) -> None:
    """Poll ``condition`` until it holds; between polls, wait on the run itself (no sleep): the wait
    returns at once if the run ends first."""
    deadline = time.monotonic() + GIVE_UP_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        try:
            proc.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            continue
        raise AssertionError(f"the run ended before {what}")


@dataclass
class KilledNight:
    before_sha: str
    before: tuple[int, ...]
    new_crimes: int


@pytest.fixture(scope="module")
def killed_night(home: Path, later_months: Path, tmp_path_factory: pytest.TempPathFactory) -> KilledNight:
    """A night (with a new month landed) SIGKILLed while dbt builds its copy."""
    published = home / "warehouse.duckdb"
    killed = KilledNight(sha256(published), state(published), land(home, later_months, "2024-07"))
    night = start_night(home, tmp_path_factory.mktemp("killed") / "night.log")

    def dbt_is_building() -> bool:
        lock = read_lock(home)
        return (lock is not None and lock.state == "building" and any(build_dir(home).glob("warehouse.*.duckdb"))
                and dbt_running_in(night.pid))

    wait_for(dbt_is_building, night, "dbt to start building the copy")
    os.killpg(night.pid, signal.SIGKILL)  # the whole session: csw and its dbt
    night.wait()
    assert night.returncode == -signal.SIGKILL
    return killed


@dataclass
class ObservedNight:
    returncode: int
    log: str
    seen: list[tuple[tuple[int, ...], str]]  # (what a reader saw, the build lock's state then)
    errors: list[str]


@pytest.fixture(scope="module")
def next_night(home: Path, killed_night: KilledNight, tmp_path_factory: pytest.TempPathFactory) -> ObservedNight:
    """The night after the killed one, run while two reader threads query the published file."""
    log = tmp_path_factory.mktemp("next") / "night.log"
    night = start_night(home, log)
    seen: list[tuple[tuple[int, ...], str]] = []
    errors: list[str] = []
    ended = threading.Event()

    def read_while_building() -> None:
        while night.poll() is None:
            lock = read_lock(home)
            try:
                seen.append((state(home / "warehouse.duckdb"), lock.state if lock else "none"))
            except Exception as error:  # a lock error or a missing table would land here
                errors.append(f"{type(error).__name__}: {error}")
            ended.wait(0.02)  # pace the readers (the cores are the night's); wakes when the night ends

    readers = [threading.Thread(target=read_while_building) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        night.wait(timeout=GIVE_UP_SECONDS)
    finally:
        ended.set()
    for reader in readers:
        reader.join()
    return ObservedNight(night.returncode, log.read_text(errors="replace"), seen, errors)


def test_a_killed_night_leaves_the_published_warehouse_byte_for_byte(home: Path, killed_night: KilledNight) -> None:
    published = home / "warehouse.duckdb"
    # It was killed mid-build: its copy and lock are still there...
    assert read_lock(home).state == "building"
    assert list(build_dir(home).glob("warehouse.*.duckdb"))
    # ...and the published file is exactly as it was, and readable read-only.
    assert sha256(published) == killed_night.before_sha
    assert state(published) == killed_night.before


def test_the_next_night_recovers_without_cleaning(home: Path, killed_night: KilledNight,
                                                  next_night: ObservedNight) -> None:
    """It takes the dead run's lock, discards its copy, frees its pool slot and publishes."""
    assert next_night.returncode == 0, next_night.log[-3000:]
    after = state(home / "warehouse.duckdb")
    assert after[0] == killed_night.before[0] + killed_night.new_crimes and consistent(after)
    assert after[5] == killed_night.before[5] + 1  # one more month
    assert not list(build_dir(home).glob("warehouse.*"))
    assert read_lock(home).state == "published"


def test_readers_during_a_night_are_never_blocked_and_see_the_old_or_the_new_warehouse(
        home: Path, killed_night: KilledNight, next_night: ObservedNight) -> None:
    assert next_night.returncode == 0, next_night.log[-3000:]
    old, new = killed_night.before, state(home / "warehouse.duckdb")
    assert old != new and consistent(old) and consistent(new)
    assert not next_night.errors, next_night.errors[:5]
    assert {s for s, _ in next_night.seen} <= {old, new}
    # The readers really did read while the night was building its copy.
    assert any(lock == "building" for _, lock in next_night.seen)
