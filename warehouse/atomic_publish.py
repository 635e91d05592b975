"""Build in a copy, publish by atomic rename: a failed or killed night never breaks the warehouse.

DuckDB allows one writing process per file, and while it writes no other process can open the file
at all, not even read-only. Analysts query ``$CSW_HOME/warehouse.duckdb`` during the day and
sometimes during the night, so no run ever writes that file. Instead:

1. **Start** (the first step of a run that opens the warehouse): take the build lock, discard the
   build files a killed run left behind, and copy the published file to
   ``$CSW_HOME/build/warehouse.<run id>.duckdb``. Every step of the run (ingestion, checks, dbt,
   outputs) reads and writes that copy.
2. **Publish** (the last step, only when every step and check passed): checkpoint the copy, fsync
   it, and ``os.replace`` it onto ``warehouse.duckdb``. A rename within one directory tree of one
   file system is atomic: a reader opening the path sees the whole old file or the whole new one,
   and a reader that already has the old file open keeps reading the old file (its inode lives on
   until it closes it) -- never a half-built table, never a lock error.

The build starts from a copy, not an empty file, because the raw and meta tables are the record of
every file ever loaded (landing folders may be emptied after a load): tonight's warehouse is last
night's plus tonight's files. The copy costs one sequential read and write of the file.

A run that fails or is killed never reaches step 2, so the published file stays byte for byte as it
was. Its build copy and lock are left behind; the next run finds the lock's owner dead (its process
is gone, or the orchestrator says its run has finished) and takes over: no manual cleaning.

**Outputs** (reports, the data-quality CSVs, Data Docs) follow the warehouse they describe. A run
writes them into its own folder, ``$CSW_HOME/build/outputs.<run id>/`` (:func:`outputs_build_path`),
never into ``outputs/``; step 2 moves them into ``$CSW_HOME/outputs/`` (same relative paths, file
by file with ``os.replace``; files of earlier periods stay) right after the warehouse rename. Before
the rename the lock is rewritten with ``state = "publishing"`` and the folder being published: a run
killed between the rename and the last move leaves that journal behind, and the next
:func:`start_build` finishes the job before anything else -- forward (move the rest) if the build
file is gone (the warehouse was renamed), back (discard the staged outputs) if it is still there.
So ``outputs/`` always describes the published warehouse, and a night that never published leaves
it untouched. Publishing runs entirely inside the guard below, so whoever sees "publishing" under
the guard knows that publish was interrupted.

The lock is a small JSON file (run id, pid, start time). It is created with ``O_EXCL`` while holding
an ``flock`` on a guard file, so two runs starting at the same moment cannot both take it.
"""

from __future__ import annotations

import errno
import fcntl
import json
import multiprocessing
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from warehouse.database import duckdb_config

BUILD_DIR = "build"
LOCK_FILE = "build.lock"
PUBLISHED_FILE = "warehouse.duckdb"
OUTPUTS_DIR = "outputs"


class BuildInProgress(RuntimeError):
    """Another live run holds the build lock."""

    def __init__(self, holder: "BuildLock") -> None:
        super().__init__(
            f"another run is building the warehouse (run {holder.run_id}, pid {holder.pid}, "
            f"since {holder.started_at}); only one build at a time"
        )
        self.holder = holder


class BuildAlreadyPublished(RuntimeError):
    """A step asked for the run's build after the run had published it."""


class OutputsNotMoved(RuntimeError):
    """The warehouse was published but moving the run's outputs into ``outputs/`` failed part way."""


@dataclass(frozen=True)
class BuildLock:
    run_id: str
    pid: int
    started_at: str
    state: str = "building"  # "building" | "publishing" | "published" | "discarded"
    outputs: str = ""  # while publishing: the folder under build/ whose files are moved into outputs/


def published_path(home: Path) -> Path:
    return home / PUBLISHED_FILE


def build_dir(home: Path) -> Path:
    return home / BUILD_DIR


