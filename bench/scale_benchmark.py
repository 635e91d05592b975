"""Benchmark: the nightly job at national scale, as the data team meets it (issue 11).

In a fresh home outside the repository (default /work/scale-bench/home) it writes the national demo
(``csw demo-data --forces N --years Y``: 43 forces x 10 years, about 60 million police.uk street rows,
by default), runs the full night from an empty warehouse (``csw run``), lands one new month of street
files for every force (``csw demo-data ... --add-month``) and runs the incremental night. Every step is
a whole ``csw`` process, timed by wall clock, its peak memory the largest sum of the resident memory
of its process tree (``/proc`` polled every 0.2 s: dbt and DuckDB run in child processes) and, where
``/usr/bin/time`` is installed, the largest single process's maximum RSS (``time -v``). A step that
fails is recorded with why (the failed phase, the DuckDB error, a kill by signal, a timeout) and the
benchmark goes on to write its report: a failure is a result, not a crash.

Results are appended to bench/scale.md (a section per run: machine, date, commit, data, a table).

    .venv/bin/python bench/scale_benchmark.py                      # 43 forces x 10 years (make bench-scale)
    .venv/bin/python bench/scale_benchmark.py --forces 5 --years 2 --home /work/scale-bench/small
    .venv/bin/python bench/scale_benchmark.py --generate-only      # time the generator alone
    .venv/bin/python bench/scale_benchmark.py --memory-limit 6GB   # [duckdb] memory_limit in the home

A national night can take 20 GB before the memory-bounded models land: on a shared machine set
``--memory-limit`` (written to the home's settings.toml) and a ``--timeout``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CSW = str(BIN / "csw")
TIME = Path("/usr/bin/time")
MARKER = ".csw-scale-bench"  # a home this benchmark made, and so may delete
PAGE = os.sysconf("SC_PAGE_SIZE")
NEXT_MONTH = "2025-10"  # the month after the demo's latest (ingestion.demo.DEMO_MONTHS)
TARGETS = {"demo": "< 10 min", "full": "< 30 min, < 8 GB", "add": "", "incremental": "< 3 min, < 8 GB"}


@dataclass
class Step:
    key: str
    what: str
    command: list[str]
    wall: float = 0.0
    peak_tree: int = 0  # bytes
    peak_process: int | None = None  # bytes, from time -v
    cpu: float | None = None  # user + system seconds of the process and its children, from time -v
    returncode: int | None = None
    result: str = ""
    stdout: str = ""
    stderr: str = ""
    extra: dict[str, str] = field(default_factory=dict)


# --- measuring a process tree ----------------------------------------------------------------------

def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants, from /proc/<pid>/stat (ppid and rss)."""
    parent, rss = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        pid = int(entry.name)
        parent[pid], rss[pid] = int(fields[1]), int(fields[21]) * PAGE
    children: dict[int, list[int]] = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def run_step(step: Step, env: dict[str, str], logs: Path, timeout: float) -> Step:
    """Run the step's command as its own process group; wall time, peak memory, exit code, output."""
    wrapped = [str(TIME), "-v", *step.command] if TIME.exists() else step.command
    out_path, err_path = logs / f"{step.key}.out", logs / f"{step.key}.err"
    print(f"[scale-bench] {step.what}: {' '.join(step.command)}", flush=True)
    started = time.monotonic()
    with out_path.open("w") as out, err_path.open("w") as err:
        proc = subprocess.Popen(wrapped, stdout=out, stderr=err, env=env, cwd=logs, start_new_session=True)
        peak, stop = [0], threading.Event()

        def poll() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], _tree_rss(proc.pid))
                stop.wait(0.2)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        try:
            proc.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        stop.set()
        poller.join()
    step.wall, step.peak_tree, step.returncode = time.monotonic() - started, peak[0], proc.returncode
    step.stdout, step.stderr = out_path.read_text(errors="replace"), err_path.read_text(errors="replace")
    if TIME.exists():
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", step.stderr)
        step.peak_process = int(m.group(1)) * 1024 if m else None
        cpu = re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", step.stderr)
        step.cpu = sum(map(float, cpu)) if len(cpu) == 2 else None
        m = re.search(r"Command terminated by signal (\d+)", step.stderr)
        if m:
            step.returncode = -int(m.group(1))
        elif (m := re.search(r"Exit status: (\d+)", step.stderr)) and proc.returncode == 0:
            step.returncode = int(m.group(1))
    step.result = _timeout_result(step, timeout) if timed_out else _result(step)
    print(f"[scale-bench]   {_duration(step.wall)}, peak {_gb(step.peak_tree)}: {step.result}", flush=True)
    return step


# --- what happened -----------------------------------------------------------------------------------

def _timeout_result(step: Step, timeout: float) -> str:
    return f"timed out after {_duration(timeout)} (stopped by the benchmark); {_phase_summary(step)}".rstrip("; ")


def _phase_summary(step: Step) -> str:
    """The phases `csw run` reported (``ok``/``FAILED`` lines), the last one first if it failed."""
    failed = [re.sub(r"\s{2,}", " ", line.strip()) for line in step.stdout.splitlines()
              if line.strip().startswith(("FAILED", "✗"))]
    return "; ".join(failed)