def build_path(home: Path, run_id: str) -> Path:
    """The run's private copy. Named by run id so a copy can never be mistaken for another run's."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", run_id)
    return build_dir(home) / f"warehouse.{safe}.duckdb"


def lock_path(home: Path) -> Path:
    return build_dir(home) / LOCK_FILE


def outputs_dir(home: Path) -> Path:
    """The published outputs the Board and analysts read: ``$CSW_HOME/outputs``."""
    return home / OUTPUTS_DIR


def outputs_build_path(home: Path, run_id: str) -> Path:
    """Where the run writes its outputs; the publish step moves them into :func:`outputs_dir`."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", run_id)
    return build_dir(home) / f"{OUTPUTS_DIR}.{safe}"


def staged_outputs(home: Path, run_id: str) -> list[Path]:
    """The files the run has written so far for publication (relative to its outputs folder)."""
    folder = outputs_build_path(home, run_id)
    if not folder.is_dir():
        return []
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file() or p.is_symlink())


# The builds this process works on, by home: a step that writes outputs (or the Great Expectations
# Data Docs, reporting.gx_project) asks active_outputs(home) where to put them.
_RUNS_IN_PROCESS: dict[str, str] = {}


def active_outputs(home: Path) -> Path | None:
    """The outputs folder of the build this process is running in ``home``; None outside a build.

    A process is inside a build from its :func:`start_build` until the build is published or
    discarded. Outside one (``csw report``, tests, scripts), outputs go straight to ``outputs/``.
    """
    home = Path(home).resolve()
    run_id = _RUNS_IN_PROCESS.get(str(home))
    if run_id is None:
        return None
    lock = read_lock(home)
    if lock is None or lock.run_id != run_id or lock.state != "building":
        return None
    return outputs_build_path(home, run_id)


def run_process_pid() -> int:
    """The pid that lives as long as the run.

    ``execute_in_process`` (``csw run``) runs every step in this process. Dagster's multiprocess
    executor (runs launched by the daemon, the schedule, the sensor or the UI) runs each step in a
    child process that ends with the step; its parent (the run worker, or the forkserver the run
    worker owns and that exits with it) lives as long as the run.
    """
    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None and parent.pid else os.getpid()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    # A zombie (killed, not yet reaped by its parent) still answers kill(0): it is dead all the same.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def read_lock(home: Path) -> BuildLock | None:
    try:
        data = json.loads(lock_path(home).read_text(encoding="utf-8"))
        return BuildLock(**data)
    except FileNotFoundError:
        return None
    except (ValueError, TypeError):  # torn or foreign content: nobody can own it
        return BuildLock(run_id="?", pid=0, started_at="?", state="discarded")


def _write_lock(home: Path, lock: BuildLock, exclusive: bool) -> None:
    path = lock_path(home)
    data = json.dumps(asdict(lock)).encode("utf-8")
    if exclusive:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
    else:
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)