def _dagster_log(step: Step) -> Path | None:
    m = re.search(r"full Dagster log: (\S+)", step.stdout)
    return Path(m.group(1)) if m else None


def _error_hint(step: Step) -> str:
    """The first DuckDB/dbt error in the night's log or output: Out of Memory, and the model it hit."""
    texts = [step.stderr, step.stdout]
    log = _dagster_log(step)
    if log is not None and log.exists():
        texts.append(log.read_text(errors="replace")[-2_000_000:])
    for text in texts:
        m = re.search(r"(Out of Memory Error[^\n]{0,160})", text)
        if m:
            model = re.findall(r"(?:model|Database Error in model) [\w.]*?(\w+) \(", text[:m.start()])
            where = f" in {model[-1]}" if model else ""
            return f"{m.group(1).strip()}{where}"
    for text in texts:
        m = re.search(r"((?:Runtime|Database|Compilation) Error[^\n]*\n?[^\n]{0,200})", text)
        if m:
            return re.sub(r"\s+", " ", m.group(1)).strip()
    return ""


def _result(step: Step) -> str:
    rc = step.returncode
    if rc is not None and rc < 0:
        name = signal.Signals(-rc).name if -rc in signal.Signals._value2member_map_ else str(-rc)
        why = " (the kernel's out-of-memory killer?)" if -rc == signal.SIGKILL else ""
        return f"killed by {name}{why} after {_duration(step.wall)}"
    if step.key in ("demo", "add"):
        if rc == 0:
            return "ok"
        tail = [line for line in step.stderr.splitlines() if line.strip() and not line.startswith("\t")]
        return f"failed (exit {rc}): {tail[-1] if tail else 'no message'}"
    if rc == 0 and "PUBLISHED" in step.stdout:
        return "published"
    reasons, lines = [], step.stderr.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COULD NOT RUN"):
            reasons.append(line.strip())
        if line.startswith(("NOT PUBLISHED", "COULD NOT RUN")):
            reasons += [x.strip().lstrip("- ") for x in lines[i + 1:i + 4] if x.strip().startswith("-")]
            break
    phases, hint = _phase_summary(step), _error_hint(step)
    parts = [p for p in (*reasons, phases, hint) if p]
    return f"NOT PUBLISHED (exit {rc}, after {_duration(step.wall)}): " + ("; ".join(parts) or "no reason printed")


# --- the report --------------------------------------------------------------------------------------

def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def _gb(n: int | None) -> str:
    return "n/a" if not n else f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.0f} MB"


def _du(path: Path) -> int:
    if not path.exists():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _machine(load_at_start: str) -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) * 1024
    except (OSError, AttributeError):
        mem = 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"{platform.machine()}, {cores} cores ({cpu}), {mem / 2**30:.1f} GiB RAM, Python "
            f"{platform.python_version()}; load average (1, 5, 15 min) {load_at_start} at the start, {_load()} "
            f"at the end (other work on the machine slows every step)")


def _memory_setting(home: Path, args: argparse.Namespace) -> str:
    if args.memory_limit or args.threads is not None:
        threads = "shipped" if args.threads is None else args.threads
        return f"memory_limit {args.memory_limit or 'shipped'}, threads {threads} (the home's settings.toml)"
    try:
        shipped = tomllib.loads((REPO / "warehouse" / "default_settings.toml").read_text()).get("duckdb", {})
    except (OSError, tomllib.TOMLDecodeError):
        shipped = {}
    if shipped:
        return f"memory_limit {shipped.get('memory_limit')}, threads {shipped.get('threads')} (shipped defaults)"
    return "no DuckDB memory limit setting in this commit (DuckDB's own default: 80% of RAM)"


def report(args: argparse.Namespace, home: Path, steps: list[Step], started: datetime, load: str,
           logs: Path) -> str:
    commit, dirty = _git("rev-parse", "--short", "HEAD"), _git("status", "--porcelain")
    rows = next((s.extra.get("rows") for s in steps if s.key == "demo"), None) or "unknown"
    landing = home / "landing"
    street = landing / "police_street"
    files = len(list(street.iterdir())) if street.exists() else 0
    lines = [
        f"## {started:%Y-%m-%d %H:%M} UTC: {args.forces} forces x {args.years} years, scale {args.scale}"
        + (" (generator only)" if args.generate_only else ""),
        "",
        f"- machine: {_machine(load)}",
        f"- commit: {commit}" + (f" with {len(dirty.splitlines())} uncommitted changes in the working tree" if dirty
                                 and dirty != "unknown" else ""),
        f"- DuckDB: {_memory_setting(home, args)}",
        f"- data: {rows} police.uk street rows in {files:,} files; landing {_gb(_du(landing))} on disk "
        f"(home {home})",
    ]
    if not args.generate_only:
        lines.append(f"- warehouse after the last night: {_gb(_du(home / 'warehouse.duckdb'))} "
                     f"(warehouse.duckdb); home without the landing "
                     f"{_gb(_du(home) - _du(landing))}")
    lines += ["", "| step | wall time | CPU time (time -v) | peak memory (process tree) | largest process (time -v) "
                  "| target | result |", "|---|---|---|---|---|---|---|"]
    for s in steps:
        result = s.result.replace("|", "/")
        cpu = "n/a" if s.cpu is None else _duration(s.cpu)
        lines.append(f"| {s.what} | {_duration(s.wall)} | {cpu} | {_gb(s.peak_tree)} | {_gb(s.peak_process)} | "
                     f"{TARGETS.get(s.key, '')} | {result} |")
    lines += ["", f"Logs: {logs}: each step's stdout and stderr (the nights' Dagster logs: their paths are in "
                  "the `.out` files).", ""]
    return "\n".join(lines)


HEADER = """# National-scale benchmark (`make bench-scale`, bench/scale_benchmark.py)

Each run: the national demo written into a fresh home outside the repository, the full night from an
empty warehouse, one new month of street files for every force, the incremental night. Wall time and
peak memory (the sum over the process tree, polled from /proc; the largest single process from
`/usr/bin/time -v`) of each `csw` process, and its CPU time (user + system, from `time -v`: what the
step costs whatever else runs on the machine). Targets (issue 11): the generator under 10 minutes for 43
forces x 10 years; the full night under 30 minutes and 8 GB; the incremental night under 3 minutes.
Newest run last.

"""


def write_report(out: Path, section: str) -> None:
    text = out.read_text(encoding="utf-8") if out.exists() else HEADER
    out.write_text(text.rstrip("\n") + "\n\n" + section, encoding="utf-8")


# --- main --------------------------------------------------------------------------------------------

def fresh_home(home: Path) -> None:
    """Remove a home this benchmark made before (it has the marker); refuse any other non-empty folder."""
    resolved = home.resolve()
    if resolved == REPO or REPO in resolved.parents or str(resolved).startswith("/dev/shm"):
        raise SystemExit(f"scale-bench: {home} is in the repository or on /dev/shm; use a folder on disk outside it")
    if resolved.exists() and any(resolved.iterdir()):
        if not (resolved / MARKER).exists():
            raise SystemExit(f"scale-bench: {home} exists and was not made by this benchmark; not deleting it")
        shutil.rmtree(resolved)
    resolved.mkdir(parents=True, exist_ok=True)
    (resolved / MARKER).write_text("made by bench/scale_benchmark.py; deleted by its next run\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forces", type=int, default=43)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--scale", type=float, default=1.0, help="row volume multiplier of the demo")
    parser.add_argument("--home", type=Path, default=Path("/work/scale-bench/home"))
    parser.add_argument("--memory-limit", help='DuckDB memory_limit for the nights, e.g. "6GB" (settings.toml)')
    parser.add_argument("--threads", type=int, help="DuckDB threads for the nights (settings.toml)")
    parser.add_argument("--timeout", type=float, default=3 * 3600, help="seconds before a step is stopped")
    parser.add_argument("--generate-only", action="store_true", help="write the demo and stop (no nights)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "scale.md")
    args = parser.parse_args()

    started, load = datetime.now(timezone.utc), _load()
    home = args.home
    fresh_home(home)
    logs = home.parent / "logs" / f"{home.name}-{started:%Y%m%dT%H%M%S}"
    logs.mkdir(parents=True, exist_ok=True)
    if args.memory_limit or args.threads is not None:
        body = "".join([f'memory_limit = "{args.memory_limit}"\n' if args.memory_limit else "",
                        f"threads = {args.threads}\n" if args.threads is not None else ""])
        (home / "settings.toml").write_text(f"# written by bench/scale_benchmark.py\n[duckdb]\n{body}\n")
    env = {**os.environ, "CSW_HOME": str(home.resolve()), "DAGSTER_HOME": str(home.resolve() / "dagster"),
           "CSW_WRITE_DOTENV": "0", "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    span = ["--forces", str(args.forces), "--years", str(args.years), "--scale", str(args.scale)]
    csw = [CSW, "--home", str(home.resolve())]
    plan = [Step("demo", f"write the demo (csw demo-data --forces {args.forces} --years {args.years})",
                 [*csw, "demo-data", *span])]
    if not args.generate_only:
        plan += [Step("full", "full night from empty (csw run)", [*csw, "run"]),
                 Step("add", f"land {NEXT_MONTH} for every force (csw demo-data ... --add-month)",
                      [*csw, "demo-data", *span, "--add-month", NEXT_MONTH]),
                 Step("incremental", "incremental night, one new month (csw run)", [*csw, "run"])]
    steps: list[Step] = []
    for step in plan:
        steps.append(run_step(step, env, logs, args.timeout))
        if step.key == "demo":
            m = re.search(r"police_street rows: ([\d,]+)", step.stdout)
            step.extra["rows"] = m.group(1) if m else ""
        if step.key in ("demo", "add") and step.returncode != 0:
            break  # nothing to run a night on
    section = report(args, home, steps, started, load, logs)
    write_report(args.out, section)
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