@contextmanager
def _guard(home: Path) -> Iterator[None]:
    """A short critical section around reading and taking the lock (released if the process dies)."""
    build_dir(home).mkdir(parents=True, exist_ok=True)
    with open(build_dir(home) / ".guard", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def lock_is_stale(lock: BuildLock, run_finished: Callable[[str], bool] | None = None) -> bool:
    """Free to take: published or discarded, its process is gone, or its run has finished."""
    if lock.state != "building":
        return True
    if not pid_alive(lock.pid):
        return True
    return bool(run_finished and run_finished(lock.run_id))


def _discard_stale_builds(home: Path, keep_run: str | None = None) -> list[Path]:
    """Remove the build copies and staged outputs of other runs (``keep_run``'s outputs stay)."""
    removed = []
    for path in build_dir(home).glob("warehouse.*"):
        path.unlink(missing_ok=True)
        removed.append(path)
    keep = outputs_build_path(home, keep_run) if keep_run else None
    for path in build_dir(home).glob(f"{OUTPUTS_DIR}.*"):
        if path != keep:
            _remove_tree(path)
            removed.append(path)
    return removed


def _remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


# --- moving a run's outputs into outputs/ --------------------------------------------------------

def _move_output(source: Path, target: Path) -> None:
    """One file into place: a rename (atomic for readers), or copy-then-rename across file systems."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)  # a folder where the new output is a file: the output wins
    try:
        os.replace(source, target)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        shutil.copy2(source, partial)
        os.replace(partial, target)
        source.unlink()


def _move_outputs(home: Path, folder: Path) -> list[Path]:
    """Move every file of ``folder`` to the same relative path under outputs/; idempotent (what
    an interrupted call moved is no longer in ``folder``). Returns the published paths."""
    moved = []
    if folder.is_dir():
        target_root = outputs_dir(home)
        for relative in sorted(p.relative_to(folder) for p in folder.rglob("*")
                               if (p.is_file() or p.is_symlink())
                               and not any(part.startswith(".staging-") for part in p.relative_to(folder).parts)):
            for ancestor in reversed(relative.parents[:-1]):  # a file where the output needs a folder
                if (target_root / ancestor).exists() and not (target_root / ancestor).is_dir():
                    (target_root / ancestor).unlink()
            _move_output(folder / relative, target_root / relative)
            moved.append(target_root / relative)
        for parent in sorted({p.parent for p in moved}):  # the renames survive a power cut too
            _fsync_dir(parent)
        _remove_tree(folder)
    return moved


def _finish_publishing(home: Path, lock: BuildLock) -> BuildLock:
    """Complete a publish that was interrupted (call under the guard, lock in state "publishing").

    The build file still there means the warehouse was not renamed: roll back (the staged outputs
    go, the published warehouse and outputs/ stay). Gone means it was: roll forward (move what is
    left of the staged outputs), so outputs/ describes the warehouse now published.
    """
    named = lock.outputs if re.fullmatch(rf"{OUTPUTS_DIR}\.[A-Za-z0-9_.-]+", lock.outputs or "") else None
    folder = build_dir(home) / named if named else outputs_build_path(home, lock.run_id)
    build = build_path(home, lock.run_id)
    if build.exists():
        for path in build_dir(home).glob(build.name + "*"):
            path.unlink(missing_ok=True)
        _remove_tree(folder)
        state = "discarded"
    else:
        _move_outputs(home, folder)
        state = "published"
    done = BuildLock(run_id=lock.run_id, pid=lock.pid, started_at=lock.started_at, state=state)
    _write_lock(home, done, exclusive=False)
    return done


def finish_interrupted_publish(home: Path) -> str | None:
    """Finish a publish a killed run left half done ("published" / "discarded"); None if none was."""
    home = Path(home).resolve()
    with _guard(home):
        lock = read_lock(home)
        if lock is None or lock.state != "publishing":
            return None
        return _finish_publishing(home, lock).state


def _copy_published(home: Path, target: Path) -> None:
    """Copy the published file (and any WAL an old-style writer left beside it) into the build."""
    published = published_path(home)
    partial = target.with_name(target.name + ".partial")
    if published.exists():
        shutil.copyfile(published, partial)
        wal = published.with_name(published.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, target.with_name(target.name + ".wal"))
        os.replace(partial, target)


def start_build(home: Path, run_id: str, pid: int | None = None,
                run_finished: Callable[[str], bool] | None = None) -> Path:
    """The run's build copy, started if this is the run's first call (idempotent within a run).

    Raises :class:`BuildInProgress` when another live run holds the lock, and
    :class:`BuildAlreadyPublished` when this run has already published (a step that runs after the
    publish step would otherwise start a second, never-published build).
    """
    home = home.resolve()
    target = build_path(home, run_id)
    with _guard(home):
        lock = read_lock(home)
        if lock is not None and lock.state == "publishing":  # a publish was killed: finish it first
            lock = _finish_publishing(home, lock)
        if lock is not None and lock.run_id == run_id:
            if lock.state == "published":
                raise BuildAlreadyPublished(
                    f"run {run_id} has already published the warehouse; a step that opens the warehouse "
                    "must run before the publish step (make asset checks blocking=True)")
            if lock.state == "building" and (target.exists() or not published_path(home).exists()):
                _RUNS_IN_PROCESS[str(home)] = run_id
                return target
        elif lock is not None and not lock_is_stale(lock, run_finished):
            raise BuildInProgress(lock)
        if lock is not None:
            lock_path(home).unlink(missing_ok=True)
        _write_lock(home, BuildLock(run_id=run_id, pid=pid or run_process_pid(),
                                    started_at=time.strftime("%Y-%m-%dT%H:%M:%S%z")), exclusive=True)
        _discard_stale_builds(home, keep_run=run_id)
        _copy_published(home, target)
    _RUNS_IN_PROCESS[str(home)] = run_id
    return target


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_published(build: Path, published: Path) -> None:
    os.replace(build, published)


def publish_build(home: Path, run_id: str) -> Path:
    """Atomically replace the published warehouse with this run's build, then move the run's
    outputs (:func:`outputs_build_path`) into ``outputs/``; returns the published path.

    The build is checkpointed (every change in the main file, no WAL) and closed first: the
    published file must be complete on its own, because readers open it read-only and a read-only
    connection cannot replay a WAL. If moving the outputs fails part way, :class:`OutputsNotMoved`
    is raised and the lock keeps saying "publishing": the next :func:`start_build` moves the rest.
    """
    home = home.resolve()
    target = build_path(home, run_id)
    with _guard(home):
        lock = read_lock(home)
        if lock is None or lock.run_id != run_id or lock.state != "building":
            raise RuntimeError(f"run {run_id} does not hold the build lock ({lock}); nothing published")
        if not target.exists():
            raise RuntimeError(f"run {run_id} has no build file at {target}; nothing published")
        con = duckdb.connect(str(target), config=duckdb_config(home))
        try:
            con.execute("checkpoint")
        finally:
            con.close()
        with open(target, "rb+") as fh:
            os.fsync(fh.fileno())
        published = published_path(home)
        staged = outputs_build_path(home, run_id)
        # The journal first: from here on, a killed publish is finished by the next start_build.
        _write_lock(home, BuildLock(run_id=run_id, pid=lock.pid, started_at=lock.started_at,
                                    state="publishing", outputs=staged.name), exclusive=False)
        # A WAL beside the published file would be replayed onto the new file: it can only come
        # from a writer that bypassed the build, and its changes are in no build. Drop it.
        published.with_name(published.name + ".wal").unlink(missing_ok=True)
        _replace_published(target, published)
        _fsync_dir(home)
        target.with_name(target.name + ".wal").unlink(missing_ok=True)
        try:
            _move_outputs(home, staged)
        except Exception as error:
            raise OutputsNotMoved(
                f"run {run_id} published {published} but moving its outputs from {staged} into "
                f"{outputs_dir(home)} failed ({error}); the next run (or `csw run`) finishes the move") from error
        _write_lock(home, BuildLock(run_id=run_id, pid=lock.pid, started_at=lock.started_at,
                                    state="published"), exclusive=False)
    return published


def discard_build(home: Path, run_id: str) -> bool:
    """Drop this run's build and release its lock (a failed run); the published file is untouched."""
    home = home.resolve()
    with _guard(home):
        lock = read_lock(home)
        if lock is None or lock.run_id != run_id or lock.state != "building":
            return False
        for path in build_dir(home).glob(build_path(home, run_id).name + "*"):
            path.unlink(missing_ok=True)
        _remove_tree(outputs_build_path(home, run_id))
        _write_lock(home, BuildLock(run_id=run_id, pid=lock.pid, started_at=lock.started_at,
                                    state="discarded"), exclusive=False)
    return True


@contextmanager
def building(home: Path, run_id: str, run_finished: Callable[[str], bool] | None = None) -> Iterator[Path]:
    """A build outside Dagster (``csw ingest``): the body writes the yielded copy and calls
    :func:`publish_build` when it is satisfied; an exception, or leaving without publishing,
    discards the copy."""
    path = start_build(home, run_id, pid=os.getpid(), run_finished=run_finished)
    try:
        yield path
    finally:
        discard_build(home, run_id)  # no-op once published


def describe(home: Path) -> str:
    """One line for ``csw status``: which run published the file, and whether a build is under way."""
    lock = read_lock(home.resolve())
    published = published_path(home)
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(published.stat().st_mtime)) if published.exists() else None
    head = f"published {when}" if when else "nothing published yet"
    if lock is None:
        return head
    if lock.state == "published":
        return f"{head} by run {lock.run_id}"
    if lock.state == "building" and pid_alive(lock.pid):
        return f"{head}; a build is in progress (run {lock.run_id}, since {lock.started_at})"
    if lock.state == "building":
        return f"{head}; the build of run {lock.run_id} did not finish (the next run discards it)"
    if lock.state == "publishing":
        return (f"{head}; the publish of run {lock.run_id} was interrupted (the next run finishes moving "
                "its outputs, or discards them if the warehouse was not replaced)")
    return f"{head}; the last build (run {lock.run_id}) was discarded"
